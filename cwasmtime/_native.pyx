# cython: language_level=3, boundscheck=False, wraparound=False
"""The hot paths of cwasmtime, in Cython: Store, Func calls through
``wasmtime_func_call_unchecked``, host functions through ``wasmtime_func_new_unchecked``
trampolines, Val conversion, Caller and Memory access.

Ownership: every Store-owned object (Func, Memory, Caller) holds its Store and checks on
each use that the Store is open, is the one passed in, and is not running wasm on
another thread; misuse raises instead of crashing. A host function's exception is
parked on its Store (not a process global) and re-raised by the outermost call."""
from cpython.buffer cimport (PyBUF_FORMAT, PyBUF_ND, PyBUF_SIMPLE, PyBUF_STRIDES,
                             PyBuffer_Release, PyObject_GetBuffer)
from cpython.bytearray cimport PyByteArray_FromStringAndSize
from cpython.float cimport PyFloat_AS_DOUBLE, PyFloat_CheckExact
from cpython.long cimport PyLong_AsUnsignedLongLongMask, PyLong_CheckExact
from cpython.object cimport PyObject
from cpython.pythread cimport PyThread_get_thread_ident
from cpython.ref cimport Py_INCREF, Py_XDECREF
from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t, uintptr_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memset

from ._cdecl cimport *


cdef extern from "Python.h":
    object PyObject_Vectorcall(object callable, PyObject** args, size_t nargsf, PyObject* kwnames)

from ._capi import ffi, lib
from ._error import WasmtimeError
from ._managed import Managed
from ._trap import call_failure
from cmabi.values import Record, Variant

# Value kinds as wasm_valtype_kind() reports them (wasm.h).
cdef enum:
    KIND_I32 = 0
    KIND_I64 = 1
    KIND_F32 = 2
    KIND_F64 = 3
    KIND_V128 = 4
    KIND_EXTERNREF = 128
    KIND_FUNCREF = 129

# wasmtime_extern_t kinds (wasmtime/extern.h), shared with the Python modules.
EXTERN_FUNC = 0
EXTERN_GLOBAL = 1
EXTERN_TABLE = 2
EXTERN_MEMORY = 3
EXTERN_SHAREDMEMORY = 4
EXTERN_TAG = 5

# Calls with at most this many raw slots (max(params, results)) use a stack buffer.
DEF STACK_SLOTS = 16


cdef int _bind_native() except -1:
    cdef size_t i
    for i in range(cw_native_count):
        name = cw_native_names[i]
        address = <uintptr_t>int(ffi.cast("uintptr_t", getattr(lib, name.decode())))
        if cw_bind(name, <void*>address) != 0:
            raise ImportError(f"cwasmtime: no native slot for {name.decode()}")
    return 0


_bind_native()


def c_layout_table():
    """(type, field, size, align, offset) of every declared struct and field, as gcc
    laid them out when this extension was compiled (field "" is the type itself)."""
    cdef size_t i
    return [
        (cw_layout_table[i].type.decode(), cw_layout_table[i].field.decode(),
         cw_layout_table[i].size, cw_layout_table[i].align, cw_layout_table[i].offset)
        for i in range(cw_layout_count)
    ]


_UINTPTR = ffi.typeof("uintptr_t")


cdef inline uintptr_t _address(cdata) except? 0:
    return <uintptr_t>int(ffi.cast(_UINTPTR, cdata))


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


# ---------------------------------------------------------------------------- Store

cdef class Store:
    """A collection of wasm instances and host state (``wasmtime_store_t``)."""

    cdef wasmtime_store_t* _store
    cdef wasmtime_context_t* _ctx
    cdef object _store_c
    cdef object _ctx_c
    cdef readonly object engine
    cdef object _data
    cdef object _pending
    cdef unsigned long _owner
    cdef Py_ssize_t _depth
    cdef readonly bint _has_wasi
    cdef readonly bint _has_wasi_http
    cdef Py_ssize_t _views  # buffers exported by Memory.view, not yet released
    cdef public object _id  # Wasmtime's store id, once learned (see _instance.store_id)
    cdef object __weakref__

    def __init__(self, engine=None, data=None):
        from ._engine import Engine
        if self._store_c is not None:
            raise ValueError("already initialized")
        if engine is None:
            engine = Engine()
        elif not isinstance(engine, Engine):
            raise TypeError("expected an Engine")
        # The C store's data slot points back at this object (borrowed: the C store
        # never outlives it), so host callbacks can find their Store from a caller.
        store_c = lib.wasmtime_store_new(engine.ptr(), ffi.cast("void *", <uintptr_t><void*>self), ffi.NULL)
        self._store_c = store_c
        self._store = <wasmtime_store_t*>_address(store_c)
        self._ctx_c = lib.wasmtime_store_context(store_c)
        self._ctx = <wasmtime_context_t*>_address(self._ctx_c)
        self.engine = engine
        self._data = data

    cdef inline int _check(self) except -1:
        if self._ctx == NULL:
            raise ValueError("already closed")
        if self._depth != 0 and self._owner != PyThread_get_thread_ident():
            raise WasmtimeError(
                "this Store is running wasm on another thread; a Store (and everything "
                "in it) may only be used by one thread at a time")
        return 0

    def ptr(self):
        """The ``wasmtime_store_t*`` (CFFI); ``ValueError`` once closed."""
        if self._store_c is None:
            raise ValueError("already closed")
        return self._store_c

    def _context(self):
        """The ``wasmtime_context_t*`` (CFFI) after the open/thread checks."""
        self._check()
        return self._ctx_c

    def _running_wasm(self):
        """A context manager for a CFFI call that may run wasm (a start function, say):
        the store is marked busy on this thread meanwhile; ``as`` gives the context."""
        self._check()
        return _RunningWasm(self)

    def _failure(self, error, trap):
        """The exception for a failed C call into this store (CFFI error/trap
        pointers): the host exception that caused it, if any, else Trap/WasmtimeError."""
        return _failure(self, <wasmtime_error_t*>_address(error), <wasm_trap_t*>_address(trap))

    def data(self):
        """The ``data`` given to the constructor."""
        self._check()
        return self._data

    def gc(self):
        """Collect unreferenced ``externref`` values now."""
        lib.wasmtime_context_gc(self._context())

    def set_fuel(self, fuel):
        """Set the fuel left (needs ``Config.consume_fuel``)."""
        _check_error(lib.wasmtime_context_set_fuel(self._context(), fuel))

    def get_fuel(self):
        """The fuel left (needs ``Config.consume_fuel``)."""
        out = ffi.new("uint64_t *")
        _check_error(lib.wasmtime_context_get_fuel(self._context(), out))
        return out[0]

    def set_wasi(self, wasi):
        """Give this store a WASI context; consumes the ``WasiConfig``."""
        ctx = self._context()
        _check_error(lib.wasmtime_context_set_wasi(ctx, wasi._consume()))
        self._has_wasi = True

    def set_wasi_http(self):
        """Initialize WASI HTTP (after ``set_wasi``)."""
        lib.wasmtime_context_set_wasi_http(self._context())
        self._has_wasi_http = True

    def set_epoch_deadline(self, ticks_after_current):
        """Trap wasm once the engine's epoch passes the current one plus this many ticks."""
        lib.wasmtime_context_set_epoch_deadline(self._context(), ticks_after_current)

    def set_limits(self, memory_size=-1, table_elements=-1, instances=-1, tables=-1, memories=-1):
        """Cap this store's resources; a negative value leaves that limit unset."""
        self._check()
        lib.wasmtime_store_limiter(self._store_c, memory_size, table_elements, instances, tables, memories)

    def close(self):
        """Free the store and everything in it; later use of it or its objects raises."""
        if self._depth != 0:
            raise WasmtimeError("cannot close a Store while wasm is running in it")
        if self._views != 0:
            raise BufferError("cannot close a Store while memoryviews of its memory exist; "
                              "release them (or the arrays made from them) first")
        store_c = self._store_c
        if store_c is None:
            return
        self._store_c = None
        self._ctx_c = None
        self._store = NULL
        self._ctx = NULL
        lib.wasmtime_store_delete(store_c)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    def __repr__(self):
        return "<Store (closed)>" if self._ctx == NULL else "<Store>"


Managed.register(Store)


cdef class _RunningWasm:
    cdef Store _store

    def __cinit__(self, Store store):
        self._store = store

    def __enter__(self):
        self._store._check()
        self._store._owner = PyThread_get_thread_ident()
        self._store._depth += 1
        return self._store._ctx_c

    def __exit__(self, *exc):
        self._store._depth -= 1


cdef inline Store _store_of(object storelike):
    """The open Store behind a Store, Caller or StoreContext argument."""
    cdef Store store
    if type(storelike) is Store:
        store = <Store>storelike
    elif isinstance(storelike, Caller):
        store = (<Caller>storelike)._live_store()
    elif isinstance(storelike, StoreContext):
        store = (<StoreContext>storelike)._live_store()
    elif isinstance(storelike, Store):
        store = <Store>storelike
    else:
        # AttributeError, as wasmtime-py raises when it looks up `_context` on it.
        raise AttributeError(f"expected a Store, Caller or StoreContext, got {type(storelike).__name__} "
                             f"(it has no attribute '_context')")
    store._check()
    return store


cdef int _same_store(Store owner, Store store) except -1:
    if owner is not store:
        raise WasmtimeError("object used with the wrong Store: it belongs to another Store")
    return 0


cdef int _check_error(error) except -1:
    if error != ffi.NULL:
        raise call_failure(_address(error), 0)
    return 0


cdef object _failure(Store store, wasmtime_error_t* error, wasm_trap_t* trap):
    exc = call_failure(<uintptr_t>error, <uintptr_t>trap)
    pending = store._pending
    if pending is not None:
        store._pending = None
        return pending
    return exc


# ------------------------------------------------------------------ Val and values

cdef uint8_t _wasm_kind_of(int wasmtime_kind) except 255:
    # wasmtime_valkind_t (0..6) to the wasm.h kinds used internally.
    if 0 <= wasmtime_kind <= 4:
        return <uint8_t>wasmtime_kind
    if wasmtime_kind == 5:
        return KIND_FUNCREF
    if wasmtime_kind == 6:
        return KIND_EXTERNREF
    raise WasmtimeError(f"unsupported value kind {wasmtime_kind}")


cdef class Val:
    """A typed wasm value."""

    cdef uint8_t _wasm_kind
    cdef object _val

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


cdef class _Signature:
    """A function type reduced to what a call needs: kinds of params then results."""

    cdef Py_ssize_t nparams
    cdef Py_ssize_t nresults
    cdef Py_ssize_t nslots
    cdef bint has_externref
    cdef uint8_t* kinds

    def __dealloc__(self):
        free(self.kinds)

    @staticmethod
    cdef _Signature of(wasm_functype_t* ty):
        cdef wasm_valtype_vec_t* params = cw_wasm_functype_params(ty)
        cdef wasm_valtype_vec_t* results = cw_wasm_functype_results(ty)
        cdef _Signature sig = _Signature.__new__(_Signature)
        cdef size_t i
        sig.nparams = params.size
        sig.nresults = results.size
        sig.nslots = max(sig.nparams, sig.nresults)
        sig.kinds = <uint8_t*>malloc(sig.nparams + sig.nresults + 1)
        if sig.kinds == NULL:
            raise MemoryError()
        for i in range(params.size):
            sig.kinds[i] = cw_wasm_valtype_kind(params.data[i])
        for i in range(results.size):
            sig.kinds[sig.nparams + i] = cw_wasm_valtype_kind(results.data[i])
        for i in range(sig.nparams + sig.nresults):
            if sig.kinds[i] == KIND_EXTERNREF:
                sig.has_externref = True
        return sig


# ---------------------------------------------------------------------------- Func

cdef class Func:
    """A wasm function: a guest export or a Python host function."""

    cdef wasmtime_func_t _func
    cdef Store _store
    cdef _Signature _sig
    cdef object __weakref__

    def __init__(self, store, ty, func, bint access_caller=False):
        from ._types import FuncType
        if not isinstance(store, Store):
            raise TypeError("expected a Store")
        if not isinstance(ty, FuncType):
            raise TypeError("expected a FuncType")
        if not callable(func):
            raise TypeError("expected a callable host function")
        cdef Store s = _store_of(store)
        cdef wasm_functype_t* fty = <wasm_functype_t*>_address(ty.ptr())
        cdef _HostFunc host = _HostFunc.__new__(_HostFunc)
        host.fn = func
        host.sig = _Signature.of(fty)
        host.access_caller = access_caller
        # The C func owns one reference to `host`, dropped by its finalizer.
        Py_INCREF(host)
        cw_wasmtime_func_new_unchecked(s._ctx, fty, _host_trampoline, <void*>host,
                                       _release_host, &self._func)
        self._store = s
        self._sig = host.sig

    @staticmethod
    cdef Func _wrap(Store store, wasmtime_func_t* func):
        cdef Func f = Func.__new__(Func)
        f._func = func[0]
        f._store = store
        return f

    @staticmethod
    def _from_extern(Store store, extern):
        """The Func in a ``wasmtime_extern_t*`` (CFFI) of kind func."""
        return Func._wrap(store, &(<wasmtime_extern_t*>_address(extern)).of.func)

    def _as_extern(self):
        """A new ``wasmtime_extern_t*`` (CFFI) holding this func."""
        extern = ffi.new("wasmtime_extern_t *")
        cdef wasmtime_extern_t* p = <wasmtime_extern_t*>_address(extern)
        p.kind = EXTERN_FUNC
        p.of.func = self._func
        return extern

    @property
    def _owner(self):
        return self._store

    cdef _Signature _signature(self, Store store):
        cdef wasm_functype_t* ty
        if self._sig is None:
            ty = cw_wasmtime_func_type(store._ctx, &self._func)
            try:
                self._sig = _Signature.of(ty)
            finally:
                cw_wasm_functype_delete(ty)
        return self._sig

    def type(self, store):
        """This function's FuncType."""
        from ._types import FuncType
        cdef Store s = _store_of(store)
        _same_store(self._store, s)
        ty = cw_wasmtime_func_type(s._ctx, &self._func)
        return FuncType._from_ptr(ffi.cast("wasm_functype_t *", <uintptr_t>ty), None)

    def __repr__(self):
        from ._repr import core_signature, in_store
        return in_store(self, self._store, lambda s: core_signature(self.type(s)))

    def __call__(self, *store_and_params):
        """``func(store, *params)``: call with Python values (or Val); returns None,
        one value, or a list."""
        # One tuple, read from index 1 on: a `store, *params` signature would copy it.
        if len(store_and_params) == 0:
            raise TypeError("__call__() missing required argument 'store'")
        cdef Store s = _store_of(store_and_params[0])
        _same_store(self._store, s)
        return _call(self, s, store_and_params, True, 1)

    def typed(self, store, *, bint release_gil=True):
        """This function bound to ``store`` and its signature, checked once: the
        fastest way to call it repeatedly, as ``typed(1, 2)``. Values, results and
        errors are as for ``__call__``, except that a wrong argument count raises
        TypeError. With ``release_gil=False`` the GIL stays held while wasm runs: a
        little faster, but then no other Python thread runs meanwhile (so nothing can
        call ``Engine.increment_epoch()`` to interrupt it; use fuel or a deadline)."""
        cdef Store s = _store_of(store)
        _same_store(self._store, s)
        cdef TypedFunc typed = TypedFunc.__new__(TypedFunc)
        typed._func = self
        typed._store = s
        typed._sig = self._signature(s)
        typed._release_gil = release_gil
        if typed._sig.has_externref or typed._sig.nslots > STACK_SLOTS or typed._sig.nparams > 3:
            return typed
        # Fixed-arity methods are called without building an argument tuple.
        return (typed.call0, typed.call1, typed.call2, typed.call3)[typed._sig.nparams]


cdef class TypedFunc:
    """The state behind ``Func.typed``: a Func, its Store and its signature."""

    cdef Func _func
    cdef Store _store
    cdef _Signature _sig
    cdef bint _release_gil

    def __call__(self, *params):
        self._store._check()
        return _call(self._func, self._store, params, self._release_gil)

    def call0(self):
        cdef wasmtime_val_raw_t slots[STACK_SLOTS]
        self._store._check()
        return _invoke(self._func, self._store, self._sig, slots, self._release_gil)

    def call1(self, a):
        cdef wasmtime_val_raw_t slots[STACK_SLOTS]
        self._store._check()
        _lower(self._store, self._sig.kinds[0], a, &slots[0], NULL)
        return _invoke(self._func, self._store, self._sig, slots, self._release_gil)

    def call2(self, a, b):
        cdef wasmtime_val_raw_t slots[STACK_SLOTS]
        self._store._check()
        _lower(self._store, self._sig.kinds[0], a, &slots[0], NULL)
        _lower(self._store, self._sig.kinds[1], b, &slots[1], NULL)
        return _invoke(self._func, self._store, self._sig, slots, self._release_gil)

    def call3(self, a, b, c):
        cdef wasmtime_val_raw_t slots[STACK_SLOTS]
        self._store._check()
        _lower(self._store, self._sig.kinds[0], a, &slots[0], NULL)
        _lower(self._store, self._sig.kinds[1], b, &slots[1], NULL)
        _lower(self._store, self._sig.kinds[2], c, &slots[2], NULL)
        return _invoke(self._func, self._store, self._sig, slots, self._release_gil)


cdef object _call(Func func, Store s, tuple args, bint release_gil, Py_ssize_t first=0):
    """Call ``func`` in ``s`` (already checked to be its open Store) with the Python
    values ``args[first:]``."""
    cdef _Signature sig = func._signature(s)
    cdef Py_ssize_t n = len(args) - first
    if n > sig.nparams:
        raise WasmtimeError("too many parameters provided: given %s, expected %s" % (n, sig.nparams))
    if n < sig.nparams:
        raise WasmtimeError("too few parameters provided: given %s, expected %s" % (n, sig.nparams))
    cdef wasmtime_val_raw_t stack_slots[STACK_SLOTS]
    cdef wasmtime_val_raw_t* slots = stack_slots
    cdef wasmtime_externref_t* roots = NULL
    cdef Py_ssize_t i, rooted = 0
    if not sig.has_externref and sig.nslots <= STACK_SLOTS:
        # The common case: nothing to root, nothing to free.
        for i in range(n):
            _lower(s, sig.kinds[i], args[first + i], &stack_slots[i], NULL)
        return _invoke(func, s, sig, stack_slots, release_gil)
    if sig.nslots > STACK_SLOTS:
        slots = <wasmtime_val_raw_t*>malloc(sig.nslots * sizeof(wasmtime_val_raw_t))
        if slots == NULL:
            raise MemoryError()
    try:
        if sig.has_externref:
            roots = <wasmtime_externref_t*>malloc((n + 1) * sizeof(wasmtime_externref_t))
            if roots == NULL:
                raise MemoryError()
        for i in range(n):
            rooted += _lower(s, sig.kinds[i], args[first + i], &slots[i],
                             &roots[rooted] if sig.kinds[i] == KIND_EXTERNREF else NULL)
        return _invoke(func, s, sig, slots, release_gil)
    finally:
        for i in range(rooted):
            cw_wasmtime_externref_unroot(&roots[i])
        free(roots)
        if slots != stack_slots:
            free(slots)


cdef object _invoke(Func func, Store s, _Signature sig, wasmtime_val_raw_t* slots, bint release_gil):
    """Run the call on lowered ``slots`` (sized for sig.nslots); lift the results."""
    cdef wasmtime_error_t* error
    cdef wasm_trap_t* trap = NULL
    cdef Py_ssize_t i
    s._owner = PyThread_get_thread_ident()
    s._depth += 1
    if release_gil:
        with nogil:
            error = cw_wasmtime_func_call_unchecked(s._ctx, &func._func, slots, sig.nslots, &trap)
    else:
        error = cw_wasmtime_func_call_unchecked(s._ctx, &func._func, slots, sig.nslots, &trap)
    s._depth -= 1
    if error != NULL or trap != NULL:
        raise _failure(s, error, trap)
    if sig.nresults == 0:
        return None
    if sig.nresults == 1:
        return _lift(s, sig.kinds[sig.nparams], &slots[0])
    return [_lift(s, sig.kinds[sig.nparams + i], &slots[i]) for i in range(sig.nresults)]


# ----------------------------------------------------------------- host functions

cdef class _HostFunc:
    """What a host function's trampoline needs; owned by the C func (env pointer)."""

    cdef object fn
    cdef _Signature sig
    cdef bint access_caller


cdef void _release_host(void* env) noexcept with gil:
    Py_XDECREF(<PyObject*>env)


cdef wasm_trap_t* _host_trampoline(void* env, wasmtime_caller_t* caller,
                                   wasmtime_val_raw_t* slots, size_t nslots) noexcept with gil:
    cdef _HostFunc host = <_HostFunc>env
    cdef Store store = <Store>cw_wasmtime_context_get_data(cw_wasmtime_caller_context(caller))
    cdef Caller wrapped = None
    try:
        if host.access_caller:
            wrapped = Caller.__new__(Caller)
            wrapped._caller = caller
            wrapped._store = store
        _store_results(store, host.sig, _call_host(host, store, wrapped, slots), slots)
        return NULL
    except BaseException as exc:
        store._pending = exc
        return cw_wasmtime_trap_new("python exception", 16)
    finally:
        if wrapped is not None:
            wrapped._caller = NULL


cdef object _call_host(_HostFunc host, Store store, Caller caller, wasmtime_val_raw_t* slots):
    """``host.fn([caller,] *params)`` with the params lifted from ``slots``, called
    through vectorcall from a C array (no argument tuple)."""
    cdef _Signature sig = host.sig
    cdef Py_ssize_t i, filled = 0
    cdef Py_ssize_t nargs = sig.nparams + (caller is not None)
    cdef PyObject* stack[STACK_SLOTS + 1]
    cdef PyObject** argv = stack
    if nargs > STACK_SLOTS + 1:
        argv = <PyObject**>malloc(nargs * sizeof(PyObject*))
        if argv == NULL:
            raise MemoryError()
    try:
        if caller is not None:
            Py_INCREF(caller)
            argv[filled] = <PyObject*>caller
            filled += 1
        for i in range(sig.nparams):
            value = _lift(store, sig.kinds[i], &slots[i])
            Py_INCREF(value)
            argv[filled] = <PyObject*>value
            filled += 1
        return PyObject_Vectorcall(host.fn, argv, nargs, NULL)
    finally:
        for i in range(filled):
            Py_XDECREF(argv[i])
        if argv != stack:
            free(argv)


cdef int _store_results(Store store, _Signature sig, object results, wasmtime_val_raw_t* slots) except -1:
    cdef wasmtime_externref_t roots[STACK_SLOTS]
    cdef Py_ssize_t i, rooted = 0
    cdef uint8_t kind
    if sig.nresults == 0:
        if results is not None:
            raise WasmtimeError("callback produced results when it shouldn't")
        return 0
    if sig.nresults == 1:
        kind = sig.kinds[sig.nparams]
        if _lower(store, kind, results, &slots[0], &roots[0] if kind == KIND_EXTERNREF else NULL):
            cw_wasmtime_externref_unroot(&roots[0])
        return 0
    if len(results) != sig.nresults:
        raise WasmtimeError("callback produced wrong number of results")
    if sig.has_externref and sig.nresults > STACK_SLOTS:
        raise WasmtimeError(f"host functions return at most {STACK_SLOTS} values when any is an externref")
    # Roots stay alive until every result is written: creating the next externref
    # may collect garbage, which would free an unrooted earlier one.
    try:
        for i in range(sig.nresults):
            kind = sig.kinds[sig.nparams + i]
            rooted += _lower(store, kind, results[i], &slots[i],
                             &roots[rooted] if kind == KIND_EXTERNREF else NULL)
    finally:
        for i in range(rooted):
            cw_wasmtime_externref_unroot(&roots[i])
    return 0


# -------------------------------------------------------- Caller and StoreContext

cdef class Caller:
    """The calling instance, given to host functions made with ``access_caller=True``.
    Valid only during that call; afterwards it raises (or ``get`` returns None)."""

    cdef wasmtime_caller_t* _caller
    cdef Store _store

    cdef Store _live_store(self):
        if self._caller == NULL:
            raise ValueError("caller is no longer valid")
        return self._store

    def _context(self):
        return self._live_store()._context()

    def get(self, name):
        """The calling module's export ``name``, or None."""
        from ._extern import wrap_extern
        encoded = name.encode("utf-8")
        if self._caller == NULL:
            return None
        item = ffi.new("wasmtime_extern_t *")
        caller_c = ffi.cast("wasmtime_caller_t *", <uintptr_t>self._caller)
        if not lib.wasmtime_caller_export_get(caller_c, encoded, len(encoded), item):
            return None
        return wrap_extern(self._store, item)

    def __getitem__(self, name):
        found = self.get(name)
        if found is None:
            raise KeyError("failed to find export {}".format(name))
        return found

    def __repr__(self):
        # Valid only during the host call it was made for.
        return "<Caller (closed)>" if self._caller == NULL else "<Caller>"

    def _memory_span(self, bytes name):
        """``(address, length)`` of the caller's memory export ``name`` now, or None
        (for cmabi: one native lookup, no Python objects)."""
        cdef wasmtime_extern_t item
        cdef Store s = self._live_store()
        if not cw_wasmtime_caller_export_get(self._caller, name, len(name), &item):
            return None
        if item.kind != EXTERN_MEMORY:
            return None
        return (<uintptr_t>cw_wasmtime_memory_data(s._ctx, &item.of.memory),
                cw_wasmtime_memory_data_size(s._ctx, &item.of.memory))


cdef class StoreContext:
    """A Store seen from inside a callback; valid until invalidated."""

    cdef Store _store

    def __init__(self, store):
        self._store = _store_of(store)

    cdef Store _live_store(self):
        if self._store is None:
            raise ValueError("caller is no longer valid")
        return self._store

    def _context(self):
        return self._live_store()._context()

    def _invalidate(self):
        self._store = None


# -------------------------------------------------------------------------- Memory

cdef Py_ssize_t _slice_index(object index, Py_ssize_t default, Py_ssize_t size) except? -1:
    """``index`` as a bound of ``memory[start:stop]`` (slice semantics: None is the
    default, negative counts from the end, out-of-range clamps)."""
    cdef Py_ssize_t i
    if index is None:
        return default
    if not PyLong_CheckExact(index):
        return slice(index, index).indices(size)[0]  # other index types, exactly as Python
    try:
        i = index
    except OverflowError:
        return 0 if index < 0 else size
    if i < 0:
        i += size
        return 0 if i < 0 else i
    return size if i > size else i


cdef class Memory:
    """A linear memory. Every access is bounds-checked against its current size,
    which is re-read on each call because wasm may grow (and move) it."""

    cdef wasmtime_memory_t _mem
    cdef Store _store
    cdef object __weakref__

    def __init__(self, store, ty):
        from ._types import MemoryType
        if not isinstance(ty, MemoryType):
            # AttributeError, as wasmtime-py raises when it calls `ty.ptr()`.
            raise AttributeError(f"expected a MemoryType, got {type(ty).__name__}")
        cdef Store s = _store_of(store)
        out = ffi.new("wasmtime_memory_t *")
        _check_error(lib.wasmtime_memory_new(s._ctx_c, ty.ptr(), out))
        memcpy(&self._mem, <void*>_address(out), sizeof(wasmtime_memory_t))
        self._store = s

    @staticmethod
    def _from_extern(Store store, extern):
        """The Memory in a ``wasmtime_extern_t*`` (CFFI) of kind memory."""
        cdef Memory m = Memory.__new__(Memory)
        m._mem = (<wasmtime_extern_t*>_address(extern)).of.memory
        m._store = store
        return m

    def _as_extern(self):
        extern = ffi.new("wasmtime_extern_t *")
        cdef wasmtime_extern_t* p = <wasmtime_extern_t*>_address(extern)
        p.kind = EXTERN_MEMORY
        p.of.memory = self._mem
        return extern

    @property
    def _owner(self):
        return self._store

    cdef Store _use(self, storelike):
        cdef Store s = _store_of(storelike)
        _same_store(self._store, s)
        return s

    cdef _mem_c(self):
        return ffi.cast("wasmtime_memory_t *", <uintptr_t>&self._mem)

    def type(self, store):
        """This memory's MemoryType."""
        from ._types import MemoryType
        cdef Store s = self._use(store)
        return MemoryType._from_ptr(lib.wasmtime_memory_type(s._ctx_c, self._mem_c()), None)

    def __repr__(self):
        from ._repr import count, in_store
        return in_store(self, self._store,
                        lambda s: f"{count(self.size(s), 'page')}, {self.type(s)!r}")

    def grow(self, store, delta):
        """Grow by ``delta`` pages; returns the previous size in pages."""
        cdef Store s = self._use(store)
        if delta < 0:
            raise WasmtimeError("cannot grow by negative amount")
        prev = ffi.new("uint64_t *")
        _check_error(lib.wasmtime_memory_grow(s._ctx_c, self._mem_c(), delta, prev))
        return prev[0]

    def size(self, store):
        """Size in pages."""
        cdef Store s = self._use(store)
        return lib.wasmtime_memory_size(s._ctx_c, self._mem_c())

    def data_len(self, store):
        """Size in bytes."""
        cdef Store s = self._use(store)
        return cw_wasmtime_memory_data_size(s._ctx, &self._mem)

    def page_size(self, store):
        cdef Store s = self._use(store)
        return lib.wasmtime_memory_page_size(s._ctx_c, self._mem_c())

    def page_size_log2(self, store):
        cdef Store s = self._use(store)
        return int(lib.wasmtime_memory_page_size_log2(s._ctx_c, self._mem_c()))

    def data_ptr(self, store):
        """The base address as a ctypes ``POINTER(c_ubyte)`` (valid until memory grows)."""
        import ctypes  # only for these two ctypes-based accessors (import cost)
        cdef Store s = self._use(store)
        address = <uintptr_t>cw_wasmtime_memory_data(s._ctx, &self._mem)
        return ctypes.cast(address, ctypes.POINTER(ctypes.c_ubyte))

    def get_buffer_ptr(self, store, size=None, offset=0):
        """A ctypes ``c_ubyte`` array over ``[offset, offset + size)`` of linear memory,
        without copying (valid until memory grows)."""
        cdef Store s = self._use(store)
        cdef size_t length = cw_wasmtime_memory_data_size(s._ctx, &self._mem)
        if size is None:
            size = length - offset
        if offset < 0 or size < 0 or offset + size > length:
            raise IndexError("buffer out of memory bounds")
        import ctypes
        address = <uintptr_t>cw_wasmtime_memory_data(s._ctx, &self._mem) + offset
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
        cdef _MemoryBuffer exporter = _MemoryBuffer.__new__(_MemoryBuffer)
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
        cdef Store s = self._use(store)
        cdef Py_ssize_t size = cw_wasmtime_memory_data_size(s._ctx, &self._mem)
        cdef Py_ssize_t lo = _slice_index(start, 0, size)
        cdef Py_buffer view
        if lo >= size:
            raise IndexError("index out of range")
        if not isinstance(value, (bytes, bytearray, memoryview)):
            value = bytearray(value)
        PyObject_GetBuffer(value, &view, PyBUF_SIMPLE)
        try:
            if view.len == 0:
                return 0
            if lo + view.len > size:
                raise IndexError("index out of range")
            memcpy(<char*>cw_wasmtime_memory_data(s._ctx, &self._mem) + lo, view.buf, view.len)
            return view.len
        finally:
            PyBuffer_Release(&view)


cdef class _MemoryBuffer:
    """Exports ``[base, base + len)`` of a linear memory through the buffer protocol,
    counting live exports on the Store so it cannot be freed under them."""

    cdef Store _store
    cdef char* _base
    cdef Py_ssize_t _len
    cdef Py_ssize_t _itemsize

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


# ------------------------------------------------- helpers for the Python modules

def store_of(storelike):
    """The open Store behind a Store/Caller/StoreContext (checks open and thread)."""
    return _store_of(storelike)


def check_owner(owner, storelike):
    """The Store for ``storelike`` after checking it is ``owner`` (the Store the
    object was created in); raises WasmtimeError for another Store."""
    cdef Store s = _store_of(storelike)
    _same_store(owner, s)
    return s


def linker_define_func(linker, bytes module, bytes name, ty, func, bint access_caller):
    """Define a host function on a Linker (CFFI ``wasmtime_linker_t*``) through the
    same trampoline as ``Func``; usable in every Store the linker instantiates into.
    Returns the ``wasmtime_error_t*`` cdata (NULL on success)."""
    if not callable(func):
        raise TypeError("expected a callable host function")
    cdef wasm_functype_t* fty = <wasm_functype_t*>_address(ty.ptr())
    cdef _HostFunc host = _HostFunc.__new__(_HostFunc)
    host.fn = func
    host.sig = _Signature.of(fty)
    host.access_caller = access_caller
    # Owned by the linker's func definition from here on (even if defining fails,
    # wasmtime runs the finalizer).
    Py_INCREF(host)
    return lib.wasmtime_linker_define_func_unchecked(
        linker, module, len(module), name, len(name), ty.ptr(),
        ffi.cast("wasmtime_func_unchecked_callback_t", <uintptr_t>_host_trampoline),
        ffi.cast("void *", <uintptr_t><void*>host),
        ffi.cast("wasmtime_finalizer_t", <uintptr_t>_release_host))


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


def global_get(Store store, uintptr_t handle):
    """The value of the ``wasmtime_global_t`` at address ``handle``."""
    cdef wasmtime_val_t val
    store._check()
    cw_wasmtime_global_get(store._ctx, <wasmtime_global_t*>handle, &val)
    return _lift_val(store, &val)


def global_set(Store store, uintptr_t handle, int kind, value):
    """Set the ``wasmtime_global_t`` at address ``handle`` to ``value`` of ``kind``."""
    cdef wasmtime_val_t val
    cdef wasmtime_error_t* error
    store._check()
    _val_lower(store, kind, value, &val)
    error = cw_wasmtime_global_set(store._ctx, <wasmtime_global_t*>handle, &val)
    cw_wasmtime_val_unroot(&val)
    if error != NULL:
        raise call_failure(<uintptr_t>error, 0)


def table_get(Store store, uintptr_t handle, uint64_t index):
    """Element ``index`` of the ``wasmtime_table_t`` at ``handle``; None out of bounds."""
    cdef wasmtime_val_t val
    store._check()
    if not cw_wasmtime_table_get(store._ctx, <wasmtime_table_t*>handle, index, &val):
        return None
    return _lift_val(store, &val)


# ------------------------------------------------------------ measurement baselines
# Not API: the floors the benchmarks compare against, measured in the same run.

def _floor_call_add(Func func, Store store, int32_t a, int32_t b):
    """A call's floor: one Cython function calling wasmtime_func_call_unchecked on an
    (i32, i32) -> i32 export, GIL held, no conversions beyond C ints."""
    cdef wasmtime_val_raw_t slots[2]
    cdef wasm_trap_t* trap = NULL
    cdef wasmtime_error_t* error
    store._check()
    _same_store(func._store, store)
    slots[0].i32 = a
    slots[1].i32 = b
    error = cw_wasmtime_func_call_unchecked(store._ctx, &func._func, slots, 2, &trap)
    if error != NULL or trap != NULL:
        raise _failure(store, error, trap)
    return slots[0].i32


def _floor_python_calls(fn, Py_ssize_t n):
    """C calling the Python function ``fn(i)`` n times, GIL held."""
    cdef Py_ssize_t i
    for i in range(n):
        fn(i)


def _floor_python_calls_gil(fn, Py_ssize_t n):
    """C calling ``fn(i)`` n times, taking the GIL for each call as a host callback must."""
    cdef Py_ssize_t i
    with nogil:
        for i in range(n):
            with gil:
                fn(i)


# ------------------------------------------------------------------ instantiation
# Instantiation may run wasm (start functions, host imports): the Store is marked busy
# and the GIL released, as for calls. Results are (store_id, index) of the new
# wasmtime_instance_t, so no CFFI allocation is needed on this path.

cdef enum _Instantiation:
    FROM_MODULE
    FROM_INSTANCE_PRE
    FROM_LINKER


cdef tuple _instantiate(Store store, _Instantiation how, void* target, void* module,
                        wasmtime_extern_t* imports, size_t nimports):
    cdef wasmtime_instance_t out
    cdef wasm_trap_t* trap = NULL
    cdef wasmtime_error_t* error
    store._check()
    store._owner = PyThread_get_thread_ident()
    store._depth += 1
    with nogil:
        if how == FROM_MODULE:
            error = cw_wasmtime_instance_new(store._ctx, <wasmtime_module_t*>target, imports,
                                             nimports, &out, &trap)
        elif how == FROM_INSTANCE_PRE:
            error = cw_wasmtime_instance_pre_instantiate(<wasmtime_instance_pre_t*>target,
                                                         store._ctx, &out, &trap)
        else:
            error = cw_wasmtime_linker_instantiate(<wasmtime_linker_t*>target, store._ctx,
                                                   <wasmtime_module_t*>module, &out, &trap)
    store._depth -= 1
    if error != NULL or trap != NULL:
        raise _failure(store, error, trap)
    if store._id is None:
        store._id = out.store_id
    return (out.store_id, out.index)


def instantiate(Store store, module, imports):
    """``wasmtime_instance_new`` of a ``wasmtime_module_t*`` (CFFI) with ``imports``
    (Func, Memory, Global, Table, Tag, SharedMemory objects, each checked to belong to
    ``store``)."""
    cdef Py_ssize_t i = 0, n = len(imports)
    cdef wasmtime_extern_t stack[8]
    cdef wasmtime_extern_t* externs = stack
    if n > 8:
        externs = <wasmtime_extern_t*>malloc(n * sizeof(wasmtime_extern_t))
        if externs == NULL:
            raise MemoryError()
    try:
        for item in imports:
            if i == n:
                raise ValueError("imports changed size during instantiation")
            _extern_into(store, item, &externs[i])
            i += 1
        return _instantiate(store, FROM_MODULE, <void*>_address(module), NULL,
                            externs if n else NULL, n)
    finally:
        if externs != stack:
            free(externs)


def extern_for(Store store, item):
    """A new ``wasmtime_extern_t*`` (CFFI) holding ``item``, checked to belong to ``store``."""
    extern = ffi.new("wasmtime_extern_t *")
    _extern_into(store, item, <wasmtime_extern_t*>_address(extern))
    return extern


cdef int _extern_into(Store store, object item, wasmtime_extern_t* out) except -1:
    """Write ``item`` (one of the extern objects) into ``out``, after checking its Store."""
    if type(item) is Func:
        _same_store((<Func>item)._store, store)
        out.kind = EXTERN_FUNC
        out.of.func = (<Func>item)._func
        return 0
    if type(item) is Memory:
        _same_store((<Memory>item)._store, store)
        out.kind = EXTERN_MEMORY
        out.of.memory = (<Memory>item)._mem
        return 0
    as_extern = getattr(item, "_as_extern", None)
    if as_extern is None:
        raise TypeError("expected a Func, Global, Memory, SharedMemory, Tag, or Table")
    owner = getattr(item, "_owner", None)
    if isinstance(owner, Store):  # SharedMemory belongs to an engine, not a Store
        _same_store(owner, store)
    extern = as_extern()  # held in a variable: a temporary would be freed before the copy
    memcpy(out, <void*>_address(extern), sizeof(wasmtime_extern_t))
    return 0


def instantiate_pre(Store store, instance_pre):
    """``wasmtime_instance_pre_instantiate`` of a ``wasmtime_instance_pre_t*`` (CFFI)."""
    return _instantiate(store, FROM_INSTANCE_PRE, <void*>_address(instance_pre), NULL, NULL, 0)


def linker_instantiate(Store store, linker, module):
    """``wasmtime_linker_instantiate`` (CFFI ``wasmtime_linker_t*``, ``wasmtime_module_t*``)."""
    return _instantiate(store, FROM_LINKER, <void*>_address(linker), <void*>_address(module), NULL, 0)


include "_component.pxi"
