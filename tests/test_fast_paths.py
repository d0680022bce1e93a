"""The Performance issue's fast paths keep the drop-in semantics: Memory slicing,
the zero-copy view, Func.typed, and host callbacks through vectorcall."""
import itertools
import sys

import pytest

import cwasmtime as wt


def memory_of(store, pages=1):
    wat = f'(module (memory (export "m") {pages}))'
    return wt.Instance(store, wt.Module(store.engine, wat), []).exports(store)["m"]


BOUNDS = [None, 0, 1, 100, 65535, 65536, 70000, -1, -100, -65536, -70000, 10**30, -(10**30), True]


def test_read_matches_python_slicing():
    store = wt.Store()
    mem = memory_of(store)
    model = bytes(range(256)) * 256
    mem.write(store, model, 0)
    for start, stop in itertools.product(BOUNDS, BOUNDS):
        assert mem.read(store, start, stop) == bytearray(model[start:stop]), (start, stop)


@pytest.mark.parametrize("start", [None, 0, 10, -10, -65536, True])
def test_write_start_matches_python_indexing(start):
    store = wt.Store()
    mem = memory_of(store)
    assert mem.write(store, b"xy", start) == 2
    where = slice(start, None).indices(65536)[0]
    assert mem.read(store, where, where + 2) == bytearray(b"xy")


@pytest.mark.parametrize("start", [65536, 10**30, 65535])
def test_write_out_of_range_raises(start):
    store = wt.Store()
    with pytest.raises(IndexError):
        memory_of(store).write(store, b"xy", start)


def test_view_is_zero_copy_and_writable():
    store = wt.Store()
    mem = memory_of(store)
    view = mem.view(store)
    assert len(view) == 65536 and not view.readonly and view.format == "B"
    view[100:104] = b"wasm"
    assert mem.read(store, 100, 104) == bytearray(b"wasm")
    mem.write(store, b"!", 0)
    assert view[0] == ord("!")


def test_view_survives_growth_and_pins_the_store():
    store = wt.Store()
    mem = memory_of(store)
    view = mem.view(store)
    mem.grow(store, 3)
    assert len(view) == 65536 and mem.data_len(store) == 4 * 65536
    view[-1] = 7
    assert mem.read(store, 65535, 65536) == bytearray(b"\x07")
    sliced = view[10:20]
    with pytest.raises(BufferError, match="memoryviews"):
        store.close()
    view.release()
    with pytest.raises(BufferError):
        store.close()  # the slice still exports the buffer
    sliced.release()
    store.close()
    with pytest.raises(ValueError, match="already closed"):
        mem.view(store)


def test_view_refused_when_memories_may_move():
    config = wt.Config()
    config.memory_reservation = 1 << 20
    store = wt.Store(wt.Engine(config))
    with pytest.raises(wt.WasmtimeError, match="never moves"):
        memory_of(store).view(store)
    config = wt.Config()
    config.memory_reservation = 1 << 20
    config.memory_may_move = False
    store = wt.Store(wt.Engine(config))
    assert len(memory_of(store).view(store)) == 65536


WAT = """
(module
  (import "" "cb" (func $cb (param i32) (result i32)))
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "via_cb") (param i32) (result i32) local.get 0 call $cb)
  (func (export "nop"))
  (func (export "three") (param i64 f32 f64) (result f64)
    local.get 0 f64.convert_i64_s local.get 1 f64.promote_f32 f64.add local.get 2 f64.add)
  (func (export "many") (param i32 i32 i32 i32 i32) (result i32)
    local.get 0 local.get 1 i32.add local.get 2 i32.add local.get 3 i32.add local.get 4 i32.add)
  (func (export "ref") (param externref) (result externref) local.get 0)
  (func (export "trap") (param i32) unreachable))
"""


def guest(store, cb=lambda x: x * 10):
    ty = wt.FuncType([wt.ValType.i32()], [wt.ValType.i32()])
    return wt.Instance(store, wt.Module(store.engine, WAT), [wt.Func(store, ty, cb)]).exports(store)


@pytest.mark.parametrize("release_gil", [True, False])
def test_typed_calls_give_the_same_results(release_gil):
    store = wt.Store()
    ex = guest(store)
    typed = {name: ex[name].typed(store, release_gil=release_gil)
             for name in ("add", "via_cb", "nop", "three", "many", "ref")}
    assert typed["add"](2, 3) == 5 == ex["add"](store, 2, 3)
    assert typed["via_cb"](4) == 40
    assert typed["nop"]() is None
    assert typed["three"](1, 0.5, 0.25) == 1.75
    assert typed["many"](1, 2, 3, 4, 5) == 15
    marker = object()
    assert typed["ref"](marker) is marker


def test_typed_errors():
    store = wt.Store()
    ex = guest(store)
    add = ex["add"].typed(store)
    with pytest.raises(TypeError):
        add(1)
    with pytest.raises(TypeError, match="don't know how to convert"):
        add(1.5, 2)
    with pytest.raises(wt.Trap):
        ex["trap"].typed(store)(1)
    with pytest.raises(wt.WasmtimeError, match="wrong Store"):
        ex["add"].typed(wt.Store())
    store.close()
    with pytest.raises(ValueError, match="already closed"):
        add(1, 2)


ARITY_WAT = "(module %s)" % " ".join(
    f'(func (export "p{n}") {"(param i32)" * n} (result i32) i32.const {n})'
    + f' (func (export "r{n}") {"(param externref)" * n} (result i32) i32.const {n})'
    for n in range(6))


@pytest.mark.parametrize("kind", ["p", "r"])  # i32 / externref parameters
@pytest.mark.parametrize("n", range(6))
def test_typed_wrong_argument_count_is_a_type_error_on_every_arity(n, kind):
    store = wt.Store()
    ex = wt.Instance(store, wt.Module(store.engine, ARITY_WAT), []).exports(store)
    typed = ex[f"{kind}{n}"].typed(store)
    assert typed(*[1] * n) == n
    for given in sorted({0, n - 1, n + 1, n + 3} - {n, -1}):
        with pytest.raises(TypeError) as raised:
            typed(*[1] * given)
        message = str(raised.value)
        assert message == (f"too {'many' if given > n else 'few'} parameters provided: "
                           f"given {given}, expected {n}")
    assert typed(*[1] * n) == n  # the typed function still works after the errors


def test_host_exception_through_a_typed_call_is_the_same_object():
    store = wt.Store()
    exc = KeyError("from host")

    def fail(x):
        raise exc

    with pytest.raises(KeyError) as info:
        guest(store, fail)["via_cb"].typed(store, release_gil=False)(1)
    assert info.value is exc


def test_func_call_needs_a_store():
    store = wt.Store()
    with pytest.raises(TypeError, match="store"):
        guest(store)["nop"]()


def test_callback_arguments_are_released():
    class Payload:
        pass

    store = wt.Store()
    seen = []
    ty = wt.FuncType([wt.ValType.externref(), wt.ValType.i32()], [])
    f = wt.Func(store, ty, lambda ref, n: seen.append(type(ref)))
    payload = Payload()
    f(store, payload, 1)
    f(store, None, 2)
    assert seen == [Payload, type(None)]
    store.gc()
    before = sys.getrefcount(payload)
    for _ in range(100):
        f(store, payload, 3)
    store.gc()  # drops the externrefs wasm no longer holds
    assert sys.getrefcount(payload) == before


def test_measurement_baselines_run():
    store = wt.Store()
    ex = guest(store)
    assert wt._native._floor_call_add(ex["add"], store, 2, 3) == 5
    calls = []
    wt._native._floor_python_calls(calls.append, 3)
    wt._native._floor_python_calls_gil(calls.append, 2)
    assert calls == [0, 1, 2, 0, 1]


def test_gil_held_call_is_still_interruptible_from_its_own_callback():
    config = wt.Config()
    config.epoch_interruption = True
    engine = wt.Engine(config)
    store = wt.Store(engine)
    store.set_epoch_deadline(1)
    ticks = []

    def tick():
        ticks.append(1)
        if len(ticks) == 100:
            engine.increment_epoch()

    wat = '(module (import "" "tick" (func $t)) (func (export "spin") (loop $l (call $t) (br $l))))'
    spin = wt.Instance(store, wt.Module(engine, wat), [wt.Func(store, wt.FuncType([], []), tick)]).exports(store)["spin"]
    with pytest.raises(wt.Trap) as info:
        spin.typed(store, release_gil=False)()
    assert info.value.trap_code == wt.TrapCode.INTERRUPT and len(ticks) == 100
