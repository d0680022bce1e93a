"""Every public name of wasmtime-py 50.0.1's ``wasmtime.component`` exists in
``cwasmtime.component``, of the same kind, with the same class relationships."""
import inspect

import pytest
import wasmtime.component as reference

import cwasmtime.component as ours


def test_all_is_identical():
    assert ours.__all__ == reference.__all__
    assert len(ours.__all__) == 43


@pytest.mark.parametrize("name", reference.__all__)
def test_name_is_the_same_kind_of_thing(name):
    theirs, mine = getattr(reference, name), getattr(ours, name)
    assert inspect.isclass(mine) == inspect.isclass(theirs) or name == "ComponentItem"
    if name == "ComponentItem":  # a typing.Union of the item types in both
        assert {a.__name__ for a in mine.__args__} == {a.__name__ for a in theirs.__args__}


VALUE_TYPES = ["Bool", "U8", "U16", "U32", "U64", "S8", "S16", "S32", "S64", "F32", "F64", "Char",
               "String", "ErrorContext", "ListType", "RecordType", "TupleType", "VariantType",
               "EnumType", "OptionType", "ResultType", "FlagsType", "StreamType", "FutureType",
               "OwnType", "BorrowType"]


@pytest.mark.parametrize("name", VALUE_TYPES)
def test_value_types_are_valtypes(name):
    assert issubclass(getattr(reference, name), reference.ValType)
    assert issubclass(getattr(ours, name), ours.ValType)


def test_primitive_types_compare_by_kind():
    assert ours.U32() == ours.U32() and ours.U32() != ours.S32() and ours.Bool() != ours.U8()
    assert repr(ours.U32()) == "U32()"


def test_shared_value_classes_are_cmabis():
    import cmabi
    assert ours.Record is cmabi.Record and ours.Variant is cmabi.Variant
    assert ours.Variant("a", 1) == reference.Variant("a", 1)
    assert ours.Record(a=1) == ours.Record(a=1) and ours.Record(a=1) != ours.Record(a=2)
