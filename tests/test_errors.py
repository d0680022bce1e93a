"""WasmtimeError / ExitTrap / Trap / TrapCode / Frame and the ``check`` / ``call_failure``
result checkers, compared with wasmtime-py. Real traps come from a minimal harness that
drives the C API directly (Store/Instance/Func are not this module's business)."""
from __future__ import annotations

import gc
from typing import Any, Iterator, Optional

import pytest

from cwasmtime._capi import ffi, lib
from cwasmtime._engine import Engine
from cwasmtime._error import ExitTrap, WasmtimeError
from cwasmtime._module import Module
from cwasmtime._trap import Frame, Trap, TrapCode, call_failure, check

wasmtime = pytest.importorskip("wasmtime")


# ---- a minimal C-level harness ------------------------------------------------------

class Harness:
    """Instantiates ``wat`` (optionally with WASI) and calls an export taking i32s."""

    def __init__(self, wat: str, wasi: bool = False) -> None:
        self.engine = Engine()
        self.module = Module(self.engine, wat)
        self.store = lib.wasmtime_store_new(self.engine.ptr(), ffi.NULL, ffi.NULL)
        self.context = lib.wasmtime_store_context(self.store)
        self.linker = lib.wasmtime_linker_new(self.engine.ptr())
        if wasi:
            check(lib.wasmtime_linker_define_wasi(self.linker))
            check(lib.wasmtime_context_set_wasi(self.context, lib.wasi_config_new()))
        self.instance = ffi.new("wasmtime_instance_t *")
        trap = ffi.new("wasm_trap_t **")
        error = lib.wasmtime_linker_instantiate(
            self.linker, self.context, self.module.ptr(), self.instance, trap)
        if error != ffi.NULL or trap[0] != ffi.NULL:
            raise call_failure(int(ffi.cast("uintptr_t", error)),
                               int(ffi.cast("uintptr_t", trap[0])))

    def call(self, name: str, *args: int) -> Optional[BaseException]:
        """Call export ``name``; return the exception ``call_failure`` makes, or None."""
        item = ffi.new("wasmtime_extern_t *")
        raw = name.encode()
        assert lib.wasmtime_instance_export_get(self.context, self.instance, raw, len(raw), item)
        vals = ffi.new("wasmtime_val_t[]", max(len(args), 1))
        for i, a in enumerate(args):
            vals[i].kind = lib.WASMTIME_I32
            vals[i].of.i32 = a
        trap = ffi.new("wasm_trap_t **")
        error = lib.wasmtime_func_call(
            self.context, ffi.addressof(item.of, "func"), vals, len(args), ffi.NULL, 0, trap)
        if error == ffi.NULL and trap[0] == ffi.NULL:
            return None
        return call_failure(int(ffi.cast("uintptr_t", error)),
                            int(ffi.cast("uintptr_t", trap[0])))

    def close(self) -> None:
        lib.wasmtime_linker_delete(self.linker)
        lib.wasmtime_store_delete(self.store)


@pytest.fixture
def harness() -> Iterator[Any]:
    made = []

    def make(wat: str, wasi: bool = False) -> Harness:
        made.append(Harness(wat, wasi))
        return made[-1]
    yield make
    for h in made:
        h.close()


def reference_failure(wat: str, name: str, *args: int, wasi: bool = False) -> BaseException:
    """The exception wasmtime-py raises for the same call."""
    engine = wasmtime.Engine()
    linker = wasmtime.Linker(engine)
    store = wasmtime.Store(engine)
    if wasi:
        linker.define_wasi()
        store.set_wasi(wasmtime.WasiConfig())
    instance = linker.instantiate(store, wasmtime.Module(engine, wat))
    try:
        instance.exports(store)[name](store, *args)
    except Exception as e:  # noqa: BLE001
        return e
    raise AssertionError("wasmtime-py did not fail")


FRAMES_WAT = """
(module $module
    (func (export "init")
        call $foo)
    (func $foo
        call $bar)
    (func $bar
        unreachable)
)
"""

TRAPS_WAT = """
(module
    (memory 1)
    (table 1 funcref)
    (type $t (func))
    (func (export "unreachable") unreachable)
    (func (export "div") (param i32) (drop (i32.div_s (i32.const 1) (local.get 0))))
    (func (export "overflow") (param i32) (drop (i32.div_s (i32.const 0x80000000) (local.get 0))))
    (func (export "oob") (param i32) (drop (i32.load (local.get 0))))
    (func (export "null") (param i32) (call_indirect (type $t) (local.get 0)))
    (func (export "convert") (param i32) (drop (i32.trunc_f32_s (f32.const nan))))
    (func $recurse (export "stack") (param i32) (call $recurse (local.get 0)))
)
"""

EXIT_WAT = """
(module
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (func (export "exit") (param i32)
        local.get 0
        call $exit)
)
"""


# ---- WasmtimeError / ExitTrap -------------------------------------------------------

@pytest.mark.parametrize("message", ["", "x", "unicode \u00e9\u4e2d", "multi\nline"])
def test_wasmtime_error_from_message(message: str) -> None:
    ours, theirs = WasmtimeError(message), wasmtime.WasmtimeError(message)
    assert (str(ours), repr(ours), ours.args) == (str(theirs), repr(theirs), theirs.args)
    assert ffi.typeof(ours.ptr()) is ffi.typeof("wasmtime_error_t *")
    ours.close()
    assert str(ours) == message  # the message is known without the pointer


def test_hierarchy_like_wasmtime_py() -> None:
    for ours, theirs in ((WasmtimeError, wasmtime.WasmtimeError), (ExitTrap, wasmtime.ExitTrap),
                         (Trap, wasmtime.Trap)):
        mro_ours = [c.__name__ for c in ours.__mro__ if c.__module__ == "builtins"]
        mro_theirs = [c.__name__ for c in theirs.__mro__ if c.__module__ == "builtins"]
        assert mro_ours == mro_theirs
    assert issubclass(ExitTrap, WasmtimeError)
    assert not issubclass(Trap, WasmtimeError) and not issubclass(WasmtimeError, Trap)


def test_check_and_error_from_ptr() -> None:
    check(ffi.NULL)
    with pytest.raises(WasmtimeError) as info:
        check(lib.wasmtime_error_new(b"boom"))
    assert str(info.value) == "boom" and type(info.value) is WasmtimeError
    assert info.value.args == () == wasmtime.WasmtimeError._from_ptr(
        wasmtime._ffi.wasmtime_error_new(b"boom")).args


def test_module_compile_error_message_like_wasmtime_py() -> None:
    with pytest.raises(WasmtimeError) as ours:
        Module(Engine(), b"\0asm\x01\0\0\0\x01")
    with pytest.raises(wasmtime.WasmtimeError) as theirs:
        wasmtime.Module(wasmtime.Engine(), b"\0asm\x01\0\0\0\x01")
    assert str(ours.value) == str(theirs.value)
    assert str(ours.value) == str(ours.value)  # lazily read once, then cached


def test_call_failure_plain() -> None:
    error = lib.wasmtime_error_new(b"bad")
    exc = call_failure(int(ffi.cast("uintptr_t", error)), 0)
    assert type(exc) is WasmtimeError and str(exc) == "bad"
    trap = lib.wasmtime_trap_new(b"it's a trap", 11)
    exc = call_failure(0, int(ffi.cast("uintptr_t", trap)))
    assert type(exc) is Trap and exc.message == "it's a trap" and exc.trap_code is None
    assert isinstance(call_failure(0, 0), WasmtimeError)


def test_exit_trap_like_wasmtime_py(harness: Any) -> None:
    h = harness(EXIT_WAT, wasi=True)
    for code in (0, 1, 42):
        ours = h.call("exit", code)
        theirs = reference_failure(EXIT_WAT, "exit", code, wasi=True)
        assert type(ours) is ExitTrap and type(theirs) is wasmtime.ExitTrap
        assert ours.code == theirs.code == code
        assert str(ours) == str(theirs)
        assert "Exited with i32 exit status %d" % code in str(ours)


# ---- Trap ---------------------------------------------------------------------------

@pytest.mark.parametrize("message", ["x", "", "\u00fcber"])
def test_trap_new_like_wasmtime_py(message: str) -> None:
    ours, theirs = Trap(message), wasmtime.Trap(message)
    assert (ours.message, str(ours), repr(ours), ours.args, ours.trap_code, ours.frames) == (
        theirs.message, str(theirs), repr(theirs), theirs.args, theirs.trap_code, theirs.frames)


def test_trap_pointer_can_be_handed_over() -> None:
    trap = Trap("to wasm")
    ptr = trap._consume()
    assert ffi.typeof(ptr) is ffi.typeof("wasm_trap_t *")
    with pytest.raises(ValueError):
        trap.message
    trap.close()  # no double free: the pointer is no longer ours
    assert Trap._from_ptr(ptr).message == "to wasm"  # ... and it is intact


def test_trapcode_matches_wasmtime_py() -> None:
    assert [(c.name, c.value) for c in TrapCode] == [
        (c.name, c.value) for c in wasmtime.TrapCode]


def test_frames_like_wasmtime_py(harness: Any) -> None:
    ours = harness(FRAMES_WAT).call("init")
    theirs = reference_failure(FRAMES_WAT, "init")
    assert type(ours) is Trap and type(theirs) is wasmtime.Trap
    assert str(ours) == str(theirs) == """\
error while executing at wasm backtrace:
    0:     0x2d - module!bar
    1:     0x28 - module!foo
    2:     0x23 - module!<wasm function 0>

Caused by:
    wasm trap: wasm `unreachable` instruction executed
"""
    assert ours.trap_code is TrapCode.UNREACHABLE

    def describe(frames: list) -> list:
        return [(f.func_index, f.func_name, f.module_name, f.func_offset, f.module_offset)
                for f in frames]
    frames = ours.frames
    assert describe(frames) == describe(theirs.frames)
    assert [f.func_index for f in frames] == [2, 1, 0]
    assert all(type(f) is Frame for f in frames)
    ours.close()
    del ours
    gc.collect()
    assert describe(frames) == describe(theirs.frames)  # frames own their data


def test_frames_without_names(harness: Any) -> None:
    wat = '(module (func (export "init") unreachable))'
    frames = harness(wat).call("init").frames  # the trap is gone right away
    gc.collect()
    theirs = reference_failure(wat, "init").frames
    assert [(f.func_index, f.func_name, f.module_name) for f in frames] == [
        (f.func_index, f.func_name, f.module_name) for f in theirs] == [(0, None, None)]


@pytest.mark.parametrize("export,arg,code", [
    ("unreachable", None, "UNREACHABLE"),
    ("div", 0, "INTEGER_DIVISION_BY_ZERO"),
    ("overflow", -1, "INTEGER_OVERFLOW"),
    ("oob", 1 << 20, "MEMORY_OUT_OF_BOUNDS"),
    ("null", 0, "INDIRECT_CALL_TO_NULL"),
    ("null", 5, "TABLE_OUT_OF_BOUNDS"),
    ("convert", 0, "BAD_CONVERSION_TO_INTEGER"),
    ("stack", 0, "STACK_OVERFLOW"),
])
def test_trap_codes_like_wasmtime_py(harness: Any, export: str, arg: Optional[int],
                                     code: str) -> None:
    args = () if arg is None else (arg,)
    ours = harness(TRAPS_WAT).call(export, *args)
    theirs = reference_failure(TRAPS_WAT, export, *args)
    assert type(ours) is Trap
    assert ours.trap_code is TrapCode[code]
    assert theirs.trap_code.name == code
    assert ours.message == theirs.message
    assert len(ours.frames) == len(theirs.frames)
