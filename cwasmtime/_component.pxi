# The component model's hot paths (included by _native.pyx, so they share Store):
# Python values <-> wasmtime_component_val_t trees, component function calls, and the
# trampolines of host functions and resource destructors.
#
# A conversion plan (_Conv tree) is compiled once per function type from the
# reflection types of cwasmtime.component._types, which own the value model (shared
# with cmabi: Record, Variant, the tagging rule).
#
# Value trees are built by a _Builder in one of two ways. A call's arguments are only
# read by Wasmtime, so they are built in the function's own arena (kept between calls,
# so a big list costs no allocation or page faults after the first call), with strings
# pointing straight at the Python objects' UTF-8 data. What a host function returns is
# freed by Wasmtime, so it is built with the C API's allocators ("owned" trees). Every
# lowering leaves its output a valid value even when it raises (unfilled slots are
# Bool), so a half-built owned tree can always be released with val_delete.

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.unicode cimport PyUnicode_AsUTF8AndSize, PyUnicode_DecodeUTF8

# wasmtime_component_valtype_kind_t
cdef enum:
    CT_BOOL = 0
    CT_S8 = 1
    CT_S16 = 2
    CT_S32 = 3
    CT_S64 = 4
    CT_U8 = 5
    CT_U16 = 6
    CT_U32 = 7
    CT_U64 = 8
    CT_F32 = 9
    CT_F64 = 10
    CT_CHAR = 11
    CT_STRING = 12
    CT_LIST = 13
    CT_RECORD = 14
    CT_TUPLE = 15
    CT_VARIANT = 16
    CT_ENUM = 17
    CT_OPTION = 18
    CT_RESULT = 19
    CT_FLAGS = 20
    CT_OWN = 21
    CT_BORROW = 22
    CT_FUTURE = 23
    CT_STREAM = 24
    CT_ERROR_CONTEXT = 25
    CT_MAP = 26

# Calls with at most this many parameters build them in a stack buffer.
DEF COMPONENT_STACK_PARAMS = 16

# The value kind of each primitive type kind (they are numbered differently).
cdef uint8_t[13] _PRIMITIVE_VALUE_KIND
_PRIMITIVE_VALUE_KIND[:] = [
    WASMTIME_COMPONENT_BOOL, WASMTIME_COMPONENT_S8, WASMTIME_COMPONENT_S16,
    WASMTIME_COMPONENT_S32, WASMTIME_COMPONENT_S64, WASMTIME_COMPONENT_U8,
    WASMTIME_COMPONENT_U16, WASMTIME_COMPONENT_U32, WASMTIME_COMPONENT_U64,
    WASMTIME_COMPONENT_F32, WASMTIME_COMPONENT_F64, WASMTIME_COMPONENT_CHAR,
    WASMTIME_COMPONENT_STRING]


cdef class _Conv:
    """How the values of one component type convert; a node of a plan."""

    cdef int kind              # wasmtime_component_valtype_kind_t
    cdef uint8_t vkind         # wasmtime_component_valkind_t of its values
    cdef object ty             # the reflection type, for messages
    cdef _Conv a, b            # list element, option payload, result ok/err, map key/value
    cdef tuple names           # record fields, variant cases, enum/flags names (str)
    cdef tuple convs           # record/tuple/variant: per field/element/case (None: no payload)
    cdef tuple classes         # untagged variant-likes: per case its classes (None: no payload)
    cdef dict index            # variant/enum/flags: name -> position
    cdef bint tagged
    cdef object resource_classes


def _component_conv(ty):
    """Compile the plan of a reflection type (cwasmtime.component._types)."""
    cdef _Conv c = _Conv.__new__(_Conv)
    cdef int kind = ty._KIND
    c.kind = kind
    c.ty = ty
    if kind <= CT_STRING:
        c.vkind = _PRIMITIVE_VALUE_KIND[kind]
    elif kind == CT_LIST:
        c.vkind = WASMTIME_COMPONENT_LIST
        c.a = _component_conv(ty.element)
    elif kind == CT_RECORD:
        c.vkind = WASMTIME_COMPONENT_RECORD
        fields = ty.fields
        c.names = tuple(name for name, _ in fields)
        c.convs = tuple(_component_conv(t) for _, t in fields)
    elif kind == CT_TUPLE:
        c.vkind = WASMTIME_COMPONENT_TUPLE
        c.convs = tuple(_component_conv(t) for t in ty.elements)
    elif kind == CT_VARIANT or kind == CT_OPTION or kind == CT_RESULT:
        c.vkind = (WASMTIME_COMPONENT_VARIANT if kind == CT_VARIANT else
                   WASMTIME_COMPONENT_OPTION if kind == CT_OPTION else WASMTIME_COMPONENT_RESULT)
        cases = ty._cases()
        c.names = tuple(name for name, _ in cases)
        c.convs = tuple(None if t is None else _component_conv(t) for _, t in cases)
        c.index = {name: i for i, (name, _) in enumerate(cases)}
        c.tagged = ty._tagged()
        c.classes = tuple(None if t is None else tuple(t._classes()) for _, t in cases)
    elif kind == CT_ENUM or kind == CT_FLAGS:
        c.vkind = WASMTIME_COMPONENT_ENUM if kind == CT_ENUM else WASMTIME_COMPONENT_FLAGS
        c.names = tuple(ty.names)
        c.index = {name: i for i, name in enumerate(c.names)}
    elif kind == CT_MAP:
        c.vkind = WASMTIME_COMPONENT_MAP
        c.a = _component_conv(ty.key)
        c.b = _component_conv(ty.value)
    elif kind == CT_OWN or kind == CT_BORROW:
        c.vkind = WASMTIME_COMPONENT_RESOURCE
        from .component._resources import ResourceAny, ResourceHost
        c.resource_classes = (ResourceAny, ResourceHost)
    # future, stream, error-context: no conversion (NotImplementedError when used)
    return c



# The arena keeps at most this many bytes between calls (bigger trees are freed after
# their call).
DEF ARENA_KEEP = 64 << 20
DEF ARENA_MIN = 4096


cdef class _Builder:
    """Where a lowering puts what a value tree points to (see the top of this file)."""

    cdef Store store
    cdef bint owned            # C API allocations (Wasmtime or val_delete frees them)
    cdef bint busy             # the arena holds a call's arguments right now
    cdef char* block           # the arena: one block kept between calls...
    cdef size_t cap, used
    cdef list extra            # ...plus blocks added during a call (addresses)
    cdef size_t extra_bytes
    cdef list keep             # objects whose buffers the tree points into
    cdef list handles          # resource_any pointers to delete after the call

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


cdef int _lower_name(_Builder b, str s, wasm_name_t* out) except -1:
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
    if not isinstance(v, int):
        raise TypeError(f"expected int for {type(c.ty).__name__} type, got {type(v).__name__}")
    # Wrapped modulo 2**bits like a C cast (wasmtime-py's and cmabi's rule).
    bits = PyLong_AsUnsignedLongLongMask(v)
    if c.kind == CT_S8 or c.kind == CT_U8:
        out.of.u8 = <uint8_t>bits
    elif c.kind == CT_S16 or c.kind == CT_U16:
        out.of.u16 = <uint16_t>bits
    elif c.kind == CT_S32 or c.kind == CT_U32:
        out.of.u32 = <uint32_t>bits
    else:
        out.of.u64 = bits
    out.kind = c.vkind
    return 0


cdef int _lower_value(_Conv c, _Builder b, object v, wasmtime_component_val_t* out) except -1:
    """Write ``v`` as a value of ``c`` into ``out`` (which holds no value yet)."""
    cdef int kind = c.kind
    _set_bool(out)
    if kind == CT_BOOL:
        if not isinstance(v, bool):
            raise TypeError(f"expected bool for Bool type, got {type(v).__name__}")
        out.of.boolean = v is True
    elif kind <= CT_U64:
        _lower_int(c, v, out)
    elif kind == CT_F32 or kind == CT_F64:
        if not isinstance(v, float):
            raise TypeError(f"expected float for {type(c.ty).__name__} type, got {type(v).__name__}")
        if kind == CT_F32:
            out.of.f32 = <float>PyFloat_AS_DOUBLE(v)
        else:
            out.of.f64 = PyFloat_AS_DOUBLE(v)
        out.kind = c.vkind
    elif kind == CT_CHAR:
        if not isinstance(v, str) or len(<str>v) != 1:
            raise TypeError("expected single-character string for Char type")
        out.of.character = ord(v)
        if 0xD800 <= out.of.character <= 0xDFFF:
            raise ValueError("a char must be a Unicode scalar value, not a surrogate")
        out.kind = c.vkind
    elif kind == CT_STRING or kind == CT_ENUM:
        if not isinstance(v, str):
            raise TypeError(f"expected str for {type(c.ty).__name__} type, got {type(v).__name__}")
        _lower_name(b, v, &out.of.string)
        out.kind = c.vkind
    elif kind == CT_LIST:
        _lower_list(c, b, v, out)
    elif kind == CT_RECORD:
        _lower_record(c, b, v, out)
    elif kind == CT_TUPLE:
        _lower_tuple(c, b, v, out)
    elif kind == CT_VARIANT or kind == CT_OPTION or kind == CT_RESULT:
        _lower_variant(c, b, v, out)
    elif kind == CT_FLAGS:
        _lower_flags(c, b, v, out)
    elif kind == CT_MAP:
        _lower_map(c, b, v, out)
    elif kind == CT_OWN or kind == CT_BORROW:
        _lower_resource(c, b, v, out)
    else:
        raise NotImplementedError(f"{type(c.ty).__name__} values cannot be converted yet")
    return 0


cdef int _fill_bools(wasmtime_component_val_t* data, size_t start, size_t stop) noexcept:
    cdef size_t i
    for i in range(start, stop):
        _set_bool(&data[i])
    return 0


cdef inline int _check_size(list v, Py_ssize_t n) except -1:
    if len(v) != n:
        raise RuntimeError("list changed size during conversion")
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
    if e.kind == CT_U8:
        if isinstance(v, bytes):
            raw = <const uint8_t*>PyBytes_AS_STRING(v)
            n = len(<bytes>v)
        elif isinstance(v, (bytearray, memoryview)):
            whole = memoryview(v)
            if not whole.c_contiguous or whole.ndim != 1 or whole.itemsize != 1:
                whole = memoryview(whole.tobytes())  # strided or multi-byte items: their bytes
            view = whole.cast("B")
            n = view.shape[0]
            raw = &view[0] if n else NULL
        else:
            raise TypeError(f"expected bytes for list<u8>, got {type(v).__name__}")
        data = _new_list(b, &out.of.list, n)
        out.kind = WASMTIME_COMPONENT_LIST
        for i in range(n):
            data[i].kind = WASMTIME_COMPONENT_U8
            data[i].of.u8 = raw[i]
        return 0
    if not isinstance(v, list):
        raise TypeError(f"expected list for {type(c.ty).__name__}, got {type(v).__name__}")
    n = len(<list>v)
    data = _new_list(b, &out.of.list, n)
    out.kind = WASMTIME_COMPONENT_LIST
    i = 0
    # Lowering an element can run Python code (__index__, properties) that changes
    # the list: its size is checked before every element.
    if CT_S8 <= e.kind <= CT_U64:
        try:
            for i in range(n):
                _check_size(<list>v, n)
                _lower_int(e, (<list>v)[i], &data[i])
        except BaseException:
            _fill_bools(data, i, n)
            raise
        return 0
    try:
        for i in range(n):
            _check_size(<list>v, n)
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
        _lower_value(<_Conv>c.convs[i], b, getattr(v, name), &data[i].val)
    return 0


cdef int _lower_tuple(_Conv c, _Builder b, object v, wasmtime_component_val_t* out) except -1:
    cdef Py_ssize_t i, n = len(c.convs)
    cdef wasmtime_component_val_t* data
    if not isinstance(v, tuple):
        raise TypeError(f"expected tuple for TupleType, got {type(v).__name__}")
    if len(<tuple>v) != n:
        raise TypeError(f"tuple length mismatch: expected {n} elements, got {len(<tuple>v)}")
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


cdef Py_ssize_t _variant_case(_Conv c, object v) except -1:
    """Which case of variant-like ``c`` the Python value ``v`` is (the tagging rule)."""
    cdef Py_ssize_t i
    if c.tagged:
        if not isinstance(v, Variant):
            raise TypeError(f"expected Variant for {type(c.ty).__name__}, got {type(v).__name__}")
        found = c.index.get(v.tag)
        if found is None:
            raise ValueError("value not valid for this variant")
        return found
    for i in range(len(c.names)):
        classes = c.classes[i]
        if classes is None:
            if v is None:
                return i
        elif isinstance(v, classes):
            return i
    raise ValueError("value not valid for this variant")


cdef int _lower_variant(_Conv c, _Builder b, object v, wasmtime_component_val_t* out) except -1:
    cdef Py_ssize_t case = _variant_case(c, v)
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
    if c.kind == CT_OPTION:
        out.of.option = boxed
    elif c.kind == CT_RESULT:
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
    if not isinstance(v, (set, frozenset)):
        raise TypeError(f"expected set for FlagsType, got {type(v).__name__}")
    names = tuple(v)  # one pass: the set is not consulted again
    for name in names:
        if not isinstance(name, str):
            raise TypeError("expected set of strings for Flags type")
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
    cdef Py_ssize_t i = 0, n
    cdef wasmtime_component_valmap_entry_t* data
    if not isinstance(v, dict):
        raise TypeError(f"expected dict for MapType, got {type(v).__name__}")
    n = len(<dict>v)
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
    i = 0
    for key, value in (<dict>v).items():
        if i == n:
            raise RuntimeError("dictionary changed size during conversion")
        _lower_value(c.a, b, key, &data[i].key)
        _lower_value(c.b, b, value, &data[i].value)
        i += 1
    return 0


cdef int _lower_resource(_Conv c, _Builder b, object v, wasmtime_component_val_t* out) except -1:
    cdef wasmtime_component_resource_any_t* handle
    any_cls, host_cls = c.resource_classes
    if isinstance(v, any_cls):
        owner = v._store
        if owner is not None and owner is not b.store:
            raise WasmtimeError("resource used with the wrong Store: it belongs to another Store")
        # own: the handle moves into the call; borrow: a copy of it is lent
        if c.kind == CT_OWN:
            handle = <wasmtime_component_resource_any_t*>_address(v._consume())
        else:
            handle = cw_wasmtime_component_resource_any_clone(
                <wasmtime_component_resource_any_t*>_address(v.ptr()))
    elif isinstance(v, host_cls):
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
    if kind == CT_BOOL:
        return bool(v.of.boolean)
    if kind == CT_S8:
        return v.of.s8
    if kind == CT_S16:
        return v.of.s16
    if kind == CT_S32:
        return v.of.s32
    if kind == CT_S64:
        return v.of.s64
    if kind == CT_U8:
        return v.of.u8
    if kind == CT_U16:
        return v.of.u16
    if kind == CT_U32:
        return v.of.u32
    if kind == CT_U64:
        return v.of.u64
    if kind == CT_F32:
        return <double>v.of.f32
    if kind == CT_F64:
        return v.of.f64
    if kind == CT_CHAR:
        return chr(v.of.character)
    if kind == CT_STRING or kind == CT_ENUM:
        return _lift_name(&v.of.string)
    if kind == CT_LIST:
        return _lift_list(c, store, &v.of.list)
    if kind == CT_RECORD:
        return _lift_record(c, store, &v.of.record)
    if kind == CT_TUPLE:
        return tuple([_lift_value(<_Conv>c.convs[i], store, &v.of.tuple.data[i]) for i in range(v.of.tuple.size)])
    if kind == CT_VARIANT or kind == CT_OPTION or kind == CT_RESULT:
        return _lift_variant(c, store, v)
    if kind == CT_FLAGS:
        return {_lift_name(&v.of.flags.data[i]) for i in range(v.of.flags.size)}
    if kind == CT_MAP:
        return {_lift_value(c.a, store, &v.of.map.data[i].key): _lift_value(c.b, store, &v.of.map.data[i].value)
                for i in range(v.of.map.size)}
    if kind == CT_OWN or kind == CT_BORROW:
        from .component._resources import ResourceAny
        return ResourceAny._from_ptr(ffi.cast("wasmtime_component_resource_any_t *",
                                              <uintptr_t>cw_wasmtime_component_resource_any_clone(v.of.resource)),
                                     store)
    raise NotImplementedError(f"{type(c.ty).__name__} values cannot be converted yet")


cdef object _lift_list(_Conv c, Store store, const wasmtime_component_vallist_t* v):
    cdef _Conv e = c.a
    cdef size_t i, n = v.size
    cdef bytes out
    cdef char* raw
    if e.kind == CT_U8:
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
    if c.kind == CT_OPTION:
        payload = v.of.option
        case = 0 if payload == NULL else 1
    elif c.kind == CT_RESULT:
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


# ------------------------------------------------------------------------- calls

cdef class _ComponentPlan:
    """A function type's conversions: one per parameter, and the result's (or None)."""

    cdef tuple params
    cdef _Conv result


def _component_plan(functype):
    """The plan of a reflection FuncType (cwasmtime.component._types.FuncType)."""
    cdef _ComponentPlan plan = _ComponentPlan.__new__(_ComponentPlan)
    plan.params = tuple(_component_conv(t) for _, t in functype.params)
    result = functype.result
    plan.result = None if result is None else _component_conv(result)
    return plan


cdef class ComponentFunc:
    """A component's exported function in one Store: ``func(store, *params)``."""

    cdef wasmtime_component_func_t _func
    cdef Store _store
    cdef _ComponentPlan _plan
    cdef _Builder _args        # the arena its arguments are built in

    def __init__(self):
        raise WasmtimeError("Cannot directly construct a `Func`")

    @staticmethod
    def _wrap(Store store, func_address):
        """A Func of ``store`` copied from the ``wasmtime_component_func_t`` at ``func_address``."""
        cdef ComponentFunc f = ComponentFunc.__new__(ComponentFunc)
        memcpy(&f._func, <void*><uintptr_t>func_address, sizeof(wasmtime_component_func_t))
        f._store = store
        f._args = _Builder.__new__(_Builder)
        f._args.store = store
        return f

    cdef Store _checked(self, object storelike):
        cdef Store s = _store_of(storelike)
        _same_store(self._store, s)
        return s

    def type(self, store):
        """The function's ``FuncType``."""
        from .component._itemtypes import FuncType
        cdef Store s = self._checked(store)
        ty = cw_wasmtime_component_func_type(&self._func, s._ctx)
        return FuncType._from_ptr(ffi.cast("wasmtime_component_func_type_t *", <uintptr_t>ty))

    _repr_name = "component.Func"

    def __repr__(self):
        from ._repr import in_store
        return in_store(self, self._store, lambda s: self.type(s)._signature())

    def __call__(self, *store_and_params):
        if not store_and_params:
            raise TypeError("expected a Store as the first argument")
        cdef Store s = self._checked(store_and_params[0])
        if self._plan is None:
            self._plan = _component_plan(self.type(s))
        return _component_call(self, s, store_and_params)

    def post_return(self, store):
        """Finish the previous call (frees what the guest kept for the results)."""
        cdef Store s = self._checked(store)
        with s._running_wasm() as ctx:
            error = lib.wasmtime_component_func_post_return(
                ffi.cast("wasmtime_component_func_t *", <uintptr_t>&self._func), ctx)
        if error != ffi.NULL:
            raise _failure(s, <wasmtime_error_t*>_address(error), NULL)


cdef object _component_call(ComponentFunc func, Store s, tuple args):
    cdef _ComponentPlan plan = func._plan
    cdef Py_ssize_t i, n = len(args) - 1
    cdef Py_ssize_t nparams = len(plan.params)
    cdef wasmtime_component_val_t stack_params[COMPONENT_STACK_PARAMS]
    cdef wasmtime_component_val_t* params = stack_params
    cdef wasmtime_component_val_t result
    cdef size_t nresults = plan.result is not None
    cdef wasmtime_error_t* error
    cdef _Builder b = func._args
    if n != nparams:
        raise TypeError(f"wrong number of parameters provided: given {n}, expected {nparams}")
    if b.busy:  # a call of this function from one of its own host imports
        b = _Builder.__new__(_Builder)
        b.store = s
    b.busy = True
    _set_bool(&result)
    try:
        if nparams > COMPONENT_STACK_PARAMS:
            params = <wasmtime_component_val_t*>b.alloc(nparams * sizeof(wasmtime_component_val_t))
        for i in range(nparams):
            _lower_value(<_Conv>plan.params[i], b, args[i + 1], &params[i])
        s._check()  # lowering ran Python code, which may have closed the Store
        s._owner = PyThread_get_thread_ident()
        s._depth += 1
        with nogil:
            error = cw_wasmtime_component_func_call(&func._func, s._ctx, params, nparams,
                                                    &result, nresults)
        s._depth -= 1
        if error != NULL:
            raise _failure(s, error, NULL)
        return None if nresults == 0 else _lift_value(plan.result, s, &result)
    finally:
        b.reset()
        cw_wasmtime_component_val_delete(&result)


# ------------------------------------------------------- host functions and dtors

cdef class _ComponentHost:
    """A host function added with ``LinkerInstance.add_func`` (its C env pointer).
    Its plan is kept with the parameter/result types it was built for, and rebuilt
    when the function is called with another type (one name can serve components
    that import it with different types)."""

    cdef object fn
    cdef _ComponentPlan plan
    cdef wasmtime_component_valtype_t* types   # params, then the result (if any)
    cdef size_t ntypes
    cdef size_t nparams

    def __dealloc__(self):
        self._forget_types()

    cdef void _forget_types(self) noexcept:
        cdef size_t i
        for i in range(self.ntypes):
            cw_wasmtime_component_valtype_delete(&self.types[i])
        free(self.types)
        self.types = NULL
        self.ntypes = 0

    cdef _ComponentPlan plan_for(self, const wasmtime_component_func_type_t* ty):
        cdef size_t i, nparams = cw_wasmtime_component_func_type_param_count(ty)
        cdef wasmtime_component_valtype_t current
        cdef const char* name
        cdef size_t name_len
        cdef bint same = self.plan is not None and nparams == self.nparams
        cdef bint has_result
        cdef size_t ntypes
        cdef wasmtime_component_valtype_t* types
        i = 0
        while same and i < nparams:
            cw_wasmtime_component_func_type_param_nth(ty, i, &name, &name_len, &current)
            same = cw_wasmtime_component_valtype_equal(&current, &self.types[i])
            cw_wasmtime_component_valtype_delete(&current)
            i += 1
        if same:
            has_result = cw_wasmtime_component_func_type_result(ty, &current)
            same = has_result == (self.ntypes > nparams)
            if has_result:
                same = same and cw_wasmtime_component_valtype_equal(&current, &self.types[nparams])
                cw_wasmtime_component_valtype_delete(&current)
        if same:
            return self.plan
        # A new type: build its plan (Python code, during which another thread may
        # call this function too), then swap plan and types in at once.
        from .component._itemtypes import FuncType
        borrowed = FuncType._from_ptr(ffi.cast("wasmtime_component_func_type_t *", <uintptr_t>ty),
                                      owner=self)
        plan = _component_plan(borrowed)
        types = <wasmtime_component_valtype_t*>malloc(
            (nparams + 1) * sizeof(wasmtime_component_valtype_t))
        if types == NULL:
            raise MemoryError()
        for i in range(nparams):
            cw_wasmtime_component_func_type_param_nth(ty, i, &name, &name_len, &types[i])
        ntypes = nparams + cw_wasmtime_component_func_type_result(ty, &types[nparams])
        self._forget_types()
        self.types, self.ntypes, self.nparams, self.plan = types, ntypes, nparams, plan
        return plan


def _component_host(fn):
    """The env object of a host function (handed to the C linker)."""
    cdef _ComponentHost host = _ComponentHost.__new__(_ComponentHost)
    host.fn = fn
    Py_INCREF(host)
    return <uintptr_t><PyObject*>host


def _component_callbacks():
    """``(func trampoline, resource destructor trampoline, env finalizer)`` addresses."""
    return (<uintptr_t>_component_host_trampoline, <uintptr_t>_component_dtor_trampoline,
            <uintptr_t>_release_host)


def _component_dtor(fn):
    """The env of a resource destructor: ``fn`` itself, with a reference for C."""
    Py_INCREF(fn)
    return <uintptr_t><PyObject*>fn


cdef wasmtime_error_t* _component_host_trampoline(
        void* env, wasmtime_context_t* ctx, const wasmtime_component_func_type_t* ty,
        wasmtime_component_val_t* args, size_t nargs, wasmtime_component_val_t* results,
        size_t nresults) noexcept with gil:
    cdef _ComponentHost host = <_ComponentHost>env
    cdef Store store = <Store>cw_wasmtime_context_get_data(ctx)
    cdef StoreContext context = StoreContext.__new__(StoreContext)
    cdef _ComponentPlan plan
    cdef size_t i
    context._store = store
    try:
        plan = host.plan_for(ty)
        params = [context]
        for i in range(nargs):
            params.append(_lift_value(<_Conv>plan.params[i], store, &args[i]))
        result = host.fn(*params)
        if nresults == 0:
            if result is not None:
                raise TypeError("host function returned a value but its type has no result")
        else:
            # Wasmtime frees what we write here (it holds a Bool now: nothing to free).
            _lower_value(plan.result, _owned_builder(store), result, &results[0])
        return NULL
    except BaseException as exc:
        store._pending = exc
        return cw_wasmtime_error_new("python exception")
    finally:
        context._store = None


cdef wasmtime_error_t* _component_dtor_trampoline(void* env, wasmtime_context_t* ctx,
                                                  uint32_t rep) noexcept with gil:
    cdef Store store = <Store>cw_wasmtime_context_get_data(ctx)
    cdef StoreContext context = StoreContext.__new__(StoreContext)
    context._store = store
    try:
        (<object>env)(context, rep)
        return NULL
    except BaseException as exc:
        store._pending = exc
        return cw_wasmtime_error_new("python exception")
    finally:
        context._store = None


def _component_lower(_Conv conv, store, value, uintptr_t address):
    """``ValType.convert_to_c``: lower ``value`` into the value at ``address``."""
    _lower_value(conv, _owned_builder(_store_of(store)), value, <wasmtime_component_val_t*>address)


def _component_lift(_Conv conv, store, uintptr_t address):
    """``ValType.convert_from_c``: the Python value of the value at ``address``
    (resources in it belong to ``store``, or to no Store when it is None)."""
    return _lift_value(conv, None if store is None else _store_of(store),
                       <const wasmtime_component_val_t*>address)


cdef class _ComponentFloor:
    """A component call's floor (benchmarks): the arguments lowered once, then each
    call is ``wasmtime_component_func_call`` alone from Cython, GIL held, the result
    released unread: what the C API costs for this call, with no Python conversions."""

    cdef ComponentFunc func
    cdef Store store
    cdef _Builder args
    cdef wasmtime_component_val_t* params
    cdef size_t nparams, nresults

    def __call__(self):
        cdef wasmtime_component_val_t result
        _set_bool(&result)
        error = cw_wasmtime_component_func_call(&self.func._func, self.store._ctx, self.params,
                                                self.nparams, &result, self.nresults)
        cw_wasmtime_component_val_delete(&result)
        if error != NULL:
            raise _failure(self.store, error, NULL)


def _floor_component_call(ComponentFunc func, store, *params):
    """The floor of ``func(store, *params)``: call the returned object to time it."""
    cdef Store s = func._checked(store)
    cdef _ComponentFloor floor = _ComponentFloor.__new__(_ComponentFloor)
    cdef Py_ssize_t i
    if func._plan is None:
        func._plan = _component_plan(func.type(s))
    if len(params) != len(func._plan.params):
        raise TypeError("wrong number of parameters")
    floor.func, floor.store = func, s
    floor.args = _Builder.__new__(_Builder)
    floor.args.store = s
    floor.args.keep_alive(params)
    floor.nparams = len(params)
    floor.nresults = func._plan.result is not None
    floor.params = <wasmtime_component_val_t*>floor.args.alloc(
        floor.nparams * sizeof(wasmtime_component_val_t))
    for i in range(floor.nparams):
        _lower_value(<_Conv>func._plan.params[i], floor.args, params[i], &floor.params[i])
    return floor
