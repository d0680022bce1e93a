"""How cwasmtime's objects print: one scheme for the whole API.

A type prints as ``Name(contents)``: ``FuncType((i32, i32) -> i32)``,
``MemoryType(min=1, max=None)``, ``ListType(U8())``; a value type by its name (``i32``,
as wasmtime-py prints it; the component primitives as ``U8()``). Anything else prints
as ``<Name details>``: ``<Func (i32, i32) -> i32>``, ``<Memory 1 page, MemoryType(min=1,
max=None)>``; once closed, ``<Name (closed)>``; if its Store is closed, ``<Name (store
closed)>``. A repr never raises, runs no wasm and changes nothing."""
from __future__ import annotations

from itertools import islice
from typing import Any, Callable, Iterable, Sequence, Tuple

from ._error import WasmtimeError

# Items listed by a Module's, an Instance's or a Component's repr before "... N more".
LISTED = 5


def signature(params: Iterable[str], results: Sequence[str]) -> str:
    """``(i32, i32) -> i32``; no results print as ``()``, several as a tuple."""
    result = results[0] if len(results) == 1 else f"({', '.join(results)})"
    return f"({', '.join(params)}) -> {result}"


def core_signature(ty: Any) -> str:
    """The signature of a core ``FuncType``."""
    return signature(map(str, ty.params), [str(t) for t in ty.results])


def describe_type(ty: Any) -> str:
    """A core extern type in a listing: a function by its signature, else its repr."""
    from ._types import FuncType
    return core_signature(ty) if isinstance(ty, FuncType) else repr(ty)


def count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def listing(items: Iterable[Tuple[str, str]], total: int) -> str:
    """``[name: what, ...]``, the first LISTED of ``total`` items, then ``... N more``."""
    shown = [f"{name}: {what}" for name, what in islice(items, LISTED)]
    if total > LISTED:
        shown.append(f"... {total - LISTED} more")
    return f"[{', '.join(shown)}]"


def name_of(obj: Any) -> str:
    """The name an object prints under: its class's, or ``_repr_name`` where a class of
    the component API shares its name with a core one (``component.Func``)."""
    return getattr(obj, "_repr_name", type(obj).__name__)


def in_store(obj: Any, store: Any, details: Callable[[Any], str]) -> str:
    """``<Name details(store)>`` for an object living in ``store``, if that Store is open
    and not running wasm on another thread (its state cannot be read then)."""
    try:
        store._context()
    except ValueError:
        return f"<{name_of(obj)} (store closed)>"
    except WasmtimeError:
        return f"<{name_of(obj)} (store busy in another thread)>"
    text = details(store)
    return f"<{name_of(obj)} {text}>" if text else f"<{name_of(obj)}>"
