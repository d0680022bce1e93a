# Globals and tables: their values through wasmtime_val_t.

def global_get(Store store, uintptr_t handle):
    """The value of the ``wasmtime_global_t`` at address ``handle``."""
    cdef wasmtime_val_t val
    store._check()
    cw_wasmtime_global_get(store._ctx, <wasmtime_global_t*>handle, &val)
    return _lift_val(store, &val)


def global_set(Store store, uintptr_t handle, int kind, value):
    """Set the ``wasmtime_global_t`` at address ``handle`` to ``value`` of ``kind``."""
    cdef wasmtime_val_t val
    cdef wasmtime_error_t* error
    _val_lower(store, kind, value, &val)
    try:
        store._check()  # after converting `value`, which may have run code that closed it
        error = cw_wasmtime_global_set(store._ctx, <wasmtime_global_t*>handle, &val)
    finally:
        cw_wasmtime_val_unroot(&val)
    if error != NULL:
        raise call_failure(<uintptr_t>error, 0)


def table_get(Store store, uintptr_t handle, uint64_t index):
    """Element ``index`` of the ``wasmtime_table_t`` at ``handle``; None out of bounds."""
    cdef wasmtime_val_t val
    store._check()
    if not cw_wasmtime_table_get(store._ctx, <wasmtime_table_t*>handle, index, &val):
        return None
    return _lift_val(store, &val)
