"""CFFI binding of libwasmtime in ABI mode: the long tail of the C API (everything that
happens once per compile, link or configure). Hot paths live in ``_native`` (Cython)."""
from __future__ import annotations

import cffi

from . import _library
from ._header import cdef_source

ffi = cffi.FFI()
ffi.cdef(cdef_source())
library = _library.resolve()
lib = ffi.dlopen(library.path)
