"""Processes and signals (issue 12, class 4): compiling after os.fork(), in a
multiprocessing pool started by fork. Each case runs in a fresh interpreter, with a
deadline: before, the forked child hung forever."""
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
