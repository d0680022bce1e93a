"""``WasmtimeError`` (an owned ``wasmtime_error_t*``) and its WASI-exit subclass ``ExitTrap``."""
from __future__ import annotations

from typing import Any, Dict, Optional, Tuple, Type

from ._capi import ffi, lib
from ._managed import Managed
from ._pooling import name_limit

__all__ = ["WasmtimeError", "ExitTrap", "UnknownNameError", "read_byte_vec"]

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

    def close(self) -> None:
        """Free the native error; the message stays readable."""
        if self._is_open():
            str(self)
        super().close()

    def __del__(self) -> None:
        super().close()  # nothing to keep

    def __reduce__(self) -> Tuple[Any, ...]:
        # As text, so that it crosses processes (multiprocessing sends a worker's
        # exception to its parent pickled; unpickling must not fail there, or
        # Pool.map waits forever): the args, the message, the attributes
        # (ExitTrap.code). The copy gets a new native error with that message.
        return (_rebuild, (type(self), self.args, str(self)), exception_state(self))


# The native pointer, and what is rebuilt from the pickled text instead.
_NATIVE_STATE = frozenset(("_managed_ptr", "_message", "_text"))


def exception_state(exc: BaseException) -> Optional[Dict[str, Any]]:
    """The attributes of one of our exceptions to pickle: all but its native state."""
    state = {k: v for k, v in vars(exc).items() if k not in _NATIVE_STATE}
    return state or None


def _rebuild(cls: Type["WasmtimeError"], args: Tuple[Any, ...], message: str) -> "WasmtimeError":
    err = cls.__new__(cls, *args)
    err._message = message
    err._set_ptr(lib.wasmtime_error_new(message.encode("utf-8")))
    return err


class UnknownNameError(WasmtimeError, ValueError):
    """A component value names an enum case or a flag its type lacks. Raised before the
    call (Wasmtime would refuse the value too, and then every later call into the
    instance): a ``WasmtimeError`` as in wasmtime-py, and the ``ValueError`` that cmabi
    raises for the same value (the rules both share, cmabi/_accept.pxd)."""


class ExitTrap(WasmtimeError):
    """Raised when a WASI program calls ``proc_exit``; ``code`` is its exit status."""

    code: int
