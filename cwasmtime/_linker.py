"""``Linker``: resolves module imports by name and instantiates modules."""
from __future__ import annotations

import weakref
from typing import Any, Callable, Dict, List, Tuple

from . import _native
from ._capi import ffi, lib
from ._engine import Engine
from ._error import WasmtimeError
from ._extern import AsExtern, wrap_extern
from ._instance import Instance, extern_store_id, module_arg, store_id
from ._instance_pre import InstancePre
from ._managed import Managed, lent
from ._module import Module
from ._storelike import Storelike
from ._trap import check
from ._types import FuncType, MemoryType, TableType
from ._wasi import WASI_MODULES, require_wasi_context

__all__ = ["Linker"]

_NULL = ffi.NULL
_MEMORY_OR_TABLE = (lib.WASMTIME_EXTERN_MEMORY, lib.WASMTIME_EXTERN_TABLE)


class Linker(Managed[Any]):
    """Named definitions (``module``/``name`` pairs) used to satisfy imports.

    Items defined from a Store (``define``, ``define_instance``, ...) only work with
    that Store; ``define_func`` and ``define_wasi`` work with every Store of ``engine``."""

    engine: Engine

    def __init__(self, engine: Engine) -> None:
        with lent(engine) as engine_ptr:
            self._set_ptr(lib.wasmtime_linker_new(engine_ptr))
        self.engine = engine
        self._defines_wasi = False
        # (module, name) of each Memory or Table definition -> its Store (weakly):
        # instantiating a module that imports one into another Store aborts Wasmtime.
        self._store_items: Dict[Tuple[str, str], "weakref.ref[_native.Store]"] = {}
        # The envs of its host functions: the C side borrows them; this list keeps
        # them, shared with every Store (and InstancePre) that may call them.
        self._hosts: List[Any] = []

    def _delete(self, ptr: Any) -> None:
        lib.wasmtime_linker_delete(ptr)

    def _repr(self) -> str:
        # What it defines cannot be listed: Wasmtime's C API has no way to.
        return "<Linker with WASI>" if self._defines_wasi else "<Linker>"

    def _set_allow_shadowing(self, allow: bool) -> None:
        lib.wasmtime_linker_allow_shadowing(self.ptr(), bool(allow))

    allow_shadowing = property(
        fset=_set_allow_shadowing,
        doc="Whether a later definition may replace an earlier one with the same name "
            "(default False: redefining raises WasmtimeError). Write-only.")

    def _store_of(self, store: Storelike) -> _native.Store:
        """The Store behind ``store``, which must belong to this linker's engine (Wasmtime
        aborts on a Store of another engine)."""
        s = _native.store_of(store)
        if s.engine is not self.engine:
            raise WasmtimeError("this Store belongs to another Engine than the Linker")
        return s

    def _defined(self, store: _native.Store, module: str, name: str, store_item: bool) -> None:
        """Record a definition from ``store`` as ``module``/``name``: ``store_item`` if it
        is a Memory or Table."""
        if store_item:
            self._store_items[module, name] = weakref.ref(store)
        else:
            self._store_items.pop((module, name), None)

    def _check_imports(self, store: _native.Store, module: Module) -> None:
        """Refuse to link ``module`` into ``store`` when Wasmtime would abort: a Memory or
        Table it imports was defined from another Store, or it imports WASI and the Store
        has no WASI context."""
        items = self._store_items
        if any(ref() is not store for ref in items.values()):
            for imp in module.imports:
                ref = items.get((imp.module, imp.name or ""))
                if ref is not None and ref() is not store:
                    raise WasmtimeError(
                        f"cannot instantiate into this Store: the linker's {imp.module}.{imp.name} "
                        f"is a Memory or Table of another Store")
        if self._defines_wasi:
            require_wasi_context(store, module)

    def define(self, store: Storelike, module: str, name: str, item: AsExtern) -> None:
        """Define ``item`` (from ``store``) as ``module``/``name``."""
        module_b = module.encode("utf-8")
        name_b = name.encode("utf-8")
        s = _native.store_of(store)
        extern = _native.extern_for(s, item)  # last: it borrows a SharedMemory's handle
        with s._entered() as ctx:
            check(lib.wasmtime_linker_define(self.ptr(), ctx, module_b, len(module_b),
                                             name_b, len(name_b), extern))
        self._defined(s, module, name, extern.kind in _MEMORY_OR_TABLE)

    def define_func(self, module: str, name: str, ty: FuncType, func: Callable[..., Any],
                    access_caller: bool = False) -> None:
        """Define a host function as ``module``/``name`` without a Store, so this linker
        can instantiate into any Store. ``func`` is called as for ``Func``."""
        module_b = module.encode("utf-8")
        name_b = name.encode("utf-8")
        if not isinstance(ty, FuncType):
            raise TypeError("expected a FuncType")
        ty_ptr = ty._ptr_for(self.engine)
        check(_native.linker_define_func(self.ptr(), module_b, name_b, ty_ptr, func,
                                         bool(access_caller), self._hosts))
        self._store_items.pop((module, name), None)

    def define_instance(self, store: Storelike, name: str, instance: Instance) -> None:
        """Define every export of ``instance`` under module name ``name``."""
        if not isinstance(instance, Instance):
            raise TypeError("expected an `Instance`")
        name_b = name.encode("utf-8")
        s = _native.store_of(store)
        _native.check_owner(instance._owner, s)
        handle = instance._instance
        with s._entered() as ctx:
            check(lib.wasmtime_linker_define_instance(self.ptr(), ctx, name_b, len(name_b), handle))
        for export, item in instance.exports(s).items():
            self._defined(s, name, export, item._as_extern().kind in _MEMORY_OR_TABLE)

    def define_wasi(self) -> None:
        """Define the WASI preview1 functions (the Store needs ``set_wasi``)."""
        check(lib.wasmtime_linker_define_wasi(self.ptr()))
        self._defines_wasi = True

    def define_module(self, store: Storelike, name: str, module: Module) -> None:
        """Define ``module``'s exports under ``name``, instantiated automatically the way
        WASI commands and reactors expect."""
        if not isinstance(module, Module):
            raise TypeError("expected a `Module`")
        name_b = name.encode("utf-8")
        s = self._store_of(store)
        self._check_imports(s, module)  # a reactor is instantiated now
        s._keep_linked(self._hosts)
        with s._running_wasm() as ctx:
            error = lib.wasmtime_linker_module(self.ptr(), ctx, name_b, len(name_b), module.ptr())
        if error != _NULL:  # a reactor's initialization may have run host code
            raise s._failure(error, _NULL)
        for export in module.exports:  # a reactor's memories and tables are now in `s`
            self._defined(s, name, export.name, isinstance(export.type, (MemoryType, TableType)))

    def instantiate(self, store: Storelike, module: Module) -> Instance:
        """Instantiate ``module`` in ``store`` with this linker's definitions; raises
        WasmtimeError for a missing/mismatched import and Trap if the start traps."""
        s = _native.store_of(store)
        self._check_imports(s, module_arg(module))
        return Instance._from_handle(
            s, _native.linker_instantiate(s, self.ptr(), module.ptr(), self._hosts))

    def instantiate_pre(self, module: Module) -> InstancePre:
        """Resolve ``module``'s imports now; raises WasmtimeError if one is missing."""
        if not isinstance(module, Module):
            raise TypeError("expected a `Module`")
        out = ffi.new("wasmtime_instance_pre_t **")
        check(lib.wasmtime_linker_instantiate_pre(self.ptr(), module.ptr(), out))
        return InstancePre._from_ptr(out[0], self.engine, self._hosts,
                                     needs_wasi=self._defines_wasi)

    def get_default(self, store: Storelike, name: str) -> _native.Func:
        """The default export of module ``name`` (a no-op function if none)."""
        name_b = name.encode("utf-8")
        s = self._store_of(store)
        s._keep_linked(self._hosts)
        extern = ffi.new("wasmtime_extern_t *")
        extern.kind = lib.WASMTIME_EXTERN_FUNC
        with s._entered() as ctx:
            error = lib.wasmtime_linker_get_default(self.ptr(), ctx, name_b, len(name_b),
                                                    ffi.addressof(extern.of, "func"))
        if error != _NULL:
            raise s._failure(error, _NULL)
        _check_from(s, extern)
        func: _native.Func = _native.Func._from_extern(s, extern)
        return func

    def get(self, store: Storelike, module: str, name: str) -> AsExtern:
        """The item defined as ``module``/``name``; WasmtimeError if there is none."""
        module_b = module.encode("utf-8")
        name_b = name.encode("utf-8")
        s = self._store_of(store)
        if self._defines_wasi and module in WASI_MODULES and not s._has_wasi:
            # Wasmtime would abort the process at the function's first call.
            raise WasmtimeError(f"{module}.{name} is a WASI function but the Store has no WASI "
                                f"context; call store.set_wasi(WasiConfig()) first")
        s._keep_linked(self._hosts)
        extern = ffi.new("wasmtime_extern_t *")
        with s._entered() as ctx:
            found = lib.wasmtime_linker_get(self.ptr(), ctx, module_b, len(module_b),
                                            name_b, len(name_b), extern)
        if not found:
            raise WasmtimeError("item not defined in linker")
        _check_from(s, extern)
        return wrap_extern(s, extern)

    def define_unknown_imports_as_traps(self, module: Module) -> None:
        """Define each of ``module``'s still-undefined function imports as a function
        that traps when called."""
        self._check_module(module)
        check(lib.wasmtime_linker_define_unknown_imports_as_traps(self.ptr(), module.ptr()))

    def define_unknown_imports_as_default_values(self, store: Storelike, module: Module) -> None:
        """Define each of ``module``'s still-undefined imports as a default value (zero,
        null) created in ``store``; functions return default results."""
        self._check_module(module)
        s = self._store_of(store)
        with s._entered() as ctx:
            check(lib.wasmtime_linker_define_unknown_imports_as_default_values(
                self.ptr(), ctx, module.ptr()))
        for imp in module.imports:  # the memories and tables made in `s`
            key = (imp.module, imp.name or "")
            if key not in self._store_items and isinstance(imp.type, (MemoryType, TableType)):
                self._store_items[key] = weakref.ref(s)

    def _check_module(self, module: Module) -> None:
        if not isinstance(module, Module):
            raise TypeError("expected a `Module`")
        if module._engine is not self.engine:
            raise WasmtimeError("this Module was compiled for another Engine than the Linker's")


def _check_from(store: _native.Store, extern: Any) -> None:
    """WasmtimeError if a linker item was defined in another Store (using it with
    ``store`` would abort the process inside Wasmtime)."""
    item_store = extern_store_id(extern)
    if item_store is not None and item_store != store_id(store):
        raise WasmtimeError("linker item was defined in a different Store than the one given")
