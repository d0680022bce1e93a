# Store: the open/closed/busy state every store-owned object checks, the helpers
# that find the Store behind a Store/Caller/StoreContext argument, and turning a
# failed C call into the exception to raise (a parked host exception first).

cdef class _LiveObject:
    """Objects of this module hold live native state: no copies, no pickles."""

    def __reduce__(self):
        refuse_copy(self)


# What this module passes to the constructor of the classes only it may create
# (`cls.__new__(cls, _INTERNAL)`): made by Python code, they would start unusable.
cdef object _INTERNAL = object()


cdef int _internal_only(object obj, tuple args) except -1:
    if len(args) != 1 or args[0] is not _INTERNAL:
        raise TypeError(f"{type(obj).__name__} objects cannot be created directly")
    return 0


cdef class Store(_LiveObject):
    """A collection of wasm instances and host state (``wasmtime_store_t``)."""

    def __cinit__(self, *args, **kwargs):
        self._hosts = []
        self._linked = {}

    def __init__(self, engine=None, data=None):
        Engine = _py("_engine").Engine
        # Once only: a closed Store stays closed (its objects name the old C store).
        if self.engine is not None:
            raise ValueError("already initialized")
        if engine is None:
            engine = Engine()
        elif not isinstance(engine, Engine):
            raise TypeError("expected an Engine")
        _hook_sigint()  # again: a handler set since (signal.signal) replaced it
        # The C store's data slot points back at this object (borrowed: the C store
        # never outlives it), so host callbacks can find their Store from a caller.
        cdef cw_interrupt_t* interrupt
        with lent(engine) as engine_ptr:
            store_c = lib.wasmtime_store_new(engine_ptr, ffi.cast("void *", <uintptr_t><void*>self), ffi.NULL)
            if engine._epoch_interruption:
                interrupt = <cw_interrupt_t*>malloc(sizeof(cw_interrupt_t))
                if interrupt == NULL:
                    lib.wasmtime_store_delete(store_c)
                    raise MemoryError()
                interrupt.engine = cw_wasmtime_engine_clone(<wasm_engine_t*>_address(engine_ptr))
                interrupt.ticks = 1
                self._interrupt = interrupt
        self._stack_need = engine._max_wasm_stack + HOST_STACK_MARGIN
        self._store_c = store_c
        self._store = <wasmtime_store_t*>_address(store_c)
        self._ctx_c = lib.wasmtime_store_context(store_c)
        self._ctx = <wasmtime_context_t*>_address(self._ctx_c)
        self.engine = engine
        self._data = data

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
        the store is marked busy on this thread meanwhile (see _enter_wasm); ``as``
        gives the context."""
        self._check()
        return _RunningWasm(self, True)

    def _entered(self):
        """Like ``_running_wasm()``, for CFFI calls into this store that run no wasm:
        busy meanwhile, as CFFI releases the GIL during a call (no other thread may
        close the store or enter it then)."""
        self._check()
        return _RunningWasm(self, False)

    def _call(self, fn, *args):
        """``fn(context, *args)``: one CFFI call into this store that runs no wasm
        (see ``_entered``)."""
        with self._entered() as ctx:
            return fn(ctx, *args)

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
        self._call(lib.wasmtime_context_gc)

    # Integer arguments are converted before the context is taken: CFFI converting one
    # during the call could run its __int__, which could close the Store.
    def set_fuel(self, fuel):
        """Set the fuel left (needs ``Config.consume_fuel``)."""
        fuel = PyNumber_Index(fuel)
        _check_error(self._call(lib.wasmtime_context_set_fuel, fuel))

    def get_fuel(self):
        """The fuel left (needs ``Config.consume_fuel``)."""
        out = ffi.new("uint64_t *")
        _check_error(self._call(lib.wasmtime_context_get_fuel, out))
        return out[0]

    def set_wasi(self, wasi):
        """Give this store a WASI context; consumes the ``WasiConfig``."""
        take_outputs = _py("_wasi").take_outputs
        self._check()
        outputs = take_outputs(wasi)
        _check_error(self._call(lib.wasmtime_context_set_wasi, wasi._consume()))
        if outputs:
            self._hosts.extend(outputs)
            self._custom_output = True
        self._has_wasi = True

    def set_wasi_http(self):
        """Initialize WASI HTTP (after ``set_wasi``)."""
        self._call(lib.wasmtime_context_set_wasi_http)
        self._has_wasi_http = True

    def set_epoch_deadline(self, ticks_after_current):
        """Trap wasm once the engine's epoch passes the current one plus this many ticks."""
        ticks_after_current = PyNumber_Index(ticks_after_current)
        self._call(lib.wasmtime_context_set_epoch_deadline, ticks_after_current)
        if self._interrupt != NULL:  # what SIGINT advances the epoch by (see _enter_wasm)
            self._interrupt.ticks = max(<uint64_t>ticks_after_current, 1)

    def epoch_deadline_async_yield_and_update(self, delta):
        """Make wasm yield to the event loop (instead of trapping) each time the
        engine's epoch passes this store's deadline, which is then moved ``delta`` ticks
        on; the first deadline is ``delta`` ticks from now. Needs
        ``Config.epoch_interruption``; from now on this Store runs wasm only through
        ``call_async`` (see README, asyncio)."""
        _epoch_async_yield(self, delta)

    def fuel_async_yield_interval(self, interval):
        """Make wasm yield to the event loop every ``interval`` units of fuel (0 or None:
        never). Needs ``Config.consume_fuel``; from now on this Store runs wasm only
        through ``call_async``."""
        _fuel_async_yield(self, interval)

    def set_limits(self, memory_size=-1, table_elements=-1, instances=-1, tables=-1, memories=-1):
        """Cap this store's resources; a negative value leaves that limit unset."""
        limits = [PyNumber_Index(n) for n in (memory_size, table_elements, instances, tables, memories)]
        with self._entered():
            lib.wasmtime_store_limiter(self._store_c, *limits)

    def close(self):
        """Free the store and everything in it; later use of it or its objects raises."""
        if self._depth != 0:
            if _suspended_call(self):
                raise WasmtimeError("cannot close a Store while a call_async holds it "
                                    "(await or cancel the call first)")
            raise WasmtimeError("cannot close a Store while wasm is running in it "
                                "(or a thread is inside a call into it)")
        if self._views != 0:
            raise BufferError("cannot close a Store while memoryviews of its memory exist; "
                              "release them (or the arrays made from them) first")
        self._free()
        self._store_c = None
        self._ctx_c = None
        self._hosts = []
        self._linked = {}

    cdef void _free(self) noexcept:
        """Delete the C store (once). What it calls into (_hosts, _linked) is still
        alive here, and only released after it."""
        cdef wasmtime_store_t* store = self._store
        if store != NULL:
            self._store = NULL
            self._ctx = NULL
            cw_wasmtime_store_delete(store)
        if self._interrupt != NULL:
            cw_interrupt_free(self._interrupt)
            self._interrupt = NULL

    def _keep_linked(self, list hosts):
        """Keep a linker's host envs (``hosts``, borrowed by its C functions) alive
        as long as this Store, which may now call them."""
        self._linked[id(hosts)] = hosts

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        # Also when the GC finalizes a cycle through this Store: the C store goes
        # first, before the GC clears what it calls into. Busy or viewed, it waits
        # for __dealloc__ (calls and memoryviews hold the Store).
        if self._depth == 0 and self._views == 0:
            self.close()

    def __dealloc__(self):
        self._free()

    def __repr__(self):
        return "<Store (closed)>" if self._ctx == NULL else "<Store>"


Managed.register(Store)


cdef int _stack_too_small(Store store) except -1:
    left = cw_stack_left()
    raise WasmtimeError(
        f"this thread has {left // 1024} KiB of stack left, but wasm may use "
        f"{(store._stack_need - HOST_STACK_MARGIN) // 1024} KiB (Config.max_wasm_stack) and its host "
        f"calls {HOST_STACK_MARGIN // 1024} more: call it from a thread with a bigger stack "
        f"(threading.stack_size) or lower the engine's Config.max_wasm_stack")


cdef int _store_unusable(Store store) except -1:
    """Raise why ``store`` cannot be used now (Store._check's slow path)."""
    if store._ctx == NULL:
        raise ValueError("already closed")
    if _suspended_call(store):
        raise WasmtimeError(
            "this Store is held by a call_async in progress: it is usable only from inside "
            "that call (its async host functions), or once the call finished")
    raise WasmtimeError(
        "this Store is running wasm (or inside a call into Wasmtime) on another thread; "
        "a Store (and everything in it) may only be used by one thread at a time")


cdef class _RunningWasm(_LiveObject):

    def __cinit__(self, Store store not None, bint runs_wasm):
        self._store = store
        self._runs_wasm = runs_wasm

    def __enter__(self):
        self._store._check()
        if self._runs_wasm:
            _enter_wasm(self._store)
        else:
            self._store._owner = PyThread_get_thread_ident()
            self._store._depth += 1
        return self._store._ctx_c

    def __exit__(self, *exc):
        _leave_wasm(self._store)


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
    try:
        # Python's signal handlers first (they would run at the next bytecode anyway,
        # leaking the trap): the KeyboardInterrupt of a SIGINT that interrupted the
        # guest (see _enter_wasm) is raised rather than the trap it caused.
        PyErr_CheckSignals()
    except BaseException as signalled:
        signalled.__context__ = _failure_of(store, error, trap)
        return signalled
    return _failure_of(store, error, trap)


cdef object _failure_of(Store store, wasmtime_error_t* error, wasm_trap_t* trap):
    exc = call_failure(<uintptr_t>error, <uintptr_t>trap)
    pending = store._pending
    if pending is not None:
        store._pending = None
        return pending
    return exc


def _hook_sigint():
    """Chain the SIGINT handler that stops guests on the main thread (see
    _enter_wasm) before the one installed now (Python's, usually)."""
    if cw_hook_sigint() != 0:
        raise OSError(errno_value, "sigaction(SIGINT) failed")


def _after_fork_in_child():
    global cw_main_thread
    cw_main_thread = PyThread_get_thread_ident()  # the thread that forked


cdef unsigned long _main_thread_ident() except? 0:
    # threading names as main the thread that first imports it: the same rule here
    # (importing threading only for this costs every start a millisecond).
    threading = sys_modules.get("threading")
    if threading is None:
        return PyThread_get_thread_ident()
    return threading.main_thread().ident


cw_main_thread = _main_thread_ident()
_hook_sigint()
os_register_at_fork(after_in_child=_after_fork_in_child)


cdef class StoreContext(_LiveObject):
    """A Store seen from inside a callback; valid until invalidated."""

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


def store_of(storelike):
    """The open Store behind a Store/Caller/StoreContext (checks open and thread)."""
    return _store_of(storelike)


cdef inline Store _owned_store(Store owner, object storelike):
    """The open Store behind ``storelike`` after checking it is ``owner`` (the Store the
    object was created in); raises WasmtimeError for another Store."""
    cdef Store s = _store_of(storelike)
    _same_store(owner, s)
    return s


def check_owner(Store owner, storelike):
    """``_owned_store`` for the Python modules."""
    return _owned_store(owner, storelike)
