# Component calls: Func calls with their conversion plans, and the trampolines of
# host functions and resource destructors.

# Calls with at most this many parameters build them in a stack buffer.
cdef enum:
    COMPONENT_STACK_PARAMS = 16

cdef class _ComponentPlan(_LiveObject):
    """A function type's conversions: one per parameter, and the result's (or None)."""


def _component_plan(functype):
    """The plan of a reflection FuncType (cwasmtime.component._types.FuncType)."""
    cdef _ComponentPlan plan = _ComponentPlan.__new__(_ComponentPlan)
    plan.params = tuple(_component_conv(t) for _, t in functype.params)
    result = functype.result
    plan.result = None if result is None else _component_conv(result)
    return plan


cdef class ComponentFunc(_LiveObject):
    """A component's exported function in one Store: ``func(store, *params)``."""

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
        FuncType = _py("component._itemtypes").FuncType
        cdef Store s = self._checked(store)
        ty = cw_wasmtime_component_func_type(&self._func, s._ctx)
        return FuncType._from_ptr(ffi.cast("wasmtime_component_func_type_t *", <uintptr_t>ty))

    _repr_name = "component.Func"

    def __repr__(self):
        in_store = _py("_repr").in_store
        return in_store(self, self._store, lambda s: self.type(s)._signature())

    def __call__(self, *store_and_params):
        if not store_and_params:
            raise TypeError("expected a Store as the first argument")
        cdef Store s = self._checked(store_and_params[0])
        if self._plan is None:
            ty = self.type(s)
            _refuse_async_result(ty)
            self._plan = _component_plan(ty)
        return _component_call(self, s, store_and_params)

    def post_return(self, store):
        """Finish the previous call (frees what the guest kept for the results)."""
        cdef Store s = self._checked(store)
        with s._running_wasm() as ctx:
            error = lib.wasmtime_component_func_post_return(
                ffi.cast("wasmtime_component_func_t *", <uintptr_t>&self._func), ctx)
        if error != ffi.NULL:
            raise _failure(s, <wasmtime_error_t*>_address(error), NULL)


cdef int _refuse_async_result(functype) except -1:
    """Wasmtime's C API would abort the process converting such a result."""
    holds_async = _py("component._types").holds_async
    if functype.result is not None and holds_async(functype.result):
        raise NotImplementedError(
            f"this function returns {functype.result!r}: a future, stream or error-context "
            "cannot be received from a component (Wasmtime 50's C API would abort the process)")
    return 0


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
        _enter_wasm(s)
        with nogil:
            error = cw_wasmtime_component_func_call(&func._func, s._ctx, params, nparams,
                                                    &result, nresults)
        _leave_wasm(s)
        if error != NULL:
            raise _failure(s, error, NULL)
        return None if nresults == 0 else _lift_value(plan.result, s, &result)
    finally:
        b.reset()
        cw_wasmtime_component_val_delete(&result)


# ------------------------------------------------------- host functions and dtors

cdef class _ComponentHost(_LiveObject):
    """A host function added with ``LinkerInstance.add_func`` (its C env pointer).
    Its plan is kept with the parameter/result types it was built for, and rebuilt
    when the function is called with another type (one name can serve components
    that import it with different types)."""

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
        FuncType = _py("component._itemtypes").FuncType
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
    """The env object of a host function (the C linker borrows it: the caller keeps it)."""
    cdef _ComponentHost host = _ComponentHost.__new__(_ComponentHost)
    host.fn = fn
    return host


def _component_callbacks():
    """``(func trampoline, resource destructor trampoline)`` addresses; the env of a
    destructor is the Python callable itself."""
    return (<uintptr_t>_component_host_trampoline, <uintptr_t>_component_dtor_trampoline)


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
