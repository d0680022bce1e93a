# Values: Val, and converting Python values to and from raw slots
# (wasmtime_val_raw_t, for calls) and wasmtime_val_t (for globals, tables, the C API).

cdef str _kind_name(uint8_t kind):
    if kind == KIND_I32:
        return "i32"
    if kind == KIND_I64:
        return "i64"
    if kind == KIND_F32:
        return "f32"
    if kind == KIND_F64:
        return "f64"
    if kind == KIND_V128:
        return "v128"
    if kind == KIND_EXTERNREF:
        return "externref"
    if kind == KIND_FUNCREF:
        return "funcref"
    return f"<unsupported value kind {kind}>"


cdef uint8_t _wasm_kind_of(int wasmtime_kind) except 255:
    # wasmtime_valkind_t (0..6) to the wasm.h kinds used internally.
    if 0 <= wasmtime_kind <= 4:
        return <uint8_t>wasmtime_kind
    if wasmtime_kind == 5:
        return KIND_FUNCREF
    if wasmtime_kind == 6:
        return KIND_EXTERNREF
    raise WasmtimeError(f"unsupported value kind {wasmtime_kind}")


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
        return Val._new(KIND_I32, <int32_t>PyLong_AsUnsignedLongLongMask(val))

    @classmethod
    def i64(cls, val):
        """A 64-bit integer (wrapped to the signed range, like a C cast)."""
        if not isinstance(val, int):
            raise TypeError("expected an integer")
        return Val._new(KIND_I64, <int64_t>PyLong_AsUnsignedLongLongMask(val))

    @classmethod
    def f32(cls, val):
        """A 32-bit float (rounded to single precision)."""
        if not isinstance(val, float):
            raise TypeError("expected a float")
        return Val._new(KIND_F32, <double><float>PyFloat_AS_DOUBLE(val))

    @classmethod
    def f64(cls, val):
        """A 64-bit float."""
        if not isinstance(val, float):
            raise TypeError("expected a float")
        return Val._new(KIND_F64, val)

    @classmethod
    def externref(cls, extern):
        """An ``externref`` holding any Python object (``None`` is the null ref)."""
        return Val._new(KIND_EXTERNREF, extern)

    @classmethod
    def funcref(cls, f):
        """A ``funcref`` to a Func (``None`` is the null ref)."""
        return Val._new(KIND_FUNCREF, f)

    @classmethod
    def ref_null(cls, ty):
        """The null reference of reference type ``ty``."""
        from ._types import ValType
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
        if self._wasm_kind == KIND_FUNCREF:
            return 5
        if self._wasm_kind == KIND_EXTERNREF:
            return 6
        return self._wasm_kind

    @property
    def value(self):
        """The Python value (int, float, the externref's object, a Func or None)."""
        return self._val

    def as_i32(self):
        return self._val if self._wasm_kind == KIND_I32 else None

    def as_i64(self):
        return self._val if self._wasm_kind == KIND_I64 else None

    def as_f32(self):
        return self._val if self._wasm_kind == KIND_F32 else None

    def as_f64(self):
        return self._val if self._wasm_kind == KIND_F64 else None

    def as_externref(self):
        return self._val if self._wasm_kind == KIND_EXTERNREF else None

    def as_funcref(self):
        return self._val if self._wasm_kind == KIND_FUNCREF else None

    @property
    def type(self):
        """The ValType of this value."""
        from ._types import ValType
        kind = self._wasm_kind
        if kind == KIND_V128:
            raise WasmtimeError("unimplemented v128 type")
        return getattr(ValType, _kind_name(kind))()


cdef void _release_externref(void* data) noexcept with gil:
    Py_XDECREF(<PyObject*>data)


cdef int _lower(Store store, uint8_t kind, object value, wasmtime_val_raw_t* out,
                wasmtime_externref_t* root) except -1:
    """Python value -> raw slot, by wasm kind. A non-null externref is created rooted
    in ``root`` and 1 is returned: the caller unroots it once the raw value has been
    consumed. Returns 0 when ``root`` was not used."""
    cdef Val v
    cdef Func f
    if kind == KIND_I32 and PyLong_CheckExact(value):
        out.i32 = <int32_t>PyLong_AsUnsignedLongLongMask(value)
        return 0
    if kind == KIND_F64 and PyFloat_CheckExact(value):
        out.f64 = PyFloat_AS_DOUBLE(value)
        return 0
    if isinstance(value, Val):
        v = <Val>value
        if v._wasm_kind != kind:
            raise TypeError("wrong type of `Val` provided")
        value = v._val
        if kind == KIND_F32 or kind == KIND_F64:
            value = float(value)
    if kind == KIND_I32:
        if isinstance(value, int):
            out.i32 = <int32_t>PyLong_AsUnsignedLongLongMask(value)
            return 0
    elif kind == KIND_I64:
        if isinstance(value, int):
            out.i64 = <int64_t>PyLong_AsUnsignedLongLongMask(value)
            return 0
    elif kind == KIND_F32:
        if isinstance(value, float):
            out.f32 = <float>PyFloat_AS_DOUBLE(value)
            return 0
    elif kind == KIND_F64:
        if isinstance(value, float):
            out.f64 = PyFloat_AS_DOUBLE(value)
            return 0
    elif kind == KIND_EXTERNREF:
        if value is None:
            out.externref = 0
            return 0
        Py_INCREF(value)
        if not cw_wasmtime_externref_new(store._ctx, <void*>value, _release_externref, root):
            Py_XDECREF(<PyObject*>value)
            raise WasmtimeError("failed to create an externref value")
        out.externref = cw_wasmtime_externref_to_raw(store._ctx, root)
        return 1
    elif kind == KIND_FUNCREF:
        if value is None:
            out.funcref = NULL
            return 0
        if isinstance(value, Func):
            f = <Func>value
            _same_store(f._store, store)
            out.funcref = cw_wasmtime_func_to_raw(store._ctx, &f._func)
            return 0
    elif kind == KIND_V128:
        if isinstance(value, int):
            data = (value & ((1 << 128) - 1)).to_bytes(16, "little")
            memcpy(out.v128, <const char*>data, 16)
            return 0
    raise TypeError("don't know how to convert %r to %s" % (value, _kind_name(kind)))


cdef object _lift(Store store, uint8_t kind, wasmtime_val_raw_t* raw):
    """Raw slot -> Python value, by wasm kind."""
    cdef wasmtime_externref_t ref
    cdef wasmtime_func_t func
    cdef void* data
    if kind == KIND_I32:
        return raw.i32
    if kind == KIND_I64:
        return raw.i64
    if kind == KIND_F32:
        return <double>raw.f32
    if kind == KIND_F64:
        return raw.f64
    if kind == KIND_EXTERNREF:
        if raw.externref == 0:
            return None
        cw_wasmtime_externref_from_raw(store._ctx, raw.externref, &ref)
        data = cw_wasmtime_externref_data(store._ctx, &ref)
        result = <object>data if data != NULL else None
        cw_wasmtime_externref_unroot(&ref)
        return result
    if kind == KIND_FUNCREF:
        if raw.funcref == NULL:
            return None
        cw_wasmtime_func_from_raw(store._ctx, raw.funcref, &func)
        return Func._wrap(store, &func)
    if kind == KIND_V128:
        return int.from_bytes((<char*>raw.v128)[:16], "little")
    raise WasmtimeError(f"unsupported value kind {kind}")


def val_to_c(Store store, int kind, value, uintptr_t out):
    """Write ``value`` as a ``wasmtime_val_t`` of ``wasmtime_valkind_t`` ``kind`` at
    address ``out``, by the same rules as Func arguments. An externref inside is
    rooted: the caller unroots the val (``wasmtime_val_unroot``) once consumed."""
    store._check()
    _val_lower(store, kind, value, <wasmtime_val_t*>out)


def val_from_c(Store store, uintptr_t address):
    """The Python value of the ``wasmtime_val_t`` at ``address`` (not unrooted)."""
    store._check()
    return _val_value(store, <wasmtime_val_t*>address)


cdef int _val_lower(Store store, int kind, object value, wasmtime_val_t* val) except -1:
    cdef wasmtime_val_raw_t raw
    cdef uint8_t wasm_kind = _wasm_kind_of(kind)
    cdef Func f
    memset(val, 0, sizeof(wasmtime_val_t))
    val.kind = kind
    if wasm_kind == KIND_EXTERNREF:
        # A null externref is a zeroed struct (store_id 0); otherwise rooted in place.
        _lower(store, wasm_kind, value, &raw, &val.of.externref)
    elif wasm_kind == KIND_FUNCREF:
        if isinstance(value, Val):
            if (<Val>value)._wasm_kind != KIND_FUNCREF:
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
        if wasm_kind == KIND_I32:
            val.of.i32 = raw.i32
        elif wasm_kind == KIND_I64:
            val.of.i64 = raw.i64
        elif wasm_kind == KIND_F32:
            val.of.f32 = raw.f32
        elif wasm_kind == KIND_F64:
            val.of.f64 = raw.f64
        else:
            memcpy(val.of.v128, raw.v128, 16)
    return 0


cdef object _val_value(Store store, wasmtime_val_t* val):
    cdef void* data
    kind = val.kind
    if kind == 0:
        return val.of.i32
    if kind == 1:
        return val.of.i64
    if kind == 2:
        return <double>val.of.f32
    if kind == 3:
        return val.of.f64
    if kind == 4:
        return int.from_bytes((<char*>val.of.v128)[:16], "little")
    if kind == 5:
        return None if val.of.funcref.store_id == 0 else Func._wrap(store, &val.of.funcref)
    if kind == 6:
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
