#!/usr/bin/env python3
"""The hot calls timed in plain loops, cwasmtime and wasmtime-py interleaved in one
process: each round times every case once (timeit), so a slow spell of this shared VM
hits both columns alike; the table gives the median of the rounds. Unlike
scripts/bench.py (pytest-benchmark), no harness call (`fn(*args, **kwargs)`) sits in
the loop: this is the cost a user's own loop sees.

    python scripts/bench_interleaved.py [--rounds 15]   # needs the bench extra
"""
from __future__ import annotations

import argparse
import statistics
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from guests import LOOP_CALLBACKS, Guest  # noqa: E402

# case: (cwasmtime statement, wasmtime-py statement, calls per statement); names starting
# with c are cwasmtime's (cs its store), with w wasmtime-py's, `typed` cwasmtime's typed add.
CASES = {
    "add(store, 1, 2)": ("cadd(cs, 1, 2)", "wadd(ws, 1, 2)", 1),
    "typed add(1, 2)": ("typed(1, 2)", None, 1),
    "nop(store)": ("cnop(cs)", "wnop(ws)", 1),
    "host callback, per call from a wasm loop": ("cloop(cs)", "wloop(ws)", LOOP_CALLBACKS),
    "Global.value(store)": ("cg.value(cs)", "wg.value(ws)", 1),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    cw, wt = Guest("cwasmtime"), Guest("wasmtime-py")
    names = {"typed": cw.exports["add"].typed(cw.store)}
    for prefix, guest in (("c", cw), ("w", wt)):
        names[prefix + "s"] = guest.store
        for name, export in (("add", "add"), ("nop", "nop"), ("loop", "loop_cb"), ("g", "g")):
            names[prefix + name] = guest.exports[export]
    # About 2 ms per timing for each statement: loops sized from one quick timing.
    loops = {stmt: max(1, int(2e-3 / timeit.timeit(stmt, globals=names, number=10) * 10))
             for stmts in CASES.values() for stmt in stmts[:2] if stmt}
    samples: dict[str, list[float]] = {stmt: [] for stmt in loops}
    for round_ in range(args.rounds + 1):  # the first round warms up, discarded
        for stmt, n in loops.items():
            took = timeit.timeit(stmt, globals=names, number=n) / n
            if round_:
                samples[stmt].append(took)
    print("| operation | cwasmtime (ns) | wasmtime-py (ns) | wasmtime-py / cwasmtime |")
    print("| --- | ---: | ---: | ---: |")
    for case, (ours, theirs, calls) in CASES.items():
        mine = statistics.median(samples[ours]) / calls * 1e9
        if theirs is None:
            print(f"| {case} | {mine:,.1f} | | |")
            continue
        other = statistics.median(samples[theirs]) / calls * 1e9
        print(f"| {case} | {mine:,.1f} | {other:,.0f} | {other / mine:,.0f}× |")


if __name__ == "__main__":
    main()
