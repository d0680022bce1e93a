# Host functions: the trampoline Wasmtime calls (wasmtime_func_new_unchecked and
# the linker's unchecked definitions), and the Caller a host function may receive.

cdef class _HostFunc(_LiveObject):
    """What a host function's trampoline needs (its C func's env pointer, borrowed:
    the Store or Linker it was defined in keeps it, where the GC sees it)."""


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


def linker_define_func(linker, bytes module, bytes name, ty, func, bint access_caller, list hosts):
    """Define a host function on a Linker (CFFI ``wasmtime_linker_t*``) through the
    same trampoline as ``Func``; usable in every Store the linker instantiates into.
    Its env goes into ``hosts``, the linker's (which keeps it alive: the C side
    borrows it). Returns the ``wasmtime_error_t*`` cdata (NULL on success)."""
    if not callable(func):
        raise TypeError("expected a callable host function")
    cdef wasm_functype_t* fty = <wasm_functype_t*>_address(ty.ptr())
    cdef _HostFunc host = _HostFunc.__new__(_HostFunc)
    host.fn = func
    host.sig = _Signature.of(fty)
    host.access_caller = access_caller
    hosts.append(host)
    return lib.wasmtime_linker_define_func_unchecked(
        linker, module, len(module), name, len(name), ty.ptr(),
        ffi.cast("wasmtime_func_unchecked_callback_t", <uintptr_t>_host_trampoline),
        ffi.cast("void *", <uintptr_t><void*>host), ffi.NULL)
