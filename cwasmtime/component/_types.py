"""Component value types (``ValType`` and its family) as wasmtime-py 50 has them, plus
``MapType`` (``map<K, V>``, which wasmtime-py lacks).

Primitive types are plain dataclasses (``U32() == U32()``); compound types wrap a C
type handle and compare with Wasmtime's structural equality. Each type knows the
Python classes its values lift to (``add_classes``) and, through a conversion plan
compiled in Cython (``cwasmtime._native._component_conv``), how to convert values.
The value model is cmabi's: ``Record``/``Variant`` are ``cmabi.Record``/``cmabi.Variant``
and variant-likes follow ``cmabi.values.variant_tagging``."""
from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, Dict, List, Optional, Set, Tuple, Type

from cmabi._errors import refuse_copy
from cmabi.values import Record, Variant, variant_tagging

from .. import _native
from .._capi import ffi, lib
from .._error import WasmtimeError
from .._types import _Borrowable
from ._resources import ResourceAny, ResourceHost, ResourceType

__all__ = [
    "ValType", "Bool", "S8", "S16", "S32", "S64", "U8", "U16", "U32", "U64", "F32", "F64",
    "Char", "String", "ErrorContext", "ListType", "RecordType", "TupleType",
    "VariantLikeType", "VariantType", "EnumType", "OptionType", "ResultType", "FlagsType",
    "MapType", "FutureType", "StreamType", "OwnType", "BorrowType", "Record", "Variant",
    "valtype_from_c", "read_name", "holds_async",
]

_VALTYPE_P = ffi.typeof("wasmtime_component_valtype_t *")
_NAME_PP = ffi.typeof("const char **")
_SIZE_P = ffi.typeof("size_t *")
_BOOL_P = ffi.typeof("bool *")


def read_name(ptr: Any, length: Any) -> str:
    """A name the C API lends as ``(const char*, size_t)`` out-parameters."""
    return bytes(ffi.unpack(ptr[0], length[0])).decode("utf-8")


class ValType:
    """A component value type."""

    _KIND: ClassVar[int]

    @abstractmethod
    def add_classes(self, s: Set[type]) -> None:
        """Add the Python classes this type's values lift to (and lower from) to ``s``."""

    def _classes(self) -> Set[type]:
        s: Set[type] = set()
        self.add_classes(s)
        return s

    def _conv(self) -> Any:
        conv = self.__dict__.get("_conv_cache")
        if conv is None:
            conv = _native._component_conv(self)
            self.__dict__["_conv_cache"] = conv
        return conv

    def __getstate__(self) -> Dict[str, Any]:
        # Without the cached conversion plan (native): a primitive type is a plain value.
        return {k: v for k, v in self.__dict__.items() if k != "_conv_cache"}

    def convert_to_c(self, store: Any, val: Any, ptr: Any) -> None:
        """Write ``val`` into the ``wasmtime_component_val_t*`` ``ptr`` (CFFI), which
        must hold no value; the caller releases it (``wasmtime_component_val_delete``)."""
        _native._component_lower(self._conv(), store, val, int(ffi.cast("uintptr_t", ptr)))

    def convert_from_c(self, c: Any, store: Any = None) -> Any:
        """The Python value of the ``wasmtime_component_val_t`` ``c`` (CFFI struct or
        pointer); ``c`` keeps what it owns. Resources in it belong to ``store``."""
        ptr = c if ffi.typeof(c).kind == "pointer" else ffi.addressof(c)
        return _native._component_lift(self._conv(), store, int(ffi.cast("uintptr_t", ptr)))


def _primitive(name: str, kind: int, cls: Optional[type]) -> Type[ValType]:
    def add_classes(self: ValType, s: Set[type]) -> None:
        if cls is None:
            raise NotImplementedError(f"{name} conversion not implemented yet")
        s.add(cls)
    return dataclass(type(name, (ValType,), {
        "_KIND": kind, "add_classes": add_classes, "__module__": __name__,
        "__doc__": f"The component value type ``{name.lower()}``."}))


Bool = _primitive("Bool", lib.WASMTIME_COMPONENT_VALTYPE_BOOL, bool)
S8 = _primitive("S8", lib.WASMTIME_COMPONENT_VALTYPE_S8, int)
S16 = _primitive("S16", lib.WASMTIME_COMPONENT_VALTYPE_S16, int)
S32 = _primitive("S32", lib.WASMTIME_COMPONENT_VALTYPE_S32, int)
S64 = _primitive("S64", lib.WASMTIME_COMPONENT_VALTYPE_S64, int)
U8 = _primitive("U8", lib.WASMTIME_COMPONENT_VALTYPE_U8, int)
U16 = _primitive("U16", lib.WASMTIME_COMPONENT_VALTYPE_U16, int)
U32 = _primitive("U32", lib.WASMTIME_COMPONENT_VALTYPE_U32, int)
U64 = _primitive("U64", lib.WASMTIME_COMPONENT_VALTYPE_U64, int)
F32 = _primitive("F32", lib.WASMTIME_COMPONENT_VALTYPE_F32, float)
F64 = _primitive("F64", lib.WASMTIME_COMPONENT_VALTYPE_F64, float)
Char = _primitive("Char", lib.WASMTIME_COMPONENT_VALTYPE_CHAR, str)
String = _primitive("String", lib.WASMTIME_COMPONENT_VALTYPE_STRING, str)
ErrorContext = _primitive("ErrorContext", lib.WASMTIME_COMPONENT_VALTYPE_ERROR_CONTEXT, None)


class _HandleType(_Borrowable, ValType):
    """A compound type: a C type handle, compared with Wasmtime's equality."""

    _DELETE: ClassVar[str]
    _EQUAL: ClassVar[str]

    def __init__(self) -> None:
        raise WasmtimeError(f"Cannot directly construct a `{type(self).__name__}`")

    def _free(self, ptr: Any) -> None:
        getattr(lib, self._DELETE)(ptr)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return False
        return bool(getattr(lib, self._EQUAL)(self.ptr(), other.ptr()))

    __hash__ = None  # type: ignore[assignment]

    def _repr(self) -> str:
        return f"{type(self).__name__}({self._contents()})"

    @abstractmethod
    def _contents(self) -> str:
        """What its repr shows inside the parentheses."""


def _type_out(fill: Any, *args: Any) -> Optional[ValType]:
    """Call ``fill(*args, valtype_out)``; the type it filled in, or None if it
    reported none (accessors returning bool) ."""
    out = ffi.new(_VALTYPE_P)
    present = fill(*args, out)
    if present is False:
        return None
    return valtype_from_c(out)


def _names(count: Any, nth: Any, ptr: Any) -> List[str]:
    name, length = ffi.new(_NAME_PP), ffi.new(_SIZE_P)
    items = []
    for i in range(count(ptr)):
        if not nth(ptr, i, name, length):
            raise WasmtimeError("name index out of range")
        items.append(read_name(name, length))
    return items


class ListType(_HandleType):
    """``list<T>``; values are ``list`` (``bytes`` for ``list<u8>``)."""

    _KIND = lib.WASMTIME_COMPONENT_VALTYPE_LIST
    _DELETE = "wasmtime_component_list_type_delete"
    _EQUAL = "wasmtime_component_list_type_equal"

    @property
    def element(self) -> ValType:
        """The element type."""
        return _type_out(lib.wasmtime_component_list_type_element, self.ptr())  # type: ignore[return-value]

    def add_classes(self, s: Set[type]) -> None:
        s.add(bytes if isinstance(self.element, U8) else list)

    def _contents(self) -> str:
        return repr(self.element)


class RecordType(_HandleType):
    """``record``; values are ``Record`` objects (any object with the field attributes
    lowers)."""

    _KIND = lib.WASMTIME_COMPONENT_VALTYPE_RECORD
    _DELETE = "wasmtime_component_record_type_delete"
    _EQUAL = "wasmtime_component_record_type_equal"

    @property
    def fields(self) -> List[Tuple[str, ValType]]:
        """``(name, type)`` of each field, in order."""
        name, length = ffi.new(_NAME_PP), ffi.new(_SIZE_P)
        items = []
        for i in range(lib.wasmtime_component_record_type_field_count(self.ptr())):
            out = ffi.new(_VALTYPE_P)
            if not lib.wasmtime_component_record_type_field_nth(self.ptr(), i, name, length, out):
                raise WasmtimeError("field index out of range")
            items.append((read_name(name, length), valtype_from_c(out)))
        return items

    def add_classes(self, s: Set[type]) -> None:
        s.add(Record)

    def _contents(self) -> str:
        return ", ".join(f"{name}: {ty!r}" for name, ty in self.fields)


class TupleType(_HandleType):
    """``tuple<...>``; values are ``tuple``."""

    _KIND = lib.WASMTIME_COMPONENT_VALTYPE_TUPLE
    _DELETE = "wasmtime_component_tuple_type_delete"
    _EQUAL = "wasmtime_component_tuple_type_equal"

    @property
    def elements(self) -> List[ValType]:
        """The element types."""
        ptr = self.ptr()
        items = []
        for i in range(lib.wasmtime_component_tuple_type_types_count(ptr)):
            out = ffi.new(_VALTYPE_P)
            if not lib.wasmtime_component_tuple_type_types_nth(ptr, i, out):
                raise WasmtimeError("tuple index out of range")
            items.append(valtype_from_c(out))
        return items

    def add_classes(self, s: Set[type]) -> None:
        s.add(tuple)

    def _contents(self) -> str:
        return ", ".join(map(repr, self.elements))


class VariantLikeType(ValType):
    """variant, option and result: *tagged* (values are ``Variant(tag, payload)``) when
    two cases share a Python class, otherwise the payload itself (``None`` for a
    case without one)."""

    @abstractmethod
    def _cases(self) -> List[Tuple[str, Optional[ValType]]]:
        """``(name, payload type or None)`` of each case."""

    def _tagged(self) -> bool:
        return variant_tagging(None if t is None else t._classes() for _, t in self._cases())[0]

    def add_classes(self, s: Set[type]) -> None:
        s |= variant_tagging(None if t is None else t._classes() for _, t in self._cases())[1]


class VariantType(_HandleType, VariantLikeType):
    """``variant``."""

    _KIND = lib.WASMTIME_COMPONENT_VALTYPE_VARIANT
    _DELETE = "wasmtime_component_variant_type_delete"
    _EQUAL = "wasmtime_component_variant_type_equal"

    @property
    def cases(self) -> List[Tuple[str, Optional[ValType]]]:
        """``(name, payload type or None)`` of each case."""
        ptr = self.ptr()
        name, length, has_payload = ffi.new(_NAME_PP), ffi.new(_SIZE_P), ffi.new(_BOOL_P)
        items: List[Tuple[str, Optional[ValType]]] = []
        for i in range(lib.wasmtime_component_variant_type_case_count(ptr)):
            out = ffi.new(_VALTYPE_P)
            if not lib.wasmtime_component_variant_type_case_nth(ptr, i, name, length, has_payload, out):
                raise WasmtimeError("case index out of range")
            items.append((read_name(name, length), valtype_from_c(out) if has_payload[0] else None))
        return items

    def _cases(self) -> List[Tuple[str, Optional[ValType]]]:
        return self.cases

    def _contents(self) -> str:
        return ", ".join(name if ty is None else f"{name}: {ty!r}" for name, ty in self.cases)


class EnumType(_HandleType):
    """``enum``; values are the case names (``str``)."""

    _KIND = lib.WASMTIME_COMPONENT_VALTYPE_ENUM
    _DELETE = "wasmtime_component_enum_type_delete"
    _EQUAL = "wasmtime_component_enum_type_equal"

    @property
    def names_count(self) -> int:
        """The number of cases."""
        return int(lib.wasmtime_component_enum_type_names_count(self.ptr()))

    def name(self, n: int) -> Optional[str]:
        """The name of case ``n``, or None if there is no such case."""
        name, length = ffi.new(_NAME_PP), ffi.new(_SIZE_P)
        if not 0 <= n or not lib.wasmtime_component_enum_type_names_nth(self.ptr(), n, name, length):
            return None
        return read_name(name, length)

    @property
    def names(self) -> List[str]:
        """The case names, in order."""
        return _names(lib.wasmtime_component_enum_type_names_count,
                      lib.wasmtime_component_enum_type_names_nth, self.ptr())

    def add_classes(self, s: Set[type]) -> None:
        s.add(str)

    def _contents(self) -> str:
        return ", ".join(self.names)


class OptionType(_HandleType, VariantLikeType):
    """``option<T>``: cases ``none`` and ``some``."""

    _KIND = lib.WASMTIME_COMPONENT_VALTYPE_OPTION
    _DELETE = "wasmtime_component_option_type_delete"
    _EQUAL = "wasmtime_component_option_type_equal"

    @property
    def payload(self) -> ValType:
        """The type of ``some``'s payload."""
        return _type_out(lib.wasmtime_component_option_type_ty, self.ptr())  # type: ignore[return-value]

    def _cases(self) -> List[Tuple[str, Optional[ValType]]]:
        return [("none", None), ("some", self.payload)]

    def _contents(self) -> str:
        return repr(self.payload)


class ResultType(_HandleType, VariantLikeType):
    """``result<T, E>``: cases ``ok`` and ``err``, each with an optional payload."""

    _KIND = lib.WASMTIME_COMPONENT_VALTYPE_RESULT
    _DELETE = "wasmtime_component_result_type_delete"
    _EQUAL = "wasmtime_component_result_type_equal"

    @property
    def ok(self) -> Optional[ValType]:
        """The ``ok`` payload type, or None."""
        return _type_out(lib.wasmtime_component_result_type_ok, self.ptr())

    @property
    def err(self) -> Optional[ValType]:
        """The ``err`` payload type, or None."""
        return _type_out(lib.wasmtime_component_result_type_err, self.ptr())

    def _cases(self) -> List[Tuple[str, Optional[ValType]]]:
        return [("ok", self.ok), ("err", self.err)]

    def _contents(self) -> str:
        return f"ok={self.ok!r}, err={self.err!r}"


class FlagsType(_HandleType):
    """``flags``; values are ``set`` of the names that are set."""

    _KIND = lib.WASMTIME_COMPONENT_VALTYPE_FLAGS
    _DELETE = "wasmtime_component_flags_type_delete"
    _EQUAL = "wasmtime_component_flags_type_equal"

    @property
    def names(self) -> List[str]:
        """The flag names, in order."""
        return _names(lib.wasmtime_component_flags_type_names_count,
                      lib.wasmtime_component_flags_type_names_nth, self.ptr())

    def add_classes(self, s: Set[type]) -> None:
        s.add(set)

    def _contents(self) -> str:
        return ", ".join(self.names)


class MapType(_HandleType):
    """``map<K, V>`` (needs ``Config.wasm_component_model_map``); values are ``dict``.
    Not in wasmtime-py."""

    _KIND = lib.WASMTIME_COMPONENT_VALTYPE_MAP
    _DELETE = "wasmtime_component_map_type_delete"
    _EQUAL = "wasmtime_component_map_type_equal"

    @property
    def key(self) -> ValType:
        """The key type."""
        return _type_out(lib.wasmtime_component_map_type_key, self.ptr())  # type: ignore[return-value]

    @property
    def value(self) -> ValType:
        """The value type."""
        return _type_out(lib.wasmtime_component_map_type_value, self.ptr())  # type: ignore[return-value]

    def add_classes(self, s: Set[type]) -> None:
        s.add(dict)

    def _contents(self) -> str:
        return f"{self.key!r}, {self.value!r}"


class _AsyncType(_HandleType):
    """future and stream: reflection only (their values cannot be converted yet)."""

    _PAYLOAD: ClassVar[str]

    @property
    def payload(self) -> Optional[ValType]:
        """The payload type, or None."""
        return _type_out(getattr(lib, self._PAYLOAD), self.ptr())

    def add_classes(self, s: Set[type]) -> None:
        pass

    def _contents(self) -> str:
        return repr(self.payload)


class FutureType(_AsyncType):
    """``future<T>``."""

    _KIND = lib.WASMTIME_COMPONENT_VALTYPE_FUTURE
    _DELETE = "wasmtime_component_future_type_delete"
    _EQUAL = "wasmtime_component_future_type_equal"
    _PAYLOAD = "wasmtime_component_future_type_ty"


class StreamType(_AsyncType):
    """``stream<T>``."""

    _KIND = lib.WASMTIME_COMPONENT_VALTYPE_STREAM
    _DELETE = "wasmtime_component_stream_type_delete"
    _EQUAL = "wasmtime_component_stream_type_equal"
    _PAYLOAD = "wasmtime_component_stream_type_ty"


@dataclass
class OwnType(ValType):
    """``own<R>``; values are ``ResourceAny`` (a ``ResourceHost`` lowers too)."""

    ty: ResourceType
    _KIND: ClassVar[int] = lib.WASMTIME_COMPONENT_VALTYPE_OWN

    __reduce__ = refuse_copy  # its ResourceType is a native handle

    def add_classes(self, s: Set[type]) -> None:
        s.update((ResourceAny, ResourceHost))


@dataclass
class BorrowType(ValType):
    """``borrow<R>``; values are ``ResourceAny`` (a ``ResourceHost`` lowers too)."""

    ty: ResourceType
    _KIND: ClassVar[int] = lib.WASMTIME_COMPONENT_VALTYPE_BORROW

    __reduce__ = refuse_copy  # its ResourceType is a native handle

    def add_classes(self, s: Set[type]) -> None:
        s.update((ResourceAny, ResourceHost))


_PRIMITIVES: Dict[int, Type[ValType]] = {cls._KIND: cls for cls in (Bool, S8, S16, S32, S64, U8, U16, U32, U64, F32, F64,
                                          Char, String, ErrorContext)}
_COMPOUND = {cls._KIND: (cls, member) for cls, member in (
    (ListType, "list"), (RecordType, "record"), (TupleType, "tuple"), (VariantType, "variant"),
    (EnumType, "enum_"), (OptionType, "option"), (ResultType, "result"), (FlagsType, "flags"),
    (FutureType, "future"), (StreamType, "stream"), (MapType, "map"))}


def holds_async(ty: ValType) -> bool:
    """Whether values of ``ty`` may hold a future, stream or error-context. Wasmtime
    50's C API aborts the process when it has to hand one over (a ``todo!()`` in
    c-api/src/component/val.rs), so functions that would receive one are refused."""
    if isinstance(ty, (_AsyncType, ErrorContext)):
        return True
    if isinstance(ty, ListType):
        parts = [ty.element]
    elif isinstance(ty, RecordType):
        parts = [t for _, t in ty.fields]
    elif isinstance(ty, TupleType):
        parts = ty.elements
    elif isinstance(ty, VariantLikeType):
        parts = [t for _, t in ty._cases() if t is not None]
    elif isinstance(ty, MapType):
        parts = [ty.key, ty.value]
    else:
        return False
    return any(holds_async(t) for t in parts)


def valtype_from_c(vt: Any) -> ValType:
    """Wrap the ``wasmtime_component_valtype_t`` ``vt`` (CFFI pointer), taking
    ownership of the type handle it holds."""
    kind = int(vt.kind)
    primitive = _PRIMITIVES.get(kind)
    if primitive is not None:
        return primitive()
    compound = _COMPOUND.get(kind)
    if compound is not None:
        cls, member = compound
        return cls._from_ptr(getattr(vt.of, member))
    if kind == lib.WASMTIME_COMPONENT_VALTYPE_OWN:
        return OwnType(ResourceType._from_ptr(vt.of.own))
    if kind == lib.WASMTIME_COMPONENT_VALTYPE_BORROW:
        return BorrowType(ResourceType._from_ptr(vt.of.borrow))
    lib.wasmtime_component_valtype_delete(vt)
    raise TypeError(f"unknown component value type kind {kind}")
