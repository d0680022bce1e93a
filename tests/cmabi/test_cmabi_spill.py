"""Parameter/result spilling: MAX_FLAT_PARAMS = 16, MAX_FLAT_RESULTS = 1."""
import pytest

import cmabi
from cmabi import Trap
from cmabi.types import F64, List, Record, String, Tuple, U32, U64, U8


def test_params_within_limit_are_flat(heap):
    cx = heap.cx()
    assert cmabi.lower_params(cx, [U8] * 16, range(16)) == list(range(16))
    assert heap.calls == []


def test_params_over_limit_spill_through_realloc(heap):
    cx = heap.cx()
    types = [U8] * 16 + [U64]
    flat = cmabi.lower_params(cx, types, list(range(17)))
    assert heap.calls == [(0, 0, 8, 24)]           # Tuple(types): align 8, size 24
    [ptr] = flat
    assert bytes(heap.data[ptr:ptr + 16]) == bytes(range(16))
    assert int.from_bytes(heap.data[ptr + 16:ptr + 24], "little") == 16
    assert cmabi.lift_params(cx, types, flat) == list(range(17))


def test_strings_count_two_flat_each(heap):
    cx = heap.cx()
    flat = cmabi.lower_params(cx, [String] * 8, ["s"] * 8)
    assert len(flat) == 16
    flat = cmabi.lower_params(cx, [String] * 9, ["s"] * 9)
    assert len(flat) == 1
    assert cmabi.lift_params(cx, [String] * 9, flat) == ["s"] * 9


def test_results(heap):
    cx = heap.cx()
    assert cmabi.lift_results(cx, [U32], [7]) == [7]
    assert cmabi.lift_results(cx, [], []) == []
    # more than one flat result: the guest returns a pointer to them
    t = [Tuple([U32, String])]
    ptr = 64
    cmabi.store(cx, t[0], (5, "five"), ptr)
    assert cmabi.lift_results(cx, t, [ptr]) == [(5, "five")]
    with pytest.raises(Trap, match="misaligned"):
        cmabi.lift_results(cx, t, [66])
    with pytest.raises(Trap, match="out of bounds"):
        cmabi.lift_results(cx, t, [4092])
    with pytest.raises(ValueError):
        cmabi.lift_results(cx, t, [1, 2])


def test_lower_results_to_return_pointer(heap):
    # host import called by a guest: spilled results go to its return pointer
    cx = heap.cx()
    flat = cmabi.lower_results(cx, [String], ["hi"], out_ptr=128)
    assert flat == []
    assert cmabi.load(cx, String, 128) == "hi"
    assert cmabi.lower_results(cx, [F64], [1.5]) == [1.5]
    with pytest.raises(ValueError, match="out_ptr"):
        cmabi.lower_results(cx, [String], ["hi"])
    with pytest.raises(Trap):
        cmabi.lower_results(cx, [String], ["hi"], out_ptr=130)


def test_lower_values_generic(heap):
    cx = heap.cx()
    R = Record([("a", List(U8)), ("b", U32)])
    flat = cmabi.lower_values(cx, [R], [cmabi.Record(a=b"xy", b=3)], max_flat=2)
    assert len(flat) == 1
    assert cmabi.lift_values(cx, [R], flat, max_flat=2) == [cmabi.Record(a=b"xy", b=3)]
    with pytest.raises(ValueError):
        cmabi.lower_values(cx, [U8, U8], [1])
    with pytest.raises(ValueError):
        cmabi.lift_values(cx, [U8, U8], [1], max_flat=16)
