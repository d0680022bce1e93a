"""Func calls through the Cython fast path (wasmtime_func_call_unchecked) and host
functions through the unchecked trampolines: values, errors, exceptions, lifetimes."""
import gc
import threading
import time
import weakref

import pytest

import cwasmtime as wt

ADD_WAT = """
(module
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "mixed") (param i32 i64 f32 f64) (result f64 f32 i64 i32)
    local.get 3 local.get 2 local.get 1 local.get 0)
  (func (export "nop"))
  (func (export "trap") unreachable)
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s))
"""


def instantiate(store, wat, imports=()):
    return wt.Instance(store, wt.Module(store.engine, wat), list(imports))


def exports(store, wat, imports=()):
    return instantiate(store, wat, imports).exports(store)


def test_guest_export_call_through_the_native_path():
    store = wt.Store()
    add = exports(store, ADD_WAT)["add"]
    assert type(add) is wt.Func
    assert add(store, 1, 2) == 3
    assert add(store, 2**31 - 1, 1) == -(2**31)  # i32 wraps like wasm
    assert add(store, 2**32 + 5, 0) == 5  # Python ints wrap like a C cast (wasmtime-py too)


def test_all_number_kinds_and_multiple_results():
    store = wt.Store()
    mixed = exports(store, ADD_WAT)["mixed"]
    assert mixed(store, 1, 2**40, 1.5, 2.25) == [2.25, 1.5, 2**40, 1]
    assert mixed(store, wt.Val.i32(-1), wt.Val.i64(-2), wt.Val.f32(0.1), 3.0) == [
        3.0, pytest.approx(0.1, rel=1e-7), -2, -1]


def test_zero_results_is_none():
    store = wt.Store()
    assert exports(store, ADD_WAT)["nop"](store) is None


def test_arity_and_type_errors_match_wasmtime_py():
    store = wt.Store()
    add = exports(store, ADD_WAT)["add"]
    with pytest.raises(wt.WasmtimeError, match="too few parameters provided: given 1, expected 2"):
        add(store, 1)
    with pytest.raises(wt.WasmtimeError, match="too many parameters provided: given 3, expected 2"):
        add(store, 1, 2, 3)
    with pytest.raises(TypeError, match="don't know how to convert 1.5 to i32"):
        add(store, 1.5, 2)
    with pytest.raises(TypeError, match="wrong type of `Val` provided"):
        add(store, wt.Val.i64(1), 2)


def test_traps_carry_their_code():
    store = wt.Store()
    ex = exports(store, ADD_WAT)
    with pytest.raises(wt.Trap) as info:
        ex["trap"](store)
    assert info.value.trap_code == wt.TrapCode.UNREACHABLE
    with pytest.raises(wt.Trap) as info:
        ex["div"](store, 1, 0)
    assert info.value.trap_code == wt.TrapCode.INTEGER_DIVISION_BY_ZERO
    assert not isinstance(info.value, wt.WasmtimeError)


def host(store, params, results, fn, access_caller=False):
    ty = wt.FuncType([getattr(wt.ValType, p)() for p in params], [getattr(wt.ValType, r)() for r in results])
    return wt.Func(store, ty, fn, access_caller)


CALLS_IMPORT_WAT = """
(module
  (import "" "f" (func $f (param i32) (result i32)))
  (func (export "run") (param i32) (result i32) local.get 0 call $f))
"""


def test_guest_calls_host_and_gets_result():
    store = wt.Store()
    seen = []
    f = host(store, ["i32"], ["i32"], lambda x: seen.append(x) or x * 2)
    assert exports(store, CALLS_IMPORT_WAT, [f])["run"](store, 21) == 42
    assert seen == [21]


@pytest.mark.parametrize("exc", [ValueError("boom"), KeyboardInterrupt(), SystemExit(3), wt.Trap("user trap")])
def test_host_exception_is_reraised_as_the_same_object(exc):
    store = wt.Store()

    def fail(x):
        raise exc

    run = exports(store, CALLS_IMPORT_WAT, [host(store, ["i32"], ["i32"], fail)])["run"]
    with pytest.raises(BaseException) as info:
        run(store, 1)
    assert info.value is exc
    # the parked exception was consumed: the next failure is an ordinary trap
    with pytest.raises(wt.Trap):
        exports(store, ADD_WAT)["trap"](store)


def test_host_exception_during_instantiation_is_reraised():
    store = wt.Store()
    exc = RuntimeError("from start")

    def fail():
        raise exc

    wat = '(module (import "" "f" (func $f)) (start $f))'
    with pytest.raises(RuntimeError) as info:
        instantiate(store, wat, [host(store, [], [], fail)])
    assert info.value is exc


def test_host_result_errors():
    store = wt.Store()
    two = host(store, [], ["i32", "i32"], lambda: [1, 2, 3])
    with pytest.raises(wt.WasmtimeError, match="wrong number of results"):
        two(store)
    none = host(store, ["i32"], [], lambda x: x)
    with pytest.raises(wt.WasmtimeError, match="produced results"):
        none(store, 1)
    bad = host(store, [], ["i32"], lambda: "nope")
    with pytest.raises(TypeError, match="don't know how to convert"):
        bad(store)


def test_caller_is_valid_only_during_the_call():
    store = wt.Store()
    kept = []

    def grab(caller, x):
        kept.append(caller)
        assert isinstance(caller["memory"], wt.Memory)
        return x

    wat = """
    (module
      (import "" "f" (func $f (param i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "run") (param i32) (result i32) local.get 0 call $f))
    """
    f = host(store, ["i32"], ["i32"], grab, access_caller=True)
    assert exports(store, wat, [f])["run"](store, 7) == 7
    (caller,) = kept
    assert caller.get("memory") is None
    with pytest.raises(ValueError, match="caller is no longer valid"):
        caller._context()
    with pytest.raises(ValueError):
        host(store, [], [], lambda: None)(caller)


def test_reentrant_host_call_into_the_same_instance():
    store = wt.Store()
    wat = """
    (module
      (import "" "f" (func $f (param i32) (result i32)))
      (func (export "fact") (param i32) (result i32)
        (if (result i32) (i32.le_s (local.get 0) (i32.const 1))
          (then (i32.const 1))
          (else (i32.mul (local.get 0) (call $f (i32.sub (local.get 0) (i32.const 1))))))))
    """
    holder = {}
    f = host(store, ["i32"], ["i32"], lambda n: holder["fact"](store, n))
    holder["fact"] = exports(store, wat, [f])["fact"]
    assert holder["fact"](store, 10) == 3628800


def test_externref_round_trip_returns_the_same_object():
    store = wt.Store()
    ident = exports(store, '(module (func (export "id") (param externref) (result externref) local.get 0))')["id"]
    marker = object()
    assert ident(store, marker) is marker
    assert ident(store, None) is None
    assert ident(store, wt.Val.externref(marker)) is marker


def test_externref_objects_are_released_with_their_store():
    class Payload:
        pass

    store = wt.Store()
    ident = exports(store, '(module (func (export "id") (param externref) (result externref) local.get 0))')["id"]
    payload = Payload()
    ref = weakref.ref(payload)
    assert ident(store, payload) is payload
    del payload
    store.close()
    gc.collect()
    assert ref() is None


def test_host_closure_is_released_with_its_store():
    class Callback:
        def __call__(self):
            return None

    store = wt.Store()
    cb = Callback()
    ref = weakref.ref(cb)
    host(store, [], [], cb)(store)
    del cb
    store.close()
    gc.collect()
    assert ref() is None


def test_funcref_round_trip():
    store = wt.Store()
    ident = exports(store, '(module (func (export "id") (param funcref) (result funcref) local.get 0))')["id"]
    f = host(store, [], ["i32"], lambda: 9)
    back = ident(store, f)
    assert isinstance(back, wt.Func) and back(store) == 9
    assert ident(store, None) is None


def test_closed_store_and_cross_store_use_raise_instead_of_crashing():
    store, other = wt.Store(), wt.Store(wt.Engine())
    add = exports(store, ADD_WAT)["add"]
    with pytest.raises(wt.WasmtimeError, match="wrong Store"):
        add(other, 1, 2)
    mem = exports(store, '(module (memory (export "m") 1))')["m"]
    with pytest.raises(wt.WasmtimeError, match="wrong Store"):
        mem.read(other, 0, 4)
    store.close()
    with pytest.raises(ValueError, match="already closed"):
        add(store, 1, 2)
    with pytest.raises(ValueError, match="already closed"):
        mem.data_len(store)
    with pytest.raises(AttributeError):  # the exception type wasmtime-py raises here
        add(object(), 1, 2)


def test_store_cannot_close_while_wasm_runs():
    store = wt.Store()
    errors = []

    def close_inside():
        try:
            store.close()
        except wt.WasmtimeError as e:
            errors.append(str(e))

    host(store, [], [], close_inside)(store)
    assert errors and "while wasm is running" in errors[0]
    assert exports(store, ADD_WAT)["add"](store, 1, 1) == 2


LOOP_WAT = '(module (func (export "spin") (loop $l (br $l))))'


def test_epoch_interruption_from_another_thread_while_wasm_runs():
    config = wt.Config()
    config.epoch_interruption = True
    engine = wt.Engine(config)
    store = wt.Store(engine)
    store.set_epoch_deadline(1)
    spin = exports(store, LOOP_WAT)["spin"]
    ticker = threading.Timer(0.2, engine.increment_epoch)
    ticker.start()
    started = time.monotonic()
    with pytest.raises(wt.Trap) as info:
        spin(store)
    assert info.value.trap_code == wt.TrapCode.INTERRUPT
    assert time.monotonic() - started < 10


def test_store_used_from_a_second_thread_while_busy_raises():
    config = wt.Config()
    config.epoch_interruption = True
    engine = wt.Engine(config)
    store = wt.Store(engine)
    store.set_epoch_deadline(1)
    spinning = threading.Event()
    # The guest signals from inside its call (the store is busy from then on), then spins.
    wat = """
    (module
      (import "" "started" (func $started))
      (func (export "spin") call $started (loop $l (br $l))))
    """
    spin = exports(store, wat, [host(store, [], [], spinning.set)])["spin"]
    add = exports(store, ADD_WAT)["add"]
    failures = []
    worker = threading.Thread(target=lambda: failures.append(pytest.raises(wt.Trap, spin, store)))
    worker.start()
    assert spinning.wait(10)
    with pytest.raises(wt.WasmtimeError, match="another thread"):
        add(store, 1, 2)
    engine.increment_epoch()
    worker.join(10)
    assert not worker.is_alive() and failures
    store.set_epoch_deadline(1)
    assert add(store, 1, 2) == 3


def test_fuel_stops_an_infinite_loop():
    config = wt.Config()
    config.consume_fuel = True
    store = wt.Store(wt.Engine(config))
    store.set_fuel(10_000)
    with pytest.raises(wt.Trap) as info:
        exports(store, LOOP_WAT)["spin"](store)
    assert info.value.trap_code == wt.TrapCode.OUT_OF_FUEL


def test_store_is_busy_while_a_start_function_runs():
    store = wt.Store()
    seen = []

    def from_other_thread():
        try:
            store.gc()
        except wt.WasmtimeError as e:
            seen.append(str(e))

    def start():
        t = threading.Thread(target=from_other_thread)
        t.start()
        t.join()

    linker = wt.Linker(store.engine)
    linker.define_func("", "f", wt.FuncType([], []), start)
    linker.instantiate(store, wt.Module(store.engine, '(module (import "" "f" (func $f)) (start $f))'))
    assert seen and "another thread" in seen[0]


def test_wasi_module_without_wasi_context_raises_instead_of_aborting():
    store = wt.Store()
    linker = wt.Linker(store.engine)
    linker.define_wasi()
    module = wt.Module.from_file(store.engine, str(__import__("pathlib").Path(__file__).parents[1] / "examples" / "hello.wat"))
    with pytest.raises(wt.WasmtimeError, match="no WASI context"):
        linker.instantiate(store, module)
    with pytest.raises(wt.WasmtimeError, match="no WASI context"):
        linker.instantiate_pre(module).instantiate(store)
    store.set_wasi(wt.WasiConfig())
    assert linker.instantiate(store, module).exports(store)["_start"](store) is None
