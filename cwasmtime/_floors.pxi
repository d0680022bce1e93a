# Measurement baselines, not API: the floors the benchmarks compare against,
# measured in the same run.

def _floor_call_add(Func func, Store store, int32_t a, int32_t b):
    """A call's floor: one Cython function calling wasmtime_func_call_unchecked on an
    (i32, i32) -> i32 export, GIL held, no conversions beyond C ints."""
    cdef wasmtime_val_raw_t slots[2]
    cdef wasm_trap_t* trap = NULL
    cdef wasmtime_error_t* error
    store._check()
    if store._async_required:  # Wasmtime would abort where the guest reaches async code
        _needs_async(store)
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


cdef class _ComponentFloor(_LiveObject):
    """A component call's floor (benchmarks): the arguments lowered once, then each
    call is ``wasmtime_component_func_call`` alone from Cython, GIL held, the result
    released unread: what the C API costs for this call, with no Python conversions."""

    def __cinit__(self, *args):
        _internal_only(self, args)

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
    cdef _ComponentFloor floor = _ComponentFloor.__new__(_ComponentFloor, _INTERNAL)
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
