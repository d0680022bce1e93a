# Linear memory: bounds-checked reads and writes (the size is re-read on every call,
# wasm may grow the memory), ctypes views, and Memory.view's buffer exporter.

cdef inline object _index_arg(object index, str message):
    """``index`` as an exact int (None stays None). Done before anything is read from the
    Store: ``__index__`` may run any code, closing the Store or growing (moving) memory."""
    if index is None or PyLong_CheckExact(index):
        return index
    return _converted_index(index, message)


cdef object _converted_index(object index, str message):
    try:
        return PyNumber_Index(index)
    except TypeError:
        raise TypeError(message) from None


cdef inline object _slice_bound(object index):
    return _index_arg(index, "slice indices must be integers or None or have an __index__ method")


cdef Py_ssize_t _slice_index(object index, Py_ssize_t default, Py_ssize_t size) except? -1:
    """``index`` (an exact int or None, see _slice_bound) as a bound of ``memory[start:stop]``
    (slice semantics: None is the default, negative counts from the end, out-of-range
    clamps)."""
    cdef Py_ssize_t i
    if index is None:
        return default
    try:
        i = index
    except OverflowError:
        return 0 if index < 0 else size
    if i < 0:
        i += size
        return 0 if i < 0 else i
    return size if i > size else i


cdef class Memory(_LiveObject):
    """A linear memory. Every access is bounds-checked against its current size,
    which is re-read on each call because wasm may grow (and move) it."""

    def __init__(self, store, ty):
        MemoryType = _py("_types").MemoryType
        if not isinstance(ty, MemoryType):
            # AttributeError, as wasmtime-py raises when it calls `ty.ptr()`.
            raise AttributeError(f"expected a MemoryType, got {type(ty).__name__}")
        ty_ptr = ty.ptr()
        cdef Store s = _store_of(store)
        out = ffi.new("wasmtime_memory_t *")
        _check_error(s._call(lib.wasmtime_memory_new, ty_ptr, out))
        memcpy(&self._mem, <void*>_address(out), sizeof(wasmtime_memory_t))
        self._store = s

    @staticmethod
    cdef Memory _wrap(Store store, wasmtime_memory_t* handle):
        cdef Memory m = Memory.__new__(Memory)
        m._mem = handle[0]
        m._store = store
        return m

    def _as_extern(self):
        extern = ffi.new("wasmtime_extern_t *")
        cdef wasmtime_extern_t* p = <wasmtime_extern_t*>_address(extern)
        p.kind = WASMTIME_EXTERN_MEMORY
        p.of.memory = self._mem
        return extern

    @property
    def _owner(self):
        return self._store

    cdef Store _use(self, storelike):
        return _owned_store(self._store, storelike)

    cdef _mem_c(self):
        return ffi.cast("wasmtime_memory_t *", <uintptr_t>&self._mem)

    def type(self, store):
        """This memory's MemoryType."""
        MemoryType = _py("_types").MemoryType
        cdef Store s = self._use(store)
        return MemoryType._from_ptr(s._call(lib.wasmtime_memory_type, self._mem_c()), None)

    def __repr__(self):
        _repr = _py("_repr")
        return _repr.in_store(self, self._store,
                              lambda s: f"{_repr.count(self.size(s), 'page')}, {self.type(s)!r}")

    def grow(self, store, delta):
        """Grow by ``delta`` pages; returns the previous size in pages."""
        delta = _index_arg(delta, "expected an integer")
        if delta < 0:
            raise WasmtimeError("cannot grow by negative amount")
        cdef uint64_t pages = delta
        cdef Store s = self._use(store)
        prev = ffi.new("uint64_t *")
        _check_error(s._call(lib.wasmtime_memory_grow, self._mem_c(), pages, prev))
        return prev[0]

    def size(self, store):
        """Size in pages."""
        cdef Store s = self._use(store)
        return s._call(lib.wasmtime_memory_size, self._mem_c())

    def data_len(self, store):
        """Size in bytes."""
        cdef Store s = self._use(store)
        return cw_wasmtime_memory_data_size(s._ctx, &self._mem)

    def page_size(self, store):
        cdef Store s = self._use(store)
        return s._call(lib.wasmtime_memory_page_size, self._mem_c())

    def page_size_log2(self, store):
        cdef Store s = self._use(store)
        return int(s._call(lib.wasmtime_memory_page_size_log2, self._mem_c()))

    def data_ptr(self, store):
        """The base address as a ctypes ``POINTER(c_ubyte)`` (valid until memory grows)."""
        import ctypes  # only for these two ctypes-based accessors (import cost)
        cdef Store s = self._use(store)
        address = <uintptr_t>cw_wasmtime_memory_data(s._ctx, &self._mem)
        return ctypes.cast(address, ctypes.POINTER(ctypes.c_ubyte))

    def get_buffer_ptr(self, store, size=None, offset=0):
        """A ctypes ``c_ubyte`` array over ``[offset, offset + size)`` of linear memory,
        without copying (valid until memory grows)."""
        import ctypes
        size = _index_arg(size, "expected an integer size")
        offset = _index_arg(offset, "expected an integer offset")
        cdef Store s = self._use(store)
        cdef size_t length = cw_wasmtime_memory_data_size(s._ctx, &self._mem)
        if size is None:
            size = length - offset
        if offset < 0 or size < 0 or offset + size > length:
            raise IndexError("buffer out of memory bounds")
        address = <uintptr_t>cw_wasmtime_memory_data(s._ctx, &self._mem) + <size_t>offset
        return (ctypes.c_ubyte * size).from_address(address)

    def view(self, store):
        """A writable memoryview of the whole linear memory, without copying.

        It keeps the length the memory had when it was made (growing the memory later
        leaves it valid, just shorter than the memory); the Store cannot be closed while
        it (or anything made from it, e.g. a NumPy array) is alive. Only for 32-bit
        memories of an engine whose memories never move (the default on 64-bit hosts:
        not with ``Config.memory_reservation`` below 4 GiB and ``memory_may_move`` on)."""
        cdef Store s = self._use(store)
        if self.type(s).is_64 or not getattr(s.engine, "_memories_stay_put", False):
            raise WasmtimeError(
                "Memory.view needs a memory that never moves: a 32-bit memory, and an engine "
                "with the default memory_reservation (or memory_may_move = False)")
        s._check()  # the checks above ran Python code
        cdef _MemoryBuffer exporter = _MemoryBuffer.__new__(_MemoryBuffer, _INTERNAL)
        exporter._store = s
        exporter._base = <char*>cw_wasmtime_memory_data(s._ctx, &self._mem)
        exporter._len = cw_wasmtime_memory_data_size(s._ctx, &self._mem)
        return memoryview(exporter)

    def _span(self, store):
        """``(address, length)`` of the linear memory now (for cmabi): re-ask after
        anything that may grow it."""
        cdef Store s = self._use(store)
        return (<uintptr_t>cw_wasmtime_memory_data(s._ctx, &self._mem),
                cw_wasmtime_memory_data_size(s._ctx, &self._mem))

    def read(self, store, start=0, stop=None):
        """A copy of ``memory[start:stop]`` as a bytearray (slice semantics)."""
        start = _slice_bound(start)
        stop = _slice_bound(stop)
        cdef Store s = self._use(store)
        cdef Py_ssize_t size = cw_wasmtime_memory_data_size(s._ctx, &self._mem)
        cdef Py_ssize_t lo = _slice_index(start, 0, size)
        cdef Py_ssize_t hi = _slice_index(stop, size, size)
        if hi <= lo:
            return bytearray()
        return PyByteArray_FromStringAndSize(
            <char*>cw_wasmtime_memory_data(s._ctx, &self._mem) + lo, hi - lo)

    def write(self, store, value, start=None):
        """Copy ``value`` (bytes-like) into memory at ``start`` (negative counts from
        the end); returns the byte count. IndexError if it does not fit."""
        cdef Py_buffer view
        cdef Store s
        cdef Py_ssize_t size, lo
        start = _slice_bound(start)
        # Converting `value` may run code (iterating it, exporting its buffer): all of it
        # happens before the Store is checked and the memory's size and address are read.
        if not isinstance(value, (bytes, bytearray, memoryview)):
            value = bytearray(value)
        PyObject_GetBuffer(value, &view, PyBUF_SIMPLE)
        try:
            s = self._use(store)
            size = cw_wasmtime_memory_data_size(s._ctx, &self._mem)
            lo = _slice_index(start, 0, size)
            if lo >= size:
                raise IndexError("index out of range")
            if view.len == 0:
                return 0
            if lo + view.len > size:
                raise IndexError("index out of range")
            # memmove: `value` may be a view of this very memory.
            memmove(<char*>cw_wasmtime_memory_data(s._ctx, &self._mem) + lo, view.buf, view.len)
            return view.len
        finally:
            PyBuffer_Release(&view)


# Its Store stays set until it is freed, even in a garbage cycle: a memoryview in
# the cycle may release its buffer (__releasebuffer__) after the GC cleared us.
@cython.no_gc_clear
cdef class _MemoryBuffer(_LiveObject):
    """Exports ``[base, base + len)`` of a linear memory through the buffer protocol,
    counting live exports on the Store so it cannot be freed under them."""

    def __cinit__(self, *args):
        _internal_only(self, args)

    def __getbuffer__(self, Py_buffer* view, int flags):
        if self._store._ctx == NULL:
            raise ValueError("already closed")
        self._itemsize = 1
        view.buf = self._base
        view.obj = self
        view.len = self._len
        view.readonly = 0
        view.itemsize = 1
        view.format = NULL
        if flags & PyBUF_FORMAT:
            view.format = b"B"
        view.ndim = 1
        view.shape = &self._len if flags & PyBUF_ND else NULL
        view.strides = &self._itemsize if flags & PyBUF_STRIDES == PyBUF_STRIDES else NULL
        view.suboffsets = NULL
        view.internal = NULL
        self._store._views += 1

    def __releasebuffer__(self, Py_buffer* view):
        self._store._views -= 1
