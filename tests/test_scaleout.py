"""Scale-out (issue 15, part 3): guest jobs on a Dask LocalCluster of worker processes
and on process pools, the module compiled once in the client and shipped pickled; and
the examples that show it (examples/dask_batch.py, examples/process_pool.py)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import distributed
import pytest
from guest_jobs import COLLATZ, collatz_steps, steps, where_loaded

import cwasmtime as w

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as dask_client:
        yield dask_client


def test_a_batch_runs_on_dask_workers_from_code_compiled_once(client):
    config = w.Config()
    config.cranelift_opt_level = "speed_and_size"
    engine = w.Engine(config)
    module = w.Module(engine, COLLATZ)
    shipped = client.scatter((engine, module), broadcast=True, hash=False)
    slices = [(lo, lo + 500) for lo in range(1, 10_001, 500)]
    futures = client.map(steps, [shipped] * len(slices), *zip(*slices), pure=False)
    assert client.gather(futures) == [collatz_steps(lo, hi) for lo, hi in slices]
    # Each worker process loaded it onto its own shared Engine for these settings.
    workers = list(client.scheduler_info()["workers"])
    assert len(workers) == 2
    loaded = client.gather([client.submit(where_loaded, shipped, workers=[worker], pure=False)
                            for worker in workers])
    pids = {pid for pid, _, _ in loaded}
    assert len(pids) == 2 and os.getpid() not in pids
    assert all(on_engine and shared for _, on_engine, shared in loaded)


def test_a_guest_error_on_a_worker_reaches_the_client(client):
    engine = w.Engine()
    module = w.Module(engine, '(module (func (export "steps") (param i64 i64) (result i64) '
                              'unreachable))')
    future = client.submit(steps, (engine, module), 1, 2, pure=False)
    with pytest.raises(w.Trap, match="wasm trap: wasm `unreachable` instruction executed"):
        future.result(timeout=60)


def run_example(*args: str) -> str:
    done = subprocess.run([sys.executable, "-P", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.parametrize("method", ["spawn", "fork"])
def test_the_process_pool_example(method):
    out = run_example("examples/process_pool.py", "--method", method, "--jobs", "6",
                      "--size", "1000")
    assert out.startswith(f"6 jobs on 2 {method} workers: {collatz_steps(1, 6001)} steps in ")


def test_the_dask_example():
    out = run_example("examples/dask_batch.py", "--jobs", "6", "--size", "1000")
    assert out.startswith(f"6 jobs on 2 Dask workers: {collatz_steps(1, 6001)} steps in ")


def test_the_scaleout_benchmark_runs_and_prints_its_tables():
    out = run_example("scripts/bench_scaleout.py", "--quick")
    shipping, throughput = [block for block in out.split("\n\n") if block.startswith("| ")]
    assert len(shipping.splitlines()) == 2 + 4  # header, rule, a row per guest
    assert [row.split(" | ")[:2] for row in throughput.splitlines()[2:]] == [
        ["| in this process, serially", "1"], ["| ProcessPoolExecutor (spawn)", "1"],
        ["| ProcessPoolExecutor (spawn)", "2"], ["| Dask LocalCluster", "1"],
        ["| Dask LocalCluster", "2"]]
