"""Instance, InstanceExports, InstancePre and Linker, checked against wasmtime-py."""
from __future__ import annotations

import pytest
import wasmtime

import cwasmtime
from cwasmtime import (Engine, Func, FuncType, Global, GlobalType, Instance, InstancePre,
                       Linker, Memory, MemoryType, Limits, Module, Store, Table, Trap,
                       ValType, WasmtimeError)

EXPORTS_WAT = """
(module
  (func (export "f") (result i32) i32.const 7)
  (memory (export "m") 1)
  (global (export "g") i32 (i32.const 3))
  (table (export "t") 1 funcref))
"""

IMPORT_START_WAT = '(module (import "a" "b" (func)) (start 0))'


class Boom(Exception):
    pass


def _unit() -> FuncType:
    return FuncType([], [])


# ------------------------------------------------------------------------- Instance


def test_exports_match_wasmtime_py() -> None:
    kinds = {}
    for mod in (cwasmtime, wasmtime):
        store = mod.Store()
        exports = mod.Instance(store, mod.Module(store.engine, EXPORTS_WAT), []).exports(store)
        kinds[mod.__name__] = (list(exports), len(exports),
                               [type(x).__name__ for x in exports.by_index],
                               exports["f"](store), "f" in exports, "zz" in exports,
                               exports.get("zz", 5), 0 in exports)
    assert kinds["cwasmtime"] == kinds["wasmtime"]


def test_exports_cached_identity() -> None:
    store = Store()
    instance = Instance(store, Module(store.engine, EXPORTS_WAT), [])
    first = instance.exports(store)
    assert instance.exports(store) is first
    f = first["f"]
    for _ in range(3):
        assert instance.exports(store)["f"] is f
    assert first.by_index[0] is f
    assert first[0] is f  # integer positions also index the mapping
    with pytest.raises(IndexError):
        first.by_index[10]
    with pytest.raises(KeyError):
        first["missing"]
    assert set(first.values()) == set(first.by_index)
    assert isinstance(first["m"], Memory)
    assert isinstance(first["g"], Global)
    assert isinstance(first["t"], Table)


def test_exports_via_caller() -> None:
    store = Store()
    module = Module(store.engine, """
        (module (import "" "cb" (func)) (func (export "run") call 0)
                (func (export "seven") (result i32) i32.const 7))""")
    seen = []
    box = []

    def cb(caller: cwasmtime.Caller) -> None:
        seen.append(box[0].exports(caller)["seven"](caller))

    func = Func(store, _unit(), cb, access_caller=True)
    box.append(Instance(store, module, [func]))
    box[0].exports(store)["run"](store)
    assert seen == [7]


def test_imports_of_every_kind() -> None:
    store = Store()
    module = Module(store.engine, """
        (module
          (import "" "f" (func $f (result i32)))
          (import "" "g" (global $g (mut i32)))
          (import "" "m" (memory 1))
          (import "" "t" (table 1 funcref))
          (func (export "sum") (result i32) call $f global.get $g i32.add))""")
    f = Func(store, FuncType([], [ValType.i32()]), lambda: 40)
    g = Global(store, GlobalType(ValType.i32(), True), 2)
    m = Memory(store, MemoryType(Limits(1, None)))
    t = Instance(store, Module(store.engine, EXPORTS_WAT), []).exports(store)["t"]
    instance = Instance(store, module, [f, g, m, t])
    assert instance.exports(store)["sum"](store) == 42


def test_instance_errors_match_wasmtime_py() -> None:
    for mod in (cwasmtime, wasmtime):
        store = mod.Store()
        module = mod.Module(store.engine, '(module (import "" "" (func)))')
        with pytest.raises(AttributeError):
            mod.Instance(store, 1, [])
        with pytest.raises(TypeError):
            mod.Instance(store, module, [1])
        with pytest.raises(mod.WasmtimeError):
            mod.Instance(store, module, [])
        g = mod.Global(store, mod.GlobalType(mod.ValType.i32(), False), 1)
        with pytest.raises(mod.WasmtimeError):
            mod.Instance(store, module, [g])


def test_start_function_trap() -> None:
    store = Store()
    with pytest.raises(Trap) as info:
        Instance(store, Module(store.engine, "(module (func unreachable) (start 0))"), [])
    assert "unreachable" in str(info.value)


def test_start_function_host_exception_is_reraised() -> None:
    store = Store()
    error = Boom("from host")

    def fail() -> None:
        raise error

    func = Func(store, _unit(), fail)
    module = Module(store.engine, '(module (import "" "" (func)) (start 0))')
    with pytest.raises(Boom) as info:
        Instance(store, module, [func])
    assert info.value is error
    # The store is usable afterwards and the next failure is not confused with it.
    with pytest.raises(Trap):
        Instance(store, Module(store.engine, "(module (func unreachable) (start 0))"), [])


def test_cross_store_instance_use_raises() -> None:
    engine = Engine()
    s1, s2 = Store(engine), Store(engine)
    instance = Instance(s1, Module(engine, EXPORTS_WAT), [])
    with pytest.raises(WasmtimeError):
        instance.exports(s2)
    func = Func(s1, _unit(), lambda: None)
    with pytest.raises(WasmtimeError):
        Instance(s2, Module(engine, '(module (import "" "" (func)))'), [func])
    assert instance.exports(s1)["f"](s1) == 7
    s1.close()
    with pytest.raises(ValueError):
        instance.exports(s1)


# --------------------------------------------------------------------------- Linker


def test_linker_shadowing() -> None:
    store = Store()
    linker = Linker(store.engine)
    func = Func(store, _unit(), lambda: None)
    linker.define(store, "m", "f", func)
    with pytest.raises(WasmtimeError):
        linker.define(store, "m", "f", func)
    with pytest.raises(WasmtimeError):
        linker.define_func("m", "f", _unit(), lambda: None)
    instance = Instance(store, Module(store.engine, EXPORTS_WAT), [])
    linker.define_instance(store, "i", instance)
    with pytest.raises(WasmtimeError):
        linker.define_instance(store, "i", instance)
    linker.allow_shadowing = True
    linker.define(store, "m", "f", func)
    linker.define_instance(store, "i", instance)
    linker.define_func("m", "f", _unit(), lambda: None)
    linker.allow_shadowing = False
    with pytest.raises(WasmtimeError):
        linker.define(store, "m", "f", func)
    with pytest.raises(AttributeError):
        linker.allow_shadowing  # write-only


def test_linker_argument_errors_match_wasmtime_py() -> None:
    for mod in (cwasmtime, wasmtime):
        store = mod.Store()
        linker = mod.Linker(store.engine)
        func = mod.Func(store, mod.FuncType([], []), lambda: None)
        with pytest.raises(TypeError):
            linker.define(store, "", "", 2)
        with pytest.raises(AttributeError):
            linker.define(store, 2, "", func)
        with pytest.raises(TypeError):
            linker.define_instance("x", 2)
        with pytest.raises(TypeError):
            linker.define_func("a", "b", "not a type", lambda: None)
        with pytest.raises(AttributeError):
            mod.Linker(2)
        with pytest.raises(AttributeError):
            linker.instantiate(store, 3)
        for method in (linker.instantiate_pre, linker.define_unknown_imports_as_traps):
            with pytest.raises(TypeError):
                method("not a module")
        with pytest.raises(mod.WasmtimeError):
            linker.get(store, "foo", "bar")


def test_define_func_in_two_stores() -> None:
    engine = Engine()
    linker = Linker(engine)
    calls = []

    def add(caller: cwasmtime.Caller, x: int) -> int:
        mem = caller.get("mem")  # None when called from Python rather than wasm
        calls.append(mem.data_len(caller) if mem is not None else None)
        return x + 1

    linker.define_func("host", "add", FuncType([ValType.i32()], [ValType.i32()]), add,
                       access_caller=True)
    module = Module(engine, """
        (module
          (import "host" "add" (func $add (param i32) (result i32)))
          (memory (export "mem") 1)
          (func (export "run") (param i32) (result i32) local.get 0 call $add))""")
    results = []
    for _ in range(2):
        store = Store(engine)
        instance = linker.instantiate(store, module)
        results.append(instance.exports(store)["run"](store, 41))
        assert isinstance(linker.get(store, "host", "add"), Func)
        assert linker.get(store, "host", "add")(store, 1) == 2
    assert results == [42, 42]
    assert calls == [65536, None, 65536, None]


def test_define_func_start_exception_is_reraised() -> None:
    engine = Engine()
    linker = Linker(engine)
    error = Boom("linker host")

    def fail() -> None:
        raise error

    linker.define_func("a", "b", _unit(), fail)
    module = Module(engine, IMPORT_START_WAT)
    with pytest.raises(Boom) as info:
        linker.instantiate(Store(engine), module)
    assert info.value is error
    pre = linker.instantiate_pre(module)
    with pytest.raises(Boom) as info:
        pre.instantiate(Store(engine))
    assert info.value is error


def test_linker_instantiate_and_traps() -> None:
    store = Store()
    linker = Linker(store.engine)
    linker.define_instance(store, "x", Instance(store, Module(store.engine, EXPORTS_WAT), []))
    module = Module(store.engine, """
        (module (import "x" "f" (func $f (result i32)))
                (func (export "g") (result i32) call $f))""")
    instance = linker.instantiate(store, module)
    assert isinstance(instance, Instance)
    assert instance.exports(store)["g"](store) == 7
    with pytest.raises(WasmtimeError):
        linker.instantiate(store, Module(store.engine, '(module (import "x" "nope" (func)))'))
    with pytest.raises(Trap):
        linker.instantiate(store, Module(store.engine, "(module (func unreachable) (start 0))"))


def test_linker_cross_store_raises() -> None:
    engine = Engine()
    s1, s2 = Store(engine), Store(engine)
    linker = Linker(engine)
    func = Func(s1, _unit(), lambda: None)
    instance = Instance(s1, Module(engine, EXPORTS_WAT), [])
    with pytest.raises(WasmtimeError):
        linker.define(s2, "a", "b", func)
    with pytest.raises(WasmtimeError):
        linker.define_instance(s2, "x", instance)
    linker.define(s1, "a", "b", func)
    linker.define_instance(s1, "x", instance)
    assert linker.get(s1, "x", "f")(s1) == 7
    with pytest.raises(WasmtimeError):
        linker.get(s2, "x", "f")
    with pytest.raises(WasmtimeError):
        linker.get(Store(engine), "a", "b")
    linker.define(s1, "d", "", func)  # the default export of module "d"
    with pytest.raises(WasmtimeError):
        linker.get_default(s2, "d")
    assert linker.get_default(s2, "a")(s2) is None  # no default: a no-op made in s2
    with pytest.raises(WasmtimeError):
        linker.instantiate(s2, Module(engine, '(module (import "a" "b" (func)))'))
    linker.get_default(s1, "d")(s1)


def test_linker_get_default_and_module() -> None:
    store = Store()
    linker = Linker(store.engine)
    assert linker.get_default(store, "nothing")(store) is None
    linker.define_module(store, "foo", Module(store.engine, '(module (func (export "f")))'))
    assert isinstance(linker.get(store, "foo", "f"), Func)
    linker.instantiate(store, Module(store.engine, '(module (import "foo" "f" (func)))'))
    with pytest.raises(TypeError):
        linker.define_module(store, "bar", "not a module")


def test_unknown_imports() -> None:
    engine = Engine()
    module = Module(engine, """
        (module (import "env" "f" (func $f (result i32)))
                (func (export "call") (result i32) call $f))""")
    traps = Linker(engine)
    traps.define_unknown_imports_as_traps(module)
    store = Store(engine)
    with pytest.raises(WasmtimeError, match="unknown import"):  # as in wasmtime-py
        traps.instantiate(store, module).exports(store)["call"](store)
    defaults = Linker(engine)
    store = Store(engine)
    defaults.define_unknown_imports_as_default_values(store, module)
    assert defaults.instantiate(store, module).exports(store)["call"](store) == 0
    with pytest.raises(TypeError):
        defaults.define_unknown_imports_as_default_values(store, "not a module")


def test_instance_pre() -> None:
    engine = Engine()
    linker = Linker(engine)
    module = Module(engine, '(module (func (export "f") (result i32) i32.const 42))')
    pre = linker.instantiate_pre(module)
    assert isinstance(pre, InstancePre)
    for _ in range(2):
        store = Store(engine)
        instance = pre.instantiate(store)
        assert instance.exports(store)["f"](store) == 42
    assert [e.name for e in pre.module.exports] == ["f"]
    with pytest.raises(WasmtimeError):
        linker.instantiate_pre(Module(engine, '(module (import "a" "b" (func)))'))
    pre.close()
    with pytest.raises(ValueError):
        pre.instantiate(Store(engine))


def test_instance_pre_cross_store_is_an_error() -> None:
    engine = Engine()
    s1 = Store(engine)
    linker = Linker(engine)
    linker.define(s1, "a", "b", Func(s1, _unit(), lambda: None))
    pre = linker.instantiate_pre(Module(engine, '(module (import "a" "b" (func)))'))
    pre.instantiate(s1)
    with pytest.raises(WasmtimeError):
        pre.instantiate(Store(engine))
