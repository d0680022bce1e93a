"""Misusing cwasmtime.component raises Python exceptions, never crashes: objects used
with another (or a closed) Store, direct construction, wrong arguments, host
exceptions of every kind, threads, linker locking and reentrant calls."""
from __future__ import annotations

import subprocess
import threading

import isolation
import pytest
import wasmtime
import wasmtime.component

import cwasmtime
import cwasmtime.component as cc
from cwasmtime import WasmtimeError
from cwasmtime.component import Record

from .conftest import Echo, Resources, component_for, indirect_component, outcome

U32_WAT = component_for("u32", "i32")
STRING_WAT = component_for("string", "i32 i32")


class Custom(Exception):
    pass


def echo_pair():
    """Two Echo instances (u32) in two Stores."""
    return Echo(cwasmtime, U32_WAT), Echo(cwasmtime, U32_WAT)


# ------------------------------------------------------------------ Store ownership


def test_func_and_instance_with_another_store_raise_wasmtime_error():
    a, b = echo_pair()
    attempts = [
        lambda: a.func(b.store, 1),
        lambda: a.func.type(b.store),
        lambda: a.func.post_return(b.store),
        lambda: a.instance.get_func(b.store, "x"),
        lambda: a.instance.get_export_index(b.store, "x"),
    ]
    for attempt in attempts:
        with pytest.raises(WasmtimeError, match="another Store"):
            attempt()
    index = a.instance.get_export_index(a.store, "x")
    with pytest.raises(WasmtimeError):
        a.instance.get_func(b.store, index)
    assert b.seen == [] and a.seen == []
    assert a(5) == 5 and b(6) == 6  # both unharmed


def test_another_stores_context_inside_a_host_function_is_refused():
    a = Echo(cwasmtime, U32_WAT)
    b_store_contexts = []
    b = Echo(cwasmtime, U32_WAT, host=lambda store, v: b_store_contexts.append(store) or
             (a.func(store, v) if v == 1 else v))
    with pytest.raises(WasmtimeError, match="another Store"):
        b(1)  # b's host function calls a's function with b's StoreContext
    assert a(2) == 2


def test_closed_store_raises_value_error():
    e = Echo(cwasmtime, U32_WAT)
    index = e.instance.get_export_index(e.store, "x")
    e.store.close()
    attempts = [
        lambda: e.func(e.store, 1),
        lambda: e.func.type(e.store),
        lambda: e.func.post_return(e.store),
        lambda: e.instance.get_func(e.store, "x"),
        lambda: e.instance.get_func(e.store, index),
        lambda: e.instance.get_export_index(e.store, "x"),
        lambda: cc.Linker(e.engine).instantiate(e.store, cc.Component(e.engine, U32_WAT)),
        lambda: cc.ResourceHost.own(1, 7).to_any(e.store),
    ]
    for attempt in attempts:
        with pytest.raises(ValueError, match="closed"):
            attempt()
    e.store.close()  # closing twice is fine
    assert e.seen == []


def test_resources_with_a_closed_store_raise_value_error():
    r = Resources(cwasmtime)
    made, other = r("mk", 1), r("mk", 2)
    r.store.close()
    with pytest.raises(ValueError):
        made.drop(r.store)
    with pytest.raises(ValueError):
        other.to_host(r.store)
    assert r.log == []


def test_resource_from_another_store_raises_wasmtime_error():
    # A ResourceAny is an index into its Store's handle table: used with another Store
    # whose table has an entry there, Wasmtime 50 takes it for that entry.
    a, b = Resources(cwasmtime), Resources(cwasmtime)
    mine = [b("mk", 100 + i) for i in range(3)]  # b's handle table is not empty
    theirs = a("mk", 5)
    with pytest.raises(WasmtimeError):
        b("borrow", theirs)
    assert b.log == []  # b's host function did not get b's resource 100 instead
    with pytest.raises(WasmtimeError):
        theirs.drop(b.store)
    assert b.log == []  # b's resource 100 was not destroyed
    assert a("borrow", theirs) == 5  # still a's
    assert len(mine) == 3


def test_saved_store_context_is_invalid_after_the_host_call():
    for api in (cwasmtime, wasmtime):  # (ValueError in both)
        saved = []
        e = Echo(api, U32_WAT, host=lambda store, v: saved.append(store) or v)
        assert e(1) == 1
        with pytest.raises(ValueError):
            e.func(saved[0], 2)
        assert e(3) == 3


# ------------------------------------------------------------- direct construction

UNCONSTRUCTIBLE = ["Func", "Instance", "LinkerInstance", "ExportIndex", "ResourceAny",
                   "ResourceHost", "ResourceType", "ComponentType", "FuncType", "ModuleType",
                   "ComponentInstanceType", "ComponentExtern", "ListType", "RecordType",
                   "TupleType", "VariantType", "EnumType", "OptionType", "ResultType",
                   "FlagsType", "FutureType", "StreamType", "MapType"]


@pytest.mark.parametrize("name", UNCONSTRUCTIBLE)
def test_direct_construction_raises_wasmtime_error(name):
    cls = getattr(cc, name)
    with pytest.raises(WasmtimeError, match="Cannot directly construct"):
        cls()
    theirs = getattr(wasmtime.component, name, None)
    if theirs is not None and name in ("Func", "Instance", "LinkerInstance", "ExportIndex",
                                       "ResourceAny", "ResourceHost", "ResourceType",
                                       "ComponentType", "FuncType", "ModuleType",
                                       "ComponentInstanceType"):
        assert outcome(theirs) == ("raise", "WasmtimeError")


def test_component_constructor_argument_errors():
    engine = cwasmtime.Engine()
    with pytest.raises(TypeError):
        cc.Component(1, b"")
    with pytest.raises(TypeError):
        cc.Component(None, "(component)")
    with pytest.raises(TypeError):
        cc.Component(wasmtime.Engine(), "(component)")  # wasmtime-py's Engine is not ours
    with pytest.raises(TypeError):
        cc.Component(engine, 1)
    with pytest.raises(TypeError):
        cc.Component(engine, None)
    with pytest.raises(WasmtimeError):
        cc.Component(engine, b"garbage")
    with pytest.raises(WasmtimeError, match="attempted to parse a wasm module"):
        cc.Component(engine, "(module)")
    with pytest.raises(TypeError):
        cc.Linker(None)
    with pytest.raises(TypeError):
        cc.Linker(engine).instantiate(cwasmtime.Store(engine), b"(component)")
    assert cc.Component(engine, "(component)").type.exports(engine) == {}


def test_cross_engine_use_raises_wasmtime_error():
    e1, e2 = cwasmtime.Engine(), cwasmtime.Engine()
    with pytest.raises(WasmtimeError, match="cross-`Engine`"):
        cc.Linker(e1).instantiate(cwasmtime.Store(e1), cc.Component(e2, U32_WAT))
    with pytest.raises(WasmtimeError, match="cross-`Engine`"):
        cc.Linker(e1).instantiate(cwasmtime.Store(e2), cc.Component(e1, "(component)"))


# ------------------------------------------------------------------- call arguments


def test_wrong_argument_count_raises_type_error_like_wasmtime_py():
    ours, theirs = Echo(cwasmtime, U32_WAT), Echo(wasmtime, U32_WAT)
    for args in ((), (1, 2), (1, 2, 3)):
        with pytest.raises(TypeError, match="wrong number of parameters"):
            ours.func(ours.store, *args)
        assert outcome(lambda: theirs.func(theirs.store, *args)) == ("raise", "TypeError")
    with pytest.raises(TypeError):
        ours.func()
    assert ours.seen == [] and ours(3) == 3


@pytest.mark.parametrize("not_a_store", [None, 1, "store", cwasmtime.Engine(), object()],
                         ids=["None", "int", "str", "Engine", "object"])
def test_non_store_first_argument_raises_like_wasmtime_py(not_a_store):
    ours, theirs = Echo(cwasmtime, U32_WAT), Echo(wasmtime, U32_WAT)
    for call in (lambda api: api.func(not_a_store, 1), lambda api: api.func.type(not_a_store),
                 lambda api: api.instance.get_func(not_a_store, "x")):
        with pytest.raises(AttributeError):
            call(ours)
        assert outcome(lambda: call(theirs)) == ("raise", "AttributeError")
    with pytest.raises((AttributeError, TypeError)):
        ours.func.post_return(not_a_store)
    with pytest.raises((AttributeError, TypeError)):
        cc.Linker(ours.engine).instantiate(not_a_store, cc.Component(ours.engine, U32_WAT))
    assert ours(4) == 4


def test_get_func_with_a_non_index_raises_type_error():
    e = Echo(cwasmtime, U32_WAT)
    for bad in (1, None, b"x", 1.5, ["x"]):
        with pytest.raises(TypeError):
            e.instance.get_func(e.store, bad)
        with pytest.raises((TypeError, AttributeError)):
            e.instance.get_export_index(e.store, bad)
    assert e.instance.get_func(e.store, "missing") is None
    assert e.instance.get_export_index(e.store, "missing") is None
    # an index of the component (not the instance) works too; another component's does not
    component = cc.Component(e.engine, U32_WAT)
    index = component.get_export_index("x")
    assert component.get_export_index("missing") is None
    assert e.instance.get_func(e.store, index) is None  # (another component's index)
    with pytest.raises(TypeError):
        component.get_export_index("x", instance="not an index")


# --------------------------------------------------------------- host exceptions


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), SystemExit(3), Custom("mine"),
                                 ValueError("v"), GeneratorExit(), WasmtimeError("host-made")],
                         ids=lambda e: type(e).__name__)
def test_host_exception_is_reraised_as_the_same_object(exc):
    def host(store, v):
        raise exc

    e = Echo(cwasmtime, STRING_WAT, host=host)
    with pytest.raises(type(exc)) as info:
        e("payload")
    assert info.value is exc
    assert e.seen == ["payload"]


def test_host_function_with_another_arity_raises_the_calls_type_error():
    for api in (cwasmtime, wasmtime):
        e = Echo(api, U32_WAT)
        e.host = lambda store: 1  # called as host(store, value)
        with pytest.raises(TypeError, match="positional argument"):
            e(1)
    e = Echo(cwasmtime, U32_WAT)
    e.host = lambda store, a, b: 1
    with pytest.raises(TypeError, match="missing 1 required positional argument"):
        e(1)


def test_host_exception_in_a_resource_destructor_comes_out_of_the_dropping_call():
    boom = Custom("destructor")

    def dtor(store, rep):
        raise boom

    r = Resources(cwasmtime, dtor=dtor)
    with pytest.raises(Custom) as info:
        r("drop", cc.ResourceHost.own(1, 7))  # the guest drops it
    assert info.value is boom

    r = Resources(cwasmtime, dtor=dtor)
    made = r("mk", 2)
    with pytest.raises(Custom) as info:
        made.drop(r.store)  # the host drops it
    assert info.value is boom

    stop = KeyboardInterrupt()
    r = Resources(cwasmtime, dtor=lambda store, rep: (_ for _ in ()).throw(stop))
    made = r("mk", 3)
    with pytest.raises(KeyboardInterrupt) as info:
        made.drop(r.store)
    assert info.value is stop


def test_resource_destructor_gets_the_rep_and_a_store_context():
    seen = []
    r = Resources(cwasmtime, dtor=lambda store, rep: seen.append((type(store).__name__, rep)))
    r("drop", cc.ResourceHost.own(41, 7))
    r("mk", 42).drop(r.store)
    assert seen == [("StoreContext", 41), ("StoreContext", 42)]


# ----------------------------------------------------------------------- threads


def test_call_from_another_thread_while_the_store_runs_wasm_raises():
    entered, release = threading.Event(), threading.Event()

    def host(store, v):
        if v == 1:
            entered.set()
            assert release.wait(60)
        return v

    e = Echo(cwasmtime, U32_WAT, host=host)
    results = []
    worker = threading.Thread(target=lambda: results.append(e.func(e.store, 1)))
    worker.start()
    try:
        assert entered.wait(60)
        attempts = [
            lambda: e.func(e.store, 2),
            lambda: e.func.type(e.store),
            lambda: e.func.post_return(e.store),
            lambda: e.instance.get_func(e.store, "x"),
            lambda: cc.Linker(e.engine).instantiate(e.store, cc.Component(e.engine, U32_WAT)),
            lambda: cc.ResourceHost.own(1, 7).to_any(e.store),
        ]
        for attempt in attempts:
            with pytest.raises(WasmtimeError, match="another thread"):
                attempt()
        with pytest.raises(WasmtimeError, match="while wasm is running"):
            e.store.close()
    finally:
        release.set()
        worker.join(60)
    assert results == [1]
    assert e.func(e.store, 7) == 7  # this thread may use it now


def test_stores_on_different_threads_run_concurrently():
    errors = []

    def work(n):
        try:
            e = Echo(cwasmtime, STRING_WAT)
            for i in range(200):
                s = f"{n}-{i}-" + "é" * (i % 7)
                assert e(s) == s
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []


# ------------------------------------------------------------------ linker locking


def _locking_scenario(api):
    """The locking rules as a sequence of outcomes, the same in both libraries."""
    comp = api.component
    engine = api.Engine()
    linker = comp.Linker(engine)
    steps = []
    root = linker.root()
    steps.append(outcome(linker.root))                                   # locked
    steps.append(outcome(lambda: linker.instantiate(api.Store(engine), comp.Component(engine, "(component)"))))
    steps.append(outcome(lambda: setattr(linker, "allow_shadowing", True)))
    a = root.add_instance("a")
    steps.append(outcome(lambda: root.add_func("f", lambda s: None)))   # locked by a
    steps.append(outcome(lambda: root.add_instance("b")))
    steps.append(outcome(root.close))                                   # a still open
    steps.append(outcome(lambda: a.add_func("f", lambda s: None)))
    nested = a.add_instance("nested")
    steps.append(outcome(lambda: a.add_func("g", lambda s: None)))
    nested.close()
    steps.append(outcome(lambda: a.add_func("g", lambda s: None)))
    a.close()
    steps.append(outcome(lambda: a.add_func("h", lambda s: None)))      # closed
    steps.append(outcome(lambda: root.add_func("f", lambda s: None)))
    root.close()
    steps.append(outcome(lambda: root.add_func("z", lambda s: None)))
    steps.append(outcome(lambda: type(linker.instantiate(api.Store(engine), comp.Component(engine, "(component)"))).__name__))
    with linker.root() as again:
        steps.append(outcome(lambda: again.add_func("f", lambda s: None)))  # already defined
    return [s if s[0] == "raise" else ("ok",) for s in steps]


def test_linker_instance_locking_rules_match_wasmtime_py():
    ours = _locking_scenario(cwasmtime)
    assert ours == [("raise", "WasmtimeError"), ("raise", "WasmtimeError"), ("raise", "WasmtimeError"),
                    ("raise", "WasmtimeError"), ("raise", "WasmtimeError"), ("raise", "WasmtimeError"),
                    ("ok",), ("raise", "WasmtimeError"), ("ok",), ("raise", "ValueError"), ("ok",),
                    ("raise", "ValueError"), ("ok",), ("raise", "WasmtimeError")]
    assert ours == _locking_scenario(wasmtime)


def test_closing_the_linker_while_a_linker_instance_is_open_raises():
    engine = cwasmtime.Engine()
    linker = cc.Linker(engine)
    root = linker.root()
    with pytest.raises(WasmtimeError, match="LinkerInstance"):
        linker.close()
    nested = root.add_instance("n")
    with pytest.raises(WasmtimeError):
        root.close()
    with pytest.raises(WasmtimeError):
        linker.close()
    nested.add_func("f", lambda store: None)
    nested.close()
    root.close()
    linker.close()
    with pytest.raises(ValueError):
        linker.root()
    with pytest.raises(ValueError):
        nested.add_func("g", lambda store: None)


def test_nested_instances_define_importable_functions():
    wat = """(component
      (import "ns" (instance $ns (export "add" (func (param "a" u32) (param "b" u32) (result u32)))))
      (core func $add (canon lower (func $ns "add")))
      (core module $m (import "" "add" (func $add (param i32 i32) (result i32)))
        (func (export "f") (param i32) (result i32) (call $add (local.get 0) (i32.const 1))))
      (core instance $i (instantiate $m (with "" (instance (export "add" (func $add))))))
      (func (export "inc") (param "v" u32) (result u32) (canon lift (core func $i "f"))))"""
    engine = cwasmtime.Engine()
    linker = cc.Linker(engine)
    with linker.root() as root:
        with root.add_instance("ns") as ns:
            ns.add_func("add", lambda store, a, b: a + b)
    store = cwasmtime.Store(engine)
    inc = linker.instantiate(store, cc.Component(engine, wat)).get_func(store, "inc")
    assert inc(store, 41) == 42
    assert inc(store, 2**32 - 1) == 0  # the host's 2**32 wraps


def test_redefinition_and_shadowing():
    engine = cwasmtime.Engine()
    linker = cc.Linker(engine)
    with linker.root() as root:
        root.add_func("x", lambda store, v: v)
        with pytest.raises(WasmtimeError):
            root.add_func("x", lambda store, v: v + 1)
    linker.allow_shadowing = True
    with linker.root() as root:
        root.add_func("x", lambda store, v: v + 1)
    store = cwasmtime.Store(engine)
    f = linker.instantiate(store, cc.Component(engine, U32_WAT)).get_func(store, "x")
    assert f(store, 1) == 2


def test_linker_argument_type_errors():
    engine = cwasmtime.Engine()
    linker = cc.Linker(engine)
    with linker.root() as root:
        with pytest.raises(TypeError):
            root.add_func("f", "not callable")
        with pytest.raises(TypeError):
            root.add_func(1, lambda store: None)
        with pytest.raises(TypeError):
            root.add_resource("r", 7, lambda store, rep: None)
        with pytest.raises(TypeError):
            root.add_resource("r", cc.ResourceType.host(7), "not callable")
        with pytest.raises(TypeError):
            root.add_module("m", b"(module)")
    with pytest.raises(TypeError):
        linker.define_unknown_imports_as_traps("(component)")


def test_unknown_imports_defined_as_traps():
    engine = cwasmtime.Engine()
    linker = cc.Linker(engine)
    component = cc.Component(engine, U32_WAT)
    store = cwasmtime.Store(engine)
    with pytest.raises(WasmtimeError):
        linker.instantiate(store, component)  # "x" is missing
    linker.define_unknown_imports_as_traps(component)
    f = linker.instantiate(store, component).get_func(store, "x")
    with pytest.raises(WasmtimeError):
        f(store, 1)


# ---------------------------------------------------------------------- resources


@pytest.mark.parametrize("rep, ty", [(2**32, 7), (-1, 7), (1, 2**32), (1, -1), (2**64, 2**64)])
def test_resource_host_out_of_u32_range_raises_value_error(rep, ty):
    for make in (cc.ResourceHost.own, cc.ResourceHost.borrow):
        with pytest.raises(ValueError):
            make(rep, ty)
    if not 0 <= ty < 2**32:
        with pytest.raises(ValueError):
            cc.ResourceType.host(ty)


def test_resource_host_bounds_and_non_ints():
    top = cc.ResourceHost.own(2**32 - 1, 2**32 - 1)
    assert (top.rep, top.type, top.owned) == (2**32 - 1, 2**32 - 1, True)
    zero = cc.ResourceHost.borrow(0, 0)
    assert (zero.rep, zero.type, zero.owned) == (0, 0, False)
    for bad in ("1", 1.0, None):
        with pytest.raises((TypeError, ValueError)):
            cc.ResourceHost.own(bad, 7)
        with pytest.raises((TypeError, ValueError)):
            cc.ResourceType.host(bad)


def test_an_own_resource_moves_into_a_call_once():
    r = Resources(cwasmtime)
    made = r("mk", 8)
    assert r("own", made) == 8
    with pytest.raises(ValueError):
        r("own", made)  # already moved
    with pytest.raises(ValueError):
        r("borrow", made)
    closed = r("mk", 9)
    closed.close()
    with pytest.raises(ValueError):
        r("borrow", closed)


# ----------------------------------------------------------------- reentrant calls


def test_reentrant_call_from_a_host_function_works_like_wasmtime_py():
    # Wasmtime 50 lets a host function call back into the instance that called it
    # (older versions refused with "cannot enter component instance").
    def scenario(api):
        depth = []
        box = {}

        def host(store, s):
            depth.append(s)
            if len(s) > 1:
                inner = box["f"](store, s[1:])  # reenter with a shorter string
                assert inner == s[1:]
            return s

        e = Echo(api, STRING_WAT, host=host)
        box["f"] = e.func
        return e("héllo wörld"), depth

    got, depth = scenario(cwasmtime)
    assert got == "héllo wörld"
    assert depth == ["héllo wörld"[i:] for i in range(11)]
    assert scenario(wasmtime) == (got, depth)


def test_call_made_while_lowering_arguments_of_the_same_function():
    # Python code run while an argument is lowered (a property) calls the same function.
    e = Echo(cwasmtime, indirect_component("(record (field \"a\" string) (field \"b\" string))",
                                           "i32 i32 i32 i32"))

    class Lazy:
        a = "outer-a"

        @property
        def b(self):
            assert e(Record(a="inner-a", b="inner-b")) == Record(a="inner-a", b="inner-b")
            return "outer-b"

    assert e(Lazy()) == Record(a="outer-a", b="outer-b")
    assert e.seen == [Record(a="inner-a", b="inner-b"), Record(a="outer-a", b="outer-b")]


# ------------------------------------------------------- crashes (in a subprocess)


PRELUDE = """
    import cwasmtime, cwasmtime.component as cc
    from cwasmtime.component import Record, Variant
    from component.conftest import Echo, component_for
"""


def run_isolated(code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a new interpreter (a crash there fails the test, not the run)."""
    return isolation.run_isolated(code, prelude=PRELUDE)


def test_closing_the_store_while_lowering_an_argument_raises_instead_of_crashing():
    done = run_isolated("""
        e = Echo(cwasmtime, component_for('(record (field "a" u32) (field "b" u32))', "i32 i32"))

        class Closer:
            a = 1

            @property
            def b(self):
                e.store.close()
                return 2

        try:
            e.func(e.store, Closer())
        except ValueError as exc:
            print("raised", exc)
    """)
    assert done.returncode == 0, f"crashed with {done.returncode}: {done.stderr[:600]}"
    assert "raised" in done.stdout


@pytest.mark.parametrize("where", ["argument", "host result"])
def test_lone_surrogate_char_raises_instead_of_aborting(where):
    done = run_isolated(f"""
        where = {where!r}
        e = Echo(cwasmtime, component_for("char", "i32"))
        if where == "host result":
            e.host = lambda store, v: "\\ud800"
        try:
            e.func(e.store, "\\ud800" if where == "argument" else "a")
        except Exception as exc:
            print("raised", type(exc).__name__)
    """)
    assert done.returncode == 0, f"crashed with {done.returncode}: {done.stderr[:600]}"
    assert "raised" in done.stdout


@pytest.mark.parametrize("where", ["argument", "host result"])
def test_list_emptied_while_it_is_lowered_raises_instead_of_crashing(where):
    # A property of the first element (run while the list is lowered) empties the list.
    done = run_isolated(f"""
        where = {where!r}
        items = []

        class Shrinker:
            a = 1

            @property
            def b(self):
                items.clear()
                return "x"

        items[:] = [Shrinker()] + [Record(a=i, b="y" * 100) for i in range(1000)]
        named = [("item", '(record (field "a" u32) (field "b" string))')]
        e = Echo(cwasmtime, component_for("(list $item)", "i32 i32", named))
        if where == "host result":
            e.host = lambda store, v: items
        try:
            result = e.func(e.store, items if where == "argument" else [])
            print("returned", len(result))
        except Exception as exc:
            print("raised", type(exc).__name__)
    """)
    assert done.returncode == 0, f"crashed with {done.returncode}: {done.stderr[:600]}"
    assert "raised" in done.stdout or "returned" in done.stdout


def test_set_subclass_whose_iteration_disagrees_with_its_length_does_not_overflow():
    done = run_isolated("""
        class Liar(set):
            def __len__(self):
                return 0

            def __iter__(self):
                return iter(["a", "b", "c"] * 1000)

        e = Echo(cwasmtime, component_for('(flags "a" "b" "c")', "i32"))
        for _ in range(20):
            try:
                e.func(e.store, Liar())
            except Exception as exc:
                print("raised", type(exc).__name__)
        print("survived", e.func(e.store, {"a"}))
    """)
    assert done.returncode == 0, f"crashed with {done.returncode}: {done.stderr[:600]}"
    assert "survived {'a'}" in done.stdout


@pytest.mark.parametrize("where", ["argument", "host result"])
@pytest.mark.parametrize("cls", ["ResourceAny", "ResourceHost"])
def test_a_resource_subclass_cannot_hand_over_a_pointer_of_its_own(where, cls):
    # The handle comes from the object's methods (ptr, _consume, to_any): a subclass
    # could return any address. Only the classes themselves are taken.
    done = run_isolated(f"""
        from cwasmtime._capi import ffi
        from component.conftest import Resources
        bogus = ffi.cast("wasmtime_component_resource_any_t *", 0x1234)

        class Evil(cc.{cls}):
            def __init__(self):
                pass
            def ptr(self):
                return bogus
            _consume = ptr
            def to_any(self, store):
                return self

        r = Resources(cwasmtime, echo=lambda store, handle: Evil())
        try:
            if {where!r} == "argument":
                r("borrow", Evil())
            else:
                r("echo", r("mk", 1))
        except (TypeError, cwasmtime.WasmtimeError) as exc:
            print("raised", type(exc).__name__, exc)
    """)
    isolation.assert_clean_exit(done)
    assert "raised TypeError expected ResourceAny or ResourceHost" in done.stdout


def test_a_dict_changed_while_it_is_lowered_is_lowered_as_it_was():
    # A value's getter replaces three entries: the dict keeps its size, but iterating
    # it skipped entries (the table was compacted), giving a map that was neither.
    done = run_isolated("""
        named = [("r", '(record (field "a" u32))')]
        config = cwasmtime.Config()
        config.wasm_component_model_map = True
        e = Echo(cwasmtime, component_for("(map string $r)", "i32 i32", named),
                 engine=cwasmtime.Engine(config))

        class Replacer:
            @property
            def a(self):
                for k in ("k0", "k1", "k2"):
                    del d[k]
                for k in ("n0", "n1", "n2"):
                    d[k] = Record(a=99)
                return 5

        d = {f"k{i}": Record(a=i) for i in range(10)}
        d["k5"] = Replacer()
        before = sorted(d)
        print(sorted(e.func(e.store, d)) == before, sorted(d) != before)
    """)
    isolation.assert_clean_exit(done)
    assert done.stdout.strip() == "True True"


# ------------------------------------------- future, stream (Wasmtime aborts on them)

FUTURE_WAT = """(component
  (type $f (future u32))
  (type $s (stream u8))
  (core func $newf (canon future.new $f))
  (core func $news (canon stream.new $s))
  (core module $m
    (import "" "newf" (func $newf (result i64)))
    (import "" "news" (func $news (result i64)))
    (func (export "f") (result i32) (i32.wrap_i64 (call $newf)))
    (func (export "s") (result i32) (i32.wrap_i64 (call $news))))
  (core instance $i (instantiate $m (with "" (instance (export "newf" (func $newf))
                                                       (export "news" (func $news))))))
  (func (export "future") (result $f) (canon lift (core func $i "f")))
  (func (export "stream") (result $s) (canon lift (core func $i "s")))
  (func (export "tuple") (result (tuple $f)) (canon lift (core func $i "f"))))"""


@pytest.mark.parametrize("export", ["future", "stream", "tuple"])
def test_a_function_returning_a_future_or_stream_is_refused_before_the_call(export):
    done = run_isolated(f"""
        e = cwasmtime.Engine()
        store = cwasmtime.Store(e)
        f = cc.Linker(e).instantiate(store, cc.Component(e, {FUTURE_WAT!r})).get_func(store, {export!r})
        for _ in range(2):
            try:
                f(store)
            except NotImplementedError as exc:
                print("raised", exc)
    """)
    isolation.assert_clean_exit(done)
    assert done.stdout.count("future, stream or error-context cannot be received") == 2


def stream_import_wat(instance):
    """A component whose export `f` passes a new stream to the imported function `x`
    (of the imported instance `instance`, or at the root)."""
    imp = (f'(import "x" (func $x (param "s" $s)))' if instance is None else
           f'(import "{instance}" (instance $inst (export "x" (func (param "s" $s)))))\n'
           f'  (alias export $inst "x" (func $x))')
    return f"""(component
  (type $s (stream u8))
  {imp}
  (core func $xc (canon lower (func $x)))
  (core func $new (canon stream.new $s))
  (core module $m (import "" "x" (func $x (param i32))) (import "" "new" (func $new (result i64)))
    (func (export "f") (call $x (i32.wrap_i64 (call $new)))))
  (core instance $i (instantiate $m (with "" (instance (export "x" (func $xc)) (export "new" (func $new))))))
  (func (export "f") (canon lift (core func $i "f"))))"""


@pytest.mark.parametrize("instance, defined_as", [(None, None), ("a:b/c@1.0.0", "a:b/c@1.0.0"),
                                                  ("a:b/c@1.0.1", "a:b/c@1.0.0")])
def test_a_host_function_that_would_receive_a_stream_is_refused_at_instantiation(instance, defined_as):
    done = run_isolated(f"""
        e = cwasmtime.Engine()
        comp = cc.Component(e, {stream_import_wat(instance)!r})
        linker = cc.Linker(e)
        with linker.root() as root:
            if {defined_as!r} is None:
                root.add_func("x", lambda store, s: print("host got", s))
            else:
                with root.add_instance({defined_as!r}) as ns:
                    ns.add_func("x", lambda store, s: print("host got", s))
        store = cwasmtime.Store(e)
        try:
            linker.instantiate(store, comp).get_func(store, "f")(store)
        except NotImplementedError as exc:
            print("raised", exc)
        # Defined otherwise (not by a Python function), the import is not refused.
        traps = cc.Linker(e)
        traps.define_unknown_imports_as_traps(comp)
        print("instantiated", traps.instantiate(cwasmtime.Store(e), comp) is not None)
    """)
    isolation.assert_clean_exit(done)
    assert "which takes a future, stream or error-context" in done.stdout
    assert "host got" not in done.stdout and "instantiated True" in done.stdout


# -------------------------------------------------------- types of another Engine


def test_component_types_used_with_another_engine_raise():
    # Wasmtime reads a core module's types through the engine it is given: another
    # Engine aborted the process (types.rs, unwrap on None).
    done = run_isolated("""
        e1, e2 = cwasmtime.Engine(), cwasmtime.Engine()
        comp = cc.Component(e1, '''(component
          (import "m" (core module (import "" "f" (func (param i32)))))
          (import "i" (instance (export "m" (core module (export "g" (func)))))))''')
        imports = comp.type.imports(e1)
        attempts = {
            "module imports": lambda: imports["m"].ty.imports(e2),
            "module exports": lambda: imports["i"].ty.exports(e1)["m"].ty.exports(e2),
            "instance exports": lambda: imports["i"].ty.exports(e2),
            "component imports": lambda: comp.type.imports(e2),
        }
        for name, attempt in attempts.items():
            try:
                attempt()
            except cwasmtime.WasmtimeError as exc:
                print(name, "raised", exc)
        print(imports["m"].ty.imports(e1)[0].name, imports["i"].ty.exports(e1)["m"].ty.exports(e1)[0].name)
    """)
    isolation.assert_clean_exit(done)
    assert done.stdout.count("raised type used with the wrong Engine") == 4
    assert done.stdout.strip().endswith("f g")
