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

std::vector<bool>& Plot::row(const std::string& task, std::map<std::string, std::vector<bool>>& buckets) {
  if (!runs_.count(task) && !held_.count(task)) order_.push_back(task);
  return buckets.try_emplace(task, std::vector<bool>(static_cast<std::size_t>(width_), false)).first->second;
}

void Plot::run(const std::string& task, Time start, Time end) {
  std::vector<bool>& b = row(task, runs_);
  for (int i = bucket(start); i <= bucket(end); ++i) b[static_cast<std::size_t>(i)] = true;
}

void Plot::held(const std::string& task, Time start, Time end) {
  std::vector<bool>& b = row(task, held_);
  if (end <= start) return;
  for (int i = bucket(start); i <= bucket(end - 1); ++i) b[static_cast<std::size_t>(i)] = true;
}

void Plot::stop(const std::string& task, Time t) { stops_[task].push_back(t); }

bool Plot::write(const std::string& path, const std::string& title, const host::PowerConfig* power) const {
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
  if (power) {  // "almost drained": below it only critical scenarios run
    const double y = kTop + kChartHeight - power->low_charge * kChartHeight;
    std::fprintf(f,
                 "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#d22\" stroke-dasharray=\"4 3\"/>\n"
                 "<text x=\"%d\" y=\"%.1f\" fill=\"#d22\" text-anchor=\"end\">low</text>\n",
                 kLeft, y, kLeft + width_, y, kLeft - 40, y + 4);
  }
  if (!charge_.empty()) {
    // One point per sample while they fit; beyond two per pixel column, each
    // column keeps its lowest and highest sample (in time order), so a long
    // mission's file stays small and no dip is lost.
    std::fprintf(f, "<polyline fill=\"none\" stroke=\"#2a7\" stroke-width=\"1.5\" points=\"");
    auto point = [&](const std::pair<Time, double>& p) {
      std::fprintf(f, "%.1f,%.1f ", x(p.first), kTop + kChartHeight - p.second * kChartHeight / 100.0);
    };
    if (charge_.size() <= 2 * static_cast<std::size_t>(width_)) {
      for (const auto& p : charge_) point(p);
    } else {
      for (std::size_t i = 0; i < charge_.size();) {
        const int column = bucket(charge_[i].first);
        std::size_t lo = i, hi = i, j = i;
        for (; j < charge_.size() && bucket(charge_[j].first) == column; ++j) {
          if (charge_[j].second < charge_[lo].second) lo = j;
          if (charge_[j].second > charge_[hi].second) hi = j;
        }
        point(charge_[std::min(lo, hi)]);
        if (lo != hi) point(charge_[std::max(lo, hi)]);
        i = j;
      }
    }
    std::fprintf(f, "\"/>\n");
  }
  // Per-task timeline: a mark where the task ran, red ticks where its watchdog stopped it.
  for (int i = 0; i < rows; ++i) {
    const std::string& task = order_[static_cast<std::size_t>(i)];
    const int y = timeline_top + i * kRowHeight;
    std::fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", kLeft - 5, y + 12,
                 json_escape(task).c_str());
    // Held for power: an orange band under the row; runs: blue bars over it.
    auto spans = [&](const std::map<std::string, std::vector<bool>>& buckets, int dy, int h, const char* colour) {
      auto it = buckets.find(task);
      if (it == buckets.end()) return;
      const std::vector<bool>& b = it->second;
      for (int c = 0; c < width_;) {
        if (!b[static_cast<std::size_t>(c)]) {
          ++c;
          continue;
        }
        int e = c;
        while (e < width_ && b[static_cast<std::size_t>(e)]) ++e;
        std::fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>\n", kLeft + c, y + dy,
                     e - c, h, colour);
        c = e;
      }
    };
    spans(held_, kRowHeight - 6, 4, "#f90");
    spans(runs_, 3, kRowHeight - 9, "#36c");
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
               "<text x=\"%d\" y=\"%d\" fill=\"#666\">blue: runs (one pixel = %s); orange: scenario held for power; "
               "red: watchdog stops; shaded: eclipse</text>\n</svg>\n",
               kLeft, axis_y + 18, format_duration(duration_ / width_).c_str());
  return std::fclose(f) == 0;
}

}  // namespace dyn::cli
