"""repr() of the component API (the scheme is in cwasmtime/_repr.py): value types as
``ListType(U8())``, objects as ``<component.Func (x: U32()) -> U32()>``; closed objects
and objects whose Store is closed say so instead of raising."""
import pytest

import cwasmtime
import cwasmtime.component as cc

from .conftest import RESOURCE_TYPE_ID, Resources

QUAD_WAT = """(component
  (import "double" (func $d (param "x" u32) (result u32)))
  (core func $dc (canon lower (func $d)))
  (core module $m (import "" "d" (func $d (param i32) (result i32)))
    (func (export "quad") (param i32) (result i32) (call $d (call $d (local.get 0)))))
  (core instance $i (instantiate $m (with "" (instance (export "d" (func $dc))))))
  (func (export "quad") (param "x" u32) (result u32) (canon lift (core func $i "quad"))))"""


def quad():
    """(store, linker, component, instance, its quad Func)."""
    engine = cwasmtime.Engine()
    store = cwasmtime.Store(engine)
    comp = cc.Component(engine, QUAD_WAT)
    linker = cc.Linker(engine)
    with linker.root() as root:
        root.add_func("double", lambda _, x: 2 * x)
    instance = linker.instantiate(store, comp)
    return store, linker, comp, instance, instance.get_func(store, "quad")


def test_component_lists_imports_and_exports():
    store, _, comp, _, _ = quad()
    assert repr(comp) == ("<Component imports [double: (x: U32()) -> U32()], "
                          "exports [quad: (x: U32()) -> U32()]>")
    store.engine.close()  # its types are read through the engine
    assert repr(comp) == "<Component (engine closed)>"
    assert repr(cc.Component(cwasmtime.Engine(), "(component)")) == "<Component imports [], exports []>"
    comp.close()
    assert repr(comp) == "<Component (closed)>"


def test_component_lists_other_items_by_their_repr():
    comp = cc.Component(cwasmtime.Engine(), """(component
      (import "i" (instance (export "f" (func))))
      (core module $m (func (export "g") (param i32) (result i32) local.get 0))
      (export "m" (core module $m)))""")
    assert repr(comp) == "<Component imports [i: <ComponentInstanceType>], exports [m: <ModuleType>]>"


def test_instance():
    store, _, _, instance, _ = quad()
    assert repr(instance) == "<component.Instance>"
    store.close()
    assert repr(instance) == "<component.Instance (store closed)>"


def test_func_shows_its_signature():
    store, _, _, _, func = quad()
    assert repr(func) == "<component.Func (x: U32()) -> U32()>"
    assert repr(func.type(store)) == "component.FuncType((x: U32()) -> U32())"
    store.close()
    assert repr(func) == "<component.Func (store closed)>"


def test_functype_without_result_and_closed():
    res = Resources(cwasmtime)
    ty = res.f["drop"].type(res.store)
    assert repr(ty) == "component.FuncType((x: OwnType(ty=<ResourceType>)) -> ())"
    ty.close()
    assert repr(ty) == "<component.FuncType (closed)>"


def test_async_functype():
    engine = cwasmtime.Engine()
    comp = cc.Component(engine, '(component (import "f" (func async (param "x" u32))))')
    assert repr(comp.type.imports(engine)["f"].ty) == "component.FuncType(async (x: U32()) -> ())"


def test_component_extern():
    engine = cwasmtime.Engine()
    comp = cc.Component(engine, QUAD_WAT)
    extern = comp.type.imports(engine)["double"]
    assert repr(extern) == "ComponentExtern((x: U32()) -> U32())"
    extern.close()
    assert repr(extern) == "<ComponentExtern (closed)>"


def test_linker_shows_wasi_and_lock():
    linker = cc.Linker(cwasmtime.Engine())
    assert repr(linker) == "<component.Linker>"
    linker.add_wasip2()
    linker.add_wasi_http()
    with linker.root():
        assert repr(linker) == "<component.Linker with WASI p2, WASI HTTP (locked)>"
    assert repr(linker) == "<component.Linker with WASI p2, WASI HTTP>"
    linker.close()
    assert repr(linker) == "<component.Linker (closed)>"


def test_resource_type():
    ty = cc.ResourceType.host(RESOURCE_TYPE_ID)
    assert repr(ty) == "<ResourceType>"
    assert repr(cc.OwnType(ty)) == "OwnType(ty=<ResourceType>)"
    ty.close()
    assert repr(ty) == "<ResourceType (closed)>"


def test_resource_any():
    res = Resources(cwasmtime)
    resource = res("mk", 5)
    assert repr(resource) == "<ResourceAny own>"
    resource.close()
    assert repr(resource) == "<ResourceAny (closed)>"


def test_resource_host():
    own, borrow = cc.ResourceHost.own(5, 1), cc.ResourceHost.borrow(6, 2)
    assert (repr(own), repr(borrow)) == ("<ResourceHost own rep=5 type=1>",
                                         "<ResourceHost borrow rep=6 type=2>")
    own.close()
    assert repr(own) == "<ResourceHost (closed)>"


# ------------------------------------------------------------------- value types


def param_type(wit, engine=None):
    """The component value type ``wit``, reflected from a function parameter."""
    engine = engine if engine is not None else cwasmtime.Engine()
    comp = cc.Component(engine, f"""(component
      (type $t' {wit}) (import "t" (type $t (eq $t')))
      (import "f" (func (param "x" $t))))""")
    [(_, ty)] = comp.type.imports(engine)["f"].ty.params
    return ty


def test_primitive_types_are_dataclasses():
    assert [repr(param_type(wit)) for wit in ("u8", "string", "bool")] == [
        "U8()", "String()", "Bool()"]


@pytest.mark.parametrize("wit, expected", [
    ("(list u8)", "ListType(U8())"),
    ('(record (field "a" u32) (field "b" string))', "RecordType(a: U32(), b: String())"),
    ("(tuple u32 string)", "TupleType(U32(), String())"),
    ('(variant (case "b" bool) (case "n"))', "VariantType(b: Bool(), n)"),
    ('(enum "a" "b")', "EnumType(a, b)"),
    ("(option (list u8))", "OptionType(ListType(U8()))"),
    ("(result u32 (error string))", "ResultType(ok=U32(), err=String())"),
    ("(result)", "ResultType(ok=None, err=None)"),
    ('(flags "read" "write")', "FlagsType(read, write)"),
    ("(future u32)", "FutureType(U32())"),
    ("(stream)", "StreamType(None)"),
])
def test_compound_types(wit, expected):
    ty = param_type(wit)
    assert repr(ty) == expected
    ty.close()
    assert repr(ty) == f"<{type(ty).__name__} (closed)>"


def test_map_type():
    config = cwasmtime.Config()
    config.wasm_component_model_map = True
    ty = param_type("(map string u32)", cwasmtime.Engine(config))
    assert repr(ty) == "MapType(String(), U32())"
    ty.close()
    assert repr(ty) == "<MapType (closed)>"
