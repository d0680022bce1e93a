"""Conversions between ``wasmtime_extern_t`` (CFFI) and the Python extern objects."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Self, Union

from cmabi._errors import refuse_copy

from . import _native
from ._capi import ffi, lib
from ._error import WasmtimeError

if TYPE_CHECKING:
    from ._globals import Global
    from ._native import Func, Memory
    from ._sharedmemory import SharedMemory
    from ._table import Table
    from ._tag import Tag

AsExtern = Union["Func", "Table", "Memory", "SharedMemory", "Global", "Tag"]


def wrap_extern(store: _native.Store, extern: Any) -> AsExtern:
    """The Python object for the item in ``extern`` (a ``wasmtime_extern_t*``), owned by ``store``.
    (Each kind's module is imported when that kind is first seen: import cost.)"""
    kind = extern.kind
    if kind == lib.WASMTIME_EXTERN_FUNC:
        return _native.Func._from_extern(store, extern)
    if kind == lib.WASMTIME_EXTERN_MEMORY:
        return _native.Memory._from_extern(store, extern)
    if kind == lib.WASMTIME_EXTERN_GLOBAL:
        from ._globals import Global
        return Global._from_extern(store, extern)
    if kind == lib.WASMTIME_EXTERN_TABLE:
        from ._table import Table
        return Table._from_extern(store, extern)
    if kind == lib.WASMTIME_EXTERN_SHAREDMEMORY:
        from ._sharedmemory import SharedMemory
        return SharedMemory._from_extern(store, extern)
    if kind == lib.WASMTIME_EXTERN_TAG:
        from ._tag import Tag
        return Tag._from_extern(store, extern)
    raise WasmtimeError(f"unknown extern kind {kind}")



class StoreOwned:
    """Base of the store-owned externs kept as CFFI handles (Global, Table, Tag): our
    own copy of the C handle in ``_handle`` and the Store that owns it in ``_owner``."""

    _c_type: ClassVar[str]  # e.g. "wasmtime_global_t *"
    _union_field: ClassVar[str]  # its member of wasmtime_extern_union_t
    _extern_kind: ClassVar[int]
    _handle: Any
    _address: int  # of _handle, for the native accessors
    _owner: _native.Store

    __reduce__ = refuse_copy  # a handle into its Store: no copies, no pickles

    def _adopt(self, store: _native.Store, handle: Any) -> None:
        self._handle = handle
        self._address = int(ffi.cast("uintptr_t", handle))
        self._owner = store

    @classmethod
    def _from_extern(cls, store: _native.Store, extern: Any) -> Self:
        """The item in a ``wasmtime_extern_t*`` of this class's kind (copied out)."""
        obj = cls.__new__(cls)
        obj._adopt(store, ffi.new(cls._c_type, getattr(extern.of, cls._union_field)))
        return obj

    def _as_extern(self) -> Any:
        """A new ``wasmtime_extern_t*`` holding this item."""
        extern = ffi.new("wasmtime_extern_t *")
        extern.kind = self._extern_kind
        setattr(extern.of, self._union_field, self._handle[0])
        return extern
