"""cmabi: the Component Model Canonical ABI, with and without a wasm call.

Two kinds of groups, each implementation under its own name (`cmabi`, `wasmtime-py
component`); `extra_info["bytes"]` is the size of the value's data in guest memory (in
the guest's string encoding), so scripts/bench.py can show GB/s:

* `lower+lift: ...` — no wasm at all: `cmabi.lower` then `cmabi.lift` of one
  value through a `cmabi.ByteArrayMemory` and a Python bump `realloc` (reset each
  round), for each string encoding. A `str` caches its UTF-8 form the first time it is
  encoded (CPython), so lowering the same non-ASCII `str` again copies that cache; the
  `fresh str` case builds a new `str` before each round (outside the timing) to show
  the cost with the encoding. Lifting always decodes.
* `call ...` — a real call of the benchmark guest (examples/bench-guest/): cmabi's
  `bind.Guest` on the core module in cwasmtime vs wasmtime-py 50's `wasmtime.component`
  on the component (`Linker().instantiate`, `instance.get_func`, the call, then
  `post_return`). The guest's own work is nothing or a trivial loop. wasmtime-py
  converts lists element by element (~1 µs an element), so its big cases run a fixed
  few rounds (`pedantic`) instead of pytest-benchmark's calibration.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

import cmabi
from cmabi import Record, types as t

ROOT = Path(__file__).resolve().parents[1]
GUEST_DIR = ROOT / "examples" / "bench-guest"
CMABI = "cmabi"
WASMTIME_PY = "wasmtime-py component"
SLOW_ROUNDS = 3  # rounds of a wasmtime-py case whose call takes ~0.1 s or more

KIB = 1 << 10
MIB = 1 << 20
ITEM = t.Record([("a", t.U32), ("b", t.String)])
ITEM_SIZE = 12  # a: u32 @0, b: (ptr, len) @4


def text(n: int, alphabet: str) -> str:
    """`n` characters cycling through `alphabet`."""
    return (alphabet * (n // len(alphabet) + 1))[:n]


ASCII = "The quick brown fox jumps over the lazy dog. "
# Latin-1, then BMP, then astral characters: UTF-8 of 1-4 bytes, UTF-16 of 1-2 units.
MIXED = "Grüße, Ωμέγα 世界 🦀 "


def records(n: int) -> list[Record]:
    return [Record(a=i, b=f"item {i}") for i in range(n)]


def records_bytes(rs: list[Record]) -> int:
    return ITEM_SIZE * len(rs) + sum(len(r.b.encode()) for r in rs)


def encoded_size(encoding: str, tagged_len: int) -> int:
    """Bytes a lowered string takes in memory, from its flat (tagged) length."""
    if encoding == "utf8":
        return tagged_len
    if encoding == "utf16":
        return 2 * tagged_len
    if tagged_len & cmabi.UTF16_TAG:
        return 2 * (tagged_len ^ cmabi.UTF16_TAG)
    return tagged_len


def size_label(n: int) -> str:
    return f"{n // MIB} MiB" if n >= MIB and n % MIB == 0 else f"{n // KIB} KiB"


# ------------------------------------------------------------------ lower+lift, no wasm

class Arena:
    """A `ByteArrayMemory` and a bump `realloc` over it (the guest's side, in Python)."""

    def __init__(self, size: int) -> None:
        self.memory = cmabi.ByteArrayMemory(size)
        self.size = size
        self.top = 8

    def reset(self) -> None:
        self.top = 8

    def realloc(self, old: int, old_size: int, align: int, new_size: int) -> int:
        if old and new_size <= old_size:
            return old
        ptr = (self.top + align - 1) & -align
        if ptr + new_size > self.size:
            raise MemoryError("benchmark arena too small")
        self.top = ptr + new_size
        if old:
            data = self.memory.data
            data[ptr:ptr + old_size] = data[old:old + old_size]
        return ptr

    def context(self, encoding: str = "utf8") -> cmabi.Context:
        return cmabi.Context(self.memory, self.realloc, encoding)


def roundtrip(arena: Arena, cx: cmabi.Context, ty: t.ValType) -> Callable[[Any], Any]:
    def run(value: Any) -> Any:
        arena.reset()
        return cmabi.lift(cx, ty, cmabi.lower(cx, ty, value))
    return run


ENCODINGS = ["utf8", "utf16", "latin1+utf16"]
STRINGS = {  # label: (characters, alphabet)
    "1 KiB ASCII": (KIB, ASCII),
    "1 MiB ASCII": (MIB, ASCII),
    "1 Mi chars non-ASCII": (MIB, MIXED),
}


@pytest.mark.parametrize("label", STRINGS)
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_cmabi_string_roundtrip(benchmark, encoding, label):
    n, alphabet = STRINGS[label]
    value = text(n, alphabet)
    arena = Arena(8 * n + 64)
    cx = arena.context(encoding)
    benchmark.group = f"lower+lift: string {label}, {encoding}"
    benchmark.name = CMABI
    benchmark.extra_info["bytes"] = encoded_size(encoding, cmabi.lower(cx, t.String, value)[1])
    assert benchmark(roundtrip(arena, cx, t.String), value) == value


def test_cmabi_string_roundtrip_fresh(benchmark):
    """The utf8 non-ASCII case with a new `str` each round: no cached UTF-8 form."""
    n, alphabet = STRINGS["1 Mi chars non-ASCII"]
    value = text(n, alphabet)
    arena = Arena(8 * n + 64)
    cx = arena.context("utf8")
    benchmark.group = "lower+lift: string 1 Mi chars non-ASCII, utf8, fresh str each round"
    benchmark.name = CMABI
    benchmark.extra_info["bytes"] = len(value.encode())
    fresh = lambda: ((value[:1] + value[1:],), {})  # noqa: E731  (a new object, equal)
    result = benchmark.pedantic(roundtrip(arena, cx, t.String), setup=fresh, rounds=50,
                                warmup_rounds=1)
    assert result == value


def test_cmabi_bytes_roundtrip(benchmark):
    value = bytes(range(256)) * (MIB // 256)
    arena = Arena(MIB + 64)
    benchmark.group = "lower+lift: list<u8> 1 MiB"
    benchmark.name = CMABI
    benchmark.extra_info["bytes"] = len(value)
    assert benchmark(roundtrip(arena, arena.context(), t.List(t.U8)), value) == value


def test_cmabi_u32s_roundtrip(benchmark):
    value = list(range(MIB))
    arena = Arena(4 * MIB + 64)
    benchmark.group = "lower+lift: list<u32> 1M elements"
    benchmark.name = CMABI
    benchmark.extra_info["bytes"] = 4 * len(value)
    assert benchmark(roundtrip(arena, arena.context(), t.List(t.U32)), value) == value


def test_cmabi_records_roundtrip(benchmark):
    value = records(10_000)
    arena = Arena(2 * records_bytes(value) + 64)
    benchmark.group = "lower+lift: list<record{a: u32, b: string}> 10k"
    benchmark.name = CMABI
    benchmark.extra_info["bytes"] = records_bytes(value)
    assert benchmark(roundtrip(arena, arena.context(), t.List(ITEM)), value) == value


# ------------------------------------------------------------------ real calls

FUNCS = {  # WIT name: cmabi function type
    "empty": t.FuncType([]),
    "string-len": t.FuncType([("a", t.String)], t.U32),
    "bytes-len": t.FuncType([("a", t.List(t.U8))], t.U32),
    "u32s-sum": t.FuncType([("a", t.List(t.U32))], t.U32),
    "records-len": t.FuncType([("a", t.List(ITEM))], t.U32),
    "echo-string": t.FuncType([("a", t.String)], t.String),
    "echo-bytes": t.FuncType([("a", t.List(t.U8))], t.List(t.U8)),
}

STRING_1K = text(KIB, ASCII)
STRING_1M = text(MIB, ASCII)
BYTES_1K = bytes(range(256)) * (KIB // 256)
BYTES_1M = bytes(range(256)) * (MIB // 256)
U32S_1M = list(range(MIB))
RECORDS_10K = records(10_000)

# group: (WIT function, argument, expected result, bytes, wasmtime-py runs slowly)
CALLS = {
    "call empty()": ("empty", None, None, None, False),
    "call string-len(string 1 KiB)": ("string-len", STRING_1K, KIB, KIB, False),
    "call string-len(string 1 MiB)": ("string-len", STRING_1M, MIB, MIB, False),
    "call bytes-len(list<u8> 1 MiB)": ("bytes-len", BYTES_1M, MIB, MIB, True),
    "call u32s-sum(list<u32> 1M elements)": ("u32s-sum", U32S_1M, sum(U32S_1M) % (1 << 32),
                                             4 * MIB, True),
    "call records-len(list<record{a: u32, b: string}> 10k)":
        ("records-len", RECORDS_10K, 10_000, records_bytes(RECORDS_10K), True),
    "call echo-string(string 1 KiB) -> string": ("echo-string", STRING_1K, STRING_1K, KIB, False),
    "call echo-bytes(list<u8> 1 KiB) -> list<u8>": ("echo-bytes", BYTES_1K, BYTES_1K, KIB, False),
}


class CmabiGuest:
    """The core module in cwasmtime, its exports bound by `cmabi.bind.Guest`."""

    def __init__(self) -> None:
        import cwasmtime
        from cmabi import bind
        store = cwasmtime.Store()
        module = cwasmtime.Module.from_file(store.engine, str(GUEST_DIR / "bench-core.wasm"))
        self.guest = bind.Guest(store, cwasmtime.Instance(store, module, []))

    def function(self, name: str) -> Callable[..., Any]:
        return self.guest.function(FUNCS[name], name)


class WasmtimePyGuest:
    """The component in wasmtime-py 50's `wasmtime.component`."""

    def __init__(self) -> None:
        import wasmtime
        from wasmtime import component
        engine = wasmtime.Engine()
        self.store = wasmtime.Store(engine)
        comp = component.Component.from_file(engine, str(GUEST_DIR / "bench.component.wasm"))
        self.instance = component.Linker(engine).instantiate(self.store, comp)

    def function(self, name: str) -> Callable[..., Any]:
        store = self.store
        func = self.instance.get_func(store, self.instance.get_export_index(store, name))

        def call(*args: Any) -> Any:
            result = func(store, *args)
            func.post_return(store)
            return result
        return call


@pytest.fixture(scope="module")
def cmabi_guest():
    return CmabiGuest()


@pytest.fixture(scope="module")
def wasmtime_py_guest():
    return WasmtimePyGuest()


def run_call(benchmark, guest, name: str, group: str, slow: bool) -> Any:
    wit_name, arg, _, nbytes, _ = CALLS[group]
    fn = guest.function(wit_name)
    args = () if arg is None else (arg,)
    benchmark.group = group
    benchmark.name = name
    if nbytes is not None:
        benchmark.extra_info["bytes"] = nbytes
    if slow:
        return benchmark.pedantic(fn, args, rounds=SLOW_ROUNDS, warmup_rounds=0)
    return benchmark(fn, *args)


@pytest.mark.parametrize("group", CALLS)
def test_call_cmabi(benchmark, cmabi_guest, group):
    assert run_call(benchmark, cmabi_guest, CMABI, group, False) == CALLS[group][2]


@pytest.mark.parametrize("group", CALLS)
def test_call_cmabi_wasmtime_py(benchmark, wasmtime_py_guest, group):
    slow = CALLS[group][4]
    assert run_call(benchmark, wasmtime_py_guest, WASMTIME_PY, group, slow) == CALLS[group][2]
