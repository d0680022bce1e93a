"""The types of what components import and export: ``ComponentType``,
``ComponentInstanceType``, ``ModuleType`` (a core module inside a component),
``FuncType`` (a component function) and ``ComponentExtern`` (one import/export: its
item type plus its ``implements``/``external-id`` annotations)."""
from __future__ import annotations

from typing import Any, ContextManager, Dict, List, Optional, Self, Tuple, Union

from .. import _types as core_types
from .._capi import ffi, lib
from .._engine import Engine
from .._error import WasmtimeError
from .._managed import lent
from .._repr import describe_type, signature
from .._types import _Borrowable
from ._resources import ResourceType
from ._types import ValType, read_name, valtype_from_c

__all__ = ["ComponentType", "ComponentInstanceType", "ModuleType", "FuncType",
           "ComponentExtern", "ComponentItem"]

_NAME_PP = ffi.typeof("const char **")
_SIZE_P = ffi.typeof("size_t *")
_EXTERN_PP = ffi.typeof("wasmtime_component_extern_t **")
_VALTYPE_P = ffi.typeof("wasmtime_component_valtype_t *")


class _ItemType(_Borrowable):
    # The Engine that compiled the component this type comes from: Wasmtime reads
    # core types through it, and aborts the process given another one.
    _engine: Optional[Engine] = None

    def __init__(self) -> None:
        raise WasmtimeError(f"Cannot directly construct a `{type(self).__name__}`")

    @classmethod
    def _of(cls, ptr: Any, engine: Optional[Engine]) -> Self:
        item = cls._from_ptr(ptr)
        item._engine = engine
        return item

    def _lent_engine(self, engine: Engine) -> ContextManager[Any]:
        """``engine``'s pointer (lent: see ``lent``), once it is known to be this type's
        Engine (Wasmtime aborts on another)."""
        if not isinstance(engine, Engine):
            raise TypeError("expected an Engine")
        if engine is not self._engine:
            raise WasmtimeError("type used with the wrong Engine: pass the Engine of the Component "
                                "it comes from")
        return lent(engine)


def _externs(parent: _ItemType, engine: Engine, count: Any, nth: Any) -> Dict[str, "ComponentExtern"]:
    ptr = parent.ptr()
    name, length, item = ffi.new(_NAME_PP), ffi.new(_SIZE_P), ffi.new(_EXTERN_PP)
    items = {}
    with parent._lent_engine(engine) as engine_ptr:
        for i in range(count(ptr, engine_ptr)):
            if not nth(ptr, engine_ptr, i, name, length, item):
                raise WasmtimeError("import/export index out of range")
            items[read_name(name, length)] = ComponentExtern._from_extern(item[0], parent)
    return items


class ComponentType(_ItemType):
    """A component's type: its imports and exports by name."""

    def _free(self, ptr: Any) -> None:
        lib.wasmtime_component_type_delete(ptr)

    def imports(self, engine: Engine) -> Dict[str, "ComponentExtern"]:
        """The imports, by name (``engine``: the component's)."""
        return _externs(self, engine, lib.wasmtime_component_type_import_count,
                        lib.wasmtime_component_type_import_nth)

    def exports(self, engine: Engine) -> Dict[str, "ComponentExtern"]:
        """The exports, by name (``engine``: the component's)."""
        return _externs(self, engine, lib.wasmtime_component_type_export_count,
                        lib.wasmtime_component_type_export_nth)


class ComponentInstanceType(_ItemType):
    """A component instance's type: its exports by name."""

    def _free(self, ptr: Any) -> None:
        lib.wasmtime_component_instance_type_delete(ptr)

    def exports(self, engine: Engine) -> Dict[str, "ComponentExtern"]:
        """The exports, by name (``engine``: the component's)."""
        return _externs(self, engine, lib.wasmtime_component_instance_type_export_count,
                        lib.wasmtime_component_instance_type_export_nth)


class ModuleType(_ItemType):
    """A core module's type inside a component: core imports and exports."""

    def _free(self, ptr: Any) -> None:
        lib.wasmtime_module_type_delete(ptr)

    def imports(self, engine: Engine) -> List[core_types.ImportType]:
        """The core imports, in order (``engine``: the component's)."""
        ptr = self.ptr()
        with self._lent_engine(engine) as engine_ptr:
            return [core_types.ImportType._from_ptr(lib.wasmtime_module_type_import_nth(ptr, engine_ptr, i))
                    for i in range(lib.wasmtime_module_type_import_count(ptr, engine_ptr))]

    def exports(self, engine: Engine) -> List[core_types.ExportType]:
        """The core exports, in order (``engine``: the component's)."""
        ptr = self.ptr()
        with self._lent_engine(engine) as engine_ptr:
            return [core_types.ExportType._from_ptr(lib.wasmtime_module_type_export_nth(ptr, engine_ptr, i))
                    for i in range(lib.wasmtime_module_type_export_count(ptr, engine_ptr))]


class FuncType(_ItemType):
    """A component function's type: named parameters and an optional result."""

    def _free(self, ptr: Any) -> None:
        lib.wasmtime_component_func_type_delete(ptr)

    @property
    def params(self) -> List[Tuple[str, ValType]]:
        """``(name, type)`` of each parameter."""
        ptr = self.ptr()
        name, length = ffi.new(_NAME_PP), ffi.new(_SIZE_P)
        items = []
        for i in range(lib.wasmtime_component_func_type_param_count(ptr)):
            out = ffi.new(_VALTYPE_P)
            if not lib.wasmtime_component_func_type_param_nth(ptr, i, name, length, out):
                raise WasmtimeError("parameter index out of range")
            items.append((read_name(name, length), valtype_from_c(out)))
        return items

    @property
    def result(self) -> Optional[ValType]:
        """The result type, or None."""
        out = ffi.new(_VALTYPE_P)
        if not lib.wasmtime_component_func_type_result(self.ptr(), out):
            return None
        return valtype_from_c(out)

    @property
    def is_async(self) -> bool:
        """Whether the function is ``async`` (async calls are not supported here)."""
        return bool(lib.wasmtime_component_func_type_async(self.ptr()))

    _repr_name = "component.FuncType"

    def _signature(self) -> str:
        """``(x: U32()) -> U32()``, as the reprs of its Func and Component show it."""
        result = self.result
        text = signature((f"{name}: {ty!r}" for name, ty in self.params),
                         [] if result is None else [repr(result)])
        return f"async {text}" if self.is_async else text

    def _repr(self) -> str:
        return f"component.FuncType({self._signature()})"


def describe_item(ty: Any) -> str:
    """A component's import or export in a listing: a function by its signature, else
    its repr."""
    return ty._signature() if isinstance(ty, FuncType) else describe_type(ty)


ComponentItem = Union[ComponentType, ModuleType, ComponentInstanceType, ResourceType, ValType, FuncType]


class ComponentExtern(_ItemType):
    """One import or export of a component or instance type. It borrows from the
    type it came from, which it keeps alive."""

    _parent: Any = None

    def _free(self, ptr: Any) -> None:
        lib.wasmtime_component_extern_delete(ptr)

    @classmethod
    def _from_extern(cls, ptr: Any, parent: _ItemType) -> "ComponentExtern":
        extern: ComponentExtern = cls._of(ptr, parent._engine)
        extern._parent = parent
        return extern

    @property
    def ty(self) -> Union[ComponentItem, core_types.FuncType]:
        """The item's type."""
        item = ffi.new("wasmtime_component_item_t *")
        lib.wasmtime_component_extern_type(self.ptr(), item)
        kind, of = int(item.kind), item.of
        if kind == lib.WASMTIME_COMPONENT_ITEM_COMPONENT:
            return ComponentType._of(of.component, self._engine)
        if kind == lib.WASMTIME_COMPONENT_ITEM_COMPONENT_INSTANCE:
            return ComponentInstanceType._of(of.component_instance, self._engine)
        if kind == lib.WASMTIME_COMPONENT_ITEM_MODULE:
            return ModuleType._of(of.module, self._engine)
        if kind == lib.WASMTIME_COMPONENT_ITEM_COMPONENT_FUNC:
            return FuncType._from_ptr(of.component_func)
        if kind == lib.WASMTIME_COMPONENT_ITEM_RESOURCE:
            return ResourceType._from_ptr(of.resource)
        if kind == lib.WASMTIME_COMPONENT_ITEM_CORE_FUNC:
            return core_types.FuncType._from_ptr(of.core_func)
        if kind == lib.WASMTIME_COMPONENT_ITEM_TYPE:
            return valtype_from_c(ffi.addressof(of, "type"))
        lib.wasmtime_component_item_delete(item)
        raise TypeError(f"unknown component item kind {kind}")

    def _annotation(self, getter: Any) -> Optional[str]:
        length = ffi.new(_SIZE_P)
        ptr = getter(self.ptr(), length)
        return None if ptr == ffi.NULL else ffi.unpack(ptr, length[0]).decode("utf-8")

    @property
    def implements(self) -> Optional[str]:
        """The ``implements`` annotation (an interface name), or None."""
        return self._annotation(lib.wasmtime_component_extern_implements)

    def is_implements(self, s: str) -> bool:
        """Whether the item is annotated as implementing interface ``s``."""
        name = s.encode("utf-8")
        return bool(lib.wasmtime_component_extern_is_implements(self.ptr(), name, len(name)))

    @property
    def external_id(self) -> Optional[str]:
        """The ``external-id`` annotation, or None."""
        return self._annotation(lib.wasmtime_component_extern_external_id)

    def _repr(self) -> str:
        return f"ComponentExtern({describe_item(self.ty)})"
