"""``InstancePre``: a module whose imports a Linker already resolved, ready to be
instantiated cheaply (and repeatedly) in any Store of its engine."""
from __future__ import annotations

from typing import Any, Awaitable, List

from ._capi import ffi, lib
from . import _native
from ._engine import Engine
from ._instance import Instance
from ._managed import Managed
from ._module import Module
from ._storelike import Storelike
from ._wasi import require_wasi_context

__all__ = ["InstancePre"]

_NULL = ffi.NULL


class InstancePre(Managed[Any]):
    """Made by ``Linker.instantiate_pre``; ``instantiate`` skips import resolution."""

    _engine: Engine
    _needs_wasi = False
    _needs_async = False  # it imports async host functions (Stores then need call_async)
    _hosts: List[Any]  # its linker's host envs, which its C object and stores may call

    def _delete(self, ptr: Any) -> None:
        lib.wasmtime_instance_pre_delete(ptr)

    @classmethod
    def _from_ptr(cls, ptr: Any, engine: Engine, hosts: List[Any],
                  needs_wasi: bool = False, needs_async: bool = False) -> "InstancePre":
        """Take ownership of a ``wasmtime_instance_pre_t*`` made by a linker of ``engine``
        whose host envs are ``hosts``; ``needs_wasi`` when that linker defines WASI (stores
        must then have a WASI context)."""
        if ptr == _NULL:
            raise ValueError("NULL wasmtime_instance_pre_t pointer")
        pre: InstancePre = cls.__new__(cls)
        pre._set_ptr(ptr)
        pre._engine = engine
        pre._hosts = hosts
        pre._needs_wasi = needs_wasi
        pre._needs_async = needs_async
        return pre

    def instantiate(self, store: Storelike) -> Instance:
        """A new instance in ``store``; raises WasmtimeError on failure and Trap if the
        start function traps (or the host exception that made it fail)."""
        s = self._prepare(_native.store_of(store))
        return Instance._from_handle(s, _native.instantiate_pre(s, self.ptr(), self._hosts))

    def instantiate_async(self, store: Storelike) -> Awaitable[Instance]:
        """``await instance_pre.instantiate_async(store)``: as ``instantiate``, driven by
        the event loop (a start function may await async host functions)."""
        s = self._prepare(_native.store_of_async(store))
        return _native.instantiate_async(s, None, None, self, self._hosts,
                                         lambda handle: Instance._from_handle(s, handle))

    def _prepare(self, s: _native.Store) -> _native.Store:
        """``s``, checked (its WASI context) and marked (async) for an instance of this."""
        if self._needs_wasi:
            require_wasi_context(s, self.module)
        if self._needs_async:
            _native.mark_async(s)
        return s

    def _repr(self) -> str:
        return f"<InstancePre of Module {self.module._contents()}>"

    @property
    def module(self) -> Module:
        """The Module this was created from."""
        return Module._from_ptr(lib.wasmtime_instance_pre_module(self.ptr()), self._engine)
