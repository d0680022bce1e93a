"""Compiled code that pickles (issue 15, part 2): Modules and Components travel as their
AOT bytes plus their Engine's settings, Engines and Configs as their settings; loaded
onto one shared Engine per settings per process, without compiling; mismatching
versions or settings raise CompiledCodeMismatch. Across real processes: multiprocessing
and concurrent.futures, spawn and fork (each run in a fresh interpreter, with a
deadline)."""
from __future__ import annotations

import copy
import pickle
import threading

import isolation
import pytest
from guest_jobs import COLLATZ, TWICE, collatz_steps, steps

import cwasmtime as w
from cwasmtime import CompiledCodeMismatch, WasmtimeError, component
from cwasmtime import _pickling

PROTOCOLS = range(pickle.HIGHEST_PROTOCOL + 1)


def settings(config: w.Config) -> _pickling.Settings:
    return _pickling.settings_of(config._record(), "a Config")


def fuel_config() -> w.Config:
    config = w.Config()
    config.consume_fuel = True
    config.cranelift_opt_level = "speed_and_size"
    config.cranelift_flag_set("regalloc_checker", "false")
    config.allocation_strategy = w.PoolingAllocationConfig(
        total_core_instances=4, total_memories=4, total_tables=4, total_stacks=0,
        total_component_instances=4, total_gc_heaps=4)
    return config


@pytest.fixture(autouse=True)
def no_shared_engines(monkeypatch):
    """Each test starts as a process that has pickled nothing yet."""
    monkeypatch.setattr(_pickling, "_engines", {})


# ---- in one process ------------------------------------------------------------------

@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_module_pickles_with_every_protocol_and_lands_on_its_engine(protocol):
    engine = w.Engine()
    module = w.Module(engine, COLLATZ)
    loaded = pickle.loads(pickle.dumps(module, protocol))
    assert loaded is not module and loaded._engine is engine  # this process's for its settings
    assert steps((engine, loaded), 1, 500) == collatz_steps(1, 500)
    assert pickle.loads(pickle.dumps(engine, protocol)) is engine


def test_a_component_pickles():
    engine = w.Engine()
    compiled = component.Component(engine, TWICE)
    loaded = pickle.loads(pickle.dumps(compiled))
    assert loaded is not compiled and loaded._engine is engine
    with w.Store(engine) as store:
        instance = component.Linker(engine).instantiate(store, loaded)
        assert instance.get_func(store, "twice")(store, 21) == 42


def test_one_shared_engine_per_settings():
    first, second, other = w.Engine(fuel_config()), w.Engine(fuel_config()), w.Engine()
    assert pickle.loads(pickle.dumps(first)) is first
    # The same settings: the Engine of the process for them (the first one pickled).
    assert pickle.loads(pickle.dumps(second)) is first
    module = pickle.loads(pickle.dumps(w.Module(second, COLLATZ)))
    assert module._engine is first
    assert pickle.loads(pickle.dumps(other)) is not first
    # Once closed, it is replaced: by the next Engine with its settings pickled, or else,
    # when one is unpickled, by a new one.
    first.close()
    assert pickle.loads(pickle.dumps(second)) is second
    second.close()
    fresh = pickle.loads(pickle.dumps(module))._engine
    assert fresh not in (first, second)
    assert _pickling.settings_of(fresh._settings, "") == _pickling.settings_of(second._settings, "")
    with w.Store(fresh) as store:
        store.set_fuel(10)  # it consumes fuel: the settings were replayed
        assert store.get_fuel() == 10


def test_an_engine_made_from_pickled_settings_has_their_pool():
    config = w.Config()
    config.allocation_strategy = w.PoolingAllocationConfig(
        total_core_instances=1, total_memories=1, total_tables=1, total_stacks=0)
    engine = w.Engine(config)
    blob = pickle.dumps((engine, w.Module(engine, COLLATZ)))
    engine.close()
    made, module = pickle.loads(blob)
    assert made is not engine
    stores = [w.Store(made), w.Store(made)]
    w.Instance(stores[0], module, [])
    with pytest.raises(WasmtimeError, match="limit of 1 for core instances"):
        w.Instance(stores[1], module, [])


def test_engines_for_the_same_settings_are_made_once_by_racing_threads():
    settings = _pickling.settings_of(w.Engine(fuel_config())._settings, "an Engine")
    _pickling._engines.pop(settings, None)
    barrier = threading.Barrier(8)
    got = []

    def load():
        barrier.wait()
        got.append(_pickling.load_engine(settings))

    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(got) == 8 and all(engine is got[0] for engine in got)


def test_a_config_copies_and_pickles_as_a_new_config_with_its_settings():
    config = fuel_config()
    config.cranelift_flag_enable("has_avx")
    for clone in (copy.copy(config), copy.deepcopy(config), *(
            pickle.loads(pickle.dumps(config, p)) for p in PROTOCOLS)):
        assert clone is not config
        assert settings(clone) == settings(config) and "consume_fuel=True" in repr(clone)
    clone = copy.copy(config)
    clone.consume_fuel = False  # the copy is its own Config
    assert settings(config)[0][1] == ("consume_fuel", True)
    w.Engine(clone)
    with pytest.raises(ValueError, match="already closed"):  # consumed by its Engine
        pickle.dumps(clone)
    with pytest.raises(ValueError, match="already closed"):
        copy.copy(clone)


def test_compiled_code_and_engines_copy_as_themselves():
    engine = w.Engine()
    module = w.Module(engine, COLLATZ)
    compiled = component.Component(engine, TWICE)
    for obj in (engine, module, compiled):
        assert copy.copy(obj) is obj and copy.deepcopy(obj) is obj
    assert copy.deepcopy([module, engine])[0] is module


def test_closed_objects_refuse_to_pickle():
    engine = w.Engine()
    module = w.Module(engine, COLLATZ)
    compiled = component.Component(engine, TWICE)
    module.close()
    compiled.close()
    for obj in (module, compiled):
        with pytest.raises(ValueError, match="already closed"):
            pickle.dumps(obj)
    engine.close()
    with pytest.raises(ValueError, match="already closed"):
        pickle.dumps(engine)
    for cls in (w.Module, component.Component, w.Engine, w.Config):
        with pytest.raises(ValueError, match="never initialized"):
            pickle.dumps(cls.__new__(cls))


def test_settings_that_cannot_cross_processes_refuse_to_pickle(tmp_path):
    cache_file = tmp_path / "cache.toml"
    cache_file.write_text(f'[cache]\ndirectory = "{tmp_path}"\n')
    config = w.Config()
    config.cache = str(cache_file)
    with pytest.raises(TypeError, match=r"cannot pickle this Config: its Config loads the cache "
                                        r"configuration file '.*cache.toml'"):
        pickle.dumps(config)
    engine = w.Engine(config)
    with pytest.raises(TypeError, match="cannot pickle this Engine: its Config loads the cache"):
        pickle.dumps(engine)
    with pytest.raises(TypeError, match=r"cannot pickle this Module \(its Engine\): its Config"):
        pickle.dumps(w.Module(engine, COLLATZ))
    with pytest.raises(TypeError, match=r"cannot pickle this Component \(its Engine\)"):
        pickle.dumps(component.Component(engine, TWICE))
    # The default cache settings mean the same everywhere.
    config = w.Config()
    config.cache = True
    assert pickle.loads(pickle.dumps(config))._record()[0] == {"cache": True}


# ---- what does not match -----------------------------------------------------------

def tampered(obj, **change):
    """``obj`` pickled, with parts of its state replaced, then unpickled."""
    load, (kind, versions, settings, data) = obj.__reduce__()
    state = dict(kind=kind, versions=versions, settings=settings, data=data)
    state.update(change)
    blob = pickle.dumps(_Pickled(load, tuple(state.values())))
    return pickle.loads(blob)


class _Pickled:
    def __init__(self, load, args):
        self.load, self.args = load, args

    def __reduce__(self):
        return self.load, self.args


def test_another_wasmtime_or_cwasmtime_version_is_refused():
    module = w.Module(w.Engine(), COLLATZ)
    with pytest.raises(CompiledCodeMismatch) as info:
        tampered(module, versions={"wasmtime": "49.0.0", "cwasmtime": "0.1.0"})
    assert str(info.value) == (
        "this pickled Module was compiled by Wasmtime 49.0.0 (cwasmtime 0.1.0), this process "
        f"runs Wasmtime 50.0.0 (cwasmtime {w.__version__}): compile it again here")
    # Catchable as either: an unpickling error, and a Wasmtime one.
    assert isinstance(info.value, pickle.UnpicklingError) and isinstance(info.value, WasmtimeError)
    compiled = component.Component(w.Engine(), TWICE)
    with pytest.raises(CompiledCodeMismatch, match=r"pickled Component was compiled by Wasmtime "
                                                   r"50.0.0 \(cwasmtime 9.9\)"):
        tampered(compiled, versions={"wasmtime": "50.0.0", "cwasmtime": "9.9"})


def test_code_whose_header_names_another_wasmtime_is_refused_by_wasmtime():
    module = w.Module(w.Engine(), COLLATZ)
    data = bytes(module.serialize())
    at = data.index(b"\x00\x0250")  # the .wasmtime.engine section: Wasmtime's major version
    with pytest.raises(CompiledCodeMismatch, match="pickled Module cannot be loaded in this "
                                                   "process: Module was compiled with "
                                                   "incompatible version '49'"):
        tampered(module, data=data[:at + 2] + b"49" + data[at + 4:])
    with pytest.raises(CompiledCodeMismatch, match="failed to parse"):
        tampered(module, data=data[:len(data) // 2])


def test_code_compiled_with_other_settings_is_refused_by_wasmtime():
    module = w.Module(w.Engine(), COLLATZ)
    with pytest.raises(CompiledCodeMismatch, match="Module was compiled without fuel support "
                                                   "but it is enabled for the host"):
        tampered(module, settings=((("consume_fuel", True),), (), ()))
    compiled = component.Component(w.Engine(), TWICE)
    with pytest.raises(CompiledCodeMismatch, match="compiled without fuel support"):
        tampered(compiled, settings=((("consume_fuel", True),), (), ()))


def test_settings_that_cannot_be_made_here_are_refused():
    module = w.Module(w.Engine(), COLLATZ)
    with pytest.raises(CompiledCodeMismatch, match="cannot be recreated here: unknown Config "
                                                   "setting 'no_such_setting'"):
        tampered(module, settings=((("no_such_setting", True),), (), ()))
    with pytest.raises(CompiledCodeMismatch, match="cannot be recreated here: expected an? bool"):
        tampered(module, settings=((("consume_fuel", 3),), (), ()))
    # A flag of another ISA (code pickled on another kind of machine): Engine() refuses it.
    with pytest.raises(CompiledCodeMismatch, match="an Engine with these pickled settings cannot "
                                                   "be made here"):
        tampered(module, settings=((), (), (("no_such_flag", "true"),)))
    with pytest.raises(CompiledCodeMismatch, match="not a pickle of cwasmtime Engine settings"):
        tampered(module, settings=[[], [], []])
    with pytest.raises(CompiledCodeMismatch, match="not a pickle of cwasmtime compiled code"):
        tampered(module, kind="Store")


def test_the_mismatch_error_pickles():
    error = CompiledCodeMismatch("compiled by Wasmtime 49")
    clone = pickle.loads(pickle.dumps(error))
    assert type(clone) is CompiledCodeMismatch and str(clone) == "compiled by Wasmtime 49"


# ---- across processes ----------------------------------------------------------------

CROSS_PRELUDE = r'''
import multiprocessing, pickle, concurrent.futures
import cwasmtime as w
from cwasmtime import component
import guest_jobs
from guest_jobs import COLLATZ, TWICE, collatz_steps

config = w.Config()
config.cranelift_opt_level = "speed_and_size"
engine = w.Engine(config)
module = w.Module(engine, COLLATZ)  # compiled (in parallel) once, here
fuel_config = w.Config()
fuel_config.consume_fuel = True
fuel_engine = w.Engine(fuel_config)
fuel_module = w.Module(fuel_engine, COLLATZ)
jobs = [((engine, module), lo, lo + 300) for lo in range(1, 3000, 300)]
expected = [collatz_steps(lo, hi) for _, lo, hi in jobs]
'''


def run_cross(code: str) -> str:
    done = isolation.run_isolated(code, prelude=CROSS_PRELUDE, timeout=120)
    isolation.assert_clean_exit(done)
    return done.stdout


@pytest.mark.parametrize("method", ["spawn", "fork"])
def test_multiprocessing_pool_runs_shipped_code(method):
    out = run_cross(f"""
        if __name__ == "__main__":
            with multiprocessing.get_context({method!r}).Pool(2) as pool:
                results = pool.map_async(guest_jobs.steps_job, jobs).get(timeout=60)
                blob = pickle.dumps((fuel_engine, fuel_module))
                fuel = pool.apply_async(guest_jobs.fuel_left, (blob,)).get(timeout=60)
                print(results == expected, fuel, fuel == guest_jobs.fuel_left(blob))
    """)
    # Fuel: the workers' Engine consumes it, as this one does.
    assert out.startswith("True ") and out.endswith(" True\n") and int(out.split()[1]) < 10_000


@pytest.mark.parametrize("method", ["spawn", "fork"])
def test_process_pool_executor_runs_shipped_code(method):
    out = run_cross(f"""
        if __name__ == "__main__":
            context = multiprocessing.get_context({method!r})
            with concurrent.futures.ProcessPoolExecutor(2, mp_context=context) as pool:
                results = list(pool.map(guest_jobs.steps_job, jobs, timeout=60))
                compiled = component.Component(engine, TWICE)
                doubled = list(pool.map(guest_jobs.twice_job, [((engine, compiled), v)
                                                                for v in range(5)], timeout=60))
            print(results == expected, doubled)
    """)
    assert out == "True [0, 2, 4, 6, 8]\n"


def test_a_spawned_process_loads_one_engine_per_settings():
    out = run_cross("""
        if __name__ == "__main__":
            config = w.Config()
            config.consume_fuel = True
            blob = pickle.dumps((fuel_engine, config, fuel_module))
            with multiprocessing.get_context("spawn").Pool(1) as pool:
                same, module_on_it, again_on_it, config_settings, engine_settings = (
                    pool.apply_async(guest_jobs.what_loads, (blob,)).get(timeout=60))
            print(same, module_on_it, again_on_it)
            print(config_settings == config._record(), engine_settings == fuel_engine._settings)
    """)
    assert out == "True True True\nTrue True\n"


def test_a_forked_child_loads_code_where_it_cannot_compile():
    # The parent compiled in parallel: after fork, its Engine cannot compile (Wasmtime's
    # compile threads are gone), yet pickled code loads onto it, and runs.
    out = run_cross("""
        import os, signal
        blob = pickle.dumps((engine, module))
        pid = os.fork()
        if pid == 0:
            signal.alarm(20)
            try:
                w.Module(engine, COLLATZ)
            except w.WasmtimeError as exc:
                print("compiling:", str(exc).split(":")[0], flush=True)
            got_engine, got_module = pickle.loads(blob)
            print(got_engine is engine, guest_jobs.steps((got_engine, got_module), 1, 300)
                  == collatz_steps(1, 300), flush=True)
            os._exit(0)
        print("child exit:", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
    """)
    assert out.splitlines() == [
        "compiling: this Engine compiles in parallel, and this process was forked from one "
        "that compiled in parallel",
        "True True",
        "child exit: 0",
    ]


def test_live_state_stays_unpicklable():
    engine = w.Engine()
    store = w.Store(engine)
    instance = w.Instance(store, w.Module(engine, COLLATZ), [])
    for obj in (store, instance, instance.exports(store)["steps"], w.Linker(engine)):
        with pytest.raises(TypeError, match=f"cannot copy or pickle {type(obj).__name__} "
                                            "objects: they hold live state"):
            pickle.dumps((engine, obj))
