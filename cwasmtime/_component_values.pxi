# Component values: Python values <-> wasmtime_component_val_t trees (the calls and
# host functions that use them are in _component_calls.pxi).
#
# A conversion plan (_Conv tree) is compiled once per function type from the
# reflection types of cwasmtime.component._types, which own the value model (shared
# with cmabi: Record, Variant, the tagging rule). Which Python values are accepted is
# cmabi/_accept.pxd's rule set, the same for cmabi (its strict mode).
#
# Value trees are built by a _Builder in one of two ways. A call's arguments are only
# read by Wasmtime, so they are built in the function's own arena (kept between calls,
# so a big list costs no allocation or page faults after the first call), with strings
# pointing straight at the Python objects' UTF-8 data. What a host function returns is
# freed by Wasmtime, so it is built with the C API's allocators ("owned" trees). Every
# lowering leaves its output a valid value even when it raises (unfilled slots are
# Bool), so a half-built owned tree can always be released with val_delete.

from cpython.dict cimport PyDict_Items

from cmabi._accept cimport (
    LIST_BUFFER, accept_bool, accept_char, accept_float, accept_int, accept_list, accept_map,
    accept_str, accept_tuple, check_list_size, check_map_size, enum_case, flags_bits, record_field,
    variant_case)

# The value kind of each primitive type kind (they are numbered differently).
cdef uint8_t[13] _PRIMITIVE_VALUE_KIND
_PRIMITIVE_VALUE_KIND[:] = [
    WASMTIME_COMPONENT_BOOL, WASMTIME_COMPONENT_S8, WASMTIME_COMPONENT_S16,
    WASMTIME_COMPONENT_S32, WASMTIME_COMPONENT_S64, WASMTIME_COMPONENT_U8,
    WASMTIME_COMPONENT_U16, WASMTIME_COMPONENT_U32, WASMTIME_COMPONENT_U64,
    WASMTIME_COMPONENT_F32, WASMTIME_COMPONENT_F64, WASMTIME_COMPONENT_CHAR,
    WASMTIME_COMPONENT_STRING]


cdef class _Conv(_LiveObject):
    """How the values of one component type convert; a node of a plan."""


def _component_conv(ty):
    """Compile the plan of a reflection type (cwasmtime.component._types)."""
    cdef _Conv c = _Conv.__new__(_Conv)
    cdef int kind = ty._KIND
    c.kind = kind
    c.ty = ty
    c.what = type(ty).__name__
    if kind <= WASMTIME_COMPONENT_VALTYPE_STRING:
        c.vkind = _PRIMITIVE_VALUE_KIND[kind]
    elif kind == WASMTIME_COMPONENT_VALTYPE_LIST:
        c.vkind = WASMTIME_COMPONENT_LIST
        c.a = _component_conv(ty.element)
    elif kind == WASMTIME_COMPONENT_VALTYPE_RECORD:
        c.vkind = WASMTIME_COMPONENT_RECORD
        fields = ty.fields
        c.names = tuple(name for name, _ in fields)
        c.convs = tuple(_component_conv(t) for _, t in fields)
    elif kind == WASMTIME_COMPONENT_VALTYPE_TUPLE:
        c.vkind = WASMTIME_COMPONENT_TUPLE
        c.convs = tuple(_component_conv(t) for t in ty.elements)
    elif kind == WASMTIME_COMPONENT_VALTYPE_VARIANT or kind == WASMTIME_COMPONENT_VALTYPE_OPTION or kind == WASMTIME_COMPONENT_VALTYPE_RESULT:
        c.vkind = (WASMTIME_COMPONENT_VARIANT if kind == WASMTIME_COMPONENT_VALTYPE_VARIANT else
                   WASMTIME_COMPONENT_OPTION if kind == WASMTIME_COMPONENT_VALTYPE_OPTION else WASMTIME_COMPONENT_RESULT)
        cases = ty._cases()
        c.names = tuple(name for name, _ in cases)
        c.convs = tuple(None if t is None else _component_conv(t) for _, t in cases)
        c.index = {name: i for i, (name, _) in enumerate(cases)}
        c.tagged = ty._tagged()
        c.classes = tuple(None if t is None else tuple(t._classes()) for _, t in cases)
    elif kind == WASMTIME_COMPONENT_VALTYPE_ENUM or kind == WASMTIME_COMPONENT_VALTYPE_FLAGS:
        c.vkind = WASMTIME_COMPONENT_ENUM if kind == WASMTIME_COMPONENT_VALTYPE_ENUM else WASMTIME_COMPONENT_FLAGS
        c.names = tuple(ty.names)
        c.index = {name: i for i, name in enumerate(c.names)}
    elif kind == WASMTIME_COMPONENT_VALTYPE_MAP:
        c.vkind = WASMTIME_COMPONENT_MAP
        c.a = _component_conv(ty.key)
        c.b = _component_conv(ty.value)
    elif kind == WASMTIME_COMPONENT_VALTYPE_OWN or kind == WASMTIME_COMPONENT_VALTYPE_BORROW:
        c.vkind = WASMTIME_COMPONENT_RESOURCE
        resources = _py("component._resources")
        c.resource_classes = (resources.ResourceAny, resources.ResourceHost)
    # future, stream, error-context: no conversion (NotImplementedError when used)
    return c


# The arena keeps at most this many bytes between calls (bigger trees are freed after
# their call).
cdef enum:
    ARENA_KEEP = 64 << 20
    ARENA_MIN = 4096


cdef class _Builder(_LiveObject):
    """Where a lowering puts what a value tree points to (see the top of this file)."""

    def __dealloc__(self):
        self._free_extra()
        free(self.block)

    cdef void _free_extra(self) noexcept:
        if self.extra:
            for address in self.extra:
                free(<void*><uintptr_t>address)
            self.extra = None
        self.extra_bytes = 0

    cdef void* alloc(self, size_t nbytes) except NULL:
        """``nbytes`` of arena memory, 8-byte aligned, valid until ``reset``."""
        cdef void* p
        nbytes = (nbytes + 7) & ~(<size_t>7) if nbytes else 8
        if self.cap - self.used >= nbytes:
            p = self.block + self.used
            self.used += nbytes
            return p
        p = malloc(nbytes)
        if p == NULL:
            raise MemoryError()
        if self.extra is None:
            self.extra = []
        self.extra.append(<uintptr_t>p)
        self.extra_bytes += nbytes
        return p

    cdef int reset(self) except -1:
        """After a call: release its handles and references; size the arena for the
        next call like this one."""
        cdef size_t want = self.used + self.extra_bytes
        if self.handles:
            for address in self.handles:
                lib.wasmtime_component_resource_any_delete(
                    ffi.cast("wasmtime_component_resource_any_t *", address))
            self.handles = None
        self.keep = None
        if self.extra is not None:
            self._free_extra()
            free(self.block)
            self.block = NULL
            self.cap = 0
            if want <= ARENA_KEEP:
                want += want // 4
                if want < <size_t>ARENA_MIN:
                    want = ARENA_MIN
                self.block = <char*>malloc(want)
                if self.block != NULL:
                    self.cap = want
        self.used = 0
        self.busy = False
        return 0

    cdef int keep_alive(self, object o) except -1:
        if self.keep is None:
            self.keep = []
        self.keep.append(o)
        return 0

    cdef int own_handle(self, wasmtime_component_resource_any_t* handle) except -1:
        if self.handles is None:
            self.handles = []
        self.handles.append(<uintptr_t>handle)
        return 0


cdef _Builder _owned_builder(Store store):
    cdef _Builder b = _Builder.__new__(_Builder)
    b.store = store
    b.owned = True
    return b


# --------------------------------------------------------------------------- lower

cdef inline void _set_bool(wasmtime_component_val_t* out) noexcept:
    out.kind = WASMTIME_COMPONENT_BOOL
    out.of.boolean = False


cdef int _lower_name(_Builder b, object s, wasm_name_t* out) except -1:
    """A str (or str subclass: its own UTF-8 data) as a name or string."""
    cdef Py_ssize_t n
    cdef const char* data = PyUnicode_AsUTF8AndSize(s, &n)
    if b.owned:
        cw_wasm_byte_vec_new(out, n, <const uint8_t*>data)
    else:  # the str's own UTF-8 data, kept alive until the call is over
        b.keep_alive(s)
        out.size = n
        out.data = <uint8_t*>data
    return 0


cdef int _lower_int(_Conv c, object v, wasmtime_component_val_t* out) except -1:
    cdef uint64_t bits
    # Wrapped modulo 2**bits like a C cast (wasmtime-py's and cmabi's rule). An exact
    # int skips the rule's call (the hot loop of integer lists).
    bits = PyLong_AsUnsignedLongLongMask(v) if PyLong_CheckExact(v) else accept_int(v, c.what)
    if c.kind == WASMTIME_COMPONENT_VALTYPE_S8 or c.kind == WASMTIME_COMPONENT_VALTYPE_U8:
        out.of.u8 = <uint8_t>bits
    elif c.kind == WASMTIME_COMPONENT_VALTYPE_S16 or c.kind == WASMTIME_COMPONENT_VALTYPE_U16:
        out.of.u16 = <uint16_t>bits
    elif c.kind == WASMTIME_COMPONENT_VALTYPE_S32 or c.kind == WASMTIME_COMPONENT_VALTYPE_U32:
        out.of.u32 = <uint32_t>bits
    else:
        out.of.u64 = bits
    out.kind = c.vkind
    return 0


cdef int _lower_value(_Conv c, _Builder b, object v, wasmtime_component_val_t* out) except -1:
    """Write ``v`` as a value of ``c`` into ``out`` (which holds no value yet)."""
    cdef int kind = c.kind
    _set_bool(out)
    if kind == WASMTIME_COMPONENT_VALTYPE_BOOL:
        out.of.boolean = accept_bool(v, False)
    elif kind <= WASMTIME_COMPONENT_VALTYPE_U64:
        _lower_int(c, v, out)
    elif kind == WASMTIME_COMPONENT_VALTYPE_F32 or kind == WASMTIME_COMPONENT_VALTYPE_F64:
        if kind == WASMTIME_COMPONENT_VALTYPE_F32:
            out.of.f32 = <float>accept_float(v, c.what, False)
        else:
            out.of.f64 = accept_float(v, c.what, False)
        out.kind = c.vkind
    elif kind == WASMTIME_COMPONENT_VALTYPE_CHAR:
        out.of.character = accept_char(v)
        out.kind = c.vkind
    elif kind == WASMTIME_COMPONENT_VALTYPE_STRING:
        accept_str(v, c.what)
        _lower_name(b, v, &out.of.string)
        out.kind = c.vkind
    elif kind == WASMTIME_COMPONENT_VALTYPE_ENUM:  # the case's own name (v may be a str subclass)
        _lower_name(b, c.names[enum_case(v, c.what, c.index, UnknownNameError)], &out.of.string)
        out.kind = c.vkind
    elif kind == WASMTIME_COMPONENT_VALTYPE_LIST:
        _lower_list(c, b, v, out)
    elif kind == WASMTIME_COMPONENT_VALTYPE_RECORD:
        _lower_record(c, b, v, out)
    elif kind == WASMTIME_COMPONENT_VALTYPE_TUPLE:
        _lower_tuple(c, b, v, out)
    elif kind == WASMTIME_COMPONENT_VALTYPE_VARIANT or kind == WASMTIME_COMPONENT_VALTYPE_OPTION or kind == WASMTIME_COMPONENT_VALTYPE_RESULT:
        _lower_variant(c, b, v, out)
    elif kind == WASMTIME_COMPONENT_VALTYPE_FLAGS:
        _lower_flags(c, b, v, out)
    elif kind == WASMTIME_COMPONENT_VALTYPE_MAP:
        _lower_map(c, b, v, out)
    elif kind == WASMTIME_COMPONENT_VALTYPE_OWN or kind == WASMTIME_COMPONENT_VALTYPE_BORROW:
        _lower_resource(c, b, v, out)
    else:
        raise NotImplementedError(f"{type(c.ty).__name__} values cannot be converted yet")
    return 0


cdef int _fill_bools(wasmtime_component_val_t* data, size_t start, size_t stop) noexcept:
    cdef size_t i
    for i in range(start, stop):
        _set_bool(&data[i])
    return 0


cdef wasmtime_component_val_t* _new_list(_Builder b, wasmtime_component_vallist_t* out,
                                         size_t n) except? NULL:
    if b.owned:
        cw_wasmtime_component_vallist_new_uninit(out, n)
    else:
        out.size = n
        out.data = <wasmtime_component_val_t*>b.alloc(n * sizeof(wasmtime_component_val_t))
    return out.data


cdef int _lower_list(_Conv c, _Builder b, object v, wasmtime_component_val_t* out) except -1:
    cdef _Conv e = c.a
    cdef Py_ssize_t i, n
    cdef const uint8_t* raw
    cdef const unsigned char[::1] view
    cdef wasmtime_component_val_t* data
    if accept_list(v, c.what, e.kind == WASMTIME_COMPONENT_VALTYPE_U8, False) == LIST_BUFFER:
        if isinstance(v, bytes):
            raw = <const uint8_t*>PyBytes_AS_STRING(v)
            n = len(<bytes>v)
        else:  # bytearray, memoryview
            whole = memoryview(v)
            if not whole.c_contiguous or whole.ndim != 1 or whole.itemsize != 1:
                whole = memoryview(whole.tobytes())  # strided or multi-byte items: their bytes
            view = whole.cast("B")
            n = view.shape[0]
            raw = &view[0] if n else NULL
        data = _new_list(b, &out.of.list, n)
        out.kind = WASMTIME_COMPONENT_LIST
        for i in range(n):
            data[i].kind = WASMTIME_COMPONENT_U8
            data[i].of.u8 = raw[i]
        return 0
    n = len(<list>v)
    data = _new_list(b, &out.of.list, n)
    out.kind = WASMTIME_COMPONENT_LIST
    i = 0
    # Lowering an element can run Python code (__index__, properties) that changes
    # the list: its size is checked before every element.
    if WASMTIME_COMPONENT_VALTYPE_S8 <= e.kind <= WASMTIME_COMPONENT_VALTYPE_U64:
        try:
            for i in range(n):
                check_list_size(<list>v, n)
                _lower_int(e, (<list>v)[i], &data[i])
        except BaseException:
            _fill_bools(data, i, n)
            raise
        return 0
    try:
        for i in range(n):
            check_list_size(<list>v, n)
            _lower_value(e, b, (<list>v)[i], &data[i])
    except BaseException:
        _fill_bools(data, i + 1, n)  # data[i] is valid: _lower_value makes it a Bool first
        raise
    return 0


cdef int _lower_record(_Conv c, _Builder b, object v, wasmtime_component_val_t* out) except -1:
    cdef Py_ssize_t i = 0, n = len(c.names)
    cdef wasmtime_component_valrecord_entry_t* data
    if b.owned:
        cw_wasmtime_component_valrecord_new_uninit(&out.of.record, n)
    else:
        out.of.record.size = n
        out.of.record.data = <wasmtime_component_valrecord_entry_t*>b.alloc(
            n * sizeof(wasmtime_component_valrecord_entry_t))
    out.kind = WASMTIME_COMPONENT_RECORD
    data = out.of.record.data
    for i in range(n):
        data[i].name.size = 0
        data[i].name.data = NULL
        _set_bool(&data[i].val)
    for i in range(n):
        name = c.names[i]
        _lower_name(b, name, &data[i].name)
        _lower_value(<_Conv>c.convs[i], b, record_field(v, name, False), &data[i].val)
    return 0


cdef int _lower_tuple(_Conv c, _Builder b, object v, wasmtime_component_val_t* out) except -1:
    cdef Py_ssize_t i, n = len(c.convs)
    cdef wasmtime_component_val_t* data
    accept_tuple(v, c.what, n, False)
    if b.owned:
        cw_wasmtime_component_valtuple_new_uninit(&out.of.tuple, n)
    else:
        out.of.tuple.size = n
        out.of.tuple.data = <wasmtime_component_val_t*>b.alloc(n * sizeof(wasmtime_component_val_t))
    out.kind = WASMTIME_COMPONENT_TUPLE
    data = out.of.tuple.data
    _fill_bools(data, 0, n)
    for i in range(n):
        _lower_value(<_Conv>c.convs[i], b, (<tuple>v)[i], &data[i])
    return 0


cdef int _lower_variant(_Conv c, _Builder b, object v, wasmtime_component_val_t* out) except -1:
    cdef Py_ssize_t case = variant_case(v, c.what, c.tagged, c.classes, c.index, Variant, False)
    cdef _Conv payload_conv = c.convs[case]
    cdef wasmtime_component_val_t payload
    cdef wasmtime_component_val_t* boxed = NULL
    if payload_conv is not None:
        if b.owned:
            _set_bool(&payload)
            try:
                _lower_value(payload_conv, b, v.payload if c.tagged else v, &payload)
            except BaseException:
                cw_wasmtime_component_val_delete(&payload)
                raise
            boxed = cw_wasmtime_component_val_new(&payload)
        else:
            boxed = <wasmtime_component_val_t*>b.alloc(sizeof(wasmtime_component_val_t))
            _lower_value(payload_conv, b, v.payload if c.tagged else v, boxed)
    if c.kind == WASMTIME_COMPONENT_VALTYPE_OPTION:
        out.of.option = boxed
    elif c.kind == WASMTIME_COMPONENT_VALTYPE_RESULT:
        out.of.result.is_ok = case == 0
        out.of.result.val = boxed
    else:
        out.of.variant.val = boxed
        try:
            _lower_name(b, c.names[case], &out.of.variant.discriminant)
        except BaseException:
            if b.owned and boxed != NULL:
                cw_wasmtime_component_val_delete(boxed)
            raise
    out.kind = c.vkind
    return 0


cdef int _lower_flags(_Conv c, _Builder b, object v, wasmtime_component_val_t* out) except -1:
    cdef Py_ssize_t i, n
    cdef uint64_t bits = flags_bits(v, c.what, c.index, UnknownNameError, False)
    # The flags' own names, in their order (the set's strings may be subclasses).
    names = [c.names[i] for i in range(len(c.names)) if bits >> i & 1]
    n = len(names)
    if b.owned:
        cw_wasmtime_component_valflags_new_uninit(&out.of.flags, n)
    else:
        out.of.flags.size = n
        out.of.flags.data = <wasm_name_t*>b.alloc(n * sizeof(wasm_name_t))
    out.kind = WASMTIME_COMPONENT_FLAGS
    memset(out.of.flags.data, 0, n * sizeof(wasm_name_t))
    for i in range(n):
        _lower_name(b, names[i], &out.of.flags.data[i])
    return 0


cdef int _lower_map(_Conv c, _Builder b, object v, wasmtime_component_val_t* out) except -1:
    cdef Py_ssize_t i, n
    cdef wasmtime_component_valmap_entry_t* data
    accept_map(v, c.what)
    # The entries as they are now: converting a value may run Python code that changes
    # the dict (iterating it would then skip or repeat entries). A change of size
    # raises, as for lists.
    cdef list items = PyDict_Items(v)
    n = len(items)
    if b.owned:
        cw_wasmtime_component_valmap_new_uninit(&out.of.map, n)
    else:
        out.of.map.size = n
        out.of.map.data = <wasmtime_component_valmap_entry_t*>b.alloc(
            n * sizeof(wasmtime_component_valmap_entry_t))
    out.kind = WASMTIME_COMPONENT_MAP
    data = out.of.map.data
    for i in range(n):
        _set_bool(&data[i].key)
        _set_bool(&data[i].value)
    for i in range(n):
        key, value = <tuple>items[i]
        _lower_value(c.a, b, key, &data[i].key)
        _lower_value(c.b, b, value, &data[i].value)
    check_map_size(v, n)
    return 0


cdef int _lower_resource(_Conv c, _Builder b, object v, wasmtime_component_val_t* out) except -1:
    cdef wasmtime_component_resource_any_t* handle
    any_cls, host_cls = c.resource_classes
    # Exactly these classes: the pointer comes from their methods, which a subclass
    # could make return anything.
    if type(v) is any_cls:
        v._store_for(b.store)
        # own: the handle moves into the call; borrow: a copy of it is lent
        if c.kind == WASMTIME_COMPONENT_VALTYPE_OWN:
            handle = <wasmtime_component_resource_any_t*>_address(v._consume())
        else:
            handle = cw_wasmtime_component_resource_any_clone(
                <wasmtime_component_resource_any_t*>_address(v.ptr()))
    elif type(v) is host_cls:
        handle = <wasmtime_component_resource_any_t*>_address(v.to_any(b.store)._consume())
    else:
        raise TypeError(f"expected ResourceAny or ResourceHost for {type(c.ty).__name__}, "
                        f"got {type(v).__name__}")
    if not b.owned:
        b.own_handle(handle)
    out.of.resource = handle
    out.kind = WASMTIME_COMPONENT_RESOURCE
    return 0


# ---------------------------------------------------------------------------- lift

cdef inline str _lift_name(const wasm_name_t* name):
    return PyUnicode_DecodeUTF8(<const char*>name.data, name.size, NULL)


cdef object _lift_value(_Conv c, Store store, const wasmtime_component_val_t* v):
    """The Python value of ``v`` (which stays owned by the caller)."""
    cdef int kind = c.kind
    if v.kind != c.vkind:
        raise WasmtimeError(f"Wasmtime returned a value of kind {v.kind} for {c.ty!r}")
    if kind == WASMTIME_COMPONENT_VALTYPE_BOOL:
        return bool(v.of.boolean)
    if kind == WASMTIME_COMPONENT_VALTYPE_S8:
        return v.of.s8
    if kind == WASMTIME_COMPONENT_VALTYPE_S16:
        return v.of.s16
    if kind == WASMTIME_COMPONENT_VALTYPE_S32:
        return v.of.s32
    if kind == WASMTIME_COMPONENT_VALTYPE_S64:
        return v.of.s64
    if kind == WASMTIME_COMPONENT_VALTYPE_U8:
        return v.of.u8
    if kind == WASMTIME_COMPONENT_VALTYPE_U16:
        return v.of.u16
    if kind == WASMTIME_COMPONENT_VALTYPE_U32:
        return v.of.u32
    if kind == WASMTIME_COMPONENT_VALTYPE_U64:
        return v.of.u64
    if kind == WASMTIME_COMPONENT_VALTYPE_F32:
        return <double>v.of.f32
    if kind == WASMTIME_COMPONENT_VALTYPE_F64:
        return v.of.f64
    if kind == WASMTIME_COMPONENT_VALTYPE_CHAR:
        return chr(v.of.character)
    if kind == WASMTIME_COMPONENT_VALTYPE_STRING or kind == WASMTIME_COMPONENT_VALTYPE_ENUM:
        return _lift_name(&v.of.string)
    if kind == WASMTIME_COMPONENT_VALTYPE_LIST:
        return _lift_list(c, store, &v.of.list)
    if kind == WASMTIME_COMPONENT_VALTYPE_RECORD:
        return _lift_record(c, store, &v.of.record)
    if kind == WASMTIME_COMPONENT_VALTYPE_TUPLE:
        return tuple([_lift_value(<_Conv>c.convs[i], store, &v.of.tuple.data[i]) for i in range(v.of.tuple.size)])
    if kind == WASMTIME_COMPONENT_VALTYPE_VARIANT or kind == WASMTIME_COMPONENT_VALTYPE_OPTION or kind == WASMTIME_COMPONENT_VALTYPE_RESULT:
        return _lift_variant(c, store, v)
    if kind == WASMTIME_COMPONENT_VALTYPE_FLAGS:
        return {_lift_name(&v.of.flags.data[i]) for i in range(v.of.flags.size)}
    if kind == WASMTIME_COMPONENT_VALTYPE_MAP:
        return {_lift_value(c.a, store, &v.of.map.data[i].key): _lift_value(c.b, store, &v.of.map.data[i].value)
                for i in range(v.of.map.size)}
    if kind == WASMTIME_COMPONENT_VALTYPE_OWN or kind == WASMTIME_COMPONENT_VALTYPE_BORROW:
        ResourceAny = _py("component._resources").ResourceAny
        return ResourceAny._from_ptr(ffi.cast("wasmtime_component_resource_any_t *",
                                              <uintptr_t>cw_wasmtime_component_resource_any_clone(v.of.resource)),
                                     store)
    raise NotImplementedError(f"{type(c.ty).__name__} values cannot be converted yet")


cdef object _lift_list(_Conv c, Store store, const wasmtime_component_vallist_t* v):
    cdef _Conv e = c.a
    cdef size_t i, n = v.size
    cdef bytes out
    cdef char* raw
    if e.kind == WASMTIME_COMPONENT_VALTYPE_U8:
        out = PyBytes_FromStringAndSize(NULL, n)
        raw = PyBytes_AS_STRING(out)
        for i in range(n):
            if v.data[i].kind != WASMTIME_COMPONENT_U8:
                raise WasmtimeError("Wasmtime returned a list<u8> element of another kind")
            raw[i] = <char>v.data[i].of.u8
        return out
    return [_lift_value(e, store, &v.data[i]) for i in range(n)]


cdef object _lift_record(_Conv c, Store store, const wasmtime_component_valrecord_t* v):
    cdef size_t i
    cdef Py_ssize_t n = len(c.names)
    if <Py_ssize_t>v.size != n:
        raise WasmtimeError("Wasmtime returned a record with another number of fields")
    record = Record()
    fields = record.__dict__
    for i in range(v.size):
        fields[c.names[i]] = _lift_value(<_Conv>c.convs[i], store, &v.data[i].val)
    return record


cdef object _lift_variant(_Conv c, Store store, const wasmtime_component_val_t* v):
    cdef Py_ssize_t case
    cdef const wasmtime_component_val_t* payload
    if c.kind == WASMTIME_COMPONENT_VALTYPE_OPTION:
        payload = v.of.option
        case = 0 if payload == NULL else 1
    elif c.kind == WASMTIME_COMPONENT_VALTYPE_RESULT:
        payload = v.of.result.val
        case = 0 if v.of.result.is_ok else 1
    else:
        payload = v.of.variant.val
        found = c.index.get(_lift_name(&v.of.variant.discriminant))
        if found is None:
            raise WasmtimeError("Wasmtime returned an unknown variant case")
        case = found
    conv = c.convs[case]
    if (conv is None) != (payload == NULL):
        raise WasmtimeError("Wasmtime returned a variant payload that does not match its case")
    value = None if conv is None else _lift_value(<_Conv>conv, store, payload)
    return Variant(c.names[case], value) if c.tagged else value
