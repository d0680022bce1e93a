"""Strings and paths for C functions that take NUL-terminated ``char*``: a NUL byte inside
would silently cut them short (another file, argument or setting than the one given), so
it raises ValueError, as Python's own file functions do."""
from __future__ import annotations

import os
from typing import Any, Union

__all__ = ["c_string", "c_path"]


def _no_nul(data: bytes) -> bytes:
    if b"\0" in data:
        raise ValueError("embedded null byte")
    return data


def c_string(text: str) -> bytes:
    """``text`` as UTF-8 for a ``char*``."""
    return _no_nul(text.encode("utf-8"))


def c_path(path: Union[str, bytes, "os.PathLike[Any]"]) -> bytes:
    """A file system path (str, bytes or path-like) for a ``char*``."""
    raw = os.fspath(path)
    return _no_nul(raw if isinstance(raw, bytes) else raw.encode("utf-8"))
