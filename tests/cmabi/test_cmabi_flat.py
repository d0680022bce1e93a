"""Flat lifting/lowering: run_tests.py's vectors, integer wrapping, NaN
canonicalization, variant join coercions, char and discriminant traps."""
import math
import struct

import pytest

import cmabi
from cmabi import Trap, Variant as V
from cmabi.types import (Bool, Char, Enum, F32, F64, FixedList, Flags, Option, Record, Result, S16, S32,
                         S64, S8, String, Tuple, U16, U32, U64, U8, Variant)


@pytest.fixture
def cx():
    return cmabi.Context()


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def bits32(f):
    return struct.unpack("<I", struct.pack("<f", f))[0]


def bits64(f):
    return struct.unpack("<Q", struct.pack("<d", f))[0]


def from_bits32(b):
    return struct.unpack("<f", struct.pack("<I", b))[0]


def from_bits64(b):
    return struct.unpack("<d", struct.pack("<Q", b))[0]


PAIRS = [
    (Bool, [(0, False), (1, True), (2, True), (4294967295, True)]),
    (U8, [(127, 127), (128, 128), (255, 255), (256, 0), (4294967295, 255), (4294967168, 128), (4294967167, 127)]),
    (S8, [(127, 127), (128, -128), (255, -1), (256, 0), (4294967295, -1), (4294967168, -128), (4294967167, 127)]),
    (U16, [(32767, 32767), (32768, 32768), (65535, 65535), (65536, 0),
           ((1 << 32) - 1, 65535), ((1 << 32) - 32768, 32768), ((1 << 32) - 32769, 32767)]),
    (S16, [(32767, 32767), (32768, -32768), (65535, -1), (65536, 0),
           ((1 << 32) - 1, -1), ((1 << 32) - 32768, -32768), ((1 << 32) - 32769, 32767)]),
    (U32, [((1 << 31) - 1, (1 << 31) - 1), (1 << 31, 1 << 31), ((1 << 32) - 1, (1 << 32) - 1)]),
    (S32, [((1 << 31) - 1, (1 << 31) - 1), (1 << 31, -(1 << 31)), ((1 << 32) - 1, -1)]),
    (U64, [((1 << 63) - 1, (1 << 63) - 1), (1 << 63, 1 << 63), ((1 << 64) - 1, (1 << 64) - 1)]),
    (S64, [((1 << 63) - 1, (1 << 63) - 1), (1 << 63, -(1 << 63)), ((1 << 64) - 1, -1)]),
    (F32, [(3.14, f32(3.14))]),
    (F64, [(3.14, 3.14)]),
    (Char, [(0, "\x00"), (65, "A"), (0xD7FF, "\uD7FF"), (0xD800, None), (0xDFFF, None),
            (0xE000, "\uE000"), (0x10FFFF, "\U0010FFFF"), (0x110000, None), (0xFFFFFFFF, None)]),
    (Enum(["a", "b"]), [(0, "a"), (1, "b"), (2, None)]),
]


@pytest.mark.parametrize("t,pairs", PAIRS, ids=[repr(t) for t, _ in PAIRS])
def test_lift_pairs(cx, t, pairs):
    for arg, expect in pairs:
        if expect is None:
            with pytest.raises(Trap):
                cmabi.lift(cx, t, [arg])
        else:
            got = cmabi.lift(cx, t, [arg])
            assert got == expect and type(got) is type(expect)
            # and back
            assert cmabi.lift(cx, t, cmabi.lower(cx, t, got)) == expect


def test_signed_core_values_accepted(cx):
    # cwasmtime returns i32/i64 results signed: lifting masks them.
    assert cmabi.lift(cx, U32, [-1]) == 0xFFFFFFFF
    assert cmabi.lift(cx, S32, [-1]) == -1
    assert cmabi.lift(cx, U64, [-1]) == (1 << 64) - 1
    assert cmabi.lift(cx, U8, [-1]) == 255


def test_lift_vectors(cx):
    R = Record([("x", U8), ("y", U16), ("z", U32)])
    assert cmabi.lift(cx, R, [1, 2, 3]) == cmabi.Record(x=1, y=2, z=3)
    assert cmabi.lift(cx, Tuple([Tuple([U8, U8]), U8]), [1, 2, 3]) == ((1, 2), 3)
    assert cmabi.lift(cx, FixedList(U16, 3), [1, 2, 3]) == [1, 2, 3]
    assert cmabi.lift(cx, FixedList(U8, 3), [1, 2, 3]) == b"\x01\x02\x03"
    assert cmabi.lift(cx, FixedList(FixedList(U16, 2), 3), [1, 2, 3, 4, 5, 6]) == [[1, 2], [3, 4], [5, 6]]
    t = Flags(["a", "b"])
    assert [cmabi.lift(cx, t, [i]) for i in (0, 2, 3, 4)] == [set(), {"b"}, {"a", "b"}, set()]
    assert cmabi.lift(cx, Flags([str(i) for i in range(32)]), [0xFFFFFFFF]) == {str(i) for i in range(32)}
    t = Variant([("x", U8), ("y", F32), ("z", None)])
    assert t.tagged is False
    assert cmabi.lift(cx, t, [0, 42]) == 42
    assert cmabi.lift(cx, t, [0, 256]) == 0
    assert cmabi.lift(cx, t, [1, 0x4048F5C3]) == 3.140000104904175
    assert cmabi.lift(cx, t, [2, 0xFFFFFFFF]) is None
    assert cmabi.lift(cx, Option(F32), [0, 3.14]) is None
    assert cmabi.lift(cx, Option(F32), [1, 3.14]) == f32(3.14)
    t = Result(U8, U32)                       # both int: tagged
    assert cmabi.lift(cx, t, [0, 42]) == V("ok", 42)
    assert cmabi.lift(cx, t, [1, 1000]) == V("err", 1000)
    t = Variant([("w", U8), ("y", U8)])
    assert cmabi.lift(cx, t, [0, 42]) == V("w", 42)
    assert cmabi.lift(cx, t, [1, 42]) == V("y", 42)


@pytest.mark.parametrize("t,flat", [
    (Variant([("a", U8), ("b", None)]), [2, 0]),
    (Enum(["a", "b", "c"]), [3]),
    (Option(U8), [2, 0]),
    (Result(U8, None), [2, 0]),
    (Result(None, None), [0xFFFFFFFF]),
])
def test_discriminant_out_of_range(cx, t, flat):
    with pytest.raises(Trap, match="discriminant"):
        cmabi.lift(cx, t, flat)


@pytest.mark.parametrize("t,v,flat", [
    (U8, 256, [0]), (U8, -1, [255]), (S8, 200, [0xFFFFFFC8]), (S8, -1, [0xFFFFFFFF]),
    (U16, 70000, [70000 & 0xFFFF]), (S16, 40000, [0xFFFF9C40]), (U32, -1, [0xFFFFFFFF]),
    (S32, 1 << 31, [1 << 31]), (S32, -2, [0xFFFFFFFE]), (U64, -1, [(1 << 64) - 1]),
    (S64, -1, [(1 << 64) - 1]), (U64, 1 << 64, [0]), (S64, (1 << 100) + 5, [5]),
    (Bool, True, [1]), (Bool, False, [0]), (U8, True, [1]),
])
def test_lower_wraps_integers(cx, t, v, flat):
    assert cmabi.lower(cx, t, v) == flat


@pytest.mark.parametrize("t,v", [
    (U8, 1.5), (U32, "1"), (S64, None), (F32, "x"), (Bool, None), (Bool, "yes"),
    (Char, "ab"), (Char, ""), (Char, 65), (Char, "\ud800"), (String, b"x"),
    (Enum(["a"]), "b"), (Enum(["a"]), 0), (Flags(["a"]), {"b"}), (Flags(["a"]), "a"),
    (Tuple([U8, U8]), (1,)), (Tuple([U8]), 1), (Record([("a", U8)]), object()),
    (Option(U8), "x"), (Result(U8, U8), 3), (Result(U8, U8), V("nope", 1)),
    (FixedList(U8, 2), [1]), (FixedList(U16, 2), 5),
])
def test_lower_rejects_bad_python_values(cx, t, v):
    with pytest.raises((TypeError, ValueError, AttributeError)):
        cmabi.lower(cx, t, v)


@pytest.mark.parametrize("inbits", [0x7FC00000, 0x7FC00001, 0x7FE00000, 0x7FFFFFFF, 0xFFFFFFFF, 0xFF800001])
def test_nan32_canonicalized(cx, inbits):
    f = cmabi.lift(cx, F32, [from_bits32(inbits)])
    assert math.isnan(f) and bits64(f) == 0x7FF8000000000000
    assert bits32(cmabi.lower(cx, F32, f)[0]) == 0x7FC00000


@pytest.mark.parametrize("inbits", [0x7FF8000000000000, 0x7FF8000000000001, 0x7FFC000000000000,
                                    0x7FFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF])
def test_nan64_canonicalized(cx, inbits):
    f = cmabi.lift(cx, F64, [from_bits64(inbits)])
    assert math.isnan(f) and bits64(f) == 0x7FF8000000000000


@pytest.mark.parametrize("t,bits", [(F32, 0x7F800000), (F32, 0x3FC00000), (F64, 0x7FF0000000000000),
                                    (F64, 0x3FF0000000000000)])
def test_non_nan_floats_preserved(cx, t, bits):
    f = from_bits32(bits) if t is F32 else from_bits64(bits)
    assert cmabi.lift(cx, t, [f]) == f


def test_f32_rounds_to_single(cx):
    assert cmabi.lower(cx, F32, 0.1) == [f32(0.1)]
    assert cmabi.lift(cx, F32, [0.1]) == f32(0.1)


def test_lenient_ints_for_bools_and_floats():
    strict, lenient = cmabi.Context(), cmabi.Context(lenient=True)
    assert not strict.lenient and lenient.lenient
    for ty, v, flat in ((F32, 3, [3.0]), (F64, -(1 << 60), [float(-(1 << 60))]),
                        (Bool, 7, [1]), (Bool, 0, [0]), (Bool, 1 << 80, [1])):
        assert cmabi.lower(lenient, ty, v) == flat
        with pytest.raises(TypeError):
            cmabi.lower(strict, ty, v)


def test_variant_join_coercions(cx):
    # f32 payload travelling in an i32 slot
    t = Variant([("i", U32), ("f", F32)])
    assert t.flat == ("i32", "i32")
    assert not t.tagged and cmabi.lower(cx, t, 1.5) == [1, bits32(1.5)]
    assert cmabi.lift(cx, t, [1, bits32(1.5)]) == 1.5
    # f64 in an i64 slot, u32 zero-extended into i64, f32 in an i64 slot
    t = Variant([("a", F64), ("b", U32), ("c", F32), ("d", U64)])
    assert t.tagged and t.flat == ("i32", "i64")
    assert cmabi.lower(cx, t, V("a", 2.5)) == [0, bits64(2.5)]
    assert cmabi.lower(cx, t, V("b", 7)) == [1, 7]
    assert cmabi.lower(cx, t, V("c", 2.5)) == [2, bits32(2.5)]
    assert cmabi.lift(cx, t, [0, bits64(2.5)]) == V("a", 2.5)
    assert cmabi.lift(cx, t, [1, (0xDEAD << 32) | 7]) == V("b", 7)       # i64 -> i32 wraps
    assert cmabi.lift(cx, t, [2, (1 << 40) | bits32(2.5)]) == V("c", 2.5)
    assert cmabi.lift(cx, t, [2, 0x7FC00001]) == V("c", cmabi.lift(cx, t, [2, 0x7FC00001]).payload)
    assert math.isnan(cmabi.lift(cx, t, [2, 0x7FC00001]).payload)
    # padding of unused slots, with type-correct zeros
    t = Variant([("a", None), ("b", Tuple([F64, F32]))])
    assert t.flat == ("i32", "f64", "f32")
    assert cmabi.lower(cx, t, None) == [0, 0.0, 0.0]
    assert cmabi.lower(cx, t, (1.0, 2.0)) == [1, 1.0, 2.0]
    # nested variants through coerced slots
    t = Variant([("a", Option(F32)), ("b", Tuple([U64, U64]))])
    assert not t.tagged and t.flat == ("i32", "i64", "i64")
    flat = cmabi.lower(cx, t, 1.25)
    assert flat == [0, 1, bits32(1.25)]
    assert cmabi.lift(cx, t, flat) == 1.25
    # The untagged option case counts as `object` (it can hold None), but a value of
    # another case's own class goes to that case (wasmtime-py: ValueError).
    assert cmabi.lower(cx, t, (1, 2)) == [1, 1, 2]
    assert cmabi.lift(cx, t, [1, 1, 2]) == (1, 2)


def test_lift_wrong_arity(cx):
    with pytest.raises(ValueError):
        cmabi.lift(cx, U8, [])
    with pytest.raises(ValueError):
        cmabi.lift(cx, U8, [1, 2])
    with pytest.raises(TypeError):
        cmabi.lift(cx, U8, [1.0])


def test_untagged_value_model(cx):
    t = Result(U32, F32)
    assert cmabi.lift(cx, t, cmabi.lower(cx, t, 5)) == 5
    assert cmabi.lift(cx, t, cmabi.lower(cx, t, 0.5)) == 0.5
    t = Result(None, U32)
    assert cmabi.lower(cx, t, None) == [0, 0]
    assert cmabi.lower(cx, t, 9) == [1, 9]
    t = Variant([("b", Bool), ("n", U32), ("nothing", None)])
    assert cmabi.lower(cx, t, True) == [0, 1]
    assert cmabi.lower(cx, t, 3) == [1, 3]
    assert cmabi.lower(cx, t, None) == [2, 0]
    assert cmabi.lift(cx, t, [0, 1]) is True
    t = Result(None, None)
    assert cmabi.lower(cx, t, V("err")) == [1]
    with pytest.raises(ValueError):  # the tags are wasmtime-py's: ok and err
        cmabi.lower(cx, t, V("error"))
    assert cmabi.lift(cx, t, [0]) == V("ok")
    t = Option(Option(U8))
    assert cmabi.lift(cx, t, cmabi.lower(cx, t, V("some", None))) == V("some", None)
    assert cmabi.lift(cx, t, cmabi.lower(cx, t, V("some", 4))) == V("some", 4)
    assert cmabi.lift(cx, t, cmabi.lower(cx, t, V("none"))) == V("none")
