# Calls into Python from Wasmtime's own threads (WASI custom stdout/stderr: a guest's
# writes, and the finalizer of the callback), and interpreter exit.
#
# Once the interpreter finalizes, a thread that takes the GIL is ended by CPython with
# pthread_exit, and unwinding Wasmtime's frames aborts the process ("panic in a
# function that cannot unwind"). So at exit (atexit, before finalization) these
# trampolines stop calling into Python, and exit waits for the calls in progress; a
# guest's output after that is dropped.

cdef extern from *:
    """
    #include <stdatomic.h>
    static atomic_int cw_python_exiting = 0;
    static atomic_long cw_calls_in_python = 0;  /* from Wasmtime's threads, now */

    /* Whether a foreign thread may call into Python (then cw_leave_python() after). */
    static int cw_enter_python(void) {
        atomic_fetch_add(&cw_calls_in_python, 1);
        if (atomic_load(&cw_python_exiting)) {
            atomic_fetch_sub(&cw_calls_in_python, 1);
            return 0;
        }
        return 1;
    }
    static void cw_leave_python(void) { atomic_fetch_sub(&cw_calls_in_python, 1); }
    static void cw_set_python_exiting(void) { atomic_store(&cw_python_exiting, 1); }
    static long cw_python_calls_now(void) { return atomic_load(&cw_calls_in_python); }
    """
    bint cw_enter_python() nogil
    void cw_leave_python() nogil
    void cw_set_python_exiting() nogil
    long cw_python_calls_now() nogil

cdef extern from "<unistd.h>":
    int usleep(unsigned int usec) nogil

# _wasi._write(handle, data) -> int and _wasi._release(handle), set by wasi_output_callbacks.
cdef object _py_write = None
cdef object _py_release = None


cdef ptrdiff_t _wasi_write(void* data, const unsigned char* buf, size_t size) noexcept nogil:
    cdef ptrdiff_t written = <ptrdiff_t>size  # dropped once Python exits
    if cw_enter_python():
        written = _wasi_write_with_gil(<uintptr_t>data, buf, size)
        cw_leave_python()
    return written


cdef ptrdiff_t _wasi_write_with_gil(uintptr_t handle, const unsigned char* buf,
                                    size_t size) noexcept with gil:
    try:
        return _py_write(handle, PyBytes_FromStringAndSize(<const char*>buf, size))
    except BaseException:  # _write catches everything; this only guards the conversion
        return -5  # EIO


cdef void _wasi_release(void* data) noexcept nogil:
    if cw_enter_python():  # (at exit: the callback is not released, the process ends)
        _wasi_release_with_gil(<uintptr_t>data)
        cw_leave_python()


cdef void _wasi_release_with_gil(uintptr_t handle) noexcept with gil:
    try:
        _py_release(handle)
    except BaseException:
        pass


def wasi_output_callbacks(write, release):
    """The ``(write, finalizer)`` addresses to give ``wasi_config_set_std*_custom``:
    they call ``write(handle, data) -> int`` and ``release(handle)`` (``handle``: the
    ``data`` pointer as an int) unless Python is exiting."""
    global _py_write, _py_release
    _py_write, _py_release = write, release
    return (<uintptr_t>_wasi_write, <uintptr_t>_wasi_release)


def _stop_foreign_calls():
    """At exit: no more calls into Python from Wasmtime's threads; wait (up to 5 s)
    for those in progress, with the GIL released so that they can finish."""
    cdef int waited_ms = 0
    cw_set_python_exiting()
    with nogil:
        while cw_python_calls_now() != 0 and waited_ms < 5000:
            usleep(1000)
            waited_ms += 1


# Registered at import: it runs after the atexit handlers registered later (and so
# after any that may still run guests).
import atexit
atexit.register(_stop_foreign_calls)
del atexit
