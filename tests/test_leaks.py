"""Resident memory stays flat over many calls, callbacks, callback exceptions,
instantiations and externrefs (a leak of even one small object per operation would
show as tens of MB here)."""
import os
import sys

import pytest

import cwasmtime as wt

pytestmark = pytest.mark.rss

PAGE = os.sysconf("SC_PAGE_SIZE")
SLACK = 4 * 1024 * 1024  # allocator noise; a per-operation leak is far larger


def rss() -> int:  # Linux: resident pages from /proc
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def flat(operation, times, warmup):
    for _ in range(warmup):
        operation()
    before = rss()
    for _ in range(times):
        operation()
    grown = rss() - before
    assert grown < SLACK, f"RSS grew by {grown / 2**20:.1f} MiB over {times} operations"


WAT = """
(module
  (import "" "cb" (func $cb (param i32) (result i32)))
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "loop") (param i32) (result i32) (local $i i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (call $cb (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get 0))))
    local.get $acc)
  (func (export "id") (param externref) (result externref) local.get 0))
"""


def guest(cb):
    store = wt.Store()
    ty = wt.FuncType([wt.ValType.i32()], [wt.ValType.i32()])
    exports = wt.Instance(store, wt.Module(store.engine, WAT), [wt.Func(store, ty, cb)]).exports(store)
    return store, exports


def guest_calls():
    store, ex = guest(lambda x: x)
    add = ex["add"]
    return lambda: add(store, 1, 2)


def host_callbacks():  # one operation = 1000 callbacks
    store, ex = guest(lambda x: x)
    loop = ex["loop"]
    return lambda: loop(store, 1000)


def callback_exceptions():
    def fail(x):
        raise ValueError(x)

    store, ex = guest(fail)
    loop = ex["loop"]

    def once():
        try:
            loop(store, 1)
        except ValueError:
            return
        raise AssertionError("the host exception was not re-raised")

    return once


def instantiations():  # one operation = 1000 instances in a new Store
    engine = wt.Engine()
    module = wt.Module(engine, WAT)
    ty = wt.FuncType([wt.ValType.i32()], [wt.ValType.i32()])

    def thousand():
        store = wt.Store(engine)
        cb = wt.Func(store, ty, lambda x: x)
        for _ in range(1000):
            wt.Instance(store, module, [cb])
        store.close()

    return thousand


BENCH_COMPONENT = os.path.join(os.path.dirname(__file__), "..", "examples", "bench-guest",
                               "bench.component.wasm")


def component_calls():  # one operation = 3 calls: strings, bytes and records each way
    from cwasmtime import component
    store = wt.Store()
    comp = component.Component.from_file(store.engine, BENCH_COMPONENT)
    instance = component.Linker(store.engine).instantiate(store, comp)
    echo_string, echo_bytes, records_len = (instance.get_func(store, name) for name in
                                            ("echo-string", "echo-bytes", "records-len"))
    text, data = "añ☃🦀" * 64, bytes(range(256))
    records = [component.Record(a=i, b=f"item {i}") for i in range(10)]

    def three():
        assert echo_string(store, text) == text
        assert echo_bytes(store, data) == data
        assert records_len(store, records) == 10

    return three


# A host resource handed to the guest, which drops it (so its destructor runs).
DROP_WAT = """
(component
  (import "t" (type $t (sub resource)))
  (core func $drop (canon resource.drop $t))
  (core module $a
    (import "" "drop" (func $drop (param i32)))
    (func (export "drop") (param i32) (call $drop (local.get 0))))
  (core instance $a (instantiate $a (with "" (instance (export "drop" (func $drop))))))
  (func (export "drop") (param "x" (own $t)) (canon lift (core func $a "drop"))))
"""


def component_resources():
    from cwasmtime import component
    store = wt.Store()
    dropped = []
    linker = component.Linker(store.engine)
    with linker.root() as root:
        root.add_resource("t", component.ResourceType.host(7), lambda _store, rep: dropped.append(rep))
    drop = linker.instantiate(store, component.Component(store.engine, DROP_WAT)).get_func(store, "drop")

    def once():
        drop(store, component.ResourceHost.own(42, 7))
        assert dropped.pop() == 42

    return once


# name: (make the operation, times, warm-up times); scripts/leak_report.py prints these.
OPERATIONS = {
    "1,000,000 guest calls": (guest_calls, 1_000_000, 100_000),
    "1,000,000 host callbacks (1000 calls x 1000)": (host_callbacks, 1000, 100),
    "100,000 host-callback exceptions": (callback_exceptions, 100_000, 10_000),
    "10,000 instantiations (10 Stores x 1000)": (instantiations, 10, 2),
    "30,000 component calls (string, bytes, records each way)": (component_calls, 10_000, 1_000),
    "100,000 host resources passed to a component and dropped": (component_resources, 100_000, 10_000),
}


@pytest.mark.parametrize("name", OPERATIONS)
def test_rss_stays_flat(name):
    make, times, warmup = OPERATIONS[name]
    flat(make(), times, warmup)


def test_externrefs_are_released():
    store, ex = guest(lambda x: x)
    ident = ex["id"]
    payload = bytearray(1024)  # one object: a leaked reference to it shows in its refcount

    def hundred():
        for _ in range(100):
            assert ident(store, payload) is payload
        store.gc()

    flat(hundred, 1000, 100)
    assert sys.getrefcount(payload) < 10
