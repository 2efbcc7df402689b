#!/usr/bin/env bash
# `dynsched run --plot OUT.svg` draws the battery's charge, a per-task
# timeline and the live updates: a well-formed SVG with the charge curve,
# every task's row, the watchdog stops, a mark for each update outcome at its
# time on the updated task's row (the demo's commit and rollbacks, and a
# refused request added here), a legend of every kind of mark, and no label
# cut at the picture's edges.
set -u
dynsched=$1 mission=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dynsched-plot.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# The demo, plus an update the runner refuses at request time (no such module).
# Module names resolve through the default module path, so the copy runs anywhere.
cp "$mission" "$tmp/mission.toml"
cat >>"$tmp/mission.toml" <<'EOF'

[[update]]
at = "1110m"
task = "beacon"
module = "beacon_v9_does_not_exist"
EOF
"$dynsched" run "$tmp/mission.toml" --for 19h --plot "$tmp/plot.svg" >"$tmp/out" 2>"$tmp/err" \
  || { echo "FAIL: run with --plot"; cat "$tmp/err"; exit 1; }
python3 - "$tmp/plot.svg" "$tmp/out" "$tmp/err" 19 <<'PY' || exit 1
import re, sys, xml.etree.ElementTree as ET
svg_path, out_path, err_path, hours = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
root = ET.parse(svg_path).getroot()
ns = "{http://www.w3.org/2000/svg}"
def fail(msg):
    sys.exit("FAIL: " + msg)
def micros(clock):  # "[1d]HH:MM:SS.mmm"
    d, _, hms = clock.rpartition("d")
    h, m, s = hms.split(":")
    return ((int(d or 0) * 24 + int(h)) * 3600 + int(m) * 60 + float(s)) * 1e6
def width(text, size=12.0):
    # An independent, generous estimate: 0.64 em a character.
    return len(text) * 0.64 * size

texts = list(root.iter(ns + "text"))
words = [t.text for t in texts]
for task in ("adcs", "beacon", "experiment", "payload_camera"):
    if task not in words:
        fail(f"no row for {task}")
lines = [p for p in root.iter(ns + "polyline") if p.get("class") == "charge"]
if len(lines) != 1 or len(lines[0].get("points").split()) != hours * 60 + 1:
    fail(f"the charge curve should have one point per minute of {hours} h")

# Where mission time maps to x: the time axis's first and last labels.
axis = [t for t in texts if t.get("class") == "axis"]
x0, x1 = float(axis[0].get("x")), float(axis[-1].get("x"))
duration = hours * 3600e6
def x_of(t):
    return x0 + t / duration * (x1 - x0)

# The experiment is stopped every 2 h from 00:00: ticks on its row only.
row_y = {t.text: float(t.get("y")) - 12 for t in texts if t.get("class") == "task"}
stops = [r for r in root.iter(ns + "rect") if r.get("class") == "stop"]
on_experiment = [r for r in stops if float(r.get("y")) == row_y["experiment"]]
if len(on_experiment) != hours // 2 + 1:
    fail(f"expected {hours // 2 + 1} watchdog stops of experiment in {hours} h, found {len(on_experiment)}")

# Update outcomes, as the console and the summary give their times.
err, out = open(err_path).read(), open(out_path).read()
want = []
for clock, what in re.findall(r"^\[([0-9d:.]+)\] system \w+: update beacon [^:]*: (committed|rolled back)", err, re.M):
    want.append(("update-committed" if what == "committed" else "update-rolled-back", micros(clock)))
refused = re.findall(r"^  \[([0-9d:.]+)\] beacon <- beacon_v9_does_not_exist: refused", out, re.M)
want += [("update-refused", micros(c)) for c in refused]
kinds = sorted(k for k, _ in want)
if kinds != ["update-committed", "update-refused", "update-rolled-back", "update-rolled-back"]:
    fail(f"the run should commit once, roll back twice and refuse once: {kinds}\n{err}")
marks = [g for g in root.iter(ns + "g") if "mark" in (g.get("class") or "").split()]
if len(marks) != 4:
    fail(f"expected 4 update marks, found {len(marks)}")
for kind, t in want:
    found = False
    for g in marks:
        mx, my = (float(v) for v in re.match(r"translate\(([-\d.]+) ([-\d.]+)\)", g.get("transform")).groups())
        if kind in g.get("class").split() and abs(mx - x_of(t)) <= 1.0:
            found = True
            if not row_y["beacon"] <= my <= row_y["beacon"] + 18:
                fail(f"{kind} mark at y {my}, not on beacon's row ({row_y['beacon']})")
    if not found:
        fail(f"no {kind} mark at x {x_of(t):.1f} (mission time {t / 3600e6:.3f} h)")

# The legend explains every kind of mark the picture uses.
legend = [t.text for g in root.iter(ns + "g") if g.get("class") == "legend" for t in g.iter(ns + "text")]
for entry in ("battery charge", "low charge (20%)", "eclipse", "task ran (1 px = ", "stopped by its watchdog or a fault",
              "update committed", "update rolled back or aborted", "update refused"):
    if not any(e.startswith(entry) for e in legend):
        fail(f"no legend entry '{entry}': {legend}")
if any("held for power" in e for e in legend):
    fail("the legend explains a mark the demo does not use (held for power)")

# Nothing is cut at the edges: labels, by where they are anchored.
svg_width = float(root.get("width"))
for t in texts:
    x, w, anchor = float(t.get("x")), width(t.text, float(t.get("font-size") or 12)), t.get("text-anchor") or "start"
    lo, hi = {"start": (x, x + w), "middle": (x - w / 2, x + w / 2), "end": (x - w, x)}[anchor]
    if lo < 0 or hi > svg_width:
        fail(f"label '{t.text}' spans {lo:.0f}..{hi:.0f}, the picture 0..{svg_width:.0f}")
last = axis[-1]
if float(last.get("x")) + width(last.text) > svg_width:
    fail(f"the last time label '{last.text}' at x {last.get('x')} runs past the width {svg_width}")
if float(root.get("height")) < max(float(t.get("y")) for t in texts) + 4:
    fail("the legend runs past the picture's bottom")
print("ok: plot with the charge curve, task rows, watchdog stops, update marks at their times, a legend, no label cut")
PY
