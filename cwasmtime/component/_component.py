"""``Component`` (a compiled component, engine-level) and ``ExportIndex`` (a
pre-resolved export name)."""
from __future__ import annotations

import os
from typing import Any, Dict, FrozenSet, Iterator, Optional, Tuple, Union

from .._capi import ffi, lib
from .._engine import Engine, compiling
from .._error import WasmtimeError, read_byte_vec
from .._managed import Managed, lent
from .._module import CompiledCode, _bytes_arg
from .._repr import listing
from .._trap import check
from .._wat2wasm import _to_wasm
from ._itemtypes import ComponentExtern, ComponentInstanceType, ComponentType, FuncType, describe_item
from ._types import holds_async

__all__ = ["Component", "ExportIndex"]

_COMPONENT_PP = ffi.typeof("wasmtime_component_t **")
_BYTE_VEC_P = ffi.typeof("wasm_byte_vec_t *")


class ExportIndex(Managed[Any]):
    """An export looked up once by name (``Component.get_export_index`` or
    ``Instance.get_export_index``), for fast repeated access."""

    def __init__(self) -> None:
        raise WasmtimeError("Cannot directly construct an `ExportIndex`")

    def _delete(self, ptr: Any) -> None:
        lib.wasmtime_component_export_index_delete(ptr)

    @classmethod
    def _from_ptr(cls, ptr: Any) -> "ExportIndex":
        index: ExportIndex = cls.__new__(cls)
        index._set_ptr(ptr)
        return index


def _listing(items: Dict[str, ComponentExtern]) -> str:
    return listing(((name, describe_item(item.ty)) for name, item in items.items()), len(items))


def unversioned(name: str) -> str:
    """An instance name without its version (Wasmtime matches versions by semver)."""
    return name.partition("@")[0]


def _async_param_funcs(items: Dict[str, ComponentExtern], engine: Engine,
                       path: Tuple[str, ...]) -> Iterator[Tuple[str, ...]]:
    for name, item in items.items():
        ty = item.ty
        if isinstance(ty, FuncType):
            if any(holds_async(t) for _, t in ty.params):
                yield path + (name,)
        elif isinstance(ty, ComponentInstanceType):
            yield from _async_param_funcs(ty.exports(engine), engine, path + (unversioned(name),))


def export_index_arg(instance: Optional[ExportIndex]) -> Any:
    """The C argument for an optional parent ``ExportIndex`` (NULL: the root)."""
    if instance is None:
        return ffi.NULL
    if not isinstance(instance, ExportIndex):
        raise TypeError(f"expected an ExportIndex or None, got {type(instance).__name__}")
    return instance.ptr()


class Component(CompiledCode):
    """A component compiled for an ``Engine``, from its binary or text (WAT) form."""

    def __init__(self, engine: Engine, wasm: Union[str, bytes, bytearray]) -> None:
        if not isinstance(engine, Engine):
            raise TypeError("expected an Engine")
        binary = _to_wasm(wasm)
        out = ffi.new(_COMPONENT_PP)
        with compiling(engine) as engine_ptr:
            check(lib.wasmtime_component_new(engine_ptr, _bytes_arg(binary), len(binary), out))
        self._set_ptr(out[0])
        self._engine = engine

    def _delete(self, ptr: Any) -> None:
        lib.wasmtime_component_delete(ptr)

    _async_imports: Optional[FrozenSet[Tuple[str, ...]]] = None

    def _async_param_imports(self) -> FrozenSet[Tuple[str, ...]]:
        """The imported functions (paths of unversioned instance names, then the function
        name) that take a future, stream or error-context (see ``holds_async``)."""
        if self._async_imports is None:
            self._async_imports = frozenset(
                _async_param_funcs(self.type.imports(self._engine), self._engine, ()))
        return self._async_imports

    @classmethod
    def _from_ptr(cls, ptr: Any, engine: Engine) -> "Component":
        component: Component = cls.__new__(cls)
        component._set_ptr(ptr)
        component._engine = engine
        return component

    @classmethod
    def from_file(cls, engine: Engine, path: Union[str, bytes, "os.PathLike[Any]"]) -> "Component":
        """Compile the component (binary or text) stored in the file at ``path``."""
        with open(path, "rb") as f:
            contents = f.read()
        return cls(engine, contents)

    @classmethod
    def deserialize(cls, engine: Engine, encoded: Union[bytes, bytearray]) -> "Component":
        """Load bytes made by ``serialize`` (same Wasmtime version and engine settings)."""
        if not isinstance(engine, Engine):
            raise TypeError("expected an Engine")
        if not isinstance(encoded, (bytes, bytearray)):
            raise TypeError("expected bytes")
        out = ffi.new(_COMPONENT_PP)
        with lent(engine) as engine_ptr:
            check(lib.wasmtime_component_deserialize(engine_ptr, _bytes_arg(encoded), len(encoded), out))
        return cls._from_ptr(out[0], engine)

    @classmethod
    def deserialize_file(cls, engine: Engine, path: str) -> "Component":
        """``deserialize`` the file at ``path`` (which Wasmtime maps into memory)."""
        if not isinstance(engine, Engine):
            raise TypeError("expected an Engine")
        out = ffi.new(_COMPONENT_PP)
        with lent(engine) as engine_ptr:
            check(lib.wasmtime_component_deserialize_file(engine_ptr, os.fsencode(path), out))
        return cls._from_ptr(out[0], engine)

    def _repr(self) -> str:
        if not self._engine._is_open():  # its types are read through the engine
            return "<Component (engine closed)>"
        ty = self.type
        return (f"<Component imports {_listing(ty.imports(self._engine))}, "
                f"exports {_listing(ty.exports(self._engine))}>")

    def serialize(self) -> bytearray:
        """The compiled component as bytes, for ``deserialize``."""
        raw = ffi.new(_BYTE_VEC_P)
        check(lib.wasmtime_component_serialize(self.ptr(), raw))
        try:
            return bytearray(read_byte_vec(raw))
        finally:
            lib.wasm_byte_vec_delete(raw)

    def get_export_index(self, name: str, instance: Optional[ExportIndex] = None) -> Optional[ExportIndex]:
        """The index of export ``name`` (inside the exported instance ``instance``, if
        given), or None if there is none."""
        name_b = name.encode("utf-8")
        parent = export_index_arg(instance)
        ptr = lib.wasmtime_component_get_export_index(self.ptr(), parent, name_b, len(name_b))
        return None if ptr == ffi.NULL else ExportIndex._from_ptr(ptr)

    @property
    def type(self) -> ComponentType:
        """The component's type (its imports and exports)."""
        return ComponentType._of(lib.wasmtime_component_type(self.ptr()), self._engine)
