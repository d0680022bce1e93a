"""``Tag``: an exception tag (wasm exception-handling proposal) living in a Store."""
from __future__ import annotations

from typing import Any

from . import _native
from ._capi import ffi, lib
from ._storelike import Storelike
from ._trap import check
from ._types import TagType
from ._value import owner_store, use_store

__all__ = ["Tag"]


class Tag:
    """A tag owned by one Store: identifies an exception type and its payload
    signature. Methods raise WasmtimeError when given another Store."""

    _tag: Any  # wasmtime_tag_t* (CFFI, our own copy of the handle)
    _owner: _native.Store

    def __init__(self, store: Storelike, ty: TagType) -> None:
        if not isinstance(ty, TagType):
            raise TypeError("expected a TagType")
        s = owner_store(store)
        out = ffi.new("wasmtime_tag_t *")
        check(lib.wasmtime_tag_new(s._context(), ty.ptr(), out))
        self._tag = out
        self._owner = s

    @classmethod
    def _from_extern(cls, store: _native.Store, extern: Any) -> "Tag":
        """The tag in a ``wasmtime_extern_t*`` of kind tag (copied out)."""
        obj = cls.__new__(cls)
        obj._tag = ffi.new("wasmtime_tag_t *", extern.of.tag)
        obj._owner = store
        return obj

    def _as_extern(self) -> Any:
        """A new ``wasmtime_extern_t*`` holding this tag."""
        extern = ffi.new("wasmtime_extern_t *")
        extern.kind = _native.EXTERN_TAG
        extern.of.tag = self._tag[0]
        return extern

    def type(self, store: Storelike) -> TagType:
        """This tag's TagType."""
        s = use_store(self._owner, store)
        result: TagType = TagType._from_ptr(lib.wasmtime_tag_type(s._context(), self._tag), None)
        return result

    def eq(self, store: Storelike, other: "Tag") -> bool:
        """Whether ``other`` is the very same tag definition as this one (both must
        belong to ``store``)."""
        if not isinstance(other, Tag):
            raise TypeError("expected a Tag")
        s = use_store(self._owner, store)
        use_store(other._owner, s)
        return bool(lib.wasmtime_tag_eq(s._context(), self._tag, other._tag))
