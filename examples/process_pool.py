"""A batch of guest jobs on a process pool: the module is compiled once, here, and each
worker loads the compiled code (pickled: AOT bytes, no compiling) when it starts.

    python examples/process_pool.py [--method spawn|fork] [--workers 2] [--jobs 16] [--size 20000]

Each job runs the guest (examples/collatz.wat) on one slice of 1..jobs*size in a Store
of its own; the total is checked against the same batch run here, in one Store."""
from __future__ import annotations

import argparse
import concurrent.futures
import multiprocessing
import time
from pathlib import Path
from typing import Optional, Tuple

import cwasmtime as wasmtime

GUEST = Path(__file__).resolve().with_name("collatz.wat")

# Each worker's Engine and Module, set by load() when the worker starts.
_shipped: Optional[Tuple[wasmtime.Engine, wasmtime.Module]] = None


def load(engine: wasmtime.Engine, module: wasmtime.Module) -> None:
    """The pool's initializer. With spawn, both arrive pickled (the Engine as its
    settings: this process's Engine for them; the Module as compiled code, loaded onto
    it). With fork they are the parent's own objects, inherited."""
    global _shipped
    _shipped = engine, module


def job(lo: int, hi: int) -> int:
    assert _shipped is not None, "load() runs first in each worker"
    engine, module = _shipped
    with wasmtime.Store(engine) as store:  # a Store per job: nothing leaks between jobs
        return wasmtime.Instance(store, module, []).exports(store)["steps"](store, lo, hi)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", choices=["spawn", "fork"], default="spawn")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=16)
    parser.add_argument("--size", type=int, default=20_000)
    args = parser.parse_args()

    engine = wasmtime.Engine()
    module = wasmtime.Module.from_file(engine, GUEST)  # the only compilation
    slices = [(1 + i * args.size, 1 + (i + 1) * args.size) for i in range(args.jobs)]

    start = time.perf_counter()
    context = multiprocessing.get_context(args.method)
    with concurrent.futures.ProcessPoolExecutor(
            args.workers, mp_context=context, initializer=load, initargs=(engine, module)) as pool:
        results = list(pool.map(job, *zip(*slices)))
    elapsed = time.perf_counter() - start

    load(engine, module)
    assert results == [job(lo, hi) for lo, hi in slices]
    print(f"{len(results)} jobs on {args.workers} {args.method} workers: "
          f"{sum(results)} steps in {elapsed:.2f} s")


if __name__ == "__main__":
    main()
