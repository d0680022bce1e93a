"""Many short-lived instances: the pooling allocator against on-demand allocation
(cwasmtime only: wasmtime-py cannot configure the pool), the same module and Config
otherwise, side by side in the same run. scripts/bench.py gives them a table of their own."""
import pytest

import cwasmtime as w
from guests import run

# A 1-page memory with data to copy in, and a table with an element to fill in: the
# state a fresh instance needs mapped and initialized.
WAT = """(module
  (memory (export "memory") 1)
  (data (i32.const 0) "request")
  (table 4 funcref)
  (elem (i32.const 0) $answer)
  (func $answer (result i32) i32.const 42)
  (func (export "run") (result i32)
    (i32.store (i32.const 16) (i32.const 7))
    (i32.add (i32.load (i32.const 16)) (call_indirect (result i32) (i32.const 0)))))"""
RESULT = 49
ROUNDS = 500  # instantiations timed, one per round
# Slots for up to 100 live instances (the benchmarks keep one or two alive); no async
# stacks, which cwasmtime never uses.
POOL = w.PoolingAllocationConfig(total_core_instances=100, total_memories=100,
                                 total_tables=100, total_gc_heaps=100, total_stacks=0)
STRATEGIES = {"on-demand": "on_demand", "pooling": POOL}


@pytest.fixture(params=list(STRATEGIES), scope="module")
def compiled(request):
    """The allocation strategy's name, an Engine using it, the module compiled."""
    config = w.Config()
    config.allocation_strategy = STRATEGIES[request.param]
    engine = w.Engine(config)
    return request.param, engine, w.Module(engine, WAT)


def test_instantiate(benchmark, compiled):
    """Instance() alone, each round into a fresh Store made (and the last one freed)
    outside the timing."""
    name, engine, module = compiled
    benchmark.group = "Instance(store, module, []): 1-page memory + table"
    benchmark.name = name
    instance = benchmark.pedantic(w.Instance, setup=lambda: ((w.Store(engine), module, []), {}),
                                  rounds=ROUNDS)
    assert isinstance(instance, w.Instance)


def test_request(benchmark, compiled):
    """A request's whole life: a new Store, instantiate, call, close the Store."""
    name, engine, module = compiled

    def request():
        store = w.Store(engine)
        result = w.Instance(store, module, []).exports(store)["run"](store)
        store.close()
        return result

    assert run(benchmark, "request: Store() + Instance() + call + Store.close()", name,
               request) == RESULT


def test_request_pre(benchmark, compiled):
    """The same with the module linked once (InstancePre), as a server would."""
    name, engine, module = compiled
    pre = w.Linker(engine).instantiate_pre(module)

    def request():
        store = w.Store(engine)
        result = pre.instantiate(store).exports(store)["run"](store)
        store.close()
        return result

    assert run(benchmark, "request via InstancePre.instantiate(store)", name, request) == RESULT
