"""asyncio scenarios that are not per-call timings (see test_bench_asyncio.py for those):

* 1,000 concurrent guest calls, one Store each, each calling an async host function
  that awaits ``asyncio.sleep(0.05)``: the wall time of the whole gather (sync calls
  would take 50 s);
* a CPU-bound guest (a loop of about ``--seconds``) run with ``call_async`` next to a
  task that sleeps 1 ms in a loop: that task's largest gap between wake-ups (and its
  99th percentile), without yields, with an epoch yield at every tick of a 1 ms
  EpochTicker, and with a fuel yield every million units.

``python benchmarks/asyncio_scenarios.py [--uvloop] [--seconds 2]`` prints a markdown table.
"""
from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any, Awaitable, List, Tuple

import cwasmtime as wt

SLEEPER = """(module
  (import "host" "sleep" (func $sleep (param i32) (result i32)))
  (func (export "run") (param i32) (result i32) local.get 0 call $sleep))"""
SPIN = """(module (func (export "spin") (param i64) (result i64) (local i64)
  (loop local.get 1 i64.const 1 i64.add local.tee 1 local.get 0 i64.lt_u br_if 0)
  local.get 1))"""


async def concurrent_sleeps(n: int = 1000, ms: int = 50) -> Tuple[float, float]:
    """(seconds to make the n Stores and instances, wall seconds of the n calls)."""
    async def sleep(ms: int) -> int:
        await asyncio.sleep(ms / 1000)
        return ms
    engine = wt.Engine()
    linker = wt.Linker(engine)
    i32 = wt.ValType.i32()
    linker.define_func_async("host", "sleep", wt.FuncType([i32], [i32]), sleep)
    pre = linker.instantiate_pre(wt.Module(engine, SLEEPER))
    start = time.perf_counter()
    stores = [wt.Store(engine) for _ in range(n)]
    runs = [(await pre.instantiate_async(s)).exports(s)["run"] for s in stores]
    setup = time.perf_counter() - start
    start = time.perf_counter()
    results = await asyncio.gather(*(f.call_async(s, ms) for f, s in zip(runs, stores)))
    wall = time.perf_counter() - start
    assert results == [ms] * n
    return setup, wall


async def gaps_during(work: Awaitable[Any]) -> Tuple[float, float, float]:
    """(largest gap, 99th percentile gap, wall) of a 1 ms sleeper task while ``work`` runs."""
    gaps: List[float] = []
    done = False

    async def ticker() -> None:
        last = time.perf_counter()
        while not done:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now
    task = asyncio.ensure_future(ticker())
    await asyncio.sleep(0.005)
    start = time.perf_counter()
    await work
    wall = time.perf_counter() - start
    done = True
    await task
    gaps.sort()
    return gaps[-1], gaps[int(len(gaps) * 0.99)], wall


def spin_engine(mode: str) -> Tuple[wt.Store, Any]:
    """A Store and SPIN's export compiled for ``mode`` (epoch checks and fuel metering
    slow this tight loop down several times: each mode is calibrated on its own)."""
    config = wt.Config()
    config.epoch_interruption = mode == "epoch"
    config.consume_fuel = mode == "fuel"
    engine = wt.Engine(config)
    store = wt.Store(engine)
    store.set_epoch_deadline(1 << 60)
    if mode == "fuel":
        store.set_fuel(1 << 62)
    return store, wt.Instance(store, wt.Module(engine, SPIN), []).exports(store)["spin"]


def spin_iterations(mode: str, seconds: float) -> int:
    """Loop iterations of SPIN that take about ``seconds`` here (a sync calibration)."""
    store, spin = spin_engine(mode)
    n = 5_000_000
    start = time.perf_counter()
    spin(store, n)
    return int(n * seconds / (time.perf_counter() - start))


async def cpu_bound(mode: str, iterations: int) -> Tuple[float, float, float]:
    store, spin = spin_engine(mode)
    engine = store.engine
    if mode == "epoch":
        store.epoch_deadline_async_yield_and_update(1)
        async with wt.EpochTicker(engine, 0.001):
            return await gaps_during(spin.call_async(store, iterations))
    if mode == "fuel":
        store.fuel_async_yield_interval(1_000_000)
    return await gaps_during(spin.call_async(store, iterations))


async def main(seconds: float) -> List[str]:
    rows = []
    setup, wall = await concurrent_sleeps()
    rows.append(f"| 1,000 concurrent calls awaiting `asyncio.sleep(0.05)` in a host function | "
                f"{wall * 1000:,.0f} ms wall (setup: {setup * 1e6 / 1000:.0f} µs per Store) |")
    for mode, title in (("none", "no yield"), ("epoch", "epoch yield every 1 ms tick (EpochTicker)"),
                        ("fuel", "fuel yield every 1M units")):
        largest, p99, wall = await cpu_bound(mode, spin_iterations(mode, seconds))
        rows.append(f"| CPU-bound guest ({wall:.2f} s), {title}: a 1 ms task's largest gap / p99 | "
                    f"{largest * 1000:,.1f} / {p99 * 1000:,.1f} ms |")
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uvloop", action="store_true", help="run on a uvloop event loop")
    parser.add_argument("--seconds", type=float, default=2.0, help="the CPU-bound guest's length")
    args = parser.parse_args()
    if args.uvloop:
        import uvloop
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            lines = runner.run(main(args.seconds))
    else:
        lines = asyncio.run(main(args.seconds))
    print(f"| scenario ({'uvloop' if args.uvloop else 'asyncio'}) | measured |")
    print("| --- | ---: |")
    print("\n".join(lines))
