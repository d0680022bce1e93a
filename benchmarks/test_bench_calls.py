"""Calling guest functions, and guests calling back into Python.

Each group is one operation through every implementation, plus cwasmtime's typed
handle (`func.typed(store)`) and the floors: `_floor_call_add` is one Cython function
calling `wasmtime_func_call_unchecked`, `_floor_python_calls[_gil]` is C calling a
Python function n times (re-taking the GIL for each call, as a host callback must)."""
import pytest

from cwasmtime import _native
from guests import LOOP_CALLBACKS, echo, run

CALLS = {  # group: (export, arguments, result)
    "add(i32, i32) -> i32": ("add", (1, 2), 3),
    "nop()": ("nop", (), None),
    "8 mixed args (i32, i64, f32, f64 ×2) -> i64": ("mix8", (1, 2, 3.0, 4.0, 5, 6, 7.0, 8.0), 7),
    "() -> f64": ("f64", (), 2.5),
}
ONE_CB_GROUP = "host callback: one call making one callback"
LOOP_GROUP = f"host callbacks: one call, a wasm loop making {LOOP_CALLBACKS}"
# scripts/bench.py adds a row for one callback of the loop (the time / LOOP_CALLBACKS)
PER_CALLBACK = {"calls_per_op": LOOP_CALLBACKS,
                "per_call": "host callback from a wasm loop, per callback"}


@pytest.mark.parametrize("group", CALLS)
def test_call(benchmark, guest, group):
    export, args, result = CALLS[group]
    fn, prefix = guest.call(export)
    assert run(benchmark, group, guest.name, fn, *prefix, *args) == result


@pytest.mark.parametrize("group", CALLS)
@pytest.mark.parametrize("name, release_gil", [("cwasmtime typed", True),
                                               ("cwasmtime typed, GIL held", False)])
def test_call_typed(benchmark, cw_guest, group, name, release_gil):
    export, args, result = CALLS[group]
    typed = cw_guest.exports[export].typed(cw_guest.store, release_gil=release_gil)
    assert run(benchmark, group, name, typed, *args) == result


def test_call_floor(benchmark, cw_guest):
    add = cw_guest.exports["add"]
    assert run(benchmark, "add(i32, i32) -> i32", "floor",
               _native._floor_call_add, add, cw_guest.store, 1, 2) == 3


def test_one_callback(benchmark, guest):
    fn, prefix = guest.call("call_cb")
    assert run(benchmark, ONE_CB_GROUP, guest.name, fn, *prefix, 7) == 7


def test_callback_loop(benchmark, guest):
    benchmark.extra_info.update(PER_CALLBACK)
    fn, prefix = guest.call("loop_cb")
    assert run(benchmark, LOOP_GROUP, guest.name, fn, *prefix) == sum(range(LOOP_CALLBACKS))


@pytest.mark.parametrize("name, floor", [("floor", _native._floor_python_calls_gil),
                                         ("floor, GIL held", _native._floor_python_calls)])
def test_callback_loop_floor(benchmark, name, floor):
    benchmark.extra_info.update(PER_CALLBACK)
    run(benchmark, LOOP_GROUP, name, floor, echo, LOOP_CALLBACKS)
