"""Threads (issue 12, class 4 among others): Stores on two threads, sharing one Engine
and Module, run wasm at the same time; closing a Store or Engine another thread is using
raises; threads with small stacks; finalizers in the middle of CFFI's work."""
import threading

import pytest

import isolation

import cwasmtime as wasmtime

WAT = """
(module
  (import "env" "cb" (func $cb (param i32) (result i32)))
  (func $fib (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  ;; fib(n), handed to the host, then fib(n) again: cb(fib(n)) + fib(n)
  (func (export "run") (param $n i32) (result i32)
    (i32.add (call $cb (call $fib (local.get $n))) (call $fib (local.get $n)))))
"""
FIB = {20: 6765, 21: 10946}
ROUNDS = 5
TIMEOUT = 60


def test_two_threads_with_their_own_stores_run_concurrently():
    engine = wasmtime.Engine()
    module = wasmtime.Module(engine, WAT)
    # Both callbacks must be waiting here at once to pass: each thread's Store is then
    # in the middle of a wasm call, so the two calls overlap.
    inside = threading.Barrier(2, timeout=TIMEOUT)
    results, errors, seen = {}, [], {}

    def worker(n):
        try:
            store = wasmtime.Store(engine)
            cb_type = wasmtime.FuncType([wasmtime.ValType.i32()], [wasmtime.ValType.i32()])

            def cb(x):
                seen.setdefault(n, []).append((threading.get_ident(), x))
                inside.wait()
                return 2 * x

            instance = wasmtime.Instance(store, module, [wasmtime.Func(store, cb_type, cb)])
            run = instance.exports(store)["run"]
            results[n] = [run(store, n) for _ in range(ROUNDS)]
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
            inside.abort()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in FIB]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    assert not any(t.is_alive() for t in threads), "threads did not finish in time"
    assert errors == []
    for n, fib in FIB.items():
        assert results[n] == [3 * fib] * ROUNDS
        # each callback ran on its own Store's thread, with that Store's value
        assert len({ident for ident, _ in seen[n]}) == 1
        assert [x for _, x in seen[n]] == [fib] * ROUNDS
    assert seen[20][0][0] != seen[21][0][0]


# ------------------------------------------------------------------ closing racing uses
# CFFI releases the GIL during each C call: before, Store.close() (Engine.close()) on
# one thread freed the store (engine) under a call still running on another.

RACE_PRELUDE = r'''
import sys, threading, time
import cwasmtime as w
sys.setswitchinterval(1e-6)  # switch threads as often as possible
engine = w.Engine()
module = w.Module(engine, """(module (memory (export "m") 1 65536) (table (export "t") 1 funcref)
                             (global (export "g") (mut i32) (i32.const 0))
                             (func (export "spin") (param i32) (loop (br_if 0 (local.tee 0
                               (i32.sub (local.get 0) (i32.const 1)))))))""")
outcomes = {}


def count(what):
    outcomes[what] = outcomes.get(what, 0) + 1


def race(use, rounds):
    """Close a Store while another thread keeps using it through ``use(store, exports)``."""
    for _ in range(rounds):
        store = w.Store(engine)
        exports = w.Instance(store, module, []).exports(store)
        started, stop = threading.Event(), threading.Event()

        def user():
            started.set()
            try:
                while not stop.is_set():
                    use(store, exports)
            except (ValueError, w.WasmtimeError) as exc:  # closed, or closing
                count(type(exc).__name__)

        thread = threading.Thread(target=user)
        thread.start()
        started.wait()
        for _ in range(100):
            try:
                store.close()
                break
            except w.WasmtimeError:  # in use on the other thread right now
                count("close refused")
                time.sleep(1e-5)
        stop.set()
        thread.join()
        store.close()
'''


def test_closing_a_store_while_another_thread_uses_it_raises():
    code = """
        race(lambda s, e: e["m"].grow(s, 0), 200)
        race(lambda s, e: (e["m"].size(s), e["m"].type(s), e["t"].size(s), e["g"].type(s)), 200)
        race(lambda s, e: e["spin"](s, 20000), 30)
        print(sorted(outcomes))
    """
    done = isolation.run_isolated(code, prelude=RACE_PRELUDE, timeout=120)
    isolation.assert_clean_exit(done)  # before: SIGSEGV within a few rounds
    assert set(eval(done.stdout)) <= {"ValueError", "WasmtimeError", "close refused"}
    assert "close refused" in done.stdout  # the race did happen


def test_closing_an_engine_while_another_thread_compiles_with_it_raises():
    code = """
        body = "(func (param i32) (result i32) local.get 0" + " i32.const 1 i32.add" * 300 + ")"
        wasm = w.wat2wasm("(module " + body * 300 + ")")
        for _ in range(3):
            compiling = w.Engine()
            started, compiled = threading.Event(), []
            thread = threading.Thread(target=lambda: started.set() or compiled.append(w.Module(compiling, wasm)))
            thread.start()
            started.wait()
            time.sleep(0.01)
            try:
                compiling.close()
                count("closed")
            except w.WasmtimeError as exc:
                count(str(exc))
            thread.join()
            compiling.close()  # once the compile is done
            assert len(compiled) == 1  # the compile finished
        print(outcomes)
    """
    done = isolation.run_isolated(code, prelude=RACE_PRELUDE, timeout=120)
    isolation.assert_clean_exit(done)
    assert done.stdout.strip() == (
        "{'cannot close this Engine: another thread is using it (compiling, say)': 3}")


# ------------------------------------------------------------------ small thread stacks
# Wasmtime lets wasm use max_wasm_stack (512 KiB by default) below where a call starts:
# on a thread with less, deep recursion overflowed the thread's stack (SIGSEGV).

STACK_PRELUDE = r'''
import threading

import pytest
import cwasmtime as w
RECURSE = """(module (import "" "h" (func $h))
  (func $r (export "r") (param i32) (result i32)
    (call $h) (i32.add (call $r (local.get 0)) (i32.const 1)))
  (func $s (call $r (i32.const 0)) drop)
  (start $s))"""


def on_small_thread(fn):
    """``fn()`` on a thread with a 256 KiB stack: what it returned or raised."""
    threading.stack_size(256 * 1024)
    out = []
    def run():
        try:
            out.append(fn())
        except Exception as exc:
            out.append(exc)
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return out[0]


def recursion(max_wasm_stack=None, start=False):
    config = w.Config()
    if max_wasm_stack is not None:
        config.max_wasm_stack = max_wasm_stack
    engine = w.Engine(config)
    store = w.Store(engine)
    module = w.Module(engine, RECURSE if start else RECURSE.replace("(start $s)", ""))
    imports = [w.Func(store, w.FuncType([], []), lambda: None)]
    return lambda: w.Instance(store, module, imports).exports(store)["r"](store, 1)
'''


def test_a_thread_without_room_for_max_wasm_stack_refuses_to_run_wasm():
    code = """
        for start in (False, True):
            error = on_small_thread(recursion(start=start))
            print(type(error).__name__, error)
    """
    done = isolation.run_isolated(code, prelude=STACK_PRELUDE, timeout=60)
    isolation.assert_clean_exit(done)  # before: SIGSEGV
    lines = done.stdout.splitlines()
    assert len(lines) == 2
    for line in lines:  # a call, and a start function (instantiation)
        assert line.startswith("WasmtimeError this thread has ")
        assert ("KiB of stack left, but wasm may use 512 KiB (Config.max_wasm_stack) and its host calls "
                "64 more: call it from a thread with a bigger stack (threading.stack_size) or lower the "
                "engine's Config.max_wasm_stack") in line


def test_deep_recursion_traps_on_a_small_thread_with_a_fitting_max_wasm_stack():
    code = """
        trap = on_small_thread(recursion(max_wasm_stack=128 * 1024))
        print(type(trap).__name__, trap.trap_code)
    """
    done = isolation.run_isolated(code, prelude=STACK_PRELUDE, timeout=60)
    isolation.assert_clean_exit(done)
    assert done.stdout == "Trap TrapCode.STACK_OVERFLOW\n"


# ------------------------------------------------------------------ finalizers and CFFI
# CFFI realizes a C type, or binds a library function, the first time it is used. If
# that took a lock (in-line declarations: binding a function held ffi's lock), a
# finalizer run by the GC in the middle (any allocation can collect) using the package
# would wait for it forever on the same thread. The declarations are pre-parsed out of
# line (cwasmtime/_cdefs.py) and every function is bound at import: nothing to wait for.

def test_finalizers_using_the_package_during_a_first_type_realization():
    code = """
        import gc
        import cwasmtime as w
        from cwasmtime._capi import ffi, lib

        engine = w.Engine()
        realizing, finalized = [False], []

        class UsesThePackage:
            def __del__(self):
                # more first-time realizations, and native objects freed
                finalized.append((realizing[0], w.MemoryType(w.Limits(1, 2)).limits.max,
                                  str(w.WasmtimeError("x")), w.Trap("t").message))

        def garbage():
            cycle = [w.Module(engine, "(module)"), w.Store(engine), w.Trap("t"), UsesThePackage()]
            cycle.append(cycle)

        def first_use(name):
            if name in functions:
                getattr(lib, name)
            else:
                try:
                    ffi.new(name + " *")
                except TypeError:  # an opaque type
                    ffi.typeof(name + " *")

        types = ffi.list_types()[0]
        functions = [name for name in dir(lib) if name.startswith("was")]
        names = types + functions
        gc.set_threshold(1)  # collect at every allocation of a container
        for name in names:
            garbage()
            realizing[0] = True
            first_use(name)  # the first use of most of these
            realizing[0] = False
        gc.set_threshold(700)
        gc.collect()
        inside = sum(1 for was_realizing, *_ in finalized if was_realizing)
        print(len(finalized) == len(names), inside > len(types) // 2)
    """
    done = isolation.run_isolated(code, timeout=60)
    isolation.assert_clean_exit(done)  # a deadlock: the timeout
    assert done.stdout == "True True\n"


# ------------------------------------------------------------------ the GIL during a call
# A call into wasm keeps the GIL when no other thread could take it (releasing and
# re-taking it would cost a short call ~40%), and releases it when one exists or a host
# function starts one. Run in fresh interpreters: one thread there unless the test
# starts more.

GIL_PRELUDE = r"""
import array, sys, threading, time
import cwasmtime as w
WAT = '''(module
  (import "" "start" (func $start))
  (import "" "check" (func $check (result i32)))
  (import "" "nested" (func $nested))
  (import "" "progress" (func $progress (param i32) (result i64)))
  ;; count to n: wasm that runs a while without calling back
  (func $spin (export "spin") (param $n i64) (local $i i64)
    (loop (br_if 0 (i64.lt_u (local.tee $i (i64.add (local.get $i) (i64.const 1)))
                             (local.get $n)))))
  (func (export "start_spin_check") (param $n i64) (result i32)
    call $start (call $spin (local.get $n)) call $check)
  (func (export "nested_spin_check") (param $n i64) (result i32)
    call $nested (call $spin (local.get $n)) call $check)
  (func (export "start") call $start)
  ;; how far another thread's counter moved while this call spun
  (func (export "spin_progress") (param $n i64) (result i64) (local $before i64)
    (local.set $before (call $progress (i32.const 0))) (call $spin (local.get $n))
    (i64.sub (call $progress (i32.const 0)) (local.get $before))))'''
SPIN = 300_000_000  # ~0.1-0.3 s
store = w.Store()
done, threads = [], []
counter = array.array("q", [0])  # advanced by a thread in the tests that start one

def start():  # a thread that needs the GIL again after a while (its sleep releases it)
    thread = threading.Thread(target=lambda: time.sleep(0.01) or done.append(1))
    thread.start()
    threads.append(thread)

def nested():  # a call into wasm from a host function, whose host function starts a thread
    exports["start"](store)

exports = w.Instance(store, w.Module(store.engine, WAT), [
    w.Func(store, w.FuncType([], []), start),
    # How many threads finished, read by C code alone: no bytecode runs, so a waiting
    # thread gets no turn here (the interpreter hands the GIL over between bytecodes).
    w.Func(store, w.FuncType([], [w.ValType.i32()]), done.__len__),
    w.Func(store, w.FuncType([], []), nested),
    w.Func(store, w.FuncType([w.ValType.i32()], [w.ValType.i64()]),
           counter.__getitem__)]).exports(store)  # C code too
"""


@pytest.mark.parametrize("call", ["exports[name](store, SPIN)", "exports[name].typed(store)(SPIN)"])
@pytest.mark.parametrize("name", ["start_spin_check", "nested_spin_check"])
def test_a_thread_started_by_a_host_function_runs_for_the_rest_of_the_call(name, call):
    # Before any thread exists, the call keeps the GIL; the thread started by a host
    # function (directly, or from a nested call into wasm) must still run while the
    # guest spins afterwards: the GIL is released for the rest of the call.
    code = f"""
        assert threading.active_count() == 1
        name = {name!r}
        print({call})
        for thread in threads:
            thread.join()
        # the GIL is this thread's again: Python code, threads and calls work as before
        print({call}, threading.active_count())
    """
    done = isolation.run_isolated(code, prelude=GIL_PRELUDE, timeout=60)
    isolation.assert_clean_exit(done)
    assert done.stdout.splitlines() == ["1", "2 1"]


def test_a_thread_running_when_a_call_starts_runs_while_the_guest_spins():
    # The guest reads the counter before and after its spin (host calls: the thread
    # gets no turn in them unless the GIL was released while the guest ran, since a
    # waiting thread is handed the GIL only after 5 ms of bytecode).
    code = """
        stop = False
        def count():
            while not stop:
                counter[0] += 1
        thread = threading.Thread(target=count)
        thread.start()
        spin = exports["spin_progress"]
        print(spin(store, SPIN) > 1000, spin.typed(store)(SPIN) > 1000,
              spin.typed(store, release_gil=False)(SPIN))
        stop = True
        thread.join()
    """
    done = isolation.run_isolated(code, prelude=GIL_PRELUDE, timeout=60)
    isolation.assert_clean_exit(done)
    assert done.stdout == "True True 0\n"
