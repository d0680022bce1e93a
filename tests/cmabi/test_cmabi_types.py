"""Layout (size, alignment), flattening and descriptor behaviour of cmabi.types,
checked against CanonicalABI.md's definitions and run_tests.py's vectors."""
import pytest

from cmabi import types as T
from cmabi.types import (Bool, Borrow, Char, Enum, F32, F64, FixedList, Flags, List, Map, Option, Own,
                         Record, ResourceType, Result, S16, S32, S64, S8, String, Tuple, U16, U32, U64,
                         U8, Variant, flatten_functype)


@pytest.mark.parametrize("t,size,align,flat", [
    (Bool, 1, 1, ("i32",)), (S8, 1, 1, ("i32",)), (U8, 1, 1, ("i32",)),
    (S16, 2, 2, ("i32",)), (U16, 2, 2, ("i32",)), (S32, 4, 4, ("i32",)), (U32, 4, 4, ("i32",)),
    (S64, 8, 8, ("i64",)), (U64, 8, 8, ("i64",)), (F32, 4, 4, ("f32",)), (F64, 8, 8, ("f64",)),
    (Char, 4, 4, ("i32",)), (String, 8, 4, ("i32", "i32")), (List(U64), 8, 4, ("i32", "i32")),
    (Map(String, U64), 8, 4, ("i32", "i32")),
    (FixedList(U8, 3), 3, 1, ("i32",) * 3), (FixedList(U64, 2), 16, 8, ("i64", "i64")),
    (FixedList(FixedList(U16, 2), 3), 12, 2, ("i32",) * 6),
    (Record([("a", U8), ("b", U32)]), 8, 4, ("i32", "i32")),
    (Record([("a", U8), ("b", U16), ("c", U8)]), 6, 2, ("i32",) * 3),
    (Record([("a", U8), ("b", U64), ("c", U8)]), 24, 8, ("i32", "i64", "i32")),
    (Tuple([U8, U8, U16, U32]), 8, 4, ("i32",) * 4),
    (Tuple([U8, U16, U8, U32]), 12, 4, ("i32",) * 4),
    (Tuple([U16, U8]), 4, 2, ("i32", "i32")),
    (Tuple([Tuple([U16, U8]), U8]), 6, 2, ("i32",) * 3),
    (Enum(["a"]), 1, 1, ("i32",)), (Enum([str(i) for i in range(256)]), 1, 1, ("i32",)),
    (Enum([str(i) for i in range(257)]), 2, 2, ("i32",)),
    (Option(U8), 2, 1, ("i32", "i32")), (Option(U32), 8, 4, ("i32", "i32")),
    (Option(F64), 16, 8, ("i32", "f64")), (Option(String), 12, 4, ("i32", "i32", "i32")),
    (Result(None, None), 1, 1, ("i32",)), (Result(U32, String), 12, 4, ("i32", "i32", "i32")),
    (Result(U64, F32), 16, 8, ("i32", "i64")), (Result(F32, F32), 8, 4, ("i32", "f32")),
    (Result(F32, U32), 8, 4, ("i32", "i32")), (Result(F64, F32), 16, 8, ("i32", "i64")),
    (Variant([("x", U8), ("y", F32), ("z", None)]), 8, 4, ("i32", "i32")),
    (Variant([("a", Tuple([F32, U8])), ("b", Tuple([U64]))]), 16, 8, ("i32", "i64", "i32")),
    (Variant([("a", Tuple([F64, F32])), ("b", Tuple([F32, F64]))]), 24, 8, ("i32", "i64", "i64")),
    (Variant([("a", Tuple([F64, F32])), ("b", Tuple([F64]))]), 24, 8, ("i32", "f64", "f32")),
    (Own(ResourceType()), 4, 4, ("i32",)), (Borrow(ResourceType()), 4, 4, ("i32",)),
])
def test_layout(t, size, align, flat):
    assert (t.size, t.alignment, t.flat) == (size, align, flat)


@pytest.mark.parametrize("n,size", [(1, 1), (8, 1), (9, 2), (16, 2), (17, 4), (32, 4)])
def test_flags_layout(n, size):
    t = Flags([f"f{i}" for i in range(n)])
    assert (t.size, t.alignment, t.flat) == (size, size, ("i32",))


@pytest.mark.parametrize("n", [0, 33, 64])
def test_flags_label_count_is_bounded(n):
    # CanonicalABI.md: assert(0 < n <= 32)
    with pytest.raises(ValueError):
        Flags([f"f{i}" for i in range(n)])


def test_discriminant_sizes():
    assert T.discriminant_size(1) == 1
    assert T.discriminant_size(256) == 1
    assert T.discriminant_size(257) == 2
    assert T.discriminant_size(65536) == 2
    assert T.discriminant_size(65537) == 4
    v = Variant([(str(i), None) for i in range(65537)])
    assert (v.size, v.alignment, v.disc_size) == (4, 4, 4)


def test_variant_payload_offset():
    v = Variant([("a", U8), ("b", U64)])
    assert (v.disc_size, v.payload_offset, v.size, v.alignment) == (1, 8, 16, 8)
    assert Option(U16).payload_offset == 2


def test_record_offsets():
    assert Record([("a", U8), ("b", U16), ("c", U8), ("d", U32)]).offsets == (0, 2, 4, 8)


@pytest.mark.parametrize("bad", [
    lambda: Record([]), lambda: Tuple([]), lambda: Variant([]), lambda: Enum([]),
    lambda: Record([("a", U8), ("a", U8)]), lambda: Enum(["a", "a"]), lambda: Flags(["x", "x"]),
    lambda: FixedList(U8, 0), lambda: Map(List(U8), U8), lambda: Map(F32, U8),
])
def test_invalid_types(bad):
    with pytest.raises((ValueError, TypeError)):
        bad()


def test_type_errors():
    with pytest.raises(TypeError):
        List(int)
    with pytest.raises(TypeError):
        Own("r")


def test_structural_equality_and_hash():
    a = Record([("a", List(U8)), ("b", Option(String))])
    b = Record([("a", List(U8)), ("b", Option(String))])
    assert a == b and hash(a) == hash(b) and a is not b
    assert a != Record([("a", List(U8)), ("c", Option(String))])
    assert Tuple([U8]) != Record([("0", U8)])
    assert Enum(["a"]) != Variant([("a", None)])
    assert Result(None, None) == Result() and Result(U8) != Result(None, U8)
    assert {List(U8): 1}[List(U8)] == 1
    rt1, rt2 = ResourceType("r"), ResourceType("r")
    assert Own(rt1) == Own(rt1) and Own(rt1) != Own(rt2) and Own(rt1) != Borrow(rt1)


def test_immutable():
    t = List(U8)
    with pytest.raises(AttributeError):
        t.size = 3
    with pytest.raises(AttributeError):
        U8.size = 3


def test_repr():
    assert repr(List(U8)) == "list<u8>"
    assert repr(FixedList(U32, 4)) == "list<u32, 4>"
    assert repr(Record([("a", U32), ("b", String)])) == "record{a: u32, b: string}"
    assert repr(Variant([("b", Bool), ("n", None)])) == "variant{b(bool), n}"
    assert repr(Option(U32)) == "option<u32>"
    assert repr(Result(U32, String)) == "result<u32, string>"
    assert repr(Result(None, String)) == "result<_, string>"
    assert repr(Result(U8)) == "result<u8>"
    assert repr(Result()) == "result"
    assert repr(Flags(["a", "b"])) == "flags{a, b}"
    assert repr(Enum(["a", "b"])) == "enum{a, b}"
    assert repr(Tuple([U8, String])) == "tuple<u8, string>"
    assert repr(Map(String, U32)) == "map<string, u32>"
    assert repr(Own(ResourceType("file"))) == "own<file>"


def test_join():
    assert T.join("i32", "i32") == "i32"
    assert T.join("i32", "f32") == T.join("f32", "i32") == "i32"
    assert T.join("f32", "f64") == "i64"
    assert T.join("i32", "i64") == "i64"
    assert T.join("f64", "i32") == "i64"


# run_tests.py's test_flatten vectors
@pytest.mark.parametrize("params,results,p,r", [
    ([U8, F32, F64], [], ["i32", "f32", "f64"], []),
    ([U8, F32, F64], [F32], ["i32", "f32", "f64"], ["f32"]),
    ([U8, F32, F64], [U8], ["i32", "f32", "f64"], ["i32"]),
    ([U8, F32, F64], [Tuple([F32])], ["i32", "f32", "f64"], ["f32"]),
    ([U8, F32, F64], [Tuple([F32, F32])], ["i32", "f32", "f64"], ["f32", "f32"]),
    ([U8, F32, F64], [F32, F32], ["i32", "f32", "f64"], ["f32", "f32"]),
    ([U8] * 17, [], ["i32"] * 17, []),
    ([U8] * 17, [Tuple([U8, U8])], ["i32"] * 17, ["i32", "i32"]),
    ([U8] * 16, [], ["i32"] * 16, []),
])
def test_flatten_functype(params, results, p, r):
    expect_p = ["i32"] if len(p) > 16 else p
    expect_r = ["i32"] if len(r) > 1 else r
    assert flatten_functype(params, results, "lift") == (expect_p, expect_r)
    if len(r) > 1:
        expect_p, expect_r = expect_p + ["i32"], []
    assert flatten_functype(params, results, "lower") == (expect_p, expect_r)


def test_python_classes_and_tagging():
    assert not Option(U32).tagged
    assert Option(Option(U32)).tagged
    assert not Result(U32, String).tagged
    assert Result(String, String).tagged
    assert Result(None, None).tagged
    assert not Result(None, String).tagged
    assert not Variant([("b", Bool), ("s", String)]).tagged
    assert Variant([("a", U8), ("b", U16)]).tagged
    assert not Enum(["a", "b"]).tagged
    assert List(U8).python_classes == frozenset([bytes])
    assert FixedList(U8, 2).python_classes == frozenset([bytes])
    assert List(U16).python_classes == frozenset([list])
    assert Option(U32).python_classes == frozenset([object, int])
