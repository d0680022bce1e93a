"""``Instance`` (an instantiated module living in a Store) and its exports mapping."""
from __future__ import annotations

from typing import Any, Dict, Optional, Sequence, Tuple

from cmabi._errors import refuse_copy

from . import _native
from ._capi import ffi, lib
from ._extern import AsExtern, wrap_extern
from ._module import Module
from ._repr import describe_type, in_store, listing
from ._storelike import Storelike

__all__ = ["Instance", "InstanceExports"]

_NULL = ffi.NULL

# Store -> its Wasmtime store id (the ``store_id`` every item handle carries).
_INSTANCE_P = ffi.typeof("wasmtime_instance_t *")


def store_id(store: _native.Store) -> int:
    """Wasmtime's id for ``store``, learned once per Store (from the first instance
    created in it, or else from a throwaway host function)."""
    if store._id is None:
        from ._types import FuncType
        probe = _native.Func(store, FuncType([], []), _noop)
        store._id = int(probe._as_extern().of.func.store_id)
    return int(store._id)


def _noop() -> None:
    return None


def module_arg(module: Any) -> Module:
    """``module``, checked to be a Module (AttributeError otherwise, as wasmtime-py raises
    when it calls ``module.ptr()``): its pointer goes to Wasmtime as is."""
    if not isinstance(module, Module):
        raise AttributeError(f"expected a Module, got {type(module).__name__} "
                             f"(it has no attribute 'ptr')")
    return module


def extern_store_id(extern: Any) -> Optional[int]:
    """The store id inside a ``wasmtime_extern_t*``; None for store-independent items."""
    if extern.kind == lib.WASMTIME_EXTERN_SHAREDMEMORY:
        return None
    # Every store-bound handle in the union starts with its uint64 store_id.
    return int(extern.of.func.store_id)


class Instance:
    """A module instantiated in a Store with its imports; see ``exports``."""

    # Slots for speed; __dict__/__weakref__ kept so it behaves like any Python object.
    __slots__ = ("_handle", "_owner", "_exports", "__dict__", "__weakref__")

    _handle: Tuple[int, int]  # the wasmtime_instance_t: (store_id, index)
    _owner: _native.Store
    _exports: Optional["InstanceExports"]

    __reduce__ = refuse_copy  # a handle into its Store: no copies, no pickles

    def __init__(self, store: Storelike, module: Module, imports: Sequence[AsExtern]) -> None:
        s = self._owner = _native.store_of(store)
        self._handle = _native.instantiate(s, module_arg(module), imports)
        self._exports = None

    def _init(self, store: _native.Store, handle: Tuple[int, int]) -> None:
        self._handle = handle
        self._owner = store
        self._exports = None

    @classmethod
    def _from_handle(cls, store: _native.Store, handle: Tuple[int, int]) -> "Instance":
        """Wrap the ``(store_id, index)`` of an instance created in ``store``."""
        obj: Instance = cls.__new__(cls)
        obj._init(store, handle)
        return obj

    @property
    def _instance(self) -> Any:
        """A new ``wasmtime_instance_t*`` (CFFI) for C calls that take this instance."""
        return ffi.new(_INSTANCE_P, self._handle)

    def exports(self, store: Storelike) -> "InstanceExports":
        """The exports, indexable by name (and by position via ``by_index``). Built once
        per instance: later calls return the same object holding the same items."""
        s = _native.check_owner(self._owner, store)
        exports = self._exports
        if exports is None:
            exports = self._exports = InstanceExports(s, self)
        return exports

    def __repr__(self) -> str:
        return in_store(self, self._owner, self._details)

    def _details(self, store: _native.Store) -> str:
        from ._sharedmemory import SharedMemory
        exports = self.exports(store)
        types = ((name, item.type() if isinstance(item, SharedMemory) else item.type(store))
                 for name, item in exports.items())
        return f"exports {listing(((n, describe_type(t)) for n, t in types), len(exports))}"


def _read_only(self: Any, *args: Any, **kwargs: Any) -> Any:
    raise TypeError("instance exports are read-only")


class InstanceExports(Dict[str, AsExtern]):
    """A read-only mapping from export name to item, in export order. (A ``dict``
    subclass so that ``exports["name"]`` is a plain C-level dict lookup.)"""

    __slots__ = ("_by_index",)

    _by_index: Tuple[AsExtern, ...]

    __reduce__ = refuse_copy  # items of one Store: no copies, no pickles

    def __init__(self, store: _native.Store, instance: Instance) -> None:
        by_name: Dict[str, AsExtern] = {}
        items = []
        handle = instance._instance
        name = ffi.new("char **")
        name_len = ffi.new("size_t *")
        extern = ffi.new("wasmtime_extern_t *")
        i = 0
        # The Store is busy throughout: wrapping an export runs Python code, which can
        # then neither close it nor use it from another thread.
        with store._entered() as ctx:
            while lib.wasmtime_instance_export_nth(ctx, handle, i, name, name_len, extern):
                item = wrap_extern(store, extern)
                key = ffi.unpack(name[0], name_len[0]).decode("utf-8")
                items.append(item)
                by_name[key] = item
                extern = ffi.new("wasmtime_extern_t *")
                i += 1
        dict.__init__(self, by_name)
        self._by_index = tuple(items)

    @property
    def by_index(self) -> Sequence[AsExtern]:
        """The exported items in export order."""
        return self._by_index

    def __missing__(self, key: Any) -> AsExtern:
        # `exports[i]` with an int is the i-th export, as in ``by_index``.
        if type(key) is int:
            return self._by_index[key]
        raise KeyError(key)

    def __repr__(self) -> str:
        return f"InstanceExports({dict.__repr__(self)})"

    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only
