"""Hostile stand-ins for Python values, shared by the value fuzz targets: subclasses of
int, float, str, list, tuple, dict and set whose dunders, and record/variant-like
objects whose attributes, run an *effect* first (close the Store, grow or shrink the
memory, empty the value being converted, call back in, raise...). A conversion may run
that code at any point; it must still end in a value or one of the API's clear errors."""
from typing import Any, Callable, List, Optional, Tuple

import atheris


class Boom(Exception):
    """Raised by an effect: a hostile object's own error, which must come out unchanged."""


_effect: Callable[[], None] = lambda: None


def arm(effect: Optional[Callable[[], None]]) -> None:
    """Make hostile objects run ``effect`` from now on (None: nothing)."""
    global _effect
    _effect = effect if effect is not None else (lambda: None)


def effects(fdp: "atheris.FuzzedDataProvider", actions: List[Callable[[], Any]]) -> Callable[[], None]:
    """An effect that runs, each time, the next of a few of ``actions`` (or none)
    chosen now by the fuzzer's data."""
    picks = [fdp.ConsumeIntInRange(0, len(actions)) for _ in range(8)]
    calls = iter(range(1 << 30))
    running = []

    def effect() -> None:
        if running:  # an action touching a hostile object itself
            return
        pick = picks[next(calls) % len(picks)]
        if pick < len(actions):
            running.append(1)
            try:
                actions[pick]()
            finally:
                running.pop()
    return effect


def boom() -> None:
    raise Boom("raised by a hostile value")


def run_armed(effect: Callable[[], None], call: Callable[[], Any]) -> Optional[Tuple[bool, Any]]:
    """``call()`` with hostile objects running ``effect``: ``(whether any effect ran, its
    result)``, or None if it raised what an effect may cause: a Boom, or a RuntimeError
    for a container changed during conversion."""
    ran = []

    def tracked() -> None:
        ran.append(1)
        effect()
    arm(tracked)
    try:
        got = call()
    except Boom:
        return None
    except RuntimeError as e:
        if "changed size during conversion" not in str(e):
            raise
        return None
    finally:
        arm(None)
    return bool(ran), got


def _spy(base: type, names: List[str]) -> type:
    def make(name: str) -> Callable[..., Any]:
        original = getattr(base, name)

        def method(self: Any, *args: Any) -> Any:
            _effect()
            return original(self, *args)
        return method
    return type(f"Hostile{base.__name__.title()}", (base,), {n: make(n) for n in names})


HostileInt = _spy(int, ["__index__", "__int__", "__float__", "__eq__", "__ne__", "__hash__", "__bool__"])
HostileFloat = _spy(float, ["__float__", "__eq__", "__hash__", "__bool__"])
HostileStr = _spy(str, ["__len__", "__eq__", "__hash__", "__str__", "__getitem__", "__iter__"])
HostileList = _spy(list, ["__len__", "__getitem__", "__iter__"])
HostileTuple = _spy(tuple, ["__len__", "__getitem__", "__iter__"])
HostileDict = _spy(dict, ["__len__", "__getitem__", "__iter__", "items", "keys", "values"])
HostileSet = _spy(set, ["__len__", "__iter__", "__contains__"])


class HostileFields:
    """A record: each field read runs the effect."""

    def __init__(self, fields: dict) -> None:
        self.__dict__["_fields"] = fields

    def __getattr__(self, name: str) -> Any:
        _effect()
        try:
            return self._fields[name]
        except KeyError:
            raise AttributeError(name) from None


class HostileClass:
    """Claims to be an instance of ``cls`` (its ``__class__`` runs the effect)."""

    def __init__(self, cls: type) -> None:
        self._cls = cls

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # noqa: D105
        _effect()
        return self._cls


def hostile(fdp: "atheris.FuzzedDataProvider", value: Any, record_type: type, variant_type: type) -> Any:
    """``value`` as it is, or (chosen by the fuzzer) a hostile stand-in for it, deeply;
    ``record_type``/``variant_type``: the API's Record and Variant classes."""
    def inner(v: Any) -> Any:
        return hostile(fdp, v, record_type, variant_type)
    if fdp.ConsumeIntInRange(0, 2) == 0:
        return value
    if isinstance(value, bool) or value is None:
        return HostileClass(type(value)) if fdp.ConsumeBool() else value
    if isinstance(value, int):
        return HostileInt(value)
    if isinstance(value, float):
        return HostileFloat(value)
    if isinstance(value, str):
        return HostileStr(value)
    if isinstance(value, list):
        return HostileList(inner(v) for v in value)
    if isinstance(value, tuple):
        return HostileTuple(inner(v) for v in value)
    if isinstance(value, dict):
        return HostileDict({k: inner(v) for k, v in value.items()})
    if isinstance(value, (set, frozenset)):
        return HostileSet(inner(v) for v in value)
    if isinstance(value, record_type):
        return HostileFields({k: inner(v) for k, v in vars(value).items()})
    if isinstance(value, variant_type):
        payload = inner(value.payload)

        class HostileVariant(variant_type):  # type: ignore[misc, valid-type]
            @property
            def payload(self) -> Any:
                _effect()
                return payload

            def __init__(self, tag: str) -> None:
                self.tag = HostileStr(tag)
        return HostileVariant(value.tag)
    return value
