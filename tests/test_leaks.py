"""Resident memory stays flat over many calls, callbacks, callback exceptions,
instantiations and externrefs (a leak of even one small object per operation would
show as tens of MB here)."""
import os
import sys

import pytest

import cwasmtime as wt

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


def test_a_million_guest_calls():
    store, ex = guest(lambda x: x)
    add = ex["add"]
    flat(lambda: add(store, 1, 2), 1_000_000, 100_000)


def test_a_million_host_callbacks():
    store, ex = guest(lambda x: x)
    loop = ex["loop"]
    flat(lambda: loop(store, 1000), 1000, 100)


def test_a_hundred_thousand_callback_exceptions():
    def fail(x):
        raise ValueError(x)

    store, ex = guest(fail)
    loop = ex["loop"]

    def once():
        with pytest.raises(ValueError):
            loop(store, 1)

    flat(once, 100_000, 10_000)


def test_ten_thousand_instantiations():
    engine = wt.Engine()
    module = wt.Module(engine, WAT)
    ty = wt.FuncType([wt.ValType.i32()], [wt.ValType.i32()])

    def thousand():
        store = wt.Store(engine)
        cb = wt.Func(store, ty, lambda x: x)
        for _ in range(1000):
            wt.Instance(store, module, [cb])
        store.close()

    flat(thousand, 10, 2)


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
