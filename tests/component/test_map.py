"""``map<K, V>`` values (``dict``): needs ``Config.wasm_component_model_map`` (which
wasmtime-py 50 lacks). Round trips through an exported ``echo-map`` and through host
imports, reflection (``MapType``), errors, the raw C value kinds, and the component
model features Wasmtime 50's C API cannot enable (fixed-length lists)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import cwasmtime
import cwasmtime.component as cc
from cwasmtime import WasmtimeError
from cwasmtime._capi import ffi, lib
from cwasmtime.component import Record

from .conftest import LIBC, Echo, assert_flat, component_for


def map_engine() -> cwasmtime.Engine:
    cfg = cwasmtime.Config()
    cfg.wasm_component_model_map = True
    return cwasmtime.Engine(cfg)


# echo-map: the guest gets the map as (ptr, len) and returns the same (ptr, len)
# through its return area at 0; post-return frees its bump allocations.
ECHO_MAP_WAT = f"""
(component
  (type $map (map string u32))
{LIBC}
  (core module $m
    (import "libc" "mem" (memory 1))
    (import "libc" "reset" (func $reset))
    (func (export "echo") (param i32 i32) (result i32)
      (i32.store (i32.const 0) (local.get 0))
      (i32.store (i32.const 4) (local.get 1))
      (i32.const 0))
    (func (export "post") (param i32) (call $reset)))
  (core instance $i (instantiate $m (with "libc" (instance $libc))))
  (func (export "echo-map") (param "m" $map) (result $map)
    (canon lift (core func $i "echo") (memory (core memory $libc "mem"))
      (realloc (core func $libc "realloc")) (post-return (core func $i "post"))))
)"""


class EchoMap:
    def __init__(self, engine=None):
        self.engine = engine if engine is not None else map_engine()
        self.store = cwasmtime.Store(self.engine)
        self.instance = cc.Linker(self.engine).instantiate(self.store, cc.Component(self.engine, ECHO_MAP_WAT))
        self.func = self.instance.get_func(self.store, "echo-map")

    def __call__(self, value):
        result = self.func(self.store, value)
        self.func.post_return(self.store)
        return result


@pytest.mark.parametrize("value", [
    {},
    {"one": 1},
    {"a": 0, "b": 2**32 - 1, "": 7},
    {"héllo": 1, "日本語": 2, "😀": 3, "Ελληνικά": 4, "a\x00b": 5},
    {f"key {i}": i * 7 for i in range(1000)},
], ids=["empty", "one", "bounds", "non-ascii", "1000"])
def test_echo_map_round_trips_dicts(value):
    echo = EchoMap()
    got = echo(value)
    assert got == value and type(got) is dict
    assert list(got) == list(value)  # entry order is kept


def test_echo_map_values_wrap_like_other_integers():
    echo = EchoMap()
    assert echo({"big": 2**32 + 5, "neg": -1}) == {"big": 5, "neg": 2**32 - 1}


def test_dict_subclasses_lower_as_maps():
    from collections import OrderedDict, defaultdict

    echo = EchoMap()
    ordered = OrderedDict([("z", 1), ("a", 2)])
    got = echo(ordered)
    assert got == {"z": 1, "a": 2} and type(got) is dict and list(got) == ["z", "a"]
    counts = defaultdict(int, {"x": 3})
    assert echo(counts) == {"x": 3}


@pytest.mark.parametrize("bad, exc", [
    ([("a", 1)], TypeError),           # a list of pairs is not a dict
    ((("a", 1),), TypeError),
    ({"a", "b"}, TypeError),
    (None, TypeError),
    ("a=1", TypeError),
    ({1: 1}, TypeError),               # wrong key type
    ({"a": "1"}, TypeError),           # wrong value type
    ({"a": 1, "b": 2.0}, TypeError),   # the last value is wrong
    ({b"a": 1}, TypeError),
], ids=["list", "tuple", "set", "None", "str", "int-key", "str-value", "last-value", "bytes-key"])
def test_wrong_types_raise_type_error_and_the_function_still_works(bad, exc):
    echo = EchoMap()
    with pytest.raises(exc):
        echo(bad)
    assert echo({"ok": 1}) == {"ok": 1}


@pytest.mark.rss
def test_failure_at_the_end_of_a_big_map_does_not_leak():
    echo = EchoMap()
    bad = {f"key {i}": i for i in range(10_000)}
    bad["last"] = "not a u32"

    def failing():
        with pytest.raises(TypeError):
            echo(bad)

    assert_flat(failing, times=200, warmup=20)
    good = {f"key {i}": i for i in range(10_000)}
    assert_flat(lambda: echo(good), times=100, warmup=10)
    assert echo(good) == good


# ---------------------------------------------------------------------- reflection


def test_map_type_reflection():
    echo = EchoMap()
    ty = echo.func.type(echo.store)
    [(name, param)] = ty.params
    assert name == "m"
    assert isinstance(param, cc.MapType)
    assert param.key == cc.String() and param.value == cc.U32()
    assert isinstance(param.key, cc.String) and isinstance(param.value, cc.U32)
    assert ty.result == param and param == ty.result  # Wasmtime's structural equality
    assert param._classes() == {dict}
    assert "MapType" not in cc.__all__ and cc.MapType.__name__ == "MapType"


def test_map_types_compare_by_structure():
    engine = map_engine()
    wat_a = component_for("(map string u32)", "i32 i32")
    wat_b = component_for("(map u32 (list u8))", "i32 i32")
    a1 = Echo(cwasmtime, wat_a, engine=engine)
    a2 = Echo(cwasmtime, wat_a, engine=engine)
    b = Echo(cwasmtime, wat_b, engine=engine)
    ta1 = a1.func.type(a1.store).params[0][1]
    ta2 = a2.func.type(a2.store).params[0][1]
    tb = b.func.type(b.store).params[0][1]
    assert ta1 == ta2
    assert ta1 != tb and not (ta1 == tb)
    assert isinstance(tb.value, cc.ListType) and tb.value.element == cc.U8() and tb.key == cc.U32()
    list_type = Echo(cwasmtime, component_for("(list u32)", "i32 i32"), engine=engine)
    assert ta1 != list_type.func.type(list_type.store).params[0][1]
    with pytest.raises(TypeError):
        hash(ta1)


def test_map_in_component_type_exports():
    engine = map_engine()
    component = cc.Component(engine, ECHO_MAP_WAT)
    exports = component.type.exports(engine)
    func_type = exports["echo-map"].ty
    assert isinstance(func_type, cc.FuncType)
    assert isinstance(func_type.params[0][1], cc.MapType)
    assert func_type.result.value == cc.U32()


# -------------------------------------------------------------- through the host


# (WIT map type, named types, value): through a host import x and back
HOST_ROUND_TRIPS = [
    ("(map string u32)", [], {"x": 1, "ÿ": 2**32 - 1}),
    ("(map u32 (list u8))", [], {0: b"", 1: b"\x00\xff", 2**32 - 1: bytes(range(256))}),
    ("(map string $r)", [("r", "(record (field \"a\" u32) (field \"b\" string))")],
     {"k": Record(a=1, b="v"), "ü": Record(a=0, b="")}),
    ("(map s64 string)", [], {-2**63: "min", 2**63 - 1: "max", 0: ""}),
    ("(map char bool)", [], {"a": True, "😀": False}),
    ("(map bool (option u8))", [], {True: None, False: 255}),
    ("(map string (map string u32))", [], {"outer": {"inner": 1}, "empty": {}}),
    ("(list (map string u32))", [], [{}, {"a": 1}, {"b": 2, "c": 3}]),
    ("(option (map u32 u32))", [], {1: 2}),
]


@pytest.mark.parametrize("wit, named, value", HOST_ROUND_TRIPS, ids=[c[0] for c in HOST_ROUND_TRIPS])
def test_host_function_takes_and_returns_maps(wit, named, value):
    echo = Echo(cwasmtime, component_for(wit, "i32 i32" if not wit.startswith("(option") else "i32 i32 i32",
                                         named), engine=map_engine())
    got = echo(value)
    assert got == value
    [seen] = echo.seen
    assert seen == value and type(seen) is type(value)
    if isinstance(value, dict):
        assert type(got) is dict and list(got) == list(value)


def test_host_function_returning_a_dict_of_its_own():
    echo = Echo(cwasmtime, component_for("(map string u32)", "i32 i32"), engine=map_engine(),
                host=lambda store, m: {k.upper(): v + 1 for k, v in m.items()})
    assert echo({"a": 1, "b": 2}) == {"A": 2, "B": 3}


@pytest.mark.parametrize("bad", [[("a", 1)], {"a": "x"}, {1: 1}, None])
def test_host_returning_a_wrong_map_raises_type_error_from_the_call(bad):
    echo = Echo(cwasmtime, component_for("(map string u32)", "i32 i32"), engine=map_engine(),
                host=lambda store, m: bad)
    with pytest.raises(TypeError):
        echo({"a": 1})


def test_duplicate_keys_from_the_guest_keep_the_last_value():
    # A guest may return a map with a key twice; as a dict, the last entry wins
    # (like dict(pairs)).
    wat = """(component
      (type $map (map string u32))
      (core module $m
        (memory (export "mem") 1)
        (data (i32.const 100) "\\c8\\00\\00\\00\\01\\00\\00\\00\\01\\00\\00\\00"
                              "\\c8\\00\\00\\00\\01\\00\\00\\00\\02\\00\\00\\00")
        (data (i32.const 200) "a")
        (func (export "dup") (result i32)
          (i32.store (i32.const 0) (i32.const 100))
          (i32.store (i32.const 4) (i32.const 2))
          (i32.const 0)))
      (core instance $i (instantiate $m))
      (func (export "dup") (result $map) (canon lift (core func $i "dup") (memory (core memory $i "mem")))))"""
    engine = map_engine()
    store = cwasmtime.Store(engine)
    f = cc.Linker(engine).instantiate(store, cc.Component(engine, wat)).get_func(store, "dup")
    assert f(store) == {"a": 2}


# ------------------------------------------------------------------ raw C values


def test_raw_value_kind_numbers():
    assert lib.WASMTIME_COMPONENT_MAP == 22
    assert lib.WASMTIME_COMPONENT_VALTYPE_MAP == 26
    assert cc.MapType._KIND == 26


def test_wasmtime_returns_a_map_value_of_kind_22_through_the_raw_c_api():
    echo = EchoMap()
    store = echo.store
    map_type = echo.func.type(store).params[0][1]
    index = echo.instance.get_export_index(store, "echo-map")
    func = ffi.new("wasmtime_component_func_t *")
    assert lib.wasmtime_component_instance_get_func(echo.instance._instance, store._context(),
                                                    index.ptr(), func)
    param = ffi.new("wasmtime_component_val_t *")
    result = ffi.new("wasmtime_component_val_t *")
    map_type.convert_to_c(store, {"a": 1, "bc": 2}, param)
    try:
        assert param.kind == lib.WASMTIME_COMPONENT_MAP
        error = lib.wasmtime_component_func_call(func, store._context(), param, 1, result, 1)
        assert error == ffi.NULL
        assert result.kind == 22
        entries = result.of.map
        assert entries.size == 2
        pairs = []
        for i in range(entries.size):
            key, value = entries.data[i].key, entries.data[i].value
            assert key.kind == lib.WASMTIME_COMPONENT_STRING and value.kind == lib.WASMTIME_COMPONENT_U32
            pairs.append((ffi.unpack(ffi.cast("char *", key.of.string.data), key.of.string.size).decode(),
                          value.of.u32))
        assert pairs == [("a", 1), ("bc", 2)]
        assert map_type.convert_from_c(result) == {"a": 1, "bc": 2}
        assert map_type.convert_from_c(result[0]) == {"a": 1, "bc": 2}  # a struct works too
    finally:
        lib.wasmtime_component_val_delete(param)
        lib.wasmtime_component_val_delete(result)
    assert lib.wasmtime_component_func_post_return(func, store._context()) == ffi.NULL
    assert echo({"after": 3}) == {"after": 3}


# ---------------------------------------------------- features the engine lacks


def test_map_type_without_the_map_config_fails_to_compile():
    with pytest.raises(WasmtimeError, match="Maps require the component model map feature"):
        cc.Component(cwasmtime.Engine(), ECHO_MAP_WAT)
    cfg = cwasmtime.Config()
    cfg.wasm_component_model_map = False
    with pytest.raises(WasmtimeError, match="map feature"):
        cc.Component(cwasmtime.Engine(cfg), ECHO_MAP_WAT)
    cc.Component(map_engine(), ECHO_MAP_WAT)  # and with it, it compiles


@pytest.mark.parametrize("key", ["f64", "(list u8)", "(tuple u32 u32)", "(option u32)"])
def test_invalid_map_key_types_fail_to_compile(key):
    with pytest.raises(WasmtimeError, match="invalid map key type"):
        cc.Component(map_engine(), component_for(f"(map {key} u32)", "i32 i32"))


def test_fixed_length_lists_cannot_be_enabled_through_the_c_api():
    # Wasmtime 50's C API has no switch for the component-model fixed-length-lists
    # feature, so such a component never compiles (even with every other switch on).
    wat = ECHO_MAP_WAT.replace("(map string u32)", "(list u32 4)")
    for engine in (cwasmtime.Engine(), map_engine()):
        with pytest.raises(WasmtimeError, match="[Ff]ixed-length lists"):
            cc.Component(engine, wat)
    assert not any("fixed" in name and "list" in name for name in dir(cwasmtime.Config))


# ------------------------------------------------------------- mutation (isolated)


def test_dict_mutated_while_it_is_lowered_raises_instead_of_crashing():
    tests = Path(__file__).resolve().parents[1]
    code = textwrap.dedent("""
        import cwasmtime, cwasmtime.component as cc
        from component.conftest import Echo, component_for
        cfg = cwasmtime.Config()
        cfg.wasm_component_model_map = True
        named = [("r", '(record (field "a" u32) (field "b" string))')]
        e = Echo(cwasmtime, component_for("(map string $r)", "i32 i32", named), engine=cwasmtime.Engine(cfg))
        for change in ("grow", "shrink", "swap"):
            m = {}

            class Mutator:
                a = 1

                @property
                def b(self):
                    if change == "grow":
                        m.update({f"new{i}": cc.Record(a=i, b="") for i in range(100)})
                    elif change == "shrink":
                        m.clear()
                    else:
                        m.pop("z0", None)
                        m["fresh"] = cc.Record(a=0, b="")
                    return "b"

            m["first"] = Mutator()
            m.update({f"z{i}": cc.Record(a=i, b="y") for i in range(100)})
            try:
                result = e.func(e.store, m)
                print(change, "returned", len(result))
            except Exception as exc:
                print(change, "raised", type(exc).__name__)
        print("done")
    """)
    path = os.pathsep.join([str(tests), os.environ.get("PYTHONPATH", "")])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": path})
    assert done.returncode == 0, f"crashed with {done.returncode}: {done.stderr[:600]}"
    assert "done" in done.stdout
    assert "grow raised RuntimeError" in done.stdout and "shrink raised RuntimeError" in done.stdout
