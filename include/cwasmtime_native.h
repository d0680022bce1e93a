/* The C API entry points the Cython layer calls on every wasm call or host callback,
 * and those it calls where CFFI cannot be used (a Store's deallocation, a signal
 * handler).
 *
 * Nothing links against libwasmtime: each entry point is a function pointer
 * `cw_<name>` filled in at import from the address CFFI resolved (cw_bind). Its type
 * is taken from the declaration in cwasmtime.h with __typeof__, so gcc checks every
 * call the Cython code makes against the one header. */
#ifndef CWASMTIME_NATIVE_H
#define CWASMTIME_NATIVE_H

#include <string.h>
#include "cwasmtime.h"

#define CW_NATIVE_FUNCTIONS(X)         \
  X(wasmtime_func_call_unchecked)               \
  X(wasmtime_func_new_unchecked)                \
  X(wasmtime_func_to_raw)                       \
  X(wasmtime_func_from_raw)                     \
  X(wasmtime_func_type)                         \
  X(wasm_functype_params)                       \
  X(wasm_functype_results)                      \
  X(wasm_functype_delete)                       \
  X(wasm_valtype_new)                           \
  X(wasmtime_wasm_valtype_v128)                 \
  X(wasmtime_wasm_valtype_equal)                \
  X(wasmtime_valtype_to_wasm)                   \
  X(wasmtime_caller_context)                    \
  X(wasmtime_context_get_data)                  \
  X(wasmtime_store_delete)                      \
  X(wasmtime_engine_clone)                      \
  X(wasm_engine_delete)                         \
  X(wasmtime_engine_increment_epoch)            \
  X(wasmtime_trap_new)                          \
  X(wasmtime_externref_new)                     \
  X(wasmtime_externref_data)                    \
  X(wasmtime_externref_from_raw)                \
  X(wasmtime_externref_to_raw)                  \
  X(wasmtime_externref_unroot)                  \
  X(wasmtime_memory_data)                       \
  X(wasmtime_memory_data_size)                  \
  X(wasmtime_instance_new)                      \
  X(wasmtime_instance_pre_instantiate)          \
  X(wasmtime_linker_instantiate)                \
  X(wasmtime_val_unroot)                        \
  X(wasm_globaltype_content)                    \
  X(wasm_globaltype_delete)                     \
  X(wasm_tabletype_element)                     \
  X(wasm_tabletype_delete)                      \
  X(wasmtime_global_new)                        \
  X(wasmtime_global_type)                       \
  X(wasmtime_global_get)                        \
  X(wasmtime_global_set)                        \
  X(wasmtime_table_new)                         \
  X(wasmtime_table_type)                        \
  X(wasmtime_table_get)                         \
  X(wasmtime_table_set)                         \
  X(wasmtime_table_size)                        \
  X(wasmtime_table_grow)                        \
  X(wasmtime_tag_new)                           \
  X(wasmtime_tag_type)                          \
  X(wasmtime_tag_eq)                            \
  X(wasmtime_caller_export_get)                 \
  X(wasmtime_error_new)                         \
  X(wasm_byte_vec_new)                          \
  X(wasmtime_component_func_call)               \
  X(wasmtime_component_func_type)               \
  X(wasmtime_component_func_type_delete)        \
  X(wasmtime_component_func_type_param_count)   \
  X(wasmtime_component_func_type_param_nth)     \
  X(wasmtime_component_func_type_result)        \
  X(wasmtime_component_valtype_clone)           \
  X(wasmtime_component_valtype_equal)           \
  X(wasmtime_component_valtype_delete)          \
  X(wasmtime_component_vallist_new_uninit)      \
  X(wasmtime_component_valrecord_new_uninit)    \
  X(wasmtime_component_valtuple_new_uninit)     \
  X(wasmtime_component_valflags_new_uninit)     \
  X(wasmtime_component_valmap_new_uninit)       \
  X(wasmtime_component_val_new)                 \
  X(wasmtime_component_val_delete)              \
  X(wasmtime_component_resource_any_clone)

#define CW_DECLARE_POINTER(name) static __typeof__(name) *cw_##name;
CW_NATIVE_FUNCTIONS(CW_DECLARE_POINTER)
#undef CW_DECLARE_POINTER

#define CW_NAME(name) #name,
static const char *const cw_native_names[] = {CW_NATIVE_FUNCTIONS(CW_NAME)};
#undef CW_NAME
static const size_t cw_native_count = sizeof(cw_native_names) / sizeof(cw_native_names[0]);

/* Stores `address` as the entry point called `name`; 0 on success, -1 for an unknown name. */
static int cw_bind(const char *name, void *address) {
#define CW_ASSIGN(fn)                               \
  if (strcmp(name, #fn) == 0) {                     \
    cw_##fn = (__typeof__(fn) *)address;            \
    return 0;                                       \
  }
  CW_NATIVE_FUNCTIONS(CW_ASSIGN)
#undef CW_ASSIGN
  return -1;
}

#endif
