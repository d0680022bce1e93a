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

# CFFI resolves `lib.name` and parses a type string on first use under a lock that is
# not re-entrant: a garbage-collected object whose destructor needs it while this
# thread holds it would deadlock. So every function is resolved here, and modules parse
# the types their destructors use at import.
for _name in dir(lib):
    getattr(lib, _name)
del _name
