"""A small but realistic program written against cwasmtime's public API, annotated the
way a user would annotate it. ``tests/test_typing.py`` runs ``mypy --strict`` on this
file (which also checks the package's annotations and ``.pyi`` stubs as seen by a
user) and executes it as a script, so every line here must type-check and work."""
from __future__ import annotations

import ctypes
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import cwasmtime as wasmtime
from cwasmtime import component
from cwasmtime import (Caller, Config, Engine, ExitTrap, ExportType, Func, FuncType, Global,
                       GlobalType, ImportType, Instance, InstancePre, Limits, Linker, Managed,
                       Memory, MemoryType, Module, SharedMemory, Store, StoreContext, Storelike,
                       Table, TableType, Tag, TagType, Trap, TrapCode, Val, ValType, WasiConfig,
                       WasmtimeError, wat2wasm)

GUEST_WAT = """
(module
  (import "host" "log" (func $log (param i32 i32)))
  (import "host" "double" (func $double (param i32) (result i32)))
  (import "host" "counter" (global $counter (mut i32)))
  (import "host" "fail" (func $fail))
  (memory (export "memory") 1 4)
  (table (export "table") 2 funcref)
  (global (export "answer") i32 (i32.const 42))
  (data (i32.const 16) "hello from wasm")
  (func (export "greet") (call $log (i32.const 16) (i32.const 15)))
  (func $add (export "add") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.add)
  (func (export "twice") (param i32) (result i32) (call $double (local.get 0)))
  (func (export "bump") (result i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (global.get $counter))
  (func (export "pair") (param i64) (result i32 i64)
    i32.const 7
    local.get 0)
  (func (export "crash") unreachable)
  (func (export "call_fail") (call $fail))
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (elem (i32.const 0) $add)
)
"""

WASI_WAT = """
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  ;; an iovec at 0 pointing at "hi wasi\\n" at 8
  (data (i32.const 0) "\\08\\00\\00\\00\\08\\00\\00\\00")
  (data (i32.const 8) "hi wasi\\n")
  (func (export "_start")
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 32)))
    (call $proc_exit (i32.const 3)))
)
"""


def make_engine() -> wasmtime.Engine:
    # The module-style spelling of wasmtime-py code works the same as direct imports.
    config: wasmtime.Config = wasmtime.Config()
    config.consume_fuel = True
    config.wasm_threads = True
    config.shared_memory = True
    config.wasm_exceptions = True
    config.cranelift_opt_level = "speed"
    config.max_wasm_stack = 1 << 20
    engine = wasmtime.Engine(config)
    engine.increment_epoch()
    print("pulley:", engine.is_pulley())
    return engine


def read_string(store: Storelike, memory: Memory, ptr: int, length: int) -> str:
    """Storelike: works for a Store, a Caller or a StoreContext alike."""
    return memory.read(store, ptr, ptr + length).decode("utf-8")


def describe_imports(imports: Iterable[ImportType]) -> List[str]:
    out: List[str] = []
    for imp in imports:
        ty = imp.type
        kind = type(ty).__name__
        name: Optional[str] = imp.name
        out.append(f"{imp.module}.{name}: {kind}")
    return out


def describe_exports(exports: Sequence[ExportType]) -> Dict[str, str]:
    described: Dict[str, str] = {}
    for exp in exports:
        ty = exp.type
        if isinstance(ty, FuncType):
            params = ", ".join(str(p) for p in ty.params)
            results = ", ".join(str(r) for r in ty.results)
            described[exp.name] = f"func({params}) -> ({results})"
        elif isinstance(ty, MemoryType):
            limits: Limits = ty.limits
            described[exp.name] = f"memory {limits.min}..{limits.max} is_64={ty.is_64}"
        elif isinstance(ty, TableType):
            described[exp.name] = f"table of {ty.element} min={ty.limits.min}"
        elif isinstance(ty, GlobalType):
            described[exp.name] = f"global {ty.content} mutable={ty.mutable}"
        else:
            described[exp.name] = f"tag {ty.functype.params}"
    return described


def dispose(objects: Iterable[wasmtime.Managed[object]]) -> int:
    """Managed: every owner of a C pointer can be closed early (idempotently)."""
    closed = 0
    for obj in objects:
        obj.close()
        closed += 1
    return closed


def get_func(exports: Mapping[str, object], name: str) -> Func:
    item = exports[name]
    if not isinstance(item, Func):
        raise TypeError(f"{name} is not a function")
    return item


class Host:
    """Host state shared by the host functions."""

    def __init__(self) -> None:
        self.messages: List[str] = []
        self.doubled: List[int] = []

    def log(self, caller: Caller, ptr: int, length: int) -> None:
        memory = caller["memory"]
        assert isinstance(memory, Memory)
        self.messages.append(read_string(caller, memory, ptr, length))
        missing = caller.get("does-not-exist")
        assert missing is None

    def double(self, x: int) -> int:
        self.doubled.append(x)
        return x * 2

    def fail(self) -> None:
        raise Trap("host says no")


def run_guest(engine: Engine) -> None:
    store: Store = Store(engine, data={"user": "typing"})
    store.set_fuel(1_000_000)
    host = Host()

    i32: ValType = ValType.i32()
    log_ty = FuncType([i32, i32], [])
    double_ty = FuncType([ValType.i32()], [ValType.i32()])

    linker = Linker(engine)
    linker.allow_shadowing = True
    linker.define_func("host", "log", log_ty, host.log, access_caller=True)
    double = Func(store, double_ty, host.double)
    linker.define(store, "host", "double", double)
    counter = Global(store, GlobalType(ValType.i32(), True), Val.i32(10))
    linker.define(store, "host", "counter", counter)
    linker.define_func("host", "fail", FuncType([], []), host.fail)

    module = Module(engine, GUEST_WAT)
    print("\n".join(describe_imports(module.imports)))
    exports_described = describe_exports(module.exports)
    assert exports_described["add"] == "func(i32, i32) -> (i32)", exports_described
    serialized: bytearray = module.serialize()
    module = Module.deserialize(engine, serialized)

    pre: InstancePre = linker.instantiate_pre(module)
    instance: Instance = pre.instantiate(store)
    assert isinstance(pre.module, Module)
    exports = instance.exports(store)

    add = get_func(exports, "add")
    total: int = add(store, 1, 2)
    assert total == 3
    assert add(store, Val.i32(40), Val.i32(2)) == 42
    add_ty: FuncType = add.type(store)
    assert [str(t) for t in add_ty.params] == ["i32", "i32"]

    assert get_func(exports, "twice")(store, 21) == 42
    assert host.doubled == [21]

    get_func(exports, "greet")(store)
    assert host.messages == ["hello from wasm"]

    assert get_func(exports, "bump")(store) == 11
    assert counter.value(store) == 11
    counter.set_value(store, 100)
    assert counter.type(store).mutable

    pair: List[int] = get_func(exports, "pair")(store, 5)
    assert pair == [7, 5]

    answer = exports["answer"]
    assert isinstance(answer, Global)
    assert answer.value(store) == 42

    memory = exports["memory"]
    assert isinstance(memory, Memory)
    mem_ty: MemoryType = memory.type(store)
    assert mem_ty.limits == Limits(1, 4)
    written: int = memory.write(store, b"\x05\x06", 100)
    assert written == 2
    memory.write(store, bytearray([9]), 102)
    assert memory.read(store, 100, 103) == bytearray(b"\x05\x06\x09")
    assert get_func(exports, "load")(store, 102) == 9
    before: int = memory.grow(store, 1)
    assert before == 1 and memory.size(store) == 2
    assert memory.data_len(store) == 2 * 65536
    base: ctypes._Pointer[ctypes.c_ubyte] = memory.data_ptr(store)
    assert base[100] == 5
    window: ctypes.Array[ctypes.c_ubyte] = memory.get_buffer_ptr(store, 3, 100)
    assert bytes(window) == b"\x05\x06\x09"
    assert read_string(store, memory, 16, 5) == "hello"

    table = exports["table"]
    assert isinstance(table, Table)
    assert table.size(store) == 2
    first = table.get(store, 0)
    assert isinstance(first, Func)
    assert first(store, 2, 2) == 4
    table.set(store, 1, double)
    assert table.grow(store, 1, None) == 2
    assert table.type(store).element == ValType.funcref()

    own_table = Table(store, TableType(ValType.externref(), Limits(1, None)), "x")
    assert own_table.get(store, 0) == "x"

    try:
        get_func(exports, "crash")(store)
    except Trap as trap:
        code: Optional[TrapCode] = trap.trap_code
        assert code is TrapCode.UNREACHABLE
        assert trap.frames and trap.frames[0].func_index >= 0
        assert "unreachable" in trap.message
    else:
        raise AssertionError("expected a trap")

    try:
        get_func(exports, "call_fail")(store)
    except Trap as trap:
        assert "host says no" in str(trap)
    else:
        raise AssertionError("expected a trap")

    # A StoreContext is another Storelike.
    ctx: wasmtime.Storelike = StoreContext(store)
    assert add(ctx, 2, 3) == 5

    # A host function without a Caller, called directly from Python.
    def negate(x: float) -> float:
        return -x

    neg = Func(store, FuncType([ValType.f64()], [ValType.f64()]), negate)
    assert neg(store, 1.5) == -1.5

    # Instance with explicit imports.
    tiny = Module(engine, wat2wasm('(module (import "" "f" (func)) (export "f" (func 0)))'))
    nop = Func(store, FuncType([], []), lambda: None)
    reexport = Instance(store, tiny, [nop]).exports(store)["f"]
    assert isinstance(reexport, Func)
    reexport(store)

    # Tags (exception handling).
    tag = Tag(store, TagType(FuncType([ValType.i32()], [])))
    assert tag.eq(store, tag)
    tag_params: List[ValType] = tag.type(store).functype.params
    assert tag_params == [ValType.i32()]

    # A standalone memory, created from the host.
    host_memory = Memory(store, MemoryType(Limits(1, None)))
    assert host_memory.page_size(store) == 65536 and host_memory.page_size_log2(store) == 16
    host_memory.write(store, memoryview(b"xyz"))
    assert host_memory.read(store, 0, 3) == b"xyz"
    linker.define(store, "env", "memory", host_memory)
    from_linker = linker.get(store, "env", "memory")
    assert isinstance(from_linker, Memory) and from_linker.size(store) == 1
    default: Func = linker.get_default(store, "")
    default(store)

    store.set_epoch_deadline(1_000)
    store.set_limits(memory_size=1 << 24, instances=100)
    fuel: int = store.get_fuel()
    assert 0 < fuel < 1_000_000
    store.gc()
    assert store.data() == {"user": "typing"}
    assert dispose([linker, pre, module]) == 3
    store.close()


def run_values() -> None:
    values: List[Val] = [Val.i32(-1), Val.i64(1 << 40), Val.f32(0.5), Val.f64(2.25),
                         Val.externref({"k": 1}), Val.funcref(None),
                         Val.ref_null(ValType.externref())]
    assert values[0].as_i32() == -1
    assert values[1].as_i64() == 1 << 40
    assert values[2].as_f32() == 0.5
    assert values[3].as_f64() == 2.25
    assert values[4].as_externref() == {"k": 1}
    assert values[5].as_funcref() is None
    assert values[6].value is None
    kinds: List[ValType] = [v.type for v in values]
    assert [str(k) for k in kinds] == ["i32", "i64", "f32", "f64", "anyref", "funcref", "anyref"]
    assert Val.i32(3) == Val.i32(3)


def run_shared_memory(engine: Engine) -> None:
    shared = SharedMemory(engine, MemoryType(Limits(1, 2), shared=True))
    assert shared.type().is_shared
    shared.write(b"abc", 10)
    shared.write([100, 101], 13)
    assert shared.read(10, 15) == bytearray(b"abcde")
    view: ctypes.Array[ctypes.c_ubyte] = shared.get_buffer_ptr(2, 10)
    assert bytes(view) == b"ab"
    assert shared.data_ptr()[12] == ord("c")
    assert shared.grow(1) == 1 and shared.size() == 2
    assert shared.data_len() == 2 * 65536
    shared.close()


def run_wasi(engine: Engine) -> Tuple[int, bytes]:
    captured: List[bytes] = []

    def on_stdout(data: bytes) -> int:
        captured.append(data)
        return len(data)

    wasi = WasiConfig()
    wasi.argv = ["prog", "--flag"]
    wasi.env = [("KEY", "value")]
    wasi.stdout_custom = on_stdout
    wasi.inherit_stderr()

    store = Store(engine)
    store.set_wasi(wasi)
    store.set_fuel(1_000_000)
    linker = Linker(engine)
    linker.define_wasi()
    instance = linker.instantiate(store, Module(engine, WASI_WAT))
    start = instance.exports(store)["_start"]
    assert isinstance(start, Func)
    try:
        start(store)
    except ExitTrap as exit_trap:
        return exit_trap.code, b"".join(captured)
    raise AssertionError("expected proc_exit")


def run_errors(engine: Engine) -> str:
    Module.validate(engine, wat2wasm("(module)"))
    with Store() as scratch:
        assert isinstance(scratch.engine, Engine)
    names: List[str] = [code.name for code in TrapCode][:2]
    assert names == ["STACK_OVERFLOW", "MEMORY_OUT_OF_BOUNDS"]
    try:
        Module(engine, "(module (func (result i32)))")
    except wasmtime.WasmtimeError as error:
        assert isinstance(error, WasmtimeError)
        return str(error)
    raise AssertionError("expected a compile error")


COMPONENT_WAT = """
(component
  (import "double" (func $double (param "x" u32) (result u32)))
  (core func $double_core (canon lower (func $double)))
  (core module $m
    (import "" "double" (func $d (param i32) (result i32)))
    (func (export "quad") (param i32) (result i32) (call $d (call $d (local.get 0)))))
  (core instance $i (instantiate $m (with "" (instance (export "double" (func $double_core))))))
  (func (export "quad") (param "x" u32) (result u32) (canon lift (core func $i "quad"))))
"""


def run_component(engine: Engine) -> int:
    comp = component.Component(engine, COMPONENT_WAT)
    imports: Dict[str, component.ComponentExtern] = comp.type.imports(engine)
    ty = imports["double"].ty
    assert isinstance(ty, component.FuncType)
    params: List[Tuple[str, component.ValType]] = ty.params
    assert params == [("x", component.U32())] and ty.result == component.U32()
    linker = component.Linker(engine)
    with linker.root() as root:
        root.add_func("double", lambda _store, x: 2 * x)
    store = Store(engine)
    instance: component.Instance = linker.instantiate(store, comp)
    index: Optional[component.ExportIndex] = instance.get_export_index(store, "quad")
    assert index is not None
    quad: Optional[component.Func] = instance.get_func(store, index)
    assert quad is not None
    result: int = quad(store, 5)
    quad.post_return(store)
    record = component.Record(a=1)
    assert record == component.Record(a=1) and component.Variant("ok") == component.Variant("ok")
    return result


def run_pooled() -> int:
    """Short-lived instances from a small pool; a full pool raises."""
    pool = wasmtime.PoolingAllocationConfig(total_core_instances=2, total_stacks=0)
    pool.max_memory_size = 1 << 16
    limit: int = pool.total_core_instances
    config = Config()
    config.memory_reservation = 1 << 16
    config.allocation_strategy = pool
    engine = Engine(config)
    module = Module(engine, '(module (memory 1) (func (export "f") (result i32) i32.const 7))')
    stores = [Store(engine) for _ in range(limit + 1)]
    message = ""
    try:
        for store in stores:
            Instance(store, module, [])
    except WasmtimeError as error:
        message = str(error)
    assert "PoolingAllocationConfig.total_core_instances" in message, message
    for store in stores:
        store.close()
    return limit


def run_pickled() -> int:
    """Compiled code shipped as a pickle (here, to this process); a mismatch's error type."""
    import pickle

    engine = Engine()
    module = Module(engine, '(module (func (export "f") (result i32) i32.const 7))')
    shipped: Tuple[Engine, Module] = pickle.loads(pickle.dumps((engine, module)))
    there, code = shipped
    mismatch: type[wasmtime.WasmtimeError] = wasmtime.CompiledCodeMismatch
    assert issubclass(mismatch, pickle.UnpicklingError)
    with Store(there) as store:
        f = Instance(store, code, []).exports(store)["f"]
        assert isinstance(f, Func)
        result: int = f(store)
    return result


def main() -> None:
    engine = make_engine()
    assert run_pooled() == 2
    assert run_pickled() == 7
    assert run_component(Engine()) == 20
    run_guest(engine)
    run_values()
    run_shared_memory(engine)
    code, output = run_wasi(engine)
    assert (code, output) == (3, b"hi wasi\n"), (code, output)
    spare: List[Managed[object]] = [Config(), Engine()]
    assert dispose(spare) == 2
    with Store(engine) as store:
        assert isinstance(store, Managed)  # registered as a virtual subclass
    message = run_errors(engine)
    assert "type mismatch" in message or "expected" in message, message
    print("typing usage OK")


if __name__ == "__main__":
    main()
