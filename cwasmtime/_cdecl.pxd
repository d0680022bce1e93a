# The parts of include/cwasmtime.h the Cython layer touches. Types come from the
# header itself (`cdef extern from`), so gcc checks every use; the functions are the
# `cw_*` pointers of include/cwasmtime_native.h, bound at import.
from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t

# The header's constants, by name only: gcc supplies every number (tests/test_constants.py
# checks each against the CFFI `lib` and against wasmtime's own headers).
cdef extern from "cwasmtime.h":
    enum:  # wasm_valkind_t: the kinds of the raw slots of calls
        WASM_I32, WASM_I64, WASM_F32, WASM_F64, WASM_EXTERNREF, WASM_FUNCREF
    enum:  # wasmtime_valtype_kind_t
        WASMTIME_VALTYPE_KIND_REF
    enum:  # wasmtime_heaptype_kind_t (the abstract heap types)
        WASMTIME_HEAPTYPE_KIND_EXTERN, WASMTIME_HEAPTYPE_KIND_NOEXTERN, WASMTIME_HEAPTYPE_KIND_FUNC,
        WASMTIME_HEAPTYPE_KIND_NOFUNC, WASMTIME_HEAPTYPE_KIND_ANY, WASMTIME_HEAPTYPE_KIND_NONE,
        WASMTIME_HEAPTYPE_KIND_EQ, WASMTIME_HEAPTYPE_KIND_I31, WASMTIME_HEAPTYPE_KIND_ARRAY,
        WASMTIME_HEAPTYPE_KIND_STRUCT, WASMTIME_HEAPTYPE_KIND_EXN, WASMTIME_HEAPTYPE_KIND_NOEXN
    enum:  # wasmtime_valkind_t: the kinds of wasmtime_val_t (globals, tables)
        WASMTIME_I32, WASMTIME_I64, WASMTIME_F32, WASMTIME_F64, WASMTIME_V128,
        WASMTIME_FUNCREF, WASMTIME_EXTERNREF
    enum:  # wasmtime_extern_kind_t
        WASMTIME_EXTERN_FUNC, WASMTIME_EXTERN_GLOBAL, WASMTIME_EXTERN_TABLE,
        WASMTIME_EXTERN_MEMORY, WASMTIME_EXTERN_SHAREDMEMORY, WASMTIME_EXTERN_TAG
    enum:  # wasmtime_component_valtype_kind_t
        WASMTIME_COMPONENT_VALTYPE_BOOL, WASMTIME_COMPONENT_VALTYPE_S8,
        WASMTIME_COMPONENT_VALTYPE_S16, WASMTIME_COMPONENT_VALTYPE_S32,
        WASMTIME_COMPONENT_VALTYPE_S64, WASMTIME_COMPONENT_VALTYPE_U8,
        WASMTIME_COMPONENT_VALTYPE_U16, WASMTIME_COMPONENT_VALTYPE_U32,
        WASMTIME_COMPONENT_VALTYPE_U64, WASMTIME_COMPONENT_VALTYPE_F32,
        WASMTIME_COMPONENT_VALTYPE_F64, WASMTIME_COMPONENT_VALTYPE_CHAR,
        WASMTIME_COMPONENT_VALTYPE_STRING, WASMTIME_COMPONENT_VALTYPE_LIST,
        WASMTIME_COMPONENT_VALTYPE_RECORD, WASMTIME_COMPONENT_VALTYPE_TUPLE,
        WASMTIME_COMPONENT_VALTYPE_VARIANT, WASMTIME_COMPONENT_VALTYPE_ENUM,
        WASMTIME_COMPONENT_VALTYPE_OPTION, WASMTIME_COMPONENT_VALTYPE_RESULT,
        WASMTIME_COMPONENT_VALTYPE_FLAGS, WASMTIME_COMPONENT_VALTYPE_OWN,
        WASMTIME_COMPONENT_VALTYPE_BORROW, WASMTIME_COMPONENT_VALTYPE_FUTURE,
        WASMTIME_COMPONENT_VALTYPE_STREAM, WASMTIME_COMPONENT_VALTYPE_ERROR_CONTEXT,
        WASMTIME_COMPONENT_VALTYPE_MAP

cdef extern from "cwasmtime.h":
    ctypedef struct wasm_engine_t
    ctypedef struct wasmtime_store_t
    ctypedef struct wasmtime_context_t
    ctypedef struct wasmtime_caller_t
    ctypedef struct wasm_trap_t
    ctypedef struct wasmtime_error_t
    ctypedef struct wasm_valtype_t
    ctypedef struct wasm_functype_t

    ctypedef uint8_t wasm_valkind_t

    ctypedef struct wasm_valtype_vec_t:
        size_t size
        wasm_valtype_t** data

    ctypedef struct wasmtime_heaptype_t:
        uint8_t kind

    ctypedef struct wasmtime_reftype_t:
        bint nullable
        wasmtime_heaptype_t heaptype

    ctypedef struct wasmtime_valtype_t:
        uint8_t kind
        wasmtime_reftype_t reftype

    ctypedef struct wasmtime_func_t:
        uint64_t store_id

    ctypedef struct wasmtime_externref_t:
        uint64_t store_id

    ctypedef struct wasmtime_memory_t:
        pass

    ctypedef union wasmtime_val_raw_t:
        int32_t i32
        int64_t i64
        float f32
        double f64
        uint8_t v128[16]
        uint32_t anyref
        uint32_t externref
        void* funcref

    ctypedef wasm_trap_t* (*wasmtime_func_unchecked_callback_t)(
        void* env, wasmtime_caller_t* caller, wasmtime_val_raw_t* args_and_results,
        size_t num_args_and_results) noexcept


cdef extern from "cwasmtime_native.h":
    const char* const cw_native_names[]
    const size_t cw_native_count
    int cw_bind(const char* name, void* address)

    wasmtime_error_t* cw_wasmtime_func_call_unchecked(
        wasmtime_context_t* store, wasmtime_func_t* func,
        wasmtime_val_raw_t* args_and_results, size_t args_and_results_len,
        wasm_trap_t** trap) nogil
    void cw_wasmtime_func_new_unchecked(
        wasmtime_context_t* store, wasm_functype_t* type,
        wasmtime_func_unchecked_callback_t callback, void* env,
        void (*finalizer)(void*) noexcept, wasmtime_func_t* ret)
    void* cw_wasmtime_func_to_raw(wasmtime_context_t* context, wasmtime_func_t* func)
    void cw_wasmtime_func_from_raw(wasmtime_context_t* context, void* raw, wasmtime_func_t* ret)
    wasm_functype_t* cw_wasmtime_func_type(wasmtime_context_t* store, wasmtime_func_t* func)
    wasm_valtype_vec_t* cw_wasm_functype_params(wasm_functype_t* type)
    wasm_valtype_vec_t* cw_wasm_functype_results(wasm_functype_t* type)
    void cw_wasm_functype_delete(wasm_functype_t* type)
    wasm_valtype_t* cw_wasm_valtype_new(wasm_valkind_t kind)
    wasm_valtype_t* cw_wasmtime_wasm_valtype_v128()
    bint cw_wasmtime_wasm_valtype_equal(wasm_valtype_t* a, wasm_valtype_t* b)
    wasm_valtype_t* cw_wasmtime_valtype_to_wasm(wasm_engine_t* engine, wasmtime_valtype_t* ty)
    wasmtime_context_t* cw_wasmtime_caller_context(wasmtime_caller_t* caller)
    void* cw_wasmtime_context_get_data(wasmtime_context_t* context)
    void cw_wasmtime_store_delete(wasmtime_store_t* store)
    wasm_engine_t* cw_wasmtime_engine_clone(wasm_engine_t* engine)
    void cw_wasm_engine_delete(wasm_engine_t* engine)
    wasm_trap_t* cw_wasmtime_trap_new(const char* msg, size_t msg_len)
    bint cw_wasmtime_externref_new(
        wasmtime_context_t* context, void* data, void (*finalizer)(void*) noexcept,
        wasmtime_externref_t* out)
    void* cw_wasmtime_externref_data(wasmtime_context_t* context, wasmtime_externref_t* data)
    void cw_wasmtime_externref_from_raw(wasmtime_context_t* context, uint32_t raw, wasmtime_externref_t* out)
    uint32_t cw_wasmtime_externref_to_raw(wasmtime_context_t* context, wasmtime_externref_t* ref)
    void cw_wasmtime_externref_unroot(wasmtime_externref_t* ref)
    uint8_t* cw_wasmtime_memory_data(wasmtime_context_t* store, wasmtime_memory_t* memory)
    size_t cw_wasmtime_memory_data_size(wasmtime_context_t* store, wasmtime_memory_t* memory)


cdef extern from "cwasmtime.h":
    ctypedef struct wasmtime_module_t
    ctypedef struct wasmtime_linker_t
    ctypedef struct wasmtime_instance_pre_t
    ctypedef struct wasmtime_instance_t:
        uint64_t store_id
        size_t index "__private"


cdef extern from "cwasmtime_native.h":
    wasmtime_error_t* cw_wasmtime_instance_new(
        wasmtime_context_t* store, wasmtime_module_t* module, wasmtime_extern_t* imports,
        size_t nimports, wasmtime_instance_t* instance, wasm_trap_t** trap) nogil
    wasmtime_error_t* cw_wasmtime_instance_pre_instantiate(
        wasmtime_instance_pre_t* instance_pre, wasmtime_context_t* store,
        wasmtime_instance_t* instance, wasm_trap_t** trap) nogil
    wasmtime_error_t* cw_wasmtime_linker_instantiate(
        wasmtime_linker_t* linker, wasmtime_context_t* store, wasmtime_module_t* module,
        wasmtime_instance_t* instance, wasm_trap_t** trap) nogil


cdef extern from "cwasmtime_layout.h":
    ctypedef struct cw_layout_entry:
        const char* type
        const char* field
        size_t size
        size_t align
        size_t offset
    const cw_layout_entry cw_layout_table[]
    const size_t cw_layout_count


cdef extern from "cwasmtime.h":
    ctypedef struct wasmtime_sharedmemory_t

    ctypedef struct wasmtime_global_t:
        uint64_t store_id
    ctypedef struct wasmtime_table_t:
        uint64_t store_id
    ctypedef struct wasmtime_tag_t:
        uint64_t store_id
    ctypedef struct wasm_globaltype_t
    ctypedef struct wasm_tabletype_t
    ctypedef struct wasm_tagtype_t

    ctypedef union wasmtime_extern_union_t:
        wasmtime_func_t func
        wasmtime_global_t global_ "global"
        wasmtime_table_t table
        wasmtime_memory_t memory
        wasmtime_sharedmemory_t* sharedmemory
        wasmtime_tag_t tag

    ctypedef struct wasmtime_extern_t:
        uint8_t kind
        wasmtime_extern_union_t of

    ctypedef union wasmtime_valunion_t:
        int32_t i32
        int64_t i64
        float f32
        double f64
        wasmtime_externref_t externref
        wasmtime_func_t funcref
        uint8_t v128[16]

    ctypedef struct wasmtime_val_t:
        uint8_t kind
        wasmtime_valunion_t of


cdef extern from "cwasmtime_native.h":
    void cw_wasmtime_val_unroot(wasmtime_val_t* val)
    wasm_valtype_t* cw_wasm_globaltype_content(wasm_globaltype_t* ty)
    void cw_wasm_globaltype_delete(wasm_globaltype_t* ty)
    wasm_valtype_t* cw_wasm_tabletype_element(wasm_tabletype_t* ty)
    void cw_wasm_tabletype_delete(wasm_tabletype_t* ty)
    wasmtime_error_t* cw_wasmtime_global_new(wasmtime_context_t* store, wasm_globaltype_t* ty,
                                             wasmtime_val_t* val, wasmtime_global_t* ret)
    wasm_globaltype_t* cw_wasmtime_global_type(wasmtime_context_t* store, wasmtime_global_t* glob)
    void cw_wasmtime_global_get(wasmtime_context_t* store, wasmtime_global_t* glob, wasmtime_val_t* out)
    wasmtime_error_t* cw_wasmtime_global_set(wasmtime_context_t* store, wasmtime_global_t* glob,
                                             wasmtime_val_t* val)
    wasmtime_error_t* cw_wasmtime_table_new(wasmtime_context_t* store, wasm_tabletype_t* ty,
                                            wasmtime_val_t* init, wasmtime_table_t* ret)
    wasm_tabletype_t* cw_wasmtime_table_type(wasmtime_context_t* store, wasmtime_table_t* table)
    bint cw_wasmtime_table_get(wasmtime_context_t* store, wasmtime_table_t* table, uint64_t index,
                               wasmtime_val_t* val)
    wasmtime_error_t* cw_wasmtime_table_set(wasmtime_context_t* store, wasmtime_table_t* table,
                                            uint64_t index, wasmtime_val_t* val)
    uint64_t cw_wasmtime_table_size(wasmtime_context_t* store, wasmtime_table_t* table)
    wasmtime_error_t* cw_wasmtime_table_grow(wasmtime_context_t* store, wasmtime_table_t* table,
                                             uint64_t delta, wasmtime_val_t* init, uint64_t* prev)
    wasmtime_error_t* cw_wasmtime_tag_new(wasmtime_context_t* store, wasm_tagtype_t* ty,
                                          wasmtime_tag_t* ret)
    wasm_tagtype_t* cw_wasmtime_tag_type(wasmtime_context_t* store, wasmtime_tag_t* tag)
    bint cw_wasmtime_tag_eq(wasmtime_context_t* store, wasmtime_tag_t* a, wasmtime_tag_t* b)


cdef extern from "cwasmtime_native.h":
    bint cw_wasmtime_caller_export_get(wasmtime_caller_t* caller, const char* name, size_t name_len,
                                       wasmtime_extern_t* item)


# ------------------------------------------------------------ the component model
cdef extern from "cwasmtime.h":
    ctypedef struct wasm_byte_vec_t:
        size_t size
        uint8_t* data
    ctypedef wasm_byte_vec_t wasm_name_t

    enum:
        WASMTIME_COMPONENT_BOOL, WASMTIME_COMPONENT_S8, WASMTIME_COMPONENT_U8,
        WASMTIME_COMPONENT_S16, WASMTIME_COMPONENT_U16, WASMTIME_COMPONENT_S32,
        WASMTIME_COMPONENT_U32, WASMTIME_COMPONENT_S64, WASMTIME_COMPONENT_U64,
        WASMTIME_COMPONENT_F32, WASMTIME_COMPONENT_F64, WASMTIME_COMPONENT_CHAR,
        WASMTIME_COMPONENT_STRING, WASMTIME_COMPONENT_LIST, WASMTIME_COMPONENT_RECORD,
        WASMTIME_COMPONENT_TUPLE, WASMTIME_COMPONENT_VARIANT, WASMTIME_COMPONENT_ENUM,
        WASMTIME_COMPONENT_OPTION, WASMTIME_COMPONENT_RESULT, WASMTIME_COMPONENT_FLAGS,
        WASMTIME_COMPONENT_RESOURCE, WASMTIME_COMPONENT_MAP

    ctypedef struct wasmtime_component_func_type_t
    ctypedef struct wasmtime_component_resource_any_t

    ctypedef struct wasmtime_component_valtype_t:
        uint8_t kind

    ctypedef struct wasmtime_component_func_t:
        pass

    ctypedef struct wasmtime_component_val_t
    ctypedef struct wasmtime_component_valrecord_entry_t
    ctypedef struct wasmtime_component_valmap_entry_t

    ctypedef struct wasmtime_component_vallist_t:
        size_t size
        wasmtime_component_val_t* data
    ctypedef struct wasmtime_component_valrecord_t:
        size_t size
        wasmtime_component_valrecord_entry_t* data
    ctypedef struct wasmtime_component_valtuple_t:
        size_t size
        wasmtime_component_val_t* data
    ctypedef struct wasmtime_component_valflags_t:
        size_t size
        wasm_name_t* data
    ctypedef struct wasmtime_component_valmap_t:
        size_t size
        wasmtime_component_valmap_entry_t* data
    ctypedef struct wasmtime_component_valvariant_t:
        wasm_name_t discriminant
        wasmtime_component_val_t* val
    ctypedef struct wasmtime_component_valresult_t:
        bint is_ok
        wasmtime_component_val_t* val

    ctypedef union wasmtime_component_valunion_t:
        bint boolean
        int8_t s8
        uint8_t u8
        int16_t s16
        uint16_t u16
        int32_t s32
        uint32_t u32
        int64_t s64
        uint64_t u64
        float f32
        double f64
        uint32_t character
        wasm_name_t string
        wasmtime_component_vallist_t list
        wasmtime_component_valrecord_t record
        wasmtime_component_valtuple_t tuple
        wasmtime_component_valvariant_t variant
        wasm_name_t enumeration
        wasmtime_component_val_t* option
        wasmtime_component_valresult_t result
        wasmtime_component_valflags_t flags
        wasmtime_component_valmap_t map
        wasmtime_component_resource_any_t* resource

    ctypedef struct wasmtime_component_val_t:
        uint8_t kind
        wasmtime_component_valunion_t of

    ctypedef struct wasmtime_component_valrecord_entry_t:
        wasm_name_t name
        wasmtime_component_val_t val

    ctypedef struct wasmtime_component_valmap_entry_t:
        wasmtime_component_val_t key
        wasmtime_component_val_t value


cdef extern from "cwasmtime_native.h":
    wasmtime_error_t* cw_wasmtime_error_new(const char* message)
    void cw_wasm_byte_vec_new(wasm_byte_vec_t* out, size_t size, const uint8_t* data)
    wasmtime_error_t* cw_wasmtime_component_func_call(
        const wasmtime_component_func_t* func, wasmtime_context_t* context,
        const wasmtime_component_val_t* args, size_t args_size,
        wasmtime_component_val_t* results, size_t results_size) nogil
    wasmtime_component_func_type_t* cw_wasmtime_component_func_type(
        const wasmtime_component_func_t* func, wasmtime_context_t* context)
    void cw_wasmtime_component_func_type_delete(wasmtime_component_func_type_t* ty)
    size_t cw_wasmtime_component_func_type_param_count(const wasmtime_component_func_type_t* ty)
    bint cw_wasmtime_component_func_type_param_nth(
        const wasmtime_component_func_type_t* ty, size_t nth, const char** name_ret,
        size_t* name_len_ret, wasmtime_component_valtype_t* type_ret)
    bint cw_wasmtime_component_func_type_result(const wasmtime_component_func_type_t* ty,
                                                wasmtime_component_valtype_t* type_ret)
    void cw_wasmtime_component_valtype_clone(const wasmtime_component_valtype_t* ty,
                                             wasmtime_component_valtype_t* out)
    bint cw_wasmtime_component_valtype_equal(const wasmtime_component_valtype_t* a,
                                             const wasmtime_component_valtype_t* b)
    void cw_wasmtime_component_valtype_delete(wasmtime_component_valtype_t* ty)
    void cw_wasmtime_component_vallist_new_uninit(wasmtime_component_vallist_t* out, size_t size)
    void cw_wasmtime_component_valrecord_new_uninit(wasmtime_component_valrecord_t* out, size_t size)
    void cw_wasmtime_component_valtuple_new_uninit(wasmtime_component_valtuple_t* out, size_t size)
    void cw_wasmtime_component_valflags_new_uninit(wasmtime_component_valflags_t* out, size_t size)
    void cw_wasmtime_component_valmap_new_uninit(wasmtime_component_valmap_t* out, size_t size)
    wasmtime_component_val_t* cw_wasmtime_component_val_new(wasmtime_component_val_t* val)
    void cw_wasmtime_component_val_delete(wasmtime_component_val_t* val)
    wasmtime_component_resource_any_t* cw_wasmtime_component_resource_any_clone(
        const wasmtime_component_resource_any_t* resource)
