"""Global, Table and Tag: values and references through wasmtime_val_t, cross-store misuse,
and agreement with wasmtime-py where both behave the same."""
import gc

import pytest
import wasmtime as ref

import cwasmtime as wt

REFS_WAT = """
(module
  (global (export "g") (mut externref) (ref.null extern))
  (table (export "t") 2 externref)
  (func (export "id") (param externref) (result externref) local.get 0)
  (func (export "get_g") (result externref) global.get 0)
  (func (export "set_g") (param externref) local.get 0 global.set 0)
  (func (export "get_t") (param i32) (result externref) local.get 0 table.get 0)
  (func (export "set_t") (param i32 externref) local.get 0 local.get 1 table.set 0))
"""

FUNCS_WAT = """
(module
  (type $ret (func (result i32)))
  (table (export "funcs") 2 funcref)
  (func (export "call") (param i32) (result i32) local.get 0 call_indirect (type $ret)))
"""


def exports(store, wat, imports=()):
    return wt.Instance(store, wt.Module(store.engine, wat), list(imports)).exports(store)


class Marker:
    """An externref payload with identity, that records when it is freed."""

    def __init__(self, log):
        self.log = log

    def __del__(self):
        self.log.append("dropped")


# ------------------------------------------------------------------------- Global

@pytest.mark.parametrize("lib", [ref, wt], ids=["wasmtime-py", "cwasmtime"])
@pytest.mark.parametrize("ty, init, new, expect_init, expect_new", [
    ("i32", 1, 2**32 + 7, 1, 7),
    ("i64", -1, 2**63, -1, -(2**63)),
    ("f32", 0.5, 0.1, 0.5, pytest.approx(0.1, rel=1e-7)),
    ("f64", 0.25, 1e300, 0.25, 1e300),
])
def test_global_numbers_like_wasmtime_py(lib, ty, init, new, expect_init, expect_new):
    store = lib.Store()
    g = lib.Global(store, lib.GlobalType(getattr(lib.ValType, ty)(), True), init)
    assert g.value(store) == expect_init
    g.set_value(store, new)
    assert g.value(store) == expect_new
    assert g.type(store).content == getattr(lib.ValType, ty)()
    assert g.type(store).mutable


@pytest.mark.parametrize("lib", [ref, wt], ids=["wasmtime-py", "cwasmtime"])
def test_global_errors_like_wasmtime_py(lib):
    store = lib.Store()
    ty = lib.GlobalType(lib.ValType.i32(), True)
    with pytest.raises(TypeError, match="wrong type of `Val` provided"):
        lib.Global(store, ty, lib.Val.i64(1))
    with pytest.raises(TypeError):
        lib.Global(store, ty, "x")
    with pytest.raises(TypeError):
        lib.Global(store, ty, 1.5)
    with pytest.raises(TypeError, match="expected a GlobalType"):
        lib.Global(store, 1, 1)
    with pytest.raises(AttributeError):
        lib.Global(1, ty, 1)
    const = lib.Global(store, lib.GlobalType(lib.ValType.i32(), False), 1)
    with pytest.raises(lib.WasmtimeError):
        const.set_value(store, 2)
    assert const.value(store) == 1


def test_global_null_refs_are_null_vals():
    store = wt.Store()
    for valtype, kind_ctor in [(wt.ValType.externref(), wt.Val.externref),
                               (wt.ValType.funcref(), wt.Val.funcref)]:
        g = wt.Global(store, wt.GlobalType(valtype, True), None)
        value = g.value(store)
        assert isinstance(value, wt.Val) and value == kind_ctor(None) and value == None  # noqa: E711
        assert value.value is None


def test_global_externref_identity_and_release():
    store = wt.Store()
    log = []
    payload = Marker(log)
    g = wt.Global(store, wt.GlobalType(wt.ValType.externref(), True), wt.Val.externref(payload))
    assert g.value(store) is payload
    g.set_value(store, "other")
    assert g.value(store) == "other"
    g.set_value(store, payload)
    assert g.value(store) is payload
    del payload
    g.set_value(store, None)
    store.gc()
    gc.collect()
    assert log == ["dropped"]


def test_externref_shared_between_globals_tables_and_func_calls():
    # One representation: refs made by Global/Table are readable by Func calls and back.
    store = wt.Store()
    ex = exports(store, REFS_WAT)
    payload = object()
    g = ex["g"]
    g.set_value(store, payload)
    assert ex["get_g"](store) is payload
    other = ["x"]
    ex["set_g"](store, other)
    assert g.value(store) is other
    t = ex["t"]
    t.set(store, 1, payload)
    assert ex["get_t"](store, 1) is payload
    ex["set_t"](store, 0, other)
    assert t.get(store, 0) is other
    assert ex["id"](store, t.get(store, 1)) is payload


def test_global_funcref_roundtrip():
    store = wt.Store()
    f = wt.Func(store, wt.FuncType([], [wt.ValType.i32()]), lambda: 7)
    g = wt.Global(store, wt.GlobalType(wt.ValType.funcref(), True), f)
    assert g.value(store)(store) == 7
    g.set_value(store, wt.Val.funcref(None))
    assert g.value(store) == None  # noqa: E711
    with pytest.raises(TypeError):
        g.set_value(store, 1)


def test_global_from_instance_export_and_as_import():
    store = wt.Store()
    g = wt.Global(store, wt.GlobalType(wt.ValType.i64(), True), 40)
    ex = exports(store, """
        (module (import "" "g" (global $g (mut i64)))
                (func (export "bump") global.get $g i64.const 2 i64.add global.set $g)
                (global (export "own") i32 (i32.const 9)))""", [g])
    ex["bump"](store)
    assert g.value(store) == 42
    own = ex["own"]
    assert isinstance(own, wt.Global) and own.value(store) == 9
    assert not own.type(store).mutable


# -------------------------------------------------------------------------- Table

@pytest.mark.parametrize("lib", [ref, wt], ids=["wasmtime-py", "cwasmtime"])
def test_table_like_wasmtime_py(lib):
    store = lib.Store()
    table = lib.Table(store, lib.TableType(lib.ValType.funcref(), lib.Limits(1, 3)), None)
    assert table.size(store) == 1
    assert table.type(store).limits == lib.Limits(1, 3)
    assert table.get(store, 0) == None  # noqa: E711  (a null Val)
    assert table.get(store, 1) is None  # out of bounds
    f = lib.Func(store, lib.FuncType([], [lib.ValType.i32()]), lambda: 5)
    assert table.grow(store, 1, f) == 1
    assert table.get(store, 1)(store) == 5
    table.set(store, 0, f)
    assert table.get(store, 0)(store) == 5
    with pytest.raises(lib.WasmtimeError):
        table.set(store, 2, f)
    with pytest.raises(lib.WasmtimeError):
        table.grow(store, 5, None)
    with pytest.raises(TypeError):
        table.grow(store, "x", None)
    with pytest.raises(TypeError):
        table.grow(store, 1, "x")
    with pytest.raises(TypeError):
        table.set(store, 0, 3)
    assert table.size(store) == 2


def test_table_index_edge_cases():
    store = wt.Store()
    table = wt.Table(store, wt.TableType(wt.ValType.externref(), wt.Limits(2, None)), "x")
    assert table.get(store, -1) is None
    assert table.get(store, 2**70) is None
    with pytest.raises(wt.WasmtimeError):
        table.set(store, -1, "y")
    with pytest.raises(wt.WasmtimeError):
        table.grow(store, -1, None)
    with pytest.raises(TypeError):
        table.get(store, "0")
    # Falsy payloads come back as themselves (wasmtime-py wraps them in a Val).
    table.set(store, 0, 0)
    assert table.get(store, 0) == 0 and type(table.get(store, 0)) is int


def test_table_externref_identity():
    store = wt.Store()
    a, b = object(), object()
    table = wt.Table(store, wt.TableType(wt.ValType.externref(), wt.Limits(3, None)), a)
    assert all(table.get(store, i) is a for i in range(3))
    table.set(store, 1, b)
    table.grow(store, 2, wt.Val.externref(b))
    assert [table.get(store, i) for i in range(5)] == [a, b, a, b, b]
    assert table.get(store, 4) is b


def test_funcref_in_table_called_later_from_wasm():
    store = wt.Store()
    ex = exports(store, FUNCS_WAT)
    table = ex["funcs"]
    calls = []

    def host():
        calls.append(1)
        return 11

    table.set(store, 0, wt.Func(store, wt.FuncType([], [wt.ValType.i32()]), host))
    table.set(store, 1, wt.Func(store, wt.FuncType([], [wt.ValType.i32()]), lambda: 22))
    gc.collect()
    assert ex["call"](store, 0) == 11
    assert ex["call"](store, 1) == 22
    assert calls == [1]
    assert table.get(store, 0)(store) == 11
    table.set(store, 1, None)
    with pytest.raises(wt.Trap):
        ex["call"](store, 1)


def test_table_as_import():
    store = wt.Store()
    table = wt.Table(store, wt.TableType(wt.ValType.funcref(), wt.Limits(1, None)), None)
    f = wt.Func(store, wt.FuncType([], [wt.ValType.i32()]), lambda: 3)
    table.set(store, 0, f)
    ex = exports(store, """
        (module (type $r (func (result i32)))
                (import "" "t" (table 1 funcref))
                (func (export "c") (result i32) i32.const 0 call_indirect (type $r)))""", [table])
    assert ex["c"](store) == 3


# ---------------------------------------------------------------------------- Tag

def test_tag_basics():
    store = wt.Store()
    tag = wt.Tag(store, wt.TagType(wt.FuncType([wt.ValType.i32()], [])))
    other = wt.Tag(store, wt.TagType(wt.FuncType([wt.ValType.i32()], [])))
    assert tag.type(store).functype.params == [wt.ValType.i32()]
    assert tag.eq(store, tag) and not tag.eq(store, other)
    with pytest.raises(TypeError):
        wt.Tag(store, wt.FuncType([], []))
    with pytest.raises(TypeError):
        tag.eq(store, "tag")


def test_tag_import_and_export():
    config = wt.Config()
    config.wasm_exceptions = True
    store = wt.Store(wt.Engine(config))
    tag = wt.Tag(store, wt.TagType(wt.FuncType([wt.ValType.i64()], [])))
    ex = exports(store, """(module (import "" "t" (tag $t (param i64))) (export "same" (tag $t))
                                   (tag (export "own")))""", [tag])
    assert ex["same"].eq(store, tag)
    assert ex["own"].type(store).functype.params == []


# ------------------------------------------------------------------ cross-store misuse

def test_cross_store_misuse_raises_instead_of_crashing():
    # wasmtime-py aborts the process on these; we raise WasmtimeError.
    s1, s2 = wt.Store(), wt.Store()
    g = wt.Global(s1, wt.GlobalType(wt.ValType.i32(), True), 1)
    t = wt.Table(s1, wt.TableType(wt.ValType.funcref(), wt.Limits(1, None)), None)
    tag = wt.Tag(s1, wt.TagType(wt.FuncType([], [])))
    tag2 = wt.Tag(s2, wt.TagType(wt.FuncType([], [])))
    f2 = wt.Func(s2, wt.FuncType([], []), lambda: None)
    misuse = [
        lambda: g.value(s2), lambda: g.set_value(s2, 1), lambda: g.type(s2),
        lambda: t.get(s2, 0), lambda: t.set(s2, 0, None), lambda: t.size(s2),
        lambda: t.grow(s2, 1, None), lambda: t.type(s2),
        lambda: t.set(s1, 0, f2), lambda: t.grow(s1, 1, f2),
        lambda: wt.Table(s1, wt.TableType(wt.ValType.funcref(), wt.Limits(1, None)), f2),
        lambda: wt.Global(s1, wt.GlobalType(wt.ValType.funcref(), True), f2),
        lambda: tag.type(s2), lambda: tag.eq(s2, tag), lambda: tag.eq(s1, tag2),
        lambda: wt.Instance(s2, wt.Module(s2.engine, '(module (import "" "" (global i32)))'), [g]),
    ]
    for use in misuse:
        with pytest.raises(wt.WasmtimeError):
            use()
    assert t.size(s1) == 1 and g.value(s1) == 1


def test_closed_store_raises():
    store = wt.Store()
    g = wt.Global(store, wt.GlobalType(wt.ValType.i32(), True), 1)
    t = wt.Table(store, wt.TableType(wt.ValType.externref(), wt.Limits(1, None)), "x")
    store.close()
    with pytest.raises(ValueError):
        g.value(store)
    with pytest.raises(ValueError):
        t.get(store, 0)
