# Values: Val, and converting Python values to and from raw slots
# (wasmtime_val_raw_t, for calls) and wasmtime_val_t (for globals, tables, the C API).

# The one mapping between the two numberings of value kinds: a call's raw slots use
# wasm.h's wasm_valkind_t (plus WASMTIME_V128, see _native.pxd), wasmtime_val_t (globals,
# tables) uses wasmtime_valkind_t. Row i: (wasm kind, wasmtime kind, name).
cdef enum:
    N_KINDS = 7
cdef uint8_t _SLOT_KINDS[N_KINDS]
cdef uint8_t _VAL_KINDS[N_KINDS]
_SLOT_KINDS[:] = [WASM_I32, WASM_I64, WASM_F32, WASM_F64, WASMTIME_V128, WASM_EXTERNREF, WASM_FUNCREF]
_VAL_KINDS[:] = [WASMTIME_I32, WASMTIME_I64, WASMTIME_F32, WASMTIME_F64, WASMTIME_V128,
                 WASMTIME_EXTERNREF, WASMTIME_FUNCREF]
cdef tuple _KIND_NAMES = ("i32", "i64", "f32", "f64", "v128", "externref", "funcref")


cdef inline int _kind_row(uint8_t wasm_kind) noexcept:
    cdef int i
    for i in range(N_KINDS):
        if _SLOT_KINDS[i] == wasm_kind:
            return i
    return -1


cdef str _kind_name(uint8_t kind):
    cdef int i = _kind_row(kind)
    return _KIND_NAMES[i] if i >= 0 else f"<unsupported value kind {kind}>"


cdef uint8_t _wasm_kind_of(int wasmtime_kind) except 255:
    """wasmtime_valkind_t -> the wasm kind used internally."""
    cdef int i
    for i in range(N_KINDS):
        if _VAL_KINDS[i] == wasmtime_kind:
            return _SLOT_KINDS[i]
    raise WasmtimeError(f"unsupported value kind {wasmtime_kind}")


cdef inline int _wasmtime_kind_of(uint8_t wasm_kind) noexcept:
    """The wasm kind used internally -> wasmtime_valkind_t (-1 for none)."""
    cdef int i = _kind_row(wasm_kind)
    return _VAL_KINDS[i] if i >= 0 else -1


def value_kinds():
    """The mapping above, as (wasm_valkind_t, wasmtime_valkind_t, name) rows (for tests)."""
    return [(_SLOT_KINDS[i], _VAL_KINDS[i], _KIND_NAMES[i]) for i in range(N_KINDS)]


# ------------------------------------------------------------------ value types
# A value type is classified by comparing it with the abstract types below: that never
# aborts (Wasmtime only asserts when it compares two concrete types of different
# engines), while wasm_valtype_kind aborts the process on v128 and on every reference
# type but nullable externref/funcref, and wasmtime_valtype_new on continuation types.
# The classes: the numbers, nullable externref and funcref, v128 (the kinds a call
# passes), then the other abstract references; VT_OTHER is any concrete or continuation
# reference type.

cdef enum:
    VT_EXTERNREF = 4
    VT_FUNCREF = 5
    VT_V128 = 6
    VT_COUNT = 29
    VT_OTHER = VT_COUNT

cdef wasm_valtype_t* _vt_known[VT_COUNT]
cdef uint8_t _vt_call_kind[VT_COUNT + 1]  # KIND_* of a call's raw slot; 255: cannot pass
cdef int8_t _vt_valkind[VT_COUNT + 1]     # wasmtime_valkind_t for globals/tables; -1: none


cdef tuple _build_valtype_classes():
    """Fill the tables above; returns the classes' names (as ``str(ValType)`` shows them)."""
    cdef wasmtime_valtype_t rich
    cdef int cls
    cdef uint8_t kind
    for cls, kind in enumerate((WASM_I32, WASM_I64, WASM_F32, WASM_F64)):
        _vt_known[cls] = cw_wasm_valtype_new(kind)
        _vt_call_kind[cls] = kind
        _vt_valkind[cls] = _wasmtime_kind_of(kind)
    _vt_known[VT_V128] = cw_wasmtime_wasm_valtype_v128()
    _vt_call_kind[VT_V128] = WASMTIME_V128
    _vt_valkind[VT_V128] = WASMTIME_V128
    # (nullable, heap type kind, name, wasmtime_valkind_t of its values or -1), by class
    # from VT_EXTERNREF on, skipping VT_V128. "anyref" is wasmtime-py's name for externref.
    refs = [(True, WASMTIME_HEAPTYPE_KIND_EXTERN, "anyref", WASMTIME_EXTERNREF),
            (True, WASMTIME_HEAPTYPE_KIND_FUNC, "funcref", WASMTIME_FUNCREF)]
    for heap, heap_name, valkind in (
            (WASMTIME_HEAPTYPE_KIND_EXTERN, "extern", WASMTIME_EXTERNREF),
            (WASMTIME_HEAPTYPE_KIND_FUNC, "func", WASMTIME_FUNCREF),
            (WASMTIME_HEAPTYPE_KIND_NOEXTERN, "noextern", WASMTIME_EXTERNREF),
            (WASMTIME_HEAPTYPE_KIND_NOFUNC, "nofunc", WASMTIME_FUNCREF),
            (WASMTIME_HEAPTYPE_KIND_ANY, "any", -1), (WASMTIME_HEAPTYPE_KIND_NONE, "none", -1),
            (WASMTIME_HEAPTYPE_KIND_EQ, "eq", -1), (WASMTIME_HEAPTYPE_KIND_I31, "i31", -1),
            (WASMTIME_HEAPTYPE_KIND_ARRAY, "array", -1),
            (WASMTIME_HEAPTYPE_KIND_STRUCT, "struct", -1),
            (WASMTIME_HEAPTYPE_KIND_EXN, "exn", -1), (WASMTIME_HEAPTYPE_KIND_NOEXN, "noexn", -1)):
        for nullable in (True, False):
            if not (nullable and heap in (WASMTIME_HEAPTYPE_KIND_EXTERN, WASMTIME_HEAPTYPE_KIND_FUNC)):
                refs.append((nullable, heap, f"(ref {'null ' if nullable else ''}{heap_name})", valkind))
    names = ["i32", "i64", "f32", "f64"]
    memset(&rich, 0, sizeof(rich))
    rich.kind = WASMTIME_VALTYPE_KIND_REF
    cls = VT_EXTERNREF
    for nullable, heap, name, valkind in refs:
        if cls == VT_V128:
            names.append("v128")
            cls += 1
        rich.reftype.nullable = nullable
        rich.reftype.heaptype.kind = heap
        _vt_known[cls] = cw_wasmtime_valtype_to_wasm(NULL, &rich)
        _vt_call_kind[cls] = 255
        _vt_valkind[cls] = valkind
        names.append(name)
        cls += 1
    if cls != VT_COUNT:  # a class added without updating VT_COUNT
        raise ImportError(f"cwasmtime: {cls} value type classes, VT_COUNT is {VT_COUNT}")
    _vt_call_kind[VT_EXTERNREF] = WASM_EXTERNREF
    _vt_call_kind[VT_FUNCREF] = WASM_FUNCREF
    _vt_call_kind[VT_OTHER] = 255
    _vt_valkind[VT_OTHER] = -1
    names.append("(ref <concrete type>)")
    return tuple(names)


VALTYPE_NAMES = _build_valtype_classes()
VALTYPE_OTHER = VT_OTHER


cdef int _valtype_class(wasm_valtype_t* ty) noexcept:
    cdef int cls
    for cls in range(VT_COUNT):
        if cw_wasmtime_wasm_valtype_equal(ty, _vt_known[cls]):
            return cls
    return VT_OTHER


def valtype_class(uintptr_t address):
    """The class of the ``wasm_valtype_t*`` at ``address``: an index into VALTYPE_NAMES."""
    return _valtype_class(<wasm_valtype_t*>address)


cdef int _valkind_of(wasm_valtype_t* ty) except -1:
    """The ``wasmtime_valkind_t`` of the values of type ``ty`` (a global's content, a
    table's elements); TypeError for types cwasmtime cannot convert (Wasmtime aborts
    reading or writing some of them: continuations)."""
    cdef int cls = _valtype_class(ty)
    if _vt_valkind[cls] < 0:
        raise TypeError(f"unsupported value type {VALTYPE_NAMES[cls]}")
    return _vt_valkind[cls]


@cython.auto_pickle(True)  # a plain value: copies and pickles (unless it holds a Func)
cdef class Val:
    """A typed wasm value."""

    def __init__(self, kind, val):
        self._wasm_kind = _wasm_kind_of(int(getattr(kind, "value", kind)))
        self._val = val

    @staticmethod
    cdef Val _new(uint8_t wasm_kind, object val):
        cdef Val v = Val.__new__(Val)
        v._wasm_kind = wasm_kind
        v._val = val
        return v

    @classmethod
    def i32(cls, val):
        """A 32-bit integer (wrapped to the signed range, like a C cast)."""
        if not isinstance(val, int):
            raise TypeError("expected an integer")
        return Val._new(WASM_I32, <int32_t>PyLong_AsUnsignedLongLongMask(val))

    @classmethod
    def i64(cls, val):
        """A 64-bit integer (wrapped to the signed range, like a C cast)."""
        if not isinstance(val, int):
            raise TypeError("expected an integer")
        return Val._new(WASM_I64, <int64_t>PyLong_AsUnsignedLongLongMask(val))

    @classmethod
    def f32(cls, val):
        """A 32-bit float (rounded to single precision)."""
        if not isinstance(val, float):
            raise TypeError("expected a float")
        return Val._new(WASM_F32, <double><float>PyFloat_AS_DOUBLE(val))

    @classmethod
    def f64(cls, val):
        """A 64-bit float."""
        if not isinstance(val, float):
            raise TypeError("expected a float")
        return Val._new(WASM_F64, val)

    @classmethod
    def externref(cls, extern):
        """An ``externref`` holding any Python object (``None`` is the null ref)."""
        return Val._new(WASM_EXTERNREF, extern)

    @classmethod
    def funcref(cls, f):
        """A ``funcref`` to a Func (``None`` is the null ref)."""
        return Val._new(WASM_FUNCREF, f)

    @classmethod
    def ref_null(cls, ty):
        """The null reference of reference type ``ty``."""
        ValType = _py("_types").ValType
        if ty == ValType.externref():
            return Val.externref(None)
        if ty == ValType.funcref():
            return Val.funcref(None)
        raise WasmtimeError("Invalid reference type for `ref_null`: %s" % ty)

    def __eq__(self, rhs):
        if isinstance(rhs, Val):
            return self._wasm_kind == (<Val>rhs)._wasm_kind and self._val == (<Val>rhs)._val
        return self._val == rhs

    def __repr__(self):
        return f"Val.{_kind_name(self._wasm_kind)}({self._val!r})"

    @property
    def _kind(self):
        """The ``wasmtime_valkind_t`` of this value."""
        return _wasmtime_kind_of(self._wasm_kind)

    @property
    def value(self):
        """The Python value (int, float, the externref's object, a Func or None)."""
        return self._val

    def as_i32(self):
        return self._val if self._wasm_kind == WASM_I32 else None

    def as_i64(self):
        return self._val if self._wasm_kind == WASM_I64 else None

    def as_f32(self):
        return self._val if self._wasm_kind == WASM_F32 else None

    def as_f64(self):
        return self._val if self._wasm_kind == WASM_F64 else None

    def as_externref(self):
        return self._val if self._wasm_kind == WASM_EXTERNREF else None

    def as_funcref(self):
        return self._val if self._wasm_kind == WASM_FUNCREF else None

    @property
    def type(self):
        """The ValType of this value."""
        ValType = _py("_types").ValType
        kind = self._wasm_kind
        if kind == WASMTIME_V128:
            raise WasmtimeError("unimplemented v128 type")
        return getattr(ValType, _kind_name(kind))()


# Objects whose externref Wasmtime dropped, each still holding the externref's reference.
cdef list _dropped = []


cdef void _release_externref(void* data) noexcept with gil:
    # Wasmtime drops externrefs inside its own calls (a collection, a Store being freed):
    # an object's finalizer run there could close or re-enter that Store under Wasmtime.
    # So the reference moves to _dropped, released once Wasmtime has returned.
    try:
        _dropped.append(<object>data)
    except BaseException:
        return  # out of memory: rather keep the object than finalize it here
    Py_XDECREF(<PyObject*>data)
    if len(_dropped) == 1:  # the first since the last release: have it happen soon
        Py_AddPendingCall(_release_dropped_pending, NULL)


cdef int _release_dropped_pending(void* unused) noexcept with gil:
    _release_dropped()
    return 0


cdef void _release_dropped() noexcept:
    """Release the objects in _dropped (their finalizers run here). Called with the GIL,
    outside Wasmtime: after each wasm call, and from the interpreter's pending calls."""
    global _dropped
    while _dropped:
        batch = _dropped
        _dropped = []
        del batch


cdef int _lower(Store store, uint8_t kind, object value, wasmtime_val_raw_t* out,
                wasmtime_externref_t* root) except -1:
    """Python value -> raw slot, by wasm kind. A non-null externref is created rooted
    in ``root`` and 1 is returned: the caller unroots it once the raw value has been
    consumed. Returns 0 when ``root`` was not used."""
    cdef Val v
    cdef Func f
    if kind == WASM_I32 and PyLong_CheckExact(value):
        out.i32 = <int32_t>PyLong_AsUnsignedLongLongMask(value)
        return 0
    if kind == WASM_F64 and PyFloat_CheckExact(value):
        out.f64 = PyFloat_AS_DOUBLE(value)
        return 0
    if isinstance(value, Val):
        v = <Val>value
        if v._wasm_kind != kind:
            raise TypeError("wrong type of `Val` provided")
        value = v._val
        if kind == WASM_F32 or kind == WASM_F64:
            value = float(value)
    if kind == WASM_I32:
        if isinstance(value, int):
            out.i32 = <int32_t>PyLong_AsUnsignedLongLongMask(value)
            return 0
    elif kind == WASM_I64:
        if isinstance(value, int):
            out.i64 = <int64_t>PyLong_AsUnsignedLongLongMask(value)
            return 0
    elif kind == WASM_F32:
        if isinstance(value, float):
            out.f32 = <float>PyFloat_AS_DOUBLE(value)
            return 0
    elif kind == WASM_F64:
        if isinstance(value, float):
            out.f64 = PyFloat_AS_DOUBLE(value)
            return 0
    elif kind == WASM_EXTERNREF:
        if value is None:
            out.externref = 0
            return 0
        store._check()  # converting an earlier value may have run code that closed it
        Py_INCREF(value)
        # On failure Wasmtime has already run the finalizer, which took that reference.
        if not cw_wasmtime_externref_new(store._ctx, <void*>value, _release_externref, root):
            raise WasmtimeError("failed to create an externref value")
        out.externref = cw_wasmtime_externref_to_raw(store._ctx, root)
        return 1
    elif kind == WASM_FUNCREF:
        if value is None:
            out.funcref = NULL
            return 0
        if isinstance(value, Func):
            f = <Func>value
            _same_store(f._store, store)
            store._check()
            out.funcref = cw_wasmtime_func_to_raw(store._ctx, &f._func)
            return 0
    elif kind == WASMTIME_V128:
        if isinstance(value, int):
            data = (value & ((1 << 128) - 1)).to_bytes(16, "little")
            memcpy(out.v128, <const char*>data, 16)
            return 0
    raise TypeError("don't know how to convert %r to %s" % (value, _kind_name(kind)))


cdef union _Taken:
    # A raw slot once its reference was taken out of the Store (see _take).
    wasmtime_val_raw_t raw
    wasmtime_func_t func          # a funcref: the function (store_id 0 for null)
    PyObject* obj                 # an externref: its object, a new reference (NULL for null)

assert sizeof(_Taken) == sizeof(wasmtime_val_raw_t)  # a taken slot fits where it was


cdef void _take(Store store, uint8_t kind, wasmtime_val_raw_t* slot) noexcept:
    """Replace a raw reference in ``slot`` by what stays valid without the Store (see
    _Taken). Raw references must be taken before any Python object is built: building
    one may run a finalizer (Python's cyclic GC) that collects the Store's garbage, which
    frees what an unrooted raw externref names, or closes the Store. The Store is open."""
    cdef wasmtime_externref_t ref
    cdef wasmtime_func_t func
    cdef void* data = NULL
    if kind == WASM_EXTERNREF:
        if slot.externref != 0:
            cw_wasmtime_externref_from_raw(store._ctx, slot.externref, &ref)
            data = cw_wasmtime_externref_data(store._ctx, &ref)
            Py_XINCREF(<PyObject*>data)
            cw_wasmtime_externref_unroot(&ref)
        (<_Taken*>slot).obj = <PyObject*>data
    elif kind == WASM_FUNCREF:
        if slot.funcref == NULL:
            memset(&func, 0, sizeof(func))
        else:
            cw_wasmtime_func_from_raw(store._ctx, slot.funcref, &func)
        (<_Taken*>slot).func = func


cdef void _take_all(Store store, const uint8_t* kinds, wasmtime_val_raw_t* slots, Py_ssize_t n) noexcept:
    cdef Py_ssize_t i
    for i in range(n):
        _take(store, kinds[i], &slots[i])


cdef object _built(Store store, uint8_t kind, wasmtime_val_raw_t* slot):
    """The Python value of a slot (its reference, if any, already taken)."""
    cdef PyObject* obj
    if kind == WASM_I32:
        return slot.i32
    if kind == WASM_I64:
        return slot.i64
    if kind == WASM_F32:
        return <double>slot.f32
    if kind == WASM_F64:
        return slot.f64
    if kind == WASM_EXTERNREF:
        obj = (<_Taken*>slot).obj
        if obj == NULL:
            return None
        (<_Taken*>slot).obj = NULL
        result = <object>obj
        Py_XDECREF(obj)  # the reference _take made, now held by `result`
        return result
    if kind == WASM_FUNCREF:
        if (<_Taken*>slot).func.store_id == 0:
            return None
        return Func._wrap(store, &(<_Taken*>slot).func)
    if kind == WASMTIME_V128:
        return int.from_bytes((<char*>slot.v128)[:16], "little")
    raise WasmtimeError(f"unsupported value kind {kind}")


cdef inline object _lift(Store store, uint8_t kind, wasmtime_val_raw_t* slot):
    """Raw slot -> Python value, by wasm kind (one value: nothing runs in between)."""
    if kind == WASM_EXTERNREF or kind == WASM_FUNCREF:
        _take(store, kind, slot)
    return _built(store, kind, slot)


cdef list _built_all(Store store, const uint8_t* kinds, wasmtime_val_raw_t* slots, Py_ssize_t n):
    """The Python values of the ``n`` taken ``slots``; if one fails, the objects taken
    for the others are released."""
    cdef Py_ssize_t i = 0
    try:
        values = [None] * n
        for i in range(n):
            values[i] = _built(store, kinds[i], &slots[i])
    except BaseException:
        _release_taken(kinds, slots, i, n)
        raise
    return values


cdef void _release_taken(const uint8_t* kinds, wasmtime_val_raw_t* slots, Py_ssize_t start,
                         Py_ssize_t n) noexcept:
    """Release the objects taken for ``slots[start:n]`` that were not built (an error)."""
    cdef Py_ssize_t i
    for i in range(start, n):
        if kinds[i] == WASM_EXTERNREF:
            Py_XDECREF((<_Taken*>&slots[i]).obj)
            (<_Taken*>&slots[i]).obj = NULL


cdef int _val_lower(Store store, int kind, object value, wasmtime_val_t* val) except -1:
    cdef wasmtime_val_raw_t raw
    cdef uint8_t wasm_kind = _wasm_kind_of(kind)
    cdef Func f
    memset(val, 0, sizeof(wasmtime_val_t))
    val.kind = kind
    if wasm_kind == WASM_EXTERNREF:
        # A null externref is a zeroed struct (store_id 0); otherwise rooted in place.
        _lower(store, wasm_kind, value, &raw, &val.of.externref)
    elif wasm_kind == WASM_FUNCREF:
        if isinstance(value, Val):
            if (<Val>value)._wasm_kind != WASM_FUNCREF:
                raise TypeError("wrong type of `Val` provided")
            value = (<Val>value)._val
        if isinstance(value, Func):
            f = <Func>value
            _same_store(f._store, store)
            val.of.funcref = f._func
        elif value is not None:
            raise TypeError("don't know how to convert %r to funcref" % (value,))
    else:
        _lower(store, wasm_kind, value, &raw, NULL)
        if wasm_kind == WASM_I32:
            val.of.i32 = raw.i32
        elif wasm_kind == WASM_I64:
            val.of.i64 = raw.i64
        elif wasm_kind == WASM_F32:
            val.of.f32 = raw.f32
        elif wasm_kind == WASM_F64:
            val.of.f64 = raw.f64
        else:
            memcpy(val.of.v128, raw.v128, 16)
    return 0


cdef object _val_value(Store store, wasmtime_val_t* val):
    cdef void* data
    kind = val.kind
    if kind == WASMTIME_I32:
        return val.of.i32
    if kind == WASMTIME_I64:
        return val.of.i64
    if kind == WASMTIME_F32:
        return <double>val.of.f32
    if kind == WASMTIME_F64:
        return val.of.f64
    if kind == WASMTIME_V128:
        return int.from_bytes((<char*>val.of.v128)[:16], "little")
    if kind == WASMTIME_FUNCREF:
        return None if val.of.funcref.store_id == 0 else Func._wrap(store, &val.of.funcref)
    if kind == WASMTIME_EXTERNREF:
        if val.of.externref.store_id == 0:
            return None
        data = cw_wasmtime_externref_data(store._ctx, &val.of.externref)
        return <object>data if data != NULL else None
    raise WasmtimeError(f"unsupported value kind {kind}")


cdef object _lift_val(Store store, wasmtime_val_t* val):
    """The value of a filled ``wasmtime_val_t``, unrooting it; a null reference comes
    back as a null ``Val`` of its kind (equal to None), as wasmtime-py's Global.value
    and Table.get return it."""
    try:
        value = _val_value(store, val)
    finally:
        cw_wasmtime_val_unroot(val)
    if value is None:
        return Val._new(_wasm_kind_of(val.kind), None)
    return value
