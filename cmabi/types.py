"""Immutable descriptors of component value types, with their Canonical ABI layout.

Primitive types are singletons (``Bool``, ``S8`` ... ``U64``, ``F32``, ``F64``,
``Char``, ``String``); compound types are built with constructors::

    List(U8)                      FixedList(U32, 4)           Map(String, U32)
    Record([("a", U32), ("b", String)])                       Tuple([U8, String])
    Variant([("b", Bool), ("s", String), ("none", None)])     Enum(["a", "b", "c"])
    Option(U32)    Result(U32, String)    Result(None, None)   Flags(["a", "b"])
    Own(rt)        Borrow(rt)             (rt = ResourceType("name"))

Every descriptor has, computed once at construction:

- ``size`` — the Canonical ABI ``elem_size`` in bytes,
- ``alignment`` — the ABI alignment in bytes,
- ``flat`` — the flattening, a tuple of core types ``'i32' 'i64' 'f32' 'f64'``,

plus a WIT-like ``repr``; equality and hashing are structural (resource types are
compared by identity). Layout follows CanonicalABI.md for 32-bit memories:
``tuple``, ``enum``, ``option`` and ``result`` despecialize to ``record``/``variant``.

``map<K, V>``: the Canonical ABI text this follows has no ``map`` type, so
``Map(K, V)`` is laid out and flattened exactly as ``list<tuple<K, V>>`` and lifts
to a ``dict`` (keys: bool, integers, char or string; a repeated key keeps the last
value).
"""
from typing import Any, FrozenSet, Iterable, List as _List, Optional as _Opt, Sequence, Tuple as _Tuple, Union

from .values import Record as _RecordValue, variant_tagging

__all__ = [
    "ValType", "ResourceType",
    "Bool", "S8", "U8", "S16", "U16", "S32", "U32", "S64", "U64", "F32", "F64", "Char", "String",
    "List", "FixedList", "Record", "Tuple", "Variant", "Enum", "Option", "Result", "Flags", "Map",
    "Own", "Borrow", "Case", "FuncType",
    "MAX_FLAT_PARAMS", "MAX_FLAT_RESULTS", "flatten_types", "flatten_functype",
    "align_to", "discriminant_size", "join",
]

MAX_FLAT_PARAMS = 16
MAX_FLAT_RESULTS = 1

# Kind codes read by the Cython codecs (cmabi._abi).
K_BOOL, K_S8, K_U8, K_S16, K_U16, K_S32, K_U32, K_S64, K_U64, K_F32, K_F64, K_CHAR, K_STRING = range(13)
(K_LIST, K_FIXED_LIST, K_RECORD, K_TUPLE, K_VARIANT, K_ENUM, K_OPTION, K_RESULT, K_FLAGS, K_MAP,
 K_OWN, K_BORROW) = range(13, 25)


def align_to(ptr: int, alignment: int) -> int:
    """Round ``ptr`` up to a multiple of ``alignment``."""
    return -(-ptr // alignment) * alignment


def join(a: str, b: str) -> str:
    """The Canonical ABI ``join`` of two core types (variant flattening)."""
    if a == b:
        return a
    if {a, b} == {"i32", "f32"}:
        return "i32"
    return "i64"


def discriminant_size(n: int) -> int:
    """Byte size of the discriminant of a variant with ``n`` cases (1, 2 or 4)."""
    if not 0 < n < (1 << 32):
        raise ValueError("a variant needs 1 to 2**32-1 cases")
    if n <= 1 << 8:
        return 1
    if n <= 1 << 16:
        return 2
    return 4


class ResourceType:
    """A resource type. Compared by identity, like the spec's ``ResourceType``.

    ``instance``: an identity token of the component instance that implements the
    resource, or ``None`` for a host resource. Lowering a ``borrow`` into the
    implementing instance (``Context(instance=...)``) passes the representation
    itself, as the spec's ``lower_borrow`` does.
    """

    __slots__ = ("name", "instance", "__weakref__")

    def __init__(self, name: str = "resource", instance: Any = None) -> None:
        self.name = name
        self.instance = instance

    def __repr__(self) -> str:
        return f"ResourceType({self.name!r})"


class ValType:
    """Base class of all value type descriptors (immutable, structural equality)."""

    __slots__ = ("kind", "size", "alignment", "flat", "_key", "_hash", "_codec", "_classes")
    kind: int
    size: int
    alignment: int
    flat: _Tuple[str, ...]
    _key: Any
    _hash: int
    _classes: FrozenSet[type]

    def _init(self, kind: int, key: Any, size: int, alignment: int, flat: Iterable[str],
              classes: FrozenSet[type]) -> None:
        s = object.__setattr__
        s(self, "kind", kind)
        s(self, "_key", key)
        s(self, "_hash", hash(key))
        s(self, "size", size)
        s(self, "alignment", alignment)
        s(self, "flat", tuple(flat))
        s(self, "_codec", None)
        s(self, "_classes", classes)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ValType) and self._key == other._key

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return self._hash

    @property
    def python_classes(self) -> FrozenSet[type]:
        """The Python classes a value of this type is lifted to (wasmtime-py's
        ``add_classes``); used to decide whether variants are tagged."""
        return self._classes

    def __reduce__(self) -> Any:
        raise TypeError("cmabi types are not picklable")


class _Primitive(ValType):
    __slots__ = ("name",)
    name: str

    def __init__(self, kind: int, name: str, size: int, flat: str, cls: type) -> None:
        self._init(kind, (kind,), size, size, [flat], frozenset([cls]))
        object.__setattr__(self, "name", name)

    def __repr__(self) -> str:
        return self.name


Bool = _Primitive(K_BOOL, "bool", 1, "i32", bool)
S8 = _Primitive(K_S8, "s8", 1, "i32", int)
U8 = _Primitive(K_U8, "u8", 1, "i32", int)
S16 = _Primitive(K_S16, "s16", 2, "i32", int)
U16 = _Primitive(K_U16, "u16", 2, "i32", int)
S32 = _Primitive(K_S32, "s32", 4, "i32", int)
U32 = _Primitive(K_U32, "u32", 4, "i32", int)
S64 = _Primitive(K_S64, "s64", 8, "i64", int)
U64 = _Primitive(K_U64, "u64", 8, "i64", int)
F32 = _Primitive(K_F32, "f32", 4, "f32", float)
F64 = _Primitive(K_F64, "f64", 8, "f64", float)
Char = _Primitive(K_CHAR, "char", 4, "i32", str)


class _StringType(ValType):
    __slots__ = ()

    def __init__(self) -> None:
        self._init(K_STRING, (K_STRING,), 8, 4, ["i32", "i32"], frozenset([str]))

    def __repr__(self) -> str:
        return "string"


String = _StringType()


def _check_type(t: Any, what: str) -> ValType:
    if not isinstance(t, ValType):
        raise TypeError(f"{what} must be a cmabi value type, not {t!r}")
    return t


def _check_labels(labels: Sequence[str], what: str) -> _Tuple[str, ...]:
    out = tuple(labels)
    for label in out:
        if not isinstance(label, str) or not label:
            raise TypeError(f"{what} labels must be non-empty strings, not {label!r}")
    if len(set(out)) != len(out):
        raise ValueError(f"duplicate {what} label")
    return out


def _record_layout(types: Sequence[ValType]) -> _Tuple[int, int, _List[int]]:
    offsets = []
    s = 0
    a = 1
    for t in types:
        s = align_to(s, t.alignment)
        offsets.append(s)
        s += t.size
        a = max(a, t.alignment)
    return align_to(s, a), a, offsets


class List(ValType):
    """``list<T>``: a (pointer, length) pair; 8 bytes, align 4, flat ``i32 i32``."""

    __slots__ = ("element",)
    element: ValType

    def __init__(self, element: ValType) -> None:
        _check_type(element, "list element")
        object.__setattr__(self, "element", element)
        cls = bytes if element.kind == K_U8 else list
        self._init(K_LIST, (K_LIST, element._key), 8, 4, ["i32", "i32"], frozenset([cls]))

    def __repr__(self) -> str:
        return f"list<{self.element!r}>"


class FixedList(ValType):
    """``list<T, N>``: ``N`` elements inline, laid out and flattened as a tuple."""

    __slots__ = ("element", "length")
    element: ValType
    length: int

    def __init__(self, element: ValType, length: int) -> None:
        _check_type(element, "list element")
        if not isinstance(length, int) or isinstance(length, bool) or not 0 < length < (1 << 32):
            raise ValueError("a fixed-length list needs a length of 1 to 2**32-1")
        object.__setattr__(self, "element", element)
        object.__setattr__(self, "length", length)
        cls = bytes if element.kind == K_U8 else list
        self._init(K_FIXED_LIST, (K_FIXED_LIST, element._key, length), element.size * length,
                   element.alignment, element.flat * length, frozenset([cls]))

    def __repr__(self) -> str:
        return f"list<{self.element!r}, {self.length}>"


class Record(ValType):
    """``record``: ``Record([("a", U32), ("b", String)])``; lifts to
    :class:`cmabi.Record`. ``offsets`` gives each field's byte offset."""

    __slots__ = ("fields", "offsets")
    fields: _Tuple[_Tuple[str, ValType], ...]
    offsets: _Tuple[int, ...]

    def __init__(self, fields: Iterable[_Tuple[str, ValType]]) -> None:
        fs = tuple((name, _check_type(t, "record field")) for name, t in fields)
        if not fs:
            raise ValueError("a record needs at least one field")
        _check_labels([n for n, _ in fs], "record field")
        size, align, offsets = _record_layout([t for _, t in fs])
        object.__setattr__(self, "fields", fs)
        object.__setattr__(self, "offsets", tuple(offsets))
        self._init(K_RECORD, (K_RECORD, tuple((n, t._key) for n, t in fs)), size, align,
                   [f for _, t in fs for f in t.flat], frozenset([_RecordValue]))

    def __repr__(self) -> str:
        return "record{" + ", ".join(f"{n}: {t!r}" for n, t in self.fields) + "}"


class Tuple(ValType):
    """``tuple<...>``: ``Tuple([U8, String])``, a record with fields "0", "1" ...;
    lifts to a Python ``tuple``."""

    __slots__ = ("types", "offsets")
    types: _Tuple[ValType, ...]
    offsets: _Tuple[int, ...]

    def __init__(self, types: Iterable[ValType]) -> None:
        ts = tuple(_check_type(t, "tuple element") for t in types)
        if not ts:
            raise ValueError("a tuple needs at least one element")
        size, align, offsets = _record_layout(ts)
        object.__setattr__(self, "types", ts)
        object.__setattr__(self, "offsets", tuple(offsets))
        self._init(K_TUPLE, (K_TUPLE, tuple(t._key for t in ts)), size, align,
                   [f for t in ts for f in t.flat], frozenset([tuple]))

    def __repr__(self) -> str:
        return "tuple<" + ", ".join(repr(t) for t in self.types) + ">"


Case = _Tuple[str, _Opt[ValType]]


class _VariantLike(ValType):
    """Shared layout of variant, enum, option and result (all despecialize to a
    variant): discriminant of 1/2/4 bytes, then the payload at ``payload_offset``."""

    __slots__ = ("cases", "payload_offset", "disc_size", "tagged")
    cases: _Tuple[Case, ...]
    payload_offset: int
    disc_size: int
    tagged: bool

    def _init_variant(self, kind: int, key: Any, cases: _Tuple[Case, ...]) -> None:
        disc = discriminant_size(len(cases))
        max_align = 1
        max_size = 0
        flat: _List[str] = []
        for _, t in cases:
            if t is not None:
                max_align = max(max_align, t.alignment)
                max_size = max(max_size, t.size)
                for i, ft in enumerate(t.flat):
                    if i < len(flat):
                        flat[i] = join(flat[i], ft)
                    else:
                        flat.append(ft)
        payload_offset = align_to(disc, max_align)
        align = max(disc, max_align)
        size = align_to(payload_offset + max_size, align)
        tagged, classes = variant_tagging(None if t is None else t._classes for _, t in cases)
        object.__setattr__(self, "cases", cases)
        object.__setattr__(self, "payload_offset", payload_offset)
        object.__setattr__(self, "disc_size", disc)
        object.__setattr__(self, "tagged", tagged)
        self._init(kind, key, size, align, ["i32"] + flat, classes)


class Variant(_VariantLike):
    """``variant``: ``Variant([("b", Bool), ("s", String), ("nothing", None)])``
    (a bare ``"label"`` also means a case without payload)."""

    __slots__ = ()

    def __init__(self, cases: Iterable[Union[str, Case]]) -> None:
        cs = tuple((c, None) if isinstance(c, str) else
                   (c[0], None if c[1] is None else _check_type(c[1], "variant case"))
                   for c in cases)
        if not cs:
            raise ValueError("a variant needs at least one case")
        _check_labels([n for n, _ in cs], "variant case")
        self._init_variant(K_VARIANT, (K_VARIANT, tuple((n, None if t is None else t._key) for n, t in cs)), cs)

    def __repr__(self) -> str:
        return "variant{" + ", ".join(n if t is None else f"{n}({t!r})" for n, t in self.cases) + "}"


class Enum(_VariantLike):
    """``enum``: ``Enum(["a", "b"])``; values are the label strings."""

    __slots__ = ("labels",)
    labels: _Tuple[str, ...]

    def __init__(self, labels: Iterable[str]) -> None:
        ls = _check_labels(list(labels), "enum")
        if not ls:
            raise ValueError("an enum needs at least one case")
        object.__setattr__(self, "labels", ls)
        self._init_variant(K_ENUM, (K_ENUM, ls), tuple((l, None) for l in ls))
        object.__setattr__(self, "_classes", frozenset([str]))
        object.__setattr__(self, "tagged", False)

    def __repr__(self) -> str:
        return "enum{" + ", ".join(self.labels) + "}"


class Option(_VariantLike):
    """``option<T>``: a variant ``none | some(T)``; ``None`` or the value when
    untagged, ``Variant("none")``/``Variant("some", v)`` when tagged (e.g.
    ``option<option<T>>``)."""

    __slots__ = ("element",)
    element: ValType

    def __init__(self, element: ValType) -> None:
        _check_type(element, "option payload")
        object.__setattr__(self, "element", element)
        self._init_variant(K_OPTION, (K_OPTION, element._key), (("none", None), ("some", element)))

    def __repr__(self) -> str:
        return f"option<{self.element!r}>"


class Result(_VariantLike):
    """``result<T, E>``: a variant ``ok(T?) | error(E?)``; ``None`` means no
    payload. Tagged values use tags ``"ok"`` and ``"err"`` (as wasmtime-py)."""

    __slots__ = ("ok", "err")
    ok: _Opt[ValType]
    err: _Opt[ValType]

    def __init__(self, ok: _Opt[ValType] = None, err: _Opt[ValType] = None) -> None:
        if ok is not None:
            _check_type(ok, "result ok")
        if err is not None:
            _check_type(err, "result error")
        object.__setattr__(self, "ok", ok)
        object.__setattr__(self, "err", err)
        self._init_variant(K_RESULT, (K_RESULT, None if ok is None else ok._key, None if err is None else err._key),
                           (("ok", ok), ("err", err)))

    def __repr__(self) -> str:
        if self.ok is None and self.err is None:
            return "result"
        if self.err is None:
            return f"result<{self.ok!r}>"
        return f"result<{'_' if self.ok is None else repr(self.ok)}, {self.err!r}>"


class Flags(ValType):
    """``flags``: ``Flags(["a", "b"])``, 1 to 32 labels (CanonicalABI.md bounds
    flags to 32); a bit-vector of 1, 2 or 4 bytes, flat ``i32``; values are
    ``set[str]``."""

    __slots__ = ("labels",)
    labels: _Tuple[str, ...]

    def __init__(self, labels: Iterable[str]) -> None:
        ls = _check_labels(list(labels), "flags")
        if not 0 < len(ls) <= 32:
            raise ValueError("flags need 1 to 32 labels")
        object.__setattr__(self, "labels", ls)
        size = 1 if len(ls) <= 8 else 2 if len(ls) <= 16 else 4
        self._init(K_FLAGS, (K_FLAGS, ls), size, size, ["i32"], frozenset([set]))

    def __repr__(self) -> str:
        return "flags{" + ", ".join(self.labels) + "}"


_MAP_KEY_KINDS = {K_BOOL, K_S8, K_U8, K_S16, K_U16, K_S32, K_U32, K_S64, K_U64, K_CHAR, K_STRING}


class Map(ValType):
    """``map<K, V>``: laid out as ``list<tuple<K, V>>`` (see the module doc);
    values are ``dict``."""

    __slots__ = ("key", "value", "entry")
    key: ValType
    value: ValType
    entry: Tuple

    def __init__(self, key: ValType, value: ValType) -> None:
        _check_type(key, "map key")
        _check_type(value, "map value")
        if key.kind not in _MAP_KEY_KINDS:
            raise TypeError(f"map keys must be bool, an integer, char or string, not {key!r}")
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "entry", Tuple([key, value]))
        self._init(K_MAP, (K_MAP, key._key, value._key), 8, 4, ["i32", "i32"], frozenset([dict]))

    def __repr__(self) -> str:
        return f"map<{self.key!r}, {self.value!r}>"


class _Handle(ValType):
    __slots__ = ("resource",)
    resource: ResourceType

    def __init__(self, kind: int, resource: ResourceType) -> None:
        if not isinstance(resource, ResourceType):
            raise TypeError("own/borrow need a cmabi.types.ResourceType")
        object.__setattr__(self, "resource", resource)
        self._init(kind, (kind, resource), 4, 4, ["i32"], frozenset([int]))


class Own(_Handle):
    """``own<R>``: an owned handle (an index into the guest's handle table in
    memory, the resource's ``int`` representation in Python)."""

    __slots__ = ()

    def __init__(self, resource: ResourceType) -> None:
        super().__init__(K_OWN, resource)

    def __repr__(self) -> str:
        return f"own<{self.resource.name}>"


class Borrow(_Handle):
    """``borrow<R>``: a borrowed handle, valid for the duration of one call."""

    __slots__ = ()

    def __init__(self, resource: ResourceType) -> None:
        super().__init__(K_BORROW, resource)

    def __repr__(self) -> str:
        return f"borrow<{self.resource.name}>"


def flatten_types(types: Iterable[ValType]) -> _List[str]:
    """The concatenated flattening of ``types``."""
    return [f for t in types for f in t.flat]


def flatten_functype(params: Sequence[ValType], results: Sequence[ValType],
                     context: str) -> _Tuple[_List[str], _List[str]]:
    """The core signature of a (synchronous) component function, as the spec's
    ``flatten_functype``: ``context`` is ``'lift'`` (a guest export called by the
    host: spilled results come back as one ``i32`` pointer) or ``'lower'`` (a host
    import called by the guest: spilled results go to an ``i32`` return pointer
    appended to the parameters)."""
    if context not in ("lift", "lower"):
        raise ValueError("context must be 'lift' or 'lower'")
    flat_params = flatten_types(params)
    flat_results = flatten_types(results)
    if len(flat_params) > MAX_FLAT_PARAMS:
        flat_params = ["i32"]
    if len(flat_results) > MAX_FLAT_RESULTS:
        if context == "lift":
            flat_results = ["i32"]
        else:
            flat_params = flat_params + ["i32"]
            flat_results = []
    return flat_params, flat_results


class FuncType:
    """A component function type: ``FuncType([("a", U32), ("s", String)], Result(U32, String))``.

    ``params``: ``(name, type)`` pairs; ``results``: the one result type or ``None``
    (WIT functions have at most one result). Immutable, structural equality.
    ``param_types``/``result_types`` are the type tuples the lift/lower functions
    take; :meth:`flat` gives the core signature.
    """

    __slots__ = ("params", "result", "param_types", "result_types", "_key")
    params: _Tuple[_Tuple[str, ValType], ...]
    result: _Opt[ValType]
    param_types: _Tuple[ValType, ...]
    result_types: _Tuple[ValType, ...]
    _key: Any

    def __init__(self, params: Iterable[_Tuple[str, ValType]] = (), results: _Opt[ValType] = None) -> None:
        ps = tuple((name, _check_type(t, "parameter")) for name, t in params)
        _check_labels([n for n, _ in ps], "parameter")
        if results is not None:
            _check_type(results, "result")
        s = object.__setattr__
        s(self, "params", ps)
        s(self, "result", results)
        s(self, "param_types", tuple(t for _, t in ps))
        s(self, "result_types", () if results is None else (results,))
        s(self, "_key", (tuple((n, t._key) for n, t in ps), None if results is None else results._key))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("FuncType is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("FuncType is immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FuncType) and self._key == other._key

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(self._key)

    def flat(self, context: str) -> _Tuple[_List[str], _List[str]]:
        """The core ``(params, results)`` of this function lifted (``'lift'``: a
        guest export) or lowered (``'lower'``: a host import); see
        :func:`flatten_functype`."""
        return flatten_functype(self.param_types, self.result_types, context)

    def __repr__(self) -> str:
        ps = ", ".join(f"{n}: {t!r}" for n, t in self.params)
        return f"func({ps})" + ("" if self.result is None else f" -> {self.result!r}")
