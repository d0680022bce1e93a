# asyncio: awaitable calls into wasm (one _CallFuture per call, driving one
# wasmtime_call_future_t), async host functions (coroutines stepped inside Wasmtime's
# polls), and one call at a time per Store.
#
# Wasmtime polls its futures with a no-op waker: it never says when to poll again. The
# host knows: a guest waiting in an async host function makes the poll return "pending"
# right after the host coroutine yielded (an asyncio Future), and the awaitable yields
# exactly that object, so the Task wakes up when the host's Future is done. An epoch or
# fuel yield leaves nothing to wait on: a bare yield (None) re-steps on the next loop
# iteration. Host coroutines run only inside a poll, on the guest's fiber, with the
# Store legitimately borrowed: their Caller stays valid across awaits, and a call_async
# through it nests like Rust's .await.

from cpython.weakref cimport PyWeakref_NewRef


cdef extern from "Python.h":
    ctypedef enum PySendResult:
        PYGEN_RETURN
        PYGEN_ERROR
        PYGEN_NEXT
    PySendResult PyIter_Send(object iter, object arg, PyObject** presult)
    bint PyCoro_CheckExact(object o)


cdef extern from *:
    """
    /* The _CallFuture being polled on this thread, innermost (borrowed; each links the
       one it interrupted). Async host functions run inside that poll and belong to it. */
    static __thread PyObject *cw_polling = NULL;

    /* The raw step of a _CallFuture: a new reference, *done telling the call's value
       from a yielded object; NULL with an exception set. */
    static PyObject *(*cw_step_impl)(PyObject *, int *) = NULL;

    static int cw_reraise(void) { return -1; }  /* surfaces a pending error to Cython */

    #if PY_VERSION_HEX >= 0x030D0000
    #define cw_is_finalizing() Py_IsFinalizing()
    #else
    #define cw_is_finalizing() _Py_IsFinalizing()
    #endif

    /* tp_iternext: a return value travels in StopIteration, made without a traceback
       (an instance only where a bare value would be misread: tuples, exceptions). */
    static PyObject *cw_iternext(PyObject *self) {
        int done = 0;
        PyObject *r = cw_step_impl(self, &done);
        if (r == NULL || !done)
            return r;
        if (r == Py_None) {
            Py_DECREF(r);
            return NULL;  /* exhausted: StopIteration(None) */
        }
        if (PyTuple_Check(r) || PyExceptionInstance_Check(r)) {
            PyObject *stop = PyObject_CallOneArg(PyExc_StopIteration, r);
            Py_DECREF(r);
            if (stop != NULL) {
                PyErr_SetObject(PyExc_StopIteration, stop);
                Py_DECREF(stop);
            }
            return NULL;
        }
        PyErr_SetObject(PyExc_StopIteration, r);
        Py_DECREF(r);
        return NULL;
    }

    /* am_send (what asyncio's C Task and PyIter_Send use): no exception at all. */
    static PySendResult cw_am_send(PyObject *self, PyObject *arg, PyObject **result) {
        int done = 0;
        PyObject *r;
        if (arg != Py_None) {
            PyErr_SetString(PyExc_TypeError, "can't send a non-None value to a call_async awaitable");
            *result = NULL;
            return PYGEN_ERROR;
        }
        r = cw_step_impl(self, &done);
        *result = r;
        if (r == NULL)
            return PYGEN_ERROR;
        return done ? PYGEN_RETURN : PYGEN_NEXT;
    }

    static void cw_patch_awaitable(PyTypeObject *t, PyObject *(*step)(PyObject *, int *)) {
        cw_step_impl = step;
        t->tp_iternext = cw_iternext;
        if (t->tp_as_async != NULL)
            t->tp_as_async->am_send = cw_am_send;
        PyType_Modified(t);
    }
    """
    PyObject* cw_polling
    int cw_reraise() except -1
    bint cw_is_finalizing()
    void cw_patch_awaitable(type t, PyObject* (*step)(PyObject*, int*) except NULL)


cdef enum _CallState:
    CALL_NEW        # not awaited yet
    CALL_QUEUED     # waiting for its Store (another call_async runs in it)
    CALL_RUNNING    # its C future exists
    CALL_DONE

cdef object _RETURNED = object()    # _step's marker: the value is in self.value
cdef bint _async_ready = False      # asyncio's abstract base classes know _CallFuture


cdef int _first_async_use() except -1:
    """On the first call_async: register the awaitable as a Coroutine, so that
    asyncio.create_task, gather and wait_for accept it (asyncio itself is imported
    only here, never by ``import cwasmtime``)."""
    global _async_ready
    if not _async_ready:
        import collections.abc
        collections.abc.Coroutine.register(_CallFuture)
        _async_ready = True
    return 0


cdef class _AsyncState(_LiveObject):
    """A Store's call_async bookkeeping: the call that holds it, and those queued.
    Neither is kept alive by the Store: a call dropped unfinished is cancelled by its
    finalizer, which gives the Store back."""
    cdef PyObject* active   # the top-level _CallFuture holding the Store (borrowed)
    cdef object queue       # collections.deque of weak references to queued calls, FIFO
    cdef bint backoff       # Wasmtime-internal async tasks (WASI): see _CallFuture._idle_wait


cdef _AsyncState _async_state(Store s):
    if s._async is None:
        from collections import deque
        state = _AsyncState.__new__(_AsyncState)
        (<_AsyncState>state).queue = deque()
        s._async = state
    return <_AsyncState>s._async


cdef int _needs_async(Store store) except -1:
    raise WasmtimeError(
        "this Store needs async calls: it has instances with async host functions (or async "
        "epoch/fuel yields); use `await func.call_async(store, ...)` (and instantiate_async)")


cdef bint _suspended_call(Store store) noexcept:
    """Whether a call_async holds ``store`` (suspended between two of its polls)."""
    return store._async is not None and (<_AsyncState>store._async).active != NULL


cdef Store _async_store_of(object storelike):
    """The open Store behind ``storelike`` for a call_async: unlike _store_of, a Store
    held by another call_async is fine (the new call queues)."""
    cdef Store s
    if isinstance(storelike, Store):
        s = <Store>storelike
    elif isinstance(storelike, Caller):
        s = (<Caller>storelike)._live_store()
    elif isinstance(storelike, StoreContext):
        s = (<StoreContext>storelike)._live_store()
    else:
        raise AttributeError(f"expected a Store, Caller or StoreContext, got {type(storelike).__name__} "
                             f"(it has no attribute '_context')")
    if s._ctx == NULL:
        raise ValueError("already closed")
    return s


cdef class _CallFuture(_LiveObject):
    """One call_async (or instantiate_async): a coroutine object of its own
    (send/throw/close), owning the C future and every buffer it borrows. Subclasses
    create the C future (_start) and convert its outcome (_finish)."""
    cdef wasmtime_call_future_t* fut
    cdef wasm_trap_t* trap
    cdef wasmtime_error_t* error
    cdef _CallState state
    cdef Store store
    cdef list lent            # Managed objects whose C pointers the future borrows
    cdef object value         # the call's value, between _step and its caller
    cdef object yielded       # what the suspended host coroutine yielded
    cdef _HostCall host       # the host call suspended in this future, if any
    cdef object host_exc      # components: a host exception the C API cannot carry
    cdef bint abort           # components: delete the future and raise host_exc
    cdef bint nested          # runs inside a poll of its own Store (a host calling in)
    cdef bint holds           # holds the Store (its _depth) until it finishes
    cdef bint polling
    cdef unsigned long thread # the thread (event loop) driving it
    cdef object waiter        # the asyncio Future it waits on while queued
    cdef PyObject* outer      # the future whose poll this one's poll interrupted
    cdef int idle             # quick pending polls in a row with nothing to wait on
    cdef object __weakref__

    def __cinit__(self, *args):
        _internal_only(self, args)

    cdef wasmtime_call_future_t* _start(self) except NULL:
        raise NotImplementedError

    cdef object _finish(self):
        return None

    cdef void _free_buffers(self) noexcept:
        pass

    # ---- the coroutine protocol (tp_iternext and am_send are patched to _raw_step)
    def __await__(self):
        return self

    def __iter__(self):
        return self

    def __next__(self):
        return self.send(None)

    def send(self, value):
        if value is not None:
            raise TypeError("can't send a non-None value to a call_async awaitable")
        result = self._step(None)
        if result is _RETURNED:
            result, self.value = self.value, None
            raise StopIteration(result)
        return result

    def throw(self, typ, val=None, tb=None):
        """Cancellation (and any exception a Task throws in): into the suspended host
        coroutine if there is one (it decides: if the exception propagates, the guest
        unwinds and the call raises it); otherwise the call is dropped at once."""
        if isinstance(typ, BaseException):
            exc = typ
        elif val is None:
            exc = typ()
        elif isinstance(val, BaseException):
            exc = val
        else:
            exc = typ(val)
        if tb is not None:
            exc = exc.with_traceback(tb)
        result = self._step(exc)
        if result is _RETURNED:
            result, self.value = self.value, None
            raise StopIteration(result)
        return result

    def close(self):
        """Drop the call: an unfinished guest unwinds at its suspension point."""
        self._check_thread()
        if self.polling:
            raise RuntimeError("cannot close a call_async from inside its own call")
        self._cancel()

    def __del__(self):
        if self.state == CALL_NEW:
            if not cw_is_finalizing():
                import warnings
                warnings.warn(f"call_async {self!r} was never awaited", RuntimeWarning, stacklevel=1)
            self.state = CALL_DONE
        elif self.state != CALL_DONE and not cw_is_finalizing():
            import warnings
            warnings.warn(f"call_async {self!r} was destroyed unfinished: its call was cancelled",
                          ResourceWarning, stacklevel=1)
            self._cancel()

    cdef void _discard(self) noexcept:
        """For the __dealloc__ of each subclass (while its fields are intact: they are
        cleared before the base class's __dealloc__ runs)."""
        cdef wasmtime_call_future_t* fut = self.fut
        if fut != NULL:  # the finalizer could not run (interpreter shutdown)
            self.fut = NULL
            if self.host is not None:
                self.host.call = NULL
            cw_wasmtime_call_future_delete(fut)
        self._free_buffers()
        if self.trap != NULL or self.error != NULL:
            call_failure(<uintptr_t>self.error, <uintptr_t>self.trap)  # frees them
            self.trap = NULL
            self.error = NULL

    def __repr__(self):
        return f"<call_async {('new', 'queued', 'running', 'done')[<int>self.state]}>"

    # ---- driving
    cdef int _check_thread(self) except -1:
        if self.thread != 0 and self.thread != PyThread_get_thread_ident():
            raise WasmtimeError("a call_async must be driven by the thread (event loop) that "
                                "started it")
        return 0

    cdef object _step(self, object exc):
        """One step: returns what to yield to the Task (an asyncio Future, None for a bare
        yield) or _RETURNED; raises the call's exception (or ``exc``, thrown in)."""
        cdef Store s = self.store
        self._check_thread()
        if self.polling:
            raise RuntimeError("a call_async cannot be awaited from inside its own call")
        if self.state == CALL_RUNNING:
            if exc is not None:
                if self.host is None or isinstance(exc, GeneratorExit):
                    self._cancel()
                    raise exc
                self.host.pending_throw = exc
            return self._drive()
        if exc is not None:
            self._cancel()
            raise exc
        if self.state == CALL_NEW:
            self.thread = PyThread_get_thread_ident()
            if self._acquire():
                return self.waiter
        elif self.state == CALL_QUEUED:
            waiter, self.waiter = self.waiter, None
            if waiter is not None and not waiter.done():  # a stray wake-up
                self.waiter = waiter
                return waiter
        else:
            raise RuntimeError("cannot reuse an already awaited call_async")
        if s._ctx == NULL:  # cannot happen while it holds the Store; checked anyway
            self._cancel()
            raise ValueError("already closed")
        self.state = CALL_RUNNING
        if not self.nested:
            s._owner = PyThread_get_thread_ident()
        try:
            for owner in self.lent:
                owner.ptr()
                owner.__dict__.setdefault("_lenders", []).append(None)
            self.fut = self._start()
        except BaseException:
            self._cancel()
            raise
        return self._drive()

    cdef bint _acquire(self) except -1:
        """Take the Store, or queue behind the call holding it (returns True)."""
        cdef Store s = self.store
        cdef _AsyncState st
        cdef PyObject* p = cw_polling
        cdef unsigned long me = PyThread_get_thread_ident()
        if s._ctx == NULL:
            self.state = CALL_DONE
            raise ValueError("already closed")
        while p != NULL:  # inside one of the Store's own polls: a host calling back in
            if (<_CallFuture>p).store is s:
                self.nested = True
                return False
            p = (<_CallFuture>p).outer
        if s._depth != 0 and s._owner != 0:
            self.state = CALL_DONE
            if s._owner == me:
                raise WasmtimeError("cannot start a call_async on a Store from inside a "
                                    "synchronous call into it")
            return _store_unusable(s)
        st = _async_state(s)
        if st.active == NULL:
            self._hold(st)
            return False
        import asyncio
        self.waiter = asyncio.get_running_loop().create_future()
        self.waiter._asyncio_future_blocking = True
        st.queue.append(PyWeakref_NewRef(self, None))
        self.state = CALL_QUEUED
        return True

    cdef void _hold(self, _AsyncState st) noexcept:
        # While it holds the Store, other code finds it busy (_owner 0 matches no
        # thread) except inside its polls, and close() refuses (_depth).
        st.active = <PyObject*>self
        self.holds = True
        self.store._depth += 1
        self.store._owner = 0

    cdef void _release(self) noexcept:
        """Give up the Store: to the first call still queued, if any."""
        cdef _AsyncState st
        cdef _CallFuture nxt
        cdef Store s = self.store
        if self.holds:
            self.holds = False
            s._depth -= 1
            st = <_AsyncState>s._async
            st.active = NULL
            while st.queue:
                nxt = st.queue.popleft()()
                if nxt is not None and nxt.state == CALL_QUEUED and nxt.waiter is not None and not nxt.waiter.done():
                    nxt._hold(st)
                    try:
                        nxt.waiter.set_result(None)
                    except BaseException:
                        pass
                    break
        elif self.state == CALL_QUEUED and s._async is not None:
            st = <_AsyncState>s._async
            for ref in list(st.queue):
                if ref() is self or ref() is None:
                    st.queue.remove(ref)

    cdef object _drive(self):
        global cw_polling
        cdef bint done
        cdef Store s = self.store
        cdef bint backoff = not self.nested and (<_AsyncState>s._async).backoff
        started = _monotonic_ns() if backoff else 0
        self.outer = cw_polling
        cw_polling = <PyObject*>self
        self.polling = True
        if not self.nested:
            s._owner = PyThread_get_thread_ident()
        with nogil:
            done = cw_wasmtime_call_future_poll(self.fut)
        self.polling = False
        cw_polling = self.outer
        self.outer = NULL
        if done:
            self._delete_future()
            self.state = CALL_DONE
            self._release()
            if _dropped:
                _release_dropped()
            self.value = self._outcome()
            return _RETURNED
        if self.abort:
            exc, self.host_exc = self.host_exc, None
            self._cancel()
            raise exc
        if not self.nested:
            s._owner = 0
        yielded, self.yielded = self.yielded, None
        if backoff and yielded is None and self.host is None:
            return self._idle_wait(started)
        return yielded

    cdef object _idle_wait(self, started):
        """Where Wasmtime waits on tasks of its own (WASI p2's I/O), nothing says when to
        poll again: re-poll at once, but after IDLE_SPINS quick pending polls in a row,
        on a 1 ms timer. (Only for such Stores: a short epoch or fuel slice looks the
        same, and would be slowed down ~100 times.)"""
        if _monotonic_ns() - started >= IDLE_NS:
            self.idle = 0
            return None
        self.idle += 1
        if self.idle <= IDLE_SPINS:
            return None
        import asyncio
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        loop.call_later(0.001, _wake, waiter)
        waiter._asyncio_future_blocking = True
        return waiter

    cdef object _outcome(self):
        cdef wasmtime_error_t* error = self.error
        cdef wasm_trap_t* trap = self.trap
        self.error = NULL
        self.trap = NULL
        if error != NULL or trap != NULL:
            try:
                failure = _failure(self.store, error, trap)
                if error != NULL and type(failure) is WasmtimeError and lib.wasmtime_context_has_exception(
                        self.store._ctx_c):
                    # An uncaught wasm exception: a Trap, as the sync call reports it.
                    failure = _py("_trap").Trap(str(failure))
                raise failure
            finally:
                self._free_buffers()
        try:
            return self._finish()
        finally:
            self._free_buffers()

    cdef void _delete_future(self) noexcept:
        cdef wasmtime_call_future_t* fut = self.fut
        if fut != NULL:
            self.fut = NULL
            # Deleting an unfinished future unwinds its guest, and drops (finalizes)
            # the suspended host coroutine's continuation: Python code may run.
            with nogil:
                cw_wasmtime_call_future_delete(fut)
        for owner in self.lent:
            try:
                owner.__dict__["_lenders"].pop()
            except (KeyError, IndexError):
                pass
        self.lent = []

    cdef void _cancel(self) noexcept:
        cdef _CallState state = self.state
        if state == CALL_DONE:
            return
        if state == CALL_RUNNING:
            self._delete_future()
            self._free_buffers()
        if self.waiter is not None:
            self.waiter.cancel()
            self.waiter = None
        self._release()
        self.state = CALL_DONE
        self.yielded = None


cdef enum:
    IDLE_NS = 50000     # a pending poll quicker than this did no work
    IDLE_SPINS = 16


def _wake(waiter):
    if not waiter.done():
        waiter.set_result(None)


cdef object _monotonic_ns():
    from time import perf_counter_ns
    return perf_counter_ns()


cdef PyObject* _raw_step(PyObject* obj, int* done) except NULL:
    cdef _CallFuture self = <_CallFuture>obj
    result = self._step(None)
    if result is _RETURNED:
        done[0] = 1
        result, self.value = self.value, None
    Py_INCREF(result)
    return <PyObject*>result


cw_patch_awaitable(_CallFuture, _raw_step)


# ------------------------------------------------------------------ core calls

cdef enum:
    ASYNC_INLINE_VALS = 4


cdef class _FuncCall(_CallFuture):
    """``func.call_async(store, *params)``: arguments are converted when the call
    starts (the Store is only usable then), with the rules of ``Func.__call__``."""
    cdef Func func
    cdef tuple params
    cdef _Signature sig
    cdef wasmtime_val_t inline_args[ASYNC_INLINE_VALS]
    cdef wasmtime_val_t inline_results[ASYNC_INLINE_VALS]
    cdef wasmtime_val_t* args
    cdef wasmtime_val_t* results
    cdef Py_ssize_t rooted_args    # args[:rooted_args] were lowered (unroot them)
    cdef Py_ssize_t rooted_results # results[:rooted_results] are filled (unroot them)

    cdef wasmtime_call_future_t* _start(self) except NULL:
        cdef Store s = self.store
        cdef _Signature sig = self.func._signature(s)
        cdef tuple params = self.params
        cdef Py_ssize_t i, n = len(params)
        self.params = None
        self.sig = sig
        if n > sig.nparams:
            raise WasmtimeError("too many parameters provided: given %s, expected %s" % (n, sig.nparams))
        if n < sig.nparams:
            raise WasmtimeError("too few parameters provided: given %s, expected %s" % (n, sig.nparams))
        self.args = self.inline_args
        self.results = self.inline_results
        if sig.nparams > ASYNC_INLINE_VALS:
            self.args = <wasmtime_val_t*>malloc(sig.nparams * sizeof(wasmtime_val_t))
        if sig.nresults > ASYNC_INLINE_VALS:
            self.results = <wasmtime_val_t*>malloc(sig.nresults * sizeof(wasmtime_val_t))
        if self.args == NULL or self.results == NULL:
            raise MemoryError()
        for i in range(n):
            _val_lower(s, _wasmtime_kind_of(sig.kinds[i]), params[i], &self.args[i])
            self.rooted_args = i + 1
        if s._ctx == NULL:  # converting may run code; the Store it holds stays open
            raise ValueError("already closed")
        self.rooted_results = sig.nresults  # written at completion, or never (then zeros)
        memset(self.results, 0, sig.nresults * sizeof(wasmtime_val_t))
        return cw_wasmtime_func_call_async(s._ctx, &self.func._func, self.args, n, self.results,
                                           sig.nresults, &self.trap, &self.error)

    cdef object _finish(self):
        cdef Store s = self.store
        cdef _Signature sig = self.sig
        cdef Py_ssize_t i
        if sig.nresults == 0:
            return None
        if sig.nresults == 1:
            return _val_value(s, &self.results[0])
        return [_val_value(s, &self.results[i]) for i in range(sig.nresults)]

    def __dealloc__(self):
        self._discard()

    cdef void _free_buffers(self) noexcept:
        cdef Py_ssize_t i
        for i in range(self.rooted_args):
            cw_wasmtime_val_unroot(&self.args[i])
        self.rooted_args = 0
        for i in range(self.rooted_results):
            cw_wasmtime_val_unroot(&self.results[i])
        self.rooted_results = 0
        if self.args != self.inline_args:
            free(self.args)
        if self.results != self.inline_results:
            free(self.results)
        self.args = self.inline_args
        self.results = self.inline_results


cdef object _func_call_async(Func func, object storelike, tuple params):
    cdef Store s = _async_store_of(storelike)
    _same_store(func._store, s)
    _first_async_use()
    cdef _FuncCall call = _FuncCall.__new__(_FuncCall, _INTERNAL)
    call.store = s
    call.func = func
    call.params = params
    call.lent = []
    call.args = call.inline_args
    call.results = call.inline_results
    return call


cdef class _InstantiateCall(_CallFuture):
    """``instantiate_async`` through a Linker or an InstancePre; its value is
    ``wrap((store_id, index))``."""
    cdef void* linker
    cdef void* module
    cdef void* instance_pre
    cdef object wrap
    cdef wasmtime_instance_t out

    cdef wasmtime_call_future_t* _start(self) except NULL:
        cdef Store s = self.store
        if self.instance_pre != NULL:
            return cw_wasmtime_instance_pre_instantiate_async(
                <wasmtime_instance_pre_t*>self.instance_pre, s._ctx, &self.out, &self.trap, &self.error)
        return cw_wasmtime_linker_instantiate_async(
            <wasmtime_linker_t*>self.linker, s._ctx, <wasmtime_module_t*>self.module, &self.out,
            &self.trap, &self.error)

    def __dealloc__(self):
        self._discard()

    cdef object _finish(self):
        cdef Store s = self.store
        if s._id is None:
            s._id = self.out.store_id
        return self.wrap((self.out.store_id, self.out.index))


def instantiate_async(Store store, linker, module, instance_pre, list hosts, wrap):
    """An awaitable instantiation in ``store`` of ``module`` through ``linker`` (Linker
    and Module objects), or of ``instance_pre`` (an InstancePre): its value is
    ``wrap((store_id, index))``. ``hosts`` are the linker's host envs (the Store keeps
    them, as for sync instantiation)."""
    _first_async_use()
    cdef _InstantiateCall call = _InstantiateCall.__new__(_InstantiateCall, _INTERNAL)
    call.store = store
    call.wrap = wrap
    if instance_pre is not None:
        call.instance_pre = <void*>_address(instance_pre.ptr())
        call.lent = [instance_pre]
    else:
        call.linker = <void*>_address(linker.ptr())
        call.module = <void*>_address(module.ptr())
        call.lent = [linker, module]
    store._linked[id(hosts)] = hosts
    return call


# ------------------------------------------------------------ async host functions

cdef class _AsyncHostFunc(_LiveObject):
    """An async host function's definition (the env of its C definition, borrowed:
    the Linker and the Stores that instantiated from it keep it)."""
    cdef object fn
    cdef _Signature sig
    cdef bint access_caller


cdef class _HostCall(_LiveObject):
    """One run of an async host function: its coroutine and where its results go (the
    env of its continuation, owned by Wasmtime until the continuation is dropped)."""
    cdef object coro
    cdef PyObject* call           # the _CallFuture whose poll runs it (borrowed: that
                                  # call owns the C future, which owns this)
    cdef Store store
    cdef _Signature sig
    cdef wasmtime_val_t* results
    cdef wasm_trap_t** trap_ret
    cdef object pending_throw     # thrown into the coroutine at its next step
    cdef Caller caller            # valid until the coroutine finishes

    cdef void finished(self) noexcept:
        if self.caller is not None:
            self.caller._caller = NULL
            self.caller = None
        if self.call != NULL and (<_CallFuture>self.call).host is self:
            (<_CallFuture>self.call).host = None

    cdef int write_results(self, object value) except -1:
        cdef _Signature sig = self.sig
        cdef Py_ssize_t i
        if sig.nresults == 0:
            if value is not None:
                raise WasmtimeError("callback produced results when it shouldn't")
            return 0
        if sig.nresults == 1:
            _val_lower(self.store, _wasmtime_kind_of(sig.kinds[sig.nparams]), value, &self.results[0])
            return 0
        values = tuple(value)
        if len(values) != sig.nresults:
            raise WasmtimeError("callback produced wrong number of results")
        for i in range(sig.nresults):  # Wasmtime unroots what is written here
            _val_lower(self.store, _wasmtime_kind_of(sig.kinds[sig.nparams + i]), values[i], &self.results[i])
        return 0


cdef object _awaitable_iter(object awaitable):
    """What to step for the value an async host function returned."""
    if PyCoro_CheckExact(awaitable):
        return awaitable
    await_ = getattr(type(awaitable), "__await__", None)
    if await_ is None:
        raise TypeError(f"an async host function must return an awaitable (define it with "
                        f"`async def`), not {type(awaitable).__name__}")
    return await_(awaitable)


cdef cw_bool _continuation_ready(void* env) noexcept nogil:
    return True


cdef void _async_trampoline(void* env, wasmtime_caller_t* caller, const wasmtime_val_t* args,
                            size_t nargs, wasmtime_val_t* results, size_t nresults,
                            wasm_trap_t** trap_ret,
                            wasmtime_async_continuation_t* cont) noexcept with gil:
    # A valid continuation first: Wasmtime's default one aborts the process.
    cont.callback = _continuation_ready
    cont.env = NULL
    cont.finalizer = NULL
    cdef _AsyncHostFunc host = <_AsyncHostFunc>env
    cdef Store store = <Store>cw_wasmtime_context_get_data(cw_wasmtime_caller_context(caller))
    cdef _HostCall hc = _HostCall.__new__(_HostCall)
    cdef Caller c
    cdef size_t i
    try:
        if cw_polling == NULL:
            raise WasmtimeError("an async host function can only run inside call_async")
        hc.call = cw_polling
        hc.store = store
        hc.sig = host.sig
        hc.results = results
        hc.trap_ret = trap_ret
        params = []
        if host.access_caller:
            c = Caller.__new__(Caller)
            c._caller = caller
            c._store = store
            hc.caller = c
            params.append(c)
        for i in range(nargs):
            params.append(_val_value(store, <wasmtime_val_t*>&args[i]))
        hc.coro = _awaitable_iter(host.fn(*params))
    except BaseException as exc:
        hc.finished()
        store._pending = exc
        trap_ret[0] = cw_wasmtime_trap_new("python exception", 16)
        return
    Py_INCREF(hc)
    cont.callback = _continuation
    cont.env = <void*>hc
    cont.finalizer = _release_hostcall


cdef PySendResult _step_coroutine(object coro, object exc, PyObject** result) except PYGEN_ERROR:
    """PyIter_Send, or a throw: PYGEN_NEXT/PYGEN_RETURN with ``result`` (a new reference)."""
    cdef PySendResult st
    if exc is None:
        st = PyIter_Send(coro, None, result)
        if st == PYGEN_ERROR:
            cw_reraise()
        return st
    try:
        value = coro.throw(exc)
    except StopIteration as stop:
        value = stop.value
        Py_INCREF(value)
        result[0] = <PyObject*>value
        return PYGEN_RETURN
    Py_INCREF(value)
    result[0] = <PyObject*>value
    return PYGEN_NEXT


cdef cw_bool _continuation(void* env) noexcept with gil:
    """Called by each poll of the call while the host function is pending: one step of
    its coroutine. True once it finished (results written, or a trap set)."""
    cdef _HostCall hc = <_HostCall>env
    cdef _CallFuture call = <_CallFuture>hc.call
    cdef PyObject* res = NULL
    cdef PySendResult st
    try:
        exc, hc.pending_throw = hc.pending_throw, None
        st = _step_coroutine(hc.coro, exc, &res)
        value = <object>res
        Py_XDECREF(res)  # `value` holds it now
        if st == PYGEN_NEXT:
            call.host = hc
            call.yielded = value
            return False
        hc.finished()
        hc.write_results(value)
        return True
    except BaseException as exc:
        hc.finished()
        hc.store._pending = exc
        hc.trap_ret[0] = cw_wasmtime_trap_new("python exception", 16)
        return True


cdef void _release_hostcall(void* env) noexcept with gil:
    """The continuation is dropped (finished, or its call deleted): close an unfinished
    coroutine (its ``finally`` blocks run now) and release it."""
    cdef _HostCall hc = <_HostCall>env
    hc.finished()
    coro, hc.coro = hc.coro, None
    try:
        close = getattr(coro, "close", None)
        if close is not None:
            close()
    except BaseException as exc:
        import sys, types
        sys.unraisablehook(types.SimpleNamespace(
            exc_type=type(exc), exc_value=exc, exc_traceback=exc.__traceback__, object=coro,
            err_msg="Exception ignored while closing an async host function's coroutine"))
    Py_XDECREF(<PyObject*>hc)


def linker_define_func_async(linker, bytes module, bytes name, ty, func, bint access_caller, list hosts):
    """As ``linker_define_func``, for an async host function (``func`` returns an
    awaitable, a coroutine usually) through ``wasmtime_linker_define_async_func``."""
    if not callable(func):
        raise TypeError("expected a callable host function")
    cdef _AsyncHostFunc host = _AsyncHostFunc.__new__(_AsyncHostFunc)
    host.fn = func
    host.sig = _Signature.of(<wasm_functype_t*>_address(ty))
    host.access_caller = access_caller
    hosts.append(host)
    return lib.wasmtime_linker_define_async_func(
        linker, module, len(module), name, len(name), ty,
        ffi.cast("wasmtime_func_async_callback_t", <uintptr_t>_async_trampoline),
        ffi.cast("void *", <uintptr_t><void*>host), ffi.NULL)


# ------------------------------------------------------------------ Store settings

def mark_async(Store store):
    """From now on ``store`` runs wasm through call_async only (see _needs_async)."""
    store._async_required = True


cdef int _epoch_async_yield(Store store, delta) except -1:
    delta = PyNumber_Index(delta)
    if not store.engine._epoch_interruption:
        raise WasmtimeError("epoch_deadline_async_yield_and_update needs an Engine with "
                            "Config.epoch_interruption = True")
    store.set_epoch_deadline(delta)
    store._call(lib.wasmtime_context_epoch_deadline_async_yield_and_update, delta)
    store._async_required = True
    return 0


cdef int _fuel_async_yield(Store store, interval) except -1:
    interval = 0 if interval is None else PyNumber_Index(interval)
    _check_error(store._call(lib.wasmtime_context_fuel_async_yield_interval, interval))
    store._async_required = True
    return 0


def store_of_async(storelike):
    """The open Store behind ``storelike`` for an async call: one held by another
    call_async is fine (the new call queues behind it)."""
    return _async_store_of(storelike)
