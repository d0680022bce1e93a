"""Every store-owned object used after its Store is closed, with another Store, and the
engine-level objects after close(): always a Python exception, never a crash."""
import gc

import pytest

import cwasmtime as wt

WAT = """
(module
  (func (export "f") (param i32) (result i32) local.get 0)
  (memory (export "m") 1)
  (global (export "g") (mut i32) (i32.const 1))
  (table (export "t") 2 funcref)
  (tag (export "tag") (param i32)))
"""


def objects(store):
    instance = wt.Instance(store, wt.Module(store.engine, WAT), [])
    ex = instance.exports(store)
    return instance, ex["f"], ex["m"], ex["g"], ex["t"], ex["tag"]


# (description, operation(store, instance, f, m, g, t, tag))
USES = [
    ("call", lambda s, i, f, m, g, t, tag: f(s, 1)),
    ("typed", lambda s, i, f, m, g, t, tag: f.typed(s)),
    ("func type", lambda s, i, f, m, g, t, tag: f.type(s)),
    ("memory read", lambda s, i, f, m, g, t, tag: m.read(s, 0, 4)),
    ("memory write", lambda s, i, f, m, g, t, tag: m.write(s, b"x", 0)),
    ("memory grow", lambda s, i, f, m, g, t, tag: m.grow(s, 1)),
    ("memory view", lambda s, i, f, m, g, t, tag: m.view(s)),
    ("memory data_ptr", lambda s, i, f, m, g, t, tag: m.data_ptr(s)),
    ("memory buffer", lambda s, i, f, m, g, t, tag: m.get_buffer_ptr(s)),
    ("global get", lambda s, i, f, m, g, t, tag: g.value(s)),
    ("global set", lambda s, i, f, m, g, t, tag: g.set_value(s, 2)),
    ("table get", lambda s, i, f, m, g, t, tag: t.get(s, 0)),
    ("table set", lambda s, i, f, m, g, t, tag: t.set(s, 0, None)),
    ("table size", lambda s, i, f, m, g, t, tag: t.size(s)),
    ("tag type", lambda s, i, f, m, g, t, tag: tag.type(s)),
    ("exports", lambda s, i, f, m, g, t, tag: i.exports(s)),
    ("new func", lambda s, i, f, m, g, t, tag: wt.Func(s, wt.FuncType([], []), lambda: None)),
    ("store gc", lambda s, i, f, m, g, t, tag: s.gc()),
    ("store data", lambda s, i, f, m, g, t, tag: s.data()),
]


@pytest.fixture
def store():
    config = wt.Config()
    config.wasm_exceptions = True
    return wt.Store(wt.Engine(config))


@pytest.mark.parametrize("name, use", USES, ids=[u[0] for u in USES])
def test_after_store_close_raises(store, name, use):
    items = objects(store)
    store.close()
    with pytest.raises(ValueError, match="closed"):
        use(store, *items)


@pytest.mark.parametrize("name, use", USES[:-3], ids=[u[0] for u in USES[:-3]])
def test_with_another_store_raises(store, name, use):
    items = objects(store)
    other = wt.Store(store.engine)
    with pytest.raises(wt.WasmtimeError, match="wrong Store|another Store"):
        use(other, *items)


def test_objects_outlive_a_dropped_store_reference():
    store = wt.Store()
    f = objects(store)[1]
    del store
    gc.collect()
    # f keeps its Store alive: calling through its owner still works
    assert f(f._owner, 7) == 7


def test_closed_engine_module_linker_config_wasi_raise():
    engine = wt.Engine()
    module = wt.Module(engine, WAT)
    linker = wt.Linker(engine)
    store = wt.Store(engine)
    engine.close()
    with pytest.raises(ValueError):
        wt.Module(engine, WAT)
    with pytest.raises(ValueError):
        wt.Store(engine)
    assert wt.Instance(store, module, []).exports(store)["f"](store, 3) == 3  # the store keeps the engine
    module.close()
    with pytest.raises(ValueError):
        wt.Instance(store, module, [])
    with pytest.raises(ValueError):
        linker.instantiate(store, module)
    linker.close()
    with pytest.raises(ValueError):
        linker.define_wasi()
    config = wt.Config()
    wt.Engine(config)
    with pytest.raises(ValueError):
        wt.Engine(config)
    wasi = wt.WasiConfig()
    store.set_wasi(wasi)
    with pytest.raises(ValueError):
        store.set_wasi(wasi)


def test_double_close_is_harmless():
    store = wt.Store()
    store.close()
    store.close()
    engine = wt.Engine()
    engine.close()
    engine.close()


def moving_memory():
    """A memory that moves when it grows (nothing reserved up front), with its Store."""
    config = wt.Config()
    config.memory_reservation = 1 << 16
    config.memory_guard_size = 0
    config.memory_reservation_for_growth = 0
    store = wt.Store(wt.Engine(config))
    memory = wt.Instance(store, wt.Module(store.engine, '(module (memory (export "m") 1 10))'),
                         []).exports(store)["m"]
    return store, memory


def test_memory_arguments_whose_conversion_grows_and_moves_the_memory():
    store, memory = moving_memory()
    memory.write(store, b"wasm", 65532)

    class Grows:
        def __index__(self):
            memory.grow(store, 1)
            return 65532

    base = memory._span(store)[0]
    assert memory.read(store, Grows(), 65536) == b"wasm"
    assert memory.write(store, b"WASM", Grows()) == 4
    assert memory.read(store, 65532, 65536) == b"WASM"
    assert memory.data_len(store) == 3 * 65536
    assert memory._span(store)[0] != base  # it moved: each access used the new address


def test_memory_write_from_a_view_of_the_same_memory_overlapping():
    store = wt.Store()
    memory = wt.Instance(store, wt.Module(store.engine, '(module (memory (export "m") 1))'),
                         []).exports(store)["m"]
    memory.write(store, bytes(range(64)), 0)
    with memory.view(store) as view:
        memory.write(store, view[0:48], 16)
        memory.write(store, view[16:64], 0)
    assert memory.read(store, 0, 48) == bytes(range(48))
    assert memory.read(store, 48, 64) == bytes(range(32, 48))


def test_memory_index_errors_are_the_slice_errors_of_python():
    store = wt.Store()
    memory = wt.Instance(store, wt.Module(store.engine, '(module (memory (export "m") 1))'),
                         []).exports(store)["m"]
    with pytest.raises(TypeError) as ours:
        memory.read(store, "0", 4)
    with pytest.raises(TypeError) as python:
        [][slice("0", 4)]
    assert str(ours.value) == str(python.value)
    with pytest.raises(TypeError):
        memory.grow(store, 1.0)
