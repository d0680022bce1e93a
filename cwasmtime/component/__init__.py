"""The component model: a drop-in for wasmtime-py 50's ``wasmtime.component``.

Calls and host functions convert values in Cython (``cwasmtime/_component_values.pxi``
and ``_component_calls.pxi``), with each function's conversion plan built once;
``map<K, V>`` values (``dict``) are supported too (enable
``Config.wasm_component_model_map``). Values follow cmabi's model, shared with
wasmtime-py: ``Record``, ``Variant`` and the tagging rule of variant-likes (see
``cmabi.values``)."""
from .._native import ComponentFunc as Func
from ._component import Component, ExportIndex
from ._instance import Instance
from ._itemtypes import ComponentExtern as ComponentExtern  # beyond __all__, as in wasmtime-py
from ._itemtypes import ComponentInstanceType, ComponentItem, ComponentType, FuncType, ModuleType
from ._linker import Linker, LinkerInstance
from ._resources import ResourceAny, ResourceHost, ResourceType
from ._types import (F32, F64, S8, S16, S32, S64, U8, U16, U32, U64, Bool, BorrowType, Char,
                     EnumType, ErrorContext, FlagsType, FutureType, ListType, OptionType,
                     OwnType, Record, RecordType, ResultType, StreamType, String, TupleType,
                     ValType, Variant, VariantType)
from ._types import MapType as MapType  # map<K, V>: beyond wasmtime-py, so not in __all__

__all__ = [
    'Component',
    'ExportIndex',
    'Linker',
    'LinkerInstance',
    'Instance',
    'Func',
    'ResourceType',
    'ResourceAny',
    'ResourceHost',
    'ComponentType',
    'ModuleType',
    'ComponentItem',
    'ComponentInstanceType',
    'FuncType',
    'ValType',
    'Bool',
    'U8',
    'U16',
    'U32',
    'U64',
    'S8',
    'S16',
    'S32',
    'S64',
    'F32',
    'F64',
    'Char',
    'String',
    'ErrorContext',
    'ListType',
    'RecordType',
    'TupleType',
    'VariantType',
    'EnumType',
    'OptionType',
    'ResultType',
    'FlagsType',
    'StreamType',
    'FutureType',
    'OwnType',
    'BorrowType',
    'Variant',
    'Record',
]

