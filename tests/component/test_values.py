"""Component values through cwasmtime.component, each compared with wasmtime-py 50.0.1.

Every round trip goes Python -> guest (lowered as a call argument) -> host import
(lifted: the host function sees it) -> guest (the host's return value, lowered) ->
Python (the call's result, lifted), so both lowering paths (call arguments and host
results) and both lifting paths are exercised for every type. The same WAT and value
run through ``wasmtime.component`` must give an equal value of the same shape."""
from __future__ import annotations

import dataclasses
import math
import pickle
import struct
import types

import pytest
import wasmtime
import wasmtime.component

import cmabi
import cwasmtime
import cwasmtime.component as cc
from cwasmtime.component import Record, Variant

from .conftest import (Echo, Resources, assert_flat, component_for, indirect_component, outcome,
                       same_value, to_wasmtime_py)


def f32(x: float) -> float:
    return struct.unpack("<f", struct.pack("<f", x))[0]


# (WIT type, flat core types, values that round-trip unchanged[, named types it uses])
_ROUND_TRIPS = [
    ("bool", "i32", [True, False]),
    ("u8", "i32", [0, 1, 127, 128, 255]),
    ("s8", "i32", [-128, -1, 0, 1, 127]),
    ("u16", "i32", [0, 255, 256, 65535]),
    ("s16", "i32", [-32768, -1, 0, 32767]),
    ("u32", "i32", [0, 1, 2**31, 2**32 - 1]),
    ("s32", "i32", [-2**31, -1, 0, 2**31 - 1]),
    ("u64", "i64", [0, 1, 2**32, 2**63, 2**64 - 1]),
    ("s64", "i64", [-2**63, -1, 0, 2**32, 2**63 - 1]),
    ("f32", "f32", [0.0, -0.0, 1.0, -1.5, f32(0.1), f32(3.4028234663852886e38), 2.0**-149,
                    math.inf, -math.inf, math.nan]),
    ("f64", "f64", [0.0, -0.0, 0.1, -1e308, 1.7976931348623157e308, 5e-324, 2.0**53 + 2,
                    math.inf, -math.inf, math.nan]),
    ("char", "i32", ["a", "\x00", "é", "€", "\ud7ff", "\ue000", "\uffff", "\U0001F600",
                     "\U0010FFFF"]),
    ("string", "i32 i32", ["", "a", "hello, world!", "héllo wörld", "ÿ" * 10, "Ελληνικά",
                           "日本語テキスト", "😀👍🏽", "a\x00b", "x" * 100_000, "€" * 50_000]),
    ("(list u8)", "i32 i32", [b"", b"\x00", b"hello", bytes(range(256)), b"\xff" * 100_000]),
    ("(list u32)", "i32 i32", [[], [0], [1, 2, 3], [0, 2**32 - 1], list(range(10_000))]),
    ("(list s64)", "i32 i32", [[], [-2**63, 2**63 - 1, 0, -1]]),
    ("(list f32)", "i32 i32", [[], [0.5, -0.0, math.inf]]),
    ("(list string)", "i32 i32", [[], [""], ["a", "", "ü", "😀"], ["s%d" % i for i in range(1000)]]),
    ("(list (list u8))", "i32 i32", [[], [b""], [b"", b"ab", b"\x00\xff"]]),
    ("(list (list u32))", "i32 i32", [[], [[]], [[1], [], [2, 3]]]),
    ("(record (field \"a\" u32) (field \"b\" string) (field \"c\" (list u8)))",
     "i32 i32 i32 i32 i32",
     [Record(a=0, b="", c=b""), Record(a=2**32 - 1, b="héllo", c=b"\x01\x02")]),
    ("(record (field \"inner\" $inner) (field \"n\" u64))", "i32 i32 i64",
     [Record(inner=Record(x=-5, y=True), n=2**64 - 1), Record(inner=Record(x=0, y=False), n=0)],
     [("inner", "(record (field \"x\" s8) (field \"y\" bool))")]),
    ("(tuple u32 string)", "i32 i32 i32", [(0, ""), (7, "seven"), (2**32 - 1, "日本")]),
    ("(tuple bool (tuple s16 char))", "i32 i32 i32", [(True, (-1, "😀")), (False, (0, "a"))]),
    # tagged: cases a and b both lift to int (and c, payload-less, to anything)
    ("(variant (case \"a\" u32) (case \"b\" u32) (case \"c\"))", "i32 i32",
     [Variant("a", 1), Variant("b", 2**32 - 1), Variant("c")]),
    # untagged: each case has its own Python class
    ("(variant (case \"n\") (case \"f\" f64) (case \"s\" string))", "i32 i64 i32",
     [None, 1.5, -0.0, "", "text"]),
    ("(variant (case \"a\" u32) (case \"b\" string))", "i32 i32 i32", [0, 7, "x"]),
    ("(enum \"a\" \"b\" \"c\")", "i32", ["a", "b", "c"]),
    ("(option u32)", "i32 i32", [None, 0, 3, 2**32 - 1]),
    ("(option string)", "i32 i32 i32", [None, "", "some"]),
    ("(option (option u32))", "i32 i32 i32",
     [Variant("none"), Variant("some", None), Variant("some", 0), Variant("some", 5)]),
    ("(result u32 (error string))", "i32 i32 i32", [3, 0, "bad", ""]),
    ("(result u32 (error u32))", "i32 i32", [Variant("ok", 1), Variant("err", 2)]),
    ("(result)", "i32", [Variant("ok"), Variant("err")]),
    ("(result (error string))", "i32 i32 i32", [None, "x"]),
    ("(result string)", "i32 i32 i32", ["ok!", None]),
    ("(flags \"a\" \"b\" \"c\")", "i32", [set(), {"a"}, {"c"}, {"a", "b"}, {"a", "b", "c"}]),
    ("(flags " + " ".join(f'"f{i}"' for i in range(32)) + ")", "i32",
     [set(), {"f0"}, {"f31"}, {f"f{i}" for i in range(0, 32, 3)}]),
    ("(list $kv)", "i32 i32", [[], [Record(k="a", v=None), Record(k="b", v=-1)]],
     [("kv", "(record (field \"k\" string) (field \"v\" (option s32)))")]),
    ("(option $e)", "i32 i32", [None, "y"], [("e", "(enum \"x\" \"y\")")]),
    ("(tuple $f (list $v))", "i32 i32 i32",
     [({"p"}, []), (set(), [Variant("a", 1), Variant("b", 2), Variant("c")])],
     [("f", "(flags \"p\" \"q\")"), ("v", "(variant (case \"a\" u32) (case \"b\" u32) (case \"c\"))")]),
]
ROUND_TRIPS = [c if len(c) == 4 else (*c, ()) for c in _ROUND_TRIPS]


def _id(case):
    return case[0][:40]


@pytest.mark.parametrize("wit, flat, values, named", ROUND_TRIPS, ids=[_id(c) for c in ROUND_TRIPS])
def test_round_trip_matches_wasmtime_py(wit, flat, values, named):
    wat = component_for(wit, flat, named)
    ours, theirs = Echo(cwasmtime, wat), Echo(wasmtime, wat)
    for value in values:
        got = ours(value)
        assert same_value(got, value), (got, value)
        assert len(ours.seen) == 1 and same_value(ours.seen.pop(), value)
        expected = theirs(to_wasmtime_py(value))
        assert same_value(got, expected), (got, expected)
        assert same_value(theirs.seen.pop(), got)


@pytest.mark.parametrize("wit, flat, values, named", ROUND_TRIPS, ids=[_id(c) for c in ROUND_TRIPS])
def test_func_type_reflection_matches_wasmtime_py(wit, flat, values, named):
    wat = component_for(wit, flat, named)
    ours, theirs = Echo(cwasmtime, wat), Echo(wasmtime, wat)
    ty, wty = ours.func.type(ours.store), theirs.func.type(theirs.store)
    [(name, param)] = ty.params
    [(wname, wparam)] = wty.params
    assert name == wname == "x"
    assert type(param).__name__ == type(wparam).__name__
    assert isinstance(param, cc.ValType)
    assert ty.result == param  # the same type, by Wasmtime's structural equality
    assert param == ty.result and not (param != ty.result)
    wclasses = set()
    wparam.add_classes(wclasses)
    assert param._classes() == {_cw_class(c) for c in wclasses}
    assert ty.is_async is False


def _cw_class(cls):
    """wasmtime-py's Variant/Record classes are cwasmtime's (cmabi's) over here."""
    return {"Variant": Variant, "Record": Record, "ResourceAny": cc.ResourceAny,
            "ResourceHost": cc.ResourceHost}.get(cls.__name__, cls)


def test_func_type_reflection_details():
    wit = ("(record (field \"a\" u32) (field \"b\" (list u8)) (field \"c\" (tuple s8 f64)) "
           "(field \"d\" $d) (field \"e\" $e) (field \"f\" (option char)) "
           "(field \"g\" (result u16 (error bool))) (field \"h\" $h))")
    named = [("d", "(variant (case \"x\") (case \"y\" string))"), ("e", "(enum \"p\" \"q\")"),
             ("h", "(flags \"m\" \"n\")")]
    flat = "i32 i32 i32 i32 f64 i32 i32 i32 i32 i32 i32 i32 i32 i32"
    echo = Echo(cwasmtime, indirect_component(wit, flat, named))
    record = echo.func.type(echo.store).params[0][1]
    assert isinstance(record, cc.RecordType)
    fields = dict(record.fields)
    assert list(fields) == ["a", "b", "c", "d", "e", "f", "g", "h"]
    assert fields["a"] == cc.U32()
    assert isinstance(fields["b"], cc.ListType) and fields["b"].element == cc.U8()
    assert fields["c"].elements == [cc.S8(), cc.F64()]
    assert fields["d"].cases == [("x", None), ("y", cc.String())]
    assert fields["e"].names == ["p", "q"] and fields["e"].names_count == 2
    assert fields["e"].name(1) == "q" and fields["e"].name(2) is None
    assert fields["f"].payload == cc.Char()
    assert (fields["g"].ok, fields["g"].err) == (cc.U16(), cc.Bool())
    assert fields["h"].names == ["m", "n"]
    assert fields["b"] != fields["c"] and fields["a"] != cc.S32()


def test_func_type_of_no_params_no_result():
    wat = """(component
      (core module $m (func (export "f")))
      (core instance $i (instantiate $m))
      (func (export "f") (canon lift (core func $i "f"))))"""
    engine = cwasmtime.Engine()
    store = cwasmtime.Store(engine)
    inst = cc.Linker(engine).instantiate(store, cc.Component(engine, wat))
    f = inst.get_func(store, "f")
    assert f.type(store).params == [] and f.type(store).result is None
    assert f(store) is None
    f.post_return(store)


# ------------------------------------------------------------------ integers and floats

# (type, value given, value Wasmtime sees): lowering wraps modulo 2**bits, like a C cast
WRAPS = [
    ("u8", 256, 0), ("u8", 300, 44), ("u8", -1, 255), ("u8", True, 1),
    ("s8", 128, -128), ("s8", 255, -1), ("s8", -129, 127),
    ("u16", 65536 + 5, 5), ("u16", -2, 65534), ("s16", 40000, 40000 - 65536),
    ("u32", -1, 2**32 - 1), ("u32", 2**40 + 3, 3), ("u32", 2**100 + 7, 7),
    ("s32", 2**31, -2**31), ("s32", 2**32 + 5, 5),
    ("u64", -1, 2**64 - 1), ("u64", 2**64 + 5, 5), ("u64", -(2**100) + 1, 1),
    ("s64", 2**63, -2**63), ("s64", -2**63 - 1, 2**63 - 1), ("s64", 2**64 * 3 - 1, -1),
]


@pytest.mark.parametrize("ty, given, wrapped", WRAPS)
def test_out_of_range_integers_wrap_like_wasmtime_py(ty, given, wrapped):
    wat = component_for(ty, "i64" if ty.endswith("64") else "i32")
    ours, theirs = Echo(cwasmtime, wat), Echo(wasmtime, wat)
    assert ours(given) == wrapped
    assert ours.seen == [wrapped]
    assert theirs(given) == wrapped
    # and from a host function's result, too
    ours.host = lambda store, v: given
    assert ours(0) == wrapped


@pytest.mark.parametrize("given", [0.1, 1 / 3, 3.141592653589793, 1e39, -1e39, 1e-46, -1e-46,
                                   1e300, 16777217.0])
def test_f32_rounds_to_single_precision_like_wasmtime_py(given):
    wat = component_for("f32", "f32")
    ours, theirs = Echo(cwasmtime, wat), Echo(wasmtime, wat)
    expected = f32(given) if abs(given) < 3.5e38 else math.copysign(math.inf, given)
    got = ours(given)
    assert same_value(got, expected)
    assert same_value(ours.seen[0], expected)
    assert same_value(theirs(given), got)


# ------------------------------------------------------------ values of other classes


def test_bytes_like_values_lower_as_list_u8():
    ours = Echo(cwasmtime, component_for("(list u8)", "i32 i32"))
    assert ours(bytearray(b"abc")) == b"abc"
    assert ours(memoryview(b"xyz")) == b"xyz"
    assert ours(memoryview(bytearray(b"\x00\xff"))) == b"\x00\xff"
    assert ours(bytearray()) == b""
    assert ours(memoryview(b"")) == b""
    assert all(type(v) is bytes for v in ours.seen)
    # a host function may return them too
    for value in (bytearray(b"host"), memoryview(b"host")):
        ours.host = lambda store, v, value=value: value
        got = ours(b"")
        assert got == b"host" and type(got) is bytes


def test_non_contiguous_memoryview_lowers_as_its_bytes():
    ours = Echo(cwasmtime, component_for("(list u8)", "i32 i32"))
    view = memoryview(b"abcdef")[::2]
    assert ours(view) == b"ace" == view.tobytes()


def test_list_u8_rejects_lists_and_strings_like_wasmtime_py():
    wat = component_for("(list u8)", "i32 i32")
    ours, theirs = Echo(cwasmtime, wat), Echo(wasmtime, wat)
    for bad in ([1, 2], "abc", None, 5, (1,)):
        with pytest.raises(TypeError):
            ours(bad)
        assert outcome(lambda: theirs(bad)) == ("raise", "TypeError")
    assert ours(b"still works") == b"still works"


def test_record_lowers_from_any_object_with_the_fields():
    wit = "(record (field \"a\" u32) (field \"b\" string))"
    ours, theirs = Echo(cwasmtime, component_for(wit, "i32 i32 i32")), Echo(wasmtime, component_for(wit, "i32 i32 i32"))

    @dataclasses.dataclass
    class Point:
        a: int
        b: str
        extra: float = 1.0

    for value in (Record(a=1, b="r"), types.SimpleNamespace(a=2, b="ns"), Point(3, "dc"),
                  wasmtime.component.Record()):
        if type(value) is wasmtime.component.Record:
            value.a, value.b = 4, "wasmtime-py's"
        got = ours(value)
        assert type(got) is Record and got.__class__ is cmabi.Record
        assert vars(got) == {"a": value.a, "b": value.b}
        assert same_value(got, theirs(value))
    assert cc.Record is cmabi.Record and cc.Variant is cmabi.Variant
    # a host function may return such objects too
    ours.host = lambda store, v: Point(9, "host")
    assert vars(ours(Record(a=0, b=""))) == {"a": 9, "b": "host"}


def test_records_and_variants_compare_equal_across_the_two():
    theirs = wasmtime.component.Record()
    theirs.a, theirs.b = 1, "x"
    assert Record(a=1, b="x") == theirs and theirs == Record(a=1, b="x")
    assert Record(a=1, b="x") != Record(a=2, b="x")
    assert Variant("a", 1) == wasmtime.component.Variant("a", 1)
    assert wasmtime.component.Variant("a", 1) == Variant("a", 1)
    assert Variant("a", 1) != wasmtime.component.Variant("a", 2)
    assert Variant("a") != Variant("b")


def test_flags_accept_frozenset_and_lift_to_set():
    wit = "(flags \"a\" \"b\" \"c\")"
    ours = Echo(cwasmtime, component_for(wit, "i32"))
    got = ours(frozenset({"a", "c"}))
    assert got == {"a", "c"} and type(got) is set
    assert ours(frozenset()) == set()
    ours.host = lambda store, v: frozenset({"b"})
    assert ours({"a"}) == {"b"}


def test_one_host_function_serves_imports_of_different_types():
    # The same host function, defined once, imported with three types by three
    # components in one Store: each call converts with its own type.
    engine = cwasmtime.Engine()
    linker = cc.Linker(engine)
    seen = []
    with linker.root() as root:
        root.add_func("x", lambda store, v: seen.append(v) or v)
    store = cwasmtime.Store(engine)
    funcs = {wit: linker.instantiate(store, cc.Component(engine, component_for(wit, flat))).get_func(store, "x")
             for wit, flat in (("u32", "i32"), ("string", "i32 i32"), ("(list u32)", "i32 i32"))}
    values = {"u32": 2**32 - 1, "string": "text", "(list u32)": [1, 2, 3]}
    for _ in range(3):
        for wit, f in funcs.items():
            assert f(store, values[wit]) == values[wit]
            f.post_return(store)
    assert seen == list(values.values()) * 3


# ------------------------------------------------------------------------- errors

# (WIT type, flat, bad values, exception): each also raises that in wasmtime-py
TYPE_ERRORS = [
    ("bool", "i32", [1, 0, None, "True"], TypeError),
    ("u32", "i32", [1.0, "1", None, b"\x01"], TypeError),
    ("s64", "i64", [1.5, None], TypeError),
    ("f32", "f32", [1, None, "1.0"], TypeError),
    ("f64", "f64", [1, True], TypeError),
    ("char", "i32", ["", "ab", 97, None, b"a"], TypeError),
    ("string", "i32 i32", [b"bytes", 1, None, ["a"]], TypeError),
    ("(list u32)", "i32 i32", [(1, 2), {1, 2}, "12", b"\x01", None, [1, "x"], [1, None]], TypeError),
    ("(list string)", "i32 i32", [["a", 1], "ab"], TypeError),
    ("(tuple u32 string)", "i32 i32 i32", [(1,), (1, "a", 2), [1, "a"], (1, 2), ("a", "b")], TypeError),
    ("(variant (case \"a\" u32) (case \"b\" u32) (case \"c\"))", "i32 i32", [1, None, "a"], TypeError),
    ("(variant (case \"a\" u32) (case \"b\" u32) (case \"c\"))", "i32 i32",
     [Variant("z"), Variant("A", 1), Variant("")], ValueError),
    ("(variant (case \"a\" u32) (case \"b\" string))", "i32 i32 i32", [1.5, None, b"x", [1]], ValueError),
    ("(option u32)", "i32 i32", ["x", 1.5, Variant("some", 1)], ValueError),
    ("(option (option u32))", "i32 i32 i32", [None, 5], TypeError),
    ("(option (option u32))", "i32 i32 i32", [Variant("ok", 5)], ValueError),
    ("(result u32 (error string))", "i32 i32 i32", [None, 1.5, b""], ValueError),
    ("(result)", "i32", [None, "ok"], TypeError),
    ("(enum \"a\" \"b\")", "i32", [0, None, b"a"], TypeError),
    ("(flags \"a\" \"b\")", "i32", [["a"], "a", {1}, None, {"a": 1}], TypeError),
    ("(record (field \"a\" u32) (field \"b\" string))", "i32 i32 i32",
     [None, 1, {"a": 1, "b": "x"}, types.SimpleNamespace(a=1)], AttributeError),
    ("(record (field \"a\" u32) (field \"b\" string))", "i32 i32 i32",
     [types.SimpleNamespace(a="1", b="x"), types.SimpleNamespace(a=1, b=2)], TypeError),
]


@pytest.mark.parametrize("wit, flat, bad, exc", TYPE_ERRORS,
                         ids=[f"{c[0][:30]}-{c[3].__name__}" for c in TYPE_ERRORS])
def test_bad_values_raise_like_wasmtime_py(wit, flat, bad, exc):
    wat = component_for(wit, flat)
    ours, theirs = Echo(cwasmtime, wat), Echo(wasmtime, wat)
    good = ROUND_TRIP_SAMPLE[wit]
    for value in bad:
        with pytest.raises(exc):
            ours(value)
        assert outcome(lambda: theirs(to_wasmtime_py(value))) == ("raise", exc.__name__), value
        # the failure is a clean Python error: the function still works
        assert same_value(ours(good), good)
    assert ours.seen == [good] * len(bad)  # the host never saw a bad value


ROUND_TRIP_SAMPLE = {
    "bool": True, "u32": 5, "s64": -5, "f32": 0.5, "f64": 0.25, "char": "c", "string": "s",
    "(list u32)": [1], "(list string)": ["a"], "(tuple u32 string)": (1, "a"),
    "(variant (case \"a\" u32) (case \"b\" u32) (case \"c\"))": Variant("b", 3),
    "(variant (case \"a\" u32) (case \"b\" string))": "b",
    "(option u32)": 4, "(option (option u32))": Variant("some", None),
    "(result u32 (error string))": "e", "(result)": Variant("err"),
    "(enum \"a\" \"b\")": "b", "(flags \"a\" \"b\")": {"b"},
    "(record (field \"a\" u32) (field \"b\" string))": Record(a=1, b="x"),
}


def test_string_with_lone_surrogate_raises_unicode_error_like_wasmtime_py():
    wat = component_for("string", "i32 i32")
    ours, theirs = Echo(cwasmtime, wat), Echo(wasmtime, wat)
    with pytest.raises(UnicodeEncodeError):
        ours("a\ud800b")
    assert outcome(lambda: theirs("a\ud800b")) == ("raise", "UnicodeEncodeError")
    assert ours("ok") == "ok"


@pytest.mark.parametrize("wit, bad, message", [
    ("(enum \"a\" \"b\" \"c\")", "d", "enum variant name `d`"),
    ("(flags \"a\" \"b\" \"c\")", {"a", "d"}, "unknown flag: `d`"),
])
def test_unknown_enum_or_flag_name_raises_before_the_call(wit, bad, message):
    # A WasmtimeError as in wasmtime-py, and the ValueError cmabi raises (the shared
    # rules, cmabi/_accept.pxd), raised before the call. wasmtime-py leaves the name to
    # Wasmtime, which refuses it and then every later call into the instance.
    wat = component_for(wit, "i32")
    ours, theirs = Echo(cwasmtime, wat), Echo(wasmtime, wat)
    with pytest.raises(cwasmtime.WasmtimeError, match="'d' is not a") as info:
        ours(bad)
    assert isinstance(info.value, ValueError)
    clone = pickle.loads(pickle.dumps(info.value))
    assert type(clone) is type(info.value) and str(clone) == str(info.value)
    assert ours.seen == []
    good = "a" if "enum" in wit else {"a"}
    assert ours(good) == good  # the instance is still usable
    with pytest.raises(wasmtime.WasmtimeError, match=message):
        theirs(bad)
    with pytest.raises(wasmtime.WasmtimeError, match="cannot enter component instance"):
        theirs(good)


# (WIT type, flat, value the host returns, exception): the host's own error comes out
HOST_RESULT_ERRORS = [
    ("u32", "i32", "nope", TypeError),
    ("bool", "i32", 1, TypeError),
    ("f64", "f64", 1, TypeError),
    ("char", "i32", "ab", TypeError),
    ("string", "i32 i32", b"bytes", TypeError),
    ("(list u8)", "i32 i32", [1, 2], TypeError),
    ("(list u32)", "i32 i32", [1, 2, "3"], TypeError),
    ("(list string)", "i32 i32", ["a", None], TypeError),
    ("(tuple u32 string)", "i32 i32 i32", (1, 2), TypeError),
    ("(record (field \"a\" u32) (field \"b\" string))", "i32 i32 i32", types.SimpleNamespace(a=1), AttributeError),
    ("(variant (case \"a\" u32) (case \"b\" u32) (case \"c\"))", "i32 i32", Variant("zz"), ValueError),
    ("(variant (case \"a\" u32) (case \"b\" u32) (case \"c\"))", "i32 i32", 1, TypeError),
    ("(option u32)", "i32 i32", "x", ValueError),
    ("(result u32 (error string))", "i32 i32 i32", 1.5, ValueError),
    ("(enum \"a\" \"b\")", "i32", 0, TypeError),
    ("(flags \"a\" \"b\")", "i32", ["a"], TypeError),
]


@pytest.mark.parametrize("wit, flat, bad, exc", HOST_RESULT_ERRORS,
                         ids=[f"{c[0][:30]}-{c[3].__name__}" for c in HOST_RESULT_ERRORS])
def test_host_returning_a_wrong_value_raises_its_error_from_the_guest_call(wit, flat, bad, exc):
    wat = component_for(wit, flat)
    good = ROUND_TRIP_SAMPLE.get(wit, {"(list u8)": b"x"}.get(wit))
    ours, theirs = Echo(cwasmtime, wat), Echo(wasmtime, wat)
    ours.host = lambda store, v: bad
    theirs.host = lambda store, v: to_wasmtime_py(bad)
    with pytest.raises(exc) as info:
        ours(good)
    assert "python exception" not in str(info.value)  # the original error, not a wrapper
    assert outcome(lambda: theirs(to_wasmtime_py(good))) == ("raise", exc.__name__)
    # A failed host call traps: Wasmtime poisons the Store's component instances
    # (in wasmtime-py too)
    ours.host = theirs.host = None
    with pytest.raises(cwasmtime.WasmtimeError, match="cannot enter component instance"):
        ours(good)
    assert outcome(lambda: theirs(to_wasmtime_py(good))) == ("raise", "WasmtimeError")


def test_host_result_error_is_the_very_exception_raised_while_lowering():
    # Lowering the host's result calls this property: its exception object must be
    # the one the guest call raises.
    raised = []

    class Sneaky:
        a = 1

        @property
        def b(self):
            raised.append(LookupError("from the property"))
            raise raised[-1]

    ours = Echo(cwasmtime, component_for("(record (field \"a\" u32) (field \"b\" string))", "i32 i32 i32"),
                host=lambda store, v: Sneaky())
    with pytest.raises(LookupError) as info:
        ours(Record(a=1, b="x"))
    assert info.value is raised[0]


def test_host_returning_a_value_for_a_function_without_result_raises_type_error():
    wat = """(component
      (import "x" (func $x (param "v" u32)))
      (core module $a (import "" "x" (func (param i32))) (func (export "x") (param i32) local.get 0 call 0))
      (core func $x (canon lower (func $x)))
      (core instance $a (instantiate $a (with "" (instance (export "x" (func $x))))))
      (func (export "x") (param "v" u32) (canon lift (core func $a "x"))))"""
    engine = cwasmtime.Engine()
    store = cwasmtime.Store(engine)
    linker = cc.Linker(engine)
    results = [42]
    with linker.root() as root:
        root.add_func("x", lambda s, v: results.pop() if results else None)
    f = linker.instantiate(store, cc.Component(engine, wat)).get_func(store, "x")
    with pytest.raises(TypeError, match="returned a value"):
        f(store, 1)
    store = cwasmtime.Store(engine)  # (the trap poisoned the first Store's instances)
    f = linker.instantiate(store, cc.Component(engine, wat)).get_func(store, "x")
    assert f(store, 2) is None and results == []


# ---------------------------------------------------- failures deep inside big values

RECORDS = "(list $item)"
ITEM = [("item", "(record (field \"a\" u32) (field \"b\" string))")]


def _records(n, broken_last):
    items = [Record(a=i, b=f"item {i}") for i in range(n)]
    if broken_last:
        items[-1] = types.SimpleNamespace(a=n - 1)  # no field b
    return items


@pytest.mark.rss
def test_failure_at_the_end_of_a_big_argument_is_clean_and_does_not_leak():
    ours = Echo(cwasmtime, component_for(RECORDS, "i32 i32", ITEM))
    bad_records = _records(10_000, broken_last=True)
    bad_ints = list(range(10_000)) + ["not an int"]
    good = _records(10_000, broken_last=False)
    ours_list = Echo(cwasmtime, component_for("(list u32)", "i32 i32"))

    def failing():
        with pytest.raises(AttributeError):
            ours(bad_records)
        with pytest.raises(TypeError):
            ours_list(bad_ints)

    assert_flat(failing, times=200, warmup=20)
    assert ours.seen == [] and ours_list.seen == []
    got = ours(good)
    assert len(got) == 10_000 and got[-1] == Record(a=9999, b="item 9999")
    assert ours_list(bad_ints[:-1]) == bad_ints[:-1]


@pytest.mark.rss
def test_failure_at_the_end_of_a_big_host_result_is_clean_and_does_not_leak():
    bad = _records(10_000, broken_last=True)
    engine = cwasmtime.Engine()
    component = cc.Component(engine, component_for(RECORDS, "i32 i32", ITEM))
    linker = cc.Linker(engine)
    with linker.root() as root:
        root.add_func("x", lambda store, v: v if v else bad)

    def failing():  # (the trap poisons the instance: a new one each time)
        with cwasmtime.Store(engine) as store:
            f = linker.instantiate(store, component).get_func(store, "x")
            with pytest.raises(AttributeError):
                f(store, [])

    assert_flat(failing, times=200, warmup=20)
    with cwasmtime.Store(engine) as store:
        f = linker.instantiate(store, component).get_func(store, "x")
        assert f(store, [Record(a=1, b="fine")]) == [Record(a=1, b="fine")]


@pytest.mark.rss
def test_big_round_trips_do_not_leak():
    good = _records(10_000, broken_last=False)
    ours = Echo(cwasmtime, component_for(RECORDS, "i32 i32", ITEM))
    ours.host = lambda store, v: v

    def round_trip():
        assert len(ours(good)) == 10_000
        ours.seen.clear()

    assert_flat(round_trip, times=100, warmup=10)


# ----------------------------------------------------------------------- resources


@pytest.mark.parametrize("api", [cwasmtime, wasmtime], ids=["cwasmtime", "wasmtime-py"])
def test_resources_own_and_borrow(api):
    r = Resources(api)
    comp = api.component
    made = r("mk", 5)
    assert isinstance(made, comp.ResourceAny) and made.owned
    assert made.type == comp.ResourceType.host(7) and not (made.type == comp.ResourceType.host(8))
    assert r("borrow", made) == 5  # lends a copy: still ours afterwards
    assert made.owned
    echoed = r("echo", made)  # own: moved into the call
    with pytest.raises(ValueError):
        made.owned
    assert isinstance(echoed, comp.ResourceAny) and echoed.owned
    assert r("borrow", comp.ResourceHost.own(6, 7)) == 6
    assert r("borrow", comp.ResourceHost.borrow(8, 7)) == 8
    assert r("own", comp.ResourceHost.own(9, 7)) == 9
    r("drop", comp.ResourceHost.own(11, 7))  # the guest drops it: the destructor runs
    echoed.drop(r.store)  # the host drops it: the destructor runs
    assert r.log == [("borrow", False, 5, 7, False), ("borrow", False, 6, 7, False),
                     ("borrow", False, 8, 7, False), ("own", True, 9, 7, True),
                     ("dtor", 11), ("dtor", 5)]
    host = r("mk", 12).to_host(r.store)
    assert (host.rep, host.type, host.owned) == (12, 7, True)


def test_resource_types_in_reflection():
    r = Resources(cwasmtime)
    own = r.f["own"].type(r.store).params[0][1]
    borrow = r.f["borrow"].type(r.store).params[0][1]
    assert isinstance(own, cc.OwnType) and isinstance(borrow, cc.BorrowType)
    assert own.ty == cc.ResourceType.host(7) and borrow.ty == cc.ResourceType.host(7)
    assert not (own.ty == cc.ResourceType.host(8))
    assert isinstance(r.f["mk"].type(r.store).result, cc.OwnType)
    assert r.f["drop"].type(r.store).result is None


def test_resource_of_wrong_kind_or_class_raises():
    r = Resources(cwasmtime)
    for name in ("own", "borrow", "echo"):
        with pytest.raises(TypeError):
            r(name, 1)
        with pytest.raises(TypeError):
            r(name, None)
    assert r("borrow", cc.ResourceHost.own(3, 7)) == 3
    with pytest.raises(cwasmtime.WasmtimeError, match="cannot lower a `borrow` resource into an `own`"):
        r("own", cc.ResourceHost.borrow(3, 7))


def test_host_returning_a_resource_of_each_form():
    made = []

    def mk(store, rep):
        h = cc.ResourceHost.own(rep, 7)
        made.append(h)
        return h if rep % 2 else h.to_any(store)

    r = Resources(cwasmtime, mk=mk)
    for rep in (1, 2, 3, 4):
        any_ = r("mk", rep)
        assert any_.owned
        assert r("own", any_) == rep
    assert [entry[2] for entry in r.log] == [1, 2, 3, 4]


@pytest.mark.rss
def test_resource_round_trips_do_not_leak():
    r = Resources(cwasmtime)

    def cycle():
        for rep in range(100):
            made = r("mk", rep)
            assert r("borrow", made) == rep
            made.drop(r.store)
        r.log.clear()

    assert_flat(cycle, times=50, warmup=5)


# ------------------------------------------------------------------- post_return

POST_RETURN_WAT = """(component
  (core module $m
    (global $n (mut i32) (i32.const 0))
    (func (export "count") (result i32) (global.get $n))
    (func (export "post") (param i32) (global.set $n (i32.add (global.get $n) (i32.const 1)))))
  (core instance $i (instantiate $m))
  (func (export "count") (result u32)
    (canon lift (core func $i "count") (post-return (core func $i "post")))))"""


@pytest.mark.parametrize("api", [cwasmtime, wasmtime], ids=["cwasmtime", "wasmtime-py"])
def test_post_return_runs_the_guest_post_return_once(api):
    engine = api.Engine()
    store = api.Store(engine)
    inst = api.component.Linker(engine).instantiate(store, api.component.Component(engine, POST_RETURN_WAT))
    f = inst.get_func(store, "count")
    assert f(store) == 0
    f.post_return(store)  # runs "post": the counter is now 1
    assert f(store) == 1
    f.post_return(store)
    f.post_return(store)  # nothing left to finish: no second run
    assert f(store) == 2
    # Wasmtime 50 finishes a call by itself when the next one starts
    assert f(store) == 3
