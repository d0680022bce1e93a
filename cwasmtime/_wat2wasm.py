"""Text-format (WAT) to binary conversion."""
from __future__ import annotations

from typing import Union

from ._capi import ffi, lib
from ._error import read_byte_vec
from ._trap import check

__all__ = ["wat2wasm"]

_BYTE_VEC_P = ffi.typeof("wasm_byte_vec_t *")


def wat2wasm(wat: Union[str, bytes]) -> bytearray:
    """Convert WebAssembly text to the binary format; raises WasmtimeError on a parse error.

    >>> wat2wasm('(module)')
    bytearray(b'\\x00asm\\x01\\x00\\x00\\x00')
    """
    if isinstance(wat, str):
        data = wat.encode("utf-8")
    elif isinstance(wat, (bytes, bytearray, memoryview)):
        data = bytes(wat)
    else:
        raise TypeError("expected a str or bytes")
    vec = ffi.new(_BYTE_VEC_P)
    check(lib.wasmtime_wat2wasm(data, len(data), vec))
    try:
        return read_byte_vec(vec)
    finally:
        lib.wasm_byte_vec_delete(vec)


def _to_wasm(wasm: Union[str, bytes, bytearray]) -> Union[bytes, bytearray]:
    """The binary module for ``wasm``: text (a ``str``, or ``bytes`` not starting with a
    NUL byte) is converted; a ``bytearray`` is taken as binary as-is."""
    if isinstance(wasm, str) and wasm and wasm[0] != "\0":
        return wat2wasm(wasm)
    if isinstance(wasm, bytes) and wasm and wasm[0] != 0:
        return wat2wasm(wasm)
    if not isinstance(wasm, (bytes, bytearray)):
        raise TypeError("expected wasm bytes")
    return wasm
