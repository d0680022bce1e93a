"""repr() says what an object is (the scheme is in cwasmtime/_repr.py): types as
``Name(contents)``, everything else as ``<Name details>``; closed objects, and objects
whose Store is closed, say so instead of raising."""
import threading

import cwasmtime as wt
from cwasmtime import FuncType, GlobalType, Limits, MemoryType, TableType, TagType, ValType

I32, I64, F64 = ValType.i32(), ValType.i64(), ValType.f64()

WAT = """
(module
  (import "host" "log" (func (param i32 i32)))
  (import "host" "counter" (global (mut i32)))
  (memory (export "memory") 1 4)
  (table (export "table") 2 funcref)
  (global (export "answer") i32 (i32.const 42))
  (global (export "ratio") (mut f64) (f64.const 1.5))
  (global (export "ref") externref (ref.null extern))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "nop"))
  (func (export "pair") (param i64) (result i32 i64) (i32.const 7) (local.get 0))
  (tag (export "oops") (param i32)))
"""


def instance():
    """(store, the instance of WAT, its exports)."""
    store = wt.Store()
    module = wt.Module(store.engine, WAT)
    log = wt.Func(store, FuncType([I32, I32], []), lambda a, b: None)
    counter = wt.Global(store, GlobalType(I32, True), 0)
    inst = wt.Instance(store, module, [log, counter])
    return store, inst, inst.exports(store)


def closed(obj):
    obj.close()
    return repr(obj)


def test_engine():
    engine = wt.Engine()
    assert repr(engine) == "<Engine>"
    assert closed(engine) == "<Engine (closed)>"


def test_config_lists_its_settings():
    config = wt.Config()
    assert repr(config) == "<Config>"
    config.consume_fuel = True
    config.cranelift_opt_level = "speed"
    assert repr(config) == "<Config consume_fuel=True cranelift_opt_level='speed'>"
    wt.Engine(config)  # consumes it
    assert repr(config) == "<Config (closed)>"


def test_store():
    store = wt.Store()
    assert repr(store) == "<Store>"
    assert closed(store) == "<Store (closed)>"


def test_module_lists_imports_and_exports():
    module = wt.Module(wt.Engine(), WAT)
    assert repr(module) == (
        "<Module imports [host.log: (i32, i32) -> (), host.counter: GlobalType(i32, mutable=True)], "
        "exports [memory: MemoryType(min=1, max=4), table: TableType(funcref, min=2, max=None), "
        "answer: GlobalType(i32, mutable=False), ratio: GlobalType(f64, mutable=True), "
        "ref: GlobalType(anyref, mutable=False), ... 4 more]>")
    assert repr(wt.Module(wt.Engine(), "(module)")) == "<Module imports [], exports []>"
    assert closed(module) == "<Module (closed)>"


def test_instance_lists_its_exports():
    store, inst, _ = instance()
    assert repr(inst) == (
        "<Instance exports [memory: MemoryType(min=1, max=4), table: TableType(funcref, min=2, "
        "max=None), answer: GlobalType(i32, mutable=False), ratio: GlobalType(f64, mutable=True), "
        "ref: GlobalType(anyref, mutable=False), ... 4 more]>")
    store.close()
    assert repr(inst) == "<Instance (store closed)>"


def test_func_shows_its_signature():
    store, _, exports = instance()
    assert [repr(exports[name]) for name in ("add", "nop", "pair")] == [
        "<Func (i32, i32) -> i32>", "<Func () -> ()>", "<Func (i64) -> (i32, i64)>"]
    store.close()
    assert repr(exports["add"]) == "<Func (store closed)>"


def test_memory():
    store, _, exports = instance()
    memory = exports["memory"]
    assert repr(memory) == "<Memory 1 page, MemoryType(min=1, max=4)>"
    memory.grow(store, 1)
    assert repr(memory) == "<Memory 2 pages, MemoryType(min=1, max=4)>"
    store.close()
    assert repr(memory) == "<Memory (store closed)>"


def test_global_shows_a_numeric_value():
    store, _, exports = instance()
    ratio = exports["ratio"]
    assert repr(exports["answer"]) == "<Global 42, GlobalType(i32, mutable=False)>"
    assert repr(ratio) == "<Global 1.5, GlobalType(f64, mutable=True)>"
    ratio.set_value(store, -2.0)
    assert repr(ratio) == "<Global -2.0, GlobalType(f64, mutable=True)>"
    assert repr(exports["ref"]) == "<Global GlobalType(anyref, mutable=False)>"
    store.close()
    assert repr(ratio) == "<Global (store closed)>"


def test_table():
    store, _, exports = instance()
    table = exports["table"]
    assert repr(table) == "<Table 2 elements, TableType(funcref, min=2, max=None)>"
    table.grow(store, 1, None)
    assert repr(table) == "<Table 3 elements, TableType(funcref, min=2, max=None)>"
    store.close()
    assert repr(table) == "<Table (store closed)>"


def test_tag():
    store, _, exports = instance()
    assert repr(exports["oops"]) == "<Tag TagType((i32) -> ())>"
    store.close()
    assert repr(exports["oops"]) == "<Tag (store closed)>"


def test_shared_memory():
    config = wt.Config()
    config.shared_memory = True
    memory = wt.SharedMemory(wt.Engine(config), MemoryType(Limits(1, 2), shared=True))
    assert repr(memory) == "<SharedMemory 1 page, MemoryType(min=1, max=2, shared=True)>"
    assert closed(memory) == "<SharedMemory (closed)>"


def test_linker():
    linker = wt.Linker(wt.Engine())
    assert repr(linker) == "<Linker>"
    linker.define_wasi()
    assert repr(linker) == "<Linker with WASI>"
    assert closed(linker) == "<Linker (closed)>"


def test_instance_pre():
    engine = wt.Engine()
    pre = wt.Linker(engine).instantiate_pre(wt.Module(engine, '(module (func (export "f")))'))
    assert repr(pre) == "<InstancePre of Module imports [], exports [f: () -> ()]>"
    assert closed(pre) == "<InstancePre (closed)>"


def test_wasi_config():
    wasi = wt.WasiConfig()
    assert repr(wasi) == "<WasiConfig>"
    wt.Store().set_wasi(wasi)  # consumes it
    assert repr(wasi) == "<WasiConfig (closed)>"


def test_caller_is_valid_during_its_call_only():
    store = wt.Store()
    seen = []
    func = wt.Func(store, FuncType([], []), lambda caller: seen.append((caller, repr(caller))),
                   access_caller=True)
    func(store)
    [(caller, during)] = seen
    assert (during, repr(caller)) == ("<Caller>", "<Caller (closed)>")


def test_store_busy_in_another_thread():
    """A Store running wasm on another thread cannot be read: its objects say so (and
    a repr from inside the call, on that thread, reads it as usual)."""
    store = wt.Store()
    entered, release = threading.Event(), threading.Event()
    inside = []

    def block():
        inside.append(repr(func))
        entered.set()
        release.wait(30)

    func = wt.Func(store, FuncType([], []), block)
    worker = threading.Thread(target=func, args=(store,))
    worker.start()
    try:
        assert entered.wait(30)
        assert repr(func) == "<Func (store busy in another thread)>"
    finally:
        release.set()
        worker.join()
    assert inside == ["<Func () -> ()>"]
    assert repr(func) == "<Func () -> ()>"


# ------------------------------------------------------------------------- types


def test_valtype_prints_as_wasmtime_py():
    assert [repr(t) for t in (I32, I64, ValType.f32(), F64, ValType.externref(),
                              ValType.funcref())] == [
        "i32", "i64", "f32", "f64", "anyref", "funcref"]
    assert str(I64) == "i64"
    assert closed(ValType.i32()) == "<ValType (closed)>"


def test_functype():
    assert repr(FuncType([I32, I32], [I32])) == "FuncType((i32, i32) -> i32)"
    assert repr(FuncType([], [I32, F64])) == "FuncType(() -> (i32, f64))"
    assert closed(FuncType([], [])) == "<FuncType (closed)>"


def test_globaltype():
    assert repr(GlobalType(I64, True)) == "GlobalType(i64, mutable=True)"
    assert closed(GlobalType(I64, False)) == "<GlobalType (closed)>"


def test_limits():
    assert repr(Limits(1, None)) == "Limits(min=1, max=None)"
    assert repr(Limits(0, 10)) == "Limits(min=0, max=10)"


def test_memorytype_shows_flags_that_differ_from_the_defaults():
    assert repr(MemoryType(Limits(1, None))) == "MemoryType(min=1, max=None)"
    assert (repr(MemoryType(Limits(2, 3), is_64=True, page_size_log2=0))
            == "MemoryType(min=2, max=3, is_64=True, page_size_log2=0)")
    assert closed(MemoryType(Limits(1, None))) == "<MemoryType (closed)>"


def test_tabletype():
    assert repr(TableType(ValType.funcref(), Limits(0, 10))) == "TableType(funcref, min=0, max=10)"
    assert closed(TableType(ValType.funcref(), Limits(0, 10))) == "<TableType (closed)>"


def test_tagtype():
    assert repr(TagType(FuncType([I32, I64], []))) == "TagType((i32, i64) -> ())"
    assert closed(TagType(FuncType([], []))) == "<TagType (closed)>"


def test_import_and_export_types():
    module = wt.Module(wt.Engine(), WAT)
    first_import, first_export = module.imports[0], module.exports[-4]
    assert repr(first_import) == "ImportType(host.log: (i32, i32) -> ())"
    assert repr(first_export) == "ExportType(add: (i32, i32) -> i32)"
    assert repr(module.exports[0]) == "ExportType(memory: MemoryType(min=1, max=4))"
    assert closed(first_import) == "<ImportType (closed)>"
    assert closed(first_export) == "<ExportType (closed)>"
