"""``SharedMemory``: a linear memory owned by an Engine that any thread (and any Store
of that Engine) may use. Every access is bounds-checked against the current size,
which is re-read each time because another thread may grow it."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Optional, SupportsIndex, Union

from ._capi import ffi, lib
from ._engine import Engine
from ._error import WasmtimeError
from ._managed import Managed, lent
from ._repr import count
from ._trap import check
from ._types import MemoryType

if TYPE_CHECKING:
    import ctypes

    from typing_extensions import Buffer

__all__ = ["SharedMemory"]


class SharedMemory(Managed[Any]):
    """Owns a ``wasmtime_sharedmemory_t*`` (a handle: copies share the same memory)."""

    def __init__(self, engine: Engine, ty: MemoryType) -> None:
        engine.ptr()  # AttributeError for a non-Engine, as wasmtime-py raises
        ty_ptr = ty.ptr()
        if not isinstance(engine, Engine):
            raise TypeError("expected an Engine")
        if not isinstance(ty, MemoryType):
            raise TypeError("expected a MemoryType")
        out = ffi.new("wasmtime_sharedmemory_t **")
        # The engine's pointer last (the type's ptr() above may have run any code), and
        # lent: no close() on another thread meanwhile.
        with lent(engine) as engine_ptr:
            check(lib.wasmtime_sharedmemory_new(engine_ptr, ty_ptr, out))
        self._set_ptr(out[0])

    def _delete(self, ptr: Any) -> None:
        lib.wasmtime_sharedmemory_delete(ptr)

    def _repr(self) -> str:
        return f"<SharedMemory {count(self.size(), 'page')}, {self.type()!r}>"

    @classmethod
    def _from_ptr(cls, ptr: Any) -> "SharedMemory":
        """Take ownership of a non-NULL ``wasmtime_sharedmemory_t*``."""
        if ffi.typeof(ptr) is not ffi.typeof("wasmtime_sharedmemory_t *"):
            raise TypeError("wrong shared memory pointer type provided to _from_ptr")
        if ptr == ffi.NULL:
            raise WasmtimeError("NULL wasmtime_sharedmemory_t pointer")
        obj: SharedMemory = cls.__new__(cls)
        obj._set_ptr(ptr)
        return obj

    @classmethod
    def _from_extern(cls, store: Any, extern: Any) -> "SharedMemory":
        """The shared memory in a ``wasmtime_extern_t*`` of kind sharedmemory; takes
        ownership of the handle in it (export lookups hand out an owned clone)."""
        return cls._from_ptr(extern.of.sharedmemory)

    def _as_extern(self) -> Any:
        """A new ``wasmtime_extern_t*`` borrowing this memory's handle."""
        extern = ffi.new("wasmtime_extern_t *")
        extern.kind = lib.WASMTIME_EXTERN_SHAREDMEMORY
        extern.of.sharedmemory = self.ptr()
        return extern

    def type(self) -> MemoryType:
        """This memory's MemoryType."""
        result: MemoryType = MemoryType._from_ptr(lib.wasmtime_sharedmemory_type(self.ptr()), None)
        return result

    def grow(self, delta: int) -> int:
        """Grow by ``delta`` pages; returns the previous size in pages."""
        if not isinstance(delta, int):
            raise TypeError("expected an integer")
        if delta < 0:
            raise WasmtimeError("cannot grow by negative amount")
        if delta >= 1 << 64:
            raise WasmtimeError("failed to grow memory: amount too large")
        prev = ffi.new("uint64_t *")
        check(lib.wasmtime_sharedmemory_grow(self.ptr(), delta, prev))
        return int(prev[0])

    def size(self) -> int:
        """Size in pages."""
        return int(lib.wasmtime_sharedmemory_size(self.ptr()))

    def data_len(self) -> int:
        """Size in bytes."""
        return int(lib.wasmtime_sharedmemory_data_size(self.ptr()))

    def _base(self) -> int:
        return int(ffi.cast("uintptr_t", lib.wasmtime_sharedmemory_data(self.ptr())))

    def data_ptr(self) -> "ctypes._Pointer[ctypes.c_ubyte]":
        """The base address as a ctypes ``POINTER(c_ubyte)``. Shared memory never moves,
        but accesses through it must stay below ``data_len()``."""
        import ctypes  # only for the ctypes accessors (import cost)
        return ctypes.cast(self._base(), ctypes.POINTER(ctypes.c_ubyte))

    def get_buffer_ptr(self, size: Optional[int] = None,
                       offset: int = 0) -> "ctypes.Array[ctypes.c_ubyte]":
        """A ctypes ``c_ubyte`` array over ``[offset, offset + size)`` of the memory,
        without copying; IndexError if that range is out of bounds."""
        length = self.data_len()
        if size is None:
            size = length - offset
        if offset < 0 or size < 0 or offset + size > length:
            raise IndexError("buffer out of memory bounds")
        import ctypes
        return (ctypes.c_ubyte * size).from_address(self._base() + offset)

    def read(self, start: Optional[int] = 0, stop: Optional[int] = None) -> bytearray:
        """A copy of ``memory[start:stop]`` (slice semantics, clamped to the size)."""
        lo, hi, _ = slice(start, stop).indices(self.data_len())
        if hi <= lo:
            return bytearray()
        return bytearray(ffi.buffer(ffi.cast("uint8_t *", self._base() + lo), hi - lo))

    def write(self, value: Union[Buffer, Iterable[SupportsIndex]],
              start: Optional[int] = None) -> int:
        """Copy bytes-like ``value`` into memory at ``start`` (negative counts from the
        end); returns the number of bytes written. IndexError if it does not fit."""
        size = self.data_len()
        lo = slice(start, None).indices(size)[0]
        if lo >= size:
            raise IndexError("index out of range")
        data = memoryview(value if isinstance(value, (bytes, bytearray, memoryview)) else bytearray(value))
        data = data.cast("B") if data.ndim != 1 or data.format != "B" else data
        n = data.nbytes
        if n == 0:
            return 0
        if lo + n > size:
            raise IndexError("index out of range")
        ffi.memmove(ffi.cast("uint8_t *", self._base() + lo), data, n)
        return n
