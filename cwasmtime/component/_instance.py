"""``Instance``: an instantiated component, owned by the Store it was created in."""
from __future__ import annotations

from typing import Any, Optional, Union

from cmabi._errors import refuse_copy

from .. import _native
from .._capi import ffi, lib
from .._error import WasmtimeError
from .._repr import in_store
from .._storelike import Storelike
from ._component import ExportIndex, export_index_arg

__all__ = ["Instance"]

_FUNC_P = ffi.typeof("wasmtime_component_func_t *")


class Instance:
    """A component instance (from ``Linker.instantiate``). Usable only with its Store:
    another Store raises ``WasmtimeError``, a closed one ``ValueError``."""

    __slots__ = ("_store", "_instance")
    _store: _native.Store
    _instance: Any  # wasmtime_component_instance_t * (CFFI)

    __reduce__ = refuse_copy  # a handle into its Store: no copies, no pickles

    def __init__(self) -> None:
        raise WasmtimeError("Cannot directly construct an `Instance`")

    @classmethod
    def _from_raw(cls, store: _native.Store, instance: Any) -> "Instance":
        obj: Instance = cls.__new__(cls)
        obj._store = store
        obj._instance = instance
        return obj

    _repr_name = "component.Instance"

    def __repr__(self) -> str:
        # Its exports cannot be listed: Wasmtime's C API looks them up by name only.
        return in_store(self, self._store, lambda s: "")

    def get_export_index(self, store: Storelike, name: str,
                         instance: Optional[ExportIndex] = None) -> Optional[ExportIndex]:
        """The index of export ``name`` (inside the exported instance ``instance``, if
        given), or None if there is none."""
        s = _native.check_owner(self._store, store)
        name_b = name.encode("utf-8")
        parent = export_index_arg(instance)
        with s._entered() as ctx:
            ptr = lib.wasmtime_component_instance_get_export_index(self._instance, ctx, parent,
                                                                   name_b, len(name_b))
        return None if ptr == ffi.NULL else ExportIndex._from_ptr(ptr)

    def get_func(self, store: Storelike, index: Union[ExportIndex, str]) -> Optional[_native.ComponentFunc]:
        """The exported function at ``index`` (an ``ExportIndex`` or a top-level export
        name), or None if that export is missing or not a function."""
        s = _native.check_owner(self._store, store)
        if isinstance(index, str):
            found = self.get_export_index(s, index)
            if found is None:
                return None
            index = found
        elif not isinstance(index, ExportIndex):
            raise TypeError(f"expected an ExportIndex or a name, got {type(index).__name__}")
        func = ffi.new(_FUNC_P)
        with s._entered() as ctx:
            found = lib.wasmtime_component_instance_get_func(self._instance, ctx, index.ptr(), func)
        if not found:
            return None
        return _native.ComponentFunc._wrap(s, int(ffi.cast("uintptr_t", func)))
