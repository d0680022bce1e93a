"""CFFI binding of libwasmtime in ABI mode: the long tail of the C API (everything that
happens once per compile, link or configure). Hot paths live in ``_native`` (Cython).

The declarations come from ``_cdefs``, generated from ``include/cwasmtime.h`` when the
package is built (see ``_header``): importing it costs milliseconds where parsing the
header would cost ~0.4 s at every start."""
from __future__ import annotations

from . import _library

try:
    from ._cdefs import ffi as ffi
except ImportError as exc:  # a source checkout that was never built
    raise ImportError(
        "cwasmtime is not built: cwasmtime/_cdefs.py (generated from include/cwasmtime.h) "
        "is missing; install the package (pip install .) or build it in place "
        "(pip install -e .)") from exc

# Realize the component value structs once, starting from a record entry: CFFI 2.1
# aborts the process ("lost a struct/union") when it completes the mutually recursive
# wasmtime_component_val_t starting from the struct itself or a list holding it.
ffi.typeof("wasmtime_component_valrecord_entry_t")

library = _library.resolve()
lib = ffi.dlopen(library.path)

# Resolve every function now (~2 ms): a finalizer that runs while CFFI is realizing a
# type (any allocation can trigger the GC) then never needs a realization of its own.
for _name in dir(lib):
    getattr(lib, _name)
del _name
