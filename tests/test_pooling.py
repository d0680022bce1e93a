"""The pooling allocator: PoolingAllocationConfig (every knob of Wasmtime 50's C API,
typed and readable), Config.allocation_strategy, what each limit of the pool raises, and
slots going back to the pool when Stores close. Engine() refusing the settings Wasmtime
would abort on is tested in test_preconditions.py (each case in a fresh interpreter)."""
from __future__ import annotations

import pickle
from typing import Any, Callable, List

import pytest
import repo

import cwasmtime as w
from cwasmtime import PoolingAllocationConfig, WasmtimeError, component
from cwasmtime._capi import ffi, lib
from cwasmtime._pooling import _Setting

EXPORTS = (repo.ROOT / "tests" / "data" / "wasmtime-50-exports.txt").read_text().split()
PREFIX, SUFFIX = "wasmtime_pooling_allocation_config_", "_set"
# Every setter of Wasmtime 50's C API for the pool.
KNOBS = sorted(name[len(PREFIX):-len(SUFFIX)] for name in EXPORTS
               if name.startswith(PREFIX) and name.endswith(SUFFIX))

# Wasmtime 50's defaults (64-bit hosts), as documented by PoolingAllocationConfig.
DEFAULTS = {
    "total_core_instances": 1000, "total_component_instances": 1000, "total_memories": 1000,
    "total_tables": 1000, "total_stacks": 1000, "total_gc_heaps": 1000,
    "max_memory_size": 1 << 32, "max_memories_per_module": 1, "max_tables_per_module": 1,
    "table_elements": 20_000, "max_core_instance_size": 1 << 20,
    "max_component_instance_size": 1 << 20, "max_core_instances_per_component": 2**32 - 1,
    "max_memories_per_component": 2**32 - 1, "max_tables_per_component": 2**32 - 1,
    "max_unused_warm_slots": 100, "decommit_batch_size": 1, "linear_memory_keep_resident": 0,
    "table_keep_resident": 0, "async_stack_keep_resident": 0,
}

PAGE = 1 << 16
# Modules whose instances take a core instance slot and: nothing else, a memory slot, a
# table slot, a GC heap (when f runs). Each exports f, returning 7.
F = '(func (export "f") (result i32) i32.const 7)'
NOTHING = f'(module {F})'
MEMORY = f'(module (memory 1) {F})'
TABLE = f'(module (table 1 funcref) {F})'
GC = '''(module (type $s (struct (field i32)))
  (func (export "f") (result i32) (struct.get $s 0 (struct.new $s (i32.const 7)))))'''
COMPONENT = '''(component
  (core module $m (memory 1) (table 1 funcref) (func (export "f") (result i32) i32.const 7))
  (core instance $i (instantiate $m))
  (core instance $j (instantiate $m))
  (func (export "f") (result u32) (canon lift (core func $i "f"))))'''


def pooled(config: Any = None, **settings: int) -> w.Engine:
    """An Engine with a small pool: memory slots of max_memory_size (one page unless
    set) without guard, no async stacks, the pool `settings` on top."""
    config = config or w.Config()
    settings = {"max_memory_size": PAGE, "total_stacks": 0, **settings}
    config.memory_reservation = settings["max_memory_size"]
    config.memory_guard_size = 0
    config.allocation_strategy = PoolingAllocationConfig(**settings)
    return w.Engine(config)


def component_config() -> w.Config:
    config = w.Config()
    config.wasm_component_model = True
    return config


def gc_config() -> w.Config:
    config = w.Config()
    config.wasm_gc = True
    return config


def knob(name: str) -> Any:
    return vars(PoolingAllocationConfig)[name]


# ---- PoolingAllocationConfig -------------------------------------------------------------

def test_every_knob_of_the_c_api_is_a_setting_of_its_c_type():
    assert len(KNOBS) == 20
    settings = sorted(name for name, value in vars(PoolingAllocationConfig).items()
                      if isinstance(value, _Setting))
    assert settings == KNOBS
    for name in KNOBS:
        c_type = ffi.typeof(getattr(lib, PREFIX + name + SUFFIX)).args[1].cname
        assert knob(name).c_type == c_type, name


def test_settings_read_back_as_set_or_as_wasmtimes_default():
    pool = PoolingAllocationConfig(total_memories=4, max_memory_size=PAGE)
    pool.table_elements = 10
    expected = {**DEFAULTS, "total_memories": 4, "max_memory_size": PAGE, "table_elements": 10}
    assert {name: getattr(pool, name) for name in KNOBS} == expected
    for name in KNOBS:
        assert f"Default: {DEFAULTS[name]}." in knob(name).__doc__


def test_repr_lists_what_was_set_in_a_fixed_order_and_evaluates_back():
    pool = PoolingAllocationConfig(max_memory_size=PAGE)
    pool.total_memories = 4
    assert repr(pool) == "PoolingAllocationConfig(total_memories=4, max_memory_size=65536)"
    again = eval(repr(pool), {"PoolingAllocationConfig": PoolingAllocationConfig})
    assert again.total_memories == 4 and again.max_memory_size == PAGE
    assert repr(PoolingAllocationConfig()) == "PoolingAllocationConfig()"


class Index:
    def __index__(self) -> int:
        return 3


@pytest.mark.parametrize("name, value, error, message", [
    ("total_memories", "4", TypeError, "PoolingAllocationConfig.total_memories: expected an int, got str"),
    ("total_memories", 4.0, TypeError, "expected an int, got float"),
    ("total_memories", True, TypeError, "expected an int, got bool"),
    ("total_memories", -1, ValueError,
     "PoolingAllocationConfig.total_memories must be from 0 to 4294967295 (a uint32_t), got -1"),
    ("total_memories", 2**32, ValueError, "got 4294967296"),
    ("max_memory_size", 2**64, ValueError,
     "must be from 0 to 18446744073709551615 (a size_t), got 18446744073709551616"),
])
def test_settings_are_checked_against_their_c_type(name, value, error, message):
    pool = PoolingAllocationConfig()
    with pytest.raises(error) as raised:
        setattr(pool, name, value)
    assert message in str(raised.value)
    assert name not in repr(pool)
    with pytest.raises(error):
        PoolingAllocationConfig(**{name: value})


def test_integer_like_values_and_the_limits_of_each_c_type_are_taken():
    pool = PoolingAllocationConfig(total_memories=Index(), max_memory_size=2**64 - 1,
                                   total_tables=2**32 - 1, decommit_batch_size=0)
    assert (pool.total_memories, pool.max_memory_size) == (3, 2**64 - 1)
    assert (pool.total_tables, pool.decommit_batch_size) == (2**32 - 1, 0)
    assert type(pool.total_memories) is int


def test_unknown_settings_are_refused():
    with pytest.raises(TypeError, match="unexpected keyword argument 'total_memorys'"):
        PoolingAllocationConfig(total_memorys=1)
    with pytest.raises(AttributeError):
        PoolingAllocationConfig().total_memorys = 1  # type: ignore[attr-defined]


# ---- Config.allocation_strategy ----------------------------------------------------------

def test_allocation_strategy_is_write_only_and_checked():
    config = w.Config()
    with pytest.raises(AttributeError, match="has no getter"):
        config.allocation_strategy
    with pytest.raises(TypeError, match="expected 'on_demand' or a PoolingAllocationConfig"):
        config.allocation_strategy = 1
    with pytest.raises(WasmtimeError, match="unknown allocation strategy: pooling"):
        config.allocation_strategy = "pooling"
    config.allocation_strategy = "on_demand"
    assert repr(config) == "<Config allocation_strategy='on_demand'>"


def live_instances(engine: w.Engine, wat: str, count: int) -> List[w.Store]:
    """``count`` Stores, each holding an instance of ``wat``."""
    module = w.Module(engine, wat)
    stores = [w.Store(engine) for _ in range(count)]
    for store in stores:
        assert w.Instance(store, module, []).exports(store)["f"](store) == 7
    return stores


def test_the_pool_settings_are_copied_when_assigned():
    pool = PoolingAllocationConfig(total_core_instances=2, total_stacks=0)
    config = w.Config()
    config.allocation_strategy = pool
    pool.total_core_instances = 1000
    assert "allocation_strategy=PoolingAllocationConfig(total_core_instances=2," in repr(config)
    engine = w.Engine(config)
    stores = live_instances(engine, NOTHING, 2)
    with pytest.raises(WasmtimeError, match="limit of 2 for core instances"):
        live_instances(engine, NOTHING, 1)
    assert len(stores) == 2


def test_the_last_assignment_wins():
    config = w.Config()
    config.allocation_strategy = PoolingAllocationConfig(total_core_instances=1)
    config.allocation_strategy = "on_demand"
    assert len(live_instances(w.Engine(config), NOTHING, 3)) == 3


def test_a_configs_recorded_settings_replay_into_the_same_pool():
    """What later pickling builds on: a Config made again from another's record (pool
    settings included: a plain, picklable record) makes an Engine with the same pool."""
    config = w.Config()
    config.memory_reservation = PAGE
    config.allocation_strategy = PoolingAllocationConfig(
        total_core_instances=2, max_memory_size=PAGE, total_stacks=0)
    again = w.Config()
    for name, value in pickle.loads(pickle.dumps(config._applied)).items():
        setattr(again, name, value)
    assert repr(again) == repr(config)
    engine = w.Engine(again)
    stores = live_instances(engine, MEMORY, 2)
    with pytest.raises(WasmtimeError, match="limit of 2 for core instances"):
        live_instances(engine, MEMORY, 1)
    assert len(stores) == 2


# ---- the limits -----------------------------------------------------------------------

def instantiate_component(engine: w.Engine) -> w.Store:
    store = w.Store(engine)
    instance = component.Linker(engine).instantiate(store, component.Component(engine, COMPONENT))
    assert instance.get_func(store, "f")(store) == 7
    return store


def holding(wat: str) -> Callable[[w.Engine], w.Store]:
    """How to take slots: a new Store holding an instance of ``wat``."""
    return lambda engine: live_instances(engine, wat, 1)[0]


# (setting, other pool settings, Config factory, how to take one of its slots)
CONCURRENT = [
    ("total_core_instances", {}, w.Config, holding(NOTHING)),
    ("total_memories", {"total_core_instances": 10}, w.Config, holding(MEMORY)),
    ("total_tables", {"total_core_instances": 10}, w.Config, holding(TABLE)),
    ("total_component_instances", {}, component_config, instantiate_component),
    ("total_gc_heaps", {"total_core_instances": 10}, gc_config, holding(GC)),
]


@pytest.mark.parametrize("setting, pool, make_config, take", CONCURRENT,
                         ids=[case[0] for case in CONCURRENT])
def test_a_full_pool_raises_naming_the_setting_and_a_closed_store_frees_its_slot(
        setting: str, pool: dict, make_config: Callable[[], w.Config],
        take: Callable[[w.Engine], w.Store]):
    engine = pooled(make_config(), **{setting: 3, **pool})
    stores = [take(engine) for _ in range(3)]
    for _ in range(2):  # the failed attempt took no slot
        with pytest.raises(WasmtimeError) as raised:
            take(engine)
        assert str(raised.value).startswith("maximum concurrent limit of 3 for ")
        assert str(raised.value).endswith(f" reached (PoolingAllocationConfig.{setting})")
    stores.pop().close()
    stores.append(take(engine))
    with pytest.raises(WasmtimeError, match=f"PoolingAllocationConfig.{setting}"):
        take(engine)


# (setting, its value, Config factory, the code that exceeds it, Wasmtime's words)
PER_INSTANCE = [
    ("max_memory_size", PAGE, w.Config, '(module (memory 2))',
     "memory has a minimum byte size of 131072 which exceeds the limit of 0x10000 bytes"),
    ("max_memories_per_module", 1, w.Config, '(module (memory 1) (memory 1))',
     "defined memories count of 2 exceeds the per-instance limit of 1"),
    ("max_tables_per_module", 1, w.Config, '(module (table 1 funcref) (table 1 funcref))',
     "defined tables count of 2 exceeds the per-instance limit of 1"),
    ("table_elements", 10, w.Config, '(module (table 11 funcref))',
     "table index 0 has a minimum element size of 11 which exceeds the limit of 10"),
    ("max_core_instance_size", 64, w.Config, MEMORY,
     "bytes which exceeds the configured maximum of 64 bytes"),
    ("max_component_instance_size", 64, component_config, COMPONENT,
     "which exceeds the configured maximum of 64 bytes"),
    ("max_core_instances_per_component", 1, component_config, COMPONENT,
     "The component transitively contains 2 core module instances, which exceeds the "
     "configured maximum of 1"),
    ("max_memories_per_component", 1, component_config, COMPONENT,
     "The component transitively contains 2 Wasm linear memories, which exceeds the "
     "configured maximum of 1"),
    ("max_tables_per_component", 1, component_config, COMPONENT,
     "The component transitively contains 2 tables, which exceeds the configured maximum of 1"),
]


@pytest.mark.parametrize("setting, value, make_config, wat, words", PER_INSTANCE,
                         ids=[case[0] for case in PER_INSTANCE])
def test_code_beyond_a_per_instance_limit_raises_naming_the_setting(
        setting: str, value: int, make_config: Callable[[], w.Config], wat: str, words: str):
    engine = pooled(make_config(), **{setting: value})
    with pytest.raises(WasmtimeError) as raised:
        if wat.startswith("(component"):
            instantiate_component(engine)
        else:
            w.Instance(w.Store(engine), w.Module(engine, wat), [])
    message = str(raised.value)
    assert f"(PoolingAllocationConfig.{setting})" in message.splitlines()[0]
    assert words in message


def test_a_memory_cannot_grow_past_max_memory_size():
    engine = pooled(max_memory_size=3 * PAGE)
    store = w.Store(engine)
    exports = w.Instance(store, w.Module(engine, '''(module (memory (export "m") 1)
        (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))'''),
                         []).exports(store)
    memory = exports["m"]
    assert exports["grow"](store, 3) == -1  # wasm sees memory.grow fail
    assert memory.grow(store, 2) == 1
    with pytest.raises(WasmtimeError, match="failed to grow memory"):
        memory.grow(store, 1)
    assert memory.size(store) == 3


# ---- Wasmtime's defaults, as the library applies them ----------------------------------

def test_the_defaults_are_the_ones_wasmtime_applies():
    config = w.Config()
    config.allocation_strategy = PoolingAllocationConfig(total_stacks=0)
    engine = w.Engine(config)
    for wat, words in [
            ("(module (memory i64 65537))", "exceeds the limit of 0x100000000 bytes"),
            ("(module (table 20001 funcref))", "exceeds the limit of 20000"),
            ("(module (memory 1) (memory 1))", "per-instance limit of 1"),
            ("(module (table 1 funcref) (table 1 funcref))", "per-instance limit of 1"),
            ("(module " + "(global i64 (i64.const 0))" * 70_000 + ")",
             "exceeds the configured maximum of 1048576 bytes")]:
        with pytest.raises(WasmtimeError, match=words):
            w.Module(engine, wat)
    store = w.Store(engine)
    module = w.Module(engine, '(module (memory 1) (table 1 funcref))')
    instances = [w.Instance(store, module, []) for _ in range(1000)]
    with pytest.raises(WasmtimeError, match="maximum concurrent limit of 1000 for core"):
        w.Instance(store, module, [])
    assert len(instances) == 1000
