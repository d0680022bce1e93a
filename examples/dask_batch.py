"""A batch of guest jobs on Dask: the module is compiled once, in the client, scattered to
the workers (pickled: AOT bytes, loaded without compiling) and called there.

    python examples/dask_batch.py [--workers 2] [--jobs 16] [--size 20000]

A LocalCluster of worker processes on loopback stands in for a real cluster (pass its
scheduler's address to Client instead). Each job runs the guest
(examples/collatz.wat) on one slice of 1..jobs*size in a Store of its own; the results
are checked against the same batch run here."""
from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Tuple

from distributed import Client, LocalCluster

import cwasmtime as wasmtime

GUEST = Path(__file__).resolve().with_name("collatz.wat")


def job(shipped: Tuple[wasmtime.Engine, wasmtime.Module], lo: int, hi: int) -> int:
    """Runs on a worker. ``shipped`` was unpickled there once: the Engine as this
    worker process's Engine for its settings, the Module loaded onto it."""
    engine, module = shipped
    with wasmtime.Store(engine) as store:  # Stores, instances, memories stay in the worker
        return wasmtime.Instance(store, module, []).exports(store)["steps"](store, lo, hi)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=16)
    parser.add_argument("--size", type=int, default=20_000)
    args = parser.parse_args()

    engine = wasmtime.Engine()
    module = wasmtime.Module.from_file(engine, GUEST)  # the only compilation
    slices = [(1 + i * args.size, 1 + (i + 1) * args.size) for i in range(args.jobs)]

    with LocalCluster(n_workers=args.workers, processes=True, threads_per_worker=1,
                      host="127.0.0.1", dashboard_address=None) as cluster, \
            Client(cluster) as client:
        start = time.perf_counter()
        # Once to every worker (hash=False: Dask need not pickle it again to name it).
        shipped = client.scatter((engine, module), broadcast=True, hash=False)
        futures = client.map(job, [shipped] * len(slices), *zip(*slices), pure=False)
        results = client.gather(futures)
        elapsed = time.perf_counter() - start

    assert results == [job((engine, module), lo, hi) for lo, hi in slices]
    print(f"{len(results)} jobs on {args.workers} Dask workers: {sum(results)} steps "
          f"in {elapsed:.2f} s")


if __name__ == "__main__":
    main()
