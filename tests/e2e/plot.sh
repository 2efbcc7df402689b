#!/usr/bin/env bash
# `dynsched run --plot OUT.svg` draws the battery's charge and a per-task
# timeline: a well-formed SVG with the charge curve, every task's row and the
# watchdog stops.
set -u
dynsched=$1 mission=$2
svg=$(mktemp -u "${TMPDIR:-/tmp}/dynsched-plot.XXXXXX.svg")
trap 'rm -f "$svg"' EXIT
"$dynsched" run "$mission" --for 3h --plot "$svg" >/dev/null 2>&1 || { echo "FAIL: run with --plot"; exit 1; }
python3 - "$svg" <<'PY' || exit 1
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
texts = [t.text for t in root.iter(ns + "text")]
for task in ("adcs", "beacon", "experiment", "payload_camera"):
    if task not in texts:
        sys.exit(f"FAIL: no row for {task}")
lines = list(root.iter(ns + "polyline"))
if len(lines) != 1 or len(lines[0].get("points").split()) != 181:
    sys.exit("FAIL: the charge curve should have one point per minute of 3 h")
red = [r for r in root.iter(ns + "rect") if r.get("fill") == "#d22"]
if len(red) != 2:
    sys.exit(f"FAIL: expected the experiment's 2 watchdog stops in 3 h, found {len(red)}")
print("ok: plot with the charge curve, task rows and watchdog stops")
PY
