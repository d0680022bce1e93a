# The cdef classes of cwasmtime._native, declared once: their fields and C methods.
# Each class is implemented in the .pxi file named after its concept (see _native.pyx).
from cpython.object cimport PyObject
from cpython.pythread cimport PyThread_get_thread_ident
from libc.stdint cimport uint8_t

from ._cdecl cimport *


# The kinds of a call's raw slots are wasm.h's wasm_valkind_t (WASM_I32 ... WASM_FUNCREF,
# from the header). wasm.h has no v128 kind (wasm_valtype_kind aborts on v128), so a v128
# slot is marked WASMTIME_V128, a number no wasm_valkind_t uses.

# Calls with at most this many raw slots (max(params, results)) use a stack buffer.
cdef enum:
    STACK_SLOTS = 16


# ------------------------------------------------------------------ _store.pxi

# The base of every class here whose objects hold live native state: they refuse
# copy.copy, copy.deepcopy and pickle (see cmabi._errors.refuse_copy).
cdef class _LiveObject:
    pass


cdef class Store(_LiveObject):
    cdef wasmtime_store_t* _store
    cdef wasmtime_context_t* _ctx
    cdef object _store_c
    cdef object _ctx_c
    cdef readonly object engine
    cdef object _data
    cdef object _pending          # a host function's exception, re-raised by the call
    cdef unsigned long _owner     # the thread running wasm in it (while _depth > 0)
    cdef Py_ssize_t _depth        # nested calls into wasm now running
    cdef readonly bint _has_wasi
    cdef readonly bint _has_wasi_http
    cdef bint _custom_output      # WASI custom stdout/stderr: called from Wasmtime's threads
    cdef size_t _stack_need       # stack a thread needs to run its wasm (see _enter_wasm)
    cdef cw_interrupt_t* _interrupt  # how SIGINT stops its wasm (NULL: no epoch interruption)
    cdef Py_ssize_t _views        # buffers exported by Memory.view, not yet released
    # Where a host function parks this thread's state, releasing the GIL, when the
    # innermost call into wasm kept the GIL and another thread appeared (see _invoke).
    cdef PyThreadState** _gil_park
    cdef public object _id        # Wasmtime's store id, once learned (see _instance.store_id)
    # What the C store calls into, which only this Store keeps alive (the C side
    # borrows it), so the GC sees every reference back to the Store from there:
    cdef list _hosts              # its own host functions' envs, WASI custom outputs
    cdef dict _linked             # host envs of the linkers it instantiated from (by id)
    cdef bint _async_required     # may reach async host code or yield: only call_async runs wasm
    cdef object _async            # its _AsyncState once call_async was used (see _async.pxi)
    cdef object __weakref__

    cdef void _free(self) noexcept

    # Every use of the Store and its objects starts here (inline: it is on every call).
    cdef inline int _check(self) except -1:
        if self._ctx == NULL or (self._depth != 0 and self._owner != PyThread_get_thread_ident()):
            return _store_unusable(self)
        return 0


cdef int _store_unusable(Store store) except -1


# The GIL while wasm runs: released only if another thread could take it (see _invoke).
cdef extern from "Python.h":
    ctypedef struct PyThreadState
    ctypedef enum PyGILState_STATE:
        PyGILState_LOCKED
        PyGILState_UNLOCKED
    PyGILState_STATE PyGILState_Ensure() nogil
    void PyGILState_Release(PyGILState_STATE state) nogil
    PyThreadState* PyEval_SaveThread() nogil
    void PyEval_RestoreThread(PyThreadState* tstate) nogil


cdef extern from *:
    """
    /* Whether any other thread state exists, in any interpreter: a thread that runs,
       or may want to run, Python code. Without one, releasing the GIL is pure cost. */
    static int cw_other_threads(void) {
        PyInterpreterState *interp = PyInterpreterState_Head();
        PyThreadState *first = PyInterpreterState_ThreadHead(interp);
        return PyInterpreterState_Next(interp) != NULL || first == NULL
            || PyThreadState_Next(first) != NULL;
    }
    """
    bint cw_other_threads() nogil


cdef extern from *:
    """
    #include <pthread.h>
    /* Bytes of stack left below here on this thread; SIZE_MAX where unknown. */
    static size_t cw_stack_left(void) {
    #if defined(__linux__)
        /* this thread's lowest stack address, once known (initial-exec: one load) */
        static __thread uintptr_t low __attribute__((tls_model("initial-exec")));
        char here;
        if (low == 0) {
            pthread_attr_t attr;
            void *addr = NULL;
            size_t size = 0;
            low = UINTPTR_MAX;
            if (pthread_getattr_np(pthread_self(), &attr) == 0) {
                if (pthread_attr_getstack(&attr, &addr, &size) == 0 && addr != NULL)
                    low = (uintptr_t)addr;
                pthread_attr_destroy(&attr);
            }
        }
        return low == UINTPTR_MAX || (uintptr_t)&here < low ? SIZE_MAX : (uintptr_t)&here - low;
    #else
        return SIZE_MAX;
    #endif
    }
    """
    size_t cw_stack_left() nogil


# SIGINT while the main thread runs wasm (see _sigint.py): a handler chained before
# Python's own advances the epoch of the Store running there, so that its deadline
# passes and the guest traps at its next epoch check (if its engine has epoch
# interruption); Python's handler then raises KeyboardInterrupt as usual.
cdef extern from *:
    """
    #include <errno.h>
    #include <signal.h>
    #include <stdatomic.h>
    typedef struct {
        wasm_engine_t *engine;    /* a clone of the Store's engine, freed with the Store */
        _Atomic uint64_t ticks;   /* its last set_epoch_deadline, at least 1 */
    } cw_interrupt_t;

    #define CW_MAX_SIGINT_TICKS (1u << 20)  /* ~ms of increments: a signal handler's budget */
    static cw_interrupt_t *_Atomic cw_sigint_target;  /* the main thread's Store, in wasm */
    static atomic_int cw_sigint_handlers;             /* handlers using the target now */
    static unsigned long cw_main_thread;

    #if defined(SA_SIGINFO)
    static struct sigaction cw_previous_sigint;
    static void cw_on_sigint(int sig, siginfo_t *info, void *context) {
        int saved_errno = errno;
        atomic_fetch_add(&cw_sigint_handlers, 1);
        cw_interrupt_t *target = atomic_load(&cw_sigint_target);
        if (target != NULL) {
            uint64_t ticks = atomic_load(&target->ticks);
            for (uint64_t i = 0; i < ticks && i < CW_MAX_SIGINT_TICKS; i++)
                cw_wasmtime_engine_increment_epoch(target->engine);
        }
        atomic_fetch_sub(&cw_sigint_handlers, 1);
        errno = saved_errno;
        if (cw_previous_sigint.sa_flags & SA_SIGINFO)
            cw_previous_sigint.sa_sigaction(sig, info, context);
        else if (cw_previous_sigint.sa_handler != SIG_DFL && cw_previous_sigint.sa_handler != SIG_IGN)
            cw_previous_sigint.sa_handler(sig);
    }
    /* Chain cw_on_sigint before the SIGINT handler installed now, unless it is there
       already or nothing handles SIGINT (default action, or ignored). */
    static int cw_hook_sigint(void) {
        struct sigaction current, ours;
        if (sigaction(SIGINT, NULL, &current) != 0)
            return -1;
        if (current.sa_flags & SA_SIGINFO) {
            if (current.sa_sigaction == cw_on_sigint)
                return 0;
        } else if (current.sa_handler == SIG_DFL || current.sa_handler == SIG_IGN) {
            return 0;
        }
        cw_previous_sigint = current;
        ours = current;
        ours.sa_sigaction = cw_on_sigint;
        ours.sa_flags = current.sa_flags | SA_SIGINFO;
        return sigaction(SIGINT, &ours, NULL);
    }
    #else
    static int cw_hook_sigint(void) { return 0; }
    #endif

    /* Publish or withdraw the main thread's target, on every outermost call into wasm:
       a release store (a plain mov on x86, where a sequentially consistent one is an
       xchg, a full barrier, twice per call). A handler that sees a target sees its
       fields; cw_interrupt_free's fence orders a withdrawal before its wait. */
    static inline void cw_set_sigint_target(cw_interrupt_t *target) {
        atomic_store_explicit(&cw_sigint_target, target, memory_order_release);
    }
    static inline cw_interrupt_t *cw_get_sigint_target(void) {
        return atomic_load_explicit(&cw_sigint_target, memory_order_relaxed);
    }

    /* Free a Store's target once no signal handler can be using it. The fence pairs
       with the handler's increment (Dekker): a handler that could still load this
       target has counted itself by the time the count is read. */
    static void cw_interrupt_free(cw_interrupt_t *interrupt) {
        atomic_thread_fence(memory_order_seq_cst);
        while (atomic_load(&cw_sigint_handlers) != 0)
            ;
        cw_wasm_engine_delete(interrupt->engine);
        free(interrupt);
    }
    """
    ctypedef struct cw_interrupt_t:
        wasm_engine_t* engine
        uint64_t ticks
    void cw_set_sigint_target(cw_interrupt_t* target) nogil
    cw_interrupt_t* cw_get_sigint_target() nogil
    unsigned long cw_main_thread
    int cw_hook_sigint() nogil
    void cw_interrupt_free(cw_interrupt_t* interrupt) nogil


# Stack a thread needs beyond the engine's max_wasm_stack: for the host functions wasm
# calls at its deepest (their Python frames run below wasm's, on the same stack).
cdef enum:
    HOST_STACK_MARGIN = 64 * 1024


cdef int _stack_too_small(Store store) except -1
cdef int _needs_async(Store store) except -1


cdef inline int _enter_wasm(Store store) except -1:
    """Mark ``store`` running wasm on this thread (``_leave_wasm`` after). Wasmtime
    takes the stack wasm may use (max_wasm_stack) below where the outermost call
    starts: a thread with less (threading.stack_size) would overflow it, a crash,
    where wasm would otherwise trap. On the main thread, SIGINT now stops it."""
    cdef unsigned long thread = PyThread_get_thread_ident()
    if store._async_required:  # Wasmtime would abort where wasm reaches async host code
        return _needs_async(store)
    if store._depth == 0:
        if cw_stack_left() < store._stack_need:
            return _stack_too_small(store)
        if thread == cw_main_thread and store._interrupt != NULL and cw_get_sigint_target() == NULL:
            cw_set_sigint_target(store._interrupt)
    store._owner = thread
    store._depth += 1
    return 0


cdef inline void _leave_wasm(Store store) noexcept:
    store._depth -= 1
    if store._depth == 0 and store._interrupt != NULL and cw_get_sigint_target() == store._interrupt:
        cw_set_sigint_target(NULL)


cdef class _RunningWasm(_LiveObject):
    cdef Store _store
    cdef bint _runs_wasm


cdef class StoreContext(_LiveObject):
    cdef Store _store

    cdef Store _live_store(self)


# ----------------------------------------------------------------- _values.pxi

cdef class Val:
    cdef uint8_t _wasm_kind
    cdef object _val

    @staticmethod
    cdef Val _new(uint8_t wasm_kind, object val)


# ------------------------------------------------------------------- _func.pxi

cdef class _Signature(_LiveObject):
    cdef Py_ssize_t nparams
    cdef Py_ssize_t nresults
    cdef Py_ssize_t nslots
    cdef bint has_externref
    cdef bint param_refs          # an externref or funcref among the params
    cdef uint8_t* kinds           # params, then results

    @staticmethod
    cdef _Signature of(wasm_functype_t* ty)


# PEP 590: a call entry taking its arguments from the caller's C array (see _func.pxi).
cdef extern from "Python.h":
    ctypedef object (*vectorcallfunc)(object callable, PyObject* const* args, size_t nargsf,
                                      PyObject* kwnames)


cdef class Func(_LiveObject):
    cdef vectorcallfunc _vectorcall   # its call entry (NULL: the tuple path, tp_call)
    cdef wasmtime_func_t _func
    cdef Store _store
    cdef _Signature _sig
    cdef object __weakref__

    @staticmethod
    cdef Func _wrap(Store store, wasmtime_func_t* func)
    cdef _Signature _signature(self, Store store)


cdef class TypedFunc(_LiveObject):
    cdef vectorcallfunc _vectorcall   # as Func's
    cdef Func _func
    cdef Store _store
    cdef _Signature _sig
    cdef bint _release_gil


# ------------------------------------------------------------------- _host.pxi

cdef class _HostFunc(_LiveObject):
    cdef object fn
    cdef _Signature sig
    cdef bint access_caller


cdef class Caller(_LiveObject):
    cdef wasmtime_caller_t* _caller   # NULL once its host call returned
    cdef Store _store

    cdef Store _live_store(self)


# ----------------------------------------------------------------- _memory.pxi

cdef class Memory(_LiveObject):
    cdef wasmtime_memory_t _mem
    cdef Store _store
    cdef object __weakref__

    @staticmethod
    cdef Memory _wrap(Store store, wasmtime_memory_t* handle)
    cdef Store _use(self, storelike)
    cdef _mem_c(self)


cdef class _MemoryBuffer(_LiveObject):
    cdef Store _store
    cdef char* _base
    cdef Py_ssize_t _len
    cdef Py_ssize_t _itemsize


# ---------------------------------------------------------------- _externs.pxi

cdef class Global(_LiveObject):
    cdef wasmtime_global_t _global
    cdef Store _store
    cdef int _kind                # wasmtime_valkind_t of the content; -1 until read
    cdef object __weakref__

    @staticmethod
    cdef Global _wrap(Store store, wasmtime_global_t* handle)
    cdef int _content_kind(self, Store s) except -1


cdef class Table(_LiveObject):
    cdef wasmtime_table_t _table
    cdef Store _store
    cdef int _kind                # wasmtime_valkind_t of the elements; -1 until read
    cdef object __weakref__

    @staticmethod
    cdef Table _wrap(Store store, wasmtime_table_t* handle)
    cdef int _element_kind(self, Store s) except -1


cdef class Tag(_LiveObject):
    cdef wasmtime_tag_t _tag
    cdef Store _store
    cdef object __weakref__

    @staticmethod
    cdef Tag _wrap(Store store, wasmtime_tag_t* handle)


# -------------------------------------------------------- _component_values.pxi

cdef class _Conv(_LiveObject):
    cdef int kind                 # wasmtime_component_valtype_kind_t
    cdef uint8_t vkind            # wasmtime_component_valkind_t of its values
    cdef object ty                # the reflection type
    cdef str what                 # its class name, for messages
    cdef _Conv a, b               # list element, option payload, result ok/err, map key/value
    cdef tuple names              # record fields, variant cases, enum/flags names (str)
    cdef tuple convs              # record/tuple/variant: per field/element/case (None: no payload)
    cdef tuple classes            # untagged variant-likes: per case its classes (None: no payload)
    cdef dict index               # variant/enum/flags: name -> position
    cdef bint tagged
    cdef object resource_classes


cdef class _Builder(_LiveObject):
    cdef Store store
    cdef bint owned               # C API allocations (Wasmtime or val_delete frees them)
    cdef bint busy                # the arena holds a call's arguments right now
    cdef char* block              # the arena: one block kept between calls...
    cdef size_t cap, used
    cdef list extra               # ...plus blocks added during a call (addresses)
    cdef size_t extra_bytes
    cdef list keep                # objects whose buffers the tree points into
    cdef list handles             # resource_any pointers to delete after the call

    cdef void _free_extra(self) noexcept
    cdef void* alloc(self, size_t nbytes) except NULL
    cdef int reset(self) except -1
    cdef int keep_alive(self, object o) except -1
    cdef int own_handle(self, wasmtime_component_resource_any_t* handle) except -1


# --------------------------------------------------------- _component_calls.pxi

cdef class _ComponentPlan(_LiveObject):
    cdef tuple params
    cdef _Conv result


cdef class ComponentFunc(_LiveObject):
    cdef wasmtime_component_func_t _func
    cdef Store _store
    cdef _ComponentPlan _plan
    cdef _Builder _args           # the arena its arguments are built in

    cdef Store _checked(self, object storelike)


cdef class _ComponentHost(_LiveObject):
    cdef object fn
    cdef _ComponentPlan plan
    cdef wasmtime_component_valtype_t* types   # params, then the result (if any)
    cdef size_t ntypes
    cdef size_t nparams

    cdef void _forget_types(self) noexcept
    cdef _ComponentPlan plan_for(self, const wasmtime_component_func_type_t* ty)


# ---------------------------------------------------------------- _floors.pxi

cdef class _ComponentFloor(_LiveObject):
    cdef ComponentFunc func
    cdef Store store
    cdef _Builder args
    cdef wasmtime_component_val_t* params
    cdef size_t nparams, nresults
