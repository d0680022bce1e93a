"""The one exception the Canonical ABI raises for guest-caused failures."""


class Trap(Exception):
    """A Canonical ABI trap: the guest broke a rule of the ABI (a bad pointer, an
    invalid char or string, a discriminant out of range, a bad handle ...).

    Host-side mistakes (a Python value of the wrong type for its component type)
    raise ``TypeError``/``ValueError`` instead; a Trap always means the guest or its
    memory is at fault. It subclasses nothing wasmtime-specific, so callers can map
    it to their runtime's trap type.
    """
