"""The component ``Linker`` and its ``LinkerInstance`` namespaces.

Wasmtime lends a linker (or linker instance) exclusively to the namespace opened from
it, until that namespace is closed: meanwhile the parent is *locked* and any use of it
raises ``WasmtimeError``. Use namespaces in ``with`` blocks."""
from __future__ import annotations

from typing import Any, Awaitable, Callable, List, Optional, Set, Tuple, Union

from .. import _native
from .._capi import ffi, lib
from .._engine import Engine
from .._error import WasmtimeError
from .._managed import Managed, lent
from .._module import Module
from .._storelike import Storelike
from .._trap import check
from ._component import Component, unversioned
from ._instance import Instance
from ._resources import ResourceType

__all__ = ["Linker", "LinkerInstance"]

_LINKER_INSTANCE_PP = ffi.typeof("wasmtime_component_linker_instance_t **")
_FUNC_CALLBACK, _DTOR_CALLBACK = (
    ffi.cast(c_type, address) for c_type, address in zip(
        ("wasmtime_component_func_callback_t", "wasmtime_component_resource_destructor_t"),
        _native._component_callbacks()))
_ASYNC_FUNC_CALLBACK = ffi.cast("wasmtime_component_func_async_callback_t",
                                _native.component_async_callback())

HostFunc = Callable[..., Any]
ResourceDtor = Callable[[Any, int], None]


class _Lockable(Managed[Any]):
    locked: bool = False
    # The envs of the linker's host functions and destructors (shared by its
    # namespaces): the C side borrows them; this list keeps them, and so does every
    # Store that instantiates from the linker (it may call them).
    _hosts: List[Any]

    def _assert_not_locked(self) -> None:
        if self.locked:
            raise WasmtimeError(f"cannot use this {type(self).__name__} while a LinkerInstance "
                                "opened from it is alive; close that one first")

    def close(self) -> None:
        self._assert_not_locked()
        super().close()

    def __del__(self) -> None:
        # In a garbage cycle the GC may finalize this before the namespace opened from
        # it (which holds it): that one closes this when it closes.
        if self.locked:
            self._close_when_unlocked = True
        else:
            super().__del__()

    _close_when_unlocked = False


class Linker(_Lockable):
    """Defines what components import (host functions, resources, modules, WASI) and
    instantiates components."""

    def __init__(self, engine: Engine) -> None:
        if not isinstance(engine, Engine):
            raise TypeError("expected an Engine")
        with lent(engine) as engine_ptr:
            self._set_ptr(lib.wasmtime_component_linker_new(engine_ptr))
        self._hosts = []
        self.engine = engine
        self._wasip2 = False
        self._wasi_http = False
        # Async definitions (add_func_async, add_*_async): Stores instantiated from this
        # linker run wasm through call_async only; async WASI also needs polls that
        # back off (Wasmtime's own tasks have no waker).
        self._async = False
        self._async_wasi = False
        # Where add_func defined functions: paths of unversioned instance names, then
        # the function name (as Component._async_param_imports lists imports).
        self._host_funcs: Set[Tuple[str, ...]] = set()

    def _delete(self, ptr: Any) -> None:
        lib.wasmtime_component_linker_delete(ptr)

    _repr_name = "component.Linker"

    def _repr(self) -> str:
        # What it defines cannot be listed: Wasmtime's C API has no way to.
        wasi = [name for name, on in (("WASI p2", self._wasip2), ("WASI HTTP", self._wasi_http)) if on]
        return "".join((f"<{self._repr_name}", " with " + ", ".join(wasi) if wasi else "",
                        " (locked)" if self.locked else "", ">"))

    def _set_allow_shadowing(self, allow: bool) -> None:
        self._assert_not_locked()
        lib.wasmtime_component_linker_allow_shadowing(self.ptr(), bool(allow))

    allow_shadowing = property(
        fset=_set_allow_shadowing,
        doc="Whether a later definition may replace an earlier one with the same name "
            "(default False: redefining raises WasmtimeError). Write-only.")

    def root(self) -> "LinkerInstance":
        """The root namespace; this linker is locked until it is closed."""
        self._assert_not_locked()
        return LinkerInstance._open(lib.wasmtime_component_linker_root(self.ptr()), self, self, ())

    def add_wasip2(self) -> None:
        """Define WASI preview 2 (``wasi:cli``, ``wasi:io``, ``wasi:filesystem``, ...);
        stores then need ``Store.set_wasi``."""
        self._assert_not_locked()
        check(lib.wasmtime_component_linker_add_wasip2(self.ptr()))
        self._wasip2 = True

    def add_wasip2_async(self) -> None:
        """As ``add_wasip2``, with WASI's I/O run by Wasmtime's async tasks: a component
        using it runs under ``call_async`` without blocking the event loop for its I/O
        (Stores instantiated from this linker need ``call_async``)."""
        self._assert_not_locked()
        check(lib.wasmtime_component_linker_add_wasip2_async(self.ptr()))
        self._wasip2 = True
        self._async = self._async_wasi = True

    def add_wasi_http_async(self) -> None:
        """As ``add_wasi_http``, async (see ``add_wasip2_async``)."""
        self._assert_not_locked()
        check(lib.wasmtime_component_linker_add_wasi_http_async(self.ptr()))
        self._wasi_http = True
        self._async = self._async_wasi = True

    def add_wasi_http(self) -> None:
        """Define ``wasi:http/types`` and ``wasi:http/outgoing-handler``; stores then
        need ``Store.set_wasi`` and ``Store.set_wasi_http``."""
        self._assert_not_locked()
        check(lib.wasmtime_component_linker_add_wasi_http(self.ptr()))
        self._wasi_http = True

    def define_unknown_imports_as_traps(self, component: Component) -> None:
        """Define every import of ``component`` this linker lacks as a function that
        traps when called."""
        self._assert_not_locked()
        if not isinstance(component, Component):
            raise TypeError("expected a Component")
        check(lib.wasmtime_component_linker_define_unknown_imports_as_traps(self.ptr(), component.ptr()))

    def instantiate(self, store: Storelike, component: Component) -> Instance:
        """Instantiate ``component`` in ``store`` with this linker's definitions."""
        s = self._prepare(_native.store_of, store, component)
        s._keep_linked(self._hosts)
        instance = ffi.new("wasmtime_component_instance_t *")
        with s._running_wasm() as ctx:
            error = lib.wasmtime_component_linker_instantiate(self.ptr(), ctx, component.ptr(), instance)
        if error != ffi.NULL:
            raise s._failure(error, ffi.NULL)
        return Instance._from_raw(s, instance)

    def instantiate_async(self, store: Storelike, component: Component) -> Awaitable[Instance]:
        """``await linker.instantiate_async(store, component)``: as ``instantiate``,
        driven by the event loop."""
        s = self._prepare(_native.store_of_async, store, component)
        return _native.component_instantiate_async(s, self, component, self._hosts,
                                                   lambda instance: Instance._from_raw(s, instance))

    def _prepare(self, store_of: Callable[[Storelike], _native.Store], store: Storelike,
                 component: Component) -> _native.Store:
        """The Store behind ``store`` (``store_of``), checked for an instance of
        ``component`` from this linker, and marked async if that needs ``call_async``."""
        self._assert_not_locked()
        if not isinstance(component, Component):
            raise TypeError("expected a Component")
        s = store_of(store)
        self._require_wasi_contexts(s, component)
        self._refuse_async_host_params(component)
        if self._async_wasi:
            _native.mark_async_wasi(s)
        elif self._async:
            _native.mark_async(s)
        return s

    def _refuse_async_host_params(self, component: Component) -> None:
        """Refuse a component that imports, from this linker's ``add_func`` functions,
        one taking a future, stream or error-context: Wasmtime's C API would abort the
        process converting the arguments of its first call."""
        clash = component._async_param_imports() & self._host_funcs if self._host_funcs else None
        if clash:
            raise NotImplementedError(
                f"the component imports {'/'.join(min(clash))}, which takes a future, stream or "
                "error-context: a host function cannot receive those values (Wasmtime 50's C "
                "API would abort the process)")

    def _require_wasi_contexts(self, store: _native.Store, component: Component) -> None:
        """Refuse a component that imports WASI (HTTP) from this linker into a Store
        without the matching context: Wasmtime would abort the process at the first
        such call."""
        if not self._wasip2 and not self._wasi_http:
            return
        if store._has_wasi and (store._has_wasi_http or not self._wasi_http):
            return
        names = list(component.type.imports(component._engine))
        uses_http = self._wasi_http and any(n.startswith("wasi:http/") for n in names)
        uses_wasi = uses_http or (self._wasip2 and any(n.startswith("wasi:") for n in names))
        if uses_wasi and not store._has_wasi:
            raise WasmtimeError("this component imports WASI but the Store has no WASI context; "
                                "call store.set_wasi(WasiConfig()) before instantiating it")
        if uses_http and not store._has_wasi_http:
            raise WasmtimeError("this component imports WASI HTTP but the Store has no WASI HTTP "
                                "context; call store.set_wasi_http() before instantiating it")


class LinkerInstance(_Lockable):
    """A namespace of a ``Linker`` (the root, or a nested instance): defines functions,
    resources, modules and nested instances. Its parent stays locked until it is closed."""

    parent: Optional[Union[Linker, "LinkerInstance"]]
    _linker: Linker
    _path: Tuple[str, ...]  # unversioned instance names from the root

    def __init__(self) -> None:
        raise WasmtimeError("Cannot directly construct a `LinkerInstance`")

    @classmethod
    def _open(cls, ptr: Any, parent: Union[Linker, "LinkerInstance"], linker: Linker,
              path: Tuple[str, ...]) -> "LinkerInstance":
        ns: LinkerInstance = cls.__new__(cls)
        ns._set_ptr(ptr)
        ns.parent = parent
        ns._linker = linker
        ns._path = path
        ns._hosts = parent._hosts
        parent.locked = True
        return ns

    def _delete(self, ptr: Any) -> None:
        lib.wasmtime_component_linker_instance_delete(ptr)
        parent = self.parent
        if parent is not None:
            self.parent = None
            parent.locked = False
            if parent._close_when_unlocked:
                parent.close()

    def _name(self, name: str) -> bytes:
        self._assert_not_locked()
        if not isinstance(name, str):
            raise TypeError(f"expected a str name, got {type(name).__name__}")
        return name.encode("utf-8")

    def add_instance(self, name: str) -> "LinkerInstance":
        """Open the nested namespace ``name``; this one is locked until it is closed."""
        name_b = self._name(name)
        out = ffi.new(_LINKER_INSTANCE_PP)
        check(lib.wasmtime_component_linker_instance_add_instance(self.ptr(), name_b, len(name_b), out))
        return LinkerInstance._open(out[0], self, self._linker, self._path + (unversioned(name),))

    def add_module(self, name: str, module: Module) -> None:
        """Define the core module ``module`` as ``name``."""
        name_b = self._name(name)
        if not isinstance(module, Module):
            raise TypeError("expected a Module")
        check(lib.wasmtime_component_linker_instance_add_module(self.ptr(), name_b, len(name_b),
                                                                 module.ptr()))

    def add_func(self, name: str, func: HostFunc) -> None:
        """Define ``name`` as the host function ``func(store, *params)``: it gets a
        ``StoreContext`` and the lifted parameters and returns the result (None when
        the type has none). An exception it raises comes out of the guest call as
        the same object."""
        name_b = self._name(name)
        if not callable(func):
            raise TypeError("expected a callable")
        host = _native._component_host(func)
        self._hosts.append(host)
        # id() is the object's address: the env pointer C borrows.
        check(lib.wasmtime_component_linker_instance_add_func(
            self.ptr(), name_b, len(name_b), _FUNC_CALLBACK, ffi.cast("void *", id(host)), ffi.NULL))
        self._linker._host_funcs.add(self._path + (name,))

    def add_func_async(self, name: str, func: Callable[..., Awaitable[Any]]) -> None:
        """Define ``name`` as the async host function ``func(store, *params)``, called as
        for ``add_func`` and returning an awaitable (``async def``) that is awaited while
        the guest waits. Stores instantiated from this linker then run wasm through
        ``call_async`` only. An exception raised before its first await fails the call
        like ``add_func``'s; one raised later cannot be reported to Wasmtime: the call is
        dropped (which poisons the Store's component instances) and raises it."""
        name_b = self._name(name)
        if not callable(func):
            raise TypeError("expected a callable")
        host = _native._component_host(func)
        self._hosts.append(host)
        check(lib.wasmtime_component_linker_instance_add_func_async(
            self.ptr(), name_b, len(name_b), _ASYNC_FUNC_CALLBACK, ffi.cast("void *", id(host)),
            ffi.NULL))
        self._linker._host_funcs.add(self._path + (name,))
        self._linker._async = True

    def add_resource(self, name: str, ty: ResourceType, dtor: ResourceDtor) -> None:
        """Define the resource type ``ty`` as ``name``; ``dtor(store, rep)`` runs when a
        resource of it is dropped."""
        name_b = self._name(name)
        if not isinstance(ty, ResourceType):
            raise TypeError("expected a ResourceType")
        if not callable(dtor):
            raise TypeError("expected a callable destructor")
        self._hosts.append(dtor)
        check(lib.wasmtime_component_linker_instance_add_resource(
            self.ptr(), name_b, len(name_b), ty.ptr(), _DTOR_CALLBACK, ffi.cast("void *", id(dtor)),
            ffi.NULL))
