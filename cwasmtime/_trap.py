"""Wasm traps (``Trap``, ``TrapCode``, backtrace ``Frame``s) and the result checkers the
hot paths use to turn failed C calls into Python exceptions."""
from __future__ import annotations

from enum import Enum
from typing import Any, List, Optional, Tuple, Type

from ._capi import ffi, lib
from ._error import WasmtimeError, exception_state, read_byte_vec
from ._managed import Managed

__all__ = ["Trap", "TrapCode", "Frame", "call_failure", "check"]

_NULL = ffi.NULL
# Bound and parsed once at import (see the note on ffi's lock in _capi).
_trap_delete = lib.wasm_trap_delete
_BYTE_VEC_P = ffi.typeof("wasm_byte_vec_t *")
_FRAME_VEC_P = ffi.typeof("wasm_frame_vec_t *")
_TRAP_CODE_P = ffi.typeof("wasmtime_trap_code_t *")
_TRAP_P = ffi.typeof("wasm_trap_t *")
_ERROR_P = ffi.typeof("wasmtime_error_t *")


class TrapCode(Enum):
    """Why wasm trapped (``wasmtime_trap_code_t``)."""

    STACK_OVERFLOW = 0
    MEMORY_OUT_OF_BOUNDS = 1
    HEAP_MISALIGNED = 2
    TABLE_OUT_OF_BOUNDS = 3
    INDIRECT_CALL_TO_NULL = 4
    BAD_SIGNATURE = 5
    INTEGER_OVERFLOW = 6
    INTEGER_DIVISION_BY_ZERO = 7
    BAD_CONVERSION_TO_INTEGER = 8
    UNREACHABLE = 9
    INTERRUPT = 10
    OUT_OF_FUEL = 11
    ATOMIC_WAIT_NON_SHARED_MEMORY = 12
    NULL_REFERENCE = 13
    ARRAY_OUT_OF_BOUNDS = 14
    ALLOCATION_TOO_LARGE = 15
    CAST_FAILURE = 16
    CANNOT_ENTER_COMPONENT = 17
    NO_ASYNC_RESULT = 18
    UNHANDLED_TAG = 19
    CONTINUATION_ALREADY_CONSUMED = 20
    DISABLED_OPCODE = 21
    ASYNC_DEADLOCK = 22
    CANNOT_LEAVE_COMPONENT = 23
    CANNOT_BLOCK_SYNC_TASK = 24
    INVALID_CHAR = 25
    DEBUG_ASSERT_STRING_ENCODING_FINISHED = 26
    DEBUG_ASSERT_EQUAL_CODE_UNITS = 27
    DEBUG_ASSERT_POINTER_ALIGNED = 28
    DEBUG_ASSERT_UPPER_BITS_UNSET = 29
    STRING_OUT_OF_BOUNDS = 30
    LIST_OUT_OF_BOUNDS = 31
    INVALID_DISCRIMINANT = 32
    UNALIGNED_POINTER = 33
    TASK_CANCEL_NOT_CANCELLED = 34
    TASK_CANCEL_OR_RETURN_TWICE = 35
    SUBTASK_CANCEL_AFTER_TERMINAL = 36
    TASK_RETURN_INVALID = 37
    WAITABLE_SET_DROP_HAS_WAITERS = 38
    SUBTASK_DROP_NOT_RESOLVED = 39
    THREAD_NEW_INDIRECT_INVALID_TYPE = 40
    THREAD_NEW_INDIRECT_UNINITIALIZED = 41
    BACKPRESSURE_OVERFLOW = 42
    UNSUPPORTED_CALLBACK_CODE = 43
    CANNOT_RESUME_THREAD = 44
    CONCURRENT_FUTURE_STREAM_OP = 45
    REFERENCE_COUNT_OVERFLOW = 46
    STREAM_OP_TOO_BIG = 47
    WAITABLE_SYNC_AND_ASYNC = 48
    UNCAUGHT_EXCEPTION = 49


def _name_or_none(name: Any) -> Optional[str]:
    if name == _NULL:
        return None
    return read_byte_vec(name).decode("utf-8")


class Frame:
    """One entry of a trap's wasm backtrace.

    Wasmtime's ``wasm_frame_t`` (even a ``wasm_frame_copy``) borrows the backtrace of the
    trap it came from, so a Frame copies its data out instead of keeping the pointer: it
    stays valid after the trap is closed or collected."""

    __slots__ = ("_func_index", "_func_name", "_module_name", "_func_offset", "_module_offset")

    def __init__(self, func_index: int, func_name: Optional[str], module_name: Optional[str],
                 func_offset: int, module_offset: int) -> None:
        self._func_index = func_index
        self._func_name = func_name
        self._module_name = module_name
        self._func_offset = func_offset
        self._module_offset = module_offset

    @classmethod
    def _from_ptr(cls, ptr: Any) -> "Frame":
        """Read a (borrowed) ``wasm_frame_t*``; the pointer is not kept."""
        return cls(int(lib.wasm_frame_func_index(ptr)),
                   _name_or_none(lib.wasmtime_frame_func_name(ptr)),
                   _name_or_none(lib.wasmtime_frame_module_name(ptr)),
                   int(lib.wasm_frame_func_offset(ptr)),
                   int(lib.wasm_frame_module_offset(ptr)))

    @property
    def func_index(self) -> int:
        """Index of the frame's function in its module."""
        return self._func_index

    @property
    def func_name(self) -> Optional[str]:
        """The function's name from the name section, or None."""
        return self._func_name

    @property
    def module_name(self) -> Optional[str]:
        """The module's name from the name section, or None."""
        return self._module_name

    @property
    def module_offset(self) -> int:
        """Program counter of this frame as a byte offset into the module."""
        return self._module_offset

    @property
    def func_offset(self) -> int:
        """Program counter of this frame as a byte offset into the function."""
        return self._func_offset

    def __reduce__(self) -> Tuple[Any, ...]:
        return (Frame, (self._func_index, self._func_name, self._module_name,
                        self._func_offset, self._module_offset))


def _frames_of(vec: Any) -> List[Frame]:
    """Read every frame of a filled ``wasm_frame_vec_t*`` (whose trap or error must still
    be alive), then free the vector."""
    try:
        return [Frame._from_ptr(vec.data[i]) for i in range(vec.size)]
    finally:
        lib.wasm_frame_vec_delete(vec)


class Trap(Exception, Managed[Any]):
    """A wasm trap (an owned ``wasm_trap_t*``), raised from calls into wasm. Host
    functions may raise ``Trap(message)`` to trap the calling wasm."""

    # (message, trap_code, frames) once the native trap is gone: closed, or
    # unpickled from another process (its native trap has the message only).
    _text: Optional[Tuple[str, Optional[TrapCode], List[Frame]]] = None

    def __init__(self, message: str) -> None:
        data = message.encode("utf-8")
        self._set_ptr(lib.wasmtime_trap_new(data, len(data)))

    def _delete(self, ptr: Any) -> None:
        _trap_delete(ptr)

    @classmethod
    def _from_ptr(cls, ptr: Any) -> "Trap":
        """Take ownership of a non-NULL ``wasm_trap_t*``."""
        if ptr == _NULL:
            raise ValueError("NULL wasm_trap_t pointer")
        trap: Trap = cls.__new__(cls)
        trap._set_ptr(ptr)
        return trap

    @property
    def message(self) -> str:
        """The trap's message (with the wasm backtrace, if any)."""
        if self._text is not None:
            return self._text[0]
        vec = ffi.new(_BYTE_VEC_P)
        lib.wasm_trap_message(self.ptr(), vec)
        try:
            data = read_byte_vec(vec)
        finally:
            lib.wasm_byte_vec_delete(vec)
        if data.endswith(b"\0"):
            del data[-1]
        return data.decode("utf-8", errors="replace")

    @property
    def frames(self) -> List[Frame]:
        """The wasm backtrace, innermost frame first."""
        if self._text is not None:
            return list(self._text[2])
        vec = ffi.new(_FRAME_VEC_P)
        lib.wasm_trap_trace(self.ptr(), vec)
        return _frames_of(vec)

    @property
    def trap_code(self) -> Optional[TrapCode]:
        """Why wasm trapped; None for traps created by the host (``Trap("...")``)."""
        if self._text is not None:
            return self._text[1]
        code = ffi.new(_TRAP_CODE_P)
        if lib.wasmtime_trap_code(self.ptr(), code):
            try:
                return TrapCode(code[0])
            except ValueError:  # a code newer than this enum
                return None
        return None

    def __str__(self) -> str:
        return self.message

    def close(self) -> None:
        """Free the native trap; message, code and frames stay readable."""
        if self._is_open():
            self._text = (self.message, self.trap_code, self.frames)
        super().close()

    def __del__(self) -> None:
        super().close()  # nothing to keep

    def __reduce__(self) -> Tuple[Any, ...]:
        # As text (see WasmtimeError.__reduce__): message, code and frames.
        return (_rebuild_trap, (type(self), self.args, (self.message, self.trap_code, self.frames)),
                exception_state(self))


def _rebuild_trap(cls: Type[Trap], args: Tuple[Any, ...],
                  text: Tuple[str, Optional[TrapCode], List[Frame]]) -> Trap:
    trap = cls.__new__(cls, *args)
    data = text[0].encode("utf-8")
    trap._set_ptr(lib.wasmtime_trap_new(data, len(data)))
    trap._text = text
    return trap


def call_failure(error_address: int, trap_address: int) -> BaseException:
    """Turns the error/trap pointers a failed C call produced (addresses as ints, 0 =
    NULL; at most one is non-zero, ownership passes to this function) into the Python
    exception to raise: WasmtimeError/ExitTrap for an error, Trap for a trap."""
    if error_address:
        if trap_address:  # not expected from Wasmtime; do not leak it
            _trap_delete(ffi.cast(_TRAP_P, trap_address))
        return WasmtimeError._from_ptr(ffi.cast(_ERROR_P, error_address))
    if trap_address:
        return Trap._from_ptr(ffi.cast(_TRAP_P, trap_address))
    return WasmtimeError("call failed without an error or a trap")


def check(error: Any) -> None:
    """Raise WasmtimeError/ExitTrap if the wasmtime_error_t* cdata is non-NULL (taking
    ownership)."""
    if error != _NULL:
        raise WasmtimeError._from_ptr(error)
