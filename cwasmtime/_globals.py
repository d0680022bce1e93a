"""``Global``: a wasm global variable living in a Store."""
from __future__ import annotations

from typing import Any, Optional

from . import _native
from ._capi import ffi, lib
from ._extern import StoreOwned
from ._repr import in_store
from ._storelike import Storelike
from ._trap import check
from ._types import GlobalType
from ._value import kind_of, lowered

__all__ = ["Global"]


class Global(StoreOwned):
    """A global owned by one Store; every method takes that Store (or a Caller /
    StoreContext of it) and raises WasmtimeError for any other."""

    _c_type = "wasmtime_global_t *"
    _union_field = "global"
    _extern_kind = lib.WASMTIME_EXTERN_GLOBAL
    _kind: Optional[int] = None  # wasmtime_valkind_t of the content, once known

    def __init__(self, store: Storelike, ty: GlobalType, val: Any) -> None:
        if not isinstance(ty, GlobalType):
            raise TypeError("expected a GlobalType")
        kind = kind_of(ty.content)
        ty_ptr = ty.ptr()
        s = _native.store_of(store)
        out = ffi.new("wasmtime_global_t *")
        with lowered(s, kind, val) as c_val:  # the context last: lowering may run code
            check(s._call(lib.wasmtime_global_new, ty_ptr, c_val, out))
        self._adopt(s, out)
        self._kind = kind

    def _content_kind(self, s: _native.Store) -> int:
        kind = self._kind
        if kind is None:
            kind = self._kind = kind_of(self.type(s).content)
        return kind

    def type(self, store: Storelike) -> GlobalType:
        """This global's GlobalType."""
        s = _native.check_owner(self._owner, store)
        ptr = s._call(lib.wasmtime_global_type, self._handle)
        result: GlobalType = GlobalType._from_ptr(ptr, None)
        return result

    def __repr__(self) -> str:
        return in_store(self, self._owner, self._details)

    def _details(self, store: Storelike) -> str:
        ty = self.type(store)
        # Only a number is shown: a reference's object has a repr of its own to run.
        if str(ty.content) in ("i32", "i64", "f32", "f64"):
            return f"{self.value(store)!r}, {ty!r}"
        return repr(ty)

    def value(self, store: Storelike) -> Any:
        """The current value as a Python value (a null reference is returned as a null
        ``Val``, which compares equal to None)."""
        s = _native.check_owner(self._owner, store)
        if self._kind is None:
            self._content_kind(s)  # TypeError for a type Wasmtime cannot read (a continuation aborts it)
        return _native.global_get(s, self._address)

    def set_value(self, store: Storelike, val: Any) -> None:
        """Set the value (WasmtimeError if the global is immutable)."""
        s = _native.check_owner(self._owner, store)
        _native.global_set(s, self._address, self._content_kind(s), val)
