#!/usr/bin/env python3
"""Scale-out figures: what shipping compiled code to a worker costs, and batch throughput
on 1 and 2 worker processes.

    python scripts/bench_scaleout.py            # ~1-2 minutes on 2 cores
    python scripts/bench_scaleout.py --quick    # a rough run (smaller batch, fewer repeats)

1. Shipping, per guest: the wasm and pickle sizes, ``pickle.dumps(module)`` here, then in
   a fresh (spawned) worker: ``pickle.loads`` (the worker's Engine for those settings
   already made: the AOT code is only loaded) against compiling the wasm there, and
   making that Engine (once per worker and settings). Medians.
2. Throughput: a batch of CPU-bound jobs (examples/collatz.wat on slices of 1..N, a Store
   per job) run here serially, then on ``concurrent.futures.ProcessPoolExecutor`` (spawn)
   and on a Dask ``LocalCluster`` with 1 and 2 worker processes; each pool is started and
   has the module loaded before the batch is timed (the fastest of the repeats: other
   load on the machine only slows a batch down). "CPU the jobs got": the jobs' CPU time
   over the batch's wall time × workers (100%: each worker had a core throughout).

Prints two markdown tables (the README's "Scale-out" section shows them). Needs the
``distributed`` package (the test extra)."""
from __future__ import annotations

import argparse
import concurrent.futures
import multiprocessing
import os
import pickle
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import cwasmtime as wasmtime
from cwasmtime import component

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
COLLATZ = EXAMPLES / "collatz.wat"


def generated_module(functions: int) -> str:
    """A module of ``functions`` small arithmetic functions (a stand-in for a big guest)."""
    body = "".join(
        f'(func (export "f{i}") (param i64) (result i64) local.get 0 i64.const {i} i64.mul '
        f'i64.const {i + 1} i64.add local.get 0 i64.xor)' for i in range(functions))
    return f"(module {body})"


def guests() -> List[Tuple[str, str, bytes]]:
    """(name, "module" or "component", wasm bytes)."""
    return [
        ("collatz.wat (the batch's guest)", "module", wasmtime.wat2wasm(COLLATZ.read_text())),
        ("sample-core.wasm (C, the cmabi sample)", "module",
         (EXAMPLES / "sample" / "sample-core.wasm").read_bytes()),
        ("generated, 2,000 functions", "module", wasmtime.wat2wasm(generated_module(2000))),
        ("command.component.wasm (WASI p2 component)", "component",
         (EXAMPLES / "wasip2" / "command.component.wasm").read_bytes()),
    ]


def compile_code(engine: wasmtime.Engine, kind: str, wasm: bytes) -> Any:
    return (wasmtime.Module if kind == "module" else component.Component)(engine, wasm)


def median_time(fn: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def in_worker(engine_blob: bytes, kind: str, wasm: bytes, blob: bytes,
              repeats: int) -> Dict[str, float]:
    """Runs in a fresh spawned process: the costs of getting the code there."""
    start = time.perf_counter()
    engine = pickle.loads(engine_blob)  # makes this process's Engine for the settings
    engine_made = time.perf_counter() - start
    loads = median_time(lambda: pickle.loads(blob), repeats)
    compiles = median_time(lambda: compile_code(engine, kind, wasm), repeats)
    return {"engine": engine_made, "loads": loads, "compile": compiles}


def shipping(repeats: int) -> List[Dict[str, Any]]:
    rows = []
    context = multiprocessing.get_context("spawn")
    for name, kind, wasm in guests():
        engine = wasmtime.Engine()
        code = compile_code(engine, kind, wasm)
        blob = pickle.dumps(code)
        dumps = median_time(lambda: pickle.dumps(code), repeats)
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
            there = pool.submit(in_worker, pickle.dumps(engine), kind, wasm, blob,
                                repeats).result()
        rows.append({"guest": name, "wasm": len(wasm), "pickle": len(blob), "dumps": dumps,
                     **there})
    return rows


# ---- throughput ------------------------------------------------------------------------

_shipped: Optional[Tuple[wasmtime.Engine, wasmtime.Module]] = None


def load(engine: wasmtime.Engine, module: wasmtime.Module) -> None:
    global _shipped
    _shipped = engine, module


def job(lo: int, hi: int) -> Tuple[int, float]:
    """The guest's steps(lo, hi) in a Store of its own, and the CPU time it took."""
    assert _shipped is not None
    engine, module = _shipped
    cpu = time.thread_time()
    with wasmtime.Store(engine) as store:
        steps = wasmtime.Instance(store, module, []).exports(store)["steps"](store, lo, hi)
    return steps, time.thread_time() - cpu


def shipped_job(shipped: Tuple[wasmtime.Engine, wasmtime.Module], lo: int,
                hi: int) -> Tuple[int, float]:
    load(*shipped)
    return job(lo, hi)


def best_batch(run: Callable[[], List[Tuple[int, float]]], expected: List[int],
               repeats: int) -> Tuple[float, float]:
    """The fastest of ``repeats`` runs of the batch (others' load on the machine only
    slows it down): its wall time and the CPU time its jobs took."""
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        results = run()
        runs.append((time.perf_counter() - start, sum(cpu for _, cpu in results)))
        assert [steps for steps, _ in results] == expected
    return min(runs)


def throughput(jobs: int, size: int, repeats: int) -> List[Dict[str, Any]]:
    engine = wasmtime.Engine()
    module = wasmtime.Module.from_file(engine, COLLATZ)
    slices = [(1 + i * size, 1 + (i + 1) * size) for i in range(jobs)]
    load(engine, module)
    expected = [job(lo, hi)[0] for lo, hi in slices]  # also a warm-up
    measured = [("in this process, serially", 1,
                 best_batch(lambda: [job(lo, hi) for lo, hi in slices], expected, repeats))]

    context = multiprocessing.get_context("spawn")
    for workers in (1, 2):
        with concurrent.futures.ProcessPoolExecutor(
                workers, mp_context=context, initializer=load, initargs=(engine, module)) as pool:
            list(pool.map(job, [1] * workers * 2, [2] * workers * 2))  # start and load all
            measured.append(("ProcessPoolExecutor (spawn)", workers, best_batch(
                lambda: list(pool.map(job, *zip(*slices))), expected, repeats)))

    from distributed import Client, LocalCluster
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, processes=True, threads_per_worker=1,
                          host="127.0.0.1", dashboard_address=None) as cluster, \
                Client(cluster) as client:
            shipped = client.scatter((engine, module), broadcast=True, hash=False)
            client.gather(client.map(shipped_job, [shipped] * workers * 2, [1] * workers * 2,
                                     [2] * workers * 2, pure=False))
            measured.append(("Dask LocalCluster", workers, best_batch(
                lambda: client.gather(client.map(shipped_job, [shipped] * len(slices),
                                                 *zip(*slices), pure=False)),
                expected, repeats)))
    return [{"runner": runner, "workers": workers, "seconds": wall, "jobs/s": jobs / wall,
             "cpu share": cpu / (wall * workers)}
            for runner, workers, (wall, cpu) in measured]


# ---- tables ----------------------------------------------------------------------------

def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"


def size(n: int) -> str:
    return f"{n / 1024:.1f} KiB"


def shipping_table(rows: List[Dict[str, Any]]) -> str:
    lines = ["| guest | wasm | pickle | `pickle.dumps` | `pickle.loads` in a worker | compile "
             "in a worker | compile / loads | `Engine()` in a worker (once) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(f"| {r['guest']} | {size(r['wasm'])} | {size(r['pickle'])} | "
                     f"{ms(r['dumps'])} | {ms(r['loads'])} | {ms(r['compile'])} | "
                     f"{r['compile'] / r['loads']:.0f}× | {ms(r['engine'])} |")
    return "\n".join(lines)


def throughput_table(rows: List[Dict[str, Any]], jobs: int, size_: int) -> str:
    lines = [f"| {jobs} jobs of {size_:,} numbers | workers | batch | jobs/s | vs 1 worker | "
             "CPU the jobs got |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    one: Dict[str, float] = {}
    for r in rows:
        base = one.setdefault(r["runner"], r["seconds"])
        lines.append(f"| {r['runner']} | {r['workers']} | {ms(r['seconds'])} | "
                     f"{r['jobs/s']:.1f} | {base / r['seconds']:.2f}× | "
                     f"{r['cpu share']:.0%} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller batch, fewer repeats")
    args = parser.parse_args()
    jobs, size_, repeats = (8, 5_000, 2) if args.quick else (16, 100_000, 5)
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f} at start\n")
    print(shipping_table(shipping(repeats)))
    print()
    print(throughput_table(throughput(jobs, size_, repeats), jobs, size_))
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
