// svg_plot.hpp — a mission at a glance: state of charge, a per-task timeline and live updates, as SVG.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "power_model.hpp"
#include "dyn/time.hpp"
#include "dyn/update_manager.hpp"

namespace dyn::cli {

// What a live update came to, as the plot marks it.
enum class UpdateMark : std::uint8_t {
  Committed,   // the new version stays
  RolledBack,  // rolled back or aborted: the old version runs (again)
  Refused,     // refused at request time: nothing was staged
};

// A rough width of `text` in pixels in a sans-serif font of `size` pixels:
// an upper bound for the plot's own labels (mostly digits, lower case), so a
// label placed by it is not cut at the picture's edge.
double estimate_text_width(std::string_view text, double size, bool bold = false);

// Collects what the picture needs while a mission runs, in bounded memory:
// runs, holds and stops are binned into one bucket per horizontal pixel, and
// update marks keep one of each kind per task and pixel.
class Plot {
 public:
  Plot(Time duration, int width = 1200);
  void charge(Time t, double percent);
  void run(const std::string& task, Time start, Time end);
  void stop(const std::string& task, Time t);  // a watchdog or fault stop
  // The meta-scheduler held the task's scenario for power over [start, end).
  void held(const std::string& task, Time start, Time end);
  // A step of a live update of `task` (empty: the task is gone): commits,
  // rollbacks and aborts are marked; the other steps are not outcomes.
  void update(const std::string& task, UpdateStep step, Time t, std::string_view text);
  // An update of `task` refused when it was requested (it never reached the kernel).
  void update_refused(const std::string& task, Time t, std::string_view why);
  // Writes the SVG; `power` (may be null) shades the eclipses. False if the file cannot be written.
  [[nodiscard]] bool write(const std::string& path, const std::string& title, const host::PowerConfig* power) const;

 private:
  struct Row {
    std::string task;
    std::vector<bool> runs, held, stops;  // per pixel column
  };
  struct Mark {
    std::size_t row;  // index into rows_, or kNoRow: the task is gone
    UpdateMark kind;
    int column;
    Time t;
    std::string text;
  };
  static constexpr std::size_t kNoRow = static_cast<std::size_t>(-1);
  int bucket(Time t) const;
  Row& row(const std::string& task);
  void mark(const std::string& task, UpdateMark kind, Time t, std::string_view text);
  Time duration_;
  int width_;
  std::vector<std::pair<Time, double>> charge_;
  std::vector<Row> rows_;                      // in order of first appearance
  std::map<std::string, std::size_t> row_of_;  // task -> index into rows_
  std::vector<Mark> marks_;                    // at most one per (row, kind, column)
};

}  // namespace dyn::cli
