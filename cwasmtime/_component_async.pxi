# asyncio for components: ComponentFunc.call_async, async host functions
# (LinkerInstance.add_func_async) and Linker.instantiate_async, on the machinery of
# _async.pxi. Two limits of Wasmtime 50's C API shape them:
# * an async host function can report an error only from its first callback: a host
#   coroutine that raises after its first await leaves no way to fail the call, so the
#   call's future is deleted (the guest unwinds) and the exception is raised as is;
# * a component call that fails or is cancelled poisons every component instance in
#   its Store (as for sync calls): later calls raise "cannot enter component instance".


cdef class _ComponentCall(_CallFuture):
    """``func.call_async(store, *args)`` of a component function; arguments are
    lowered when the call starts, into an arena of its own (the future borrows them)."""
    cdef ComponentFunc func
    cdef tuple params
    cdef _Builder args
    cdef wasmtime_component_val_t result
    cdef bint has_result          # `result` holds a value to delete

    cdef wasmtime_call_future_t* _start(self) except NULL:
        cdef Store s = self.store
        cdef ComponentFunc func = self.func
        cdef tuple params = self.params
        cdef Py_ssize_t i, n = len(params)
        cdef _ComponentPlan plan
        cdef wasmtime_component_val_t* values = NULL
        self.params = None
        if func._plan is None:
            ty = func.type(s)
            _refuse_async_result(ty)
            func._plan = _component_plan(ty)
        plan = func._plan
        if n != len(plan.params):
            raise TypeError(f"wrong number of parameters provided: given {n}, expected {len(plan.params)}")
        self.args = _Builder.__new__(_Builder)
        self.args.store = s
        self.args.busy = True
        if n:
            values = <wasmtime_component_val_t*>self.args.alloc(n * sizeof(wasmtime_component_val_t))
        for i in range(n):
            _lower_value(<_Conv>plan.params[i], self.args, params[i], &values[i])
        if s._ctx == NULL:
            raise ValueError("already closed")
        _set_bool(&self.result)
        self.has_result = True
        return cw_wasmtime_component_func_call_async(
            &func._func, s._ctx, values, n, &self.result, plan.result is not None, &self.error)

    cdef object _finish(self):
        cdef _ComponentPlan plan = self.func._plan
        if plan.result is None:
            return None
        return _lift_value(plan.result, self.store, &self.result)

    def __dealloc__(self):
        self._discard()

    cdef void _free_buffers(self) noexcept:
        if self.has_result:
            self.has_result = False
            cw_wasmtime_component_val_delete(&self.result)
        if self.args is not None:
            try:
                self.args.reset()
            except BaseException:
                pass
            self.args = None


cdef object _component_call_async(ComponentFunc func, object storelike, tuple params):
    cdef Store s = _async_store_of(storelike)
    _same_store(func._store, s)
    _first_async_use()
    cdef _ComponentCall call = _ComponentCall.__new__(_ComponentCall, _INTERNAL)
    call.store = s
    call.func = func
    call.params = params
    call.lent = []
    return call


cdef class _ComponentInstantiateCall(_CallFuture):
    """``component.Linker.instantiate_async``: its value is ``wrap(instance)`` (a new
    CFFI ``wasmtime_component_instance_t *``)."""
    cdef void* linker
    cdef void* component
    cdef object wrap
    cdef wasmtime_component_instance_t out

    cdef wasmtime_call_future_t* _start(self) except NULL:
        return cw_wasmtime_component_linker_instantiate_async(
            <wasmtime_component_linker_t*>self.linker, self.store._ctx,
            <wasmtime_component_t*>self.component, &self.out, &self.error)

    def __dealloc__(self):
        self._discard()

    cdef object _finish(self):
        instance = ffi.new("wasmtime_component_instance_t *")
        memcpy(<void*>_address(instance), &self.out, sizeof(wasmtime_component_instance_t))
        return self.wrap(instance)


def component_instantiate_async(Store store, linker, component, list hosts, wrap):
    """An awaitable instantiation of ``component`` in ``store`` through the component
    ``linker`` (whose host envs are ``hosts``)."""
    _first_async_use()
    cdef _ComponentInstantiateCall call = _ComponentInstantiateCall.__new__(
        _ComponentInstantiateCall, _INTERNAL)
    call.store = store
    call.wrap = wrap
    call.linker = <void*>_address(linker.ptr())
    call.component = <void*>_address(component.ptr())
    call.lent = [linker, component]
    store._linked[id(hosts)] = hosts
    return call


def mark_async_wasi(Store store):
    """``store`` runs WASI through Wasmtime's own async tasks (add_wasip2_async): they
    have no waker either, so pending polls with nothing to wait on back off (see
    _CallFuture._idle_wait)."""
    store._async_required = True
    _async_state(store).backoff = True


# ------------------------------------------------------------ async host functions

cdef class _ComponentHostCall(_HostCall):
    """One run of a component async host function."""
    cdef _ComponentPlan plan
    cdef wasmtime_component_val_t* cresults
    cdef size_t ncresults
    cdef StoreContext context      # valid until the coroutine finishes

    cdef void finished(self) noexcept:
        if self.context is not None:
            self.context._store = None
            self.context = None
        _HostCall.finished(self)

    cdef int write_results(self, object value) except -1:
        if self.ncresults == 0:
            if value is not None:
                raise TypeError("host function returned a value but its type has no result")
            return 0
        # Wasmtime frees what is written here (it holds a Bool now: nothing to free).
        _lower_value(self.plan.result, _owned_builder(self.store), value, &self.cresults[0])
        return 0


cdef void _component_async_trampoline(
        void* env, wasmtime_context_t* ctx, const wasmtime_component_func_type_t* ty,
        wasmtime_component_val_t* args, size_t nargs, wasmtime_component_val_t* results,
        size_t nresults, wasmtime_error_t** error_ret,
        wasmtime_async_continuation_t* cont) noexcept with gil:
    # A valid continuation first: Wasmtime aborts the process without one (or an error).
    cont.callback = _continuation_ready
    cont.env = NULL
    cont.finalizer = NULL
    cdef _ComponentHost host = <_ComponentHost>env
    cdef Store store = <Store>cw_wasmtime_context_get_data(ctx)
    cdef _ComponentHostCall hc = _ComponentHostCall.__new__(_ComponentHostCall)
    cdef size_t i
    try:
        if cw_polling == NULL:
            raise WasmtimeError("an async host function can only run inside call_async")
        hc.call = cw_polling
        hc.store = store
        hc.plan = host.plan_for(ty)
        hc.cresults = results
        hc.ncresults = nresults
        hc.context = StoreContext.__new__(StoreContext)
        hc.context._store = store
        params = [hc.context]
        for i in range(nargs):  # valid during this callback only: lifted now
            params.append(_lift_value(<_Conv>hc.plan.params[i], store, &args[i]))
        hc.coro = _awaitable_iter(host.fn(*params))
    except BaseException as exc:
        hc.finished()
        store._pending = exc
        error_ret[0] = cw_wasmtime_error_new("python exception")
        return
    Py_INCREF(hc)
    cont.callback = _component_continuation
    cont.env = <void*>hc
    cont.finalizer = _release_hostcall


cdef cw_bool _component_continuation(void* env) noexcept with gil:
    """As _continuation; a failure now cannot be reported through Wasmtime: the call is
    marked to abort (its driver deletes the future and raises the exception)."""
    cdef _ComponentHostCall hc = <_ComponentHostCall>env
    cdef _CallFuture call = <_CallFuture>hc.call
    cdef PyObject* res = NULL
    cdef PySendResult st
    try:
        exc, hc.pending_throw = hc.pending_throw, None
        st = _step_coroutine(hc.coro, exc, &res)
        value = <object>res
        Py_XDECREF(res)
        if st == PYGEN_NEXT:
            call.host = hc
            call.yielded = value
            return False
        hc.finished()
        hc.write_results(value)
        return True
    except BaseException as exc:
        hc.finished()
        call.host_exc = exc
        call.abort = True
        return False


def component_async_callback():
    """The address of the trampoline for ``wasmtime_component_linker_instance_add_func_async``
    (its env: a ``_component_host``)."""
    return <uintptr_t>_component_async_trampoline
