"""Python values -> ``wasmtime_val_t`` (CFFI), for globals and tables.

The conversion itself is the Cython one used by Func calls (``_native.val_to_c``), so
both layers share one externref representation. This module maps value types to
``wasmtime_valkind_t`` and unroots."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Union

from . import _native
from ._capi import ffi, lib
from ._types import ValType

__all__ = ["kind_of", "to_c_val", "lowered"]


def kind_of(ty: ValType) -> int:
    """The ``wasmtime_valkind_t`` of values of type ``ty``; TypeError if cwasmtime cannot
    convert them."""
    if not isinstance(ty, ValType):
        raise TypeError("expected a ValType")
    return int(_native.valtype_valkind(_address(ty.ptr())))


def _address(ptr: Any) -> int:
    return int(ffi.cast("uintptr_t", ptr))


def to_c_val(store: _native.Store, kind: Union[int, ValType], value: Any) -> Any:
    """A new ``wasmtime_val_t*`` holding ``value`` as ``kind`` (a ``wasmtime_valkind_t``
    or a ValType), by the Func-parameter rules: a Val must match, int -> i32/i64,
    float -> f32/f64, Func -> funcref, None -> null ref, anything -> externref. An
    externref inside is rooted: the caller must ``lib.wasmtime_val_unroot`` it (see
    ``lowered``)."""
    if isinstance(kind, ValType):
        kind = kind_of(kind)
    out = ffi.new("wasmtime_val_t *")
    _native.val_to_c(store, kind, value, _address(out))
    return out


@contextmanager
def lowered(store: _native.Store, kind: Union[int, ValType], value: Any) -> Iterator[Any]:
    """``to_c_val`` for the duration of a ``with`` block, unrooted afterwards."""
    val = to_c_val(store, kind, value)
    try:
        yield val
    finally:
        lib.wasmtime_val_unroot(val)

