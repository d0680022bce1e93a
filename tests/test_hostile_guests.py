"""Guests that misbehave are stopped with a Python exception: deep recursion, memory
and table growth past the Store's limits, many threads at once."""
import threading
import time

import pytest

import cwasmtime as wt


def exports(store, wat, imports=()):
    return wt.Instance(store, wt.Module(store.engine, wat), list(imports)).exports(store)


def test_unbounded_recursion_is_a_stack_overflow_trap():
    store = wt.Store()
    rec = exports(store, '(module (func $f (export "f") (param i32) (result i32) (call $f (local.get 0))))')["f"]
    with pytest.raises(wt.Trap) as info:
        rec(store, 1)
    assert info.value.trap_code == wt.TrapCode.STACK_OVERFLOW
    with pytest.raises(wt.Trap):  # the store stays usable
        rec(store, 2)


def test_recursion_through_a_host_function_is_stopped():
    store = wt.Store()
    holder = {}
    ty = wt.FuncType([wt.ValType.i32()], [wt.ValType.i32()])
    back = wt.Func(store, ty, lambda n: holder["f"](store, n + 1))
    wat = '(module (import "" "back" (func $b (param i32) (result i32))) (func (export "f") (param i32) (result i32) (call $b (local.get 0))))'
    holder["f"] = exports(store, wat, [back])["f"]
    with pytest.raises((wt.Trap, RecursionError)):
        holder["f"](store, 0)
    assert exports(store, '(module (func (export "one") (result i32) i32.const 1))')["one"](store) == 1


def test_memory_growth_is_capped_by_store_limits():
    store = wt.Store()
    store.set_limits(memory_size=4 * 65536)
    grow = exports(store, '(module (memory (export "m") 1) (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))')["grow"]
    assert grow(store, 3) == 1  # 1 -> 4 pages: allowed
    assert grow(store, 1) == -1  # past the limit: memory.grow fails, no crash
    with pytest.raises(wt.WasmtimeError):
        exports(store, '(module (memory 8))')


def test_instance_count_is_capped_by_store_limits():
    store = wt.Store()
    store.set_limits(instances=2)
    module = wt.Module(store.engine, "(module)")
    wt.Instance(store, module, [])
    wt.Instance(store, module, [])
    with pytest.raises(wt.WasmtimeError):
        wt.Instance(store, module, [])


def test_eight_threads_with_their_own_stores():
    engine = wt.Engine()
    wat = """
    (module
      (import "" "cb" (func $cb (param i32) (result i32)))
      (func $fib (param i32) (result i32)
        (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))
          (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                         (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
      (func (export "run") (param i32) (result i32) (call $cb (call $fib (local.get 0)))))
    """
    module = wt.Module(engine, wat)
    ty = wt.FuncType([wt.ValType.i32()], [wt.ValType.i32()])
    results, errors = [], []
    deadline = time.monotonic() + 3

    def worker(k):
        try:
            store = wt.Store(engine)
            seen = []
            cb = wt.Func(store, ty, lambda v: seen.append(v) or v + k)
            run = wt.Instance(store, module, [cb]).exports(store)["run"]
            count = 0
            while time.monotonic() < deadline and count < 2000:
                assert run(store, 15) == 610 + k
                count += 1
            results.append((k, count, len(seen)))
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads)
    assert sorted(k for k, _, _ in results) == list(range(8))
    assert all(count > 0 and seen == count for _, count, seen in results)
