"""Stores on two threads, sharing one Engine and Module, run wasm at the same time."""
import threading

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
