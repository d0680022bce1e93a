#!/usr/bin/env python3
"""RSS before/after the operations tests/test_leaks.py bounds, as figures to report.

    python scripts/leak_report.py
"""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import test_leaks as L  # noqa: E402  (its guest and rss())

import cwasmtime as wt  # noqa: E402

def measure(name, op, times, warm):
    for _ in range(warm):
        op()
    b = L.rss()
    t = time.perf_counter()
    for _ in range(times):
        op()
    print(f"{name:45s} RSS {b/2**20:7.1f} MiB -> {L.rss()/2**20:7.1f} MiB ({(L.rss()-b)/2**20:+.2f}) in {time.perf_counter()-t:.2f}s")


store, ex = L.guest(lambda x: x)
add, loop = ex["add"], ex["loop"]
measure("1,000,000 guest calls", lambda: add(store, 1, 2), 1_000_000, 100_000)
measure("1,000,000 host callbacks (1000 x 1000)", lambda: loop(store, 1000), 1000, 100)


def fail(x):
    raise ValueError(x)


s2, ex2 = L.guest(fail)
def once():
    try:
        ex2["loop"](s2, 1)
    except ValueError:
        pass


measure("100,000 host-callback exceptions", once, 100_000, 10_000)
engine = wt.Engine()
module = wt.Module(engine, L.WAT)
ty = wt.FuncType([wt.ValType.i32()], [wt.ValType.i32()])


def thousand():
    st = wt.Store(engine)
    cb = wt.Func(st, ty, lambda x: x)
    for _ in range(1000):
        wt.Instance(st, module, [cb])
    st.close()


measure("10,000 instantiations (10 stores x 1000)", thousand, 10, 2)
