"""Load/store through linear memory: run_tests.py's heap vectors, byte-exact
layouts, bounds/alignment/length traps, realloc checks, memory growth."""
import struct

import pytest

import cmabi
from cmabi import Trap, Variant as V
from cmabi.types import (Bool, Char, Enum, F64, FixedList, Flags, List, Map, Option, Record, Result,
                         S16, S32, S64, S8, String, Tuple, U16, U32, U64, U8, Variant)

from conftest import Heap


def heap_with(byte_list, size=None):
    h = Heap(size or max(64, len(byte_list)))
    h.data[:len(byte_list)] = bytes(byte_list)
    return h


# run_tests.py's test_heap vectors: (type, expected, (ptr, len), bytes)
HEAP_VECTORS = [
    (List(Bool), [True, False, True], (0, 3), [1, 0, 1]),
    (List(Bool), [True, False, True], (0, 3), [1, 0, 2]),
    (List(Bool), [True, False, True], (3, 3), [0xFF, 0xFF, 0xFF, 1, 0, 1]),
    (List(U8), b"\x01\x02\x03", (0, 3), [1, 2, 3]),
    (List(U16), [1, 2, 3], (0, 3), [1, 0, 2, 0, 3, 0]),
    (List(U16), None, (1, 3), [0, 1, 0, 2, 0, 3, 0]),
    (List(U32), [1, 2, 3], (0, 3), [1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]),
    (List(U64), [1, 2], (0, 2), [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]),
    (List(S8), [-1, -2, -3], (0, 3), [0xFF, 0xFE, 0xFD]),
    (List(S16), [-1, -2, -3], (0, 3), [0xFF, 0xFF, 0xFE, 0xFF, 0xFD, 0xFF]),
    (List(S32), [-1, -2, -3], (0, 3), [0xFF] * 4 + [0xFE] + [0xFF] * 3 + [0xFD] + [0xFF] * 3),
    (List(S64), [-1, -2], (0, 2), [0xFF] * 8 + [0xFE] + [0xFF] * 7),
    (List(Char), ["A", "B", "c"], (0, 3), [65, 0, 0, 0, 66, 0, 0, 0, 99, 0, 0, 0]),
    (List(String), ["hi", "wat"], (0, 2),
     [16, 0, 0, 0, 2, 0, 0, 0, 21, 0, 0, 0, 3, 0, 0, 0, ord("h"), ord("i"), 0xF, 0xF, 0xF,
      ord("w"), ord("a"), ord("t")]),
    (List(List(U8)), [b"\x03\x04\x05", b"", b"\x06\x07"], (0, 3),
     [24, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 27, 0, 0, 0, 2, 0, 0, 0, 3, 4, 5, 6, 7]),
    (List(List(U16)), [[5, 6]], (0, 1), [8, 0, 0, 0, 2, 0, 0, 0, 5, 0, 6, 0]),
    (List(List(U16)), None, (0, 1), [9, 0, 0, 0, 2, 0, 0, 0, 0, 5, 0, 6, 0]),
    (List(FixedList(U8, 2)), [b"\x01\x02", b"\x03\x04"], (0, 2), [1, 2, 3, 4]),
    (List(FixedList(U32, 2)), [[1, 2], [3, 4]], (0, 2), [1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0]),
    (List(FixedList(U32, 2)), None, (1, 2), [0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0]),
    (List(Tuple([U8, U8, U16, U32])), [(6, 7, 8, 9), (4, 5, 6, 7)], (0, 2),
     [6, 7, 8, 0, 9, 0, 0, 0, 4, 5, 6, 0, 7, 0, 0, 0]),
    (List(Tuple([U8, U16, U8, U32])), [(6, 7, 8, 9), (4, 5, 6, 7)], (0, 2),
     [6, 0xFF, 7, 0, 8, 0xFF, 0xFF, 0xFF, 9, 0, 0, 0, 4, 0xFF, 5, 0, 6, 0xFF, 0xFF, 0xFF, 7, 0, 0, 0]),
    (List(Tuple([U16, U8])), [(6, 7), (8, 9)], (0, 2), [6, 0, 7, 0xFF, 8, 0, 9, 0xFF]),
    (List(Tuple([Tuple([U16, U8]), U8])), [((4, 5), 6), ((7, 8), 9)], (0, 2),
     [4, 0, 5, 0xFF, 6, 0xFF, 7, 0, 8, 0xFF, 9, 0xFF]),
    (List(Flags(["a", "b"])), [set(), {"b"}, {"a", "b"}], (0, 3), [0, 2, 3]),
    (List(Flags(["a", "b"])), [set(), {"b"}, set()], (0, 3), [0, 2, 4]),
    (List(Flags([str(i) for i in range(9)])), [{str(i) for i in range(9)}, set()], (0, 2), [0xFF, 0x1, 0, 0]),
    (List(Flags([str(i) for i in range(9)])), [{str(i) for i in range(9)}, set()], (0, 2), [0xFF, 0x3, 0, 0]),
    (List(Flags([str(i) for i in range(17)])), [{str(i) for i in range(17)}, set()], (0, 2),
     [0xFF, 0xFF, 0x1, 0, 0, 0, 0, 0]),
    (List(Flags([str(i) for i in range(32)])), [{str(i) for i in range(32)}, set()], (0, 2),
     [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]),
]


@pytest.mark.parametrize("t,expect,args,byte_list", HEAP_VECTORS)
def test_heap_vectors(t, expect, args, byte_list):
    h = Heap(64)
    h.data[:len(byte_list)] = bytes(byte_list)
    h.top = 64
    cx = h.cx()
    if expect is None:
        with pytest.raises(Trap):
            cmabi.lift(cx, t, list(args))
        return
    assert cmabi.lift(cx, t, list(args)) == expect
    # lowering it again and lifting gives the same value
    assert cmabi.lift(cx, t, cmabi.lower(cx, t, expect)) == expect


def test_store_bytes_exact(heap):
    cx = heap.cx()
    R = Record([("a", U8), ("b", U32), ("c", S16), ("d", F64), ("e", Bool), ("f", Char)])
    heap.data[:64] = b"\xAA" * 64
    cmabi.store(cx, R, cmabi.Record(a=1, b=0x01020304, c=-2, d=1.5, e=True, f="\u20ac"), 0)
    expect = (b"\x01" + b"\xAA" * 3 + struct.pack("<I", 0x01020304) + struct.pack("<h", -2) + b"\xAA" * 6
              + struct.pack("<d", 1.5) + b"\x01" + b"\xAA" * 3 + struct.pack("<I", 0x20AC))
    assert R.size == 32 and bytes(heap.data[:32]) == expect
    assert cmabi.load(cx, R, 0) == cmabi.Record(a=1, b=0x01020304, c=-2, d=1.5, e=True, f="\u20ac")


def test_store_variants_exact(heap):
    cx = heap.cx()
    t = Variant([("a", U8), ("b", U64), ("c", None)])
    heap.data[:16] = b"\xAA" * 16
    cmabi.store(cx, t, V("b", 0x0102), 0)
    assert bytes(heap.data[:16]) == b"\x01" + b"\xAA" * 7 + struct.pack("<Q", 0x0102)
    cmabi.store(cx, t, V("c"), 0)
    assert heap.data[0] == 2 and cmabi.load(cx, t, 0) == V("c")
    e = Enum([str(i) for i in range(300)])
    cmabi.store(cx, e, "299", 0)
    assert bytes(heap.data[:2]) == struct.pack("<H", 299) and cmabi.load(cx, e, 0) == "299"
    f = Flags([str(i) for i in range(20)])
    cmabi.store(cx, f, {"0", "19"}, 0)
    assert bytes(heap.data[:4]) == struct.pack("<I", 1 | 1 << 19)


def test_bool_loads_nonzero_as_true(heap):
    cx = heap.cx()
    for b in (1, 2, 0x80, 0xFF):
        heap.data[0] = b
        assert cmabi.load(cx, Bool, 0) is True
    heap.data[0] = 0
    assert cmabi.load(cx, Bool, 0) is False


@pytest.mark.parametrize("t,raw", [
    (Char, struct.pack("<I", 0xD800)), (Char, struct.pack("<I", 0x110000)),
    (Variant([("a", U8), ("b", None)]), b"\x02\x00"), (Enum(["a", "b"]), b"\x02"),
    (Option(U8), b"\x02\x00"), (Result(None, None), b"\xff"),
    (Enum([str(i) for i in range(300)]), struct.pack("<H", 300)),
])
def test_load_traps(heap, t, raw):
    heap.data[:len(raw)] = raw
    with pytest.raises(Trap):
        cmabi.load(heap.cx(), t, 0)


@pytest.mark.parametrize("t,ptr", [
    (U16, 1), (U32, 2), (U64, 4), (F64, 4), (String, 2), (Record([("a", U32)]), 1), (Option(U64), 4),
    (U8, 4096), (U32, 4093), (U64, 4092), (String, 4092), (FixedList(U8, 5), 4092), (U8, 1 << 32 - 1),
    (U64, 0xFFFFFFF8),
])
def test_misaligned_or_out_of_bounds_pointer(heap, t, ptr):
    cx = heap.cx()
    with pytest.raises(Trap):
        cmabi.load(cx, t, ptr)
    with pytest.raises(Trap):
        cmabi.store(cx, t, cmabi.lift(cmabi.Context(), t, [0] * len(t.flat)) if t.flat != ("i32", "i32") else "", ptr)


def test_list_range_traps(heap):
    cx = heap.cx()
    with pytest.raises(Trap, match="misaligned"):
        cmabi.lift(cx, List(U32), [2, 1])
    with pytest.raises(Trap, match="out of bounds"):
        cmabi.lift(cx, List(U32), [4092, 2])
    with pytest.raises(Trap, match="out of bounds"):
        cmabi.lift(cx, List(U8), [0xFFFFFFFF, 2])
    with pytest.raises(Trap, match="limit"):
        cmabi.lift(cx, List(U8), [0, 1 << 28])
    with pytest.raises(Trap, match="limit"):
        cmabi.lift(cx, List(U64), [0, 0xFFFFFFFF])
    assert cmabi.lift(cx, List(U32), [4092, 1]) == [0]
    assert cmabi.lift(cx, List(U64), [4096, 0]) == []
    with pytest.raises(Trap):   # the spec checks ptr + 0 <= len(memory) too
        cmabi.lift(cx, List(U64), [0xFFFFFFF8, 0])
    # in memory: the (ptr, len) pair itself comes from the guest
    heap.data[0:8] = struct.pack("<II", 4000, 100)
    with pytest.raises(Trap):
        cmabi.load(cx, List(U8), 0)


def test_realloc_result_checked(heap):
    cx = cmabi.Context(heap.memory, lambda *a: 4095, "utf8")
    with pytest.raises(Trap, match="out of bounds"):
        cmabi.lower(cx, List(U8), b"ab")
    cx = cmabi.Context(heap.memory, lambda *a: 2, "utf8")
    with pytest.raises(Trap, match="misaligned"):
        cmabi.lower(cx, List(U32), [1])
    cx = cmabi.Context(heap.memory, lambda *a: "x", "utf8")
    with pytest.raises(Trap, match="realloc"):
        cmabi.lower(cx, List(U8), b"a")
    # an i32 result that comes back signed is taken modulo 2**32
    assert cmabi.lower(cmabi.Context(heap.memory, lambda *a: 8 - (1 << 32)), List(U8), b"a") == [8, 1]


def test_memory_shrinking_during_realloc_traps():
    mem = cmabi.ByteArrayMemory(4096)

    def realloc(old, osz, align, n):
        del mem.data[2048:]
        return 16

    with pytest.raises(Trap, match="shrank"):
        cmabi.lower(cmabi.Context(mem, realloc), String, "abc")


def test_memory_growth_rereads_base():
    # The allocator grows (moves) the bytearray on every call: writes after each
    # realloc must land in the new buffer.
    h = Heap(64, grow_by=4096)
    cx = h.cx()
    v = [f"string number {i}" * 3 for i in range(20)]
    flat = cmabi.lower(cx, List(String), v)
    assert len(h.memory) > 64
    assert cmabi.lift(cx, List(String), flat) == v


def test_no_memory_or_realloc():
    with pytest.raises(ValueError, match="memory"):
        cmabi.lift(cmabi.Context(), String, [0, 0])
    with pytest.raises(ValueError, match="realloc"):
        cmabi.lower(cmabi.Context(cmabi.ByteArrayMemory(64)), String, "x")
    with pytest.raises(TypeError):
        cmabi.Context(object())
    with pytest.raises(ValueError):
        cmabi.Context(None, None, "ascii")


def test_fast_paths(heap):
    cx = heap.cx()
    for v in (b"", b"abc", bytearray(b"xyz"), memoryview(b"q" * 100)):
        assert cmabi.lift(cx, List(U8), cmabi.lower(cx, List(U8), v)) == bytes(v)
    floats = [0.5, -1.25, 1e300]
    assert cmabi.lift(cx, List(F64), cmabi.lower(cx, List(F64), floats)) == floats
    ints = list(range(-500, 500))
    assert cmabi.lift(cx, List(S32), cmabi.lower(cx, List(S32), ints)) == ints
    # lenient: ints for list<u8>, a tuple for a list (strict: TypeError)
    lenient = heap.cx(lenient=True)
    assert cmabi.lift(cx, List(U8), cmabi.lower(lenient, List(U8), [1, 2, 3])) == b"\x01\x02\x03"
    assert cmabi.lift(cx, List(U16), cmabi.lower(lenient, List(U16), (1, 2))) == [1, 2]
    for ty, v in ((List(U8), [1, 2, 3]), (List(U16), (1, 2))):
        with pytest.raises(TypeError):
            cmabi.lower(cx, ty, v)


def test_map(heap):
    cx = heap.cx()
    t = Map(String, List(U32))
    v = {"a": [1, 2], "bb": [], "ccc": [3]}
    flat = cmabi.lower(cx, t, v)
    assert cmabi.lift(cx, t, flat) == v
    # same layout as list<tuple<K, V>>
    assert cmabi.lift(cx, List(Tuple([String, List(U32)])), flat) == [("a", [1, 2]), ("bb", []), ("ccc", [3])]
    # a repeated key keeps the last value
    flat = cmabi.lower(cx, List(Tuple([U8, U8])), [(1, 1), (1, 2)])
    assert cmabi.lift(cx, Map(U8, U8), flat) == {1: 2}
    with pytest.raises(TypeError):
        cmabi.lower(cx, t, [("a", [1])])


def test_record_value_forms(heap):
    cx = heap.cx()
    R = Record([("a", U8), ("b", String)])
    lenient = heap.cx(lenient=True)
    assert cmabi.lift(cx, R, cmabi.lower(lenient, R, {"a": 1, "b": "x"})) == cmabi.Record(a=1, b="x")
    with pytest.raises(AttributeError, match="field 'a'"):  # strict: attributes only
        cmabi.lower(cx, R, {"a": 1, "b": "x"})
    with pytest.raises(AttributeError, match="field 'b'"):
        cmabi.lower(lenient, R, {"a": 1})

    class Obj:
        a = 2
        b = "y"

    assert cmabi.lift(cx, R, cmabi.lower(cx, R, Obj())) == cmabi.Record(a=2, b="y")
