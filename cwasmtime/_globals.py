"""``Global``: a wasm global variable living in a Store."""
from __future__ import annotations

from typing import Any, Optional

from . import _native
from ._capi import ffi, lib
from ._storelike import Storelike
from ._trap import check
from ._types import GlobalType
from ._value import kind_of, lift, lowered, owner_store, use_store

__all__ = ["Global"]


class Global:
    """A global owned by one Store; every method takes that Store (or a Caller /
    StoreContext of it) and raises WasmtimeError for any other."""

    _global: Any  # wasmtime_global_t* (CFFI, our own copy of the handle)
    _owner: _native.Store
    _kind: Optional[int] = None  # wasmtime_valkind_t of the content, once known

    def __init__(self, store: Storelike, ty: GlobalType, val: Any) -> None:
        if not isinstance(ty, GlobalType):
            raise TypeError("expected a GlobalType")
        kind = kind_of(ty.content)
        s = owner_store(store)
        out = ffi.new("wasmtime_global_t *")
        with lowered(s, kind, val) as c_val:
            check(lib.wasmtime_global_new(s._context(), ty.ptr(), c_val, out))
        self._global = out
        self._owner = s
        self._kind = kind

    @classmethod
    def _from_extern(cls, store: _native.Store, extern: Any) -> "Global":
        """The global in a ``wasmtime_extern_t*`` of kind global (copied out)."""
        obj = cls.__new__(cls)
        obj._global = ffi.new("wasmtime_global_t *", getattr(extern.of, "global"))
        obj._owner = store
        return obj

    def _as_extern(self) -> Any:
        """A new ``wasmtime_extern_t*`` holding this global."""
        extern = ffi.new("wasmtime_extern_t *")
        extern.kind = _native.EXTERN_GLOBAL
        setattr(extern.of, "global", self._global[0])
        return extern

    def _content_kind(self, s: _native.Store) -> int:
        kind = self._kind
        if kind is None:
            kind = self._kind = kind_of(self.type(s).content)
        return kind

    def type(self, store: Storelike) -> GlobalType:
        """This global's GlobalType."""
        s = use_store(self._owner, store)
        ptr = lib.wasmtime_global_type(s._context(), self._global)
        result: GlobalType = GlobalType._from_ptr(ptr, None)
        return result

    def value(self, store: Storelike) -> Any:
        """The current value as a Python value (a null reference is returned as a null
        ``Val``, which compares equal to None)."""
        s = use_store(self._owner, store)
        out = ffi.new("wasmtime_val_t *")
        lib.wasmtime_global_get(s._context(), self._global, out)
        return lift(s, out)

    def set_value(self, store: Storelike, val: Any) -> None:
        """Set the value (WasmtimeError if the global is immutable)."""
        s = use_store(self._owner, store)
        with lowered(s, self._content_kind(s), val) as c_val:
            check(lib.wasmtime_global_set(s._context(), self._global, c_val))
