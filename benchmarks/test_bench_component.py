"""The Component Model API: `cwasmtime.component` vs wasmtime-py 50's `wasmtime.component`.

Both implementations have the same API (`cwasmtime.component` is a drop-in), so one
body runs each, under its own name (`cwasmtime.component`, `wasmtime-py component`):
each builds its own Engine, Store, Linker, Component and instance of the benchmark
guest's component (examples/bench-guest/bench.component.wasm) once per module, and a
case times one call `func(store, *args)` of an export — lowering the arguments, the
call, lifting the result. The guest's own work is nothing or a trivial loop (`reverse`
copies the string's bytes backwards). One group per operation:

* `component: empty()`, `component: and(true, false)` — the fixed cost of a call;
* `component: reverse(string ...) -> string` — a string each way (ASCII, 1 KiB and
  1 MiB);
* `component: bytes-len(list<u8> 1 MiB)`, `component: echo-bytes(...) -> list<u8>` — a
  `bytes` value in, and in and out;
* `component: u32s-sum(list<u32> 1M elements)` — a list of integers;
* `component: records-len(list<record{a: u32, b: string}> 10k)` — a list of records,
  each a `Record` of the implementation's own module.

`extra_info["bytes"]` is the argument's size in guest memory (UTF-8 strings), so
scripts/bench.py can show GB/s. There is no `post_return` call: Wasmtime 50 runs the
guest's post-return function as part of the call (its `post_return` is a no-op, since
wasmtime#12498), so a second call needs none. wasmtime-py converts lists element by
element (~1 µs an element), so its big list cases run a fixed few rounds (`pedantic`)
instead of pytest-benchmark's calibration.
"""
from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import pytest

from cwasmtime import _native

ROOT = Path(__file__).resolve().parents[1]
GUEST = ROOT / "examples" / "bench-guest" / "bench.component.wasm"
CWASMTIME = "cwasmtime.component"
WASMTIME_PY = "wasmtime-py component"
# label: the top-level module (Engine, Store) and its component module
MODULES = {CWASMTIME: ("cwasmtime", "cwasmtime.component"),
           WASMTIME_PY: ("wasmtime", "wasmtime.component")}
SLOW_ROUNDS = 3  # rounds of a wasmtime-py case whose call takes ~0.1 s or more

KIB = 1 << 10
MIB = 1 << 20
ITEM_SIZE = 12  # item = record {a: u32, b: string}: a @0, b's (ptr, len) @4
ASCII = "The quick brown fox jumps over the lazy dog. "


def text(n: int) -> str:
    """`n` ASCII characters."""
    return (ASCII * (n // len(ASCII) + 1))[:n]


STRING_1K = text(KIB)
STRING_1M = text(MIB)
BYTES_1M = bytes(range(256)) * (MIB // 256)
U32S_1M = list(range(MIB))
N_RECORDS = 10_000


def record_fields(n: int) -> list[tuple[int, str]]:
    return [(i, f"item {i}") for i in range(n)]


RECORDS_BYTES = ITEM_SIZE * N_RECORDS + sum(len(b) for _, b in record_fields(N_RECORDS))


class Case:
    """One operation: the export, its arguments (built from the implementation's
    component module), the expected result, the data size, and whether wasmtime-py
    runs it slowly (pedantic, SLOW_ROUNDS rounds)."""

    def __init__(self, func: str, args: Callable[[ModuleType], tuple[Any, ...]],
                 expected: Any, nbytes: int | None = None, slow: bool = False) -> None:
        self.func, self.args, self.expected = func, args, expected
        self.nbytes, self.slow = nbytes, slow


def records(component: ModuleType) -> tuple[list[Any]]:
    """The `list<item>` argument: `Record`s of this implementation's module."""
    out = []
    for a, b in record_fields(N_RECORDS):
        r = component.Record()
        r.a = a
        r.b = b
        out.append(r)
    return (out,)


CASES = {  # group: case
    "component: empty()": Case("empty", lambda c: (), None),
    "component: and(true, false)": Case("and", lambda c: (True, False), False),
    "component: reverse(string 1 KiB) -> string":
        Case("reverse", lambda c: (STRING_1K,), STRING_1K[::-1], KIB),
    "component: reverse(string 1 MiB) -> string":
        Case("reverse", lambda c: (STRING_1M,), STRING_1M[::-1], MIB),
    "component: bytes-len(list<u8> 1 MiB)":
        Case("bytes-len", lambda c: (BYTES_1M,), MIB, MIB, slow=True),
    "component: echo-bytes(list<u8> 1 MiB) -> list<u8>":
        Case("echo-bytes", lambda c: (BYTES_1M,), BYTES_1M, MIB, slow=True),
    "component: u32s-sum(list<u32> 1M elements)":
        Case("u32s-sum", lambda c: (U32S_1M,), sum(U32S_1M) % (1 << 32), 4 * MIB, slow=True),
    "component: records-len(list<record{a: u32, b: string}> 10k)":
        Case("records-len", records, N_RECORDS, RECORDS_BYTES, slow=True),
}


class ComponentGuest:
    """The bench guest's component instantiated in one implementation."""

    def __init__(self, label: str) -> None:
        top_name, component_name = MODULES[label]
        top = importlib.import_module(top_name)
        component = importlib.import_module(component_name)
        self.label = label
        self.component = component
        self.engine = top.Engine()
        self.store = top.Store(self.engine)
        comp = component.Component.from_file(self.engine, str(GUEST))
        self.instance = component.Linker(self.engine).instantiate(self.store, comp)

    def func(self, name: str) -> Any:
        func = self.instance.get_func(self.store, name)
        assert func is not None, f"no export {name!r}"
        return func


@pytest.fixture(params=list(MODULES), scope="module")
def component_guest(request):
    return ComponentGuest(request.param)


@pytest.mark.parametrize("group", CASES, ids=[g.removeprefix("component: ") for g in CASES])
def test_component_call(benchmark, component_guest, group):
    case = CASES[group]
    func = component_guest.func(case.func)
    args = (component_guest.store, *case.args(component_guest.component))
    benchmark.group = group
    benchmark.name = component_guest.label
    if case.nbytes is not None:
        benchmark.extra_info["bytes"] = case.nbytes
    if case.slow and component_guest.label == WASMTIME_PY:
        result = benchmark.pedantic(func, args, rounds=SLOW_ROUNDS, warmup_rounds=0)
    else:
        result = benchmark(func, *args)
    assert result == case.expected
    if isinstance(case.expected, bool):
        assert isinstance(result, bool)


FLOOR = "C API floor"


@pytest.fixture(scope="module")
def cw_component_guest():
    return ComponentGuest(CWASMTIME)


@pytest.mark.parametrize("group", CASES, ids=[g.removeprefix("component: ") for g in CASES])
def test_component_call_floor(benchmark, cw_component_guest, group):
    """What the C API alone costs for the same call: the arguments lowered once, then
    `wasmtime_component_func_call` from Cython with the result released unread."""
    case = CASES[group]
    func = cw_component_guest.func(case.func)
    floor = _native._floor_component_call(func, cw_component_guest.store,
                                          *case.args(cw_component_guest.component))
    benchmark.group = group
    benchmark.name = FLOOR
    if case.nbytes is not None:
        benchmark.extra_info["bytes"] = case.nbytes
    assert benchmark(floor) is None
