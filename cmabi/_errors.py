"""The one exception the Canonical ABI raises for guest-caused failures, and the
refusal to copy objects holding live state (shared with cwasmtime, which builds on
cmabi)."""
from typing import NoReturn


class Trap(Exception):
    """A Canonical ABI trap: the guest broke a rule of the ABI (a bad pointer, an
    invalid char or string, a discriminant out of range, a bad handle ...).

    Host-side mistakes (a Python value of the wrong type for its component type)
    raise ``TypeError``/``ValueError`` instead; a Trap always means the guest or its
    memory is at fault. It subclasses nothing wasmtime-specific, so callers can map
    it to their runtime's trap type.
    """


def refuse_copy(obj: object) -> NoReturn:
    """The ``__reduce__`` of objects holding live state (a C pointer, a Store, a call's
    handles): ``copy.copy``, ``copy.deepcopy`` and ``pickle`` all go through it, and a
    shallow copy would share (or free twice) what only one object may own. A class
    whose state can be rebuilt from data overrides ``__reduce__`` instead."""
    raise TypeError(f"cannot copy or pickle {type(obj).__name__} objects: they hold live state "
                    "(a native handle, or an instance's data) that only the original may own")
