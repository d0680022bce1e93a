"""The value model: cmabi.Record / cmabi.Variant behave like (and interoperate
with) wasmtime-py 50's wasmtime.component.Record / Variant."""
import pytest

import cmabi
from cmabi import Record, Variant
from cmabi.types import Record as RecordT, String, U32, U8, Variant as VariantT


def test_record_equality():
    assert Record(a=1, b="x") == Record(a=1, b="x")
    assert Record(a=1) != Record(a=2)
    r = Record()
    r.a = 1
    assert r == Record(a=1)
    # wasmtime-py's (asymmetric) rule: every attribute of self must match
    assert Record(a=1) == Record(a=1, b=2)
    assert Record(a=1, b=2) != Record(a=1)
    with pytest.raises(TypeError):
        hash(Record())
    assert repr(Record(a=1)) == "Record(a=1)"


def test_variant_equality():
    assert Variant("a") == Variant("a", None)
    assert Variant("a", 1) != Variant("a", 2)
    assert Variant("a", 1) != Variant("b", 1)
    assert Variant("a", 1) != ("a", 1)
    assert Variant(tag="t", payload=[1]).payload == [1]
    with pytest.raises(TypeError):
        hash(Variant("a"))


def test_interchangeable_with_wasmtime_py(heap):
    wc = pytest.importorskip("wasmtime.component")
    assert wc.Variant("a", 1) == Variant("a", 1)
    assert Variant("a", 1) == wc.Variant("a", 1)
    assert wc.Variant("a", 1) != Variant("a", 2)
    wr = wc.Record()
    wr.x = 1
    wr.y = "s"
    assert wr == Record(x=1, y="s") and Record(x=1, y="s") == wr
    # lowering accepts wasmtime-py's objects
    cx = heap.cx()
    t = RecordT([("x", U32), ("y", String)])
    assert cmabi.lift(cx, t, cmabi.lower(cx, t, wr)) == wr
    v = VariantT([("a", U8), ("b", U32)])
    assert cmabi.lift(cx, v, cmabi.lower(cx, v, wc.Variant("b", 3))) == wc.Variant("b", 3)
