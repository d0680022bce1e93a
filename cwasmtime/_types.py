"""Wasm type descriptions: value, function, global, table, memory and tag types, plus
the import/export descriptors of a module.

Every class wraps a C pointer. ``_from_ptr(ptr, owner)`` wraps one that is owned by the
new object when ``owner`` is None, or borrowed from ``owner`` (kept alive, never freed)
otherwise. Accessors here (``FuncType.params``, ``ImportType.type``, ...) return owned
copies, so a result stays valid even if the object it came from is closed or consumed."""
from __future__ import annotations

import weakref
from typing import Any, Iterable, List, Optional, Self, Tuple, Union, cast

from . import _native
from ._capi import ffi, lib
from ._error import WasmtimeError, read_byte_vec
from ._managed import Managed
from ._repr import core_signature, describe_type
from ._trap import check

__all__ = [
    "ValType", "FuncType", "GlobalType", "Limits", "TableType", "MemoryType", "TagType",
    "ImportType", "ExportType", "AsExternType", "extern_type_from_ptr", "take_owned_valtype",
]

_NULL = ffi.NULL
# Bound and parsed once at import (see the note on ffi's lock in _capi).
_valtype_delete = lib.wasm_valtype_delete
_functype_delete = lib.wasm_functype_delete
_globaltype_delete = lib.wasm_globaltype_delete
_tabletype_delete = lib.wasm_tabletype_delete
_memorytype_delete = lib.wasm_memorytype_delete
_tagtype_delete = lib.wasm_tagtype_delete
_importtype_delete = lib.wasm_importtype_delete
_exporttype_delete = lib.wasm_exporttype_delete
_valtype_copy = lib.wasm_valtype_copy
_externtype_copy = lib.wasm_externtype_copy
_VALTYPE_VEC_P = ffi.typeof("wasm_valtype_vec_t *")
_LIMITS_P = ffi.typeof("wasm_limits_t *")
_MEMORYTYPE_PP = ffi.typeof("wasm_memorytype_t **")
_UINT64_P = ffi.typeof("uint64_t *")
_NO_MAX_32 = 0xFFFFFFFF  # wasm_limits_t.max meaning "no maximum"

_BOUND_ELSEWHERE: Any = object()  # FuncType._engine of a type bound to an unknown engine


def _name(vec: Any) -> str:
    return read_byte_vec(vec).decode("utf-8")


class _Borrowable(Managed[Any]):
    """Shared ``_from_ptr``/``_delete`` logic: frees the pointer only when owned."""

    _owner: Any = None

    @classmethod
    def _from_ptr(cls, ptr: Any, owner: Any = None) -> Self:
        if ptr == _NULL:
            raise WasmtimeError(f"NULL pointer for {cls.__name__}")
        obj = cls.__new__(cls)
        obj._set_ptr(ptr)
        obj._owner = owner
        return obj

    def _delete(self, ptr: Any) -> None:
        if self._owner is None:
            self._free(ptr)

    def _free(self, ptr: Any) -> None:
        raise NotImplementedError


class ValType(_Borrowable):
    """A wasm value type; create one with ``ValType.i32()`` etc."""

    def __init__(self) -> None:
        raise WasmtimeError("cannot construct directly")

    def _free(self, ptr: Any) -> None:
        _valtype_delete(ptr)

    @classmethod
    def _from_kind(cls, kind: int) -> "ValType":
        return cls._from_ptr(lib.wasm_valtype_new(kind), None)

    @classmethod
    def i32(cls) -> "ValType":
        return cls._from_kind(lib.WASM_I32)

    @classmethod
    def i64(cls) -> "ValType":
        return cls._from_kind(lib.WASM_I64)

    @classmethod
    def f32(cls) -> "ValType":
        return cls._from_kind(lib.WASM_F32)

    @classmethod
    def f64(cls) -> "ValType":
        return cls._from_kind(lib.WASM_F64)

    @classmethod
    def externref(cls) -> "ValType":
        return cls._from_kind(lib.WASM_EXTERNREF)

    @classmethod
    def funcref(cls) -> "ValType":
        return cls._from_kind(lib.WASM_FUNCREF)

    def _class(self) -> int:
        """What this type is, as an index into ``_native.VALTYPE_NAMES`` (see _values.pxi)."""
        return int(_native.valtype_class(int(ffi.cast("uintptr_t", self.ptr()))))

    @classmethod
    def _from_list(cls, vec: Any) -> List["ValType"]:
        """Owned copies of the entries of a borrowed ``wasm_valtype_vec_t*``."""
        data = vec.data
        return [cls._from_ptr(_valtype_copy(data[i]), None) for i in range(vec.size)]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ValType):
            return False
        cls = self._class()
        # Concrete reference types (typed function references, GC) are equal only to
        # themselves: Wasmtime aborts comparing two of them from different engines.
        if cls == _native.VALTYPE_OTHER:
            return bool(self.ptr() == other.ptr())
        return cls == other._class()

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __str__(self) -> str:
        name: str = _native.VALTYPE_NAMES[self._class()]
        return name

    def _repr(self) -> str:
        return str(self)


def take_owned_valtype(ty: ValType) -> Any:
    """A fresh ``wasm_valtype_t*`` equal to ``ty``, for C calls that take ownership."""
    if not isinstance(ty, ValType):
        raise TypeError("expected valtype")
    return lib.wasm_valtype_copy(ty.ptr())


def _valtype_vec(types: List[ValType]) -> Any:
    """A ``wasm_valtype_vec_t*`` holding owned copies of ``types`` (for C to take)."""
    vec = ffi.new(_VALTYPE_VEC_P)
    lib.wasm_valtype_vec_new_uninitialized(vec, len(types))
    for i, ty in enumerate(types):
        vec.data[i] = take_owned_valtype(ty)
    return vec


class FuncType(_Borrowable):
    """The signature of a function: parameter and result value types."""

    # The Engine its wasm_functype_t is bound to (see _ptr_for): a weak reference, None
    # while unbound (a new FuncType), _BOUND_ELSEWHERE when not known (one from a module
    # or a function, already bound by Wasmtime).
    _engine: Any = _BOUND_ELSEWHERE
    _copies: "Optional[weakref.WeakKeyDictionary[Any, FuncType]]" = None

    def __init__(self, params: Iterable[ValType], results: Iterable[ValType]) -> None:
        params = list(params)
        results = list(results)
        for ty in (*params, *results):
            if not isinstance(ty, ValType):
                raise TypeError("expected ValType")
        ptr = lib.wasm_functype_new(_valtype_vec(params), _valtype_vec(results))
        if ptr == _NULL:
            raise WasmtimeError("failed to allocate FuncType")
        self._set_ptr(ptr)
        self._engine = None

    def _free(self, ptr: Any) -> None:
        _functype_delete(ptr)

    def _ptr_for(self, engine: Any) -> Any:
        """The ``wasm_functype_t*`` to define a host function with in ``engine``. Wasmtime
        binds a function type to the first engine it is used with and aborts the process
        when another engine uses it: every other engine gets a copy of its own, made from
        the value types (host functions take only abstract ones, see _Signature)."""
        bound = self._engine
        if bound is None:
            self._engine = weakref.ref(engine)
            return self.ptr()
        if bound is not _BOUND_ELSEWHERE and bound() is engine:
            return self.ptr()
        copies = self._copies
        if copies is None:
            copies = self._copies = weakref.WeakKeyDictionary()
        copy = copies.get(engine)
        if copy is None:
            copy = copies[engine] = FuncType(self.params, self.results)
        return copy._ptr_for(engine)

    @property
    def params(self) -> List[ValType]:
        """The parameter types."""
        return ValType._from_list(lib.wasm_functype_params(self.ptr()))

    @property
    def results(self) -> List[ValType]:
        """The result types."""
        return ValType._from_list(lib.wasm_functype_results(self.ptr()))

    def _as_extern(self) -> Any:
        return lib.wasm_functype_as_externtype_const(self.ptr())

    def _repr(self) -> str:
        return f"FuncType({core_signature(self)})"


class GlobalType(_Borrowable):
    """The type of a global: its content type and mutability."""

    def __init__(self, valtype: ValType, mutable: bool) -> None:
        mutability = lib.WASM_VAR if mutable else lib.WASM_CONST
        ptr = lib.wasm_globaltype_new(take_owned_valtype(valtype), mutability)
        if ptr == _NULL:
            raise WasmtimeError("failed to allocate GlobalType")
        self._set_ptr(ptr)

    def _free(self, ptr: Any) -> None:
        _globaltype_delete(ptr)

    @property
    def content(self) -> ValType:
        """The type of the global's value."""
        return ValType._from_ptr(_valtype_copy(lib.wasm_globaltype_content(self.ptr())), None)

    @property
    def mutable(self) -> bool:
        """Whether the global can be set."""
        return bool(lib.wasm_globaltype_mutability(self.ptr()) == lib.WASM_VAR)

    def _as_extern(self) -> Any:
        return lib.wasm_globaltype_as_externtype_const(self.ptr())

    def _repr(self) -> str:
        return f"GlobalType({self.content}, mutable={self.mutable})"


class Limits:
    """Size limits of a table or memory: ``min`` and an optional ``max``."""

    def __init__(self, min: int, max: Optional[int]) -> None:
        self.min = min
        self.max = max

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Limits):
            return False
        return self.min == other.min and self.max == other.max

    def __repr__(self) -> str:
        return f"Limits({self._fields()})"

    def _fields(self) -> str:
        return f"min={self.min}, max={self.max}"

    def _to_c(self) -> Any:
        """A ``wasm_limits_t*`` (32-bit; ``max=None`` encoded as 0xffffffff)."""
        return ffi.new(_LIMITS_P, (self.min, _NO_MAX_32 if self.max is None else self.max))

    @classmethod
    def _from_c(cls, limits: Any) -> "Limits":
        maximum = limits.max
        return cls(limits.min, None if maximum == _NO_MAX_32 else maximum)


class TableType(_Borrowable):
    """The type of a table: element type and size limits."""

    def __init__(self, valtype: ValType, limits: Limits) -> None:
        if not isinstance(limits, Limits):
            raise TypeError("expected Limits")
        ptr = lib.wasm_tabletype_new(take_owned_valtype(valtype), limits._to_c())
        if ptr == _NULL:
            raise WasmtimeError("failed to allocate TableType")
        self._set_ptr(ptr)

    def _free(self, ptr: Any) -> None:
        _tabletype_delete(ptr)

    @property
    def element(self) -> ValType:
        """The type of the table's elements."""
        return ValType._from_ptr(_valtype_copy(lib.wasm_tabletype_element(self.ptr())), None)

    @property
    def limits(self) -> Limits:
        """The table's size limits, in elements."""
        return Limits._from_c(lib.wasm_tabletype_limits(self.ptr()))

    def _as_extern(self) -> Any:
        return lib.wasm_tabletype_as_externtype_const(self.ptr())

    def _repr(self) -> str:
        return f"TableType({self.element}, {self.limits._fields()})"


class MemoryType(_Borrowable):
    """The type of a linear memory: limits (in pages), 64-bit index, sharing, page size."""

    def __init__(self, limits: Limits, is_64: bool = False, shared: bool = False,
                 page_size_log2: int = 16) -> None:
        if not isinstance(limits, Limits):
            raise TypeError("expected Limits")
        bound = 1 << 64 if is_64 else 1 << 32
        if limits.min >= bound:
            raise WasmtimeError("minimum size too large")
        if limits.max and limits.max >= bound:
            raise WasmtimeError("maximum size too large")
        out = ffi.new(_MEMORYTYPE_PP)
        check(lib.wasmtime_memorytype_new(
            limits.min, limits.max is not None, limits.max or 0, bool(is_64), bool(shared),
            page_size_log2, out))
        self._set_ptr(out[0])

    def _free(self, ptr: Any) -> None:
        _memorytype_delete(ptr)

    @property
    def limits(self) -> Limits:
        """The memory's size limits, in pages."""
        ptr = self.ptr()
        maximum = ffi.new(_UINT64_P)
        has_max = lib.wasmtime_memorytype_maximum(ptr, maximum)
        return Limits(int(lib.wasmtime_memorytype_minimum(ptr)), maximum[0] if has_max else None)

    @property
    def is_64(self) -> bool:
        """Whether the memory is indexed with 64-bit addresses."""
        return bool(lib.wasmtime_memorytype_is64(self.ptr()))

    @property
    def is_shared(self) -> bool:
        """Whether the memory is shared between threads."""
        return bool(lib.wasmtime_memorytype_isshared(self.ptr()))

    @property
    def page_size(self) -> int:
        """The page size in bytes (65536 unless the custom-page-sizes proposal is used)."""
        return int(lib.wasmtime_memorytype_page_size(self.ptr()))

    @property
    def page_size_log2(self) -> int:
        """log2 of the page size in bytes."""
        return int(lib.wasmtime_memorytype_page_size_log2(self.ptr()))

    def _as_extern(self) -> Any:
        return lib.wasm_memorytype_as_externtype_const(self.ptr())

    def _repr(self) -> str:
        # The constructor's flags, where they differ from its defaults.
        flags = "".join((", is_64=True" if self.is_64 else "",
                         ", shared=True" if self.is_shared else "",
                         "" if self.page_size_log2 == 16 else f", page_size_log2={self.page_size_log2}"))
        return f"MemoryType({self.limits._fields()}{flags})"


class TagType(_Borrowable):
    """The type of an exception tag: the function type describing its payload."""

    def __init__(self, functype: FuncType) -> None:
        if not isinstance(functype, FuncType):
            raise TypeError("expected a FuncType")
        # The C call takes ownership: hand over an owned FuncType, copy a borrowed one.
        if functype._owner is None:
            functype_ptr = functype._consume()
        else:
            functype_ptr = lib.wasm_functype_copy(functype.ptr())
        ptr = lib.wasm_tagtype_new(functype_ptr)
        if ptr == _NULL:
            raise WasmtimeError("failed to allocate TagType")
        self._set_ptr(ptr)

    def _free(self, ptr: Any) -> None:
        _tagtype_delete(ptr)

    @property
    def functype(self) -> FuncType:
        """The function type describing the tag's payload."""
        return FuncType._from_ptr(lib.wasm_functype_copy(lib.wasm_tagtype_functype(self.ptr())), None)

    def _as_extern(self) -> Any:
        return lib.wasm_tagtype_as_externtype_const(self.ptr())

    def _repr(self) -> str:
        return f"TagType({core_signature(self.functype)})"


AsExternType = Union[FuncType, TableType, MemoryType, GlobalType, TagType]

_EXTERN_KINDS: dict[int, tuple[str, type[_Borrowable]]] = {
    lib.WASM_EXTERN_FUNC: ("wasm_externtype_as_functype", FuncType),
    lib.WASM_EXTERN_GLOBAL: ("wasm_externtype_as_globaltype", GlobalType),
    lib.WASM_EXTERN_TABLE: ("wasm_externtype_as_tabletype", TableType),
    lib.WASM_EXTERN_MEMORY: ("wasm_externtype_as_memorytype", MemoryType),
    lib.WASM_EXTERN_TAG: ("wasm_externtype_as_tagtype", TagType),
}


def extern_type_from_ptr(ptr: Any, owner: Any) -> AsExternType:
    """Wrap a ``wasm_externtype_t*`` as the matching type class. With ``owner`` None the
    result takes ownership of ``ptr`` (which must then be a freshly returned externtype,
    e.g. from ``wasmtime_extern_type``); otherwise it borrows from ``owner``."""
    entry = _EXTERN_KINDS.get(int(lib.wasm_externtype_kind(ptr)))
    if entry is None:
        if owner is None:
            lib.wasm_externtype_delete(ptr)
        raise WasmtimeError("unknown extern type")
    cast_name, cls = entry
    # An externtype and its specific view are the same object in Wasmtime, so deleting
    # the specific type frees the externtype.
    return cast(AsExternType, cls._from_ptr(getattr(lib, cast_name)(ptr), owner))


wrap_externtype = extern_type_from_ptr


class ImportType(_Borrowable):
    """One import of a module: module name, field name and extern type."""

    def _free(self, ptr: Any) -> None:
        _importtype_delete(ptr)

    @property
    def module(self) -> str:
        """The module name the import is resolved from."""
        return _name(lib.wasm_importtype_module(self.ptr()))

    @property
    def name(self) -> Optional[str]:
        """The field name of the import (None if absent)."""
        name = lib.wasm_importtype_name(self.ptr())
        return None if name == _NULL else _name(name)

    @property
    def type(self) -> AsExternType:
        """The type of the imported item."""
        return extern_type_from_ptr(_externtype_copy(lib.wasm_importtype_type(self.ptr())), None)

    def _entry(self) -> Tuple[str, str]:
        """``("module.name", type)`` as a repr lists the import."""
        name = self.module if self.name is None else f"{self.module}.{self.name}"
        return name, describe_type(self.type)

    def _repr(self) -> str:
        return "ImportType({}: {})".format(*self._entry())


class ExportType(_Borrowable):
    """One export of a module: name and extern type."""

    def _free(self, ptr: Any) -> None:
        _exporttype_delete(ptr)

    @property
    def name(self) -> str:
        """The export's name."""
        return _name(lib.wasm_exporttype_name(self.ptr()))

    @property
    def type(self) -> AsExternType:
        """The type of the exported item."""
        return extern_type_from_ptr(_externtype_copy(lib.wasm_exporttype_type(self.ptr())), None)

    def _entry(self) -> Tuple[str, str]:
        """``(name, type)`` as a repr lists the export."""
        return self.name, describe_type(self.type)

    def _repr(self) -> str:
        return "ExportType({}: {})".format(*self._entry())
