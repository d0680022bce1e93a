"""One value model: the same Python values, lowered by cmabi (``cmabi.lower`` and
``cmabi.store``) and by a cwasmtime.component call, give the same outcome — the same
value back or the same exception type. Both compile the one rule set of
cmabi/_accept.pxd; cmabi's ``Context(lenient=True)`` is checked at the end.

Each row is (type, value, expected): ``expected`` is the value that comes back (lifted
by cmabi; round-tripped through the guest and a host import by the component) or the
exception class every path raises (an unknown enum case or flag name: the component
API's is ``UnknownNameError``, both that ValueError and wasmtime-py's WasmtimeError)."""
from __future__ import annotations

import enum
import types
from typing import Any, Callable, Dict, Tuple

import pytest
import wasmtime.component

import cmabi
import cwasmtime
from cmabi import types as T
from cwasmtime._error import UnknownNameError
from cwasmtime.component import Record, Variant

from .conftest import Echo, component_for, same_value


class Boom(Exception):
    """Raised by the dunders below: a path that calls one fails with it."""


def boom(*args: Any) -> Any:
    raise Boom


class NoisyInt(int):
    __index__ = __int__ = __float__ = __bool__ = __eq__ = __hash__ = boom


class NoisyFloat(float):
    __float__ = __index__ = __eq__ = __hash__ = boom


class NoisyStr(str):
    __len__ = __iter__ = __getitem__ = __hash__ = __eq__ = __str__ = encode = boom


class NoisyBytes(bytes):
    __len__ = __iter__ = __getitem__ = boom


class LyingList(list):
    __len__ = __iter__ = __getitem__ = boom


class LyingTuple(tuple):
    __len__ = __iter__ = __getitem__ = boom


class LyingDict(dict):
    __len__ = __iter__ = __getitem__ = items = keys = values = boom


class OtherFlags(set):
    """A set whose iterator says something else: both paths iterate it."""

    def __iter__(self):
        return iter(["c"])


class Color(enum.IntEnum):
    RED = 1


class RaisingRecord:
    a = property(boom)
    b = "x"


class RecordTuple(tuple, Record):
    """Both a tuple and a Record: fits two cases of variant<record, tuple>."""

    def __init__(self, *args: Any) -> None:
        pass


class Make:
    """A value made anew for each path (it changes while it is lowered)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


def growing_map() -> Dict[str, Any]:
    d: Dict[str, Any] = {}

    class Grows:
        @property
        def n(self) -> int:
            d["other"] = Record(n=2)
            return 1

    d["k"] = Grows()
    return d


def fresh(value: Any) -> Any:
    return value.make() if isinstance(value, Make) else value


REC = T.Record([("a", T.U32)])
MREC = T.Record([("n", T.U32)])
# name: (WIT in WAT, the cmabi type, named types the WIT uses)
TYPES: Dict[str, Tuple[str, Any, Tuple[Tuple[str, str], ...]]] = {
    "bool": ("bool", T.Bool, ()),
    "s32": ("s32", T.S32, ()),
    "u8": ("u8", T.U8, ()),
    "f32": ("f32", T.F32, ()),
    "f64": ("f64", T.F64, ()),
    "char": ("char", T.Char, ()),
    "string": ("string", T.String, ()),
    "list<u8>": ("(list u8)", T.List(T.U8), ()),
    "list<u32>": ("(list u32)", T.List(T.U32), ()),
    "record": ('(record (field "a" u32) (field "b" string))',
               T.Record([("a", T.U32), ("b", T.String)]), ()),
    "tuple": ("(tuple u32 string)", T.Tuple([T.U32, T.String]), ()),
    "variant": ('(variant (case "a" u32) (case "b" u32) (case "c"))',  # tagged
                T.Variant([("a", T.U32), ("b", T.U32), ("c", None)]), ()),
    "enum": ('(enum "a" "b" "c")', T.Enum(["a", "b", "c"]), ()),
    "option<u32>": ("(option u32)", T.Option(T.U32), ()),
    "result<s32, bool>": ("(result s32 (error bool))", T.Result(T.S32, T.Bool), ()),
    "result<option<u8>, string>": ("(result (option u8) (error string))",
                                   T.Result(T.Option(T.U8), T.String), ()),
    "variant<record, tuple>": ('(variant (case "r" $r) (case "t" (tuple u32)))',
                               T.Variant([("r", REC), ("t", T.Tuple([T.U32]))]),
                               (("r", '(record (field "a" u32))'),)),
    "flags": ('(flags "a" "b" "c")', T.Flags(["a", "b", "c"]), ()),
    "map": ("(map string $m)", T.Map(T.String, MREC), (("m", '(record (field "n" u32))'),)),
}

ROWS = [
    ("bool", True, True), ("bool", False, False), ("bool", 1, TypeError), ("bool", 0, TypeError),
    ("bool", None, TypeError), ("bool", NoisyInt(1), TypeError),
    # bool is an int: accepted for integers (as wasmtime-py); integers wrap
    ("s32", 5, 5), ("s32", True, 1), ("s32", Color.RED, 1), ("s32", NoisyInt(7), 7),
    ("s32", 2**32 + 3, 3), ("s32", 1.0, TypeError), ("s32", "1", TypeError), ("s32", None, TypeError),
    ("u8", 256, 0), ("u8", -1, 255),
    ("f64", 1.5, 1.5), ("f64", NoisyFloat(2.5), 2.5), ("f64", 1, TypeError), ("f64", True, TypeError),
    ("f64", NoisyInt(1), TypeError), ("f64", "1.0", TypeError), ("f32", 0.5, 0.5), ("f32", 1, TypeError),
    ("char", "a", "a"), ("char", NoisyStr("é"), "é"), ("char", "ab", TypeError), ("char", "", TypeError),
    ("char", "\ud800", ValueError), ("char", 97, TypeError),
    ("string", "héllo", "héllo"), ("string", NoisyStr("x"), "x"), ("string", b"x", TypeError),
    ("string", None, TypeError), ("string", "a\ud800", UnicodeEncodeError),
    ("list<u8>", b"ab", b"ab"), ("list<u8>", bytearray(b"ab"), b"ab"), ("list<u8>", memoryview(b"ab"), b"ab"),
    ("list<u8>", NoisyBytes(b"ab"), b"ab"), ("list<u8>", [1, 2], TypeError), ("list<u8>", "ab", TypeError),
    ("list<u32>", [1, 2], [1, 2]), ("list<u32>", [1, True], [1, 1]), ("list<u32>", LyingList([1, 2, 3]), [1, 2, 3]),
    ("list<u32>", (1, 2), TypeError), ("list<u32>", {1, 2}, TypeError), ("list<u32>", [1, "x"], TypeError),
    ("list<u32>", [1.0], TypeError),
    ("record", Record(a=1, b="x"), Record(a=1, b="x")),
    ("record", types.SimpleNamespace(a=1, b="x"), Record(a=1, b="x")),
    ("record", {"a": 1, "b": "x"}, AttributeError), ("record", Record(a=1), AttributeError),
    ("record", RaisingRecord(), Boom),
    ("tuple", (1, "x"), (1, "x")), ("tuple", LyingTuple((1, "x")), (1, "x")), ("tuple", [1, "x"], TypeError),
    ("tuple", (1,), TypeError), ("tuple", (1, "x", 2), TypeError),
    ("variant", Variant("a", 1), Variant("a", 1)), ("variant", Variant("c"), Variant("c")),
    ("variant", wasmtime.component.Variant("b", 2), Variant("b", 2)),
    ("variant", Variant(NoisyStr("a"), 1), Variant("a", 1)), ("variant", 1, TypeError),
    ("variant", Variant("d", 1), ValueError), ("variant", Variant(1, 1), ValueError),
    ("variant", Variant("a", "x"), TypeError),
    ("enum", "b", "b"), ("enum", NoisyStr("c"), "c"), ("enum", "d", ValueError), ("enum", 1, TypeError),
    ("option<u32>", None, None), ("option<u32>", 3, 3), ("option<u32>", True, 1),
    ("option<u32>", Variant("some", 1), ValueError), ("option<u32>", "x", ValueError),
    # untagged and ambiguous by isinstance: the value's own class decides the case
    ("result<s32, bool>", 1, 1), ("result<s32, bool>", True, True), ("result<s32, bool>", False, False),
    ("result<s32, bool>", Color.RED, 1), ("result<s32, bool>", "x", ValueError),
    ("result<s32, bool>", None, ValueError),
    ("result<option<u8>, string>", "x", "x"), ("result<option<u8>, string>", NoisyStr("y"), "y"),
    ("result<option<u8>, string>", 5, 5), ("result<option<u8>, string>", None, None),
    ("result<option<u8>, string>", b"x", ValueError), ("result<option<u8>, string>", 1.5, ValueError),
    ("variant<record, tuple>", Record(a=1), Record(a=1)), ("variant<record, tuple>", (2,), (2,)),
    ("variant<record, tuple>", RecordTuple((3,)), TypeError),
    ("flags", {"a"}, {"a"}), ("flags", frozenset({"a", "c"}), {"a", "c"}), ("flags", set(), set()),
    ("flags", OtherFlags({"a"}), {"c"}), ("flags", ["a"], TypeError), ("flags", "a", TypeError),
    ("flags", {"d"}, ValueError), ("flags", {1}, TypeError),
    ("map", {"k": Record(n=1)}, {"k": Record(n=1)}), ("map", LyingDict({"k": Record(n=1)}), {"k": Record(n=1)}),
    ("map", Make(growing_map), RuntimeError), ("map", [("k", Record(n=1))], TypeError),
]


def _id(row: Tuple[str, Any, Any]) -> str:
    ty, value, expected = row
    shown = type(value).__name__ if isinstance(value, (Make, RaisingRecord)) else repr(value)[:24]
    return f"{ty}-{shown}"


class Bump:
    """A big ByteArrayMemory with a bump realloc, for cmabi."""

    def __init__(self) -> None:
        self.memory = cmabi.ByteArrayMemory(1 << 20)
        self.top = 16

    def realloc(self, old: int, old_size: int, align: int, new_size: int) -> int:
        ptr = -(-self.top // align) * align
        self.top = ptr + new_size
        assert self.top <= len(self.memory)
        return ptr


_ECHOES: Dict[str, Echo] = {}


def echo(ty: str) -> Echo:
    """The component path: an instance whose ``x`` passes its argument through the
    host and back (one per type, kept for the module's rows)."""
    if ty not in _ECHOES:
        wit, cm, named = TYPES[ty]
        engine = None
        if ty == "map":
            cfg = cwasmtime.Config()
            cfg.wasm_component_model_map = True
            engine = cwasmtime.Engine(cfg)
        _ECHOES[ty] = Echo(cwasmtime, component_for(wit, " ".join(cm.flat), named), engine=engine)
    return _ECHOES[ty]


def run(fn: Callable[[], Any]) -> Tuple[str, Any]:
    try:
        return ("ok", fn())
    except Exception as e:  # noqa: BLE001 - the exception is the outcome
        return ("raise", e)


def cmabi_paths(ty: str, value: Any, lenient: bool = False) -> Dict[str, Tuple[str, Any]]:
    cm = TYPES[ty][1]
    heap = Bump()
    cx = cmabi.Context(heap.memory, heap.realloc, lenient=lenient)

    def through_memory() -> Any:
        ptr = heap.realloc(0, 0, cm.alignment, cm.size)
        cmabi.store(cx, cm, fresh(value), ptr)
        return cmabi.load(cx, cm, ptr)

    return {"cmabi.lower": run(lambda: cmabi.lift(cx, cm, cmabi.lower(cx, cm, fresh(value)))),
            "cmabi.store": run(through_memory)}


def check(path: str, got: Tuple[str, Any], expected: Any) -> None:
    kind, result = got
    if isinstance(expected, type) and issubclass(expected, BaseException):
        assert kind == "raise", (path, result)
        if path == "component call" and type(result) is UnknownNameError:
            assert expected is ValueError and isinstance(result, cwasmtime.WasmtimeError)
        else:
            assert type(result) is expected, (path, result)
    else:
        assert kind == "ok", (path, result)
        assert same_value(result, expected), (path, result, expected)


@pytest.mark.parametrize("ty, value, expected", ROWS, ids=[_id(r) for r in ROWS])
def test_cmabi_and_component_lower_the_same_values(ty, value, expected):
    outcomes = cmabi_paths(ty, value)
    outcomes["component call"] = run(lambda: echo(ty)(fresh(value)))
    for path, got in outcomes.items():
        check(path, got, expected)
    seen = echo(ty).seen
    assert len(seen) == (0 if isinstance(expected, type) else 1)  # refused before the call
    seen.clear()


# What cmabi.Context(lenient=True) adds; everything strict accepts stays the same.
LENIENT_ROWS = [
    ("bool", 1, True), ("bool", 0, False), ("bool", 1 << 80, True), ("bool", NoisyInt(2), True),
    ("f64", 1, 1.0), ("f64", NoisyInt(3), 3.0), ("f32", True, 1.0),
    ("list<u8>", [1, 2], b"\x01\x02"), ("list<u8>", (1, 2), b"\x01\x02"), ("list<u32>", (1, 2), [1, 2]),
    ("list<u32>", LyingTuple((1, 2)), [1, 2]),
    ("tuple", [1, "x"], (1, "x")), ("tuple", [1], TypeError),
    ("record", {"a": 1, "b": "x"}, Record(a=1, b="x")), ("record", {"a": 1}, AttributeError),
    ("flags", ["a", "b"], {"a", "b"}), ("flags", Make(lambda: iter(["c"])), {"c"}), ("flags", "a", TypeError),
    ("variant", types.SimpleNamespace(tag="b", payload=3), Variant("b", 3)),
    ("variant", types.SimpleNamespace(tag="b"), TypeError),
    ("map", [("k", Record(n=1))], TypeError),
]


@pytest.mark.parametrize("ty, value, expected", LENIENT_ROWS, ids=[_id(r) for r in LENIENT_ROWS])
def test_lenient_cmabi_context_accepts_more(ty, value, expected):
    for path, got in cmabi_paths(ty, value, lenient=True).items():
        check(path, got, expected)
    if not isinstance(expected, type):  # refused by the strict rules, on both paths
        for path, got in {**cmabi_paths(ty, value),
                          "component call": run(lambda: echo(ty)(fresh(value)))}.items():
            assert got[0] == "raise", (path, got)


ACCEPTED_ROWS = [r for r in ROWS if not isinstance(r[2], type)]


@pytest.mark.parametrize("ty, value, expected", ACCEPTED_ROWS, ids=[_id(r) for r in ACCEPTED_ROWS])
def test_lenient_cmabi_context_keeps_what_strict_accepts(ty, value, expected):
    for path, got in cmabi_paths(ty, value, lenient=True).items():
        check(path, got, expected)
