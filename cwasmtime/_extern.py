"""Conversions between ``wasmtime_extern_t`` (CFFI) and the Python extern objects."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Union

from . import _native
from ._error import WasmtimeError

if TYPE_CHECKING:
    from ._globals import Global
    from ._native import Func, Memory
    from ._sharedmemory import SharedMemory
    from ._table import Table
    from ._tag import Tag

AsExtern = Union["Func", "Table", "Memory", "SharedMemory", "Global", "Tag"]


def wrap_extern(store: _native.Store, extern: Any) -> AsExtern:
    """The Python object for the item in ``extern`` (a ``wasmtime_extern_t*``), owned by ``store``."""
    from ._globals import Global
    from ._sharedmemory import SharedMemory
    from ._table import Table
    from ._tag import Tag

    kind = extern.kind
    if kind == _native.EXTERN_FUNC:
        return _native.Func._from_extern(store, extern)
    if kind == _native.EXTERN_MEMORY:
        return _native.Memory._from_extern(store, extern)
    if kind == _native.EXTERN_GLOBAL:
        return Global._from_extern(store, extern)
    if kind == _native.EXTERN_TABLE:
        return Table._from_extern(store, extern)
    if kind == _native.EXTERN_SHAREDMEMORY:
        return SharedMemory._from_extern(store, extern)
    if kind == _native.EXTERN_TAG:
        return Tag._from_extern(store, extern)
    raise WasmtimeError(f"unknown extern kind {kind}")


def extern_of(item: Any) -> Any:
    """A new ``wasmtime_extern_t*`` holding ``item`` (a Func, Memory, Global, ...)."""
    as_extern = getattr(item, "_as_extern", None)
    if as_extern is None:
        raise TypeError("expected a Func, Global, Memory, SharedMemory, Tag, or Table")
    return as_extern()
