"""Findings of fuzz/fuzz_cmabi.py, kept as regression tests."""
import pytest

import cmabi
from cmabi import types as T


@pytest.mark.parametrize("value", [0, None, "x", {"g": 1}, [1]])
def test_record_from_a_value_without_its_fields_is_a_type_error(value):
    # was: AttributeError ('int' object has no attribute 'f0') or KeyError
    cx = cmabi.Context(cmabi.ByteArrayMemory(), lambda *a: 64)
    record = T.Record([("f0", T.U32)])
    with pytest.raises(TypeError, match="field 'f0'"):
        cmabi.lower(cx, record, value)
    with pytest.raises(TypeError, match="field 'f0'"):
        cmabi.store(cx, record, value, 0)
