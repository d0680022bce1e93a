"""Func and TypedFunc are called through PEP 590 vectorcall (the arguments read from the
caller's C array, no tuple): every way of calling them gives the same results and the
same errors as the tuple path (``tp_call``), keywords are refused as before, and a
subclass overriding ``__call__`` is still called."""
import functools
import sys
import types

import pytest

import cwasmtime as wt
from isolation import OUTCOME, assert_clean_exit, run_isolated

WAT = """(module
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "nop"))
  (func (export "last") (param i32 i32 i32 i32) (result i32) local.get 3)
  (func (export "ref") (param externref) (result externref) local.get 0))"""

HAVE_VECTORCALL = 1 << 11  # Py_TPFLAGS_HAVE_VECTORCALL


@pytest.fixture
def env():
    store = wt.Store()
    exports = wt.Instance(store, wt.Module(store.engine, WAT), []).exports(store)
    return store, exports


def test_func_and_typed_func_have_a_vectorcall_entry(env):
    store, exports = env
    assert wt.Func.__flags__ & HAVE_VECTORCALL
    typed = exports["last"].typed(store)
    assert type(typed).__name__ == "TypedFunc"  # > 3 params: the object itself, no bound method
    assert type(typed).__flags__ & HAVE_VECTORCALL


def test_every_call_form_gives_the_same_result(env):
    store, exports = env
    add, last = exports["add"], exports["last"]
    typed = last.typed(store)
    forms = [
        lambda: add(store, 1, 2),
        lambda: add(*(store, 1, 2)),
        lambda: add(store, *(1, 2), **{}),
        lambda: wt.Func.__call__(add, store, 1, 2),
        lambda: functools.partial(add, store)(1, 2),
        lambda: types.MethodType(add, store)(1, 2),  # PY_VECTORCALL_ARGUMENTS_OFFSET
        lambda: next(map(add, [store], [1], [2])),
    ]
    assert [form() for form in forms] == [3] * len(forms)
    assert exports["nop"](store) is None
    assert [typed(1, 2, 3, 4), typed(*(5, 6, 7, 8)), type(typed).__call__(typed, 1, 2, 3, 9),
            types.MethodType(typed, 1)(2, 3, 4)] == [4, 8, 9, 4]
    assert last(store, 1, 2, 3, 4) == 4


@pytest.mark.parametrize("call", [
    lambda f, s: f(s, 1, b=2),
    lambda f, s: f(store=s),
    lambda f, s: f(s, 1, 2, **{"x": 1}),
    lambda f, s: wt.Func.__call__(f, s, 1, x=2),
])
def test_keywords_are_refused_as_before(env, call):
    store, exports = env
    with pytest.raises(TypeError, match=r"__call__\(\) got an unexpected keyword argument"):
        call(exports["add"], store)


def test_typed_func_refuses_keywords(env):
    store, exports = env
    typed = exports["last"].typed(store)
    with pytest.raises(TypeError, match=r"__call__\(\) got an unexpected keyword argument 'd'"):
        typed(1, 2, 3, d=4)


def test_errors_are_the_same_through_every_entry(env):
    store, exports = env
    add, last = exports["add"], exports["last"]
    other = wt.Store()
    cases = [
        ((), TypeError, "missing required argument 'store'"),
        ((store, 1), wt.WasmtimeError, "too few parameters provided: given 1, expected 2"),
        ((store, 1, 2, 3), wt.WasmtimeError, "too many parameters provided: given 3, expected 2"),
        ((store, "x", 1), TypeError, "don't know how to convert 'x' to i32"),
        ((1, 2, 3), AttributeError, "expected a Store, Caller or StoreContext, got int"),
        ((other, 1, 2), wt.WasmtimeError, "belongs to another Store"),
    ]
    for args, exc, message in cases:
        for call in (lambda: add(*args), lambda: wt.Func.__call__(add, *args)):
            with pytest.raises(exc, match=message):
                call()
    typed = last.typed(store)
    with pytest.raises(TypeError, match="too few parameters provided: given 3, expected 4"):
        typed(1, 2, 3)
    store.close()
    with pytest.raises(ValueError, match="already closed"):
        add(store, 1, 2)
    with pytest.raises(ValueError, match="already closed"):
        typed(1, 2, 3, 4)


def test_a_store_closed_while_converting_arguments_is_noticed():
    # A Val's __float__ closes the Store while the arguments are converted (in a
    # fresh interpreter: a miss would be a crash), through both vectorcall entries.
    done = run_isolated("""
        import cwasmtime as w
        for typed in (False, True):
            s = w.Store()
            wat = '(module (func (export "f") (param i32 i32 i32 f64) (result f64) local.get 3))'
            f = w.Instance(s, w.Module(s.engine, wat), []).exports(s)["f"]
            call = f.typed(s) if typed else (lambda *args: f(s, *args))
            class Closing(float):
                def __float__(self):
                    s.close()
                    return 1.0
            print(outcome(lambda: call(1, 2, 3, w.Val.f64(Closing(1.0)))))
        """, prelude=OUTCOME)
    assert_clean_exit(done)
    assert done.stdout.split("\n")[:2] == ["ValueError: already closed"] * 2


def test_subclass_overriding_call_is_called(env):
    store, _ = env

    class Logged(wt.Func):
        def __call__(self, *args):
            return ("logged", super().__call__(*args))

    class Plain(wt.Func):
        pass

    ty = wt.FuncType([], [wt.ValType.i32()])
    logged, plain = Logged(store, ty, lambda: 7), Plain(store, ty, lambda: 8)
    assert logged(store) == ("logged", 7)
    assert logged(*(store,)) == ("logged", 7)
    assert types.MethodType(logged, store)() == ("logged", 7)
    assert plain(store) == 8 and plain(*(store,)) == 8
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        plain(store, x=1)


def test_an_instance_never_initialized_is_refused(env):
    store, _ = env
    for func in (wt.Func.__new__(wt.Func), type("Sub", (wt.Func,), {}).__new__(
            type("Sub2", (wt.Func,), {}))):
        with pytest.raises(wt.WasmtimeError, match="belongs to another Store"):
            func(store)


def test_arguments_and_results_keep_their_reference_counts(env):
    store, exports = env
    ref, add = exports["ref"], exports["add"]
    value, big = object(), 10**20 + 1  # a fresh int: counted exactly
    before = sys.getrefcount(value), sys.getrefcount(big)
    for _ in range(1000):
        assert ref(store, value) is value
        add(store, big, 1)
        with pytest.raises(wt.WasmtimeError):
            add(store, big, value, 3)
    store.gc()  # the externrefs the calls made
    assert (sys.getrefcount(value), sys.getrefcount(big)) == before
