"""Python code that runs in the middle of an operation (issue 12, class 1): an
``__index__``, ``__float__``, ``__len__``, iterator, overridden method or finalizer that
closes the Store, grows its memory, mutates the value being converted or frees what the
operation uses. Each case ends in a Python exception or the right result, never a
crash: it runs in a fresh interpreter, as before the fix each one crashed it."""
import pytest

from isolation import OUTCOME, assert_clean_exit, run_isolated

PRELUDE = OUTCOME + '''
import gc
import cwasmtime as w


def exports(wat, *imports, store=None):
    store = store or w.Store()
    return store, w.Instance(store, w.Module(store.engine, wat), list(imports)).exports(store)

def closer(store, value=1.0):
    """A float (or, for an int `value`, a plain object with __index__ and __int__,
    never negative) whose conversion closes `store` first."""
    base = float if isinstance(value, float) else object
    class Closing(base):
        def _close(self):
            store.close()
            return value
        __float__ = __index__ = __int__ = _close
        def __lt__(self, other):
            return False
    return Closing(value) if base is float else Closing()
'''

# (name, code printing its outcome, the output expected)
CASES = [
    ("call: a Val's __float__ closes the store", '''
        s, ex = exports('(module (func (export "f") (param f64) (result f64) local.get 0))')
        print(outcome(lambda: ex["f"](s, w.Val.f64(closer(s)))))
        ''', "ValueError: already closed"),
    ("typed call2: a Val's __float__ closes the store", '''
        s, ex = exports('(module (func (export "f") (param f64 i32) (result f64) local.get 0))')
        typed = ex["f"].typed(s)
        print(outcome(lambda: typed(w.Val.f64(closer(s)), 1)))
        ''', "ValueError: already closed"),
    ("typed, GIL held: a Val's __float__ closes the store", '''
        s, ex = exports('(module (func (export "f") (param f64) (result f64) local.get 0))')
        typed = ex["f"].typed(s, release_gil=False)
        print(outcome(lambda: typed(w.Val.f64(closer(s)))))
        ''', "ValueError: already closed"),
    ("call: the store closes between two externref arguments", '''
        s, ex = exports('(module (func (export "f") (param externref f64 externref)))')
        print(outcome(lambda: ex["f"](s, object(), w.Val.f64(closer(s)), object())))
        ''', "ValueError: already closed"),
    ("call: the store closes before a funcref argument", '''
        s, ex = exports('(module (func (export "f") (param f64 funcref)))')
        print(outcome(lambda: ex["f"](s, w.Val.f64(closer(s)), ex["f"])))
        ''', "ValueError: already closed"),
    ("call with 20 arguments: the store closes during the conversion", '''
        params = " ".join(["f64"] * 20)
        s, ex = exports(f'(module (func (export "f") (param {params})))')
        print(outcome(lambda: ex["f"](s, *([1.0] * 19), w.Val.f64(closer(s)))))
        ''', "ValueError: already closed"),
    ("Memory.read: __index__ closes the store", '''
        s, ex = exports('(module (memory (export "m") 1))')
        print(outcome(lambda: ex["m"].read(s, closer(s, 0), 10)))
        ''', "ValueError: already closed"),
    ("Memory.write: iterating the value closes the store", '''
        s, ex = exports('(module (memory (export "m") 1))')
        def values():
            yield 1
            s.close()
            yield 2
        print(outcome(lambda: ex["m"].write(s, values(), 0)))
        ''', "ValueError: already closed"),
    ("Memory.write: start's __index__ closes the store", '''
        s, ex = exports('(module (memory (export "m") 1))')
        print(outcome(lambda: ex["m"].write(s, b"abc", closer(s, 0))))
        ''', "ValueError: already closed"),
    ("Memory.grow: delta's __index__ closes the store", '''
        s, ex = exports('(module (memory (export "m") 1))')
        print(outcome(lambda: ex["m"].grow(s, closer(s, 1))))
        ''', "ValueError: already closed"),
    ("Memory.get_buffer_ptr: an int subclass's arithmetic would close the store", '''
        s, ex = exports('(module (memory (export "m") 1))')
        class Offset(int):
            def __rsub__(self, other):
                s.close()
                return 10
        print(outcome(lambda: len(ex["m"].get_buffer_ptr(s, None, Offset(0)))))
        ''', "ok: 65536"),
    ("Memory(store, ty): the type's ptr() closes the store", '''
        s = w.Store()
        class Type(w.MemoryType):
            def ptr(self):
                s.close()
                return super().ptr()
        print(outcome(lambda: w.Memory(s, Type(w.Limits(1, None)))))
        ''', "ValueError: already closed"),
    ("Func(store, ty, f): the type's ptr() closes the store", '''
        s = w.Store()
        class Type(w.FuncType):
            def ptr(self):
                s.close()
                return super().ptr()
        print(outcome(lambda: w.Func(s, Type([], []), lambda: None)))
        ''', "ValueError: already closed"),
    ("Global.set_value: a Val's __float__ closes the store", '''
        s, ex = exports('(module (global (export "g") (mut f64) (f64.const 0)))')
        print(outcome(lambda: ex["g"].set_value(s, w.Val.f64(closer(s)))))
        ''', "ValueError: already closed"),
    ("Global(): a Val's __float__ closes the store", '''
        s = w.Store()
        ty = w.GlobalType(w.ValType.f64(), True)
        print(outcome(lambda: w.Global(s, ty, w.Val.f64(closer(s)))))
        ''', "ValueError: already closed"),
    ("Global(): a Val's __float__ closes the GlobalType", '''
        s = w.Store()
        ty = w.GlobalType(w.ValType.f64(), True)
        class Closing(float):
            def __float__(self):
                ty.close()
                return 1.0
        print(outcome(lambda: w.Global(s, ty, w.Val.f64(Closing(1.0)))))
        ''', "ValueError: already closed"),
    ("Store.set_fuel: __int__ closes the store", '''
        config = w.Config()
        config.consume_fuel = True
        s = w.Store(w.Engine(config))
        print(outcome(lambda: s.set_fuel(closer(s, 1))))
        print(s)
        ''', "ValueError: already closed\n<Store (closed)>"),
    ("Instance: a list whose len() says more than it holds", '''
        s = w.Store()
        f = w.Func(s, w.FuncType([], []), lambda: None)
        class Lying(list):
            def __len__(self):
                return 2
        module = w.Module(s.engine, '(module (import "" "f" (func)) (import "" "g" (func)))')
        print(outcome(lambda: w.Instance(s, module, Lying([f]))))
        ''', "WasmtimeError: expected 2 imports, found 1"),
    ("Instance: converting an import closes a SharedMemory imported before it", '''
        config = w.Config()
        config.shared_memory = True
        s = w.Store(w.Engine(config))
        shared = w.SharedMemory(s.engine, w.MemoryType(w.Limits(1, 1), shared=True))
        class Closing(w.Global):
            def _as_extern(self):
                shared.close()
                return super()._as_extern()
        g = Closing(s, w.GlobalType(w.ValType.i32(), False), 7)
        module = w.Module(s.engine, \'\'\'(module (import "" "m" (memory 1 1 shared))
            (import "" "g" (global i32)) (func (export "f") (result i32) i32.const 0 i32.load))\'\'\')
        f = w.Instance(s, module, [shared, g]).exports(s)["f"]
        print(outcome(lambda: f(s)))
        ''', "ok: 0"),
    ("Instance: converting the imports closes the module", '''
        s = w.Store()
        module = w.Module(s.engine, '(module (import "" "f" (func)))')
        def imports():
            module.close()
            yield w.Func(s, w.FuncType([], []), lambda: None)
        print(outcome(lambda: w.Instance(s, module, imports())))
        ''', "ValueError: already closed"),
    ("a finalizer run by Store.gc() closes the store", '''
        s, ex = exports('(module (table (export "t") 2 externref))')
        class Closes:
            def __del__(self):
                s.close()
        ex["t"].set(s, 0, Closes())
        ex["t"].set(s, 0, None)
        s.gc()
        print(outcome(lambda: ex["t"].get(s, 0)))
        ''', "ValueError: already closed"),
    ("results: a finalizer closes the store between a funcref and an externref result", """
        s, ex = exports('''(module (func $f (export "f") (param externref) (result funcref externref)
            ref.func $f local.get 0) (elem declare func $f))''')
        class Closes:
            def __init__(self):
                self.cycle = self
            def __del__(self):
                s.close()
        f, arg = ex["f"].typed(s), object()
        gc.collect()
        Closes()
        gc.set_threshold(1)  # the next container allocated (building the results) collects it
        results = f(arg)
        gc.set_threshold(700)
        print(results[1] is arg, s)
        """, "True <Store (closed)>"),
]


@pytest.mark.parametrize("name, code, expected", CASES, ids=[c[0] for c in CASES])
def test_python_code_in_the_middle_of_an_operation(name, code, expected):
    done = run_isolated(code, prelude=PRELUDE)
    assert_clean_exit(done)
    assert expected in done.stdout, done.stdout + done.stderr
