# Instantiation: wasmtime_instance_new, instance_pre and linker instantiation, and the
# extern objects given as imports. Instantiation may run wasm (start functions, host imports): the Store is marked busy
# and the GIL released, as for calls. Results are (store_id, index) of the new
# wasmtime_instance_t, so no CFFI allocation is needed on this path.

cdef enum _Instantiation:
    FROM_MODULE
    FROM_INSTANCE_PRE
    FROM_LINKER


cdef tuple _instantiate(Store store, _Instantiation how, void* target, void* module,
                        wasmtime_extern_t* imports, size_t nimports):
    cdef wasmtime_instance_t out
    cdef wasm_trap_t* trap = NULL
    cdef wasmtime_error_t* error
    store._check()
    _enter_wasm(store)
    with nogil:
        if how == FROM_MODULE:
            error = cw_wasmtime_instance_new(store._ctx, <wasmtime_module_t*>target, imports,
                                             nimports, &out, &trap)
        elif how == FROM_INSTANCE_PRE:
            error = cw_wasmtime_instance_pre_instantiate(<wasmtime_instance_pre_t*>target,
                                                         store._ctx, &out, &trap)
        else:
            error = cw_wasmtime_linker_instantiate(<wasmtime_linker_t*>target, store._ctx,
                                                   <wasmtime_module_t*>module, &out, &trap)
    _leave_wasm(store)
    if _dropped:
        _release_dropped()
    if error != NULL or trap != NULL:
        raise _failure(store, error, trap)
    if store._id is None:
        store._id = out.store_id
    return (out.store_id, out.index)


def instantiate(Store store, module, imports):
    """``wasmtime_instance_new`` of a Module with ``imports`` (Func, Memory, Global,
    Table, Tag, SharedMemory objects, each checked to belong to ``store``)."""
    # One pass over a tuple: a sequence's len() may disagree with its iteration, and
    # converting an item (a subclass's _as_extern) may run code that mutates it.
    imports = tuple(imports)
    cdef Py_ssize_t i, n = len(imports)
    cdef wasmtime_extern_t stack[8]
    cdef wasmtime_extern_t* externs = stack
    if n > 8:
        externs = <wasmtime_extern_t*>malloc(n * sizeof(wasmtime_extern_t))
        if externs == NULL:
            raise MemoryError()
    cdef list shared = []  # handles of our own on shared memories (see below)
    try:
        for i in range(n):
            _extern_into(store, imports[i], &externs[i])
            if externs[i].kind == WASMTIME_EXTERN_SHAREDMEMORY:
                # The extern borrows the SharedMemory's handle, and a later item's
                # conversion could close it: use a handle of our own.
                clone = lib.wasmtime_sharedmemory_clone(
                    ffi.cast("wasmtime_sharedmemory_t *", <uintptr_t>externs[i].of.sharedmemory))
                shared.append(clone)
                externs[i].of.sharedmemory = <wasmtime_sharedmemory_t*>_address(clone)
        # Taken last: converting the imports may have run code that closed the module.
        module_ptr = module.ptr()
        return _instantiate(store, FROM_MODULE, <void*>_address(module_ptr), NULL,
                            externs if n else NULL, n)
    finally:
        for clone in shared:
            lib.wasmtime_sharedmemory_delete(clone)
        if externs != stack:
            free(externs)


def extern_for(Store store, item):
    """A new ``wasmtime_extern_t*`` (CFFI) holding ``item``, checked to belong to ``store``."""
    extern = ffi.new("wasmtime_extern_t *")
    _extern_into(store, item, <wasmtime_extern_t*>_address(extern))
    return extern


cdef int _extern_into(Store store, object item, wasmtime_extern_t* out) except -1:
    """Write ``item`` (one of the extern objects) into ``out``, after checking its Store."""
    if type(item) is Func:
        _same_store((<Func>item)._store, store)
        out.kind = WASMTIME_EXTERN_FUNC
        out.of.func = (<Func>item)._func
        return 0
    if type(item) is Memory:
        _same_store((<Memory>item)._store, store)
        out.kind = WASMTIME_EXTERN_MEMORY
        out.of.memory = (<Memory>item)._mem
        return 0
    as_extern = getattr(item, "_as_extern", None)
    if as_extern is None:
        raise TypeError("expected a Func, Global, Memory, SharedMemory, Tag, or Table")
    owner = getattr(item, "_owner", None)
    if isinstance(owner, Store):  # SharedMemory belongs to an engine, not a Store
        _same_store(owner, store)
    extern = as_extern()  # held in a variable: a temporary would be freed before the copy
    memcpy(out, <void*>_address(extern), sizeof(wasmtime_extern_t))
    return 0


def instantiate_pre(Store store, instance_pre, list hosts):
    """``wasmtime_instance_pre_instantiate`` of a ``wasmtime_instance_pre_t*`` (CFFI)
    whose linker's host envs are ``hosts`` (the Store keeps them: it may call them)."""
    store._linked[id(hosts)] = hosts
    return _instantiate(store, FROM_INSTANCE_PRE, <void*>_address(instance_pre), NULL, NULL, 0)


def linker_instantiate(Store store, linker, module, list hosts):
    """``wasmtime_linker_instantiate`` (CFFI ``wasmtime_linker_t*``, ``wasmtime_module_t*``)
    with a linker whose host envs are ``hosts`` (as for ``instantiate_pre``)."""
    store._linked[id(hosts)] = hosts
    return _instantiate(store, FROM_LINKER, <void*>_address(linker), <void*>_address(module), NULL, 0)
