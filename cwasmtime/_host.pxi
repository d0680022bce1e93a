# Host functions: the trampoline Wasmtime calls (wasmtime_func_new_unchecked and
# the linker's unchecked definitions), and the Caller a host function may receive.

cdef class _HostFunc(_LiveObject):
    """What a host function's trampoline needs (its C func's env pointer, borrowed:
    the Store or Linker it was defined in keeps it, where the GC sees it)."""


ctypedef wasm_trap_t* (*_host_call_t)(void* env, wasmtime_caller_t* caller,
                                      wasmtime_val_raw_t* slots, PyThreadState*** park) noexcept nogil


cdef wasm_trap_t* _host_trampoline(void* env, wasmtime_caller_t* caller,
                                   wasmtime_val_raw_t* slots, size_t nslots) noexcept nogil:
    cdef PyThreadState** park = NULL
    cdef PyGILState_STATE gil = PyGILState_Ensure()
    # (_host_call needs the GIL, which is held here: called through a nogil pointer.)
    cdef wasm_trap_t* trap = (<_host_call_t>_host_call)(env, caller, slots, &park)
    PyGILState_Release(gil)
    # The call into wasm kept the GIL (no other thread was there) and the host function
    # started one: release the GIL for the rest of the call (_invoke takes it back).
    if gil == PyGILState_LOCKED and park != NULL and park[0] == NULL and cw_other_threads():
        park[0] = PyEval_SaveThread()
    return trap


cdef wasm_trap_t* _host_call(void* env, wasmtime_caller_t* caller, wasmtime_val_raw_t* slots,
                             PyThreadState*** park) noexcept:
    """The host function's call, with the GIL held; ``park`` gets where the innermost
    call into wasm lets it park this thread's state (see _invoke)."""
    cdef _HostFunc host = <_HostFunc>env
    cdef Store store = <Store>cw_wasmtime_context_get_data(cw_wasmtime_caller_context(caller))
    if host.sig.param_refs:
        _take_all(store, host.sig.kinds, slots, host.sig.nparams)  # before any object is built
    try:
        _store_results(store, host.sig, _call_host(host, store, caller, slots), slots)
        return NULL
    except BaseException as exc:
        store._pending = exc
        return cw_wasmtime_trap_new("python exception", 16)
    finally:
        park[0] = store._gil_park


cdef object _call_host(_HostFunc host, Store store, wasmtime_caller_t* caller_c,
                       wasmtime_val_raw_t* slots):
    """``host.fn([caller,] *params)`` with the params built from ``slots`` (their
    references taken), called through vectorcall from a C array (no argument tuple).
    The Caller it may be given is valid only during this call."""
    cdef _Signature sig = host.sig
    cdef Caller caller = None
    cdef Py_ssize_t i, filled = 0, built = 0
    cdef Py_ssize_t nargs = sig.nparams + host.access_caller
    cdef PyObject* stack[STACK_SLOTS + 1]
    cdef PyObject** argv = stack
    try:
        if nargs > STACK_SLOTS + 1:
            argv = <PyObject**>malloc(nargs * sizeof(PyObject*))
            if argv == NULL:
                raise MemoryError()
        if host.access_caller:
            caller = Caller.__new__(Caller)
            caller._caller = caller_c
            caller._store = store
            Py_INCREF(caller)
            argv[filled] = <PyObject*>caller
            filled += 1
        for built in range(sig.nparams):
            value = _built(store, sig.kinds[built], &slots[built])
            Py_INCREF(value)
            argv[filled] = <PyObject*>value
            filled += 1
        built = sig.nparams
        return PyObject_Vectorcall(host.fn, argv, nargs, NULL)
    finally:
        if built < sig.nparams:  # an error on the way
            _release_taken(sig.kinds, slots, built, sig.nparams)
        for i in range(filled):
            Py_XDECREF(argv[i])
        if argv != stack:
            free(argv)
        if caller is not None:
            caller._caller = NULL


cdef int _store_results(Store store, _Signature sig, object results, wasmtime_val_raw_t* slots) except -1:
    cdef wasmtime_externref_t root
    cdef uint8_t kind
    if sig.nresults == 0:
        if results is not None:
            raise WasmtimeError("callback produced results when it shouldn't")
        return 0
    if sig.nresults == 1:
        kind = sig.kinds[sig.nparams]
        if _lower(store, kind, results, &slots[0], &root if kind == WASM_EXTERNREF else NULL):
            cw_wasmtime_externref_unroot(&root)
        return 0
    return _store_many_results(store, sig, results, slots)


cdef int _store_many_results(Store store, _Signature sig, object results,
                             wasmtime_val_raw_t* slots) except -1:
    # Apart from _store_results: the one-result case, on every callback, then needs no
    # array of roots nor try/finally.
    cdef wasmtime_externref_t roots[STACK_SLOTS]
    cdef Py_ssize_t i, rooted = 0
    cdef uint8_t kind
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
                             &roots[rooted] if kind == WASM_EXTERNREF else NULL)
    finally:
        for i in range(rooted):
            cw_wasmtime_externref_unroot(&roots[i])
    return 0


cdef class Caller(_LiveObject):
    """The calling instance, given to host functions made with ``access_caller=True``.
    Valid only during that call; afterwards it raises (or ``get`` returns None)."""

    cdef Store _live_store(self):
        if self._caller == NULL:
            raise ValueError("caller is no longer valid")
        return self._store

    def _context(self):
        return self._live_store()._context()

    def get(self, name):
        """The calling module's export ``name``, or None."""
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
        if item.kind != WASMTIME_EXTERN_MEMORY:
            if item.kind == WASMTIME_EXTERN_SHAREDMEMORY:  # the lookup handed over a handle of its own
                lib.wasmtime_sharedmemory_delete(
                    ffi.cast("wasmtime_sharedmemory_t *", <uintptr_t>item.of.sharedmemory))
            return None
        return (<uintptr_t>cw_wasmtime_memory_data(s._ctx, &item.of.memory),
                cw_wasmtime_memory_data_size(s._ctx, &item.of.memory))


def linker_define_func(linker, bytes module, bytes name, ty, func, bint access_caller, list hosts):
    """Define a host function on a Linker (CFFI ``wasmtime_linker_t*``) of type ``ty`` (a
    ``wasm_functype_t*`` for the linker's engine, see FuncType._ptr_for) through the
    same trampoline as ``Func``; usable in every Store the linker instantiates into.
    Its env goes into ``hosts``, the linker's (which keeps it alive: the C side
    borrows it). Returns the ``wasmtime_error_t*`` cdata (NULL on success)."""
    if not callable(func):
        raise TypeError("expected a callable host function")
    cdef _HostFunc host = _HostFunc.__new__(_HostFunc)
    host.fn = func
    host.sig = _Signature.of(<wasm_functype_t*>_address(ty))
    host.access_caller = access_caller
    hosts.append(host)
    return lib.wasmtime_linker_define_func_unchecked(
        linker, module, len(module), name, len(name), ty,
        ffi.cast("wasmtime_func_unchecked_callback_t", <uintptr_t>_host_trampoline),
        ffi.cast("void *", <uintptr_t><void*>host), ffi.NULL)
