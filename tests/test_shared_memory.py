"""SharedMemory: engine-owned, bounds-checked access, import into instances."""
import threading

import pytest
import wasmtime as ref

import cwasmtime as wt


def shared_engine(lib):
    config = lib.Config()
    config.shared_memory = True
    return lib.Engine(config)


@pytest.mark.parametrize("lib", [ref, wt], ids=["wasmtime-py", "cwasmtime"])
def test_like_wasmtime_py(lib):
    mem = lib.SharedMemory(shared_engine(lib), lib.MemoryType(lib.Limits(1, 3), shared=True))
    assert mem.data_len() == 65536
    assert mem.data_ptr()[0] == 0
    ty = mem.type()
    assert isinstance(ty, lib.MemoryType) and ty.is_shared and ty.limits == lib.Limits(1, 3)
    assert mem.grow(1) == 1
    assert mem.grow(0) == 2
    assert mem.data_len() == 2 * 65536
    with pytest.raises(lib.WasmtimeError):
        mem.grow(2)
    with pytest.raises(lib.WasmtimeError):
        mem.grow(-1)
    with pytest.raises(TypeError):
        mem.grow("1")
    with pytest.raises(AttributeError):
        lib.SharedMemory(1, lib.MemoryType(lib.Limits(1, 2), shared=True))
    with pytest.raises(AttributeError):
        lib.SharedMemory(shared_engine(lib), 1)
    with pytest.raises(lib.WasmtimeError):
        lib.SharedMemory(shared_engine(lib), lib.MemoryType(lib.Limits(1, 2)))


def test_size_in_pages():
    # wasmtime-py 50.0.1's SharedMemory.size() passes the wrong pointer type and raises.
    mem = wt.SharedMemory(shared_engine(wt), wt.MemoryType(wt.Limits(2, 4), shared=True))
    assert mem.size() == 2
    mem.grow(1)
    assert mem.size() == 3


def test_read_write_and_buffer_are_bounds_checked():
    mem = wt.SharedMemory(shared_engine(wt), wt.MemoryType(wt.Limits(1, 2), shared=True))
    n = mem.data_len()
    assert mem.write(b"abc", 10) == 3
    assert mem.read(10, 13) == bytearray(b"abc")
    assert mem.write(bytearray(b"zz"), -2) == 2
    assert mem.read(-2) == bytearray(b"zz")
    assert mem.read(n - 1, n + 100) == bytearray(b"z")
    assert mem.read(5, 2) == bytearray()
    assert mem.write(b"") == 0
    with pytest.raises(IndexError):
        mem.write(b"xy", n - 1)
    with pytest.raises(IndexError):
        mem.write(b"x", n)
    buf = mem.get_buffer_ptr(3, 10)
    assert bytes(buf) == b"abc"
    buf[0] = ord("A")
    assert mem.read(10, 11) == bytearray(b"A")
    assert len(mem.get_buffer_ptr()) == n
    for size, offset in [(n + 1, 0), (1, n), (-1, 0), (1, -1)]:
        with pytest.raises(IndexError):
            mem.get_buffer_ptr(size, offset)
    mem.grow(1)
    assert mem.write(b"q", n) == 1  # the new page is reachable once grown


def test_closed_memory_raises():
    mem = wt.SharedMemory(shared_engine(wt), wt.MemoryType(wt.Limits(1, 2), shared=True))
    mem.close()
    with pytest.raises(ValueError):
        mem.data_len()
    with pytest.raises(ValueError):
        mem.read()


def test_shared_between_instances_and_threads():
    engine = shared_engine(wt)
    mem = wt.SharedMemory(engine, wt.MemoryType(wt.Limits(1, 2), shared=True))
    module = wt.Module(engine, """
        (module (import "" "m" (memory 1 2 shared))
                (func (export "add") (param i32)
                  i32.const 0 local.get 0 i32.atomic.rmw.add drop)
                (func (export "load") (result i32) i32.const 0 i32.atomic.load))""")

    def worker():
        store = wt.Store(engine)
        add = wt.Instance(store, module, [mem]).exports(store)["add"]
        for _ in range(1000):
            add(store, 1)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store = wt.Store(engine)
    assert wt.Instance(store, module, [mem]).exports(store)["load"](store) == 4000
    assert int.from_bytes(mem.read(0, 4), "little") == 4000


def test_exported_shared_memory_is_a_shared_memory():
    engine = shared_engine(wt)
    store = wt.Store(engine)
    ex = wt.Instance(store, wt.Module(engine, '(module (memory (export "m") 1 2 shared))'),
                     []).exports(store)
    mem = ex["m"]
    assert isinstance(mem, wt.SharedMemory)
    mem.write(b"hi", 0)
    assert ex["m"].read(0, 2) == bytearray(b"hi")
    del ex, mem
