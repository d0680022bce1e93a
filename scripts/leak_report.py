#!/usr/bin/env python3
"""RSS before and after each operation tests/test_leaks.py bounds, as figures to report.

    python scripts/leak_report.py
"""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_leaks import OPERATIONS, rss  # noqa: E402


def main() -> None:
    for name, (make, times, warmup) in OPERATIONS.items():
        operation = make()
        for _ in range(warmup):
            operation()
        before = rss()
        started = time.perf_counter()
        for _ in range(times):
            operation()
        after = rss()
        print(f"{name:45s} RSS {before / 2**20:6.1f} -> {after / 2**20:6.1f} MiB "
              f"({(after - before) / 2**20:+.2f}) in {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
