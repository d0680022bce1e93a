"""``WasmtimeError`` (an owned ``wasmtime_error_t*``) and its WASI-exit subclass ``ExitTrap``."""
from __future__ import annotations

from typing import Any, Optional

from ._capi import ffi, lib
from ._managed import Managed
from ._pooling import name_limit

__all__ = ["WasmtimeError", "ExitTrap", "read_byte_vec"]

# Bound and parsed once at import (see the note on ffi's lock in _capi).
_error_delete = lib.wasmtime_error_delete
_BYTE_VEC_P = ffi.typeof("wasm_byte_vec_t *")
_INT_P = ffi.typeof("int *")


def read_byte_vec(vec: Any) -> bytearray:
    """Copy the bytes of a ``wasm_byte_vec_t*`` (not freeing it)."""
    size = vec.size
    return bytearray(ffi.buffer(vec.data, size)) if size else bytearray()


class WasmtimeError(Exception, Managed[Any]):
    """An error reported by Wasmtime (compilation, linking, instantiation, ...)."""

    _message: Optional[str] = None

    def __init__(self, message: str) -> None:
        self._message = message
        self._set_ptr(lib.wasmtime_error_new(message.encode("utf-8")))

    def _delete(self, ptr: Any) -> None:
        _error_delete(ptr)

    @classmethod
    def _from_ptr(cls, ptr: Any) -> "WasmtimeError":
        """Take ownership of a non-NULL ``wasmtime_error_t*``; an error that carries a
        WASI exit status becomes an :class:`ExitTrap`."""
        if ptr == ffi.NULL:
            raise ValueError("NULL wasmtime_error_t pointer")
        status = ffi.new(_INT_P)
        err: WasmtimeError
        if lib.wasmtime_error_exit_status(ptr, status):
            exit_trap = ExitTrap.__new__(ExitTrap)
            exit_trap.code = status[0]
            err = exit_trap
        else:
            err = cls.__new__(cls)
        err._set_ptr(ptr)
        return err

    def __str__(self) -> str:
        message = self._message
        if message is None:
            vec = ffi.new(_BYTE_VEC_P)
            lib.wasmtime_error_message(self.ptr(), vec)
            try:
                message = name_limit(read_byte_vec(vec).decode("utf-8", errors="replace"))
            finally:
                lib.wasm_byte_vec_delete(vec)
            self._message = message
        return message


class ExitTrap(WasmtimeError):
    """Raised when a WASI program calls ``proc_exit``; ``code`` is its exit status."""

    code: int
