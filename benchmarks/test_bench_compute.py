"""Compute-bound guests: JIT code should run at native speed whatever the binding, and
Stores on two threads (sharing one Engine and Module) should run in parallel, since
both bindings release the GIL while wasm runs."""
from concurrent.futures import ThreadPoolExecutor

import pytest

from guests import FIB_N, FIB_RESULT, WASMTIME_IMPLS, Guest, run

RUNS = 32  # fib(FIB_N) calls per thread-benchmark round, split evenly over the threads


def test_fib(benchmark, guest):
    fn, prefix = guest.call("fib")
    assert run(benchmark, f"fib({FIB_N}), recursive", guest.name, fn, *prefix, FIB_N) == FIB_RESULT


@pytest.fixture(params=list(WASMTIME_IMPLS), scope="module")
def thread_guests(request):
    """Two guests, each in its own Store, on one Engine; and two worker threads."""
    first = Guest(request.param)
    second = Guest(request.param, engine=first.store.engine)
    with ThreadPoolExecutor(2) as pool:
        yield request.param, [first, second], pool


def fib_runs(guest, n):
    fib, store = guest.exports["fib"], guest.store
    return [fib(store, FIB_N) for _ in range(n)]


@pytest.mark.parametrize("threads", [1, 2])
def test_fib_threads(benchmark, thread_guests, threads):
    name, guests, pool = thread_guests

    def split():
        futures = [pool.submit(fib_runs, g, RUNS // threads) for g in guests[:threads]]
        return [r for f in futures for r in f.result()]

    benchmark.extra_info["threads"] = threads
    results = run(benchmark, f"{RUNS}× fib({FIB_N}) on {threads} thread{'s' * (threads > 1)}",
                  name, split)
    assert results == [FIB_RESULT] * RUNS
