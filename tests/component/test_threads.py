"""One Linker and its host functions shared by Stores on several threads: a host
function imported with different types by different components keeps a conversion
plan per type, and concurrent calls never see another thread's plan."""
import threading

import cwasmtime
import cwasmtime.component as cc

from .conftest import component_for

TYPES = {"u32": ("i32", 2**32 - 1), "string": ("i32 i32", "añ☃🦀"), "(list u32)": ("i32 i32", [1, 2, 3])}


def test_one_host_function_with_several_types_on_several_threads():
    engine = cwasmtime.Engine()
    linker = cc.Linker(engine)
    with linker.root() as root:
        root.add_func("x", lambda store, v: v)
    components = {wit: cc.Component(engine, component_for(wit, flat)) for wit, (flat, _) in TYPES.items()}
    errors = []

    def worker(order):
        try:
            store = cwasmtime.Store(engine)
            funcs = {wit: linker.instantiate(store, components[wit]).get_func(store, "x") for wit in order}
            for _ in range(300):
                for wit in order:  # every call switches the host function's type
                    assert funcs[wit](store, TYPES[wit][1]) == TYPES[wit][1]
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    orders = [list(TYPES), list(reversed(TYPES)), list(TYPES)[1:] + list(TYPES)[:1]]
    threads = [threading.Thread(target=worker, args=(order,)) for order in orders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
