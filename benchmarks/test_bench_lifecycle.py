"""Compiling and instantiating modules (cwasmtime and wasmtime-py: pywasm3 interprets
lazily and loads a module into a runtime once, so it has no matching operation)."""
import pytest

from guests import SMALL_WAT, WASMTIME_IMPLS, echo, large_wat, run, wasm_bytes

SMALL = wasm_bytes(SMALL_WAT)
ROUNDS = 500  # instantiations timed, one per round


@pytest.fixture(params=list(WASMTIME_IMPLS), scope="module")
def small(request):
    """An Engine, the small module compiled, and the type of the function it imports."""
    w = WASMTIME_IMPLS[request.param]
    engine = w.Engine()
    module = w.Module(engine, SMALL)
    cb_type = w.FuncType([w.ValType.i32()], [w.ValType.i32()])
    return request.param, w, engine, module, cb_type


@pytest.fixture(scope="module")
def large():
    return wasm_bytes(large_wat(2000))


def instantiate_rounds(benchmark, group, name, fn, setup):
    """Time `fn(*setup())` once per round, each round with a fresh Store from `setup`
    (untimed): a Store holds at most 10,000 instances."""
    benchmark.group = group
    benchmark.name = name
    return benchmark.pedantic(fn, setup=lambda: (setup(), {}), rounds=ROUNDS)


def test_instantiate(benchmark, small):
    name, w, engine, module, cb_type = small

    def setup():
        store = w.Store(engine)
        return store, module, [w.Func(store, cb_type, echo)]

    instance = instantiate_rounds(benchmark, "Instance(store, module, [func]): small module",
                                  name, w.Instance, setup)
    assert isinstance(instance, w.Instance)


def test_instantiate_floor(benchmark):
    """The C API's own time: one Cython call that fills the imports and calls
    wasmtime_instance_new."""
    from cwasmtime import _native
    w = WASMTIME_IMPLS["cwasmtime"]
    engine = w.Engine()
    module = w.Module(engine, SMALL)
    cb_type = w.FuncType([w.ValType.i32()], [w.ValType.i32()])

    def setup():
        store = w.Store(engine)
        return store, module, [w.Func(store, cb_type, echo)]

    handle = instantiate_rounds(benchmark, "Instance(store, module, [func]): small module",
                                "floor", _native.instantiate, setup)
    assert len(handle) == 2


def test_instantiate_pre(benchmark, small):
    name, w, engine, module, cb_type = small
    linker = w.Linker(engine)
    linker.define_func("env", "cb", cb_type, echo)
    pre = linker.instantiate_pre(module)
    instance = instantiate_rounds(benchmark, "InstancePre.instantiate(store): small module",
                                  name, pre.instantiate, lambda: (w.Store(engine),))
    assert isinstance(instance, w.Instance)


def test_compile_small(benchmark, small):
    name, w, engine, _, _ = small
    run(benchmark, f"Module(engine, wasm): small module, {len(SMALL)} B", name,
        w.Module, engine, SMALL)


def test_compile_large(benchmark, small, large):
    name, w, engine, _, _ = small
    module = run(benchmark, f"Module(engine, wasm): 2,000 functions, {len(large) // 1024} KiB",
                 name, w.Module, engine, large)
    assert len(module.exports) == 2000
