"""cwasmtime._types against wasmtime-py: constructors, accessors, printing, errors, and
the owned/borrowed pointer contract the Cython layer relies on."""
from __future__ import annotations

import gc
from typing import Any, Callable

import pytest
from compare import outcome, side_by_side

from cwasmtime._capi import ffi, lib
from cwasmtime._error import WasmtimeError
from cwasmtime._types import (
    ExportType, FuncType, GlobalType, ImportType, Limits, MemoryType, TableType, TagType,
    ValType, extern_type_from_ptr, take_owned_valtype,
)

wasmtime = pytest.importorskip("wasmtime")

VALTYPES = ["i32", "i64", "f32", "f64", "externref", "funcref"]


def both(scenario: Callable[[Any], Any]) -> tuple:
    """Run ``scenario(module)`` with cwasmtime and with wasmtime-py; return both outcomes."""
    import cwasmtime._types as ours
    return side_by_side(scenario, ours)


def vt(mod: Any, name: str) -> Any:
    return getattr(mod.ValType, name)()


# ---- ValType ------------------------------------------------------------------------

@pytest.mark.parametrize("name", VALTYPES)
def test_valtype_str_repr_like_wasmtime_py(name: str) -> None:
    ours, theirs = both(lambda m: (str(vt(m, name)), repr(vt(m, name))))
    assert ours == theirs


@pytest.mark.parametrize("a", VALTYPES)
@pytest.mark.parametrize("b", VALTYPES)
def test_valtype_equality(a: str, b: str) -> None:
    ours, theirs = both(lambda m: (vt(m, a) == vt(m, b), vt(m, a) != vt(m, b)))
    assert ours == theirs == ("ok", (a == b, a != b))


def test_valtype_misc_like_wasmtime_py() -> None:
    ours, theirs = both(lambda m: m.ValType())
    assert ours == theirs == ("raise", "WasmtimeError", "cannot construct directly")
    assert both(lambda m: m.ValType.i32() == "i32") == (("ok", False),) * 2
    ours, theirs = both(lambda m: hash(m.ValType.i32()))
    assert ours[:2] == theirs[:2] == ("raise", "TypeError")


def test_valtype_pointer() -> None:
    ty = ValType.i64()
    assert ffi.typeof(ty.ptr()) is ffi.typeof("wasm_valtype_t *")
    assert lib.wasm_valtype_kind(ty.ptr()) == lib.WASM_I64
    ty.close()
    with pytest.raises(ValueError):
        ty.ptr()
    with pytest.raises(TypeError, match="expected valtype"):
        take_owned_valtype(3)  # type: ignore[arg-type]


# ---- FuncType -----------------------------------------------------------------------

@pytest.mark.parametrize("params,results", [
    ([], []), (["i32"], ["i64"]), (["f32", "f64", "externref"], ["funcref", "i32"]),
])
def test_functype_roundtrip(params: list, results: list) -> None:
    def scenario(m: Any) -> tuple:
        ty = m.FuncType([vt(m, p) for p in params], [vt(m, r) for r in results])
        return [str(p) for p in ty.params], [str(r) for r in ty.results]
    ours, theirs = both(scenario)
    assert ours == theirs
    assert ours[0] == "ok"


@pytest.mark.parametrize("params,results", [([1], []), ([], ["i32"]), (None, [])])
def test_functype_errors(params: Any, results: Any) -> None:
    ours, theirs = both(lambda m: m.FuncType(params, results))
    assert ours[:2] == theirs[:2]
    assert ours[0] == "raise"


def test_accessor_results_outlive_their_source() -> None:
    functype = FuncType([ValType.i32(), ValType.f64()], [ValType.i64()])
    params, results = functype.params, functype.results
    functype.close()
    gc.collect()
    assert [str(p) for p in params] == ["i32", "f64"] and results == [ValType.i64()]

    functype = FuncType([ValType.f32()], [])
    params = functype.params
    tag = TagType(functype)  # consumes functype
    payload = tag.functype
    del tag
    gc.collect()
    assert params == [ValType.f32()] and payload.params == [ValType.f32()]

    globaltype = GlobalType(ValType.funcref(), False)
    content = globaltype.content
    tabletype = TableType(ValType.externref(), Limits(1, None))
    element = tabletype.element
    globaltype.close()
    tabletype.close()
    assert str(content) == "funcref" and str(element) == "anyref"


def test_functype_from_ptr_owned_and_borrowed() -> None:
    original = FuncType([ValType.i32()], [ValType.i64()])
    owned = FuncType._from_ptr(lib.wasm_functype_copy(original.ptr()), None)
    assert ffi.typeof(owned.ptr()) is ffi.typeof("wasm_functype_t *")
    assert owned.params == [ValType.i32()] and owned.results == [ValType.i64()]
    owned.close()  # frees the copy
    borrowed = FuncType._from_ptr(original.ptr(), original)
    del original
    gc.collect()
    assert borrowed.params == [ValType.i32()]  # the owner is kept alive
    borrowed.close()  # does not free the owner's pointer
    assert borrowed._owner.params == [ValType.i32()]


# ---- GlobalType ---------------------------------------------------------------------

@pytest.mark.parametrize("name", VALTYPES)
@pytest.mark.parametrize("mutable", [True, False])
def test_globaltype(name: str, mutable: bool) -> None:
    def scenario(m: Any) -> tuple:
        ty = m.GlobalType(vt(m, name), mutable)
        return str(ty.content), ty.mutable
    ours, theirs = both(scenario)
    assert ours == theirs == ("ok", ("anyref" if name == "externref" else name, mutable))


def test_globaltype_errors() -> None:
    ours, theirs = both(lambda m: m.GlobalType("i32", True))
    assert ours == theirs == ("raise", "TypeError", "expected valtype")


# ---- Limits / TableType -------------------------------------------------------------

def test_limits() -> None:
    ours, theirs = both(lambda m: (
        m.Limits(1, None) == m.Limits(1, None), m.Limits(1, 2) == m.Limits(1, None),
        m.Limits(1, 2) == (1, 2), m.Limits(3, 4).min, m.Limits(3, 4).max))
    assert ours == theirs == ("ok", (True, False, False, 3, 4))


@pytest.mark.parametrize("element", ["funcref", "externref"])
@pytest.mark.parametrize("limits", [(0, None), (1, 10), (5, 5), (0, 0xFFFFFFFE)])
def test_tabletype(element: str, limits: tuple) -> None:
    def scenario(m: Any) -> tuple:
        ty = m.TableType(vt(m, element), m.Limits(*limits))
        return str(ty.element), ty.limits.min, ty.limits.max
    ours, theirs = both(scenario)
    assert ours == theirs
    assert ours == ("ok", (str(vt(wasmtime, element)), *limits))


def test_tabletype_errors() -> None:
    for scenario in (lambda m: m.TableType(m.ValType.funcref(), (1, 2)),
                     lambda m: m.TableType("funcref", m.Limits(1, 2))):
        ours, theirs = both(scenario)
        assert ours == theirs
        assert ours[:2] == ("raise", "TypeError")


# ---- MemoryType ---------------------------------------------------------------------

MEMORY_CASES = [
    ((1, None), {}), ((0, 0), {}), ((1, 2), {}), ((0, 65536), {}), ((0, 65537), {}),
    ((1 << 32, None), {}), ((0, 1 << 32), {}), ((1, None), {"is_64": True}),
    ((1 << 40, None), {"is_64": True}), ((1, 1 << 48), {"is_64": True}),
    ((1, None), {"shared": True}), ((1, 2), {"shared": True}),
    ((1, 2), {"is_64": True, "shared": True}), ((1, 2), {"page_size_log2": 0}),
    ((1, 2), {"page_size_log2": 3}), ((2, 1), {}),
]


@pytest.mark.parametrize("limits,kwargs", MEMORY_CASES)
def test_memorytype_like_wasmtime_py(limits: tuple, kwargs: dict) -> None:
    def scenario(m: Any) -> tuple:
        ty = m.MemoryType(m.Limits(*limits), **kwargs)
        return (ty.limits.min, ty.limits.max, ty.is_64, ty.is_shared, ty.page_size,
                ty.page_size_log2)
    ours, theirs = both(scenario)
    assert ours == theirs


def test_memorytype_errors() -> None:
    ours, theirs = both(lambda m: m.MemoryType((1, 2)))
    assert ours == theirs == ("raise", "TypeError", "expected Limits")


# ---- TagType ------------------------------------------------------------------------

def test_tagtype_like_wasmtime_py() -> None:
    def scenario(m: Any) -> tuple:
        functype = m.FuncType([m.ValType.i32(), m.ValType.f64()], [])
        tag = m.TagType(functype)
        consumed = outcome(functype.ptr)[:2]  # the FuncType is handed over to the tag
        return [str(p) for p in tag.functype.params], tag.functype.results, consumed
    ours, theirs = both(scenario)
    assert ours == theirs == ("ok", (["i32", "f64"], [], ("raise", "ValueError")))
    ours, theirs = both(lambda m: m.TagType(m.ValType.i32()))
    assert ours == theirs == ("raise", "TypeError", "expected a FuncType")


def test_tagtype_from_borrowed_functype_copies() -> None:
    tag = TagType(FuncType([ValType.i32()], []))
    borrowed = tag.functype
    tag2 = TagType(borrowed)  # borrowed: copied, not stolen from `tag`
    assert tag2.functype.params == [ValType.i32()]
    assert tag.functype.params == [ValType.i32()]


# ---- extern types -------------------------------------------------------------------

def test_extern_type_from_ptr_owned() -> None:
    cases = [
        (FuncType([ValType.i32()], []), FuncType),
        (GlobalType(ValType.f32(), True), GlobalType),
        (TableType(ValType.funcref(), Limits(1, None)), TableType),
        (MemoryType(Limits(1, 3)), MemoryType),
        (TagType(FuncType([], [])), TagType),
    ]
    for ty, cls in cases:
        copy = lib.wasm_externtype_copy(ty._as_extern())
        wrapped = extern_type_from_ptr(copy, None)
        assert type(wrapped) is cls
        assert wrapped._owner is None
        wrapped.close()
        borrowed = extern_type_from_ptr(ty._as_extern(), ty)
        assert type(borrowed) is cls and borrowed._owner is ty
    assert MemoryType._from_ptr(lib.wasm_memorytype_copy(MemoryType(Limits(2, 3)).ptr()),
                                None).limits == Limits(2, 3)


def test_import_export_type_classes() -> None:
    # Constructed only from a Module (see test_module.py); here: the plain class surface.
    for cls in (ImportType, ExportType):
        assert hasattr(cls, "_from_ptr") and isinstance(getattr(cls, "type"), property)
    assert issubclass(WasmtimeError, Exception)
