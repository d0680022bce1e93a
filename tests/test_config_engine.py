"""cwasmtime Config and Engine against wasmtime-py: every setting, its type checks and
error messages, write-only behaviour, and Config consumption by Engine."""
from __future__ import annotations

import platform
from typing import Any, Callable

import pytest
from compare import outcome, side_by_side

import cwasmtime._config as our_config
import cwasmtime._engine as our_engine
from cwasmtime._config import Config
from cwasmtime._engine import Engine
from cwasmtime._error import WasmtimeError
from cwasmtime._module import Module

wasmtime = pytest.importorskip("wasmtime")


class Ours:
    Config = our_config.Config
    Engine = our_engine.Engine
    WasmtimeError = WasmtimeError


def both(scenario: Callable[[Any], Any]) -> tuple:
    return side_by_side(scenario, Ours)


def assign(m: Any, name: str, value: Any) -> None:
    setattr(m.Config(), name, value)


BOOL_SETTINGS = [
    "debug_info", "wasm_threads", "wasm_tail_call", "wasm_reference_types", "wasm_simd",
    "wasm_bulk_memory", "wasm_multi_value", "wasm_multi_memory", "wasm_memory64",
    "wasm_relaxed_simd", "wasm_relaxed_simd_deterministic", "wasm_component_model",
    "wasm_component_model_map", "wasm_component_model_implements", "wasm_exceptions",
    "wasm_function_references", "wasm_gc", "wasm_wide_arithmetic", "wasm_custom_page_sizes",
    "wasm_stack_switching", "cranelift_debug_verifier", "consume_fuel", "parallel_compilation",
    "shared_memory", "gc_support", "cranelift_nan_canonicalization", "memory_may_move",
    "native_unwind_info", "macos_use_mach_ports", "signals_based_traps", "memory_init_cow",
    "epoch_interruption",
]
SIZE_SETTINGS = ["max_wasm_stack", "memory_reservation", "memory_guard_size",
                 "memory_reservation_for_growth"]
CHOICE_SETTINGS = {
    "strategy": ["auto", "cranelift", "winch", "nonexistent-strategy", 1, None],
    "cranelift_opt_level": ["none", "speed", "speed_and_size", "nonexistent-level", 0],
    "profiler": ["none", "jitdump", "vtune", "perfmap", "nonexistent-profiler", True],
}


def public_names(cls: type) -> set:
    return {n for n in dir(cls) if not n.startswith("_")}


# Beyond wasmtime-py: the pooling allocator (tests/test_pooling.py), the stack of
# call_async (tests/test_asyncio.py).
EXTRA_SETTINGS = {"allocation_strategy", "async_stack_size"}


def test_same_public_surface() -> None:
    assert public_names(Config) == public_names(wasmtime.Config) | EXTRA_SETTINGS
    assert public_names(Engine) == public_names(wasmtime.Engine)
    covered = set(BOOL_SETTINGS) | set(SIZE_SETTINGS) | set(CHOICE_SETTINGS) | {
        "cache", "target", "cranelift_flag_enable", "cranelift_flag_set", "close", "ptr"}
    assert public_names(Config) == covered | EXTRA_SETTINGS


@pytest.mark.parametrize("name", BOOL_SETTINGS)
@pytest.mark.parametrize("value", [True, False, 1, "yes", None])
def test_bool_settings(name: str, value: Any) -> None:
    ours, theirs = both(lambda m: assign(m, name, value))
    assert ours == theirs


@pytest.mark.parametrize("name", BOOL_SETTINGS + SIZE_SETTINGS + list(CHOICE_SETTINGS)
                         + ["cache", "target"])
def test_settings_are_write_only(name: str) -> None:
    ours, theirs = both(lambda m: getattr(m.Config(), name))
    assert ours == theirs
    assert ours[:2] == ("raise", "AttributeError")
    assert getattr(Config, name).__doc__


@pytest.mark.parametrize("name", SIZE_SETTINGS)
@pytest.mark.parametrize("value", [0, 1 << 16, 1 << 20, "1", 1.5, None])
def test_size_settings(name: str, value: Any) -> None:
    ours, theirs = both(lambda m: assign(m, name, value))
    assert ours == theirs


@pytest.mark.parametrize("name,value", [(n, v) for n, vs in CHOICE_SETTINGS.items()
                                        for v in vs])
def test_choice_settings(name: str, value: Any) -> None:
    ours, theirs = both(lambda m: assign(m, name, value))
    assert ours == theirs


@pytest.mark.parametrize("value", [True, False, "./does-not-exist.toml", 3, None])
def test_cache(value: Any) -> None:
    ours, theirs = both(lambda m: assign(m, "cache", value))
    assert ours == theirs


def test_target() -> None:
    host = {("x86_64", "Linux"): "x86_64-unknown-linux-gnu",
            ("aarch64", "Linux"): "aarch64-unknown-linux-gnu"}.get(
        (platform.machine(), platform.system()))
    for value in ([host] if host else []) + ["not-a-real-target", 3]:
        ours, theirs = both(lambda m: assign(m, "target", value))
        assert ours == theirs
    assert outcome(lambda: assign(Ours, "target", "not-a-real-target"))[:2] == (
        "raise", "WasmtimeError")


@pytest.mark.parametrize("args", [("preserve_frame_pointers",), (3,)])
def test_cranelift_flag_enable(args: tuple) -> None:
    ours, theirs = both(lambda m: m.Config().cranelift_flag_enable(*args))
    assert ours == theirs


@pytest.mark.parametrize("args", [("opt_level", "speed"), (1, "speed"), ("opt_level", 2)])
def test_cranelift_flag_set(args: tuple) -> None:
    ours, theirs = both(lambda m: m.Config().cranelift_flag_set(*args))
    assert ours == theirs


def test_closed_config() -> None:
    def scenario(m: Any) -> list:
        config = m.Config()
        config.close()
        config.close()  # idempotent
        return [outcome(lambda: setattr(config, "cache", True)),
                outcome(lambda: setattr(config, "debug_info", True)),
                outcome(lambda: setattr(config, "strategy", "bogus")),
                outcome(lambda: m.Engine(config))]
    ours, theirs = both(scenario)
    assert ours == theirs
    assert [o[:2] for o in ours[1]] == [("raise", "ValueError"), ("raise", "ValueError"),
                                       ("raise", "WasmtimeError"), ("raise", "ValueError")]


def test_config_context_manager() -> None:
    with Config() as config:
        config.wasm_simd = True
    with pytest.raises(ValueError):
        config.ptr()


def test_engine_consumes_config() -> None:
    def scenario(m: Any) -> list:
        config = m.Config()
        m.Engine(config)
        return [outcome(lambda: m.Engine(config)),
                outcome(lambda: setattr(config, "debug_info", True)),
                outcome(lambda: m.Engine(3)), outcome(lambda: m.Engine("config"))]
    ours, theirs = both(scenario)
    assert ours == theirs
    assert [o[:2] for o in ours[1]] == [("raise", "ValueError"), ("raise", "ValueError"),
                                       ("raise", "TypeError"), ("raise", "TypeError")]


def test_engine_methods() -> None:
    ours, theirs = both(lambda m: (m.Engine().is_pulley(), m.Engine(m.Config()).is_pulley(),
                                   m.Engine().increment_epoch()))
    assert ours == theirs
    engine = Engine()
    assert isinstance(engine.is_pulley(), bool)
    engine.close()
    with pytest.raises(ValueError):
        engine.increment_epoch()
    with Engine() as engine:
        engine.increment_epoch()


def test_settings_take_effect() -> None:
    simd = '(module (func (result v128) (v128.const i64x2 0 0)))'
    for m in (Ours, wasmtime):
        config = m.Config()
        config.wasm_simd = False
        config.wasm_relaxed_simd = False
        engine = m.Engine(config)
        module_cls = Module if m is Ours else wasmtime.Module
        with pytest.raises(m.WasmtimeError):
            module_cls(engine, simd)
        module_cls(m.Engine(), simd)

    config = Config()
    config.consume_fuel = True
    config.epoch_interruption = True
    config.cranelift_opt_level = "none"
    config.max_wasm_stack = 1 << 20
    config.debug_info = True
    Module(Engine(config), '(module (func (export "f")))')
