"""Findings of fuzz/fuzz_cmabi.py, kept as regression tests."""
import pytest

import cmabi
from cmabi import types as T


@pytest.mark.parametrize("value", [0, None, "x", {"g": 1}, [1]])
@pytest.mark.parametrize("lenient", [False, True])
def test_record_from_a_value_without_its_fields_is_an_attribute_error(value, lenient):
    # was: AttributeError or KeyError, not naming the field; now AttributeError as in
    # wasmtime-py (cwasmtime.component: the same rule), naming it
    cx = cmabi.Context(cmabi.ByteArrayMemory(), lambda *a: 64, lenient=lenient)
    record = T.Record([("f0", T.U32)])
    with pytest.raises(AttributeError, match="field 'f0'"):
        cmabi.lower(cx, record, value)
    with pytest.raises(AttributeError, match="field 'f0'"):
        cmabi.store(cx, record, value, 0)
