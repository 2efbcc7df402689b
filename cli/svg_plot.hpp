// svg_plot.hpp — a mission at a glance: state of charge and a per-task timeline, as SVG.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "power_model.hpp"
#include "dyn/time.hpp"

namespace dyn::cli {

// Collects what the picture needs while a mission runs, in bounded memory:
// runs are binned into one bucket per horizontal pixel.
class Plot {
 public:
  Plot(Time duration, int width = 1200);
  void charge(Time t, double percent);
  void run(const std::string& task, Time start, Time end);
  void stop(const std::string& task, Time t);  // a watchdog stop
  // The meta-scheduler held the task's scenario for power over [start, end).
  void held(const std::string& task, Time start, Time end);
  // Writes the SVG; `power` (may be null) shades the eclipses. False if the file cannot be written.
  bool write(const std::string& path, const std::string& title, const host::PowerConfig* power) const;

 private:
  int bucket(Time t) const;
  Time duration_;
  int width_;
  std::vector<std::pair<Time, double>> charge_;
  std::vector<bool>& row(const std::string& task, std::map<std::string, std::vector<bool>>& buckets);
  std::map<std::string, std::vector<bool>> runs_;  // task -> buckets with a run
  std::map<std::string, std::vector<bool>> held_;  // task -> buckets held for power
  std::map<std::string, std::vector<Time>> stops_;
  std::vector<std::string> order_;                 // tasks in order of first appearance
};

}  // namespace dyn::cli
