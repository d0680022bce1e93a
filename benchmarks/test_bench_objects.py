"""Memory, Global and Table access from Python."""
import pytest

from guests import MIB, run

SIZES = {"64 B": 64, "1 MiB": MIB}


@pytest.mark.parametrize("size", SIZES)
def test_memory_read(benchmark, guest, size):
    n = SIZES[size]
    if guest.name == "pywasm3":  # the memory is a memoryview: copy a slice out
        mem = guest.memory
        data = run(benchmark, f"Memory.read {size}", guest.name, lambda: bytearray(mem[0:n]))
    else:
        data = run(benchmark, f"Memory.read {size}", guest.name,
                   guest.memory.read, guest.store, 0, n)
    assert len(data) == n


@pytest.mark.parametrize("size", SIZES)
def test_memory_write(benchmark, guest, size):
    data = bytes(i % 251 for i in range(SIZES[size]))
    group = f"Memory.write {size}"
    if guest.name == "pywasm3":
        run(benchmark, group, guest.name, guest.memory.__setitem__, slice(0, len(data)), data)
        assert guest.memory[0:len(data)] == data
    else:
        run(benchmark, group, guest.name, guest.memory.write, guest.store, data, 0)
        assert guest.memory.read(guest.store, 0, len(data)) == data


def test_global_get(benchmark, guest):
    if guest.name == "pywasm3":
        value = run(benchmark, "Global.value", guest.name, guest.module.get_global, "g")
    else:
        value = run(benchmark, "Global.value", guest.name, guest.g.value, guest.store)
    assert value == 0


def test_global_set(benchmark, guest):
    if guest.name == "pywasm3":
        run(benchmark, "Global.set_value", guest.name, guest.module.set_global, "g", 5)
        assert guest.module.get_global("g") == 5
        guest.module.set_global("g", 0)
    else:
        run(benchmark, "Global.set_value", guest.name, guest.g.set_value, guest.store, 5)
        assert guest.g.value(guest.store) == 5
        guest.g.set_value(guest.store, 0)


def test_table_get(benchmark, wasmtime_guest):
    g = wasmtime_guest
    func = run(benchmark, "Table.get (a funcref)", g.name, g.table.get, g.store, 0)
    assert func(g.store, 1, 2) == 3
