"""Jobs that worker processes run in the pickling and scale-out tests: importable by
spawned workers (tests/ is on their sys.path), and light (no pytest)."""
from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any, Tuple

import cwasmtime as w
from cwasmtime import component

COLLATZ = (Path(__file__).resolve().parents[1] / "examples" / "collatz.wat").read_text()

# A component exporting twice(v) = 2 * v.
TWICE = """(component
  (core module $m (func (export "twice") (param i32) (result i32)
    local.get 0 local.get 0 i32.add))
  (core instance $i (instantiate $m))
  (func (export "twice") (param "v" u32) (result u32) (canon lift (core func $i "twice"))))"""


def collatz_steps(lo: int, hi: int) -> int:
    """What the guest's steps(lo, hi) computes, in Python."""
    total = 0
    for n in range(lo, hi):
        while n > 1:
            n = n // 2 if n % 2 == 0 else 3 * n + 1
            total += 1
    return total


def steps(shipped: Tuple[w.Engine, w.Module], lo: int, hi: int) -> int:
    """Run the collatz guest shipped (pickled) with its Engine on lo..hi-1."""
    engine, module = shipped
    with w.Store(engine) as store:
        return w.Instance(store, module, []).exports(store)["steps"](store, lo, hi)


def steps_job(job: Tuple[Tuple[w.Engine, w.Module], int, int]) -> int:
    return steps(*job)


def twice_job(job: Tuple[Tuple[w.Engine, component.Component], int]) -> int:
    (engine, compiled), value = job
    with w.Store(engine) as store:
        instance = component.Linker(engine).instantiate(store, compiled)
        return instance.get_func(store, "twice")(store, value)


def what_loads(blob: bytes) -> Tuple[Any, ...]:
    """Unpickle ``blob`` (an Engine, Config and Module) twice in this process: whether
    both give the same Engine, which is the Module's, and the Config's settings."""
    engine, config, module = pickle.loads(blob)
    again, _, module_again = pickle.loads(blob)
    return (engine is again, module._engine is engine, module_again._engine is engine,
            config._record(), engine._settings)


def fuel_left(blob: bytes) -> int:
    """Run the collatz guest of a pickled fuel-consuming (Engine, Module) on 1..9 with
    10,000 fuel; the fuel left."""
    engine, module = pickle.loads(blob)
    with w.Store(engine) as store:
        store.set_fuel(10_000)
        w.Instance(store, module, []).exports(store)["steps"](store, 1, 10)
        return store.get_fuel()


def where_loaded(shipped: Tuple[w.Engine, w.Module]) -> Tuple[int, bool, bool]:
    """In a worker: its pid, whether the shipped Module is on the shipped Engine, and
    whether that Engine is the process's shared one for its settings."""
    import os

    from cwasmtime import _pickling
    engine, module = shipped
    settings = _pickling.settings_of(engine._settings, "")
    return os.getpid(), module._engine is engine, _pickling.shared_engine(settings) is engine
