"""asyncio: Func.call_async, async host functions (Linker.define_func_async), async
instantiation, cancellation, one call at a time per Store, and the refusals that keep
sync calls from aborting the process on Stores that need async."""
from __future__ import annotations

import asyncio
import gc
import threading
import time
import weakref
from typing import Any, Awaitable, Callable, List

import pytest
import repo
from isolation import assert_clean_exit, run_isolated

import cwasmtime as wt

I32 = wt.ValType.i32()

GUEST = """(module
  (import "host" "sleep" (func $sleep (param i32) (result i32)))
  (global $g (export "g") (mut i32) (i32.const 0))
  (memory (export "mem") 1)
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "run") (param i32) (result i32)
    i32.const 1 global.set $g
    local.get 0 call $sleep
    i32.const 2 global.set $g)
  (func (export "boom") unreachable))"""


@pytest.fixture(params=["asyncio", "uvloop"])
def run_loop(request: Any) -> Callable[[Any], Any]:
    """``asyncio.run``, or the same on a uvloop event loop."""
    if request.param == "asyncio":
        return asyncio.run
    uvloop = pytest.importorskip("uvloop")

    def run_on_uvloop(coro: Any) -> Any:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(coro)
    return run_on_uvloop


def run(coro: Awaitable[Any]) -> Any:
    async def main() -> Any:
        return await coro
    return asyncio.run(main())


def sleeper_linker(engine: wt.Engine, host: Callable[..., Awaitable[Any]] | None = None,
                   access_caller: bool = False) -> wt.Linker:
    async def sleep(ms: int) -> int:
        await asyncio.sleep(ms / 1000)
        return ms + 1
    linker = wt.Linker(engine)
    linker.define_func_async("host", "sleep", wt.FuncType([I32], [I32]), host or sleep,
                             access_caller=access_caller)
    return linker


async def guest(engine: wt.Engine | None = None, host: Any = None, access_caller: bool = False,
                wat: str = GUEST) -> tuple[wt.Store, Any]:
    engine = engine or wt.Engine()
    store = wt.Store(engine)
    linker = sleeper_linker(engine, host, access_caller)
    instance = await linker.instantiate_async(store, wt.Module(engine, wat))
    return store, instance.exports(store)


# ------------------------------------------------------------------ values and errors

VALUES_WAT = """(module
  (func (export "i32") (param i32) (result i32) local.get 0)
  (func (export "i64") (param i64) (result i64) local.get 0)
  (func (export "f32") (param f32) (result f32) local.get 0)
  (func (export "f64") (param f64) (result f64) local.get 0)
  (func (export "v128") (param v128) (result v128) local.get 0)
  (func (export "ext") (param externref) (result externref) local.get 0)
  (func (export "fun") (param funcref) (result funcref) local.get 0)
  (func (export "multi") (param i32 i64 f64) (result f64 i64 i32) local.get 2 local.get 1 local.get 0)
  (func (export "many") (param i32 i32 i32 i32 i32 i32) (result i32 i32 i32 i32 i32 i32)
    local.get 5 local.get 4 local.get 3 local.get 2 local.get 1 local.get 0)
  (func (export "nothing")))"""


def test_call_async_values_match_the_sync_call():
    store = wt.Store()
    ex = wt.Instance(store, wt.Module(store.engine, VALUES_WAT), []).exports(store)
    marker = object()
    cases = [("i32", [-5]), ("i64", [1 << 40]), ("f32", [1.5]), ("f64", [2.25]),
             ("v128", [(1 << 100) + 7]), ("ext", [marker]), ("ext", [None]),
             ("fun", [ex["i32"]]), ("fun", [None]), ("multi", [1, 2, 3.5]),
             ("many", [1, 2, 3, 4, 5, 6]), ("nothing", []), ("i32", [wt.Val.i32(9)])]

    async def main() -> None:
        for name, params in cases:
            got = await ex[name].call_async(store, *params)
            want = ex[name](store, *params)
            if name == "fun" and params[0] is not None:
                assert got(store, 4) == want(store, 4) == 4
            else:
                assert got == want, name
        assert await ex["ext"].call_async(store, marker) is marker
    asyncio.run(main())


def test_call_async_argument_errors_are_those_of_call():
    store = wt.Store()
    ex = wt.Instance(store, wt.Module(store.engine, VALUES_WAT), []).exports(store)

    def sync_error(*params: Any) -> str:
        with pytest.raises(Exception) as info:
            ex["i32"](store, *params)
        return f"{type(info.value).__name__}: {info.value}"

    async def async_error(*params: Any) -> str:
        with pytest.raises(Exception) as info:
            await ex["i32"].call_async(store, *params)
        return f"{type(info.value).__name__}: {info.value}"

    async def main() -> None:
        for params in ([], [1, 2], ["x"], [1.5]):
            assert await async_error(*params) == sync_error(*params)
        assert await ex["i32"].call_async(store, 3) == 3  # the Store is fine after errors
    asyncio.run(main())
    assert ex["i32"](store, 4) == 4  # a plain Store stays sync-callable


def test_call_async_trap_is_a_trap_and_wrong_store_raises():
    async def main() -> None:
        store, ex = await guest()
        with pytest.raises(wt.Trap, match="unreachable"):
            await ex["boom"].call_async(store)
        with pytest.raises(wt.WasmtimeError, match="another Store"):
            ex["add"].call_async(wt.Store(store.engine), 1, 2)
        assert await ex["add"].call_async(store, 1, 2) == 3
    asyncio.run(main())


# ------------------------------------------------------------ async host functions

def test_async_host_function_lets_the_loop_run(run_loop: Callable[[Any], Any]):
    async def main() -> None:
        store, ex = await guest()
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.005)
                ticks += 1
        task = asyncio.ensure_future(ticker())
        start = time.perf_counter()
        assert await ex["run"].call_async(store, 60) == 61
        assert time.perf_counter() - start >= 0.045  # uvloop rounds timers to 1 ms
        assert ticks >= 3
        assert ex["g"].value(store) == 2
        task.cancel()
    run_loop(main())


def test_caller_stays_valid_across_awaits():
    seen: List[int] = []

    async def host(caller: wt.Caller, n: int) -> int:
        await asyncio.sleep(0.001)
        mem = caller["mem"]
        mem.write(caller, b"\x2a", 8)  # after an await: the guest reads it back
        await asyncio.sleep(0)
        seen.append(mem.read(caller, 8, 9)[0])
        return n * 2
    wat = GUEST.replace('(func (export "boom") unreachable)',
                        '(func (export "read") (result i32) i32.const 8 i32.load8_u)')

    callers: List[wt.Caller] = []

    async def keep(caller: wt.Caller, n: int) -> int:
        callers.append(caller)
        await asyncio.sleep(0)
        return n

    async def main() -> None:
        store, ex = await guest(host=host, access_caller=True, wat=wat)
        assert await ex["run"].call_async(store, 21) == 42
        assert await ex["read"].call_async(store) == 42
        store, ex = await guest(host=keep, access_caller=True)
        assert await ex["run"].call_async(store, 3) == 3
        assert callers[0].get("mem") is None  # valid until its host call finished
        with pytest.raises(ValueError, match="caller is no longer valid"):
            ex["mem"].read(callers[0], 0, 1)
    asyncio.run(main())
    assert seen == [42]


def test_host_results_and_exceptions():
    boom = ValueError("boom")
    later = KeyError("later")

    async def immediate(n: int) -> int:
        return n + 100

    async def wrong_type(n: int) -> str:
        return "nope"

    async def raises_before(n: int) -> int:
        raise boom

    async def raises_after(n: int) -> int:
        await asyncio.sleep(0)
        raise later

    def not_async(n: int) -> int:
        return n

    async def wrong_arity() -> int:
        return 0

    async def main() -> None:
        store, ex = await guest(host=immediate)
        assert await ex["run"].call_async(store, 1) == 101
        for host, expected in ((raises_before, boom), (raises_after, later)):
            store, ex = await guest(host=host)
            with pytest.raises(type(expected)) as info:
                await ex["run"].call_async(store, 1)
            assert info.value is expected
            assert info.value.__traceback__ is not None
            assert ex["g"].value(store) == 1  # the guest stopped at the import
            assert await ex["add"].call_async(store, 2, 3) == 5
        store, ex = await guest(host=wrong_type)
        with pytest.raises(TypeError, match="don't know how to convert 'nope'"):
            await ex["run"].call_async(store, 1)
        store, ex = await guest(host=not_async)
        with pytest.raises(TypeError, match="must return an awaitable"):
            await ex["run"].call_async(store, 1)
        store, ex = await guest(host=wrong_arity)
        with pytest.raises(TypeError, match="positional argument"):
            await ex["run"].call_async(store, 1)
        assert await ex["add"].call_async(store, 1, 1) == 2
    asyncio.run(main())


def test_nested_call_async_through_the_caller(run_loop: Callable[[Any], Any]):
    async def host(caller: wt.Caller, n: int) -> int:
        add = caller["add"]
        inner = await add.call_async(caller, n, 1000)
        with pytest.raises(wt.Trap):
            await caller["boom"].call_async(caller)
        # a call on another Store, which itself suspends
        other_store, other = await guest()
        return inner + await other["run"].call_async(other_store, 1)

    async def main() -> None:
        store, ex = await guest(host=host, access_caller=True)
        assert await ex["run"].call_async(store, 1) == 1001 + 2
    run_loop(main())


# ------------------------------------------------------------------- cancellation

def test_cancel_during_a_host_call(run_loop: Callable[[Any], Any]):
    events: List[str] = []
    host_frames: List[Any] = []

    class Marker:
        pass

    async def host(n: int) -> int:
        marker = Marker()
        host_frames.append(weakref.ref(marker))
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            events.append("cancelled")
            raise
        finally:
            events.append("finally")
        return n

    async def main() -> None:
        store, ex = await guest(host=host)
        task = asyncio.ensure_future(ex["run"].call_async(store, 1))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert events == ["cancelled", "finally"]
        assert ex["g"].value(store) == 1  # as left at the suspension point
        assert await ex["add"].call_async(store, 1, 2) == 3
        events.clear()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(ex["run"].call_async(store, 1), 0.01)
        assert events == ["cancelled", "finally"]
        ex["g"].set_value(store, 0)
        assert ex["g"].value(store) == 0
    run_loop(main())
    gc.collect()
    assert all(ref() is None for ref in host_frames)


def test_host_that_suppresses_cancellation_finishes_the_call():
    async def host(n: int) -> int:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            return 7
        return n

    async def main() -> None:
        store, ex = await guest(host=host)
        task = asyncio.ensure_future(ex["run"].call_async(store, 1))
        await asyncio.sleep(0.01)
        task.cancel()
        assert await task == 7
        assert ex["g"].value(store) == 2
    asyncio.run(main())


def test_close_and_garbage_collection_of_unfinished_calls():
    async def main() -> None:
        store, ex = await guest()
        call = ex["run"].call_async(store, 10_000)
        assert call.send(None) is not None  # suspended in asyncio.sleep
        with pytest.raises(wt.WasmtimeError, match="call_async"):
            ex["g"].value(store)  # the call holds the Store
        call.close()
        assert ex["g"].value(store) == 1
        with pytest.raises(RuntimeError, match="already awaited"):
            call.send(None)
        call = ex["run"].call_async(store, 10_000)
        call.send(None)
        with pytest.warns(ResourceWarning, match="destroyed unfinished"):
            del call
            gc.collect()
        assert await ex["add"].call_async(store, 1, 2) == 3
        with pytest.warns(RuntimeWarning, match="never awaited"):
            ex["add"].call_async(store, 1, 2)
            gc.collect()
    asyncio.run(main())


# ---------------------------------------------------------------- one Store, many calls

def test_calls_on_one_store_are_serialized_in_order(run_loop: Callable[[Any], Any]):
    order: List[int] = []

    async def host(n: int) -> int:
        order.append(n)
        await asyncio.sleep(0.01)
        order.append(-n)
        return n

    async def main() -> None:
        store, ex = await guest(host=host)
        results = await asyncio.gather(*(ex["run"].call_async(store, n) for n in (1, 2, 3)))
        assert results == [1, 2, 3]
        assert order == [1, -1, 2, -2, 3, -3]
        # cancelled while queued: the others run
        order.clear()
        first = asyncio.ensure_future(ex["run"].call_async(store, 1))
        second = asyncio.ensure_future(ex["run"].call_async(store, 2))
        third = asyncio.ensure_future(ex["run"].call_async(store, 3))
        await asyncio.sleep(0)
        second.cancel()
        assert await first == 1 and await third == 3
        assert second.cancelled()
        assert order == [1, -1, 3, -3]
    run_loop(main())


def test_stores_on_one_loop_overlap():
    async def main() -> None:
        engine = wt.Engine()
        linker = sleeper_linker(engine)
        pre = linker.instantiate_pre(wt.Module(engine, GUEST))
        stores = [wt.Store(engine) for _ in range(200)]
        runs = [(await pre.instantiate_async(s)).exports(s)["run"] for s in stores]
        start = time.perf_counter()
        results = await asyncio.gather(*(f.call_async(s, 50) for f, s in zip(runs, stores)))
        assert results == [51] * 200
        assert time.perf_counter() - start < 2.0  # serialized would be 10 s
    asyncio.run(main())


def test_concurrent_guest_calls_1000(run_loop: Callable[[Any], Any]):
    """1,000 guest calls each awaiting a 20 ms sleep in a host function, one loop."""
    async def main() -> float:
        engine = wt.Engine()
        pre = sleeper_linker(engine).instantiate_pre(wt.Module(engine, GUEST))
        stores = [wt.Store(engine) for _ in range(1000)]
        runs = [(await pre.instantiate_async(s)).exports(s)["run"] for s in stores]
        start = time.perf_counter()
        assert await asyncio.gather(*(f.call_async(s, 20) for f, s in zip(runs, stores))) == [21] * 1000
        return time.perf_counter() - start
    assert run_loop(main()) < 5.0  # ~0.1 s here; sync would be 20 s


# --------------------------------------------------------------- instantiate_async

def test_instantiate_async_runs_a_start_function_that_awaits():
    wat = """(module
      (import "host" "sleep" (func $sleep (param i32) (result i32)))
      (global $g (export "g") (mut i32) (i32.const 0))
      (func $start i32.const 5 call $sleep global.set $g)
      (start $start))"""

    async def main() -> None:
        engine = wt.Engine()
        linker = sleeper_linker(engine)
        module = wt.Module(engine, wat)
        store = wt.Store(engine)
        instance = await linker.instantiate_async(store, module)
        assert instance.exports(store)["g"].value(store) == 6
        pre = linker.instantiate_pre(module)
        store = wt.Store(engine)
        instance = await pre.instantiate_async(store)
        assert instance.exports(store)["g"].value(store) == 6
        trapping = wt.Module(engine, '(module (func $s unreachable) (start $s))')
        with pytest.raises(wt.Trap, match="unreachable"):
            await linker.instantiate_async(wt.Store(engine), trapping)
        missing = wt.Module(engine, '(module (import "no" "such" (func)))')
        with pytest.raises(wt.WasmtimeError, match="unknown import"):
            await linker.instantiate_async(wt.Store(engine), missing)
    asyncio.run(main())


def test_instantiate_async_borrows_linker_and_module():
    async def main() -> None:
        engine = wt.Engine()
        async def slow(n: int) -> int:
            await asyncio.sleep(0.01)
            return n
        linker = sleeper_linker(engine, slow)
        module = wt.Module(engine, GUEST.replace(
            '(func (export "boom") unreachable)', '(func $s i32.const 1 call $sleep drop) (start $s)'))
        call = linker.instantiate_async(wt.Store(engine), module)
        task = asyncio.ensure_future(call)
        await asyncio.sleep(0.001)
        with pytest.raises(wt.WasmtimeError):
            linker.close()
        await task
        linker.close()
    asyncio.run(main())


# ------------------------------------------------------------------ threads and GIL

def test_gil_is_released_while_the_guest_runs():
    wat = """(module (func (export "spin") (param i64) (result i64) (local i64)
      (loop local.get 1 i64.const 1 i64.add local.tee 1 local.get 0 i64.lt_u br_if 0)
      local.get 1))"""
    store = wt.Store()
    spin = wt.Instance(store, wt.Module(store.engine, wat), []).exports(store)["spin"]
    count = 0
    stop = False

    def counter() -> None:
        nonlocal count
        while not stop:
            count += 1
    thread = threading.Thread(target=counter)
    thread.start()
    try:
        before = count
        run(spin.call_async(store, 200_000_000))
        assert count - before > 1000
    finally:
        stop = True
        thread.join()


def test_a_call_is_driven_by_the_thread_that_started_it():
    async def main() -> None:
        store, ex = await guest()
        call = ex["run"].call_async(store, 10_000)
        call.send(None)
        errors: List[BaseException] = []

        def other() -> None:
            try:
                call.send(None)
            except BaseException as exc:
                errors.append(exc)
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        assert isinstance(errors[0], wt.WasmtimeError) and "thread" in str(errors[0])
        call.close()
    asyncio.run(main())


# --------------------------------------------------------- refusals (never an abort)

PRELUDE = f"""
import asyncio
import cwasmtime as wt
GUEST = {GUEST!r}
I32 = wt.ValType.i32()
async def sleep(ms):
    await asyncio.sleep(ms / 1000)
    return ms + 1
engine = wt.Engine()
module = wt.Module(engine, GUEST)
linker = wt.Linker(engine)
linker.define_func_async("host", "sleep", wt.FuncType([I32], [I32]), sleep)
def outcome(fn):
    try:
        return f"ok: {{fn()!r}}"
    except Exception as exc:
        return f"{{type(exc).__name__}}: {{str(exc)[:40]}}"
"""


def test_sync_paths_refuse_stores_that_need_async():
    done = run_isolated("""
        async def via_linker():
            store = wt.Store(engine)
            return store, (await linker.instantiate_async(store, module)).exports(store)
        async def via_pre():
            store = wt.Store(engine)
            return store, (await linker.instantiate_pre(module).instantiate_async(store)).exports(store)
        for make in (via_linker, via_pre):
            store, ex = asyncio.run(make())
            print(outcome(lambda: ex["add"](store, 1, 2)))
            print(outcome(lambda: ex["run"](store, 1)))
            print(outcome(lambda: ex["run"].typed(store)(1)))
            print(outcome(lambda: linker.instantiate(store, module)))
            print(outcome(lambda: linker.instantiate_pre(module).instantiate(store)))
            print(outcome(lambda: wt.Instance(store, wt.Module(engine, "(module)"), [])))
            print(asyncio.run(ex["run"].call_async(store, 1)))
        # linker.get of an async host function: Wasmtime does not mark the Store
        store = wt.Store(engine)
        f = linker.get(store, "host", "sleep")
        print(outcome(lambda: f(store, 1)))
        print(asyncio.run(f.call_async(store, 4)))
        # a Store that only ever saw sync instances stays sync
        plain = wt.Store(engine)
        add = wt.Instance(plain, wt.Module(engine, GUEST.replace('(import "host" "sleep" (func $sleep (param i32) (result i32)))', '(func $sleep (param i32) (result i32) local.get 0)')), []).exports(plain)["add"]
        print(add(plain, 2, 2))
    """, prelude=PRELUDE)
    assert_clean_exit(done)
    refused = "WasmtimeError: this Store needs async calls: it has ins"
    lines = done.stdout.splitlines()
    assert lines == [refused] * 6 + ["2"] + [refused] * 6 + ["2", refused, "5", "4"], done.stdout


def test_store_misuse_while_a_call_is_suspended():
    done = run_isolated("""
        async def main():
            store = wt.Store(engine)
            ex = (await linker.instantiate_async(store, module)).exports(store)
            task = asyncio.ensure_future(ex["run"].call_async(store, 50))
            queued = asyncio.ensure_future(ex["run"].call_async(store, 1))
            await asyncio.sleep(0.01)
            print(outcome(lambda: store.close()))
            print(outcome(lambda: ex["mem"].read(store, 0, 4)))
            print(outcome(lambda: ex["g"].value(store)))
            call = ex["add"].call_async(store, 1, 2)
            print(await task, await queued, await call)
            store.close()
            print(outcome(lambda: ex["add"].call_async(store, 1, 2)))
            # awaiting the same call twice
            store = wt.Store(engine)
            ex = (await linker.instantiate_async(store, module)).exports(store)
            call = ex["add"].call_async(store, 1, 2)
            print(await call)
            try:
                await call
            except RuntimeError as exc:
                print("RuntimeError:", exc)
        asyncio.run(main())
    """, prelude=PRELUDE)
    assert_clean_exit(done)
    assert done.stdout.splitlines() == [
        "WasmtimeError: cannot close a Store while a call_async ",
        "WasmtimeError: this Store is held by a call_async in pr",
        "WasmtimeError: this Store is held by a call_async in pr",
        "51 2 3",
        "ValueError: already closed",
        "3",
        "RuntimeError: cannot reuse an already awaited call_async",
    ], done.stdout


def test_import_does_not_load_asyncio():
    done = run_isolated("""
        import sys
        import cwasmtime as wt
        store = wt.Store()
        linker = wt.Linker(store.engine)
        linker.define_func_async("a", "b", wt.FuncType([], []), lambda: None)
        print("asyncio" in sys.modules)
    """)
    assert_clean_exit(done)
    assert done.stdout.split() == ["False"]


# ---------------------------------------------------------- epoch and fuel yields

SPIN_WAT = """(module (func (export "spin") (param i64) (result i64) (local i64)
  (loop local.get 1 i64.const 1 i64.add local.tee 1 local.get 0 i64.lt_u br_if 0)
  local.get 1))"""


async def largest_gap(work: Awaitable[Any]) -> tuple[Any, float, float]:
    """Run ``work`` next to a task sleeping 1 ms in a loop: (its value, the task's
    largest gap between wake-ups, the wall time)."""
    values: List[Any] = []

    async def keep() -> None:
        values.append(await work)
    gap, _, wall = await repo.load("benchmarks/asyncio_scenarios.py").gaps_during(keep())
    return values[0], gap, wall


def spin_engine(**settings: Any) -> tuple[wt.Engine, wt.Module]:
    config = wt.Config()
    for name, value in settings.items():
        setattr(config, name, value)
    engine = wt.Engine(config)
    return engine, wt.Module(engine, SPIN_WAT)


def test_epoch_yields_keep_the_loop_responsive(run_loop: Callable[[Any], Any]):
    engine, module = spin_engine(epoch_interruption=True)
    store = wt.Store(engine)
    spin = wt.Instance(store, module, []).exports(store)["spin"]
    n = 150_000_000  # ~0.1-0.3 s of guest
    store.epoch_deadline_async_yield_and_update(1)
    with pytest.raises(wt.WasmtimeError, match="needs async calls"):
        spin(store, 1)

    async def main() -> tuple[Any, float, float]:
        async with wt.EpochTicker(engine, 0.001) as ticker:
            result = await largest_gap(spin.call_async(store, n))
        assert ticker.ticks > 10 and not ticker.running
        return result
    value, gap, wall = run_loop(main())
    assert value == n
    assert gap < max(0.05, wall / 3), (gap, wall)

    # the same guest without yields holds the loop for its whole run
    plain = wt.Store(engine)
    plain.set_epoch_deadline(1 << 40)
    spin = wt.Instance(plain, module, []).exports(plain)["spin"]
    value, gap, wall = run_loop(largest_gap(spin.call_async(plain, n)))
    assert value == n and gap >= wall * 0.9


def test_cancel_at_an_epoch_yield(run_loop: Callable[[Any], Any]):
    engine, module = spin_engine(epoch_interruption=True)
    store = wt.Store(engine)
    spin = wt.Instance(store, module, []).exports(store)["spin"]
    store.epoch_deadline_async_yield_and_update(1)

    async def main() -> None:
        with wt.EpochTicker(engine, 0.001):
            task = asyncio.ensure_future(spin.call_async(store, 1 << 62))
            await asyncio.sleep(0.02)
            start = time.perf_counter()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert time.perf_counter() - start < 0.5
            assert await spin.call_async(store, 1000) == 1000
    run_loop(main())


def test_epoch_yield_needs_epoch_interruption():
    store = wt.Store()
    with pytest.raises(wt.WasmtimeError, match="epoch_interruption"):
        store.epoch_deadline_async_yield_and_update(1)


def test_fuel_yields():
    engine, module = spin_engine(consume_fuel=True)
    store = wt.Store(engine)
    store.set_fuel(1 << 62)
    spin = wt.Instance(store, module, []).exports(store)["spin"]
    store.fuel_async_yield_interval(1_000_000)
    with pytest.raises(wt.WasmtimeError, match="needs async calls"):
        spin(store, 1)
    value, gap, wall = asyncio.run(largest_gap(spin.call_async(store, 100_000_000)))
    assert value == 100_000_000
    assert gap < max(0.05, wall / 3), (gap, wall)
    store.fuel_async_yield_interval(None)  # stops yielding; the Store still needs async
    assert run(spin.call_async(store, 10)) == 10
    with pytest.raises(wt.WasmtimeError, match="fuel is not configured"):
        wt.Store().fuel_async_yield_interval(1000)


def test_epoch_and_fuel_yields_refuse_sync_calls_in_a_subprocess():
    done = run_isolated("""
        import asyncio
        import cwasmtime as wt
        config = wt.Config()
        config.epoch_interruption = True
        config.consume_fuel = True
        engine = wt.Engine(config)
        module = wt.Module(engine, '(module (func (export "f") (result i32) i32.const 7))')
        for setup in ("epoch_deadline_async_yield_and_update", "fuel_async_yield_interval"):
            store = wt.Store(engine)
            store.set_fuel(1000)
            store.set_epoch_deadline(1 << 40)
            getattr(store, setup)(1)
            try:
                wt.Instance(store, module, [])
            except wt.WasmtimeError as exc:
                print("refused")
            linker = wt.Linker(engine)
            f = asyncio.run(linker.instantiate_async(store, module)).exports(store)["f"]
            try:
                f(store)
            except wt.WasmtimeError as exc:
                print("refused")
            print(asyncio.run(f.call_async(store)))
    """)
    assert_clean_exit(done)
    assert done.stdout.split() == ["refused", "refused", "7"] * 2


# ------------------------------------------------------------------ stacks

def test_async_stack_size_is_checked_before_wasmtime_aborts():
    for size, message in ((0, "at least max_wasm_stack"), (600 << 10, "at least max_wasm_stack")):
        config = wt.Config()
        config.async_stack_size = size
        with pytest.raises(wt.WasmtimeError, match=message):
            wt.Engine(config)
    config = wt.Config()
    config.max_wasm_stack = 3 << 20  # beyond the default async stack: allowed with a bigger one
    config.async_stack_size = 4 << 20
    engine = wt.Engine(config)

    async def deep(n: int) -> int:
        def recurse(depth: int) -> int:  # Python frames on the fiber stack
            return depth if depth == 0 else 1 + recurse(depth - 1)
        await asyncio.sleep(0)
        return recurse(300) + n

    async def main() -> int:
        store, ex = await guest(engine, host=deep)
        return await ex["run"].call_async(store, 1)
    assert asyncio.run(main()) == 301


def test_epoch_ticker():
    engine = wt.Engine()
    ticker = wt.EpochTicker(engine, 0.002)
    assert repr(ticker) == "<EpochTicker every 2 ms, stopped, 0 ticks>"
    with ticker:
        time.sleep(0.05)
        with pytest.raises(RuntimeError, match="already running"):
            ticker.start()
    ticks = ticker.ticks
    assert 5 <= ticks <= 40
    time.sleep(0.01)
    assert ticker.ticks == ticks
    ticker.stop()  # again: a no-op
    with pytest.raises(ValueError, match="positive"):
        wt.EpochTicker(engine, 0)
    with pytest.raises(TypeError, match="Engine"):
        wt.EpochTicker(None)  # type: ignore[arg-type]
    # it keeps working after the Engine is closed (it holds a reference of its own)
    other = wt.Engine()
    ticker = wt.EpochTicker(other, 0.001).start()
    other.close()
    time.sleep(0.01)
    ticker.stop()
    assert ticker.ticks > 0


def test_the_plugin_server_example_runs():
    import subprocess
    import sys
    done = subprocess.run([sys.executable, "-P", str(repo.ROOT / "examples" / "asyncio_plugins.py")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("200 requests (150 awaiting a 20 ms host call, 50 CPU-bound) in ")


def test_an_uncaught_wasm_exception_is_a_trap_as_for_sync_calls():
    config = wt.Config()
    config.wasm_exceptions = True
    engine = wt.Engine(config)
    store = wt.Store(engine)
    module = wt.Module(engine, '(module (tag $t (param i32)) (func (export "f") i32.const 1 throw $t))')
    f = wt.Instance(store, module, []).exports(store)["f"]
    with pytest.raises(wt.Trap) as sync:
        f(store)
    with pytest.raises(wt.Trap) as awaited:
        run(f.call_async(store))
    assert str(awaited.value).splitlines()[0] == str(sync.value).splitlines()[0]
