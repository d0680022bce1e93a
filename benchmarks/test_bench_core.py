"""Speed of the drop-in API, cwasmtime against wasmtime-py 50.0.1 in the same run.

    pytest benchmarks --benchmark-enable --benchmark-group-by=group --benchmark-columns=min,median,rounds --benchmark-min-time=0.0002

pytest-benchmark prints each case's figures with its ratio to the fastest of its group
in parentheses; every group holds the same operation through both packages."""
import pytest

import cwasmtime
import wasmtime

IMPLS = {"cwasmtime": cwasmtime, "wasmtime-py": wasmtime}
CALLBACKS_PER_CALL = 1000

WAT = f"""
(module
  (import "" "cb" (func $cb (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "nop"))
  (func (export "call_cb") (param i32) (result i32) local.get 0 call $cb)
  (func (export "loop_cb") (result i32)
    (local $i i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (call $cb (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const {CALLBACKS_PER_CALL}))))
    local.get $acc))
"""


class Guest:
    def __init__(self, w):
        self.store = w.Store()
        module = w.Module(self.store.engine, WAT)
        cb = w.Func(self.store, w.FuncType([w.ValType.i32()], [w.ValType.i32()]), lambda x: x)
        self.exports = w.Instance(self.store, module, [cb]).exports(self.store)


@pytest.fixture(params=list(IMPLS), scope="module")
def guest(request):
    return request.param, Guest(IMPLS[request.param])


def test_add(benchmark, guest):
    name, g = guest
    benchmark.group = "add(store, 1, 2)"
    benchmark.name = name
    add, store = g.exports["add"], g.store
    assert benchmark(add, store, 1, 2) == 3


def test_nop(benchmark, guest):
    name, g = guest
    benchmark.group = "nop(store)"
    benchmark.name = name
    benchmark(g.exports["nop"], g.store)


def test_call_plus_callback(benchmark, guest):
    name, g = guest
    benchmark.group = "call_cb(store, 1): one call, one host callback"
    benchmark.name = name
    assert benchmark(g.exports["call_cb"], g.store, 1) == 1


def test_callbacks_from_a_wasm_loop(benchmark, guest):
    name, g = guest
    benchmark.group = f"loop_cb: {CALLBACKS_PER_CALL} host callbacks per call"
    benchmark.name = name
    assert benchmark(g.exports["loop_cb"], g.store) == sum(range(CALLBACKS_PER_CALL))


def test_memory_read_64b(benchmark, guest):
    name, g = guest
    benchmark.group = "Memory.read 64 B"
    benchmark.name = name
    assert len(benchmark(g.exports["memory"].read, g.store, 128, 192)) == 64
