// svg_plot.cpp — renders the mission plot by hand (a few dozen SVG elements, no library).
#include "svg_plot.hpp"

#include <algorithm>
#include <cstdio>

#include "duration.hpp"
#include "trace_writer.hpp"

namespace dyn::cli {

namespace {
constexpr int kLeft = 170, kTop = 40, kChartHeight = 160, kRowHeight = 18, kRight = 20;
}

Plot::Plot(Time duration, int width) : duration_(duration > 0 ? duration : 1), width_(width) {}

int Plot::bucket(Time t) const {
  const auto b = static_cast<int>(static_cast<double>(t) / static_cast<double>(duration_) * width_);
  return std::clamp(b, 0, width_ - 1);
}

void Plot::charge(Time t, double percent) { charge_.emplace_back(t, percent); }

void Plot::run(const std::string& task, Time start, Time end) {
  auto [it, fresh] = runs_.try_emplace(task, std::vector<bool>(static_cast<std::size_t>(width_), false));
  if (fresh) order_.push_back(task);
  for (int b = bucket(start); b <= bucket(end); ++b) it->second[static_cast<std::size_t>(b)] = true;
}

void Plot::stop(const std::string& task, Time t) { stops_[task].push_back(t); }

bool Plot::write(const std::string& path, const std::string& title, const PowerConfig* power) const {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return false;
  const int rows = static_cast<int>(order_.size());
  const int timeline_top = kTop + kChartHeight + 40;
  const int height = timeline_top + rows * kRowHeight + 40;
  const int total_width = kLeft + width_ + kRight;
  auto x = [&](Time t) { return kLeft + static_cast<double>(t) / static_cast<double>(duration_) * width_; };
  std::fprintf(f,
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
               "font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
               total_width, height);
  std::fprintf(f, "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">%s</text>\n", kLeft,
               json_escape(title).c_str());
  // Eclipses, shaded across the chart and the timeline.
  if (power) {
    for (Time orbit = 0; orbit < duration_; orbit += power->orbit_period) {
      const Time from = orbit + power->orbit_period - power->eclipse;
      const Time to = std::min(duration_, orbit + power->orbit_period);
      if (from >= duration_) break;
      std::fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#e8e8f4\"/>\n", x(from), kTop,
                   x(to) - x(from), height - kTop - 30);
    }
  }
  // State of charge.
  std::fprintf(f, "<text x=\"10\" y=\"%d\">battery charge</text>\n", kTop + kChartHeight / 2);
  for (int p : {0, 50, 100}) {
    const int y = kTop + kChartHeight - p * kChartHeight / 100;
    std::fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ccc\"/>\n", kLeft, y, kLeft + width_, y);
    std::fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%d%%</text>\n", kLeft - 5, y + 4, p);
  }
  if (!charge_.empty()) {
    std::fprintf(f, "<polyline fill=\"none\" stroke=\"#2a7\" stroke-width=\"1.5\" points=\"");
    for (const auto& [t, pct] : charge_)
      std::fprintf(f, "%.1f,%.1f ", x(t), kTop + kChartHeight - pct * kChartHeight / 100.0);
    std::fprintf(f, "\"/>\n");
  }
  // Per-task timeline: a mark where the task ran, red ticks where its watchdog stopped it.
  for (int i = 0; i < rows; ++i) {
    const std::string& task = order_[static_cast<std::size_t>(i)];
    const int y = timeline_top + i * kRowHeight;
    std::fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", kLeft - 5, y + 12,
                 json_escape(task).c_str());
    const auto& b = runs_.at(task);
    for (int c = 0; c < width_;) {
      if (!b[static_cast<std::size_t>(c)]) {
        ++c;
        continue;
      }
      int e = c;
      while (e < width_ && b[static_cast<std::size_t>(e)]) ++e;
      std::fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#36c\"/>\n", kLeft + c, y + 3, e - c,
                   kRowHeight - 6);
      c = e;
    }
    if (auto s = stops_.find(task); s != stops_.end())
      for (Time t : s->second)
        std::fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"3\" height=\"%d\" fill=\"#d22\"/>\n", x(t) - 1, y,
                     kRowHeight);
  }
  // Time axis.
  const int axis_y = timeline_top + rows * kRowHeight + 15;
  for (int k = 0; k <= 8; ++k) {
    const Time t = duration_ * k / 8;
    std::fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x(t), axis_y,
                 format_clock(t).substr(0, format_clock(t).size() - 4).c_str());
  }
  std::fprintf(f,
               "<text x=\"%d\" y=\"%d\" fill=\"#666\">blue: runs (one pixel = %s); red: watchdog stops; "
               "shaded: eclipse</text>\n</svg>\n",
               kLeft, axis_y + 18, format_duration(duration_ / width_).c_str());
  return std::fclose(f) == 0;
}

}  // namespace dyn::cli
