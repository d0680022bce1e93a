# Calling wasm: a function's signature reduced to its value kinds, Func, TypedFunc,
# their PEP 590 call entries, and the call path through wasmtime_func_call_unchecked.


cdef extern from *:
    """
    /* Make `type` callable through PEP 590: its instances' entry point is at `offset`
       (NULL in an instance: called through tp_call as before). CPython gives it to a
       subclass only if the subclass keeps this __call__. */
    static void cw_enable_vectorcall(PyObject *type, Py_ssize_t offset) {
        ((PyTypeObject *)type)->tp_vectorcall_offset = offset;
        ((PyTypeObject *)type)->tp_flags |= Py_TPFLAGS_HAVE_VECTORCALL;
    }
    """
    void cw_enable_vectorcall(object type, Py_ssize_t offset)
    Py_ssize_t PyVectorcall_NARGS(size_t nargsf)

cdef class _Signature(_LiveObject):
    """A function type reduced to what a call needs: kinds of params then results."""

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
        for i in range(sig.nparams + sig.nresults):
            sig.kinds[i] = _call_kind(params.data[i] if i < sig.nparams else results.data[i - sig.nparams])
            if sig.kinds[i] == WASM_EXTERNREF:
                sig.has_externref = True
            if i < sig.nparams and (sig.kinds[i] == WASM_EXTERNREF or sig.kinds[i] == WASM_FUNCREF):
                sig.param_refs = True
        return sig


cdef uint8_t _call_kind(wasm_valtype_t* ty) except 255:
    """The wasm_valkind_t a call passes a value of type ``ty`` as; TypeError for the types it
    cannot (calls are unchecked: any other reference would reach wasm unverified)."""
    cdef int cls = _valtype_class(ty)
    if _vt_call_kind[cls] == 255:
        raise TypeError(f"unsupported value type {VALTYPE_NAMES[cls]} in a function signature: "
                        f"cwasmtime passes i32, i64, f32, f64, v128, externref and funcref values")
    return _vt_call_kind[cls]


cdef class Func(_LiveObject):
    """A wasm function: a guest export or a Python host function."""

    def __init__(self, store, ty, func, bint access_caller=False):
        FuncType = _py("_types").FuncType
        if not isinstance(store, Store):
            raise TypeError("expected a Store")
        if not isinstance(ty, FuncType):
            raise TypeError("expected a FuncType")
        if not callable(func):
            raise TypeError("expected a callable host function")
        cdef Store s = _store_of(store)
        fty_c = ty._ptr_for(s.engine)  # kept by `ty` (or its copy for that engine)
        cdef wasm_functype_t* fty = <wasm_functype_t*>_address(fty_c)
        cdef _HostFunc host = _HostFunc.__new__(_HostFunc)
        host.fn = func
        host.sig = _Signature.of(fty)
        host.access_caller = access_caller
        s._check()  # again: the FuncType's Python code above may have closed it
        # The C func borrows `host`; the Store keeps it (see Store._hosts).
        s._hosts.append(host)
        cw_wasmtime_func_new_unchecked(s._ctx, fty, _host_trampoline, <void*>host,
                                       NULL, &self._func)
        self._store = s
        self._sig = host.sig
        self._vectorcall = _func_vectorcall

    @staticmethod
    cdef Func _wrap(Store store, wasmtime_func_t* func):
        cdef Func f = Func.__new__(Func)
        f._func = func[0]
        f._store = store
        f._vectorcall = _func_vectorcall
        return f

    @staticmethod
    def _from_extern(Store store, extern):
        """The Func in a ``wasmtime_extern_t*`` (CFFI) of kind func."""
        return Func._wrap(store, &(<wasmtime_extern_t*>_address(extern)).of.func)

    def _as_extern(self):
        """A new ``wasmtime_extern_t*`` (CFFI) holding this func."""
        extern = ffi.new("wasmtime_extern_t *")
        cdef wasmtime_extern_t* p = <wasmtime_extern_t*>_address(extern)
        p.kind = WASMTIME_EXTERN_FUNC
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
        FuncType = _py("_types").FuncType
        cdef Store s = _store_of(store)
        _same_store(self._store, s)
        ty = cw_wasmtime_func_type(s._ctx, &self._func)
        return FuncType._from_ptr(ffi.cast("wasm_functype_t *", <uintptr_t>ty), None)

    def __repr__(self):
        _repr = _py("_repr")
        return _repr.in_store(self, self._store, lambda s: _repr.core_signature(self.type(s)))

    def __call__(self, *store_and_params):
        """``func(store, *params)``: call with Python values (or Val); returns None,
        one value, or a list."""
        # The tuple path (tp_call): calls with keywords (refused before this line) and
        # calls where the vectorcall entry is not used (a subclass's instance, on
        # CPython 3.11). Both run the vectorcall entry's code.
        return _func_vectorcall(self, PySequence_Fast_ITEMS(store_and_params),
                                len(store_and_params), NULL)

    def call_async(self, store, *params):
        """``await func.call_async(store, *params)``: the call, driven by the event loop
        (see README, asyncio); values, results and errors as for ``__call__``."""
        return _func_call_async(self, store, params)

    def typed(self, store, *, bint release_gil=True):
        """This function bound to ``store`` and its signature, checked once: the
        fastest way to call it repeatedly, as ``typed(1, 2)``. Values, results and
        errors are as for ``__call__``, except that a wrong argument count raises
        TypeError. Like ``__call__``, it releases the GIL while wasm runs whenever
        another thread could take it (see README, the GIL). With ``release_gil=False``
        the GIL stays held even then: no other Python thread runs meanwhile (so nothing
        can call ``Engine.increment_epoch()`` to interrupt it; use fuel or a deadline).
        (Not on a Store with custom WASI output: its callbacks need the GIL.)"""
        cdef Store s = _store_of(store)
        _same_store(self._store, s)
        cdef TypedFunc typed = TypedFunc.__new__(TypedFunc, _INTERNAL)
        typed._func = self
        typed._store = s
        typed._sig = self._signature(s)
        typed._release_gil = release_gil
        typed._vectorcall = _typed_vectorcall
        return typed


cdef class TypedFunc(_LiveObject):
    """The state behind ``Func.typed``: a Func, its Store and its signature."""

    def __cinit__(self, *args):
        _internal_only(self, args)

    def __call__(self, *params):
        # As Func.__call__: the vectorcall entry's code.
        return _typed_vectorcall(self, PySequence_Fast_ITEMS(params), len(params), NULL)


cdef object _wrong_count(Py_ssize_t given, Py_ssize_t expected):
    return TypeError("too %s parameters provided: given %s, expected %s"
                     % ("many" if given > expected else "few", given, expected))


cdef object _func_vectorcall(object self, PyObject* const* args, size_t nargsf, PyObject* kwnames):
    """``func(store, *params)`` with the arguments in the caller's C array: no tuple."""
    cdef Func func = <Func>self
    cdef Py_ssize_t n = PyVectorcall_NARGS(nargsf)
    if kwnames != NULL and PyTuple_GET_SIZE(<object>kwnames) != 0:
        return _call_with_keywords(Func, self, args, n, kwnames)
    if n == 0:
        raise TypeError("__call__() missing required argument 'store'")
    cdef Store s = _store_of(<object>args[0])
    _same_store(func._store, s)
    return _call(func, s, args + 1, n - 1, True)


cdef object _typed_vectorcall(object self, PyObject* const* args, size_t nargsf, PyObject* kwnames):
    """``typed(*params)`` (TypedFunc) with the arguments in the caller's C array."""
    cdef TypedFunc typed = <TypedFunc>self
    cdef Py_ssize_t n = PyVectorcall_NARGS(nargsf)
    if kwnames != NULL and PyTuple_GET_SIZE(<object>kwnames) != 0:
        return _call_with_keywords(TypedFunc, self, args, n, kwnames)
    if n != typed._sig.nparams:
        raise _wrong_count(n, typed._sig.nparams)
    # _invoke checks the Store, after the arguments are converted.
    return _call(typed._func, typed._store, args, n, typed._release_gil)


cdef object _call_with_keywords(type cls, object self, PyObject* const* args, Py_ssize_t n,
                                PyObject* kwnames):
    """A vectorcall with keyword arguments, handed to ``cls.__call__`` (the tuple path,
    which refuses them): the error is the one it always was."""
    cdef tuple names = <tuple>kwnames
    cdef Py_ssize_t i
    positional = tuple([<object>args[i] for i in range(n)])
    keywords = {names[i]: <object>args[n + i] for i in range(len(names))}
    return cls.__call__(self, *positional, **keywords)


cdef int _enable_vectorcall() except -1:
    """Give Func and TypedFunc their vectorcall entries (once, at import)."""
    cdef Func func = Func.__new__(Func)
    cdef TypedFunc typed = TypedFunc.__new__(TypedFunc, _INTERNAL)
    cw_enable_vectorcall(Func, <char*>&func._vectorcall - <char*><PyObject*>func)
    cw_enable_vectorcall(TypedFunc, <char*>&typed._vectorcall - <char*><PyObject*>typed)
    return 0


_enable_vectorcall()


cdef object _call(Func func, Store s, PyObject* const* args, Py_ssize_t n, bint release_gil):
    """Call ``func`` in ``s`` (already checked to be its open Store) with the Python
    values ``args[:n]`` (borrowed: the caller holds them for the call)."""
    cdef _Signature sig = func._signature(s)
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
            _lower(s, sig.kinds[i], <object>args[i], &stack_slots[i], NULL)
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
            rooted += _lower(s, sig.kinds[i], <object>args[i], &slots[i],
                             &roots[rooted] if sig.kinds[i] == WASM_EXTERNREF else NULL)
        return _invoke(func, s, sig, slots, release_gil)
    finally:
        for i in range(rooted):
            cw_wasmtime_externref_unroot(&roots[i])
        free(roots)
        if slots != stack_slots:
            free(slots)


cdef object _invoke(Func func, Store s, _Signature sig, wasmtime_val_raw_t* slots, bint release_gil):
    """Run the call on lowered ``slots`` (sized for sig.nslots); lift the results. The
    Store is checked here, after the arguments were converted: converting one may have
    run code that closed it or entered it from another thread."""
    cdef wasmtime_error_t* error
    cdef wasm_trap_t* trap = NULL
    cdef PyThreadState* parked = NULL
    cdef PyThreadState** outer_park
    s._check()
    _enter_wasm(s)
    # The GIL is released while wasm runs if another thread could take it: one that
    # exists now, or custom WASI output (called from Wasmtime's threads). Otherwise
    # releasing and re-taking it (here and at each host callback) would cost ~40% of a
    # short call for nothing; a host function that starts a thread releases it then
    # for the rest of the call (_host_trampoline parks this thread's state here).
    if s._custom_output or (release_gil and cw_other_threads()):
        with nogil:
            error = cw_wasmtime_func_call_unchecked(s._ctx, &func._func, slots, sig.nslots, &trap)
    else:
        outer_park = s._gil_park
        s._gil_park = &parked if release_gil else NULL
        error = cw_wasmtime_func_call_unchecked(s._ctx, &func._func, slots, sig.nslots, &trap)
        if parked != NULL:
            PyEval_RestoreThread(parked)
        s._gil_park = outer_park
    _leave_wasm(s)
    if error != NULL or trap != NULL:
        raise _failure(s, error, trap)
    if sig.nresults == 0:
        result = None
    elif sig.nresults == 1:
        result = _lift(s, sig.kinds[sig.nparams], &slots[0])
    else:
        _take_all(s, &sig.kinds[sig.nparams], slots, sig.nresults)
        result = _built_all(s, &sig.kinds[sig.nparams], slots, sig.nresults)
    if _dropped:
        _release_dropped()
    return result
