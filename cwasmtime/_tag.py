"""``Tag``: an exception tag (wasm exception-handling proposal) living in a Store."""
from __future__ import annotations


from . import _native
from ._capi import ffi, lib
from ._extern import StoreOwned
from ._repr import in_store
from ._storelike import Storelike
from ._trap import check
from ._types import TagType

__all__ = ["Tag"]


class Tag(StoreOwned):
    """A tag owned by one Store: identifies an exception type and its payload
    signature. Methods raise WasmtimeError when given another Store."""

    _c_type = "wasmtime_tag_t *"
    _union_field = "tag"
    _extern_kind = lib.WASMTIME_EXTERN_TAG

    def __init__(self, store: Storelike, ty: TagType) -> None:
        if not isinstance(ty, TagType):
            raise TypeError("expected a TagType")
        ty_ptr = ty.ptr()
        s = _native.store_of(store)
        out = ffi.new("wasmtime_tag_t *")
        check(s._call(lib.wasmtime_tag_new, ty_ptr, out))
        self._adopt(s, out)

    def type(self, store: Storelike) -> TagType:
        """This tag's TagType."""
        s = _native.check_owner(self._owner, store)
        result: TagType = TagType._from_ptr(s._call(lib.wasmtime_tag_type, self._handle), None)
        return result

    def __repr__(self) -> str:
        return in_store(self, self._owner, lambda s: repr(self.type(s)))

    def eq(self, store: Storelike, other: "Tag") -> bool:
        """Whether ``other`` is the very same tag definition as this one (both must
        belong to ``store``)."""
        if not isinstance(other, Tag):
            raise TypeError("expected a Tag")
        s = _native.check_owner(self._owner, store)
        _native.check_owner(other._owner, s)
        return bool(s._call(lib.wasmtime_tag_eq, self._handle, other._handle))
