"""``Table``: a wasm table of references (funcref or externref) living in a Store."""
from __future__ import annotations

from typing import Any, Optional

from . import _native
from ._capi import ffi, lib
from ._extern import StoreOwned
from ._error import WasmtimeError
from ._repr import count, in_store
from ._storelike import Storelike
from ._trap import check
from ._types import TableType
from ._value import kind_of, lowered

__all__ = ["Table"]


def _index(idx: Any, what: str) -> int:
    if not isinstance(idx, int):
        raise TypeError(f"expected an integer {what}")
    return idx


class Table(StoreOwned):
    """A table owned by one Store; every method takes that Store (or a Caller /
    StoreContext of it) and raises WasmtimeError for any other."""

    _c_type = "wasmtime_table_t *"
    _union_field = "table"
    _extern_kind = lib.WASMTIME_EXTERN_TABLE
    _kind: Optional[int] = None  # wasmtime_valkind_t of the elements, once known

    def __init__(self, store: Storelike, ty: TableType, init: Any) -> None:
        if not isinstance(ty, TableType):
            raise TypeError("expected a TableType")
        kind = kind_of(ty.element)
        ty_ptr = ty.ptr()
        s = _native.store_of(store)
        out = ffi.new("wasmtime_table_t *")
        with lowered(s, kind, init) as c_init:  # the context last: lowering may run code
            check(s._call(lib.wasmtime_table_new, ty_ptr, c_init, out))
        self._adopt(s, out)
        self._kind = kind

    def _element_kind(self, s: _native.Store) -> int:
        kind = self._kind
        if kind is None:
            kind = self._kind = kind_of(self.type(s).element)
        return kind

    def type(self, store: Storelike) -> TableType:
        """This table's TableType."""
        s = _native.check_owner(self._owner, store)
        result: TableType = TableType._from_ptr(s._call(lib.wasmtime_table_type, self._handle), None)
        return result

    def __repr__(self) -> str:
        return in_store(self, self._owner,
                        lambda s: f"{count(self.size(s), 'element')}, {self.type(s)!r}")

    def size(self, store: Storelike) -> int:
        """The number of elements."""
        s = _native.check_owner(self._owner, store)
        return int(s._call(lib.wasmtime_table_size, self._handle))

    def grow(self, store: Storelike, amt: int, init: Any) -> int:
        """Add ``amt`` elements set to ``init``; returns the previous size.
        WasmtimeError if the table cannot grow that much."""
        s = _native.check_owner(self._owner, store)
        with lowered(s, self._element_kind(s), init) as c_init:
            amt = _index(amt, "amount")
            if amt < 0:
                raise WasmtimeError("cannot grow by negative amount")
            if amt >= 1 << 64:
                raise WasmtimeError("failed to grow table: amount too large")
            prev = ffi.new("uint64_t *")
            check(s._call(lib.wasmtime_table_grow, self._handle, amt, c_init, prev))
        return int(prev[0])

    def get(self, store: Storelike, idx: int) -> Optional[Any]:
        """The element at ``idx``: a Func, the externref's object, a null ``Val`` for a
        null reference (it compares equal to None), or None if ``idx`` is out of bounds."""
        s = _native.check_owner(self._owner, store)
        idx = _index(idx, "index")
        if self._kind is None:
            self._element_kind(s)  # TypeError for a type Wasmtime cannot read (a continuation aborts it)
        if idx < 0 or idx >= 1 << 64:
            return None
        return _native.table_get(s, self._address, idx)

    def set(self, store: Storelike, idx: int, val: Any) -> None:
        """Set the element at ``idx`` to ``val`` (a Func or None for funcref tables,
        any object for externref tables); WasmtimeError if ``idx`` is out of bounds."""
        s = _native.check_owner(self._owner, store)
        idx = _index(idx, "index")
        with lowered(s, self._element_kind(s), val) as c_val:
            if idx < 0 or idx >= 1 << 64:
                raise WasmtimeError("table index out of bounds")
            check(s._call(lib.wasmtime_table_set, self._handle, idx, c_val))
