"""``include/cwasmtime.h`` as CFFI reads it, and the build step that turns it into the
out-of-line module ``cwasmtime/_cdefs.py``. No import side effects: ``setup.py`` and
``scripts/gen_layout_table.py`` load this file by path, without the package.

The header is parsed (pycparser, ~0.4 s) once, when the package is built; at run time
``cwasmtime._capi`` imports the generated module, whose type tables CFFI's C code reads
lazily, so no import pays for the parse."""
from __future__ import annotations

import hashlib
from pathlib import Path

HEADER = Path(__file__).resolve().parent.parent / "include" / "cwasmtime.h"
#: The generated module (next to this file); gitignored, rebuilt by every build.
CDEFS = Path(__file__).resolve().parent / "_cdefs.py"


def cdef_source(path: Path | None = None) -> str:
    """The header as CFFI's ``cdef`` accepts it: every preprocessor line blanked
    (line numbers stay the same, so CFFI's error messages point at the header)."""
    text = (path or HEADER).read_text(encoding="utf-8")
    return "\n".join("" if line.lstrip().startswith("#") else line for line in text.splitlines())


def header_digest(path: Path | None = None) -> str:
    """sha256 of the header, recorded in the generated module (a test compares them)."""
    return hashlib.sha256((path or HEADER).read_bytes()).hexdigest()


def generate_cdefs(header: Path | None = None, target: Path | None = None) -> bool:
    """Write the out-of-line ABI-mode CFFI module for ``header`` to ``target``; returns
    whether the file changed (an unchanged file keeps its mtime, so nothing rebuilds)."""
    import cffi  # a build requirement; only needed here

    header = header or HEADER
    target = target or CDEFS
    ffi = cffi.FFI()
    ffi.cdef(cdef_source(header))
    ffi.set_source("cwasmtime._cdefs", None)
    generated = target.with_name(target.name + ".tmp")
    ffi.emit_python_code(str(generated))
    code = ("# Generated from include/cwasmtime.h by cwasmtime/_header.py at build time.\n"
            f"HEADER_SHA256 = {header_digest(header)!r}\n" + generated.read_text())
    generated.unlink()
    if target.is_file() and target.read_text() == code:
        return False
    target.write_text(code)
    return True
