#!/usr/bin/env python3
"""End-to-end check of seed 003's meta-scheduler on the 7-day example mission.

Runs `dynsched run missions/week.toml` with a trace and a plot, then checks
from the mission file, the trace and the summary:
  - every run of a scenario task starts inside its window (week day, hours),
    with the settings in force at the time (ground commands change them);
  - runs of an interval scenario are 60 min / repeats apart (less the
    lateness of a run, at most 1 s here);
  - no scenario is woken at or below the low-charge threshold unless it is
    critical, and every "battery almost drained" hold was made there;
  - on-solar scenarios are never woken in eclipse and their holds say so;
  - the critical heater runs every 10 minutes of the week, whatever the
    battery: 6 x 24 x 7 = 1008 runs, and is never held;
  - the summary's scenarios table shows power-driven holds, the plot marks
    them, and a second run writes the same trace.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

from mission_checks import UNITS as US, fail, micros

HOUR = US["h"]
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def settings(base, change):
    s = dict(base)
    s.update({k: v for k, v in change.items() if k not in ("at", "scenario")})
    return s


def week_days(days):
    if days in (None, "all"):
        return set(range(7))
    if days == "weekdays":
        return set(range(5))
    if days == "weekend":
        return {5, 6}
    return {DAYS.index(d) for d in days}


def in_window(s, t):
    """Seed 003 window: [start, end) hours of the days in the mask; a window
    across midnight belongs to the day it opens on."""
    start, end = (int(x) for x in s.get("hours", "00-24").split("-"))
    day, hour = (t // (24 * HOUR)) % 7, (t % (24 * HOUR)) / HOUR
    days = week_days(s.get("days"))
    if start < end:
        return day in days and start <= hour < end
    return (day in days and hour >= start) or (((day - 1) % 7) in days and hour < end)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dynsched", required=True)
    ap.add_argument("--mission", required=True)
    a = ap.parse_args()
    mission = tomllib.loads(Path(a.mission).read_text())
    low = mission["power"]["low_charge"]
    with tempfile.TemporaryDirectory() as tmp:
        trace, plot, again = Path(tmp) / "week.json", Path(tmp) / "week.svg", Path(tmp) / "again.json"
        cmd = [a.dynsched, "run", a.mission, "--trace", str(trace), "--plot", str(plot)]
        first = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        if first.returncode != 0:
            fail(f"{' '.join(cmd)} exited {first.returncode}\n{first.stdout}\n{first.stderr}")
        subprocess.run([a.dynsched, "run", a.mission, "--trace", str(again)], capture_output=True, timeout=600)
        # Same mission, same seed: the same decisions at the same instants.
        if trace.read_bytes() != again.read_bytes():
            fail("two runs of the same mission wrote different traces")
        events = json.loads(trace.read_text())["traceEvents"]
        svg = ET.parse(plot).getroot()

    scenarios = {s["task"]: s for s in mission["scenario"]}
    commands = sorted(mission.get("command", []), key=lambda c: micros(c["at"]))

    def settings_at(task, t):
        s = scenarios[task]
        for c in commands:
            if c["scenario"] == task and micros(c["at"]) <= t:
                s = settings(s, c)
        return s

    starts = {task: [] for task in scenarios}
    for e in events:
        if e.get("ph") == "X" and e.get("args", {}).get("start") and e["name"] in starts:
            starts[e["name"]].append(e["ts"])
    for task, ts in starts.items():
        for t in ts:
            s = settings_at(task, t)
            if s["priority"] == "off":
                fail(f"{task} ran at {t / HOUR:.2f} h with priority off")
            if not in_window(s, t):
                fail(f"{task} ran at {t / HOUR:.2f} h, outside its window {s.get('days', 'all')} {s.get('hours')}")
        repeats = scenarios[task].get("repeats", 0)
        if repeats:
            gap = max(HOUR // repeats, 5 * US["m"])
            # A renewal releases the task at the pass, on the meta grid, so two
            # starts may be closer than the period by the first one's lateness.
            for prev, cur in zip(ts, ts[1:]):
                if cur - prev < gap - US["s"]:
                    fail(f"{task}: runs at {prev} and {cur} are closer than {gap} us")
    if len(starts["heater"]) != 6 * 24 * 7:
        fail(f"the critical heater ran {len(starts['heater'])} times, expected 1008 (every 10 min for 7 days)")

    meta = [e for e in events if e.get("cat") == "meta"]
    if not meta:
        fail("no meta-scheduler decisions in the trace")
    held_low = 0
    for e in meta:
        args, name = e["args"], e["name"]
        task, charge = args["task"], args["charge_percent"]
        critical = scenarios[task].get("critical", False)
        if name == "meta: wake" and charge <= low and not critical:
            fail(f"{task} woken at {charge}% charge (low threshold {low}%) at {e['ts'] / HOUR:.2f} h")
        if name == "meta: held" and args["reason"] == "battery almost drained":
            held_low += 1
            if charge > low + 0.05:
                fail(f"{task} held as drained at {charge}%")
        if name == "meta: wake" and scenarios[task].get("runs_on") == ["solar"] and not args["sunlight"]:
            fail(f"on-solar {task} woken in eclipse")
        if name == "meta: held" and args["reason"] == "no accepted power source" and args["sunlight"] \
                and scenarios[task].get("runs_on") == ["solar"]:
            fail(f"on-solar {task} held for no source in sunlight")
        if task == "heater" and name in ("meta: held", "meta: stop"):
            fail(f"the critical heater was {name} ({args['reason']})")
    if held_low == 0:
        fail("the week never held a scenario for a drained battery: the example no longer shows the override")

    summary = first.stdout
    if "scenarios (meta-scheduler every 30m" not in summary or "power-driven decisions:" not in summary:
        fail("the summary has no scenarios table\n" + summary)
    holds = int(summary.split("power-driven decisions:")[1].split()[0])
    if holds < held_low:
        fail(f"summary counts {holds} holds, the trace {held_low} for the battery alone")
    ns = "{http://www.w3.org/2000/svg}"
    if not [r for r in svg.iter(ns + "rect") if r.get("class") == "held"]:
        fail("the plot marks no scenario held for power")
    print(f"ok: {sum(len(v) for v in starts.values())} scenario runs inside their windows, {len(meta)} decisions, "
          f"{holds} power holds ({held_low} at low charge), heater 1008/1008")


main()
