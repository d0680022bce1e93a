"""The Python value model shared with wasmtime-py 50's ``wasmtime.component``.

How a component value looks in Python:

=====================  =====================================================
bool                   ``bool`` (lifting: any nonzero byte is ``True``)
s8 .. u64              ``int`` (lowering wraps modulo 2**bits)
f32, f64               ``float`` (lifting canonicalizes NaN)
char                   a one-character ``str``
string                 ``str``
list<u8>, list<u8, N>  ``bytes`` (lowering also takes bytearray/memoryview)
list<T>, list<T, N>    ``list``
record                 :class:`Record` (attributes named after the fields)
tuple                  ``tuple``
variant, option,       *untagged* when the Python classes of the cases are
result                 disjoint: the payload itself (``None`` for a case without
                       payload); otherwise *tagged*: ``Variant(tag, payload)``.
                       option tags: ``none``/``some``; result tags: ``ok``/``err``
enum                   the case name, a ``str``
flags                  ``set[str]`` of the flags that are set
map<K, V>              ``dict``
own<R>, borrow<R>      the resource's representation, an ``int``
=====================  =====================================================

Lowering accepts exactly these values (the rules of ``cmabi/_accept.pxd``, shared with
``cwasmtime.component``; an untagged case is picked by the value's own class first), and
``Context(lenient=True)`` a few more (the README's "One value model").

The tagging rule and the two classes below behave exactly like wasmtime-py's
(``Record`` compares its attributes, ``Variant`` is a ``(tag, payload)`` pair), and
compare equal to wasmtime-py's own ``Record``/``Variant`` objects, so values move
between both APIs unchanged.
"""
from typing import AbstractSet, Any, FrozenSet, Iterable, Optional, Tuple

__all__ = ["Record", "Variant", "variant_tagging"]


class Record:
    """A record value: one attribute per field (``Record(a=1, b="x")``, or
    ``Record()`` then ``setattr``, as wasmtime-py does).

    Equality is wasmtime-py's: every attribute of ``self`` must exist on ``other``
    with an equal value. Records are unhashable, as there.
    """

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)

    def __eq__(self, other: Any) -> bool:
        for key, value in self.__dict__.items():
            if not hasattr(other, key) or getattr(other, key) != value:
                return False
        return True

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items())
        return f"Record({inner})"


class Variant:
    """A tagged variant/option/result value: the case name and its payload
    (``None`` for a case without one). Same constructor and equality as
    wasmtime-py's dataclass ``Variant(tag, payload=None)``; it also compares equal
    to any other class named ``Variant`` with equal ``tag`` and ``payload`` (so to
    wasmtime-py's)."""

    __slots__ = ("tag", "payload")
    tag: str
    payload: Optional[Any]

    def __init__(self, tag: str, payload: Optional[Any] = None) -> None:
        self.tag = tag
        self.payload = payload

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__ or type(other).__name__ == "Variant":
            try:
                return (self.tag, self.payload) == (other.tag, other.payload)  # type: ignore[attr-defined]
            except AttributeError:
                return NotImplemented
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Variant(tag={self.tag!r}, payload={self.payload!r})"


def variant_tagging(cases: Iterable[Optional[AbstractSet[type]]]) -> Tuple[bool, FrozenSet[type]]:
    """wasmtime-py's tagging rule for a variant-like type, from the Python classes of
    each case's payload (``None``: the case has no payload, which counts as
    ``object``): tagged as soon as two cases share a class. Returns ``(tagged,
    classes)``, the classes a value of the variant lifts to: ``{Variant}`` when
    tagged, otherwise the union of the cases' classes."""
    seen: "set[type]" = set()
    tagged = False
    for classes in cases:
        case = {object} if classes is None else set(classes)
        if case & seen:
            tagged = True
        seen |= case
    return tagged, (frozenset([Variant]) if tagged else frozenset(seen))
