"""asyncio for components: Func.call_async, LinkerInstance.add_func_async,
Linker.instantiate_async, add_wasip2_async; host exceptions, cancellation, the
poisoning Wasmtime applies after a failed call, and sync paths refused (no abort)."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, List

import pytest
from isolation import assert_clean_exit, run_isolated

import cwasmtime as wt
from cwasmtime import component as c

from .conftest import component_for
from .test_wasip2 import RUN_INTERFACE, engine_and_component, make_store, prologue, run_command

SLEEPER = """(component
  (import "sleep" (func $sleep (param "ms" u32) (result u32)))
  (core func $sleep_lowered (canon lower (func $sleep)))
  (core module $m
    (import "host" "sleep" (func $s (param i32) (result i32)))
    (func (export "run") (param i32) (result i32) local.get 0 call $s)
    (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
  (core instance $i (instantiate $m (with "host" (instance (export "sleep" (func $sleep_lowered))))))
  (func (export "run") (param "ms" u32) (result u32) (canon lift (core func $i "run")))
  (func (export "add") (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "add"))))"""


async def sleep(store: Any, ms: int) -> int:
    assert isinstance(store, wt.StoreContext)
    await asyncio.sleep(ms / 1000)
    return ms + 1


async def sleeper(host: Callable[..., Awaitable[Any]] = sleep,
                  engine: wt.Engine | None = None) -> tuple[wt.Store, Any, Any]:
    engine = engine or wt.Engine()
    linker = c.Linker(engine)
    with linker.root() as root:
        root.add_func_async("sleep", host)
    store = wt.Store(engine)
    instance = await linker.instantiate_async(store, c.Component(engine, SLEEPER))
    return store, instance.get_func(store, "run"), instance.get_func(store, "add")


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_call_async_awaits_a_host_import(loop: str):
    async def main() -> None:
        store, run, add = await sleeper()
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.005)
                ticks += 1
        task = asyncio.ensure_future(ticker())
        start = time.perf_counter()
        assert await run.call_async(store, 50) == 51
        assert time.perf_counter() - start >= 0.045 and ticks >= 3  # uvloop rounds timers to ms
        assert await add.call_async(store, 2, 3) == 5
        with pytest.raises(TypeError, match="wrong number of parameters"):
            await add.call_async(store, 1)
        with pytest.raises(wt.WasmtimeError, match="needs async calls"):
            add(store, 1, 2)
        task.cancel()
        # several Stores on one loop overlap
        pairs = [await sleeper() for _ in range(20)]
        start = time.perf_counter()
        assert await asyncio.gather(*(r.call_async(s, 50) for s, r, _ in pairs)) == [51] * 20
        assert time.perf_counter() - start < 0.9
    if loop == "asyncio":
        asyncio.run(main())
    else:
        uvloop = pytest.importorskip("uvloop")
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(main())


def test_strings_and_lists_cross_an_async_host_function():
    seen: List[Any] = []

    async def echo(store: Any, value: Any) -> Any:
        await asyncio.sleep(0)  # the arguments' C values are gone by now
        seen.append(value)
        return value

    async def main() -> None:
        for wit, value in (("string", "héllo" * 100), ("(list u32)", list(range(1000)))):
            engine = wt.Engine()
            linker = c.Linker(engine)
            with linker.root() as root:
                root.add_func_async("x", echo)
            store = wt.Store(engine)
            instance = await linker.instantiate_async(
                store, c.Component(engine, component_for(wit, "i32 i32")))
            x = instance.get_func(store, "x")
            assert await x.call_async(store, value) == value
            assert await x.call_async(store, value) == value
    asyncio.run(main())
    assert len(seen) == 4


def test_host_exceptions_are_the_same_object_and_poison_the_store():
    early = ValueError("early")
    late = KeyError("late")

    async def raises_early(store: Any, ms: int) -> int:
        raise early

    async def raises_late(store: Any, ms: int) -> int:
        await asyncio.sleep(0)
        raise late

    async def wrong_type(store: Any, ms: int) -> Any:
        await asyncio.sleep(0)
        return "nope"

    async def main() -> None:
        for host, expected in ((raises_early, early), (raises_late, late)):
            store, run, add = await sleeper(host)
            with pytest.raises(type(expected)) as info:
                await run.call_async(store, 1)
            assert info.value is expected
            # Wasmtime poisons the Store's component instances after a failed call
            with pytest.raises(wt.WasmtimeError, match="cannot enter component instance"):
                await add.call_async(store, 1, 2)
        store, run, add = await sleeper(wrong_type)
        with pytest.raises(TypeError):
            await run.call_async(store, 1)
        store, run, add = await sleeper()  # a new Store works
        assert await run.call_async(store, 1) == 2
    asyncio.run(main())


def test_cancellation_of_a_component_call():
    events: List[str] = []

    async def host(store: Any, ms: int) -> int:
        try:
            await asyncio.sleep(10)
        finally:
            events.append("finally")
        return ms

    async def main() -> None:
        store, run, add = await sleeper(host)
        task = asyncio.ensure_future(run.call_async(store, 1))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert events == ["finally"]
        # the cancelled call poisoned the Store's component instances
        with pytest.raises(wt.WasmtimeError, match="cannot enter component instance"):
            await add.call_async(store, 1, 2)
        store, run, add = await sleeper(host)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(run.call_async(store, 1), 0.01)
        assert events == ["finally"] * 2
        store, run, add = await sleeper()
        assert await run.call_async(store, 3) == 4
    asyncio.run(main())


def test_sync_component_paths_refuse_in_a_subprocess():
    done = run_isolated(f"""
        import asyncio
        import cwasmtime as wt
        from cwasmtime import component as c
        async def sleep(store, ms):
            await asyncio.sleep(0)
            return ms
        engine = wt.Engine()
        linker = c.Linker(engine)
        with linker.root() as root:
            root.add_func_async("sleep", sleep)
        component = c.Component(engine, {SLEEPER!r})
        store = wt.Store(engine)
        try:
            linker.instantiate(store, component)
        except wt.WasmtimeError as exc:
            print("refused")
        instance = asyncio.run(linker.instantiate_async(store, component))
        run = instance.get_func(store, "run")
        try:
            run(store, 1)
        except wt.WasmtimeError as exc:
            print("refused")
        print(asyncio.run(run.call_async(store, 5)))
    """)
    assert_clean_exit(done)
    assert done.stdout.split() == ["refused", "refused", "5"]


def test_wasip2_async_runs_the_command(tmp_path: Path):
    """The same command, argv, stdin and preopen as the sync run: same outcome, output."""
    engine, component = engine_and_component()
    linker = c.Linker(engine)
    linker.add_wasip2_async()
    (tmp_path / "sync").mkdir()
    (tmp_path / "async").mkdir()
    argv = ("cmd", "a")
    expected = run_command(tmp_path / "sync", *argv, stdin=b"hi")
    store = make_store(tmp_path / "async", argv, stdin=b"hi")

    async def main() -> Any:
        instance = await linker.instantiate_async(store, component)
        interface = instance.get_export_index(store, RUN_INTERFACE)
        run = instance.get_func(store, instance.get_export_index(store, "run", interface))
        try:
            return ("return", await run.call_async(store))
        except wt.ExitTrap as trap:
            return ("exit", trap.code)
    outcome = asyncio.run(main())
    out = (tmp_path / "async" / "stdout").read_bytes()
    assert (outcome, out, (tmp_path / "async" / "stderr").read_bytes()) == expected
    assert out.startswith(prologue(*argv, stdin=b"hi"))


def test_wasi_http_async_marks_the_store():
    engine = wt.Engine()
    linker = c.Linker(engine)
    linker.add_wasi_http_async()
    assert repr(linker) == "<component.Linker with WASI HTTP>"
    trivial = c.Component(engine, """(component
      (core module $m (func (export "f") (result i32) i32.const 7))
      (core instance $i (instantiate $m))
      (func (export "f") (result u32) (canon lift (core func $i "f"))))""")
    store = wt.Store(engine)
    with pytest.raises(wt.WasmtimeError, match="needs async calls"):
        linker.instantiate(store, trivial)

    async def main() -> Any:
        instance = await linker.instantiate_async(store, trivial)
        return await instance.get_func(store, "f").call_async(store)
    assert asyncio.run(main()) == 7
