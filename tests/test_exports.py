"""Every function include/cwasmtime.h declares exists in the real Wasmtime v50 library."""
from __future__ import annotations


import pytest
import repo
from pycparser import c_ast

ROOT = repo.ROOT
SCRIPT = ROOT / "scripts" / "gen_layout_table.py"
EXPORTS = set((ROOT / "tests" / "data" / "wasmtime-50-exports.txt").read_text().split())


def _load_generator():
    """scripts/gen_layout_table.py, imported by path (scripts/ is not a package)."""
    return repo.load("scripts/gen_layout_table.py")


def declared_functions() -> list[str]:
    """Names of the functions the header declares (not function-pointer typedefs)."""
    gen = _load_generator()
    ast = gen.parse(gen.cdef_source())
    names = [node.name for node in ast.ext
             if isinstance(node, c_ast.Decl) and isinstance(node.type, c_ast.FuncDecl)]
    assert len(names) == len(set(names)), "a function is declared twice"
    return names


FUNCTIONS = declared_functions()


def test_declared_set_is_substantial():
    names = set(FUNCTIONS)
    assert len(names) > 200
    for name in ("wasmtime_func_call_unchecked", "wasmtime_func_new_unchecked",
                 "wasmtime_func_to_raw", "wasmtime_func_from_raw", "wasmtime_func_call",
                 "wasmtime_linker_define_func", "wasmtime_store_limiter",
                 "wasmtime_externref_new", "wasmtime_val_unroot", "wasi_config_set_stdout_custom"):
        assert name in names, name


ASYNC_API = {
    "wasmtime_call_future_poll", "wasmtime_call_future_delete", "wasmtime_func_call_async",
    "wasmtime_linker_define_async_func", "wasmtime_linker_instantiate_async",
    "wasmtime_instance_pre_instantiate_async", "wasmtime_config_async_stack_size_set",
    "wasmtime_context_epoch_deadline_async_yield_and_update",
    "wasmtime_context_fuel_async_yield_interval", "wasmtime_component_func_call_async",
    "wasmtime_component_linker_instance_add_func_async",
    "wasmtime_component_linker_instantiate_async", "wasmtime_component_linker_add_wasip2_async",
    "wasmtime_component_linker_add_wasi_http_async"}


def test_async_api_declared():
    assert ASYNC_API <= set(FUNCTIONS)


def test_epoch_async_yield_returns_void():
    """Wasmtime v50 defines it returning nothing (upstream's header says an error
    pointer): reading the garbage in the return register as one would crash."""
    gen = _load_generator()
    ast = gen.parse(gen.cdef_source())
    decl, = [node for node in ast.ext if isinstance(node, c_ast.Decl)
             and node.name == "wasmtime_context_epoch_deadline_async_yield_and_update"]
    assert isinstance(decl.type.type, c_ast.TypeDecl)
    assert decl.type.type.type.names == ["void"]


def test_component_api_declared():
    names = set(FUNCTIONS)
    for name in ("wasmtime_component_new", "wasmtime_component_linker_instantiate",
                 "wasmtime_component_instance_get_func", "wasmtime_component_func_call",
                 "wasmtime_component_val_delete", "wasmtime_component_type_export_nth",
                 "wasmtime_component_resource_host_new", "wasmtime_module_type_import_nth"):
        assert name in names, name


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_is_exported_by_v50(name):
    assert name in EXPORTS


@pytest.fixture(scope="module")
def lib():
    from cwasmtime._capi import lib as capi_lib
    return capi_lib


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_resolves_in_library(lib, name):
    assert getattr(lib, name) is not None
