"""One handle form: every Store-owned handle is a class of the Cython core, and the core
imports no Python module of the package from inside its functions (it reaches them
through one cache, `_py` in _native.pyx)."""
import re

import pytest

import cwasmtime as w
import repo
from cwasmtime import _native

WAT = '''(module (global (export "g") (mut i32) (i32.const 1)) (table (export "t") 1 funcref)
  (memory (export "m") 1) (tag (export "tag")) (func (export "f")))'''


@pytest.mark.parametrize("name, module", [("Global", "_globals"), ("Table", "_table"),
                                          ("Tag", "_tag")])
def test_store_owned_handles_are_core_classes(name, module):
    import importlib
    cls = getattr(_native, name)
    assert getattr(w, name) is cls is getattr(importlib.import_module(f"cwasmtime.{module}"), name)
    assert not hasattr(cls.__new__(cls), "__dict__")  # a C struct, not a Python object


def test_exports_are_the_core_classes_and_check_their_store():
    store = w.Store()
    ex = w.Instance(store, w.Module(store.engine, WAT), []).exports(store)
    kinds = {name: type(ex[name]) for name in ("g", "t", "m", "tag", "f")}
    assert kinds == {"g": _native.Global, "t": _native.Table, "m": _native.Memory,
                     "tag": _native.Tag, "f": _native.Func}
    other = w.Store(store.engine)
    for call in (lambda: ex["g"].value(other), lambda: ex["g"].set_value(other, 1),
                 lambda: ex["t"].get(other, 0), lambda: ex["t"].size(other),
                 lambda: ex["tag"].type(other), lambda: ex["tag"].eq(store, w.Tag(other, ex["tag"].type(store)))):
        with pytest.raises(w.WasmtimeError, match="wrong Store"):
            call()
    store.close()
    for call in (lambda: ex["g"].value(store), lambda: ex["t"].get(store, 0),
                 lambda: ex["tag"].type(store)):
        with pytest.raises(ValueError):
            call()


def test_the_core_imports_no_package_module_inside_functions():
    for path in sorted((repo.ROOT / "cwasmtime").glob("*.p[xy][xi]")):
        inner = re.findall(r"^[ \t]+(?:from \.[\w.]* import|import \.)", path.read_text(), flags=re.M)
        assert not inner, f"{path.name}: {inner}"


@pytest.mark.parametrize("module", ["_extern", "_globals", "_table", "_tag"])
def test_the_extern_modules_only_re_export_the_core(module):
    text = (repo.ROOT / "cwasmtime" / f"{module}.py").read_text()
    assert re.findall(r"^from \.(\w+) import", text, flags=re.M) == ["_native"]
