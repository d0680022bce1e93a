/*
 * cwasmtime.h -- the subset of the Wasmtime 50.0.x C API that cwasmtime binds.
 *
 * Written for this project (not a copy of the upstream headers).  Signatures, struct
 * field names, types and order follow Wasmtime v50 on LP64 platforms.
 *
 * Two consumers read this file:
 *   - CFFI (ABI mode): cwasmtime/_capi.py strips every line whose first non-blank
 *     character is '#' and feeds the rest to ffi.cdef().  Nothing below may depend on a
 *     macro; there are no inline functions and no export attributes.
 *   - gcc (the Cython extension), which includes it as ordinary C11.
 *
 * `const` is written on string and byte-buffer inputs, in callback signatures and in a
 * few other places where the C API has it; elsewhere it is omitted.  It never changes
 * the ABI, and passing a non-const pointer where const is declared is always fine.
 * Async support (call futures, async host functions, async instantiation, the
 * component API's *_async entry points) is declared in its own section at the end.
 * Left out on purpose: the guest profiler, custom memory/stack creators and the GC reference/type
 * families (anyref, eqref, structref, arrayref, exnref; of the rich wasmtime_valtype_t,
 * only what builds abstract reference types).  The GC reference structs that other
 * structs embed are still declared in full.  The component model API is declared in its
 * own section at the end.
 */
#ifndef CWASMTIME_H
#define CWASMTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------------------------- */
/* Constants.  The C API defines these as macros or enums; they are plain enums here   */
/* so both CFFI and gcc see them.  The typedefs that carry them are uint8_t.           */
/* ---------------------------------------------------------------------------------- */

/* wasm_valkind_t */
enum {
    WASM_I32 = 0,
    WASM_I64 = 1,
    WASM_F32 = 2,
    WASM_F64 = 3,
    WASM_EXTERNREF = 128,
    WASM_FUNCREF = 129
};

/* wasmtime_valtype_kind_t */
enum {
    WASMTIME_VALTYPE_KIND_I32 = 0,
    WASMTIME_VALTYPE_KIND_I64 = 1,
    WASMTIME_VALTYPE_KIND_F32 = 2,
    WASMTIME_VALTYPE_KIND_F64 = 3,
    WASMTIME_VALTYPE_KIND_V128 = 4,
    WASMTIME_VALTYPE_KIND_REF = 5
};

/* wasmtime_heaptype_kind_t (the abstract heap types; 3, 10, 12, 14 are concrete) */
enum {
    WASMTIME_HEAPTYPE_KIND_EXTERN = 0,
    WASMTIME_HEAPTYPE_KIND_NOEXTERN = 1,
    WASMTIME_HEAPTYPE_KIND_FUNC = 2,
    WASMTIME_HEAPTYPE_KIND_NOFUNC = 4,
    WASMTIME_HEAPTYPE_KIND_ANY = 5,
    WASMTIME_HEAPTYPE_KIND_NONE = 6,
    WASMTIME_HEAPTYPE_KIND_EQ = 7,
    WASMTIME_HEAPTYPE_KIND_I31 = 8,
    WASMTIME_HEAPTYPE_KIND_ARRAY = 9,
    WASMTIME_HEAPTYPE_KIND_STRUCT = 11,
    WASMTIME_HEAPTYPE_KIND_EXN = 13,
    WASMTIME_HEAPTYPE_KIND_NOEXN = 15
};

/* wasm_mutability_t */
enum {
    WASM_CONST = 0,
    WASM_VAR = 1
};

/* wasm_externkind_t */
enum {
    WASM_EXTERN_FUNC = 0,
    WASM_EXTERN_GLOBAL = 1,
    WASM_EXTERN_TABLE = 2,
    WASM_EXTERN_MEMORY = 3,
    WASM_EXTERN_TAG = 4
};

/* wasmtime_valkind_t (v50 also has an exnref kind; the Python layer owns that one) */
enum {
    WASMTIME_I32 = 0,
    WASMTIME_I64 = 1,
    WASMTIME_F32 = 2,
    WASMTIME_F64 = 3,
    WASMTIME_V128 = 4,
    WASMTIME_FUNCREF = 5,
    WASMTIME_EXTERNREF = 6,
    WASMTIME_ANYREF = 7
};

/* wasmtime_extern_kind_t */
enum {
    WASMTIME_EXTERN_FUNC = 0,
    WASMTIME_EXTERN_GLOBAL = 1,
    WASMTIME_EXTERN_TABLE = 2,
    WASMTIME_EXTERN_MEMORY = 3,
    WASMTIME_EXTERN_SHAREDMEMORY = 4,
    WASMTIME_EXTERN_TAG = 5
};

/* wasmtime_update_deadline_kind_t (epoch deadline callback result) */
enum {
    WASMTIME_UPDATE_DEADLINE_CONTINUE = 0,
    WASMTIME_UPDATE_DEADLINE_YIELD = 1
};

/* wasmtime_strategy_t */
enum {
    WASMTIME_STRATEGY_AUTO = 0,
    WASMTIME_STRATEGY_CRANELIFT = 1,
    WASMTIME_STRATEGY_WINCH = 2
};

/* wasmtime_opt_level_t */
enum {
    WASMTIME_OPT_LEVEL_NONE = 0,
    WASMTIME_OPT_LEVEL_SPEED = 1,
    WASMTIME_OPT_LEVEL_SPEED_AND_SIZE = 2
};

/* wasmtime_profiling_strategy_t */
enum {
    WASMTIME_PROFILING_STRATEGY_NONE = 0,
    WASMTIME_PROFILING_STRATEGY_JITDUMP = 1,
    WASMTIME_PROFILING_STRATEGY_VTUNE = 2,
    WASMTIME_PROFILING_STRATEGY_PERFMAP = 3
};

/* wasmtime_regalloc_algorithm_t */
enum {
    WASMTIME_REGALLOC_BACKTRACKING = 0,
    WASMTIME_REGALLOC_SINGLE_PASS = 1
};

/* wasmtime_trap_code_t */
enum {
    WASMTIME_TRAP_CODE_STACK_OVERFLOW = 0,
    WASMTIME_TRAP_CODE_MEMORY_OUT_OF_BOUNDS = 1,
    WASMTIME_TRAP_CODE_HEAP_MISALIGNED = 2,
    WASMTIME_TRAP_CODE_TABLE_OUT_OF_BOUNDS = 3,
    WASMTIME_TRAP_CODE_INDIRECT_CALL_TO_NULL = 4,
    WASMTIME_TRAP_CODE_BAD_SIGNATURE = 5,
    WASMTIME_TRAP_CODE_INTEGER_OVERFLOW = 6,
    WASMTIME_TRAP_CODE_INTEGER_DIVISION_BY_ZERO = 7,
    WASMTIME_TRAP_CODE_BAD_CONVERSION_TO_INTEGER = 8,
    WASMTIME_TRAP_CODE_UNREACHABLE_CODE_REACHED = 9,
    WASMTIME_TRAP_CODE_INTERRUPT = 10,
    WASMTIME_TRAP_CODE_OUT_OF_FUEL = 11,
    WASMTIME_TRAP_CODE_ATOMIC_WAIT_NON_SHARED_MEMORY = 12,
    WASMTIME_TRAP_CODE_NULL_REFERENCE = 13,
    WASMTIME_TRAP_CODE_ARRAY_OUT_OF_BOUNDS = 14,
    WASMTIME_TRAP_CODE_ALLOCATION_TOO_LARGE = 15,
    WASMTIME_TRAP_CODE_CAST_FAILURE = 16,
    WASMTIME_TRAP_CODE_CANNOT_ENTER_COMPONENT = 17,
    WASMTIME_TRAP_CODE_NO_ASYNC_RESULT = 18,
    WASMTIME_TRAP_CODE_UNHANDLED_TAG = 19,
    WASMTIME_TRAP_CODE_CONTINUATION_ALREADY_CONSUMED = 20,
    WASMTIME_TRAP_CODE_DISABLED_OPCODE = 21,
    WASMTIME_TRAP_CODE_ASYNC_DEADLOCK = 22,
    WASMTIME_TRAP_CODE_CANNOT_LEAVE_COMPONENT = 23,
    WASMTIME_TRAP_CODE_CANNOT_BLOCK_SYNC_TASK = 24,
    WASMTIME_TRAP_CODE_INVALID_CHAR = 25,
    WASMTIME_TRAP_CODE_DEBUG_ASSERT_STRING_ENCODING_FINISHED = 26,
    WASMTIME_TRAP_CODE_DEBUG_ASSERT_EQUAL_CODE_UNITS = 27,
    WASMTIME_TRAP_CODE_DEBUG_ASSERT_POINTER_ALIGNED = 28,
    WASMTIME_TRAP_CODE_DEBUG_ASSERT_UPPER_BITS_UNSET = 29,
    WASMTIME_TRAP_CODE_STRING_OUT_OF_BOUNDS = 30,
    WASMTIME_TRAP_CODE_LIST_OUT_OF_BOUNDS = 31,
    WASMTIME_TRAP_CODE_INVALID_DISCRIMINANT = 32,
    WASMTIME_TRAP_CODE_UNALIGNED_POINTER = 33,
    WASMTIME_TRAP_CODE_TASK_CANCEL_NOT_CANCELLED = 34,
    WASMTIME_TRAP_CODE_TASK_CANCEL_OR_RETURN_TWICE = 35,
    WASMTIME_TRAP_CODE_SUBTASK_CANCEL_AFTER_TERMINAL = 36,
    WASMTIME_TRAP_CODE_TASK_RETURN_INVALID = 37,
    WASMTIME_TRAP_CODE_WAITABLE_SET_DROP_HAS_WAITERS = 38,
    WASMTIME_TRAP_CODE_SUBTASK_DROP_NOT_RESOLVED = 39,
    WASMTIME_TRAP_CODE_THREAD_NEW_INDIRECT_INVALID_TYPE = 40,
    WASMTIME_TRAP_CODE_THREAD_NEW_INDIRECT_UNINITIALIZED = 41,
    WASMTIME_TRAP_CODE_BACKPRESSURE_OVERFLOW = 42,
    WASMTIME_TRAP_CODE_UNSUPPORTED_CALLBACK_CODE = 43,
    WASMTIME_TRAP_CODE_CANNOT_RESUME_THREAD = 44,
    WASMTIME_TRAP_CODE_CONCURRENT_FUTURE_STREAM_OP = 45,
    WASMTIME_TRAP_CODE_REFERENCE_COUNT_OVERFLOW = 46,
    WASMTIME_TRAP_CODE_STREAM_OP_TOO_BIG = 47,
    WASMTIME_TRAP_CODE_WAITABLE_SYNC_AND_ASYNC = 48,
    WASMTIME_TRAP_CODE_UNCAUGHT_EXCEPTION = 49,
    WASMTIME_TRAP_READ_FROM_DROPPED_STREAM = 50,
    WASMTIME_TRAP_WRITE_TO_DROPPED_STREAM = 51,
    WASMTIME_TRAP_WRITE_TO_DROPPED_FUTURE = 52,
    WASMTIME_TRAP_LIFT_DROPPED_STREAM = 53
};

/* ---------------------------------------------------------------------------------- */
/* Scalar typedefs and common callbacks                                                */
/* ---------------------------------------------------------------------------------- */

typedef uint8_t wasm_byte_t;
typedef uint8_t wasm_valkind_t;
typedef uint8_t wasm_mutability_t;
typedef uint8_t wasm_externkind_t;
typedef uint8_t wasmtime_valkind_t;
typedef uint8_t wasmtime_extern_kind_t;
typedef uint8_t wasmtime_trap_code_t;
typedef uint8_t wasmtime_update_deadline_kind_t;
typedef uint8_t wasmtime_strategy_t;
typedef uint8_t wasmtime_opt_level_t;
typedef uint8_t wasmtime_profiling_strategy_t;
typedef uint8_t wasmtime_regalloc_algorithm_t;
typedef uint8_t wasmtime_v128[16];

/* Destructor for host data handed to Wasmtime (store data, func env, externref...). */
typedef void (*wasmtime_finalizer_t)(void *data);

/* ---------------------------------------------------------------------------------- */
/* Opaque handles                                                                      */
/* ---------------------------------------------------------------------------------- */

typedef struct wasm_config_t wasm_config_t;
typedef struct wasmtime_pooling_allocation_config_t wasmtime_pooling_allocation_config_t;
typedef struct wasm_engine_t wasm_engine_t;
typedef struct wasm_store_t wasm_store_t;
typedef struct wasm_valtype_t wasm_valtype_t;
typedef struct wasm_functype_t wasm_functype_t;
typedef struct wasm_globaltype_t wasm_globaltype_t;
typedef struct wasm_tabletype_t wasm_tabletype_t;
typedef struct wasm_memorytype_t wasm_memorytype_t;
typedef struct wasm_tagtype_t wasm_tagtype_t;
typedef struct wasm_externtype_t wasm_externtype_t;
typedef struct wasm_importtype_t wasm_importtype_t;
typedef struct wasm_exporttype_t wasm_exporttype_t;
typedef struct wasm_ref_t wasm_ref_t;
typedef struct wasm_frame_t wasm_frame_t;
typedef struct wasm_trap_t wasm_trap_t;
typedef struct wasm_extern_t wasm_extern_t;
typedef struct wasm_instance_t wasm_instance_t;
typedef struct wasi_config_t wasi_config_t;
typedef struct wasmtime_error wasmtime_error_t;
typedef struct wasmtime_module wasmtime_module_t;
typedef struct wasmtime_sharedmemory wasmtime_sharedmemory_t;
typedef struct wasmtime_store wasmtime_store_t;
typedef struct wasmtime_context wasmtime_context_t;
typedef struct wasmtime_caller wasmtime_caller_t;
typedef struct wasmtime_instance_pre wasmtime_instance_pre_t;
typedef struct wasmtime_linker wasmtime_linker_t;

/* ---------------------------------------------------------------------------------- */
/* Vectors: an owned (size, data) pair; *_vec_delete frees data and its elements       */
/* ---------------------------------------------------------------------------------- */

typedef struct wasm_byte_vec_t {
    size_t size;
    wasm_byte_t *data;
} wasm_byte_vec_t;

typedef wasm_byte_vec_t wasm_name_t;
typedef wasm_name_t wasm_message_t;

typedef struct wasm_valtype_vec_t {
    size_t size;
    wasm_valtype_t **data;
} wasm_valtype_vec_t;

typedef struct wasm_functype_vec_t {
    size_t size;
    wasm_functype_t **data;
} wasm_functype_vec_t;

typedef struct wasm_globaltype_vec_t {
    size_t size;
    wasm_globaltype_t **data;
} wasm_globaltype_vec_t;

typedef struct wasm_tabletype_vec_t {
    size_t size;
    wasm_tabletype_t **data;
} wasm_tabletype_vec_t;

typedef struct wasm_memorytype_vec_t {
    size_t size;
    wasm_memorytype_t **data;
} wasm_memorytype_vec_t;

typedef struct wasm_tagtype_vec_t {
    size_t size;
    wasm_tagtype_t **data;
} wasm_tagtype_vec_t;

typedef struct wasm_externtype_vec_t {
    size_t size;
    wasm_externtype_t **data;
} wasm_externtype_vec_t;

typedef struct wasm_importtype_vec_t {
    size_t size;
    wasm_importtype_t **data;
} wasm_importtype_vec_t;

typedef struct wasm_exporttype_vec_t {
    size_t size;
    wasm_exporttype_t **data;
} wasm_exporttype_vec_t;

typedef struct wasm_frame_vec_t {
    size_t size;
    wasm_frame_t **data;
} wasm_frame_vec_t;

/* wasm.h value: kind + payload (only the vector functions use it here) */
typedef struct wasm_val_t {
    wasm_valkind_t kind;
    union {
        int32_t i32;
        int64_t i64;
        float f32;
        double f64;
        struct wasm_ref_t *ref;
    } of;
} wasm_val_t;

typedef struct wasm_val_vec_t {
    size_t size;
    wasm_val_t *data;
} wasm_val_vec_t;

void wasm_byte_vec_new_empty(wasm_byte_vec_t *out);
void wasm_byte_vec_new_uninitialized(wasm_byte_vec_t *out, size_t);
void wasm_byte_vec_new(wasm_byte_vec_t *out, size_t, const wasm_byte_t *);
void wasm_byte_vec_copy(wasm_byte_vec_t *out, wasm_byte_vec_t *);
void wasm_byte_vec_delete(wasm_byte_vec_t *);
void wasm_valtype_vec_new_empty(wasm_valtype_vec_t *out);
void wasm_valtype_vec_new_uninitialized(wasm_valtype_vec_t *out, size_t);
void wasm_valtype_vec_new(wasm_valtype_vec_t *out, size_t, wasm_valtype_t **);
void wasm_valtype_vec_copy(wasm_valtype_vec_t *out, wasm_valtype_vec_t *);
void wasm_valtype_vec_delete(wasm_valtype_vec_t *);
void wasm_functype_vec_new_empty(wasm_functype_vec_t *out);
void wasm_functype_vec_new_uninitialized(wasm_functype_vec_t *out, size_t);
void wasm_functype_vec_new(wasm_functype_vec_t *out, size_t, wasm_functype_t **);
void wasm_functype_vec_copy(wasm_functype_vec_t *out, wasm_functype_vec_t *);
void wasm_functype_vec_delete(wasm_functype_vec_t *);
void wasm_globaltype_vec_new_empty(wasm_globaltype_vec_t *out);
void wasm_globaltype_vec_new_uninitialized(wasm_globaltype_vec_t *out, size_t);
void wasm_globaltype_vec_new(wasm_globaltype_vec_t *out, size_t, wasm_globaltype_t **);
void wasm_globaltype_vec_copy(wasm_globaltype_vec_t *out, wasm_globaltype_vec_t *);
void wasm_globaltype_vec_delete(wasm_globaltype_vec_t *);
void wasm_tabletype_vec_new_empty(wasm_tabletype_vec_t *out);
void wasm_tabletype_vec_new_uninitialized(wasm_tabletype_vec_t *out, size_t);
void wasm_tabletype_vec_new(wasm_tabletype_vec_t *out, size_t, wasm_tabletype_t **);
void wasm_tabletype_vec_copy(wasm_tabletype_vec_t *out, wasm_tabletype_vec_t *);
void wasm_tabletype_vec_delete(wasm_tabletype_vec_t *);
void wasm_memorytype_vec_new_empty(wasm_memorytype_vec_t *out);
void wasm_memorytype_vec_new_uninitialized(wasm_memorytype_vec_t *out, size_t);
void wasm_memorytype_vec_new(wasm_memorytype_vec_t *out, size_t, wasm_memorytype_t **);
void wasm_memorytype_vec_copy(wasm_memorytype_vec_t *out, wasm_memorytype_vec_t *);
void wasm_memorytype_vec_delete(wasm_memorytype_vec_t *);
void wasm_tagtype_vec_new_empty(wasm_tagtype_vec_t *out);
void wasm_tagtype_vec_new_uninitialized(wasm_tagtype_vec_t *out, size_t size);
void wasm_tagtype_vec_new(wasm_tagtype_vec_t *out, size_t size, wasm_tagtype_t *const *data);
void wasm_tagtype_vec_copy(wasm_tagtype_vec_t *out, const wasm_tagtype_vec_t *src);
void wasm_tagtype_vec_delete(wasm_tagtype_vec_t *vec);
void wasm_externtype_vec_new_empty(wasm_externtype_vec_t *out);
void wasm_externtype_vec_new_uninitialized(wasm_externtype_vec_t *out, size_t);
void wasm_externtype_vec_new(wasm_externtype_vec_t *out, size_t, wasm_externtype_t **);
void wasm_externtype_vec_copy(wasm_externtype_vec_t *out, wasm_externtype_vec_t *);
void wasm_externtype_vec_delete(wasm_externtype_vec_t *);
void wasm_importtype_vec_new_empty(wasm_importtype_vec_t *out);
void wasm_importtype_vec_new_uninitialized(wasm_importtype_vec_t *out, size_t);
void wasm_importtype_vec_new(wasm_importtype_vec_t *out, size_t, wasm_importtype_t **);
void wasm_importtype_vec_copy(wasm_importtype_vec_t *out, wasm_importtype_vec_t *);
void wasm_importtype_vec_delete(wasm_importtype_vec_t *);
void wasm_exporttype_vec_new_empty(wasm_exporttype_vec_t *out);
void wasm_exporttype_vec_new_uninitialized(wasm_exporttype_vec_t *out, size_t);
void wasm_exporttype_vec_new(wasm_exporttype_vec_t *out, size_t, wasm_exporttype_t **);
void wasm_exporttype_vec_copy(wasm_exporttype_vec_t *out, wasm_exporttype_vec_t *);
void wasm_exporttype_vec_delete(wasm_exporttype_vec_t *);
void wasm_frame_vec_new_empty(wasm_frame_vec_t *out);
void wasm_frame_vec_new_uninitialized(wasm_frame_vec_t *out, size_t);
void wasm_frame_vec_new(wasm_frame_vec_t *out, size_t, wasm_frame_t **);
void wasm_frame_vec_copy(wasm_frame_vec_t *out, wasm_frame_vec_t *);
void wasm_frame_vec_delete(wasm_frame_vec_t *);
void wasm_val_vec_new_empty(wasm_val_vec_t *out);
void wasm_val_vec_new_uninitialized(wasm_val_vec_t *out, size_t);
void wasm_val_vec_new(wasm_val_vec_t *out, size_t, wasm_val_t *);
void wasm_val_vec_copy(wasm_val_vec_t *out, wasm_val_vec_t *);
void wasm_val_vec_delete(wasm_val_vec_t *);
void wasm_val_copy(wasm_val_t *out, wasm_val_t *);
void wasm_val_delete(wasm_val_t *v);

/* ---------------------------------------------------------------------------------- */
/* Config: wasm_config_new, then setters; wasm_engine_new_with_config takes ownership  */
/* ---------------------------------------------------------------------------------- */

wasm_config_t *wasm_config_new(void);
void wasm_config_delete(wasm_config_t *);
void wasmtime_config_debug_info_set(wasm_config_t *, bool);
void wasmtime_config_consume_fuel_set(wasm_config_t *, bool);
void wasmtime_config_epoch_interruption_set(wasm_config_t *, bool);
void wasmtime_config_max_wasm_stack_set(wasm_config_t *, size_t);
void wasmtime_config_async_stack_size_set(wasm_config_t *, size_t);
void wasmtime_config_concurrency_support_set(wasm_config_t *, bool);
void wasmtime_config_wasm_threads_set(wasm_config_t *, bool);
void wasmtime_config_shared_memory_set(wasm_config_t *, bool);
void wasmtime_config_wasm_tail_call_set(wasm_config_t *, bool);
void wasmtime_config_wasm_reference_types_set(wasm_config_t *, bool);
void wasmtime_config_wasm_function_references_set(wasm_config_t *, bool);
void wasmtime_config_wasm_gc_set(wasm_config_t *, bool);
void wasmtime_config_gc_support_set(wasm_config_t *, bool);
void wasmtime_config_wasm_simd_set(wasm_config_t *, bool);
void wasmtime_config_wasm_relaxed_simd_set(wasm_config_t *, bool);
void wasmtime_config_wasm_relaxed_simd_deterministic_set(wasm_config_t *, bool);
void wasmtime_config_wasm_bulk_memory_set(wasm_config_t *, bool);
void wasmtime_config_wasm_multi_value_set(wasm_config_t *, bool);
void wasmtime_config_wasm_multi_memory_set(wasm_config_t *, bool);
void wasmtime_config_wasm_memory64_set(wasm_config_t *, bool);
void wasmtime_config_wasm_wide_arithmetic_set(wasm_config_t *, bool);
void wasmtime_config_wasm_branch_hinting_set(wasm_config_t *, bool);
void wasmtime_config_wasm_exceptions_set(wasm_config_t *, bool);
void wasmtime_config_wasm_custom_page_sizes_set(wasm_config_t *, bool);
void wasmtime_config_wasm_compact_imports_set(wasm_config_t *, bool);
void wasmtime_config_wasm_stack_switching_set(wasm_config_t *, bool);
void wasmtime_config_wasm_component_model_set(wasm_config_t *, bool);
void wasmtime_config_wasm_component_model_map_set(wasm_config_t *, bool);
void wasmtime_config_wasm_component_model_implements_set(wasm_config_t *, bool);
void wasmtime_config_wasm_component_model_canonical_names_set(wasm_config_t *, bool);
void wasmtime_config_wasm_component_model_accessors_set(wasm_config_t *, bool);
void wasmtime_config_wasm_component_model_async_set(wasm_config_t *, bool);
void wasmtime_config_wasm_component_model_more_async_builtins_set(wasm_config_t *, bool);
void wasmtime_config_wasm_component_model_async_stackful_set(wasm_config_t *, bool);
void wasmtime_config_strategy_set(wasm_config_t *, wasmtime_strategy_t);
void wasmtime_config_parallel_compilation_set(wasm_config_t *, bool);
void wasmtime_config_cranelift_debug_verifier_set(wasm_config_t *, bool);
void wasmtime_config_cranelift_nan_canonicalization_set(wasm_config_t *, bool);
void wasmtime_config_cranelift_opt_level_set(wasm_config_t *, wasmtime_opt_level_t);
void wasmtime_config_cranelift_regalloc_algorithm_set(wasm_config_t *, wasmtime_regalloc_algorithm_t);
void wasmtime_config_cranelift_flag_enable(wasm_config_t *, const char *);
void wasmtime_config_cranelift_flag_set(wasm_config_t *, const char *key, const char *value);
void wasmtime_config_profiler_set(wasm_config_t *, wasmtime_profiling_strategy_t);
wasmtime_error_t *wasmtime_config_target_set(wasm_config_t *, const char *);
wasmtime_error_t *wasmtime_config_cache_config_load(wasm_config_t *, const char *);
void wasmtime_config_memory_may_move_set(wasm_config_t *, bool);
void wasmtime_config_memory_reservation_set(wasm_config_t *, uint64_t);
void wasmtime_config_memory_guard_size_set(wasm_config_t *, uint64_t);
void wasmtime_config_memory_reservation_for_growth_set(wasm_config_t *, uint64_t);
void wasmtime_config_memory_init_cow_set(wasm_config_t *, bool);
void wasmtime_config_native_unwind_info_set(wasm_config_t *, bool);
void wasmtime_config_macos_use_mach_ports_set(wasm_config_t *, bool);
void wasmtime_config_signals_based_traps_set(wasm_config_t *, bool);

/* ---------------------------------------------------------------------------------- */
/* Pooling allocator: a config of its own, copied into a wasm_config_t by              */
/* wasmtime_pooling_allocation_strategy_set (which does not take ownership)            */
/* ---------------------------------------------------------------------------------- */

wasmtime_pooling_allocation_config_t *wasmtime_pooling_allocation_config_new(void);
void wasmtime_pooling_allocation_config_delete(wasmtime_pooling_allocation_config_t *);
void wasmtime_pooling_allocation_config_async_stack_keep_resident_set(wasmtime_pooling_allocation_config_t *, size_t);
void wasmtime_pooling_allocation_config_decommit_batch_size_set(wasmtime_pooling_allocation_config_t *, size_t);
void wasmtime_pooling_allocation_config_linear_memory_keep_resident_set(wasmtime_pooling_allocation_config_t *, size_t);
void wasmtime_pooling_allocation_config_max_component_instance_size_set(wasmtime_pooling_allocation_config_t *, size_t);
void wasmtime_pooling_allocation_config_max_core_instance_size_set(wasmtime_pooling_allocation_config_t *, size_t);
void wasmtime_pooling_allocation_config_max_core_instances_per_component_set(wasmtime_pooling_allocation_config_t *, uint32_t);
void wasmtime_pooling_allocation_config_max_memories_per_component_set(wasmtime_pooling_allocation_config_t *, uint32_t);
void wasmtime_pooling_allocation_config_max_memories_per_module_set(wasmtime_pooling_allocation_config_t *, uint32_t);
void wasmtime_pooling_allocation_config_max_memory_size_set(wasmtime_pooling_allocation_config_t *, size_t);
void wasmtime_pooling_allocation_config_max_tables_per_component_set(wasmtime_pooling_allocation_config_t *, uint32_t);
void wasmtime_pooling_allocation_config_max_tables_per_module_set(wasmtime_pooling_allocation_config_t *, uint32_t);
void wasmtime_pooling_allocation_config_max_unused_warm_slots_set(wasmtime_pooling_allocation_config_t *, uint32_t);
void wasmtime_pooling_allocation_config_table_elements_set(wasmtime_pooling_allocation_config_t *, size_t);
void wasmtime_pooling_allocation_config_table_keep_resident_set(wasmtime_pooling_allocation_config_t *, size_t);
void wasmtime_pooling_allocation_config_total_component_instances_set(wasmtime_pooling_allocation_config_t *, uint32_t);
void wasmtime_pooling_allocation_config_total_core_instances_set(wasmtime_pooling_allocation_config_t *, uint32_t);
void wasmtime_pooling_allocation_config_total_gc_heaps_set(wasmtime_pooling_allocation_config_t *, uint32_t);
void wasmtime_pooling_allocation_config_total_memories_set(wasmtime_pooling_allocation_config_t *, uint32_t);
void wasmtime_pooling_allocation_config_total_stacks_set(wasmtime_pooling_allocation_config_t *, uint32_t);
void wasmtime_pooling_allocation_config_total_tables_set(wasmtime_pooling_allocation_config_t *, uint32_t);
void wasmtime_pooling_allocation_strategy_set(wasm_config_t *, const wasmtime_pooling_allocation_config_t *);

/* ---------------------------------------------------------------------------------- */
/* Engine                                                                              */
/* ---------------------------------------------------------------------------------- */

wasm_engine_t *wasm_engine_new(void);
wasm_engine_t *wasm_engine_new_with_config(wasm_config_t *);
void wasm_engine_delete(wasm_engine_t *);
wasm_engine_t *wasmtime_engine_clone(wasm_engine_t *engine);
void wasmtime_engine_increment_epoch(wasm_engine_t *engine);
bool wasmtime_engine_is_pulley(wasm_engine_t *engine);

/* ---------------------------------------------------------------------------------- */
/* Errors (wasmtime_error_t is owned by the caller once returned)                      */
/* ---------------------------------------------------------------------------------- */

wasmtime_error_t *wasmtime_error_new(const char *);
void wasmtime_error_delete(wasmtime_error_t *error);
void wasmtime_error_message(wasmtime_error_t *error, wasm_name_t *message);
bool wasmtime_error_exit_status(wasmtime_error_t *, int *status);
void wasmtime_error_wasm_trace(wasmtime_error_t *, wasm_frame_vec_t *out);

/* ---------------------------------------------------------------------------------- */
/* Value types, function types and the other wasm.h type objects                       */
/* ---------------------------------------------------------------------------------- */

typedef struct wasm_limits_t {
    uint32_t min;
    uint32_t max;
} wasm_limits_t;

wasm_valtype_t *wasm_valtype_new(wasm_valkind_t);
wasm_valtype_t *wasm_valtype_copy(wasm_valtype_t *);
void wasm_valtype_delete(wasm_valtype_t *);
/* Never called by cwasmtime: it aborts on v128 and on most reference types */
wasm_valkind_t wasm_valtype_kind(wasm_valtype_t *);
wasm_valtype_t *wasmtime_wasm_valtype_v128(void);
bool wasmtime_wasm_valtype_equal(wasm_valtype_t *a, wasm_valtype_t *b);

/* Rich value types (wasmtime/types/val.h), only to build the abstract reference types */
/* that value types are classified against (see _values.pxi): wasm_valtype_kind aborts */
/* on v128 and most references, wasmtime_valtype_new on continuation references.       */
typedef struct wasmtime_array_type wasmtime_array_type_t;
typedef struct wasmtime_struct_type wasmtime_struct_type_t;
typedef struct wasmtime_exn_type wasmtime_exn_type_t;
typedef uint8_t wasmtime_heaptype_kind_t;
typedef uint8_t wasmtime_valtype_kind_t;

typedef union wasmtime_heaptype_union {
    wasm_functype_t *concrete_func;
    wasmtime_array_type_t *concrete_array;
    wasmtime_struct_type_t *concrete_struct;
    wasmtime_exn_type_t *concrete_exn;
} wasmtime_heaptype_union_t;

typedef struct wasmtime_heaptype {
    wasmtime_heaptype_kind_t kind;
    wasmtime_heaptype_union_t of;
} wasmtime_heaptype_t;

typedef struct wasmtime_reftype {
    bool nullable;
    wasmtime_heaptype_t heaptype;
} wasmtime_reftype_t;

typedef struct wasmtime_valtype {
    wasmtime_valtype_kind_t kind;
    wasmtime_reftype_t reftype;
} wasmtime_valtype_t;

/* `engine` may be NULL for every type but a concrete function reference */
wasm_valtype_t *wasmtime_valtype_to_wasm(wasm_engine_t *engine, wasmtime_valtype_t *ty);

wasm_functype_t *wasm_functype_new(wasm_valtype_vec_t *params, wasm_valtype_vec_t *results);
wasm_functype_t *wasm_functype_copy(wasm_functype_t *);
void wasm_functype_delete(wasm_functype_t *);
wasm_valtype_vec_t *wasm_functype_params(wasm_functype_t *);
wasm_valtype_vec_t *wasm_functype_results(wasm_functype_t *);

wasm_globaltype_t *wasm_globaltype_new(wasm_valtype_t *, wasm_mutability_t);
wasm_globaltype_t *wasm_globaltype_copy(wasm_globaltype_t *);
void wasm_globaltype_delete(wasm_globaltype_t *);
wasm_valtype_t *wasm_globaltype_content(wasm_globaltype_t *);
wasm_mutability_t wasm_globaltype_mutability(wasm_globaltype_t *);

wasm_tabletype_t *wasm_tabletype_new(wasm_valtype_t *, wasm_limits_t *);
wasm_tabletype_t *wasm_tabletype_copy(wasm_tabletype_t *);
void wasm_tabletype_delete(wasm_tabletype_t *);
wasm_valtype_t *wasm_tabletype_element(wasm_tabletype_t *);
wasm_limits_t *wasm_tabletype_limits(wasm_tabletype_t *);

/* Memory types: wasm_limits_t is 32-bit; the wasmtime_memorytype_* calls are 64-bit aware */
wasm_memorytype_t *wasm_memorytype_new(wasm_limits_t *);
wasm_memorytype_t *wasm_memorytype_copy(wasm_memorytype_t *);
void wasm_memorytype_delete(wasm_memorytype_t *);
wasm_limits_t *wasm_memorytype_limits(wasm_memorytype_t *);
wasmtime_error_t *wasmtime_memorytype_new(uint64_t min, bool max_present, uint64_t max, bool is_64, bool shared, uint8_t page_size_log2, wasm_memorytype_t **ret);
uint64_t wasmtime_memorytype_minimum(wasm_memorytype_t *ty);
bool wasmtime_memorytype_maximum(wasm_memorytype_t *ty, uint64_t *max);
bool wasmtime_memorytype_is64(wasm_memorytype_t *ty);
bool wasmtime_memorytype_isshared(wasm_memorytype_t *ty);
uint64_t wasmtime_memorytype_page_size(wasm_memorytype_t *ty);
uint8_t wasmtime_memorytype_page_size_log2(wasm_memorytype_t *ty);

wasm_tagtype_t *wasm_tagtype_new(wasm_functype_t *);
wasm_tagtype_t *wasm_tagtype_copy(wasm_tagtype_t *);
void wasm_tagtype_delete(wasm_tagtype_t *);
wasm_functype_t *wasm_tagtype_functype(wasm_tagtype_t *);

/* Extern types and the (non-owning) casts between them */
wasm_externtype_t *wasm_externtype_copy(wasm_externtype_t *);
void wasm_externtype_delete(wasm_externtype_t *);
wasm_externkind_t wasm_externtype_kind(wasm_externtype_t *);
wasm_externtype_t *wasm_functype_as_externtype(wasm_functype_t *);
wasm_externtype_t *wasm_globaltype_as_externtype(wasm_globaltype_t *);
wasm_externtype_t *wasm_tabletype_as_externtype(wasm_tabletype_t *);
wasm_externtype_t *wasm_memorytype_as_externtype(wasm_memorytype_t *);
wasm_externtype_t *wasm_tagtype_as_externtype(wasm_tagtype_t *);
wasm_externtype_t *wasm_functype_as_externtype_const(wasm_functype_t *);
wasm_externtype_t *wasm_globaltype_as_externtype_const(wasm_globaltype_t *);
wasm_externtype_t *wasm_tabletype_as_externtype_const(wasm_tabletype_t *);
wasm_externtype_t *wasm_memorytype_as_externtype_const(wasm_memorytype_t *);
wasm_externtype_t *wasm_tagtype_as_externtype_const(wasm_tagtype_t *);
wasm_functype_t *wasm_externtype_as_functype(wasm_externtype_t *);
wasm_globaltype_t *wasm_externtype_as_globaltype(wasm_externtype_t *);
wasm_tabletype_t *wasm_externtype_as_tabletype(wasm_externtype_t *);
wasm_memorytype_t *wasm_externtype_as_memorytype(wasm_externtype_t *);
wasm_tagtype_t *wasm_externtype_as_tagtype(wasm_externtype_t *);
wasm_functype_t *wasm_externtype_as_functype_const(wasm_externtype_t *);
wasm_globaltype_t *wasm_externtype_as_globaltype_const(wasm_externtype_t *);
wasm_tabletype_t *wasm_externtype_as_tabletype_const(wasm_externtype_t *);
wasm_memorytype_t *wasm_externtype_as_memorytype_const(wasm_externtype_t *);
wasm_tagtype_t *wasm_externtype_as_tagtype_const(wasm_externtype_t *);

/* Import and export descriptors */
wasm_importtype_t *wasm_importtype_new(wasm_name_t *module, wasm_name_t *name, wasm_externtype_t *);
wasm_importtype_t *wasm_importtype_copy(wasm_importtype_t *);
void wasm_importtype_delete(wasm_importtype_t *);
wasm_name_t *wasm_importtype_module(wasm_importtype_t *);
wasm_name_t *wasm_importtype_name(wasm_importtype_t *);
wasm_externtype_t *wasm_importtype_type(wasm_importtype_t *);
wasm_exporttype_t *wasm_exporttype_new(wasm_name_t *, wasm_externtype_t *);
wasm_exporttype_t *wasm_exporttype_copy(wasm_exporttype_t *);
void wasm_exporttype_delete(wasm_exporttype_t *);
wasm_name_t *wasm_exporttype_name(wasm_exporttype_t *);
wasm_externtype_t *wasm_exporttype_type(wasm_exporttype_t *);

/* ---------------------------------------------------------------------------------- */
/* Store-owned item handles.  These are plain values (store_id + private index) that  */
/* are only valid together with the store they came from.                              */
/* ---------------------------------------------------------------------------------- */

typedef struct wasmtime_func {
    uint64_t store_id;
    void *__private;
} wasmtime_func_t;

typedef struct wasmtime_table {
    struct {
        uint64_t store_id;
        uint32_t __private1;
    };
    uint32_t __private2;
} wasmtime_table_t;

typedef struct wasmtime_memory {
    struct {
        uint64_t store_id;
        uint32_t __private1;
    };
    uint32_t __private2;
} wasmtime_memory_t;

typedef struct wasmtime_global {
    uint64_t store_id;
    uint32_t __private1;
    uint32_t __private2;
    uint32_t __private3;
} wasmtime_global_t;

typedef struct wasmtime_tag {
    struct {
        uint64_t store_id;
        uint32_t __private1;
    };
    uint32_t __private2;
} wasmtime_tag_t;

typedef struct wasmtime_instance {
    uint64_t store_id;
    size_t __private;
} wasmtime_instance_t;

/* Any item an instance can export or a linker can define; `kind` selects `of` */
typedef union wasmtime_extern_union {
    wasmtime_func_t func;
    wasmtime_global_t global;
    wasmtime_table_t table;
    wasmtime_memory_t memory;
    struct wasmtime_sharedmemory *sharedmemory;
    wasmtime_tag_t tag;
} wasmtime_extern_union_t;

typedef struct wasmtime_extern {
    wasmtime_extern_kind_t kind;
    wasmtime_extern_union_t of;
} wasmtime_extern_t;

/* ---------------------------------------------------------------------------------- */
/* Values.  GC references are rooted handles: clone/unroot them explicitly.            */
/* anyref and exnref are only declared because wasmtime_valunion embeds them.          */
/* ---------------------------------------------------------------------------------- */

typedef struct wasmtime_anyref {
    uint64_t store_id;
    uint32_t __private1;
    uint32_t __private2;
    void *__private3;
} wasmtime_anyref_t;

typedef struct wasmtime_exnref {
    uint64_t store_id;
    uint32_t __private1;
    uint32_t __private2;
    void *__private3;
} wasmtime_exnref_t;

typedef struct wasmtime_externref {
    uint64_t store_id;
    uint32_t __private1;
    uint32_t __private2;
    void *__private3;
} wasmtime_externref_t;

typedef union wasmtime_valunion {
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
    wasmtime_anyref_t anyref;
    wasmtime_externref_t externref;
    wasmtime_exnref_t exnref;
    wasmtime_func_t funcref;
    wasmtime_v128 v128;
} wasmtime_valunion_t;

typedef struct wasmtime_val {
    wasmtime_valkind_t kind;
    wasmtime_valunion_t of;
} wasmtime_val_t;

/* Untyped 16-byte value slot used by the *_unchecked call paths; refs are raw indices */
typedef union wasmtime_val_raw {
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
    wasmtime_v128 v128;
    uint32_t anyref;
    uint32_t externref;
    uint32_t exnref;
    void *funcref;
} wasmtime_val_raw_t;

void wasmtime_val_clone(wasmtime_val_t *src, wasmtime_val_t *dst);
void wasmtime_val_unroot(wasmtime_val_t *val);
bool wasmtime_externref_new(wasmtime_context_t *context, void *data, wasmtime_finalizer_t finalizer, wasmtime_externref_t *out);
void *wasmtime_externref_data(wasmtime_context_t *context, wasmtime_externref_t *data);
void wasmtime_externref_clone(wasmtime_externref_t *ref, wasmtime_externref_t *out);
void wasmtime_externref_unroot(wasmtime_externref_t *ref);
void wasmtime_externref_from_raw(wasmtime_context_t *context, uint32_t raw, wasmtime_externref_t *out);
uint32_t wasmtime_externref_to_raw(wasmtime_context_t *context, wasmtime_externref_t *ref);

/* ---------------------------------------------------------------------------------- */
/* Traps and backtrace frames                                                          */
/* ---------------------------------------------------------------------------------- */

wasm_trap_t *wasm_trap_new(wasm_store_t *store, wasm_message_t *);
wasm_trap_t *wasm_trap_copy(wasm_trap_t *);
void wasm_trap_delete(wasm_trap_t *);
bool wasm_trap_same(wasm_trap_t *, wasm_trap_t *);
void wasm_trap_message(wasm_trap_t *, wasm_message_t *out);
wasm_frame_t *wasm_trap_origin(wasm_trap_t *);
void wasm_trap_trace(wasm_trap_t *, wasm_frame_vec_t *out);
wasm_trap_t *wasmtime_trap_new(const char *msg, size_t msg_len);
wasm_trap_t *wasmtime_trap_new_code(wasmtime_trap_code_t code);
bool wasmtime_trap_code(wasm_trap_t *, wasmtime_trap_code_t *code);
wasm_frame_t *wasm_frame_copy(wasm_frame_t *);
void wasm_frame_delete(wasm_frame_t *);
wasm_instance_t *wasm_frame_instance(const wasm_frame_t *frame);
uint32_t wasm_frame_func_index(wasm_frame_t *);
size_t wasm_frame_func_offset(wasm_frame_t *);
size_t wasm_frame_module_offset(wasm_frame_t *);
wasm_name_t *wasmtime_frame_func_name(wasm_frame_t *);
wasm_name_t *wasmtime_frame_module_name(wasm_frame_t *);

/* ---------------------------------------------------------------------------------- */
/* WASI configuration (consumed by wasmtime_context_set_wasi)                          */
/* ---------------------------------------------------------------------------------- */

/* Custom stdout/stderr sink: returns bytes written, or a negative OS error code */
typedef ptrdiff_t (*wasi_write_callback_t)(void *data, const unsigned char *buf, size_t len);

typedef size_t wasi_file_perms;

wasi_config_t *wasi_config_new(void);
void wasi_config_delete(wasi_config_t *);
bool wasi_config_set_argv(wasi_config_t *config, size_t argc, const char **argv);
void wasi_config_inherit_argv(wasi_config_t *config);
bool wasi_config_set_env(wasi_config_t *config, size_t envc, const char **names, const char **values);
void wasi_config_inherit_env(wasi_config_t *config);
bool wasi_config_set_stdin_file(wasi_config_t *config, const char *path);
void wasi_config_set_stdin_bytes(wasi_config_t *config, wasm_byte_vec_t *binary);
void wasi_config_inherit_stdin(wasi_config_t *config);
bool wasi_config_set_stdout_file(wasi_config_t *config, const char *path);
void wasi_config_inherit_stdout(wasi_config_t *config);
void wasi_config_set_stdout_custom(wasi_config_t *config, wasi_write_callback_t callback, void *data, wasmtime_finalizer_t finalizer);
bool wasi_config_set_stderr_file(wasi_config_t *config, const char *path);
void wasi_config_inherit_stderr(wasi_config_t *config);
void wasi_config_set_stderr_custom(wasi_config_t *config, wasi_write_callback_t callback, void *data, wasmtime_finalizer_t finalizer);
bool wasi_config_preopen_dir(wasi_config_t *config, const char *host_path, const char *guest_path, bool fs_mutable);
void wasi_config_inherit_network(wasi_config_t *config);
void wasi_config_allow_ip_name_lookup(wasi_config_t *config, bool enable);

/* ---------------------------------------------------------------------------------- */
/* Store and context.  A store owns every item created in it; most calls take the     */
/* store's context (wasmtime_store_context) rather than the store itself.              */
/* ---------------------------------------------------------------------------------- */

/* Called when the epoch deadline is reached; returns an error to trap, or NULL */
typedef wasmtime_error_t *(*wasmtime_epoch_deadline_callback_t)(wasmtime_context_t *context, void *data, uint64_t *epoch_deadline_delta, wasmtime_update_deadline_kind_t *update_kind);

wasmtime_store_t *wasmtime_store_new(wasm_engine_t *engine, void *data, wasmtime_finalizer_t finalizer);
wasmtime_context_t *wasmtime_store_context(wasmtime_store_t *store);
void wasmtime_store_limiter(wasmtime_store_t *store, int64_t memory_size, int64_t table_elements, int64_t instances, int64_t tables, int64_t memories);
void wasmtime_store_epoch_deadline_callback(wasmtime_store_t *store, wasmtime_epoch_deadline_callback_t func, void *data, wasmtime_finalizer_t finalizer);
void wasmtime_store_delete(wasmtime_store_t *store);
void *wasmtime_context_get_data(wasmtime_context_t *context);
void wasmtime_context_set_data(wasmtime_context_t *context, void *data);
wasmtime_error_t *wasmtime_context_gc(wasmtime_context_t *context);
wasmtime_error_t *wasmtime_context_set_fuel(wasmtime_context_t *store, uint64_t fuel);
wasmtime_error_t *wasmtime_context_get_fuel(wasmtime_context_t *context, uint64_t *fuel);
wasmtime_error_t *wasmtime_context_set_wasi(wasmtime_context_t *context, wasi_config_t *wasi);
void wasmtime_context_set_wasi_http(wasmtime_context_t *context);
void wasmtime_context_set_epoch_deadline(wasmtime_context_t *context, uint64_t ticks_beyond_current);

/* ---------------------------------------------------------------------------------- */
/* Modules                                                                             */
/* ---------------------------------------------------------------------------------- */

wasmtime_error_t *wasmtime_module_new(wasm_engine_t *engine, const uint8_t *wasm, size_t wasm_len, wasmtime_module_t **ret);
void wasmtime_module_delete(wasmtime_module_t *m);
wasmtime_module_t *wasmtime_module_clone(wasmtime_module_t *m);
void wasmtime_module_imports(wasmtime_module_t *module, wasm_importtype_vec_t *out);
void wasmtime_module_exports(wasmtime_module_t *module, wasm_exporttype_vec_t *out);
wasmtime_error_t *wasmtime_module_validate(wasm_engine_t *engine, const uint8_t *wasm, size_t wasm_len);
wasmtime_error_t *wasmtime_module_serialize(wasmtime_module_t *module, wasm_byte_vec_t *ret);
wasmtime_error_t *wasmtime_module_deserialize(wasm_engine_t *engine, const uint8_t *bytes, size_t bytes_len, wasmtime_module_t **ret);
wasmtime_error_t *wasmtime_module_deserialize_file(wasm_engine_t *engine, const char *path, wasmtime_module_t **ret);
void wasmtime_module_image_range(const wasmtime_module_t *module, void **start, void **end);

/* ---------------------------------------------------------------------------------- */
/* Functions.  A host callback returns NULL on success or a trap it hands over.       */
/* ---------------------------------------------------------------------------------- */

typedef wasm_trap_t *(*wasmtime_func_callback_t)(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs, wasmtime_val_t *results, size_t nresults);

typedef wasm_trap_t *(*wasmtime_func_unchecked_callback_t)(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *args_and_results, size_t num_args_and_results);

void wasmtime_func_new(wasmtime_context_t *store, wasm_functype_t *ty, wasmtime_func_callback_t callback, void *env, wasmtime_finalizer_t finalizer, wasmtime_func_t *ret);
void wasmtime_func_new_unchecked(wasmtime_context_t *store, wasm_functype_t *ty, wasmtime_func_unchecked_callback_t callback, void *env, wasmtime_finalizer_t finalizer, wasmtime_func_t *ret);
wasm_functype_t *wasmtime_func_type(wasmtime_context_t *store, wasmtime_func_t *func);
wasmtime_error_t *wasmtime_func_call(wasmtime_context_t *store, wasmtime_func_t *func, wasmtime_val_t *args, size_t nargs, wasmtime_val_t *results, size_t nresults, wasm_trap_t **trap);
wasmtime_error_t *wasmtime_func_call_unchecked(wasmtime_context_t *store, wasmtime_func_t *func, wasmtime_val_raw_t *args_and_results, size_t args_and_results_len, wasm_trap_t **trap);
void wasmtime_func_from_raw(wasmtime_context_t *context, void *raw, wasmtime_func_t *ret);
void *wasmtime_func_to_raw(wasmtime_context_t *context, wasmtime_func_t *func);
bool wasmtime_caller_export_get(wasmtime_caller_t *caller, const char *name, size_t name_len, wasmtime_extern_t *item);
wasmtime_context_t *wasmtime_caller_context(wasmtime_caller_t *caller);

/* ---------------------------------------------------------------------------------- */
/* Externs, globals, tables, memories, shared memories, tags                           */
/* ---------------------------------------------------------------------------------- */

void wasmtime_extern_delete(wasmtime_extern_t *val);
wasm_externtype_t *wasmtime_extern_type(wasmtime_context_t *context, wasmtime_extern_t *val);
void wasm_extern_delete(wasm_extern_t *);
wasmtime_error_t *wasmtime_global_new(wasmtime_context_t *store, wasm_globaltype_t *ty, wasmtime_val_t *val, wasmtime_global_t *ret);
wasm_globaltype_t *wasmtime_global_type(wasmtime_context_t *store, wasmtime_global_t *);
void wasmtime_global_get(wasmtime_context_t *store, wasmtime_global_t *, wasmtime_val_t *out);
wasmtime_error_t *wasmtime_global_set(wasmtime_context_t *store, wasmtime_global_t *, wasmtime_val_t *val);
wasmtime_error_t *wasmtime_table_new(wasmtime_context_t *store, wasm_tabletype_t *ty, wasmtime_val_t *init, wasmtime_table_t *table);
wasm_tabletype_t *wasmtime_table_type(wasmtime_context_t *store, wasmtime_table_t *table);
bool wasmtime_table_get(wasmtime_context_t *store, wasmtime_table_t *table, uint64_t index, wasmtime_val_t *val);
wasmtime_error_t *wasmtime_table_set(wasmtime_context_t *store, wasmtime_table_t *table, uint64_t index, wasmtime_val_t *value);
uint64_t wasmtime_table_size(wasmtime_context_t *store, wasmtime_table_t *table);
wasmtime_error_t *wasmtime_table_grow(wasmtime_context_t *store, wasmtime_table_t *table, uint64_t delta, wasmtime_val_t *init, uint64_t *prev_size);
wasmtime_error_t *wasmtime_memory_new(wasmtime_context_t *store, wasm_memorytype_t *ty, wasmtime_memory_t *ret);
wasm_memorytype_t *wasmtime_memory_type(wasmtime_context_t *store, wasmtime_memory_t *memory);
uint8_t *wasmtime_memory_data(wasmtime_context_t *store, wasmtime_memory_t *memory);
size_t wasmtime_memory_data_size(wasmtime_context_t *store, wasmtime_memory_t *memory);
uint64_t wasmtime_memory_size(wasmtime_context_t *store, wasmtime_memory_t *memory);
wasmtime_error_t *wasmtime_memory_grow(wasmtime_context_t *store, wasmtime_memory_t *memory, uint64_t delta, uint64_t *prev_size);
uint64_t wasmtime_memory_page_size(wasmtime_context_t *store, wasmtime_memory_t *memory);
uint8_t wasmtime_memory_page_size_log2(wasmtime_context_t *store, wasmtime_memory_t *memory);
wasmtime_error_t *wasmtime_sharedmemory_new(wasm_engine_t *engine, wasm_memorytype_t *ty, wasmtime_sharedmemory_t **ret);
void wasmtime_sharedmemory_delete(wasmtime_sharedmemory_t *memory);
wasmtime_sharedmemory_t *wasmtime_sharedmemory_clone(wasmtime_sharedmemory_t *memory);
wasm_memorytype_t *wasmtime_sharedmemory_type(wasmtime_sharedmemory_t *memory);
uint8_t *wasmtime_sharedmemory_data(wasmtime_sharedmemory_t *memory);
size_t wasmtime_sharedmemory_data_size(wasmtime_sharedmemory_t *memory);
uint64_t wasmtime_sharedmemory_size(wasmtime_sharedmemory_t *memory);
wasmtime_error_t *wasmtime_sharedmemory_grow(wasmtime_sharedmemory_t *memory, uint64_t delta, uint64_t *prev_size);
wasmtime_error_t *wasmtime_tag_new(wasmtime_context_t *store, wasm_tagtype_t *tt, wasmtime_tag_t *ret);
wasm_tagtype_t *wasmtime_tag_type(wasmtime_context_t *store, wasmtime_tag_t *tag);
bool wasmtime_tag_eq(wasmtime_context_t *store, wasmtime_tag_t *a, wasmtime_tag_t *b);

/* ---------------------------------------------------------------------------------- */
/* Instances and pre-instantiated modules                                              */
/* ---------------------------------------------------------------------------------- */

wasmtime_error_t *wasmtime_instance_new(wasmtime_context_t *store, wasmtime_module_t *module, wasmtime_extern_t *imports, size_t nimports, wasmtime_instance_t *instance, wasm_trap_t **trap);
bool wasmtime_instance_export_get(wasmtime_context_t *store, wasmtime_instance_t *instance, const char *name, size_t name_len, wasmtime_extern_t *item);
bool wasmtime_instance_export_nth(wasmtime_context_t *store, const wasmtime_instance_t *instance, size_t index, char **name, size_t *name_len, wasmtime_extern_t *item);
void wasmtime_instance_pre_delete(wasmtime_instance_pre_t *instance_pre);
wasmtime_error_t *wasmtime_instance_pre_instantiate(wasmtime_instance_pre_t *instance_pre, wasmtime_context_t *store, wasmtime_instance_t *instance, wasm_trap_t **trap_ptr);
wasmtime_module_t *wasmtime_instance_pre_module(wasmtime_instance_pre_t *instance_pre);

/* ---------------------------------------------------------------------------------- */
/* Linker                                                                              */
/* ---------------------------------------------------------------------------------- */

wasmtime_linker_t *wasmtime_linker_new(wasm_engine_t *engine);
wasmtime_linker_t *wasmtime_linker_clone(wasmtime_linker_t *linker);
void wasmtime_linker_delete(wasmtime_linker_t *linker);
void wasmtime_linker_allow_shadowing(wasmtime_linker_t *linker, bool allow_shadowing);
wasmtime_error_t *wasmtime_linker_define(wasmtime_linker_t *linker, wasmtime_context_t *store, const char *module, size_t module_len, const char *name, size_t name_len, wasmtime_extern_t *item);
wasmtime_error_t *wasmtime_linker_define_func(wasmtime_linker_t *linker, const char *module, size_t module_len, const char *name, size_t name_len, wasm_functype_t *ty, wasmtime_func_callback_t cb, void *data, wasmtime_finalizer_t finalizer);
wasmtime_error_t *wasmtime_linker_define_func_unchecked(wasmtime_linker_t *linker, const char *module, size_t module_len, const char *name, size_t name_len, wasm_functype_t *ty, wasmtime_func_unchecked_callback_t cb, void *data, wasmtime_finalizer_t finalizer);
wasmtime_error_t *wasmtime_linker_define_wasi(wasmtime_linker_t *linker);
wasmtime_error_t *wasmtime_linker_define_instance(wasmtime_linker_t *linker, wasmtime_context_t *store, const char *name, size_t name_len, wasmtime_instance_t *instance);
wasmtime_error_t *wasmtime_linker_define_unknown_imports_as_traps(wasmtime_linker_t *linker, wasmtime_module_t *module);
wasmtime_error_t *wasmtime_linker_define_unknown_imports_as_default_values(wasmtime_linker_t *linker, wasmtime_context_t *store, wasmtime_module_t *module);
wasmtime_error_t *wasmtime_linker_instantiate(wasmtime_linker_t *linker, wasmtime_context_t *store, wasmtime_module_t *module, wasmtime_instance_t *instance, wasm_trap_t **trap);
wasmtime_error_t *wasmtime_linker_instantiate_pre(wasmtime_linker_t *linker, wasmtime_module_t *module, wasmtime_instance_pre_t **instance_pre);
wasmtime_error_t *wasmtime_linker_module(wasmtime_linker_t *linker, wasmtime_context_t *store, const char *name, size_t name_len, wasmtime_module_t *module);
wasmtime_error_t *wasmtime_linker_get_default(wasmtime_linker_t *linker, wasmtime_context_t *store, const char *name, size_t name_len, wasmtime_func_t *func);
bool wasmtime_linker_get(wasmtime_linker_t *linker, wasmtime_context_t *store, const char *module, size_t module_len, const char *name, size_t name_len, wasmtime_extern_t *item);

/* ================================================================================== */
/* Component model.  Everything below is the v50 component API (wasmtime/component/)  */
/* minus its async entry points.  Type handles are opaque, owned by the caller and    */
/* released with their own *_delete; `_nth`/`_get` accessors borrow their name        */
/* strings from the type they are called on.                                          */
/* ================================================================================== */

/* wasmtime_component_valkind_t: the `kind` of a wasmtime_component_val_t.  MAP's     */
/* value was read from the library (tests/component/test_map.py checks it).           */
enum {
    WASMTIME_COMPONENT_BOOL = 0,
    WASMTIME_COMPONENT_S8 = 1,
    WASMTIME_COMPONENT_U8 = 2,
    WASMTIME_COMPONENT_S16 = 3,
    WASMTIME_COMPONENT_U16 = 4,
    WASMTIME_COMPONENT_S32 = 5,
    WASMTIME_COMPONENT_U32 = 6,
    WASMTIME_COMPONENT_S64 = 7,
    WASMTIME_COMPONENT_U64 = 8,
    WASMTIME_COMPONENT_F32 = 9,
    WASMTIME_COMPONENT_F64 = 10,
    WASMTIME_COMPONENT_CHAR = 11,
    WASMTIME_COMPONENT_STRING = 12,
    WASMTIME_COMPONENT_LIST = 13,
    WASMTIME_COMPONENT_RECORD = 14,
    WASMTIME_COMPONENT_TUPLE = 15,
    WASMTIME_COMPONENT_VARIANT = 16,
    WASMTIME_COMPONENT_ENUM = 17,
    WASMTIME_COMPONENT_OPTION = 18,
    WASMTIME_COMPONENT_RESULT = 19,
    WASMTIME_COMPONENT_FLAGS = 20,
    WASMTIME_COMPONENT_RESOURCE = 21,
    WASMTIME_COMPONENT_MAP = 22
};

/* wasmtime_component_valtype_kind_t: the `kind` of a wasmtime_component_valtype_t.    */
/* MAP's value was read from the library (tests/component/test_map.py).  v50's C API   */
/* cannot enable fixed-length lists (no config setter), so no compiled component ever  */
/* reports that kind; it is not named here.                                            */
enum {
    WASMTIME_COMPONENT_VALTYPE_BOOL = 0,
    WASMTIME_COMPONENT_VALTYPE_S8 = 1,
    WASMTIME_COMPONENT_VALTYPE_S16 = 2,
    WASMTIME_COMPONENT_VALTYPE_S32 = 3,
    WASMTIME_COMPONENT_VALTYPE_S64 = 4,
    WASMTIME_COMPONENT_VALTYPE_U8 = 5,
    WASMTIME_COMPONENT_VALTYPE_U16 = 6,
    WASMTIME_COMPONENT_VALTYPE_U32 = 7,
    WASMTIME_COMPONENT_VALTYPE_U64 = 8,
    WASMTIME_COMPONENT_VALTYPE_F32 = 9,
    WASMTIME_COMPONENT_VALTYPE_F64 = 10,
    WASMTIME_COMPONENT_VALTYPE_CHAR = 11,
    WASMTIME_COMPONENT_VALTYPE_STRING = 12,
    WASMTIME_COMPONENT_VALTYPE_LIST = 13,
    WASMTIME_COMPONENT_VALTYPE_RECORD = 14,
    WASMTIME_COMPONENT_VALTYPE_TUPLE = 15,
    WASMTIME_COMPONENT_VALTYPE_VARIANT = 16,
    WASMTIME_COMPONENT_VALTYPE_ENUM = 17,
    WASMTIME_COMPONENT_VALTYPE_OPTION = 18,
    WASMTIME_COMPONENT_VALTYPE_RESULT = 19,
    WASMTIME_COMPONENT_VALTYPE_FLAGS = 20,
    WASMTIME_COMPONENT_VALTYPE_OWN = 21,
    WASMTIME_COMPONENT_VALTYPE_BORROW = 22,
    WASMTIME_COMPONENT_VALTYPE_FUTURE = 23,
    WASMTIME_COMPONENT_VALTYPE_STREAM = 24,
    WASMTIME_COMPONENT_VALTYPE_ERROR_CONTEXT = 25,
    WASMTIME_COMPONENT_VALTYPE_MAP = 26
};

/* wasmtime_component_item_kind_t: the `kind` of a wasmtime_component_item_t */
enum {
    WASMTIME_COMPONENT_ITEM_COMPONENT = 0,
    WASMTIME_COMPONENT_ITEM_COMPONENT_INSTANCE = 1,
    WASMTIME_COMPONENT_ITEM_MODULE = 2,
    WASMTIME_COMPONENT_ITEM_COMPONENT_FUNC = 3,
    WASMTIME_COMPONENT_ITEM_RESOURCE = 4,
    WASMTIME_COMPONENT_ITEM_CORE_FUNC = 5,
    WASMTIME_COMPONENT_ITEM_TYPE = 6
};

typedef uint8_t wasmtime_component_valkind_t;
typedef uint8_t wasmtime_component_valtype_kind_t;
typedef uint8_t wasmtime_component_item_kind_t;

/* Opaque component handles (all heap objects, none store-owned) */
typedef struct wasmtime_component_t wasmtime_component_t;
typedef struct wasmtime_component_export_index_t wasmtime_component_export_index_t;
typedef struct wasmtime_component_linker_t wasmtime_component_linker_t;
typedef struct wasmtime_component_linker_instance_t wasmtime_component_linker_instance_t;
typedef struct wasmtime_component_resource_any wasmtime_component_resource_any_t;
typedef struct wasmtime_component_resource_host wasmtime_component_resource_host_t;

/* Opaque component type objects */
typedef struct wasmtime_component_type_t wasmtime_component_type_t;
typedef struct wasmtime_component_func_type_t wasmtime_component_func_type_t;
typedef struct wasmtime_component_instance_type wasmtime_component_instance_type_t;
typedef struct wasmtime_module_type wasmtime_module_type_t;
typedef struct wasmtime_component_resource_type wasmtime_component_resource_type_t;
typedef struct wasmtime_component_extern_t wasmtime_component_extern_t;
typedef struct wasmtime_component_list_type wasmtime_component_list_type_t;
typedef struct wasmtime_component_fixed_length_list_type wasmtime_component_fixed_length_list_type_t;
typedef struct wasmtime_component_record_type wasmtime_component_record_type_t;
typedef struct wasmtime_component_tuple_type wasmtime_component_tuple_type_t;
typedef struct wasmtime_component_variant_type wasmtime_component_variant_type_t;
typedef struct wasmtime_component_enum_type wasmtime_component_enum_type_t;
typedef struct wasmtime_component_option_type wasmtime_component_option_type_t;
typedef struct wasmtime_component_result_type wasmtime_component_result_type_t;
typedef struct wasmtime_component_flags_type wasmtime_component_flags_type_t;
typedef struct wasmtime_component_future_type wasmtime_component_future_type_t;
typedef struct wasmtime_component_stream_type wasmtime_component_stream_type_t;
typedef struct wasmtime_component_map_type wasmtime_component_map_type_t;

/* ---------------------------------------------------------------------------------- */
/* Component store items: plain values, valid only with the store they came from      */
/* ---------------------------------------------------------------------------------- */

typedef struct wasmtime_component_instance {
    uint64_t store_id;
    uint32_t __private;
} wasmtime_component_instance_t;

/* v50 layout: 32 bytes (earlier releases had no __private3) */
typedef struct wasmtime_component_func {
    struct {
        uint64_t store_id;
        uint32_t __private1;
    };
    uint32_t __private2;
    void *__private3;
} wasmtime_component_func_t;

/* ---------------------------------------------------------------------------------- */
/* Component values.  A wasmtime_component_val_t owns what it points to; the vector   */
/* types below follow the wasm_*_vec_t conventions (new/new_empty/new_uninit, copy,   */
/* delete frees data and every element).                                              */
/* ---------------------------------------------------------------------------------- */

struct wasmtime_component_val;
struct wasmtime_component_valrecord_entry;
struct wasmtime_component_valmap_entry;

typedef struct wasmtime_component_vallist {
    size_t size;
    struct wasmtime_component_val *data;
} wasmtime_component_vallist_t;

typedef struct wasmtime_component_valrecord {
    size_t size;
    struct wasmtime_component_valrecord_entry *data;
} wasmtime_component_valrecord_t;

typedef struct wasmtime_component_valtuple {
    size_t size;
    struct wasmtime_component_val *data;
} wasmtime_component_valtuple_t;

/* flags value: the names of the flags that are set */
typedef struct wasmtime_component_valflags {
    size_t size;
    wasm_name_t *data;
} wasmtime_component_valflags_t;

typedef struct wasmtime_component_valmap {
    size_t size;
    struct wasmtime_component_valmap_entry *data;
} wasmtime_component_valmap_t;

/* variant value: case name plus an optional (NULL: none) heap-allocated payload */
typedef struct wasmtime_component_valvariant {
    wasm_name_t discriminant;
    struct wasmtime_component_val *val;
} wasmtime_component_valvariant_t;

/* result value: ok/err plus an optional (NULL: none) heap-allocated payload */
typedef struct wasmtime_component_valresult {
    bool is_ok;
    struct wasmtime_component_val *val;
} wasmtime_component_valresult_t;

typedef union wasmtime_component_valunion {
    bool boolean;
    int8_t s8;
    uint8_t u8;
    int16_t s16;
    uint16_t u16;
    int32_t s32;
    uint32_t u32;
    int64_t s64;
    uint64_t u64;
    float f32;
    double f64;
    uint32_t character;
    wasm_name_t string;
    wasmtime_component_vallist_t list;
    wasmtime_component_valrecord_t record;
    wasmtime_component_valtuple_t tuple;
    wasmtime_component_valvariant_t variant;
    wasm_name_t enumeration;
    struct wasmtime_component_val *option;   /* NULL: none */
    wasmtime_component_valresult_t result;
    wasmtime_component_valflags_t flags;
    wasmtime_component_valmap_t map;
    wasmtime_component_resource_any_t *resource;
} wasmtime_component_valunion_t;

typedef struct wasmtime_component_val {
    wasmtime_component_valkind_t kind;
    wasmtime_component_valunion_t of;
} wasmtime_component_val_t;

typedef struct wasmtime_component_valrecord_entry {
    wasm_name_t name;
    wasmtime_component_val_t val;
} wasmtime_component_valrecord_entry_t;

typedef struct wasmtime_component_valmap_entry {
    wasmtime_component_val_t key;
    wasmtime_component_val_t value;
} wasmtime_component_valmap_entry_t;

void wasmtime_component_vallist_new(wasmtime_component_vallist_t *out, size_t size, wasmtime_component_val_t *ptr);
void wasmtime_component_vallist_new_empty(wasmtime_component_vallist_t *out);
void wasmtime_component_vallist_new_uninit(wasmtime_component_vallist_t *out, size_t size);
void wasmtime_component_vallist_copy(wasmtime_component_vallist_t *dst, const wasmtime_component_vallist_t *src);
void wasmtime_component_vallist_delete(wasmtime_component_vallist_t *value);
void wasmtime_component_valrecord_new(wasmtime_component_valrecord_t *out, size_t size, wasmtime_component_valrecord_entry_t *ptr);
void wasmtime_component_valrecord_new_empty(wasmtime_component_valrecord_t *out);
void wasmtime_component_valrecord_new_uninit(wasmtime_component_valrecord_t *out, size_t size);
void wasmtime_component_valrecord_copy(wasmtime_component_valrecord_t *dst, const wasmtime_component_valrecord_t *src);
void wasmtime_component_valrecord_delete(wasmtime_component_valrecord_t *value);
void wasmtime_component_valtuple_new(wasmtime_component_valtuple_t *out, size_t size, wasmtime_component_val_t *ptr);
void wasmtime_component_valtuple_new_empty(wasmtime_component_valtuple_t *out);
void wasmtime_component_valtuple_new_uninit(wasmtime_component_valtuple_t *out, size_t size);
void wasmtime_component_valtuple_copy(wasmtime_component_valtuple_t *dst, const wasmtime_component_valtuple_t *src);
void wasmtime_component_valtuple_delete(wasmtime_component_valtuple_t *value);
void wasmtime_component_valflags_new(wasmtime_component_valflags_t *out, size_t size, wasm_name_t *ptr);
void wasmtime_component_valflags_new_empty(wasmtime_component_valflags_t *out);
void wasmtime_component_valflags_new_uninit(wasmtime_component_valflags_t *out, size_t size);
void wasmtime_component_valflags_copy(wasmtime_component_valflags_t *dst, const wasmtime_component_valflags_t *src);
void wasmtime_component_valflags_delete(wasmtime_component_valflags_t *value);
void wasmtime_component_valmap_new(wasmtime_component_valmap_t *out, size_t size, wasmtime_component_valmap_entry_t *ptr);
void wasmtime_component_valmap_new_empty(wasmtime_component_valmap_t *out);
void wasmtime_component_valmap_new_uninit(wasmtime_component_valmap_t *out, size_t size);
void wasmtime_component_valmap_copy(wasmtime_component_valmap_t *dst, const wasmtime_component_valmap_t *src);
void wasmtime_component_valmap_delete(wasmtime_component_valmap_t *value);

/* val_new moves *val into a new heap box (for option/variant/result payloads), which */
/* val_free releases; val_delete only releases what a value owns, not the value.       */
wasmtime_component_val_t *wasmtime_component_val_new(wasmtime_component_val_t *val);
void wasmtime_component_val_free(wasmtime_component_val_t *ptr);
void wasmtime_component_val_clone(const wasmtime_component_val_t *src, wasmtime_component_val_t *dst);
void wasmtime_component_val_delete(wasmtime_component_val_t *value);

/* ---------------------------------------------------------------------------------- */
/* Resources.  resource_any is any resource handle a component produced or consumed;  */
/* resource_host is a host-defined one (an owned/borrowed u32 rep of a u32 type id).  */
/* ---------------------------------------------------------------------------------- */

wasmtime_component_resource_type_t *wasmtime_component_resource_type_new_host(uint32_t ty);
wasmtime_component_resource_type_t *wasmtime_component_resource_type_clone(const wasmtime_component_resource_type_t *ty);
bool wasmtime_component_resource_type_equal(const wasmtime_component_resource_type_t *a, const wasmtime_component_resource_type_t *b);
void wasmtime_component_resource_type_delete(wasmtime_component_resource_type_t *resource);

wasmtime_component_resource_type_t *wasmtime_component_resource_any_type(const wasmtime_component_resource_any_t *resource);
wasmtime_component_resource_any_t *wasmtime_component_resource_any_clone(const wasmtime_component_resource_any_t *resource);
bool wasmtime_component_resource_any_owned(const wasmtime_component_resource_any_t *resource);
wasmtime_error_t *wasmtime_component_resource_any_drop(wasmtime_context_t *ctx, const wasmtime_component_resource_any_t *resource);
void wasmtime_component_resource_any_delete(wasmtime_component_resource_any_t *resource);
wasmtime_error_t *wasmtime_component_resource_any_to_host(wasmtime_context_t *ctx, const wasmtime_component_resource_any_t *resource, wasmtime_component_resource_host_t **ret);

wasmtime_component_resource_host_t *wasmtime_component_resource_host_new(bool owned, uint32_t rep, uint32_t ty);
wasmtime_component_resource_host_t *wasmtime_component_resource_host_clone(const wasmtime_component_resource_host_t *resource);
uint32_t wasmtime_component_resource_host_rep(const wasmtime_component_resource_host_t *resource);
uint32_t wasmtime_component_resource_host_type(const wasmtime_component_resource_host_t *resource);
bool wasmtime_component_resource_host_owned(const wasmtime_component_resource_host_t *resource);
void wasmtime_component_resource_host_delete(wasmtime_component_resource_host_t *resource);
wasmtime_error_t *wasmtime_component_resource_host_to_any(wasmtime_context_t *ctx, const wasmtime_component_resource_host_t *resource, wasmtime_component_resource_any_t **ret);

/* ---------------------------------------------------------------------------------- */
/* Component value types.  Accessors that fill a wasmtime_component_valtype_t hand    */
/* over a new value type (release it with wasmtime_component_valtype_delete).         */
/* ---------------------------------------------------------------------------------- */

/* Only the compound kinds use `of`; `enum` is a C keyword, hence `enum_`.  v50's     */
/* reference layout has no member for the fixed-length-list kind.                     */
typedef union wasmtime_component_valtype_union {
    wasmtime_component_list_type_t *list;
    wasmtime_component_record_type_t *record;
    wasmtime_component_tuple_type_t *tuple;
    wasmtime_component_variant_type_t *variant;
    wasmtime_component_enum_type_t *enum_;
    wasmtime_component_option_type_t *option;
    wasmtime_component_result_type_t *result;
    wasmtime_component_flags_type_t *flags;
    wasmtime_component_resource_type_t *own;
    wasmtime_component_resource_type_t *borrow;
    wasmtime_component_future_type_t *future;
    wasmtime_component_stream_type_t *stream;
    wasmtime_component_map_type_t *map;
} wasmtime_component_valtype_union_t;

typedef struct wasmtime_component_valtype_t {
    wasmtime_component_valtype_kind_t kind;
    wasmtime_component_valtype_union_t of;
} wasmtime_component_valtype_t;

void wasmtime_component_valtype_clone(const wasmtime_component_valtype_t *ty, wasmtime_component_valtype_t *out);
bool wasmtime_component_valtype_equal(const wasmtime_component_valtype_t *a, const wasmtime_component_valtype_t *b);
void wasmtime_component_valtype_delete(wasmtime_component_valtype_t *ptr);

wasmtime_component_list_type_t *wasmtime_component_list_type_clone(const wasmtime_component_list_type_t *ty);
bool wasmtime_component_list_type_equal(const wasmtime_component_list_type_t *a, const wasmtime_component_list_type_t *b);
void wasmtime_component_list_type_delete(wasmtime_component_list_type_t *ptr);
void wasmtime_component_list_type_element(const wasmtime_component_list_type_t *ty, wasmtime_component_valtype_t *type_ret);

wasmtime_component_fixed_length_list_type_t *wasmtime_component_fixed_length_list_type_clone(const wasmtime_component_fixed_length_list_type_t *ty);
bool wasmtime_component_fixed_length_list_type_equal(const wasmtime_component_fixed_length_list_type_t *a, const wasmtime_component_fixed_length_list_type_t *b);
void wasmtime_component_fixed_length_list_type_delete(wasmtime_component_fixed_length_list_type_t *ptr);
void wasmtime_component_fixed_length_list_type_element(const wasmtime_component_fixed_length_list_type_t *ty, wasmtime_component_valtype_t *type_ret);

wasmtime_component_record_type_t *wasmtime_component_record_type_clone(const wasmtime_component_record_type_t *ty);
bool wasmtime_component_record_type_equal(const wasmtime_component_record_type_t *a, const wasmtime_component_record_type_t *b);
void wasmtime_component_record_type_delete(wasmtime_component_record_type_t *ptr);
size_t wasmtime_component_record_type_field_count(const wasmtime_component_record_type_t *ty);
bool wasmtime_component_record_type_field_nth(const wasmtime_component_record_type_t *ty, size_t nth, const char **name_ret, size_t *name_len_ret, wasmtime_component_valtype_t *type_ret);

wasmtime_component_tuple_type_t *wasmtime_component_tuple_type_clone(const wasmtime_component_tuple_type_t *ty);
bool wasmtime_component_tuple_type_equal(const wasmtime_component_tuple_type_t *a, const wasmtime_component_tuple_type_t *b);
void wasmtime_component_tuple_type_delete(wasmtime_component_tuple_type_t *ptr);
size_t wasmtime_component_tuple_type_types_count(const wasmtime_component_tuple_type_t *ty);
bool wasmtime_component_tuple_type_types_nth(const wasmtime_component_tuple_type_t *ty, size_t nth, wasmtime_component_valtype_t *type_ret);

/* variant cases: has_payload_ret tells whether payload_ret was filled */
wasmtime_component_variant_type_t *wasmtime_component_variant_type_clone(const wasmtime_component_variant_type_t *ty);
bool wasmtime_component_variant_type_equal(const wasmtime_component_variant_type_t *a, const wasmtime_component_variant_type_t *b);
void wasmtime_component_variant_type_delete(wasmtime_component_variant_type_t *ptr);
size_t wasmtime_component_variant_type_case_count(const wasmtime_component_variant_type_t *ty);
bool wasmtime_component_variant_type_case_nth(const wasmtime_component_variant_type_t *ty, size_t nth, const char **name_ret, size_t *name_len_ret, bool *has_payload_ret, wasmtime_component_valtype_t *payload_ret);

wasmtime_component_enum_type_t *wasmtime_component_enum_type_clone(const wasmtime_component_enum_type_t *ty);
bool wasmtime_component_enum_type_equal(const wasmtime_component_enum_type_t *a, const wasmtime_component_enum_type_t *b);
void wasmtime_component_enum_type_delete(wasmtime_component_enum_type_t *ptr);
size_t wasmtime_component_enum_type_names_count(const wasmtime_component_enum_type_t *ty);
bool wasmtime_component_enum_type_names_nth(const wasmtime_component_enum_type_t *ty, size_t nth, const char **name_ret, size_t *name_len_ret);

wasmtime_component_option_type_t *wasmtime_component_option_type_clone(const wasmtime_component_option_type_t *ty);
bool wasmtime_component_option_type_equal(const wasmtime_component_option_type_t *a, const wasmtime_component_option_type_t *b);
void wasmtime_component_option_type_delete(wasmtime_component_option_type_t *ptr);
void wasmtime_component_option_type_ty(const wasmtime_component_option_type_t *ty, wasmtime_component_valtype_t *type_ret);

/* result ok/err (and future/stream payload) accessors return false when absent */
wasmtime_component_result_type_t *wasmtime_component_result_type_clone(const wasmtime_component_result_type_t *ty);
bool wasmtime_component_result_type_equal(const wasmtime_component_result_type_t *a, const wasmtime_component_result_type_t *b);
void wasmtime_component_result_type_delete(wasmtime_component_result_type_t *ptr);
bool wasmtime_component_result_type_ok(const wasmtime_component_result_type_t *ty, wasmtime_component_valtype_t *type_ret);
bool wasmtime_component_result_type_err(const wasmtime_component_result_type_t *ty, wasmtime_component_valtype_t *type_ret);

wasmtime_component_flags_type_t *wasmtime_component_flags_type_clone(const wasmtime_component_flags_type_t *ty);
bool wasmtime_component_flags_type_equal(const wasmtime_component_flags_type_t *a, const wasmtime_component_flags_type_t *b);
void wasmtime_component_flags_type_delete(wasmtime_component_flags_type_t *ptr);
size_t wasmtime_component_flags_type_names_count(const wasmtime_component_flags_type_t *ty);
bool wasmtime_component_flags_type_names_nth(const wasmtime_component_flags_type_t *ty, size_t nth, const char **name_ret, size_t *name_len_ret);

wasmtime_component_future_type_t *wasmtime_component_future_type_clone(const wasmtime_component_future_type_t *ty);
bool wasmtime_component_future_type_equal(const wasmtime_component_future_type_t *a, const wasmtime_component_future_type_t *b);
void wasmtime_component_future_type_delete(wasmtime_component_future_type_t *ptr);
bool wasmtime_component_future_type_ty(const wasmtime_component_future_type_t *ty, wasmtime_component_valtype_t *type_ret);

wasmtime_component_stream_type_t *wasmtime_component_stream_type_clone(const wasmtime_component_stream_type_t *ty);
bool wasmtime_component_stream_type_equal(const wasmtime_component_stream_type_t *a, const wasmtime_component_stream_type_t *b);
void wasmtime_component_stream_type_delete(wasmtime_component_stream_type_t *ptr);
bool wasmtime_component_stream_type_ty(const wasmtime_component_stream_type_t *ty, wasmtime_component_valtype_t *type_ret);

wasmtime_component_map_type_t *wasmtime_component_map_type_clone(const wasmtime_component_map_type_t *ty);
bool wasmtime_component_map_type_equal(const wasmtime_component_map_type_t *a, const wasmtime_component_map_type_t *b);
void wasmtime_component_map_type_delete(wasmtime_component_map_type_t *ptr);
void wasmtime_component_map_type_key(const wasmtime_component_map_type_t *ty, wasmtime_component_valtype_t *type_ret);
void wasmtime_component_map_type_value(const wasmtime_component_map_type_t *ty, wasmtime_component_valtype_t *type_ret);

/* ---------------------------------------------------------------------------------- */
/* Function, instance, module and component types; import/export descriptors         */
/* ---------------------------------------------------------------------------------- */

/* func_type_async only reports whether the function type is `async` */
wasmtime_component_func_type_t *wasmtime_component_func_type_clone(const wasmtime_component_func_type_t *ty);
void wasmtime_component_func_type_delete(wasmtime_component_func_type_t *ty);
bool wasmtime_component_func_type_async(const wasmtime_component_func_type_t *ty);
size_t wasmtime_component_func_type_param_count(const wasmtime_component_func_type_t *ty);
bool wasmtime_component_func_type_param_nth(const wasmtime_component_func_type_t *ty, size_t nth, const char **name_ret, size_t *name_len_ret, wasmtime_component_valtype_t *type_ret);
bool wasmtime_component_func_type_result(const wasmtime_component_func_type_t *ty, wasmtime_component_valtype_t *type_ret);

wasmtime_component_instance_type_t *wasmtime_component_instance_type_clone(const wasmtime_component_instance_type_t *ty);
void wasmtime_component_instance_type_delete(wasmtime_component_instance_type_t *ty);
size_t wasmtime_component_instance_type_export_count(const wasmtime_component_instance_type_t *ty, const wasm_engine_t *engine);
bool wasmtime_component_instance_type_export_get(const wasmtime_component_instance_type_t *ty, const wasm_engine_t *engine, const char *name, size_t name_len, wasmtime_component_extern_t **ret);
bool wasmtime_component_instance_type_export_nth(const wasmtime_component_instance_type_t *ty, const wasm_engine_t *engine, size_t nth, const char **name_ret, size_t *name_len_ret, wasmtime_component_extern_t **ret);

/* a core module's type inside a component; the *_nth results are owned by the caller */
wasmtime_module_type_t *wasmtime_module_type_clone(const wasmtime_module_type_t *ty);
void wasmtime_module_type_delete(wasmtime_module_type_t *ty);
size_t wasmtime_module_type_import_count(const wasmtime_module_type_t *ty, const wasm_engine_t *engine);
wasm_importtype_t *wasmtime_module_type_import_nth(const wasmtime_module_type_t *ty, const wasm_engine_t *engine, size_t nth);
size_t wasmtime_module_type_export_count(const wasmtime_module_type_t *ty, const wasm_engine_t *engine);
wasm_exporttype_t *wasmtime_module_type_export_nth(const wasmtime_module_type_t *ty, const wasm_engine_t *engine, size_t nth);

wasmtime_component_type_t *wasmtime_component_type_clone(const wasmtime_component_type_t *ty);
void wasmtime_component_type_delete(wasmtime_component_type_t *ty);
size_t wasmtime_component_type_import_count(const wasmtime_component_type_t *ty, const wasm_engine_t *engine);
bool wasmtime_component_type_import_get(const wasmtime_component_type_t *ty, const wasm_engine_t *engine, const char *name, size_t name_len, wasmtime_component_extern_t **ret);
bool wasmtime_component_type_import_nth(const wasmtime_component_type_t *ty, const wasm_engine_t *engine, size_t nth, const char **name_ret, size_t *name_len_ret, wasmtime_component_extern_t **ret);
size_t wasmtime_component_type_export_count(const wasmtime_component_type_t *ty, const wasm_engine_t *engine);
bool wasmtime_component_type_export_get(const wasmtime_component_type_t *ty, const wasm_engine_t *engine, const char *name, size_t name_len, wasmtime_component_extern_t **ret);
bool wasmtime_component_type_export_nth(const wasmtime_component_type_t *ty, const wasm_engine_t *engine, size_t nth, const char **name_ret, size_t *name_len_ret, wasmtime_component_extern_t **ret);

/* One import or export: its type (`kind` selects `of`) */
typedef union wasmtime_component_item_union {
    wasmtime_component_type_t *component;
    wasmtime_component_instance_type_t *component_instance;
    wasmtime_module_type_t *module;
    wasmtime_component_func_type_t *component_func;
    wasmtime_component_resource_type_t *resource;
    wasm_functype_t *core_func;
    wasmtime_component_valtype_t type;
} wasmtime_component_item_union_t;

typedef struct wasmtime_component_item_t {
    wasmtime_component_item_kind_t kind;
    wasmtime_component_item_union_t of;
} wasmtime_component_item_t;

void wasmtime_component_item_clone(const wasmtime_component_item_t *item, wasmtime_component_item_t *out);
void wasmtime_component_item_delete(wasmtime_component_item_t *ptr);

/* An import/export descriptor: item type plus `implements`/`external-id` annotations */
/* (returned strings are borrowed, NULL when absent).  It borrows from the component  */
/* or instance type it came from and must not outlive it.                             */
wasmtime_component_extern_t *wasmtime_component_extern_clone(const wasmtime_component_extern_t *e);
void wasmtime_component_extern_type(const wasmtime_component_extern_t *e, wasmtime_component_item_t *ret);
const char *wasmtime_component_extern_implements(const wasmtime_component_extern_t *e, size_t *len);
bool wasmtime_component_extern_is_implements(const wasmtime_component_extern_t *e, const char *name, size_t len);
const char *wasmtime_component_extern_external_id(const wasmtime_component_extern_t *e, size_t *len);
void wasmtime_component_extern_delete(wasmtime_component_extern_t *ptr);

/* ---------------------------------------------------------------------------------- */
/* Components (compiled, engine-level) and export indices                             */
/* ---------------------------------------------------------------------------------- */

wasmtime_error_t *wasmtime_component_new(const wasm_engine_t *engine, const uint8_t *buf, size_t len, wasmtime_component_t **component_out);
wasmtime_error_t *wasmtime_component_serialize(const wasmtime_component_t *component, wasm_byte_vec_t *ret);
wasmtime_error_t *wasmtime_component_deserialize(const wasm_engine_t *engine, const uint8_t *buf, size_t len, wasmtime_component_t **component_out);
wasmtime_error_t *wasmtime_component_deserialize_file(const wasm_engine_t *engine, const char *path, wasmtime_component_t **component_out);
wasmtime_component_t *wasmtime_component_clone(const wasmtime_component_t *component);
wasmtime_component_type_t *wasmtime_component_type(const wasmtime_component_t *component);
void wasmtime_component_delete(wasmtime_component_t *component);

/* Look an export up by name, optionally inside a nested instance export (NULL: the */
/* root); returns NULL if there is none.  The index is owned by the caller.         */
wasmtime_component_export_index_t *wasmtime_component_get_export_index(const wasmtime_component_t *component, const wasmtime_component_export_index_t *instance_export_index, const char *name, size_t name_len);
wasmtime_component_export_index_t *wasmtime_component_export_index_clone(const wasmtime_component_export_index_t *export_index);
void wasmtime_component_export_index_delete(wasmtime_component_export_index_t *export_index);

/* ---------------------------------------------------------------------------------- */
/* Component instances and functions                                                  */
/* ---------------------------------------------------------------------------------- */

wasmtime_component_export_index_t *wasmtime_component_instance_get_export_index(const wasmtime_component_instance_t *instance, wasmtime_context_t *context, const wasmtime_component_export_index_t *instance_export_index, const char *name, size_t name_len);
bool wasmtime_component_instance_get_func(const wasmtime_component_instance_t *instance, wasmtime_context_t *context, const wasmtime_component_export_index_t *export_index, wasmtime_component_func_t *func_out);

/* call, then post_return before the function can be called again */
wasmtime_component_func_type_t *wasmtime_component_func_type(const wasmtime_component_func_t *func, wasmtime_context_t *context);
wasmtime_error_t *wasmtime_component_func_call(const wasmtime_component_func_t *func, wasmtime_context_t *context, const wasmtime_component_val_t *args, size_t args_size, wasmtime_component_val_t *results, size_t results_size);
wasmtime_error_t *wasmtime_component_func_post_return(const wasmtime_component_func_t *func, wasmtime_context_t *context);

/* ---------------------------------------------------------------------------------- */
/* Component linker.  linker_root / linker_instance_add_instance borrow their parent  */
/* exclusively until the returned linker instance is deleted.                         */
/* ---------------------------------------------------------------------------------- */

/* Host function: fills results from args; returns NULL or an error it hands over */
typedef wasmtime_error_t *(*wasmtime_component_func_callback_t)(void *env, wasmtime_context_t *context, const wasmtime_component_func_type_t *ty, wasmtime_component_val_t *args, size_t nargs, wasmtime_component_val_t *results, size_t nresults);

/* Host resource destructor, called with the resource's rep */
typedef wasmtime_error_t *(*wasmtime_component_resource_destructor_t)(void *env, wasmtime_context_t *context, uint32_t rep);

wasmtime_component_linker_t *wasmtime_component_linker_new(const wasm_engine_t *engine);
void wasmtime_component_linker_allow_shadowing(wasmtime_component_linker_t *linker, bool allow);
wasmtime_component_linker_instance_t *wasmtime_component_linker_root(wasmtime_component_linker_t *linker);
wasmtime_error_t *wasmtime_component_linker_instantiate(const wasmtime_component_linker_t *linker, wasmtime_context_t *context, const wasmtime_component_t *component, wasmtime_component_instance_t *instance_out);
wasmtime_error_t *wasmtime_component_linker_define_unknown_imports_as_traps(wasmtime_component_linker_t *linker, const wasmtime_component_t *component);
wasmtime_error_t *wasmtime_component_linker_add_wasip2(wasmtime_component_linker_t *linker);
wasmtime_error_t *wasmtime_component_linker_add_wasi_http(wasmtime_component_linker_t *linker);
void wasmtime_component_linker_delete(wasmtime_component_linker_t *linker);

wasmtime_error_t *wasmtime_component_linker_instance_add_instance(wasmtime_component_linker_instance_t *linker_instance, const char *name, size_t name_len, wasmtime_component_linker_instance_t **linker_instance_out);
wasmtime_error_t *wasmtime_component_linker_instance_add_module(wasmtime_component_linker_instance_t *linker_instance, const char *name, size_t name_len, const wasmtime_module_t *module);
wasmtime_error_t *wasmtime_component_linker_instance_add_func(wasmtime_component_linker_instance_t *linker_instance, const char *name, size_t name_len, wasmtime_component_func_callback_t callback, void *data, wasmtime_finalizer_t finalizer);
wasmtime_error_t *wasmtime_component_linker_instance_add_resource(wasmtime_component_linker_instance_t *linker_instance, const char *name, size_t name_len, const wasmtime_component_resource_type_t *resource, wasmtime_component_resource_destructor_t destructor, void *data, wasmtime_finalizer_t finalizer);
void wasmtime_component_linker_instance_delete(wasmtime_component_linker_instance_t *linker_instance);

/* ---------------------------------------------------------------------------------- */
/* Text format                                                                         */
/* ---------------------------------------------------------------------------------- */

wasmtime_error_t *wasmtime_wat2wasm(const char *wat, size_t wat_len, wasm_byte_vec_t *ret);

/* ---------------------------------------------------------------------------------- */
/* Async (cwasmtime/_async.pxi).  Every *_async entry point returns a call future the  */
/* caller polls until it returns true, then deletes (deleting an unfinished one         */
/* cancels the call).  The future borrows every argument, the context included, until  */
/* it is deleted.  Signatures as Wasmtime v50's Rust code defines them.                */
/* ---------------------------------------------------------------------------------- */

typedef struct wasmtime_call_future wasmtime_call_future_t;

/* What an async host function leaves for Wasmtime to poll: callback(env) until true */
typedef struct wasmtime_async_continuation_t {
    bool (*callback)(void *env);
    void *env;
    void (*finalizer)(void *);
} wasmtime_async_continuation_t;

/* Core async host function; must set *continuation_ret (the default one panics) */
typedef void (*wasmtime_func_async_callback_t)(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs, wasmtime_val_t *results, size_t nresults, wasm_trap_t **trap_ret, wasmtime_async_continuation_t *continuation_ret);

/* Component async host function: args and ty are valid during this call only; an
   error can only be reported here (before the continuation is polled) */
typedef void (*wasmtime_component_func_async_callback_t)(void *env, wasmtime_context_t *context, const wasmtime_component_func_type_t *ty, wasmtime_component_val_t *args, size_t nargs, wasmtime_component_val_t *results, size_t nresults, wasmtime_error_t **error_ret, wasmtime_async_continuation_t *continuation_ret);

bool wasmtime_call_future_poll(wasmtime_call_future_t *future);
void wasmtime_call_future_delete(wasmtime_call_future_t *future);

wasmtime_call_future_t *wasmtime_func_call_async(wasmtime_context_t *context, const wasmtime_func_t *func, const wasmtime_val_t *args, size_t nargs, wasmtime_val_t *results, size_t nresults, wasm_trap_t **trap_ret, wasmtime_error_t **error_ret);
wasmtime_error_t *wasmtime_linker_define_async_func(wasmtime_linker_t *linker, const char *module, size_t module_len, const char *name, size_t name_len, const wasm_functype_t *ty, wasmtime_func_async_callback_t cb, void *data, wasmtime_finalizer_t finalizer);
wasmtime_call_future_t *wasmtime_linker_instantiate_async(const wasmtime_linker_t *linker, wasmtime_context_t *context, const wasmtime_module_t *module, wasmtime_instance_t *instance, wasm_trap_t **trap_ret, wasmtime_error_t **error_ret);
wasmtime_call_future_t *wasmtime_instance_pre_instantiate_async(const wasmtime_instance_pre_t *instance_pre, wasmtime_context_t *context, wasmtime_instance_t *instance, wasm_trap_t **trap_ret, wasmtime_error_t **error_ret);

/* Returns void in v50 (the upstream header's wasmtime_error_t * is wrong: rax holds
   garbage).  Does not set the first deadline: call set_epoch_deadline too. */
void wasmtime_context_epoch_deadline_async_yield_and_update(wasmtime_context_t *context, uint64_t delta);
/* interval 0 stops yielding; an error when the Store has no fuel configured */
wasmtime_error_t *wasmtime_context_fuel_async_yield_interval(wasmtime_context_t *context, uint64_t interval);
/* Whether a wasm exception thrown out of a call is pending in the store: an async call
   reports it as an error, where a sync call reports a trap. */
bool wasmtime_context_has_exception(wasmtime_context_t *store);

wasmtime_call_future_t *wasmtime_component_func_call_async(const wasmtime_component_func_t *func, wasmtime_context_t *context, const wasmtime_component_val_t *args, size_t args_size, wasmtime_component_val_t *results, size_t results_size, wasmtime_error_t **error_ret);
wasmtime_error_t *wasmtime_component_linker_instance_add_func_async(wasmtime_component_linker_instance_t *linker_instance, const char *name, size_t name_len, wasmtime_component_func_async_callback_t callback, void *data, wasmtime_finalizer_t finalizer);
wasmtime_call_future_t *wasmtime_component_linker_instantiate_async(const wasmtime_component_linker_t *linker, wasmtime_context_t *context, const wasmtime_component_t *component, wasmtime_component_instance_t *instance_out, wasmtime_error_t **error_ret);
wasmtime_error_t *wasmtime_component_linker_add_wasip2_async(wasmtime_component_linker_t *linker);
wasmtime_error_t *wasmtime_component_linker_add_wasi_http_async(wasmtime_component_linker_t *linker);

#endif /* CWASMTIME_H */
