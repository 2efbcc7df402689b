#!/usr/bin/env python3
"""End-to-end check of `dynsched run` on a mission file.

Runs the mission twice with the same seed and checks, from the Chrome trace:
  - the trace is valid JSON in the Trace Event Format, with a thread name for
    every task that ran;
  - every task the mission declares ran at least once (unless --may-starve);
  - run segments never overlap (one CPU) and lie inside the mission time;
  - multilevel recurring jobs: two starts are at least an interval apart
    (seed 001: the interval is a minimum wait);
  - watchdog events name a task that has a watchdog, and appear when expected;
  - the summary table lists every task; the two runs are byte-identical.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from mission_checks import UNITS, fail, micros


def run(dynsched, mission, duration, trace, seed):
    cmd = [dynsched, "run", mission, "--for", duration, "--trace", trace, "--seed", str(seed)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        fail(f"{' '.join(cmd)} exited {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dynsched", required=True)
    ap.add_argument("--mission", required=True)
    ap.add_argument("--for", dest="duration", required=True)
    ap.add_argument("--expect-watchdog", action="append", default=[], help="task expected to be stopped")
    ap.add_argument("--may-starve", action="append", default=[], help="task allowed not to run")
    args = ap.parse_args()

    spec = tomllib.loads(Path(args.mission).read_text())
    policy = spec["scheduler"]["policy"]
    declared = spec.get("task", []) + spec.get("onetime", [])
    names = {t["name"] for t in declared}
    duration = micros(args.duration)

    with tempfile.TemporaryDirectory() as tmp:
        t1, t2 = f"{tmp}/a.json", f"{tmp}/b.json"
        summary = run(args.dynsched, args.mission, args.duration, t1, 5)
        run(args.dynsched, args.mission, args.duration, t2, 5)
        raw = Path(t1).read_bytes()
        if raw != Path(t2).read_bytes():
            fail("two runs with the same seed produced different traces")
        trace = json.loads(raw)

    events = trace["traceEvents"]
    thread_names = {e["tid"]: e["args"]["name"] for e in events if e.get("ph") == "M" and e["name"] == "thread_name"}
    runs = [e for e in events if e.get("ph") == "X"]
    if not runs:
        fail("no run events in the trace")
    for e in runs:
        if not (isinstance(e["ts"], int) and isinstance(e["dur"], int) and e["ts"] >= 0 and e["dur"] >= 0):
            fail(f"bad ts/dur in {e}")
        if e["ts"] + e["dur"] > duration:
            fail(f"run past the end of the mission: {e}")
        if thread_names.get(e["tid"]) != e["name"]:
            fail(f"run event {e['name']} on tid {e['tid']} named {thread_names.get(e['tid'])}")
    ran = {e["name"] for e in runs}
    missing = names - ran - set(args.may_starve)
    if missing:
        fail(f"tasks that never ran: {sorted(missing)}")

    ordered = sorted(runs, key=lambda e: (e["ts"], e["dur"]))
    for a, b in zip(ordered, ordered[1:]):
        if a["ts"] + a["dur"] > b["ts"]:
            fail(f"overlapping runs on one CPU: {a} and {b}")

    if policy == "multilevel":
        for t in spec.get("task", []):
            if "interval" not in t or t.get("model") == "loop":
                continue
            starts = [e["ts"] for e in runs if e["name"] == t["name"] and e["args"]["start"]]
            gaps = [b - a for a, b in zip(starts, starts[1:])]
            if gaps and min(gaps) < micros(t["interval"]):
                fail(f"{t['name']}: two starts {min(gaps)} us apart, interval {t['interval']}")

    watchdogs = [e for e in events if e.get("name") == "watchdog"]
    limits = {t["name"]: t.get("watchdog") for t in declared}
    for w in watchdogs:
        task = w["args"]["task"]
        if not limits.get(task):
            fail(f"watchdog event for {task}, which has no watchdog")
        if w["args"]["cpu_us"] < micros(limits[task]):
            fail(f"{task} stopped after {w['args']['cpu_us']} us, before its limit {limits[task]}")
    stopped = {w["args"]["task"] for w in watchdogs}
    for task in args.expect_watchdog:
        if task not in stopped:
            fail(f"expected a watchdog stop of {task}")
    unexpected = stopped - set(args.expect_watchdog)
    if unexpected:
        fail(f"unexpected watchdog stops: {sorted(unexpected)}")

    if "power" in spec:
        samples = [e for e in events if e.get("ph") == "C" and e.get("name") == "battery"]
        if len(samples) != duration // 60_000_000 + 1:
            fail(f"{len(samples)} battery samples for {duration // 60_000_000} minutes")
        if not all(0.0 <= e["args"]["charge %"] <= 100.0 for e in samples):
            fail("battery charge outside 0..100 %")
        if "battery: charge" not in summary:
            fail("summary has no battery line")

    for n in names:
        if n not in summary:
            fail(f"summary does not list {n}")
    print(f"ok: {args.mission}: {len(runs)} runs, {len(watchdogs)} watchdog stops, {len(ran)} tasks ran")


if __name__ == "__main__":
    main()
