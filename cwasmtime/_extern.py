"""The Python objects for ``wasmtime_extern_t`` items (the conversion is in the Cython
core, ``_externs.pxi``)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Union

from ._native import wrap_extern as wrap_extern

if TYPE_CHECKING:
    from ._native import Func, Global, Memory, Table, Tag
    from ._sharedmemory import SharedMemory

AsExtern = Union["Func", "Table", "Memory", "SharedMemory", "Global", "Tag"]

__all__ = ["AsExtern", "wrap_extern"]
