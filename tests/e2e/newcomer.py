#!/usr/bin/env python3
"""The newcomer's walkthrough (docs/modules.md, "Your first module"), run as written.

The SDK and the tool are installed from the build tree under test into a
temporary prefix (the walkthrough's step 0, scripts/install.sh, does the same
from a Release tree). Then, in an empty directory, every file the walkthrough
shows is written from the doc (and must equal examples/sun_sensor/), every
command of its `<!-- run -->` blocks is run in order with that prefix on the
PATH and CMAKE_PREFIX_PATH, and what they print is checked — including every
console line the doc says the run prints.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def fail(message):
    print(f"FAIL: {message}")
    sys.exit(1)


def walkthrough(doc_text):
    """(files, commands, expected console lines) between the walkthrough markers."""
    begin = doc_text.find("<!-- walkthrough:begin -->")
    end = doc_text.find("<!-- walkthrough:end -->")
    if begin < 0 or end < begin:
        fail("docs/modules.md has no walkthrough markers")
    body = doc_text[begin:end]
    fence = re.compile(r"<!-- (file: (?P<file>[^ ]+)|(?P<run>run)|(?P<expect>expect)[^>]*) -->\n```[a-z]*\n(?P<text>.*?)```",
                       re.S)
    files, commands, expected = {}, [], []
    for m in fence.finditer(body):
        if m.group("file"):
            files[m.group("file")] = m.group("text")
        elif m.group("run"):
            commands += [line for line in m.group("text").splitlines() if line.strip() and not line.startswith("#")]
        else:
            expected += [line for line in m.group("text").splitlines() if line.strip()]
    return files, commands, expected


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cmake", required=True)
    ap.add_argument("--build-dir", required=True, type=Path)
    ap.add_argument("--source-dir", required=True, type=Path)
    args = ap.parse_args()

    files, commands, expected = walkthrough((args.source_dir / "docs" / "modules.md").read_text())
    example = args.source_dir / "examples" / "sun_sensor"
    if sorted(files) != sorted(p.name for p in example.iterdir()):
        fail(f"the walkthrough shows {sorted(files)}, examples/sun_sensor has {sorted(p.name for p in example.iterdir())}")
    for name, text in files.items():
        if (example / name).read_text() != text:
            fail(f"docs/modules.md's {name} differs from examples/sun_sensor/{name}")
    if len(commands) < 6 or len(expected) < 5:
        fail(f"the walkthrough lost its commands or its expected output: {commands} {expected}")

    tmp = Path(tempfile.mkdtemp(prefix="dynsched-newcomer-"))
    try:
        prefix = tmp / "prefix"
        install = subprocess.run([args.cmake, "--install", str(args.build_dir), "--prefix", str(prefix)],
                                 capture_output=True, text=True)
        if install.returncode != 0:
            fail(f"cmake --install: {install.stdout}{install.stderr}")
        for installed in ["bin/dynsched", "include/dynsched.h", "share/dynsched/modules/beacon/beacon.o"]:
            if not (prefix / installed).exists():
                fail(f"{installed} was not installed")
        if not list(prefix.rglob("cmake/dynsched/dynschedConfig.cmake")):
            fail("no dynschedConfig.cmake installed")

        work = tmp / "sun_sensor"  # an empty directory: nothing of the checkout
        work.mkdir()
        for name, text in files.items():
            (work / name).write_text(text)
        env = dict(os.environ)
        env["PATH"] = f"{prefix / 'bin'}:{env.get('PATH', '')}"
        env["CMAKE_PREFIX_PATH"] = str(prefix)
        env.pop("CMAKE_GENERATOR", None)
        outputs = []
        for command in commands:
            r = subprocess.run(["bash", "-c", command], cwd=work, env=env, capture_output=True, text=True, timeout=300)
            if r.returncode != 0:
                fail(f"`{command}` exited with {r.returncode}:\n{r.stdout}\n{r.stderr}")
            outputs.append((command, r.stdout + r.stderr))
        by_command = {c: o for c, o in outputs}

        def output_of(prefix_text):
            for c, o in outputs:
                if c.startswith(prefix_text):
                    return o
            fail(f"the walkthrough has no command starting with `{prefix_text}`")

        # What the doc says each step shows.
        v1 = output_of("dynsched inspect build/sun_sensor_v1.o")
        for needle in ["verdict: accepted", "state 8 B of schema 1", "dyn_logf  <- the kernel"]:
            if needle not in v1:
                fail(f"inspect of v1 does not say `{needle}`:\n{v1}")
        v2 = output_of("dynsched inspect build/sun_sensor_v2.o --update-from")
        for needle in ["update verdict: can replace the installed version",
                       "ok       probation: 3 consistent points within 4m",
                       "installed: schema 1, 8 B, no checkpoint hook; new: schema 2, 12 B, restore hook"]:
            if needle not in v2:
                fail(f"inspect --update-from of v2 does not say `{needle}`:\n{v2}")
        v3 = output_of("dynsched inspect build/sun_sensor_v3.o --update-from")
        if "ok       state: same schema and size: copied as it is" not in v3:
            fail(f"inspect --update-from of v3 does not see the same layout:\n{v3}")
        run = output_of("dynsched run mission.toml")
        for line in expected:
            if line not in run:
                fail(f"the doc says the run prints\n  {line}\nbut it printed:\n{run}")
        if not re.search(r"^sun_sensor +sun_sensor v2 ", run, re.M):
            fail(f"the summary does not show version 2 running:\n{run}")
        samples = output_of("dynsched log sun.log --task sun_sensor")
        counts = [int(n) for n in re.findall(r"sample (\d+)$", samples, re.M)]
        if counts != list(range(1, len(counts) + 1)) or len(counts) < 300:
            fail(f"the sample count does not go on across the updates: {counts[:5]} ... {counts[-5:]}")
        if "(max " not in samples or "stopped by its watchdog" not in samples:
            fail(f"the task's log lacks version 2's lines or the watchdog stop:\n{samples[:2000]}")
        system = output_of("dynsched log sun.log --task system")
        for needle in ["update sun_sensor v1 -> v2: committed; the old version is freed",
                       "update sun_sensor v2 -> v3: rolled back: watchdog stop during probation"]:
            if needle not in system:
                fail(f"the persisted log lacks `{needle}`:\n{system}")

        # The trace: the update steps on the task's own track.
        trace = json.loads((work / "sun.json").read_text())
        events = trace["traceEvents"] if isinstance(trace, dict) else trace
        tids = {e["tid"] for e in events if e.get("ph") == "M" and e.get("args", {}).get("name") == "sun_sensor"}
        steps = [e["name"] for e in events if e.get("cat") == "update" and e.get("tid") in tids]
        want = ["update: staged", "update: checkpointed", "update: committed",
                "update: staged", "update: checkpointed", "update: rolled back"]
        if steps != want:
            fail(f"update steps on the sun_sensor track: {steps}, expected {want}")
        svg = (work / "sun.svg").read_text()
        if "<svg" not in svg[:300]:
            fail("sun.svg is not an SVG")
        marks = re.findall(r'<g class="mark (update-[a-z-]+)"', svg)
        if marks != ["update-committed", "update-rolled-back"]:
            fail(f"sun.svg marks {marks}, expected the commit and the rollback")
        print(f"newcomer walkthrough: {len(files)} files, {len(commands)} commands, {len(expected)} console lines "
              f"checked; {len(counts)} samples across 2 updates")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
