# Globals, tables and tags: Store-owned handles of the same shape as Func and Memory
# (the C handle held by value, the owning Store, every use checked against it), their
# values through wasmtime_val_t; and the Python object for any wasmtime_extern_t.

cdef inline int _check_error_c(wasmtime_error_t* error) except -1:
    if error != NULL:
        raise call_failure(<uintptr_t>error, 0)
    return 0


cdef inline object _index_int(object idx, str what):
    """A table index or amount: an int (no ``__index__``: nothing runs here)."""
    if not isinstance(idx, int):
        raise TypeError(f"expected an integer {what}")
    return idx


cdef class Global(_LiveObject):
    """A global owned by one Store; every method takes that Store (or a Caller /
    StoreContext of it) and raises WasmtimeError for any other."""

    def __init__(self, store, ty, val):
        if not isinstance(ty, _py("_types").GlobalType):
            raise TypeError("expected a GlobalType")
        cdef int kind = _valkind_of(cw_wasm_globaltype_content(<wasm_globaltype_t*>_address(ty.ptr())))
        cdef Store s = _store_of(store)
        cdef wasmtime_val_t c_val
        cdef wasmtime_error_t* error
        _val_lower(s, kind, val, &c_val)
        try:  # the type and the Store last: lowering may run code that closes them
            ty_ptr = <wasm_globaltype_t*>_address(ty.ptr())
            s._check()
            error = cw_wasmtime_global_new(s._ctx, ty_ptr, &c_val, &self._global)
        finally:
            cw_wasmtime_val_unroot(&c_val)
        _check_error_c(error)
        self._store = s
        self._kind = kind

    @staticmethod
    cdef Global _wrap(Store store, wasmtime_global_t* handle):
        cdef Global g = Global.__new__(Global)
        g._global = handle[0]
        g._store = store
        return g

    def __cinit__(self):
        self._kind = -1

    @property
    def _owner(self):
        return self._store

    cdef int _content_kind(self, Store s) except -1:
        """wasmtime_valkind_t of the content, read once; TypeError for a type Wasmtime
        cannot read or write (it aborts on continuations)."""
        cdef wasm_globaltype_t* ty
        if self._kind < 0:
            ty = cw_wasmtime_global_type(s._ctx, &self._global)
            try:
                self._kind = _valkind_of(cw_wasm_globaltype_content(ty))
            finally:
                cw_wasm_globaltype_delete(ty)
        return self._kind

    def _as_extern(self):
        extern = ffi.new("wasmtime_extern_t *")
        cdef wasmtime_extern_t* p = <wasmtime_extern_t*>_address(extern)
        p.kind = WASMTIME_EXTERN_GLOBAL
        p.of.global_ = self._global
        return extern

    def type(self, store):
        """This global's GlobalType."""
        cdef Store s = _owned_store(self._store, store)
        ty = cw_wasmtime_global_type(s._ctx, &self._global)
        return _py("_types").GlobalType._from_ptr(ffi.cast("wasm_globaltype_t *", <uintptr_t>ty), None)

    def __repr__(self):
        return _py("_repr").in_store(self, self._store, self._details)

    def _details(self, store):
        ty = self.type(store)
        # Only a number is shown: a reference's object has a repr of its own to run.
        if str(ty.content) in ("i32", "i64", "f32", "f64"):
            return f"{self.value(store)!r}, {ty!r}"
        return repr(ty)

    def value(self, store):
        """The current value as a Python value (a null reference is returned as a null
        ``Val``, which compares equal to None)."""
        cdef wasmtime_val_t val
        cdef Store s = _owned_store(self._store, store)
        self._content_kind(s)
        cw_wasmtime_global_get(s._ctx, &self._global, &val)
        return _lift_val(s, &val)

    def set_value(self, store, val):
        """Set the value (WasmtimeError if the global is immutable)."""
        cdef wasmtime_val_t c_val
        cdef wasmtime_error_t* error
        cdef Store s = _owned_store(self._store, store)
        _val_lower(s, self._content_kind(s), val, &c_val)
        try:
            s._check()  # after converting `val`, which may have run code that closed it
            error = cw_wasmtime_global_set(s._ctx, &self._global, &c_val)
        finally:
            cw_wasmtime_val_unroot(&c_val)
        _check_error_c(error)


cdef class Table(_LiveObject):
    """A table owned by one Store; every method takes that Store (or a Caller /
    StoreContext of it) and raises WasmtimeError for any other."""

    def __init__(self, store, ty, init):
        if not isinstance(ty, _py("_types").TableType):
            raise TypeError("expected a TableType")
        cdef int kind = _valkind_of(cw_wasm_tabletype_element(<wasm_tabletype_t*>_address(ty.ptr())))
        cdef Store s = _store_of(store)
        cdef wasmtime_val_t c_init
        cdef wasmtime_error_t* error
        _val_lower(s, kind, init, &c_init)
        try:  # the type and the Store last: lowering may run code that closes them
            ty_ptr = <wasm_tabletype_t*>_address(ty.ptr())
            s._check()
            error = cw_wasmtime_table_new(s._ctx, ty_ptr, &c_init, &self._table)
        finally:
            cw_wasmtime_val_unroot(&c_init)
        _check_error_c(error)
        self._store = s
        self._kind = kind

    @staticmethod
    cdef Table _wrap(Store store, wasmtime_table_t* handle):
        cdef Table t = Table.__new__(Table)
        t._table = handle[0]
        t._store = store
        return t

    def __cinit__(self):
        self._kind = -1

    @property
    def _owner(self):
        return self._store

    cdef int _element_kind(self, Store s) except -1:
        """wasmtime_valkind_t of the elements, read once (see Global._content_kind)."""
        cdef wasm_tabletype_t* ty
        if self._kind < 0:
            ty = cw_wasmtime_table_type(s._ctx, &self._table)
            try:
                self._kind = _valkind_of(cw_wasm_tabletype_element(ty))
            finally:
                cw_wasm_tabletype_delete(ty)
        return self._kind

    def _as_extern(self):
        extern = ffi.new("wasmtime_extern_t *")
        cdef wasmtime_extern_t* p = <wasmtime_extern_t*>_address(extern)
        p.kind = WASMTIME_EXTERN_TABLE
        p.of.table = self._table
        return extern

    def type(self, store):
        """This table's TableType."""
        cdef Store s = _owned_store(self._store, store)
        ty = cw_wasmtime_table_type(s._ctx, &self._table)
        return _py("_types").TableType._from_ptr(ffi.cast("wasm_tabletype_t *", <uintptr_t>ty), None)

    def __repr__(self):
        _repr = _py("_repr")
        return _repr.in_store(self, self._store,
                              lambda s: f"{_repr.count(self.size(s), 'element')}, {self.type(s)!r}")

    def size(self, store):
        """The number of elements."""
        cdef Store s = _owned_store(self._store, store)
        return cw_wasmtime_table_size(s._ctx, &self._table)

    def grow(self, store, amt, init):
        """Add ``amt`` elements set to ``init``; returns the previous size.
        WasmtimeError if the table cannot grow that much."""
        cdef wasmtime_val_t c_init
        cdef wasmtime_error_t* error
        cdef uint64_t prev = 0
        cdef Store s = _owned_store(self._store, store)
        _val_lower(s, self._element_kind(s), init, &c_init)
        try:
            amt = _index_int(amt, "amount")
            if amt < 0:
                raise WasmtimeError("cannot grow by negative amount")
            if amt >= 1 << 64:
                raise WasmtimeError("failed to grow table: amount too large")
            s._check()  # after converting `init`, which may have run code that closed it
            error = cw_wasmtime_table_grow(s._ctx, &self._table, <uint64_t>amt, &c_init, &prev)
        finally:
            cw_wasmtime_val_unroot(&c_init)
        _check_error_c(error)
        return prev

    def get(self, store, idx):
        """The element at ``idx``: a Func, the externref's object, a null ``Val`` for a
        null reference (it compares equal to None), or None if ``idx`` is out of bounds."""
        cdef wasmtime_val_t val
        cdef Store s = _owned_store(self._store, store)
        idx = _index_int(idx, "index")
        self._element_kind(s)
        if idx < 0 or idx >= 1 << 64:
            return None
        if not cw_wasmtime_table_get(s._ctx, &self._table, <uint64_t>idx, &val):
            return None
        return _lift_val(s, &val)

    def set(self, store, idx, val):
        """Set the element at ``idx`` to ``val`` (a Func or None for funcref tables,
        any object for externref tables); WasmtimeError if ``idx`` is out of bounds."""
        cdef wasmtime_val_t c_val
        cdef wasmtime_error_t* error
        cdef Store s = _owned_store(self._store, store)
        idx = _index_int(idx, "index")
        _val_lower(s, self._element_kind(s), val, &c_val)
        try:
            if idx < 0 or idx >= 1 << 64:
                raise WasmtimeError("table index out of bounds")
            s._check()  # after converting `val`, which may have run code that closed it
            error = cw_wasmtime_table_set(s._ctx, &self._table, <uint64_t>idx, &c_val)
        finally:
            cw_wasmtime_val_unroot(&c_val)
        _check_error_c(error)


cdef class Tag(_LiveObject):
    """A tag owned by one Store: identifies an exception type and its payload
    signature. Methods raise WasmtimeError when given another Store."""

    def __init__(self, store, ty):
        if not isinstance(ty, _py("_types").TagType):
            raise TypeError("expected a TagType")
        ty_ptr = <wasm_tagtype_t*>_address(ty.ptr())
        cdef Store s = _store_of(store)
        _check_error_c(cw_wasmtime_tag_new(s._ctx, ty_ptr, &self._tag))
        self._store = s

    @staticmethod
    cdef Tag _wrap(Store store, wasmtime_tag_t* handle):
        cdef Tag t = Tag.__new__(Tag)
        t._tag = handle[0]
        t._store = store
        return t

    @property
    def _owner(self):
        return self._store

    def _as_extern(self):
        extern = ffi.new("wasmtime_extern_t *")
        cdef wasmtime_extern_t* p = <wasmtime_extern_t*>_address(extern)
        p.kind = WASMTIME_EXTERN_TAG
        p.of.tag = self._tag
        return extern

    def type(self, store):
        """This tag's TagType."""
        cdef Store s = _owned_store(self._store, store)
        ty = cw_wasmtime_tag_type(s._ctx, &self._tag)
        return _py("_types").TagType._from_ptr(ffi.cast("wasm_tagtype_t *", <uintptr_t>ty), None)

    def __repr__(self):
        return _py("_repr").in_store(self, self._store, lambda s: repr(self.type(s)))

    def eq(self, store, other):
        """Whether ``other`` is the very same tag definition as this one (both must
        belong to ``store``)."""
        if not isinstance(other, Tag):
            raise TypeError("expected a Tag")
        cdef Store s = _owned_store(self._store, store)
        _same_store((<Tag>other)._store, s)
        return cw_wasmtime_tag_eq(s._ctx, &self._tag, &(<Tag>other)._tag)


cdef object _wrap_extern(Store store, wasmtime_extern_t* extern):
    """The Python object for the item in ``extern``, owned by ``store`` (a shared memory:
    owned by its engine, given its own handle by the lookup that filled ``extern``)."""
    kind = extern.kind
    if kind == WASMTIME_EXTERN_FUNC:
        return Func._wrap(store, &extern.of.func)
    if kind == WASMTIME_EXTERN_MEMORY:
        return Memory._wrap(store, &extern.of.memory)
    if kind == WASMTIME_EXTERN_GLOBAL:
        return Global._wrap(store, &extern.of.global_)
    if kind == WASMTIME_EXTERN_TABLE:
        return Table._wrap(store, &extern.of.table)
    if kind == WASMTIME_EXTERN_TAG:
        return Tag._wrap(store, &extern.of.tag)
    if kind == WASMTIME_EXTERN_SHAREDMEMORY:
        return _py("_sharedmemory").SharedMemory._from_extern(
            store, ffi.cast("wasmtime_extern_t *", <uintptr_t>extern))
    raise WasmtimeError(f"unknown extern kind {kind}")


def wrap_extern(Store store, extern):
    """The Python object for the item in ``extern`` (a CFFI ``wasmtime_extern_t*``)."""
    return _wrap_extern(store, <wasmtime_extern_t*>_address(extern))
