"""cwasmtime Module and wat2wasm against wasmtime-py: inputs accepted, errors raised,
imports/exports, (de)serialization."""
from __future__ import annotations

import gc
import os
from pathlib import Path
from typing import Any, Callable

import pytest
from compare import outcome, side_by_side

from cwasmtime._engine import Engine
from cwasmtime._error import WasmtimeError
from cwasmtime._module import Module
from cwasmtime._types import (
    ExportType, FuncType, GlobalType, ImportType, MemoryType, TableType, TagType,
)
from cwasmtime._wat2wasm import wat2wasm

wasmtime = pytest.importorskip("wasmtime")

EMPTY = b"\0asm\x01\0\0\0"


class Ours:
    Engine = Engine
    Module = Module
    wat2wasm = staticmethod(wat2wasm)


def both(scenario: Callable[[Any], Any]) -> tuple:
    return side_by_side(scenario, Ours)


def describe(ty: Any) -> Any:
    """A plain-data description of any type object, for cross-implementation comparison."""
    kind = type(ty).__name__
    if kind == "FuncType":
        return kind, [str(p) for p in ty.params], [str(r) for r in ty.results]
    if kind == "GlobalType":
        return kind, str(ty.content), ty.mutable
    if kind == "TableType":
        return kind, str(ty.element), ty.limits.min, ty.limits.max
    if kind == "MemoryType":
        return (kind, ty.limits.min, ty.limits.max, ty.is_64, ty.is_shared, ty.page_size)
    if kind == "TagType":
        return kind, describe(ty.functype)
    raise AssertionError(kind)


# ---- wat2wasm -----------------------------------------------------------------------

@pytest.mark.parametrize("wat", ["(module)", b"(module)", "x", "", "(module (func $f))",
                                 "(module (func (result i32) i64.const 0))", 3, None,
                                 "(module) \u00e9", b"\xff"])
def test_wat2wasm_like_wasmtime_py(wat: Any) -> None:
    ours, theirs = both(lambda m: m.wat2wasm(wat))
    if ours[0] == "raise" and ours[1] == "TypeError":
        assert theirs[:2] == ("raise", "TypeError")  # messages are ctypes' own
    else:
        assert ours == theirs
    if wat == "(module)":
        assert ours == ("ok", bytearray(EMPTY)) and type(ours[1]) is bytearray


# ---- compiling ----------------------------------------------------------------------

MODULE_INPUTS = [
    "(module)", b"(module)", EMPTY, bytearray(EMPTY), bytearray(b"(module)"), "", b"",
    b"\x00", "\0asm", "(module (func $f (param i32)))", "(modul)", b"\0asm\x02\0\0\0", 2,
    None, [0, 97], "(module (func (export \"f\") (result i32) i64.const 1))",
]


@pytest.mark.parametrize("wasm", MODULE_INPUTS)
def test_module_new_like_wasmtime_py(wasm: Any) -> None:
    ours, theirs = both(lambda m: len(m.Module(m.Engine(), wasm).exports))
    assert ours == theirs


@pytest.mark.parametrize("wasm", [EMPTY, bytearray(EMPTY), b"", b"\x00", b"(module)", "(module)",
                                  2, None])
def test_validate_like_wasmtime_py(wasm: Any) -> None:
    ours, theirs = both(lambda m: m.Module.validate(m.Engine(), wasm))
    assert ours == theirs


def test_argument_errors_like_wasmtime_py() -> None:
    for scenario in (lambda m: m.Module.validate(1, b""),
                     lambda m: m.Module.validate(m.Engine(), 2),
                     lambda m: m.Module(1, b""),
                     lambda m: m.Module.deserialize(m.Engine(), "text"),
                     lambda m: m.Module.deserialize(m.Engine(), b"garbage")):
        ours, theirs = both(scenario)
        assert ours == theirs


def test_closed_engine_and_module() -> None:
    engine = Engine()
    engine.close()
    with pytest.raises(ValueError):
        Module(engine, "(module)")
    module = Module(Engine(), "(module)")
    module.close()
    for use in (lambda: module.exports, lambda: module.imports, module.serialize):
        with pytest.raises(ValueError):
            use()
    with Module(Engine(), "(module)") as module:
        assert module.exports == []
    with pytest.raises(ValueError):
        module.ptr()


# ---- imports / exports --------------------------------------------------------------

IMPORTS_WAT = """
(module
    (import "" "" (func))
    (import "a" "bcd" (global i32))
    (import "" "" (memory 1))
    (import "" "x" (table 1 funcref))
    (import "m" "f" (func (param i32 i64 f32 f64) (result externref funcref)))
    (import "m" "g" (global (mut f64)))
    (import "m" "mem64" (memory i64 2 10))
    (import "m" "shared" (memory 1 4 shared))
    (import "m" "t" (table 0 7 externref))
    (import "m" "tag" (tag (param i32 f32)))
    (import "\u00e9\u4e2d" "\u00fc" (func))
)
"""

EXPORTS_WAT = """
(module
    (func (export "a") (param i32 f32) (result f64)
        f64.const 0)
    (global (export "") (mut i32) (i32.const 1))
    (memory (export "mem") 1)
    (table (export "table") 1 funcref)
    (tag (export "tag") (param i64))
    (global (export "g2") f32 (f32.const 0))
    (memory (export "mem2") 2 3)
)
"""


def imports_of(m: Any, wat: str) -> list:
    config = m.Config()
    config.wasm_memory64 = True
    config.wasm_threads = True
    return [(i.module, i.name, describe(i.type))
            for i in m.Module(m.Engine(config), wat).imports]


def test_imports_like_wasmtime_py() -> None:
    import cwasmtime._config as our_config

    class OursWithConfig(Ours):
        Config = our_config.Config
    ours = outcome(lambda: imports_of(OursWithConfig, IMPORTS_WAT))
    theirs = outcome(lambda: imports_of(wasmtime, IMPORTS_WAT))
    assert ours == theirs
    assert ours[0] == "ok" and len(ours[1]) == 11


def test_exports_like_wasmtime_py() -> None:
    ours, theirs = both(lambda m: [(e.name, describe(e.type))
                                   for e in m.Module(m.Engine(), EXPORTS_WAT).exports])
    assert ours == theirs
    assert ours[0] == "ok" and len(ours[1]) == 7


def test_import_export_classes() -> None:
    module = Module(Engine(), IMPORTS_WAT.replace("(memory i64 2 10)", "(memory 2 10)")
                    .replace("(memory 1 4 shared)", "(memory 1 4)"))
    imports = module.imports
    assert all(type(i) is ImportType for i in imports)
    assert [type(i.type) for i in imports] == [
        FuncType, GlobalType, MemoryType, TableType, FuncType, GlobalType, MemoryType,
        MemoryType, TableType, TagType, FuncType]
    exports = Module(Engine(), EXPORTS_WAT).exports
    assert all(type(e) is ExportType for e in exports)
    assert [type(e.type) for e in exports] == [
        FuncType, GlobalType, MemoryType, TableType, TagType, GlobalType, MemoryType]


def test_types_outlive_module() -> None:
    module = Module(Engine(), EXPORTS_WAT)
    exports = module.exports
    ty = exports[0].type
    params = ty.params
    del module, exports
    gc.collect()
    assert [str(p) for p in params] == ["i32", "f32"]
    assert [str(r) for r in ty.results] == ["f64"]
    imports = Module(Engine(), '(module (import "m" "g" (global (mut i64))))').imports
    import_type = imports[0]
    global_type = import_type.type
    import_type.close()
    del imports
    gc.collect()
    assert str(global_type.content) == "i64" and global_type.mutable


# ---- serialization / files ----------------------------------------------------------

def test_serialize_roundtrip(tmp_path: Path) -> None:
    engine = Engine()
    encoded = Module(engine, EXPORTS_WAT).serialize()
    assert type(encoded) is bytearray
    module = Module.deserialize(engine, encoded)
    assert [e.name for e in module.exports] == ["a", "", "mem", "table", "tag", "g2", "mem2"]
    assert [e.name for e in Module.deserialize(engine, bytes(encoded)).exports] == [
        e.name for e in module.exports]
    path = tmp_path / "module.bin"
    path.write_bytes(encoded)
    for p in (str(path), path, os.fsencode(path)):
        with Module.deserialize_file(engine, p) as loaded:  # type: ignore[arg-type]
            assert len(loaded.exports) == 7
    with pytest.raises(WasmtimeError):
        Module.deserialize_file(engine, str(tmp_path / "missing.bin"))


def test_deserialize_errors_like_wasmtime_py(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.bin"
    bogus.write_bytes(b"not a module")
    ours, theirs = both(lambda m: m.Module.deserialize_file(m.Engine(), str(bogus)))
    assert ours == theirs and ours[0] == "raise"
    ours, theirs = both(lambda m: m.Module.deserialize(m.Engine(), bytearray(b"bogus")))
    assert ours == theirs and ours[0] == "raise"


def test_from_file(tmp_path: Path) -> None:
    wat = tmp_path / "m.wat"
    wat.write_text('(module (func (export "f")))')
    wasm = tmp_path / "m.wasm"
    wasm.write_bytes(bytes(wat2wasm('(module (func (export "g")))')))
    for path, name in ((wat, "f"), (str(wasm), "g")):
        ours, theirs = both(lambda m: [e.name for e in m.Module.from_file(m.Engine(), path).exports])
        assert ours == theirs == ("ok", [name])
    ours, theirs = both(lambda m: m.Module.from_file(m.Engine(), tmp_path / "missing.wasm"))
    assert ours[:2] == theirs[:2] == ("raise", "FileNotFoundError")
