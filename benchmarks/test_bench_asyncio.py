"""asyncio: the cost of an awaited call (``await add.call_async(store, 1, 2)``) next to the
sync call and to the floors of awaiting anything at all (a trivial coroutine, a loop
round trip with ``asyncio.sleep(0)``), and of a guest calling an async host function.

Each case times BATCH operations inside one coroutine on a running event loop (a loop
round trip per case would swamp a sub-microsecond call); scripts/bench.py adds the
per-operation row. ``benchmarks/asyncio_scenarios.py`` measures the rest: 1,000
concurrent suspended calls, and a CPU-bound guest's effect on the loop."""
import asyncio
from typing import Any, Awaitable, Callable

import pytest

import cwasmtime as wt

BATCH = 1000
PER_OP = {"calls_per_op": BATCH}
WAT = """(module
  (import "host" "ready" (func $ready (param i32) (result i32)))
  (import "host" "yield" (func $yield (param i32) (result i32)))
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "ready") (param i32) (result i32) local.get 0 call $ready)
  (func (export "yield") (param i32) (result i32) local.get 0 call $yield))"""


async def _ready(n: int) -> int:
    return n


async def _yield(n: int) -> int:
    await asyncio.sleep(0)
    return n


async def _trivial() -> int:
    return 3


@pytest.fixture(scope="module")
def setup() -> Any:
    engine = wt.Engine()
    linker = wt.Linker(engine)
    i32 = wt.ValType.i32()
    linker.define_func_async("host", "ready", wt.FuncType([i32], [i32]), _ready)
    linker.define_func_async("host", "yield", wt.FuncType([i32], [i32]), _yield)
    module = wt.Module(engine, WAT)
    loop = asyncio.new_event_loop()
    store = wt.Store(engine)
    exports = loop.run_until_complete(linker.instantiate_async(store, module)).exports(store)
    plain = wt.Store(engine)
    add = wt.Instance(plain, wt.Module(engine, '(module (func (export "add") (param i32 i32) '
                                       '(result i32) local.get 0 local.get 1 i32.add))'),
                      []).exports(plain)["add"]
    yield loop, store, exports, plain, add
    loop.close()


def batch(loop: asyncio.AbstractEventLoop, step: Callable[[], Awaitable[Any]]) -> Callable[[], Any]:
    async def many() -> Any:
        for _ in range(BATCH):
            result = await step()
        return result
    return lambda: loop.run_until_complete(many())


def _run(benchmark: Any, group: str, name: str, fn: Callable[[], Any], per_call: str) -> Any:
    benchmark.group = group
    benchmark.name = name
    benchmark.extra_info.update(PER_OP, per_call=per_call)
    return benchmark(fn)


AWAITED = f"asyncio: {BATCH:,} awaited add calls"


def test_call_async(benchmark: Any, setup: Any) -> None:
    loop, store, ex, _, _ = setup
    add = ex["add"]
    assert _run(benchmark, AWAITED, "cwasmtime", batch(loop, lambda: add.call_async(store, 1, 2)),
                "await add.call_async(store, 1, 2)") == 3


def test_await_trivial_coroutine(benchmark: Any, setup: Any) -> None:
    loop = setup[0]
    assert _run(benchmark, AWAITED, "floor", batch(loop, _trivial),
                "await add.call_async(store, 1, 2)") == 3


def test_sync_call_in_a_coroutine(benchmark: Any, setup: Any) -> None:
    loop, _, _, plain, add = setup

    async def step() -> int:
        return add(plain, 1, 2)  # type: ignore[no-any-return]
    assert _run(benchmark, f"asyncio: {BATCH:,} sync add calls (in a coroutine)", "cwasmtime",
                batch(loop, step), "sync add(store, 1, 2) in a coroutine") == 3


def test_loop_round_trip(benchmark: Any, setup: Any) -> None:
    loop = setup[0]

    async def step() -> int:
        await asyncio.sleep(0)
        return 0
    assert _run(benchmark, f"asyncio: {BATCH:,} × await asyncio.sleep(0)", "floor",
                batch(loop, step), "await asyncio.sleep(0) (a loop round trip)") == 0


def test_async_host_returning_at_once(benchmark: Any, setup: Any) -> None:
    loop, store, ex, _, _ = setup
    ready = ex["ready"]
    assert _run(benchmark, f"asyncio: {BATCH:,} calls of an async host function returning at once",
                "cwasmtime", batch(loop, lambda: ready.call_async(store, 4)),
                "call_async → async host function returning at once") == 4


def test_async_host_awaiting_a_round_trip(benchmark: Any, setup: Any) -> None:
    loop, store, ex, _, _ = setup
    yield_ = ex["yield"]
    assert _run(benchmark, f"asyncio: {BATCH:,} calls of an async host function awaiting sleep(0)",
                "cwasmtime", batch(loop, lambda: yield_.call_async(store, 5)),
                "call_async → async host function awaiting asyncio.sleep(0)") == 5
