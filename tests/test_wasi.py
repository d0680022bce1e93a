"""WasiConfig and WASI preview1 programs (written in WAT), checked against wasmtime-py."""
from __future__ import annotations

import gc
from pathlib import Path
from typing import Any, List

import pytest
import wasmtime

import cwasmtime
from cwasmtime import (Engine, ExitTrap, Linker, Module, Store, WasiConfig, WasmtimeError,
                       _wasi)

# Writes "hello wasi\n" to the fd given to `write`, returning fd_write's errno.
HELLO_WAT = """
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "hello wasi\\n")
  (func $write (export "write") (param $fd i32) (result i32)
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 11))
    (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)))
  (func (export "_start")
    (if (call $write (i32.const 1)) (then unreachable))))
"""

EXIT_WAT = """
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const 3))))
"""

# Counts of argv entries and environment variables.
SIZES_WAT = """
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "argc") (result i32)
    (drop (call $args (i32.const 0) (i32.const 4))) (i32.load (i32.const 0)))
  (func (export "envc") (result i32)
    (drop (call $env (i32.const 0) (i32.const 4))) (i32.load (i32.const 0))))
"""

# Reads up to 64 bytes of stdin and writes them to stdout.
ECHO_WAT = """
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 64))
    (if (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)) (then unreachable))
    (i32.store (i32.const 4) (i32.load (i32.const 8)))
    (if (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)) (then unreachable))))
"""

# Creates "new.txt" in the first preopened directory (fd 3); returns path_open's errno.
CREATE_WAT = """
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "new.txt")
  (func (export "create") (result i32)
    (call $open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 7)
                (i32.const 1) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 0))))
"""


def _run(mod: Any, wat: str, config: Any, export: str = "_start", *args: Any) -> Any:
    """Instantiate ``wat`` with WASI from ``config`` and call ``export``."""
    linker = mod.Linker(mod.Engine())
    linker.define_wasi()
    store = mod.Store(linker.engine)
    store.set_wasi(config)
    instance = linker.instantiate(store, mod.Module(linker.engine, wat))
    return instance.exports(store)[export](store, *args)


def test_stdout_file_matches_wasmtime_py(tmp_path: Path) -> None:
    for mod in (cwasmtime, wasmtime):
        out = tmp_path / f"{mod.__name__}.txt"
        config = mod.WasiConfig()
        config.stdout_file = out
        _run(mod, HELLO_WAT, config)
        assert out.read_text() == "hello wasi\n"


def test_stderr_file(tmp_path: Path) -> None:
    config = WasiConfig()
    config.stderr_file = str(tmp_path / "err.txt")
    assert _run(cwasmtime, HELLO_WAT, config, "write", 2) == 0
    assert (tmp_path / "err.txt").read_text() == "hello wasi\n"


def test_custom_stdout_and_stderr() -> None:
    out: List[bytes] = []
    err: List[bytes] = []
    config = WasiConfig()
    config.stdout_custom = out.append
    config.stderr_custom = err.append
    linker = Linker(Engine())
    linker.define_wasi()
    store = Store(linker.engine)
    store.set_wasi(config)
    write = linker.instantiate(store, Module(linker.engine, HELLO_WAT)).exports(store)["write"]
    assert write(store, 1) == 0
    assert write(store, 2) == 0
    assert write(store, 1) == 0
    assert out == [b"hello wasi\n", b"hello wasi\n"]
    assert err == [b"hello wasi\n"]


def test_custom_output_partial_and_failing_callbacks(capsys: pytest.CaptureFixture[str]) -> None:
    config = WasiConfig()
    config.stdout_custom = lambda data: len(data)  # an explicit count is accepted

    def fail(data: bytes) -> None:
        raise RuntimeError("sink broke")

    config.stderr_custom = fail
    linker = Linker(Engine())
    linker.define_wasi()
    store = Store(linker.engine)
    store.set_wasi(config)
    write = linker.instantiate(store, Module(linker.engine, HELLO_WAT)).exports(store)["write"]
    assert write(store, 1) == 0
    assert write(store, 2) != 0  # the guest sees an I/O error; nothing escapes into C
    assert "sink broke" in capsys.readouterr().err


def test_custom_output_callbacks_are_released() -> None:
    def registered(callback: Any) -> bool:
        outputs = (ref() for ref in list(_wasi._OUTPUTS.values()))
        return any(output is not None and output.callback is callback for output in outputs)

    out, err = (lambda data: None), (lambda data: None)
    config = WasiConfig()
    config.stdout_custom = out
    config.stderr_custom = err
    assert registered(out) and registered(err)
    config.close()  # an unused config releases its callbacks
    assert not registered(out) and not registered(err)

    config = WasiConfig()
    config.stdout_custom = out
    store = Store()
    store.set_wasi(config)
    assert registered(out)
    store.close()  # a store releases its WASI context's callbacks
    gc.collect()
    assert not registered(out)


def test_proc_exit_matches_wasmtime_py() -> None:
    for mod in (cwasmtime, wasmtime):
        with pytest.raises(mod.ExitTrap) as info:
            _run(mod, EXIT_WAT, mod.WasiConfig())
        assert info.value.code == 3
        assert isinstance(info.value, mod.WasmtimeError)


def test_proc_exit_in_start_function() -> None:
    wat = EXIT_WAT.replace('(func (export "_start")', "(start $main) (func $main")
    linker = Linker(Engine())
    linker.define_wasi()
    store = Store(linker.engine)
    store.set_wasi(WasiConfig())
    with pytest.raises(ExitTrap) as info:
        linker.instantiate(store, Module(linker.engine, wat))
    assert info.value.code == 3


def test_argv_and_env() -> None:
    for mod in (cwasmtime, wasmtime):
        config = mod.WasiConfig()
        config.argv = ["prog", "a", "b"]
        config.env = [("X", "1"), ("Y", "2")]
        linker = mod.Linker(mod.Engine())
        linker.define_wasi()
        store = mod.Store(linker.engine)
        store.set_wasi(config)
        exports = linker.instantiate(store, mod.Module(linker.engine, SIZES_WAT)).exports(store)
        assert exports["argc"](store) == 3
        assert exports["envc"](store) == 2


def test_stdin_file(tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_bytes(b"echo me")
    out: List[bytes] = []
    config = WasiConfig()
    config.stdin_file = source
    config.stdout_custom = out.append
    _run(cwasmtime, ECHO_WAT, config)
    assert b"".join(out) == b"echo me"


def test_preopen_dir(tmp_path: Path) -> None:
    writable, readonly = tmp_path / "rw", tmp_path / "ro"
    writable.mkdir()
    readonly.mkdir()
    config = WasiConfig()
    config.preopen_dir(str(writable), "/")
    assert _run(cwasmtime, CREATE_WAT, config, "create") == 0
    assert (writable / "new.txt").exists()
    config = WasiConfig()
    config.preopen_dir(str(readonly), "/", False)
    assert _run(cwasmtime, CREATE_WAT, config, "create") != 0
    assert not (readonly / "new.txt").exists()
    with pytest.raises(WasmtimeError):
        WasiConfig().preopen_dir(str(tmp_path / "missing"), "/")


def test_config_errors_match_wasmtime_py(tmp_path: Path) -> None:
    for mod in (cwasmtime, wasmtime):
        config = mod.WasiConfig()
        with pytest.raises(mod.WasmtimeError):
            config.stdin_file = tmp_path / "missing"
        with pytest.raises(mod.WasmtimeError):
            config.stdout_file = tmp_path / "no-dir" / "out"
        with pytest.raises(mod.WasmtimeError):
            config.stderr_file = tmp_path / "no-dir" / "err"
        with pytest.raises(AttributeError):
            config.argv  # write-only
        config.inherit_argv()
        config.inherit_env()
        config.inherit_stdin()
        config.inherit_stdout()
        config.inherit_stderr()


def test_consumed_config_cannot_be_reused() -> None:
    config = WasiConfig()
    Store().set_wasi(config)
    with pytest.raises(ValueError):
        config.argv = ["x"]
    with pytest.raises(ValueError):
        config.stdout_custom = print
    with pytest.raises(ValueError):
        Store().set_wasi(config)
