"""Strings: every guest encoding x every host source encoding, the exact realloc
call sequences of the spec's store_string, UTF16_TAG, decoding traps."""
import struct

import pytest

import cmabi
from cmabi import Trap
from cmabi.types import List, String

from conftest import ENCODINGS, Heap

TAG = 1 << 31

FUN_STRINGS = ["", "a", "hi", "\x00", "a\x00b", "\x80", "\x80b", "ab\xefc", "\u01ffy", "xy\u01ff",
               "a\ud7ffb", "a\u02ff\u03ff\u04ffbc", "\uf123", "\uf123\uf123abc", "abcdef\uf123",
               "\U0001F600", "h\u00e9llo \U0001F600 w\u00f6rld"]


def encoded_in_memory(heap, enc, ptr, tagged):
    if enc == "utf8":
        return bytes(heap.data[ptr:ptr + tagged]).decode("utf-8")
    if enc == "utf16" or tagged & TAG:
        n = tagged & ~TAG
        return bytes(heap.data[ptr:ptr + 2 * n]).decode("utf-16-le")
    return bytes(heap.data[ptr:ptr + tagged]).decode("latin-1")


@pytest.mark.parametrize("host", ENCODINGS)
@pytest.mark.parametrize("enc", ENCODINGS)
@pytest.mark.parametrize("s", FUN_STRINGS)
def test_roundtrip_every_encoding(enc, host, s):
    heap = Heap()
    cx = heap.cx(enc, host_string_encoding=host)
    ptr, tagged = cmabi.lower(cx, String, s)
    assert cmabi.lift(cx, String, [ptr, tagged]) == s
    assert encoded_in_memory(heap, enc, ptr, tagged) == s
    if enc == "latin1+utf16":
        assert bool(tagged & TAG) == (max(map(ord, s), default=0) >= 256)
    cmabi.store(cx, String, s, 4000)
    assert cmabi.load(cx, String, 4000) == s
    assert cmabi.lift(cx, List(String), cmabi.lower(cx, List(String), [s, s + "z"])) == [s, s + "z"]


def calls_shape(calls):
    """(old_size, align, new_size) per call, checking each old_ptr is the pointer
    the previous call returned (0 for the first)."""
    return [c[1:] for c in calls]


# host source encoding, guest encoding, string, expected realloc calls, tagged length
SEQUENCES = [
    # host strings count as UTF-8 (default)
    ("utf8", "utf8", "", [(0, 1, 0)], 0),
    ("utf8", "utf8", "h\u00e9llo", [(0, 1, 6)], 6),
    ("utf8", "utf16", "", [(0, 2, 0)], 0),
    ("utf8", "utf16", "abc", [(0, 2, 6)], 3),
    ("utf8", "utf16", "h\u00e9llo", [(0, 2, 12), (12, 2, 10)], 5),
    ("utf8", "latin1+utf16", "", [(0, 2, 0)], 0),
    ("utf8", "latin1+utf16", "abc", [(0, 2, 3)], 3),
    ("utf8", "latin1+utf16", "h\u00e9llo", [(0, 2, 6), (6, 2, 5)], 5),
    ("utf8", "latin1+utf16", "a\u0100b", [(0, 2, 4), (4, 2, 8), (8, 2, 6)], 3 | TAG),
    ("utf8", "latin1+utf16", "\U0001F600", [(0, 2, 4), (4, 2, 8), (8, 2, 4)], 2 | TAG),
    ("utf8", "latin1+utf16", "\u0100\u0101", [(0, 2, 4), (4, 2, 8), (8, 2, 4)], 2 | TAG),
    # host strings count as UTF-16
    ("utf16", "utf8", "", [(0, 1, 0)], 0),
    ("utf16", "utf8", "abc", [(0, 1, 3)], 3),
    ("utf16", "utf8", "h\u00e9llo", [(0, 1, 5), (5, 1, 15), (15, 1, 6)], 6),
    ("utf16", "utf8", "\u20ac\u20ac\u20ac", [(0, 1, 3), (3, 1, 9)], 9),       # worst case exact: no shrink
    ("utf16", "utf16", "h\u00e9llo", [(0, 2, 10)], 5),
    ("utf16", "utf16", "\U0001F600", [(0, 2, 4)], 2),
    ("utf16", "latin1+utf16", "h\u00e9llo", [(0, 2, 5)], 5),
    ("utf16", "latin1+utf16", "a\u0100", [(0, 2, 2), (2, 2, 4)], 2 | TAG),
    # host strings count as latin1+utf16 (Latin-1 when they fit)
    ("latin1+utf16", "utf8", "abc", [(0, 1, 3)], 3),
    ("latin1+utf16", "utf8", "h\u00e9llo", [(0, 1, 5), (5, 1, 10), (10, 1, 6)], 6),
    ("latin1+utf16", "utf8", "a\u0100", [(0, 1, 2), (2, 1, 6), (6, 1, 3)], 3),
    ("latin1+utf16", "utf16", "h\u00e9llo", [(0, 2, 10)], 5),
    ("latin1+utf16", "latin1+utf16", "", [(0, 2, 0)], 0),
    ("latin1+utf16", "latin1+utf16", "h\u00e9llo", [(0, 2, 5)], 5),
    ("latin1+utf16", "latin1+utf16", "a\u0100", [(0, 2, 4)], 2 | TAG),
]


@pytest.mark.parametrize("host,enc,s,expect,tagged", SEQUENCES)
def test_realloc_sequences(host, enc, s, expect, tagged):
    heap = Heap()
    cx = heap.cx(enc, host_string_encoding=host)
    ptr, got_tagged = cmabi.lower(cx, String, s)
    assert calls_shape(heap.calls) == expect
    assert heap.calls[0][0] == 0
    assert got_tagged == tagged
    assert encoded_in_memory(heap, enc, ptr, got_tagged) == s


def test_realloc_chain_passes_previous_pointer():
    returned = []
    heap2 = Heap()
    orig = heap2.realloc

    def spy(*a):
        r = orig(*a)
        returned.append(r)
        return r

    cx = cmabi.Context(heap2.memory, spy, "latin1+utf16")
    ptr, tagged = cmabi.lower(cx, String, "ab\u0100")
    assert [c[0] for c in heap2.calls] == [0] + returned[:-1]
    assert ptr == returned[-1]


def test_inflation_uses_bytes_already_in_memory():
    # latin1+utf16 fallback: the Latin-1 prefix written before the growing realloc
    # is inflated in place from memory (as the spec does), so a realloc that moves
    # the block must carry the bytes along — our heap does.
    heap = Heap()
    cx = heap.cx("latin1+utf16")
    ptr, tagged = cmabi.lower(cx, String, "\u00e9\u00e8x\u0100y")
    assert tagged == 5 | TAG
    assert bytes(heap.data[ptr:ptr + 10]).decode("utf-16-le") == "\u00e9\u00e8x\u0100y"


@pytest.mark.parametrize("enc,raw,units", [
    ("utf8", b"\xff", 1), ("utf8", b"\xc3", 1), ("utf8", b"\xed\xa0\x80", 3),   # encoded surrogate
    ("utf16", struct.pack("<H", 0xD800), 1), ("utf16", struct.pack("<HH", 0xDC00, 0xD800), 2),
    ("latin1+utf16", struct.pack("<H", 0xDFFF), 1 | TAG),
])
def test_invalid_strings_trap(enc, raw, units):
    heap = Heap()
    heap.data[16:16 + len(raw)] = raw
    with pytest.raises(Trap, match="invalid"):
        cmabi.lift(heap.cx(enc), String, [16, units])


@pytest.mark.parametrize("enc,ptr,units", [
    ("utf16", 17, 1), ("latin1+utf16", 17, 1), ("latin1+utf16", 17, 1 | TAG),
    ("utf8", 4095, 2), ("utf16", 4094, 2), ("latin1+utf16", 4094, 2 | TAG), ("utf8", 0xFFFFFFFF, 1),
    ("utf8", 0, (1 << 28)), ("utf16", 0, 1 << 27), ("latin1+utf16", 0, TAG | (1 << 27)),
    ("utf16", 0, 0xFFFFFFFF),
])
def test_string_range_traps(enc, ptr, units):
    with pytest.raises(Trap):
        cmabi.lift(Heap().cx(enc), String, [ptr, units])


def test_latin1_without_tag_is_latin1():
    heap = Heap()
    heap.data[16:19] = b"\xe9\xff\x00"
    assert cmabi.lift(heap.cx("latin1+utf16"), String, [16, 3]) == "\xe9\xff\x00"
    assert cmabi.lift(heap.cx("latin1+utf16"), String, [16, 0]) == ""


def test_realloc_result_checked_for_strings():
    heap = Heap()
    cx = cmabi.Context(heap.memory, lambda *a: 3, "utf16")
    with pytest.raises(Trap, match="misaligned"):
        cmabi.lower(cx, String, "a")
    cx = cmabi.Context(heap.memory, lambda *a: 4094, "utf8")
    with pytest.raises(Trap, match="out of bounds"):
        cmabi.lower(cx, String, "abcd")
    # utf8 destination, align 1: odd pointers are fine
    cx = cmabi.Context(heap.memory, lambda *a: 33, "utf8")
    assert cmabi.lower(cx, String, "ab") == [33, 2]


def test_host_string_errors():
    heap = Heap()
    with pytest.raises(TypeError):
        cmabi.lower(heap.cx(), String, b"bytes")
    with pytest.raises(UnicodeError):
        cmabi.lower(heap.cx(), String, "\ud800")
