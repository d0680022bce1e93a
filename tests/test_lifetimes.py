"""Lifetimes and object protocols (issue 12, class 3): copying and pickling every class
of cwasmtime, cwasmtime.component and cmabi; exceptions that cross processes; internal
classes that cannot be created half-made; Stores freed by the garbage collector even
when host functions reference them, whatever order finalizers run in.

Cases that crashed (double free, segfault) or hung before run in a subprocess."""
from __future__ import annotations

import copy
import importlib
import inspect
import multiprocessing
import pickle
import pkgutil

import isolation
import pytest

import cmabi
import cwasmtime
import cwasmtime.component

# ------------------------------------------------------------------ copy and pickle

# Objects of every class holding live state: name -> an expression building one, in
# the namespace PRELUDE sets up. Copies and pickles of all of them raise TypeError.
LIVE = {
    "Store": "store",
    "StoreContext": "w.StoreContext(store)",
    "Caller": "caller",
    "Linker": "w.Linker(engine)",
    "WasiConfig": "w.WasiConfig()",
    "_Output": "wasi_module._Output(print)",
    "InstancePre": "w.Linker(engine).instantiate_pre(w.Module(engine, '(module)'))",
    "Instance": "instance",
    "InstanceExports": "exports",
    "Func": "exports['f']",
    "TypedFunc": "exports['f'].typed(store)",
    "Memory": "exports['m']",
    "Global": "exports['g']",
    "Table": "exports['t']",
    "Tag": "exports['tag']",
    "SharedMemory": "w.SharedMemory(shared_engine, w.MemoryType(w.Limits(1, 1), shared=True))",
    "ValType": "w.ValType.i32()",
    "FuncType": "w.FuncType([w.ValType.i32()], [])",
    "GlobalType": "w.GlobalType(w.ValType.i32(), True)",
    "MemoryType": "w.MemoryType(w.Limits(1, None))",
    "TableType": "w.TableType(w.ValType.funcref(), w.Limits(1, None))",
    "TagType": "w.TagType(w.FuncType([], []))",
    "ImportType": "w.Module(engine, '(module (import \"a\" \"b\" (func)))').imports[0]",
    "ExportType": "module.exports[0]",
    "_MemoryBuffer": "exports['m'].view(store).obj",
    "_RunningWasm": "store._running_wasm()",
    "_Signature": "native_internals['_Signature']",
    "_HostFunc": "native_internals['_HostFunc']",
    "_Conv": "native_internals['_Conv']",
    "_ComponentPlan": "native_internals['_ComponentPlan']",
    "_Builder": "native_internals['_Builder']",
    "_ComponentHost": "native_internals['_ComponentHost']",
    "_ComponentFloor": "native._floor_component_call(cfunc, store, 5)",
    "_AsyncState": "native_internals['_AsyncState']",
    "_CallFuture": "exports['nop'].call_async(store)",
    "_FuncCall": "exports['nop'].call_async(store)",
    "_InstantiateCall": "w.Linker(engine).instantiate_async(w.Store(engine), w.Module(engine, '(module)'))",
    "_AsyncHostFunc": "native_internals['_AsyncHostFunc']",
    "_HostCall": "native_internals['_HostCall']",
    "_NativeTicker": "native._NativeTicker(engine, 10**9)",
    "EpochTicker": "w.EpochTicker(engine).start()",
    "_ComponentCall": "cfunc.call_async(store, 1)",
    "_ComponentInstantiateCall": "c.Linker(engine).instantiate_async(w.Store(engine), component)",
    "_ComponentHostCall": "native._ComponentHostCall()",
    "component.ExportIndex": "component.get_export_index('x')",
    "component.Linker": "c.Linker(engine)",
    "component.LinkerInstance": "c.Linker(engine).root()",
    "component.Instance": "cinstance",
    "ComponentFunc": "cfunc",
    "component.ResourceType": "c.ResourceType.host(1)",
    "component.ResourceHost": "c.ResourceHost.own(1, 1)",
    "component.ResourceAny": "c.ResourceHost.own(1, 1).to_any(store)",
    "component.ComponentType": "component.type",
    "component.ComponentExtern": "component.type.exports(engine)['x']",
    "component.FuncType": "component.type.exports(engine)['x'].ty",
    "component.ModuleType": "shape.type.imports(engine)['m'].ty",
    "component.ComponentInstanceType": "shape.type.imports(engine)['i'].ty",
    "component.ListType": "ctypes_['list']",
    "component.RecordType": "ctypes_['record']",
    "component.TupleType": "ctypes_['tuple']",
    "component.VariantType": "ctypes_['variant']",
    "component.EnumType": "ctypes_['enum']",
    "component.OptionType": "ctypes_['option']",
    "component.ResultType": "ctypes_['result']",
    "component.FlagsType": "ctypes_['flags']",
    "component.MapType": "ctypes_['map']",
    "component.FutureType": "ctypes_['future']",
    "component.StreamType": "ctypes_['stream']",
    "component.OwnType": "ctypes_['own']",
    "component.BorrowType": "ctypes_['borrow']",
    "cmabi.Context": "abi.Context(abi.ByteArrayMemory())",
    "cmabi.HandleTable": "abi.HandleTable()",
    "cmabi.ResourceHandle": "abi.ResourceHandle(cmabi.types.ResourceType(), 1, True)",
    "cmabi._Codec": "codec",
    "cmabi.types (descriptors)": "cmabi.types.List(cmabi.types.U32)",
    "cmabi.bind.Host": "bind.Host(w.Linker(engine))",
    "cmabi.bind.HostResource": "bind.HostResource(cmabi.types.ResourceType())",
    "cmabi.bind.Guest": "guest",
    "cmabi.bind.GuestFunction": "guest.function(cmabi.types.FuncType([], None), name='nop')",
    "cmabi.bind.GuestMemory": "guest.memory",
    "cmabi.bind.CallerMemory": "bind.CallerMemory(caller, ['memory'])",
    "cmabi.bind._LazyRealloc": "bind._LazyRealloc(caller, ('cabi_realloc',))",
}

# (In a subprocess, tests/ comes first on sys.path and its cmabi/ folder hides the
# package's __init__: the cmabi modules are imported by name.)
PRELUDE = r'''
import copy, pickle
import cmabi.types
from cmabi import _abi as abi, bind
import cwasmtime as w
from cwasmtime import _native as native, _wasi as wasi_module
from cwasmtime import component as c
from cwasmtime.component import _types as ctypes_mod

engine = w.Engine()
store = w.Store(engine)
module = w.Module(engine, """(module
  (import "" "cb" (func $cb))
  (memory (export "m") 1) (memory (export "memory") 1)
  (global (export "g") (mut i32) (i32.const 0)) (table (export "t") 1 funcref) (tag (export "tag"))
  (func (export "f") (param i32) (result i32) (call $cb) local.get 0)
  (func (export "nop")))""")
callers = []
instance = w.Instance(store, module, [w.Func(store, w.FuncType([], []), callers.append, access_caller=True)])
exports = instance.exports(store)
exports["f"](store, 1)
caller = callers[0]
shared_config = w.Config()
shared_config.wasm_threads = True
shared_config.shared_memory = True
shared_engine = w.Engine(shared_config)
guest = bind.Guest(store, instance)
codec = abi.lower(abi.Context(), cmabi.types.U32, 1) and cmabi.types.U32._codec

component = c.Component(engine, """(component
  (core module $m (func (export "x") (param i32) (result i32) local.get 0))
  (core instance $i (instantiate $m))
  (func (export "x") (param "v" u32) (result u32) (canon lift (core func $i "x"))))""")
cinstance = c.Linker(engine).instantiate(store, component)
cfunc = cinstance.get_func(store, "x")
cfunc(store, 1)
shape = c.Component(engine, """(component
  (import "m" (core module))
  (import "i" (instance)))""")
map_config = w.Config()
map_config.wasm_component_model_map = True
map_config.wasm_component_model_async = True
map_engine = w.Engine(map_config)
types_component = c.Component(map_engine, """(component
  (type $r (record (field "a" u32)))   (export $r' "r" (type $r))
  (type $v (variant (case "a" u32)))   (export $v' "v" (type $v))
  (type $e (enum "a"))                 (export $e' "e" (type $e))
  (type $f (flags "a"))                (export $f' "f" (type $f))
  (type $res (resource (rep i32)))     (export $res' "res" (type $res))
  (type $all (func (param "a" (list u32)) (param "b" $r') (param "c" (tuple u32))
                   (param "d" $v') (param "e" $e') (param "f" (option u32))
                   (param "g" (result u32)) (param "h" $f') (param "i" (map u32 u32))
                   (param "j" (future u32)) (param "k" (stream u32))
                   (param "l" (own $res')) (param "m" (borrow $res'))))
  (export "all" (type $all)))""")
params = dict(types_component.type.exports(map_engine)["all"].ty.params)
ctypes_ = dict(zip(["list", "record", "tuple", "variant", "enum", "option", "result", "flags",
                    "map", "future", "stream", "own", "borrow"], params.values()))
native_internals = {
    "_Signature": native._Signature(), "_HostFunc": native._HostFunc(),
    "_Conv": ctypes_["list"]._conv(), "_ComponentPlan": native._component_plan(cfunc.type(store)),
    "_Builder": native._Builder(), "_ComponentHost": native._ComponentHost(),
    "_AsyncState": native._AsyncState(), "_AsyncHostFunc": native._AsyncHostFunc(),
    "_HostCall": native._HostCall(),
}


def refuses(obj):
    """None if copying and pickling all raise TypeError naming the class, else why not."""
    attempts = [copy.copy, copy.deepcopy] + [
        lambda o, p=p: pickle.dumps(o, protocol=p) for p in range(pickle.HIGHEST_PROTOCOL + 1)]
    for attempt in attempts:
        try:
            attempt(obj)
        except TypeError as exc:
            if "pickl" not in str(exc):
                return f"unclear message: {exc}"
        else:
            return "no error"
    return None
'''


def test_every_class_holding_live_state_refuses_copy_and_pickle():
    # (Before: a double free at the first copy.copy of Config, Engine, Module, ...)
    code = "\n".join(
        [f"print({name!r}, '->', refuses({expr}), flush=True)" for name, expr in LIVE.items()])
    code += """
try:
    copy.copy(store)
except TypeError as exc:
    print(exc)
"""
    done = isolation.run_isolated(code, prelude=PRELUDE, timeout=60)
    isolation.assert_clean_exit(done)
    *lines, message = done.stdout.splitlines()
    results = dict(line.split(" -> ") for line in lines)
    assert list(results) == list(LIVE)
    assert {name: why for name, why in results.items() if why != "None"} == {}
    assert message.startswith("cannot copy or pickle Store objects: they hold live state")


# Classes holding native state that copy and pickle as the data they are rebuilt from
# (settings, compiled code): tests/test_pickling.py.
REBUILT = {"cwasmtime._config.Config", "cwasmtime._engine.Engine", "cwasmtime._module.Module",
           "cwasmtime.component._component.Component"}

# Classes of the three packages that hold no live state, and why they need no cover here.
NOT_LIVE = {
    # plain values: copy and pickle (tested below)
    "cwasmtime._types.Limits", "cwasmtime._native.Val", "cwasmtime._trap.Frame",
    "cwasmtime._trap.TrapCode", "cmabi.values.Record", "cmabi.values.Variant",
    "cmabi._abi.ByteArrayMemory", "cmabi.types.ResourceType",
    *(f"cwasmtime.component._types.{n}" for n in (
        "Bool", "S8", "S16", "S32", "S64", "U8", "U16", "U32", "U64", "F32", "F64", "Char",
        "String", "ErrorContext")),
    # exceptions: pickle (tested below; the library's are plain RuntimeErrors)
    "cwasmtime._pickling.CompiledCodeMismatch", "cwasmtime._trap.Trap", "cwasmtime._error.WasmtimeError",
    "cwasmtime._error.ExitTrap", "cwasmtime._error.UnknownNameError",
    "cwasmtime._run.CliError", "cmabi._errors.Trap", "cmabi.wit.WitError", "cmabi.wit._Unsupported",
    *(f"cwasmtime._library.{n}" for n in (
        "LibraryError", "UnsupportedPlatformError", "WrongVersionError", "LibraryNotFoundError",
        "DownloadError", "OfflineError", "TruncatedDownloadError", "ChecksumError",
        "CacheDirError", "CacheDirWarning")),
    # abstract bases and mixins (their subclasses are covered)
    "cwasmtime._managed.Managed", "cwasmtime._module.CompiledCode", "cwasmtime._types._Borrowable",
    "cwasmtime.component._types.ValType", "cwasmtime.component._types._HandleType",
    "cwasmtime.component._types.VariantLikeType", "cwasmtime.component._types._AsyncType",
    "cwasmtime.component._itemtypes._ItemType", "cwasmtime.component._linker._Lockable",
    "cwasmtime.component._resources._Handle", "cwasmtime._config._WriteOnly",
    "cwasmtime._native._LiveObject", "cmabi._abi._LiveObject",
    # library download and CLI plumbing, WIT parsing results: no Wasmtime state
    "cwasmtime._download.Http", "cwasmtime._download.Index", "cwasmtime._download._Connection",
    "cwasmtime._download._TLSConnection", "cwasmtime._download._HTTPHandler",
    "cwasmtime._download._HTTPSHandler", "cwasmtime._download._LinkParser",
    "cwasmtime._download._Progress", "cwasmtime._download._Extracted",
    "cwasmtime._library.Platform", "cwasmtime._library.CacheState", "cwasmtime._library.LibraryInfo",
    # settings recorded in Python (the C pooling config exists only while an Engine is
    # made), and the module scanner's reader
    "cwasmtime._pooling.PoolingAllocationConfig", "cwasmtime._pooling._Setting",
    "cwasmtime._tablescan._Unknown", "cwasmtime._tablescan._Reader",
    "cwasmtime._pipconfig.PipIndex", "cmabi.wit.Function", "cmabi.wit.Interface", "cmabi.wit.World",
    "cmabi.wit.Package", "cmabi.wit.Resolve", "cmabi.wit._Converter",
}
# How LIVE names the classes it covers.
LIVE_NAMES = {
    "cwasmtime.component._component.": "component.", "cwasmtime.component._linker.": "component.",
    "cwasmtime.component._instance.": "component.", "cwasmtime.component._resources.": "component.",
    "cwasmtime.component._itemtypes.": "component.", "cwasmtime.component._types.": "component.",
    "cmabi._abi.": "cmabi.", "cmabi.bind.": "cmabi.bind.", "cmabi.types.": "cmabi.types ",
}


def all_classes():
    """Every class defined in a module of cwasmtime, cwasmtime.component or cmabi."""
    found = {}
    for package in (cwasmtime, cwasmtime.component, cmabi):
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            if info.name.endswith("__main__"):
                continue
            for cls in vars(importlib.import_module(info.name)).values():
                if inspect.isclass(cls) and cls.__module__.split(".")[0] in ("cwasmtime", "cmabi"):
                    found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return found


def test_every_class_is_either_covered_or_holds_no_live_state():
    uncovered = []
    for name in all_classes():
        if name in NOT_LIVE or name in REBUILT:
            continue
        short = name.rsplit(".", 1)[1]
        prefix = next((p for p in LIVE_NAMES if name.startswith(p)), None)
        if prefix is not None and prefix == "cmabi.types.":
            covered = "cmabi.types (descriptors)" in LIVE
        elif prefix is not None:
            covered = LIVE_NAMES[prefix] + short in LIVE
        else:
            covered = short in LIVE
        if not covered:
            uncovered.append(name)
    assert uncovered == []


def test_values_copy_and_pickle():
    from cmabi.values import Record, Variant
    from cwasmtime.component import U32

    u32 = U32()
    u32._conv()  # caches its (native) conversion plan, which a copy leaves out
    frame = cwasmtime.Frame(1, "f", "m", 2, 3)
    memory = cmabi.ByteArrayMemory(4)
    memory.data[:] = b"abcd"
    values = [cwasmtime.Limits(1, 2), cwasmtime.Val.i32(7), cwasmtime.TrapCode.UNREACHABLE, u32,
              Record(a=1), Variant("b", 2)]
    for value in values:
        for clone in (copy.copy(value), copy.deepcopy(value), pickle.loads(pickle.dumps(value))):
            assert type(clone) is type(value)
            assert repr(clone) == repr(value)
    for clone in (copy.copy(frame), copy.deepcopy(frame), pickle.loads(pickle.dumps(frame, 0))):
        assert (clone.func_index, clone.func_name, clone.module_name, clone.func_offset,
                clone.module_offset) == (1, "f", "m", 2, 3)
    for clone in (copy.copy(memory), copy.deepcopy(memory), pickle.loads(pickle.dumps(memory))):
        assert clone.data == b"abcd" and clone.data is not memory.data  # a real copy


# ------------------------------------------------------------------ exceptions

TRAP_WAT = """(module $mod
  (func $inner (export "inner") unreachable)
  (func (export "outer") call $inner))"""


def a_trap():
    engine = cwasmtime.Engine()
    store = cwasmtime.Store(engine)
    outer = cwasmtime.Instance(store, cwasmtime.Module(engine, TRAP_WAT), []).exports(store)["outer"]
    with pytest.raises(cwasmtime.Trap) as info:
        outer(store)
    return info.value


def frames_of(trap):
    return [(f.func_index, f.func_name, f.module_name, f.func_offset, f.module_offset)
            for f in trap.frames]


def test_trap_pickles_with_its_message_code_and_frames():
    trap = a_trap()
    trap.note = "kept"
    clone = pickle.loads(pickle.dumps(trap))
    assert type(clone) is cwasmtime.Trap
    assert clone.message == trap.message and str(clone) == str(trap)
    assert clone.trap_code is cwasmtime.TrapCode.UNREACHABLE
    assert frames_of(clone) == frames_of(trap) and clone.frames[0].func_name == "inner"
    assert clone.note == "kept"
    assert clone.ptr() != trap.ptr()  # its own native trap


def test_exceptions_copy_into_new_native_objects():
    # (Before: copy.copy shared the native trap or error, freed twice.)
    code = """
        import copy, gc
        import cwasmtime
        trap, error = cwasmtime.Trap("a trap"), cwasmtime.WasmtimeError("an error")
        for exc in (trap, error):
            for clone in (copy.copy(exc), copy.deepcopy(exc)):
                assert type(clone) is type(exc) and str(clone) == str(exc)
                assert clone.ptr() != exc.ptr()
                del clone
                gc.collect()
        print(trap.message, str(error))
    """
    done = isolation.run_isolated(code, timeout=60)
    isolation.assert_clean_exit(done)
    assert done.stdout == "a trap an error\n"


def test_closed_trap_and_error_keep_their_text_and_pickle():
    trap = a_trap()
    message, frames = trap.message, frames_of(trap)
    trap.close()
    assert (trap.message, trap.trap_code, frames_of(trap)) == (message, cwasmtime.TrapCode.UNREACHABLE, frames)
    clone = pickle.loads(pickle.dumps(trap))
    assert (clone.message, frames_of(clone)) == (message, frames)
    error = cwasmtime.WasmtimeError("bad thing")
    error.close()
    assert str(pickle.loads(pickle.dumps(error))) == "bad thing"


def test_wasmtime_errors_and_exit_traps_pickle():
    engine = cwasmtime.Engine()
    with pytest.raises(cwasmtime.WasmtimeError) as info:
        cwasmtime.Module(engine, b"\0asm\x01\0\0\0\xff")
    error = info.value
    clone = pickle.loads(pickle.dumps(error))
    assert type(clone) is cwasmtime.WasmtimeError and str(clone) == str(error)
    store = cwasmtime.Store(engine)
    store.set_wasi(cwasmtime.WasiConfig())
    linker = cwasmtime.Linker(engine)
    linker.define_wasi()
    exits = linker.instantiate(store, cwasmtime.Module(engine, """(module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start") (call $exit (i32.const 3))))""")).exports(store)["_start"]
    with pytest.raises(cwasmtime.ExitTrap) as exit_info:
        exits(store)
    exit_clone = pickle.loads(pickle.dumps(exit_info.value))
    assert type(exit_clone) is cwasmtime.ExitTrap and exit_clone.code == 3
    assert str(exit_clone) == str(exit_info.value)


def _trapping_worker(n):
    engine = cwasmtime.Engine()
    store = cwasmtime.Store(engine)
    outer = cwasmtime.Instance(store, cwasmtime.Module(engine, TRAP_WAT), []).exports(store)["outer"]
    if n == 1:
        return "fine"
    try:
        outer(store)
    except cwasmtime.Trap as trap:
        if n == 2:
            trap.close()  # a closed trap unpickled as Trap() in the parent: Pool.map hung
        raise


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_trapping_pool_worker_raises_the_trap_in_the_parent(method):
    cwasmtime.Module(cwasmtime.Engine(), TRAP_WAT)  # compiled here first (in parallel): forked
    # workers used to hang compiling theirs
    with multiprocessing.get_context(method).Pool(2) as pool:
        result = pool.map_async(_trapping_worker, [1, 2, 3])
        with pytest.raises(cwasmtime.Trap) as info:
            result.get(timeout=30)  # before: a hang (closed trap) or MaybeEncodingError
    assert info.value.trap_code is cwasmtime.TrapCode.UNREACHABLE
    assert info.value.frames[0].func_name == "inner"
    assert "unreachable" in info.value.message


# ------------------------------------------------------------------ internal classes

# Internal classes made from Python (`cls()`, `cls.__new__(cls)`) and then used the
# way the package uses them: each refuses to be made, or works, or raises. (The first
# nine crashed the interpreter before; the others were already safe, and must stay so.)
HALF_MADE = {
    "TypedFunc": "native.TypedFunc.__new__(native.TypedFunc)(1)",
    "TypedFunc()": "native.TypedFunc()()",
    "_MemoryBuffer": "memoryview(native._MemoryBuffer.__new__(native._MemoryBuffer))",
    "_RunningWasm": "native._RunningWasm(None, True).__enter__()",
    "_ComponentFloor": "native._ComponentFloor.__new__(native._ComponentFloor)()",
    "Context": "abi.lower(abi.Context.__new__(abi.Context), cmabi.types.Own(res), 5)",
    "Context.end_call": "abi.Context.__new__(abi.Context).end_call()",
    "HandleTable": "abi.HandleTable.__new__(abi.HandleTable).add(abi.ResourceHandle(res, 1, True))",
    "ByteArrayMemory": "abi.store(abi.Context(abi.ByteArrayMemory.__new__(abi.ByteArrayMemory)),"
                       " cmabi.types.U32, 1, 0)",
    "Caller": "native.Caller()._memory_span(b'memory')",
    "StoreContext": "native.StoreContext.__new__(native.StoreContext)._context()",
    "Store": "native.Store.__new__(native.Store).set_fuel(1)",
    "Func": "native.Func.__new__(native.Func).typed(store)",
    "Memory": "native.Memory.__new__(native.Memory).read(store)",
    "Global": "native.Global.__new__(native.Global).value(store)",
    "Table": "native.Table.__new__(native.Table).get(store, 0)",
    "Tag": "native.Tag.__new__(native.Tag).eq(store, native.Tag.__new__(native.Tag))",
    "ComponentFunc": "native.ComponentFunc.__new__(native.ComponentFunc)(store)",
    "Val": "exports['f'](store, native.Val.__new__(native.Val))",
    "_Builder etc.": "[cls.__new__(cls) for cls in (native._Signature, native._HostFunc, native._Conv, "
                     "native._Builder, native._ComponentHost, native._ComponentPlan)]",
}
HALF_MADE_PRELUDE = r'''
import cmabi.types
from cmabi import _abi as abi
from cmabi._errors import Trap
from cwasmtime import _native as native
import cwasmtime as w
res = cmabi.types.ResourceType()
store = w.Store()
exports = w.Instance(store, w.Module(store.engine, '(module (func (export "f") (param i32)))'), []).exports(store)
'''


def test_internal_classes_cannot_be_made_half_initialized():
    code = "\n".join(f"""
try:
    {expr}
    print({name!r}, "-> works", flush=True)
except (TypeError, ValueError, Trap, w.WasmtimeError) as exc:
    print({name!r}, "->", type(exc).__name__, flush=True)
""" for name, expr in HALF_MADE.items())
    done = isolation.run_isolated(code, prelude=HALF_MADE_PRELUDE, timeout=60)
    isolation.assert_clean_exit(done)
    results = dict(line.split(" -> ") for line in done.stdout.splitlines())
    assert results == {
        "TypedFunc": "TypeError", "TypedFunc()": "TypeError", "_MemoryBuffer": "TypeError",
        "_RunningWasm": "TypeError", "_ComponentFloor": "TypeError",
        "Context": "works", "Context.end_call": "works", "HandleTable": "works",
        "ByteArrayMemory": "Trap",  # an empty memory: the store is out of bounds
        "Caller": "ValueError", "StoreContext": "ValueError", "Store": "ValueError",
        "Func": "WasmtimeError", "Memory": "WasmtimeError", "ComponentFunc": "WasmtimeError",
        "Global": "WasmtimeError", "Table": "WasmtimeError", "Tag": "WasmtimeError",
        "Val": "TypeError", "_Builder etc.": "works"}


def test_a_borrow_handle_without_its_call_context_drops_cleanly():
    # A half-made borrow handle has no borrow scope (the call's Context): it is never
    # live, so using or dropping it traps and leaves the table as it was; a whole one
    # cannot be made without its Context.
    code = """
        table = abi.HandleTable()
        handle = abi.ResourceHandle.__new__(abi.ResourceHandle)
        index = table.add(handle)
        for use in (lambda: table.drop(handle.resource, index), lambda: table.rep(handle.resource, index)):
            try:
                use()
            except abi.Trap:
                pass
            else:
                raise AssertionError("a borrow without its call was usable")
        assert len(table) == 1 and table.remove(index) is handle
        for bad in ({}, {"borrow_scope": "not a Context"}):
            try:
                abi.ResourceHandle(res, 5, False, **bad)
            except TypeError:
                pass
            else:
                raise AssertionError("a borrow without its Context was accepted")
        print("ok")
    """
    done = isolation.run_isolated(code, prelude=HALF_MADE_PRELUDE, timeout=60)
    isolation.assert_clean_exit(done)
    assert done.stdout == "ok\n"


def test_a_closed_store_cannot_be_initialized_again():
    # Before: allowed, and the next use of an object of the old C store aborted the
    # process (Wasmtime: "object used with the wrong store").
    code = """
        import cwasmtime as w
        engine = w.Engine()
        store = w.Store(engine)
        func = w.Instance(store, w.Module(engine, '(module (func (export "f")))'), []).exports(store)["f"]
        store.close()
        try:
            store.__init__(engine)
        except ValueError as exc:
            print(exc)
        try:
            func(store)
        except ValueError as exc:
            print(exc)
    """
    done = isolation.run_isolated(code, timeout=60)
    isolation.assert_clean_exit(done)
    assert done.stdout == "already initialized\nalready closed\n"


# ------------------------------------------------------------------ the GC and Stores

# A Store with a memory reserves its address space (4 GiB and guards on 64-bit hosts):
# each cycle below leaked that much before. In a subprocess, to read its address space.
GC_PRELUDE = r'''
import gc, weakref
import cwasmtime as w
from cwasmtime import component as c

engine = w.Engine()
MODULE = w.Module(engine, """(module (import "" "f" (func)) (memory (export "m") 1)
                             (func (export "run") call 0))""")
COMPONENT = c.Component(engine, """(component
  (import "f" (func $f))
  (core func $lf (canon lower (func $f)))
  (core module $m (import "" "f" (func)) (memory (export "m") 1))
  (core instance $i (instantiate $m (with "" (instance (export "f" (func $lf)))))))""")
MEMORY = w.Module(engine, '(module (memory (export "m") 1))')
NO_PARAMS = w.FuncType([], [])


def address_space_mib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmSize"))


def store_in_a_cycle(how):
    """A Store whose only references come back to it through a host function (and
    other objects) that the C side holds; returns a weak reference to it."""
    store = w.Store(engine)
    use_store = lambda *args: store.data()  # the closure: the cycle back to the Store
    if how == "func":
        w.Instance(store, MODULE, [w.Func(store, NO_PARAMS, use_store)])
    elif how == "linker":
        linker = w.Linker(engine)
        linker.define_func("", "f", NO_PARAMS, lambda: [store, linker] and None)
        linker.instantiate(store, MODULE).exports(store)["run"](store)
    elif how == "instance_pre":
        linker = w.Linker(engine)
        linker.define_func("", "f", NO_PARAMS, use_store)
        pre = linker.instantiate_pre(MODULE)
        pre.instantiate(store)
        use_store.pre = pre
    elif how == "component":
        linker = c.Linker(engine)
        with linker.root() as root:
            root.add_func("f", lambda context: [store, linker] and None)
            root.add_resource("r", c.ResourceType.host(1), lambda context, rep: [store] and None)
        linker.instantiate(store, COMPONENT)
    elif how == "wasi":  # WASI output callbacks, called from Wasmtime's threads
        wasi = w.WasiConfig()
        wasi.stdout_custom = use_store
        wasi.stderr_custom = lambda data: store
        store.set_wasi(wasi)
        w.Instance(store, MEMORY, [])
    elif how == "view":  # no host function: a memoryview and an array of it, in a cycle
        memory = w.Instance(store, MEMORY, []).exports(store)["m"]
        view = memory.view(store)
        cycle = [store, view, memoryview(view).cast("I")]
        cycle.append(cycle)
    return weakref.ref(store)
'''


@pytest.mark.parametrize("how", ["func", "linker", "instance_pre", "component", "wasi", "view"])
def test_a_store_referenced_by_its_own_host_functions_is_collected(how):
    code = f"""
        gc.collect()
        before = address_space_mib()
        stores = [store_in_a_cycle({how!r}) for _ in range(12)]
        gc.collect()
        alive = sum(store() is not None for store in stores)
        print(alive, address_space_mib() - before)
    """
    done = isolation.run_isolated(code, prelude=GC_PRELUDE, timeout=60)
    isolation.assert_clean_exit(done)
    assert done.stderr == ""  # no "Exception ignored" from a finalizer
    alive, grown_mib = map(int, done.stdout.split())
    # before: all 12 alive, ~48 GiB of address space kept
    assert alive == 0
    assert grown_mib < 2048


def test_finalizers_of_a_garbage_cycle_run_in_any_order():
    # One cycle holding a Store, its Linker and InstancePre, functions, a memoryview
    # of its memory and objects whose finalizers use all of them (call wasm, grow the
    # memory, close the Store or Linker): objects made in a different order each
    # round, so the GC meets them in a different order.
    code = """
        import random

        class Finalizer:
            def __init__(self, action):
                self.action = action

            def __del__(self):
                try:
                    self.action()
                except (ValueError, BufferError, w.WasmtimeError, w.Trap):
                    pass  # what using a closed (or viewed) Store raises

        def one_cycle(seed):
            rnd = random.Random(seed)
            bag = []
            store, linker = w.Store(engine), w.Linker(engine)
            linker.define_func("", "f", NO_PARAMS, lambda: bag and None)
            exports = linker.instantiate(store, MODULE).exports(store)
            run, memory = exports["run"], exports["m"]
            makers = [
                lambda: linker.instantiate_pre(MODULE),
                lambda: w.Func(store, NO_PARAMS, lambda: bag and None),
                lambda: memory.view(store),
                lambda: Finalizer(lambda: run(store)),
                lambda: Finalizer(lambda: memory.grow(store, 1)),
                lambda: Finalizer(store.close),
                lambda: Finalizer(linker.close),
                lambda: Finalizer(lambda: linker.instantiate(store, MODULE)),
            ]
            rnd.shuffle(makers)
            bag += [store, linker, run, memory, bag] + [make() for make in makers]
            rnd.shuffle(bag)
            return weakref.ref(store)

        before = address_space_mib()
        stores = []
        for seed in range(40):
            stores.append(one_cycle(seed))
            if seed % 8 == 7:
                gc.collect()
        gc.collect()
        print(sum(s() is not None for s in stores), address_space_mib() - before)
    """
    done = isolation.run_isolated(code, prelude=GC_PRELUDE, timeout=60)
    isolation.assert_clean_exit(done)
    assert done.stderr == ""
    alive, grown_mib = map(int, done.stdout.split())
    assert alive == 0 and grown_mib < 2048


def test_component_linkers_with_open_namespaces_in_a_garbage_cycle_are_freed():
    # Before: the GC could finalize the (locked) Linker first: "Exception ignored" and
    # its native linker never freed.
    code = """
        import gc
        import cwasmtime as w
        from cwasmtime import component as c

        freed = []
        for cls in (c.Linker, c.LinkerInstance):
            def counting(self, ptr, delete=cls._delete):
                freed.append(type(self).__name__)
                delete(self, ptr)
            cls._delete = counting

        engine = w.Engine()
        for order in range(4):
            linker = c.Linker(engine)
            root = linker.root()
            nested = root.add_instance("x")
            cycle = [linker, root, nested][::1 if order % 2 else -1]
            cycle.append(cycle)
            del linker, root, nested, cycle
            gc.collect()
        print(sorted(freed))
    """
    done = isolation.run_isolated(code, timeout=60)
    isolation.assert_clean_exit(done)
    assert done.stderr == ""
    assert done.stdout == str(sorted(["Linker"] * 4 + ["LinkerInstance"] * 8)) + "\n"
