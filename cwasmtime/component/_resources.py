"""Resources: ``ResourceType`` (a resource's type), ``ResourceAny`` (any resource
handle a component call produced or consumed) and ``ResourceHost`` (a host-defined
resource: an own/borrow flag, a u32 representation and a u32 type id)."""
from __future__ import annotations

from typing import Any, Self

from .. import _native
from .._capi import ffi, lib
from .._error import WasmtimeError
from .._managed import Managed
from .._storelike import Storelike
from .._trap import check

__all__ = ["ResourceType", "ResourceAny", "ResourceHost"]

_ANY_PP = ffi.typeof("wasmtime_component_resource_any_t **")
_HOST_PP = ffi.typeof("wasmtime_component_resource_host_t **")
_U32_MAX = 0xFFFFFFFF


def _u32(value: int, what: str) -> int:
    if not isinstance(value, int) or not 0 <= value <= _U32_MAX:
        raise ValueError(f"{what} must be an int in [0, 2**32)")
    return value


class _Handle(Managed[Any]):
    """Shared construction: these objects come only from Wasmtime or a factory."""

    def __init__(self) -> None:
        raise WasmtimeError(f"Cannot directly construct a `{type(self).__name__}`")

    @classmethod
    def _from_ptr(cls, ptr: Any) -> Self:
        if ptr == ffi.NULL:
            raise WasmtimeError(f"NULL pointer for {cls.__name__}")
        obj = cls.__new__(cls)
        obj._set_ptr(ptr)
        return obj


class ResourceType(_Handle):
    """The type of a resource; ``ResourceType.host(n)`` is the host resource type ``n``."""

    def _delete(self, ptr: Any) -> None:
        lib.wasmtime_component_resource_type_delete(ptr)

    @classmethod
    def host(cls, val: int) -> "ResourceType":
        """The type of host resources whose type id is ``val`` (a u32)."""
        return cls._from_ptr(lib.wasmtime_component_resource_type_new_host(_u32(val, "type id")))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ResourceType):
            return False
        return bool(lib.wasmtime_component_resource_type_equal(self.ptr(), other.ptr()))

    __hash__ = None  # type: ignore[assignment]


class ResourceAny(_Handle):
    """A resource handle (own or borrow) of any resource type, guest- or host-defined.
    It belongs to the Store it came from: using it with another raises ``WasmtimeError``."""

    _store: Any = None  # the Store it belongs to (None: not known, as for convert_from_c)

    def _delete(self, ptr: Any) -> None:
        lib.wasmtime_component_resource_any_delete(ptr)

    @classmethod
    def _from_ptr(cls, ptr: Any, store: Any = None) -> Self:
        resource = super()._from_ptr(ptr)
        resource._store = store
        return resource

    def _store_for(self, store: Storelike) -> Any:
        """``store``, once it is known to be this handle's Store. A handle is an index
        into its Store's table: in another Store, Wasmtime may take it for an entry of
        another kind there and abort the process."""
        if self._store is None:
            raise WasmtimeError("this ResourceAny's Store is unknown (it was lifted by "
                                "convert_from_c without a store): it cannot be used")
        return _native.check_owner(self._store, store)

    @property
    def type(self) -> ResourceType:
        """The resource's type."""
        return ResourceType._from_ptr(lib.wasmtime_component_resource_any_type(self.ptr()))

    @property
    def owned(self) -> bool:
        """Whether this is an ``own`` handle (else a ``borrow``)."""
        return bool(lib.wasmtime_component_resource_any_owned(self.ptr()))

    def _repr(self) -> str:
        return f"<ResourceAny {'own' if self.owned else 'borrow'}>"

    def drop(self, store: Storelike) -> None:
        """Drop the resource now, running its destructor (guest code, or the host's)."""
        ptr = self.ptr()
        s = self._store_for(store)
        with s._running_wasm() as ctx:
            error = lib.wasmtime_component_resource_any_drop(ctx, ptr)
        if error != ffi.NULL:  # a host destructor's exception comes back as itself
            raise s._failure(error, ffi.NULL)

    def to_host(self, store: Storelike) -> "ResourceHost":
        """This handle as a ``ResourceHost``; ``WasmtimeError`` if it is not a host resource."""
        s = self._store_for(store)
        out = ffi.new(_HOST_PP)
        check(s._call(lib.wasmtime_component_resource_any_to_host, self.ptr(), out))
        return ResourceHost._from_ptr(out[0])


class ResourceHost(_Handle):
    """A host-defined resource: ``ResourceHost.own(rep, ty)`` / ``borrow(rep, ty)``."""

    def _delete(self, ptr: Any) -> None:
        lib.wasmtime_component_resource_host_delete(ptr)

    @classmethod
    def own(cls, rep: int, ty: int) -> "ResourceHost":
        """An owned handle to representation ``rep`` of host resource type ``ty``."""
        return cls._from_ptr(lib.wasmtime_component_resource_host_new(
            True, _u32(rep, "rep"), _u32(ty, "type id")))

    @classmethod
    def borrow(cls, rep: int, ty: int) -> "ResourceHost":
        """A borrowed handle to representation ``rep`` of host resource type ``ty``."""
        return cls._from_ptr(lib.wasmtime_component_resource_host_new(
            False, _u32(rep, "rep"), _u32(ty, "type id")))

    @property
    def rep(self) -> int:
        """The representation (a u32 the host chose)."""
        return int(lib.wasmtime_component_resource_host_rep(self.ptr()))

    @property
    def type(self) -> int:
        """The host resource type id."""
        return int(lib.wasmtime_component_resource_host_type(self.ptr()))

    @property
    def owned(self) -> bool:
        """Whether this is an ``own`` handle (else a ``borrow``)."""
        return bool(lib.wasmtime_component_resource_host_owned(self.ptr()))

    def _repr(self) -> str:
        return f"<ResourceHost {'own' if self.owned else 'borrow'} rep={self.rep} type={self.type}>"

    def to_any(self, store: Storelike) -> ResourceAny:
        """This handle as a ``ResourceAny`` of ``store``."""
        s = _native.store_of(store)
        out = ffi.new(_ANY_PP)
        check(s._call(lib.wasmtime_component_resource_host_to_any, self.ptr(), out))
        return ResourceAny._from_ptr(out[0], s)
