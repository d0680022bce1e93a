#!/usr/bin/env python3
"""Smoke test of an installed cwasmtime, run from outside the source tree:
scripts/build_wheels.py runs it in a fresh venv for each wheel, cibuildwheel as its
test-command. Checks the core API, ``cwasmtime.component``, ``cmabi``,
``python -m cwasmtime --version`` and the ``cwasmtime`` console script.

    <venv>/bin/python -I scripts/smoke_test.py

Exits non-zero (an AssertionError or the failing call's exception) on any failure.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from importlib.metadata import version
from pathlib import Path

SOURCE_TREE = Path(__file__).resolve().parents[1]

ADD = """(module (func (export "add") (param i32 i32) (result i32)
  local.get 0 local.get 1 i32.add))"""

# A component whose export `double` calls the core function `d` through the Canonical ABI.
DOUBLE = """(component
  (core module $m (func (export "d") (param i32) (result i32)
    (i32.mul (local.get 0) (i32.const 2))))
  (core instance $i (instantiate $m))
  (func (export "double") (param "x" u32) (result u32) (canon lift (core func $i "d"))))"""


def check_imported_from_the_installation() -> None:
    import cmabi
    import cmabi._abi
    import cwasmtime
    import cwasmtime._native
    import cwasmtime.component

    for module in (cwasmtime, cwasmtime._native, cwasmtime.component, cmabi, cmabi._abi):
        path = Path(module.__file__ or "").resolve()
        assert not path.is_relative_to(SOURCE_TREE), f"{module.__name__} comes from {path}"
        print(f"{module.__name__}: {path}")


def check_core_api() -> None:
    import cwasmtime as wasmtime

    store = wasmtime.Store()
    module = wasmtime.Module(store.engine, ADD)
    add = wasmtime.Instance(store, module, []).exports(store)["add"]
    assert add(store, 1, 2) == 3


def check_component() -> None:
    import cwasmtime as wasmtime
    from cwasmtime import component

    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    comp = component.Component(engine, DOUBLE)
    double = component.Linker(engine).instantiate(store, comp).get_func(store, "double")
    assert double is not None and double(store, 21) == 42


def check_cmabi() -> None:
    import cmabi
    from cmabi.types import List, Record, String, U32

    memory = cmabi.ByteArrayMemory(1 << 16)
    top = 8

    def realloc(old: int, old_size: int, align: int, new_size: int) -> int:
        nonlocal top
        ptr = -(-top // align) * align
        top = ptr + new_size
        return ptr

    cx = cmabi.Context(memory, realloc, "utf8")
    point = Record([("name", String), ("tags", List(U32))])
    value = cmabi.Record(name="añ☃🦀", tags=[1, 2, 3])
    flat = cmabi.lower(cx, point, value)
    assert cmabi.lift(cx, point, flat) == value


def check_command_line() -> None:
    from cwasmtime._library import WASMTIME_VERSION
    expected = f"cwasmtime {version('cwasmtime')} (Wasmtime {WASMTIME_VERSION})"
    script = shutil.which("cwasmtime", path=sysconfig.get_path("scripts"))
    assert script is not None, "no cwasmtime console script in " + sysconfig.get_path("scripts")
    for argv in ([sys.executable, "-m", "cwasmtime", "--version"], [script, "--version"]):
        out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout.strip()
        assert out == expected, f"{argv}: {out!r} != {expected!r}"


def main() -> int:
    for check in (check_imported_from_the_installation, check_core_api, check_component,
                  check_cmabi, check_command_line):
        check()
        print(f"ok {check.__name__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
