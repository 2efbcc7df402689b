// svg_plot.cpp — renders the mission plot by hand (a few hundred SVG elements, no library).
//
// Colours are the Okabe–Ito palette, and every kind of mark also has its own
// shape, so the picture reads without telling colours apart: runs are bars,
// holds a thin band under them, stops tall ticks, a commit a triangle up, a
// rollback a triangle down, a refusal a cross. The legend lists each one the
// picture uses, drawn as it appears.
#include "svg_plot.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "duration.hpp"

namespace dyn::cli {

namespace {
constexpr int kMinLeft = 170, kTop = 40, kChartHeight = 160, kRowHeight = 18, kMinRight = 20, kLegendRow = 18;
constexpr double kFont = 12, kTitleFont = 15;
constexpr const char* kRunColour = "#0072B2";       // blue
constexpr const char* kHeldColour = "#E69F00";      // orange
constexpr const char* kStopColour = "#D55E00";      // vermillion
constexpr const char* kCommitColour = "#009E73";    // bluish green
constexpr const char* kRollbackColour = "#CC79A7";  // reddish purple
constexpr const char* kRefusedColour = "#000000";
constexpr const char* kChargeColour = "#444444";
constexpr const char* kEclipseColour = "#e8e8f4";

// Task names and titles are printable ASCII (the mission parser checks), but may hold <, & or quotes.
std::string xml_escape(std::string_view s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
    }
  }
  return out;
}

const char* css_class(UpdateMark k) {
  switch (k) {
    case UpdateMark::Committed: return "update-committed";
    case UpdateMark::RolledBack: return "update-rolled-back";
    case UpdateMark::Refused: return "update-refused";
  }
  return "update";
}

const char* colour(UpdateMark k) {
  switch (k) {
    case UpdateMark::Committed: return kCommitColour;
    case UpdateMark::RolledBack: return kRollbackColour;
    case UpdateMark::Refused: return kRefusedColour;
  }
  return kRefusedColour;
}

// The mark's shape, centred on (0, 0), with a white outline so it shows on a run bar.
void shape(std::FILE* f, UpdateMark k) {
  switch (k) {
    case UpdateMark::Committed:
      std::fprintf(f, "<polygon points=\"0,-8 7,5 -7,5\" fill=\"%s\" stroke=\"white\"/>", kCommitColour);
      break;
    case UpdateMark::RolledBack:
      std::fprintf(f, "<polygon points=\"0,8 7,-5 -7,-5\" fill=\"%s\" stroke=\"white\"/>", kRollbackColour);
      break;
    case UpdateMark::Refused:
      std::fprintf(f,
                   "<path d=\"M-6,-6L6,6M6,-6L-6,6\" stroke=\"white\" stroke-width=\"5\"/>"
                   "<path d=\"M-6,-6L6,6M6,-6L-6,6\" stroke=\"%s\" stroke-width=\"2.5\"/>",
                   kRefusedColour);
      break;
  }
}

// The axis shows clock times without the milliseconds.
std::string axis_label(Time t) {
  const std::string clock = format_clock(t);
  return clock.substr(0, clock.size() - 4);
}
}  // namespace

double estimate_text_width(std::string_view text, double size, bool bold) {
  // Per-character advances of common sans-serif faces (DejaVu, Helvetica),
  // rounded up: narrow punctuation, wide m/w and capitals, the rest.
  double em = 0;
  for (const char c : text) {
    if (std::string_view(" .,:;!|'()[]ijlft").find(c) != std::string_view::npos) em += 0.40;
    else if (c == 'm' || c == 'w' || c == 'M' || c == 'W') em += 1.0;
    else if (std::isupper(static_cast<unsigned char>(c))) em += 0.80;
    else em += 0.66;
  }
  return em * size * (bold ? 1.1 : 1.0);
}

Plot::Plot(Time duration, int width) : duration_(duration > 0 ? duration : 1), width_(width) {}

int Plot::bucket(Time t) const {
  const auto b = static_cast<int>(static_cast<double>(t) / static_cast<double>(duration_) * width_);
  return std::clamp(b, 0, width_ - 1);
}

void Plot::charge(Time t, double percent) { charge_.emplace_back(t, percent); }

Plot::Row& Plot::row(const std::string& task) {
  auto [it, added] = row_of_.try_emplace(task, rows_.size());
  if (added) {
    const auto w = static_cast<std::size_t>(width_);
    rows_.push_back(Row{task, std::vector<bool>(w), std::vector<bool>(w), std::vector<bool>(w)});
  }
  return rows_[it->second];
}

void Plot::run(const std::string& task, Time start, Time end) {
  std::vector<bool>& b = row(task).runs;
  for (int i = bucket(start); i <= bucket(end); ++i) b[static_cast<std::size_t>(i)] = true;
}

void Plot::held(const std::string& task, Time start, Time end) {
  std::vector<bool>& b = row(task).held;
  if (end <= start) return;
  for (int i = bucket(start); i <= bucket(end - 1); ++i) b[static_cast<std::size_t>(i)] = true;
}

void Plot::stop(const std::string& task, Time t) { row(task).stops[static_cast<std::size_t>(bucket(t))] = true; }

void Plot::mark(const std::string& task, UpdateMark kind, Time t, std::string_view text) {
  std::size_t r = kNoRow;
  if (!task.empty()) {
    const Row& own = row(task);  // first: row() may append to rows_ and move it
    r = static_cast<std::size_t>(&own - rows_.data());
  }
  const int column = bucket(t);
  for (const Mark& m : marks_)
    if (m.row == r && m.kind == kind && m.column == column) return;  // one per pixel: the first says it
  marks_.push_back(Mark{r, kind, column, t, std::string(text)});
}

void Plot::update(const std::string& task, UpdateStep step, Time t, std::string_view text) {
  if (step == UpdateStep::Committed) mark(task, UpdateMark::Committed, t, text);
  if (step == UpdateStep::RolledBack || step == UpdateStep::Aborted) mark(task, UpdateMark::RolledBack, t, text);
}

void Plot::update_refused(const std::string& task, Time t, std::string_view why) {
  mark(task, UpdateMark::Refused, t, why);
}

bool Plot::write(const std::string& path, const std::string& title, const host::PowerConfig* power) const {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return false;
  // Margins wide enough for the longest task name on the left and the last
  // time label (centred on the end of the axis) on the right.
  double names = 0;
  for (const Row& r : rows_) names = std::max(names, estimate_text_width(r.task, kFont));
  const int left = std::max(kMinLeft, static_cast<int>(names) + 15);
  const int right = std::max(kMinRight, static_cast<int>(estimate_text_width(axis_label(duration_), kFont)) + 20);
  const int total_width =
      std::max(left + width_ + right, left + static_cast<int>(estimate_text_width(title, kTitleFont, true)) + 20);
  const int rows = static_cast<int>(rows_.size());
  const int timeline_top = kTop + kChartHeight + 40;
  const int timeline_bottom = timeline_top + rows * kRowHeight;
  const int axis_y = timeline_bottom + 15;
  auto x = [&](Time t) { return left + static_cast<double>(t) / static_cast<double>(duration_) * width_; };

  // The legend: what the picture uses, laid out in rows that fit its width.
  bool any_runs = false, any_held = false, any_stops = false, any_mark[3] = {};
  for (const Row& r : rows_) {
    any_runs = any_runs || std::find(r.runs.begin(), r.runs.end(), true) != r.runs.end();
    any_held = any_held || std::find(r.held.begin(), r.held.end(), true) != r.held.end();
    any_stops = any_stops || std::find(r.stops.begin(), r.stops.end(), true) != r.stops.end();
  }
  for (const Mark& m : marks_) any_mark[static_cast<int>(m.kind)] = true;
  enum class Swatch { Charge, Low, Eclipse, Runs, Held, Stop, Committed, RolledBack, Refused };
  struct Entry {
    Swatch swatch;
    std::string text;
  };
  std::vector<Entry> legend;
  if (!charge_.empty()) legend.push_back({Swatch::Charge, "battery charge"});
  if (power) {
    char low[64];
    std::snprintf(low, sizeof low, "low charge (%.0f%%)", power->low_charge * 100);
    legend.push_back({Swatch::Low, low});
    legend.push_back({Swatch::Eclipse, "eclipse"});
  }
  if (any_runs) legend.push_back({Swatch::Runs, "task ran (1 px = " + format_duration(duration_ / width_) + ")"});
  if (any_held) legend.push_back({Swatch::Held, "scenario held for power"});
  if (any_stops) legend.push_back({Swatch::Stop, "stopped by its watchdog or a fault"});
  if (any_mark[0]) legend.push_back({Swatch::Committed, "update committed"});
  if (any_mark[1]) legend.push_back({Swatch::RolledBack, "update rolled back or aborted"});
  if (any_mark[2]) legend.push_back({Swatch::Refused, "update refused"});
  struct Placed {
    const Entry* entry;
    int x, y;
  };
  std::vector<Placed> placed;
  const int legend_top = axis_y + 22;
  {  // a grid of equal columns, as many as fit beside each other
    int column_width = 0;
    for (const Entry& e : legend)
      column_width = std::max(column_width, 22 + static_cast<int>(estimate_text_width(e.text, kFont)) + 16);
    const int columns = std::max(1, (total_width - left - 10) / std::max(1, column_width));
    for (std::size_t i = 0; i < legend.size(); ++i) {
      const int c = static_cast<int>(i) % columns, r = static_cast<int>(i) / columns;
      placed.push_back({&legend[i], left + c * column_width, legend_top + r * kLegendRow});
    }
  }
  const int height = (placed.empty() ? legend_top : placed.back().y + kLegendRow) + 8;

  std::fprintf(f,
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
               "font-size=\"%.0f\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
               total_width, height, kFont);
  std::fprintf(f, "<text class=\"title\" x=\"%d\" y=\"22\" font-size=\"%.0f\" font-weight=\"bold\">%s</text>\n", left,
               kTitleFont, xml_escape(title).c_str());
  // Eclipses, shaded across the chart and the timeline.
  if (power) {
    for (Time orbit = 0; orbit < duration_; orbit += power->orbit_period) {
      const Time from = orbit + power->orbit_period - power->eclipse;
      const Time to = std::min(duration_, orbit + power->orbit_period);
      if (from >= duration_) break;
      std::fprintf(f, "<rect class=\"eclipse\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n",
                   x(from), kTop, x(to) - x(from), timeline_bottom - kTop, kEclipseColour);
    }
  }
  // State of charge.
  std::fprintf(f, "<text x=\"10\" y=\"%d\">battery charge</text>\n", kTop + kChartHeight / 2);
  for (int p : {0, 50, 100}) {
    const int y = kTop + kChartHeight - p * kChartHeight / 100;
    std::fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ccc\"/>\n", left, y, left + width_, y);
    std::fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%d%%</text>\n", left - 5, y + 4, p);
  }
  if (power) {  // "almost drained": below it only critical scenarios run
    const double y = kTop + kChartHeight - power->low_charge * kChartHeight;
    std::fprintf(f,
                 "<line class=\"low\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" "
                 "stroke-dasharray=\"4 3\"/>\n<text x=\"%d\" y=\"%.1f\" fill=\"%s\" text-anchor=\"end\">low</text>\n",
                 left, y, left + width_, y, kStopColour, left - 40, y + 4, kStopColour);
  }
  if (!charge_.empty()) {
    // One point per sample while they fit; beyond two per pixel column, each
    // column keeps its lowest and highest sample (in time order), so a long
    // mission's file stays small and no dip is lost.
    std::fprintf(f, "<polyline class=\"charge\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"",
                 kChargeColour);
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
  // Each update outcome: a dashed line across the chart and the timeline, behind the rows.
  for (const Mark& m : marks_)
    std::fprintf(f,
                 "<line class=\"%s-line\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" "
                 "stroke-dasharray=\"3 3\"/>\n",
                 css_class(m.kind), x(m.t), kTop, x(m.t), timeline_bottom, colour(m.kind));
  // Per-task timeline: runs as bars, holds for power as a band under them, stops as tall ticks.
  auto spans = [&](const std::vector<bool>& b, int y, int h, const char* cls, const char* fill) {
    for (int c = 0; c < width_;) {
      if (!b[static_cast<std::size_t>(c)]) {
        ++c;
        continue;
      }
      int e = c;
      while (e < width_ && b[static_cast<std::size_t>(e)]) ++e;
      std::fprintf(f, "<rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>\n", cls,
                   left + c, y, e - c, h, fill);
      c = e;
    }
  };
  for (int i = 0; i < rows; ++i) {
    const Row& r = rows_[static_cast<std::size_t>(i)];
    const int y = timeline_top + i * kRowHeight;
    std::fprintf(f, "<text class=\"task\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", left - 5, y + 12,
                 xml_escape(r.task).c_str());
    spans(r.held, y + kRowHeight - 6, 4, "held", kHeldColour);
    spans(r.runs, y + 3, kRowHeight - 9, "run", kRunColour);
    for (int c = 0; c < width_; ++c)
      if (r.stops[static_cast<std::size_t>(c)])
        std::fprintf(f, "<rect class=\"stop\" x=\"%.1f\" y=\"%d\" width=\"3\" height=\"%d\" fill=\"%s\"/>\n",
                     left + c - 1.0, y, kRowHeight, kStopColour);
  }
  // Update marks on the task's row (above the timeline when the task is gone), over everything.
  for (const Mark& m : marks_) {
    const int cy = m.row == kNoRow ? timeline_top - 10 : timeline_top + static_cast<int>(m.row) * kRowHeight + 9;
    std::fprintf(f, "<g class=\"mark %s\" transform=\"translate(%.1f %d)\"><title>%s %s</title>", css_class(m.kind),
                 x(m.t), cy, format_clock(m.t).c_str(), xml_escape(m.text).c_str());
    shape(f, m.kind);
    std::fprintf(f, "</g>\n");
  }
  // Time axis.
  for (int k = 0; k <= 8; ++k) {
    const Time t = duration_ * k / 8;
    std::fprintf(f, "<text class=\"axis\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x(t), axis_y,
                 axis_label(t).c_str());
  }
  // Legend: each swatch drawn as the mark is, then its words.
  for (const Placed& p : placed) {
    const int cy = p.y - 4;  // the middle of a 12-pixel text line whose baseline is p.y
    std::fprintf(f, "<g class=\"legend\">");
    switch (p.entry->swatch) {
      case Swatch::Charge:
        std::fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"1.5\"/>", p.x,
                     cy, p.x + 16, cy, kChargeColour);
        break;
      case Swatch::Low:
        std::fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-dasharray=\"4 3\"/>", p.x,
                     cy, p.x + 16, cy, kStopColour);
        break;
      case Swatch::Eclipse:
        std::fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"16\" height=\"12\" fill=\"%s\" stroke=\"#bbb\"/>", p.x,
                     cy - 6, kEclipseColour);
        break;
      case Swatch::Runs:
        std::fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"16\" height=\"9\" fill=\"%s\"/>", p.x, cy - 5, kRunColour);
        break;
      case Swatch::Held:
        std::fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"16\" height=\"4\" fill=\"%s\"/>", p.x, cy + 2, kHeldColour);
        break;
      case Swatch::Stop:
        std::fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"3\" height=\"14\" fill=\"%s\"/>", p.x + 6, cy - 7,
                     kStopColour);
        break;
      case Swatch::Committed:
      case Swatch::RolledBack:
      case Swatch::Refused: {
        const auto kind = p.entry->swatch == Swatch::Committed    ? UpdateMark::Committed
                          : p.entry->swatch == Swatch::RolledBack ? UpdateMark::RolledBack
                                                                  : UpdateMark::Refused;
        std::fprintf(f,
                     "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-dasharray=\"3 3\"/>"
                     "<g transform=\"translate(%d %d)\">",
                     p.x + 8, cy - 8, p.x + 8, cy + 8, colour(kind), p.x + 8, cy);
        shape(f, kind);
        std::fprintf(f, "</g>");
        break;
      }
    }
    std::fprintf(f, "<text x=\"%d\" y=\"%d\">%s</text></g>\n", p.x + 22, p.y, xml_escape(p.entry->text).c_str());
  }
  std::fprintf(f, "</svg>\n");
  return std::fclose(f) == 0;
}

}  // namespace dyn::cli
