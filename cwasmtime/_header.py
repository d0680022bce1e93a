"""Where ``include/cwasmtime.h`` lives and how CFFI reads it. No import side effects."""
from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent
# An installed package carries a copy of the header inside itself (setup.py puts it
# there); a source checkout or editable install reads the top-level include/.
_CANDIDATES = (_HERE / "include" / "cwasmtime.h", _HERE.parent / "include" / "cwasmtime.h")


def header_path() -> Path:
    for candidate in _CANDIDATES:
        if candidate.is_file():
            return candidate
    raise ImportError("cwasmtime is installed without include/cwasmtime.h; reinstall the package")


def cdef_source(path: Path | None = None) -> str:
    """The header as CFFI's ``cdef`` accepts it: every preprocessor line blanked
    (line numbers stay the same, so CFFI's error messages point at the header)."""
    text = (path or header_path()).read_text(encoding="utf-8")
    return "\n".join("" if line.lstrip().startswith("#") else line for line in text.splitlines())
