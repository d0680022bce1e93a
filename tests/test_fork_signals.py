"""Processes and signals (issue 12, class 4): compiling after os.fork() and in a
multiprocessing pool started by fork, WASI custom output (with the GIL held, at exit,
after a fork), Ctrl-C during a guest call. Each case runs in a fresh interpreter, with a
deadline: before, most of them hung or crashed."""
from __future__ import annotations

import isolation

FORK_PRELUDE = r'''
import os, signal, sys
import cwasmtime as w

WAT = '(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))'
engine = w.Engine()
module = w.Module(engine, WAT)  # compiled in parallel (the default) before forking


def add(store, mod):
    return w.Instance(store, mod, []).exports(store)["add"](store, 2, 3)


def in_child(body):
    """Run ``body()`` in a forked child; its exit status (the child is killed by
    SIGALRM if it hangs)."""
    pid = os.fork()
    if pid == 0:
        signal.alarm(20)
        try:
            body()
        except BaseException:
            import traceback
            traceback.print_exc()
            os._exit(1)
        os._exit(0)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
'''


def test_compiling_in_a_forked_child():
    code = """
        def child():
            fresh = w.Engine()  # compiles serially: the parent's compile threads are gone
            print("new engine:", add(w.Store(fresh), w.Module(fresh, WAT)), flush=True)
            print("module from before the fork:", add(w.Store(engine), module), flush=True)
            try:
                w.Module(engine, WAT)
            except w.WasmtimeError as exc:
                print("old engine:", exc, flush=True)
            config = w.Config()
            config.parallel_compilation = True  # would hang: it compiles serially too
            asked = w.Engine(config)
            print("asked for parallel:", add(w.Store(asked), w.Module(asked, WAT)), flush=True)
        print("child exit:", in_child(child), flush=True)
        print("parent still compiles:", add(w.Store(engine), w.Module(engine, WAT)))
    """
    done = isolation.run_isolated(code, prelude=FORK_PRELUDE, timeout=60)
    isolation.assert_clean_exit(done)
    assert done.stdout.splitlines() == [
        "new engine: 5",
        "module from before the fork: 5",
        "old engine: this Engine compiles in parallel, and this process was forked from one that "
        "compiled in parallel: Wasmtime's compile threads do not survive os.fork(). Create a new "
        "Engine in this process (it compiles serially), or compile before forking",
        "asked for parallel: 5",
        "child exit: 0",
        "parent still compiles: 5",
    ]


def test_a_fork_pool_compiles_in_its_workers():
    code = """
        import multiprocessing

        def work(n):
            fresh = w.Engine()
            return add(w.Store(fresh), w.Module(fresh, WAT)) + n

        if __name__ == "__main__":
            with multiprocessing.get_context("fork").Pool(2) as pool:
                print(pool.map_async(work, range(4)).get(timeout=30))
    """
    done = isolation.run_isolated(code, prelude=FORK_PRELUDE, timeout=60)
    isolation.assert_clean_exit(done)
    assert done.stdout == "[5, 6, 7, 8]\n"


# ------------------------------------------------------------------ WASI custom output
# Wasmtime calls a custom stdout/stderr from its own I/O threads, which need the GIL.

WASI_PRELUDE = r'''
import cwasmtime as w
HELLO = """(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello\\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 6))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"""
engine = w.Engine()
module = w.Module(engine, HELLO)
linker = w.Linker(engine)
linker.define_wasi()


def hello(output, typed=False):
    """A Store whose guest wrote "hello" to ``output`` (a custom stdout)."""
    store = w.Store(engine)
    wasi = w.WasiConfig()
    wasi.stdout_custom = output
    store.set_wasi(wasi)
    start = linker.instantiate(store, module).exports(store)["_start"]
    if typed:
        start.typed(store, release_gil=False)()
    else:
        start(store)
    return store
'''


def test_custom_output_with_the_gil_held_during_the_call():
    # Before: a deadlock (the write waited for the GIL the caller held).
    code = """
        written = []
        hello(written.append, typed=True)
        print(written)
    """
    done = isolation.run_isolated(code, prelude=WASI_PRELUDE, timeout=30)
    isolation.assert_clean_exit(done)
    assert done.stdout == "[b'hello\\n']\n"


def test_stores_with_custom_output_alive_at_exit():
    # Before: most runs printed "panic in a function that cannot unwind" (a tokio thread
    # taking the GIL during finalization) and some aborted.
    code = """
        import threading
        written = []
        kept = [hello(written.append) for _ in range(4)]
        threads = [threading.Thread(target=lambda: kept.append(hello(written.append)))
                   for _ in range(4)]  # and some whose guest wrote on another thread
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(written == [b"hello\\n"] * 8, len(kept))
    """
    for _ in range(4):
        done = isolation.run_isolated(code, prelude=WASI_PRELUDE, timeout=30)
        isolation.assert_clean_exit(done)
        assert done.stderr == ""
        assert done.stdout == "True 8\n"


def test_custom_output_in_a_child_forked_after_wasi_ran():
    # Before: the child's guest waited forever for the parent's I/O threads.
    code = """
        import os, signal
        hello(print)
        pid = os.fork()
        if pid == 0:
            signal.alarm(20)
            try:
                hello(print)
            except w.WasmtimeError as exc:
                print(exc, flush=True)
            store = w.Store(engine)  # files and the inherited stdout still work
            wasi = w.WasiConfig()
            wasi.inherit_stdout()
            store.set_wasi(wasi)
            linker.instantiate(store, module).exports(store)["_start"](store)
            os._exit(0)
        print("child exit:", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
    """
    done = isolation.run_isolated(code, prelude=WASI_PRELUDE, timeout=60)
    isolation.assert_clean_exit(done)
    assert done.stdout.splitlines() == [
        "b'hello\\n'",
        "custom WASI output (stdout_custom, stderr_custom) cannot be used in a process forked "
        "from one that used WASI: Wasmtime's I/O threads do not survive os.fork(); use a file, "
        "or inherit stdout/stderr",
        "hello",
        "child exit: 0",
    ]


# ------------------------------------------------------------------ SIGINT (Ctrl-C)
# The main thread spends a guest call inside C, where Python's SIGINT handler cannot
# run: before, a KeyboardInterrupt waited for the guest to return (forever, for a loop).

SIGINT_PRELUDE = r'''
import os, signal, threading, time
import cwasmtime as w
SPIN = """(module (global $done (export "done") (mut i32) (i32.const 0))
  (func (export "spin") (param i64)
    (loop (br_if 0 (i64.ne (local.tee 0 (i64.sub (local.get 0) (i64.const 1))) (i64.const 0))))
    (global.set $done (i32.const 1))))"""


def spinner(epoch_interruption, deadline=None):
    config = w.Config()
    config.epoch_interruption = epoch_interruption
    engine = w.Engine(config)
    store = w.Store(engine)
    if deadline is not None:
        store.set_epoch_deadline(deadline)
    exports = w.Instance(store, w.Module(engine, SPIN), []).exports(store)
    call = lambda n: exports["spin"](store, n)
    call.store, call.done = store, lambda: exports["done"].value(store)
    return call


def interrupted(call, after=0.3):
    """Send SIGINT ``after`` seconds into ``call()``: (what it raised, seconds it took)."""
    timer = threading.Timer(after, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    start = time.monotonic()
    try:
        call()
        timer.join()  # (no SIGINT left for later)
        raised = None
    except BaseException as exc:
        raised = exc
    return raised, time.monotonic() - start
'''


def test_ctrl_c_interrupts_a_guest_of_an_engine_with_epoch_interruption():
    code = """
        spin = spinner(True, deadline=1000)  # any deadline: SIGINT advances the epoch past it
        raised, seconds = interrupted(lambda: spin(10**12))  # hours of spinning
        print(type(raised).__name__, seconds < 2, raised.__context__.trap_code)
        spin.store.set_epoch_deadline(1000)  # past: a new deadline, as after any interruption
        print(spin(1000))
    """
    done = isolation.run_isolated(code, prelude=SIGINT_PRELUDE, timeout=30)
    isolation.assert_clean_exit(done)  # before: still spinning at the timeout
    assert done.stdout == "KeyboardInterrupt True TrapCode.INTERRUPT\nNone\n"


def test_ctrl_c_waits_for_a_guest_of_an_engine_without_epoch_interruption():
    code = """
        n, run = 10**7, 0
        while run < 1:  # a spin that lasts a second or more here
            n *= 2
            start = time.monotonic()
            spinner(False)(n)
            run = time.monotonic() - start
        spin = spinner(False)
        raised, seconds = interrupted(lambda: spin(n), after=0.1)
        print(type(raised).__name__, spin.done())
    """
    done = isolation.run_isolated(code, prelude=SIGINT_PRELUDE, timeout=30)
    isolation.assert_clean_exit(done)
    assert done.stdout == "KeyboardInterrupt 1\n"  # raised once the guest had finished


def test_ctrl_c_with_the_programs_own_sigint_handler():
    code = """
        class Stop(Exception):
            pass

        def stop(signum, frame):
            raise Stop()

        signal.signal(signal.SIGINT, stop)  # replaces the native hook...
        spin = spinner(True, deadline=1)    # ...which the next Store chains before it again
        raised, seconds = interrupted(lambda: spin(10**12))
        print(type(raised).__name__, seconds < 2)
    """
    done = isolation.run_isolated(code, prelude=SIGINT_PRELUDE, timeout=30)
    isolation.assert_clean_exit(done)
    assert done.stdout == "Stop True\n"


def test_ctrl_c_leaves_guests_on_other_threads_alone():
    code = """
        spin = spinner(True, deadline=1)
        finished = []
        worker = threading.Thread(target=lambda: finished.append(spin(3 * 10**8)))
        worker.start()
        time.sleep(0.1)
        raised, _ = interrupted(lambda: time.sleep(5))
        worker.join()
        print(type(raised).__name__, finished)
    """
    done = isolation.run_isolated(code, prelude=SIGINT_PRELUDE, timeout=30)
    isolation.assert_clean_exit(done)
    assert done.stdout == "KeyboardInterrupt [None]\n"
