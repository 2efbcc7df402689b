"""Helpers shared by the end-to-end mission checks."""
import sys

UNITS = {"us": 1, "ms": 1000, "s": 1_000_000, "m": 60_000_000, "h": 3_600_000_000, "d": 86_400_000_000}


def micros(text):
    """A mission-file duration ("30s", "1.5h") in microseconds."""
    for suffix in ("us", "ms", "s", "m", "h", "d"):
        if text.endswith(suffix) and text[: -len(suffix)].replace(".", "", 1).isdigit():
            return round(float(text[: -len(suffix)]) * UNITS[suffix])
    raise ValueError(text)


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)
