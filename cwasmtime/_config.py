"""``Config``: the compilation/runtime settings an ``Engine`` is created from.

Every setting is write-only (as in wasmtime-py): assigning calls the matching
``wasmtime_config_*_set`` function (``allocation_strategy`` is handed over when an Engine
is made), reading raises ``AttributeError``."""
from __future__ import annotations

import sys
from typing import Any, Callable, Dict, Generic, Optional, Tuple, TypeVar, Union, overload

from ._capi import ffi, lib
from ._cstrings import c_path, c_string
from ._error import WasmtimeError
from ._managed import Managed
from ._pooling import PoolingAllocationConfig
from ._trap import check

__all__ = ["Config"]

T = TypeVar("T")

# What a Config records of its settings (see Config._record).
RawSettings = Tuple[Dict[str, Any], Dict[str, None], Dict[str, str]]

# Bound and parsed once at import (see the note on ffi's lock in _capi).
_config_delete = lib.wasm_config_delete


class _WriteOnly(Generic[T]):
    """A data descriptor that can only be assigned to."""

    def __init__(self, apply: Callable[[Any, T], Optional[T]], doc: Optional[str] = None) -> None:
        self._apply = apply
        self._name = apply.__name__
        self.__doc__ = doc if doc is not None else apply.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, obj: None, objtype: Optional[type] = None) -> "_WriteOnly[T]": ...
    @overload
    def __get__(self, obj: object, objtype: Optional[type] = None) -> Any: ...

    def __get__(self, obj: Optional[object], objtype: Optional[type] = None) -> Any:
        if obj is None:
            return self
        raise AttributeError(
            f"property {self._name!r} of {type(obj).__name__!r} object has no getter")

    def __set__(self, obj: Any, value: T) -> None:
        # What is recorded: the value, or the copy of it that ``apply`` returned.
        kept = self._apply(obj, value)
        obj._applied[self._name] = value if kept is None else kept


def _write_only(apply: Callable[[Any, T], Optional[T]]) -> _WriteOnly[T]:
    return _WriteOnly(apply)


def _flag(c_setter: str, doc: str, message: str = "expected a bool") -> _WriteOnly[bool]:
    """A boolean setting forwarded to ``lib.<c_setter>(config, value)``."""

    def apply(config: "Config", enable: bool) -> None:
        if not isinstance(enable, bool):
            raise TypeError(message)
        getattr(lib, c_setter)(config.ptr(), enable)

    return _WriteOnly(apply, doc)


def _size(c_setter: str, doc: str) -> _WriteOnly[int]:
    """A size (bytes) setting forwarded to ``lib.<c_setter>(config, value)``."""

    def apply(config: "Config", size: int) -> None:
        if not isinstance(size, int):
            raise TypeError("expected an int")
        getattr(lib, c_setter)(config.ptr(), size)

    return _WriteOnly(apply, doc)


def _choice(c_setter: str, what: str, choices: dict[str, int], doc: str) -> _WriteOnly[str]:
    """A setting whose string value maps to a C enum; unknown values raise WasmtimeError."""

    def apply(config: "Config", value: str) -> None:
        code = choices.get(value) if isinstance(value, str) else None
        if code is None:
            raise WasmtimeError(f"unknown {what}: {value}")
        getattr(lib, c_setter)(config.ptr(), code)

    return _WriteOnly(apply, doc)


class Config(Managed[Any]):
    """Global settings (wasm features, compiler, memory, ...) used to create an ``Engine``.

    A Config is consumed by the ``Engine`` built from it."""

    def __init__(self) -> None:
        self._set_ptr(lib.wasm_config_new())
        self._applied: Dict[str, Any] = {}  # settings made so far, by name
        # Cranelift flags, checked by Engine() (see _config_check): enabled, and set.
        self._flags_enabled: Dict[str, None] = {}
        self._flags_set: Dict[str, str] = {}

    def _repr(self) -> str:
        return "".join(["<Config", *(f" {k}={v!r}" for k, v in self._applied.items()), ">"])

    def _record(self) -> RawSettings:
        """A snapshot of the settings made so far (what an Engine keeps, and pickles)."""
        return dict(self._applied), dict(self._flags_enabled), dict(self._flags_set)

    def __reduce__(self) -> Any:
        """Copies and pickles are new Configs with the same settings (see _pickling)."""
        from ._pickling import reduce_config
        return reduce_config(self)

    def _linear_memories_stay_put(self) -> bool:
        """Whether these settings guarantee a 32-bit linear memory never moves when it
        grows: its whole 4 GiB range is reserved up front (Wasmtime's default on 64-bit
        hosts) or moving is forbidden outright."""
        if self._applied.get("memory_may_move") is False:
            return True
        return sys.maxsize > 2**32 and self._applied.get("memory_reservation", 2**32) >= 2**32

    def _delete(self, ptr: Any) -> None:
        _config_delete(ptr)

    def _consume(self) -> Any:
        # Wasmtime has no setter back to on-demand: the strategy is set only now, so the
        # last assignment wins.
        strategy = self._applied.get("allocation_strategy")
        if isinstance(strategy, PoolingAllocationConfig):
            strategy._apply(self.ptr())
        return super()._consume()

    # ---- wasm proposals -------------------------------------------------------------
    wasm_threads = _flag("wasmtime_config_wasm_threads_set", "Enable the threads proposal.")
    wasm_tail_call = _flag("wasmtime_config_wasm_tail_call_set", "Enable the tail-call proposal.")
    wasm_reference_types = _flag(
        "wasmtime_config_wasm_reference_types_set", "Enable the reference-types proposal.")
    wasm_simd = _flag("wasmtime_config_wasm_simd_set", "Enable the SIMD proposal.")
    wasm_bulk_memory = _flag(
        "wasmtime_config_wasm_bulk_memory_set", "Enable the bulk-memory proposal.")
    wasm_multi_value = _flag(
        "wasmtime_config_wasm_multi_value_set", "Enable the multi-value proposal.")
    wasm_multi_memory = _flag(
        "wasmtime_config_wasm_multi_memory_set", "Enable the multi-memory proposal.")
    wasm_memory64 = _flag("wasmtime_config_wasm_memory64_set", "Enable the memory64 proposal.")
    wasm_relaxed_simd = _flag(
        "wasmtime_config_wasm_relaxed_simd_set", "Enable the relaxed-SIMD proposal.")
    wasm_relaxed_simd_deterministic = _flag(
        "wasmtime_config_wasm_relaxed_simd_deterministic_set",
        "Make relaxed-SIMD instructions behave the same on every platform.")
    wasm_component_model = _flag(
        "wasmtime_config_wasm_component_model_set", "Enable the component model.")
    wasm_component_model_map = _flag(
        "wasmtime_config_wasm_component_model_map_set",
        "Enable map types of the component model.")
    wasm_component_model_implements = _flag(
        "wasmtime_config_wasm_component_model_implements_set",
        "Enable the component model's implements proposal.")
    wasm_exceptions = _flag(
        "wasmtime_config_wasm_exceptions_set", "Enable the exception-handling proposal.")
    wasm_function_references = _flag(
        "wasmtime_config_wasm_function_references_set",
        "Enable the typed function references proposal.")
    wasm_gc = _flag("wasmtime_config_wasm_gc_set", "Enable the GC proposal.")
    wasm_wide_arithmetic = _flag(
        "wasmtime_config_wasm_wide_arithmetic_set", "Enable the wide-arithmetic proposal.")
    wasm_custom_page_sizes = _flag(
        "wasmtime_config_wasm_custom_page_sizes_set", "Enable the custom-page-sizes proposal.")
    wasm_stack_switching = _flag(
        "wasmtime_config_wasm_stack_switching_set", "Enable the stack-switching proposal.")

    # ---- compiler -------------------------------------------------------------------
    debug_info = _flag(
        "wasmtime_config_debug_info_set", "Emit DWARF debug information for compiled code.")
    strategy = _choice(
        "wasmtime_config_strategy_set", "strategy",
        {"auto": lib.WASMTIME_STRATEGY_AUTO, "cranelift": lib.WASMTIME_STRATEGY_CRANELIFT},
        'Compilation strategy: "auto" or "cranelift".')
    cranelift_debug_verifier = _flag(
        "wasmtime_config_cranelift_debug_verifier_set", "Run Cranelift's IR verifier.")
    cranelift_opt_level = _choice(
        "wasmtime_config_cranelift_opt_level_set", "opt level",
        {"none": lib.WASMTIME_OPT_LEVEL_NONE, "speed": lib.WASMTIME_OPT_LEVEL_SPEED,
         "speed_and_size": lib.WASMTIME_OPT_LEVEL_SPEED_AND_SIZE},
        'Cranelift optimization level: "none", "speed" or "speed_and_size".')
    cranelift_nan_canonicalization = _flag(
        "wasmtime_config_cranelift_nan_canonicalization_set",
        "Canonicalize NaNs produced by float operations (deterministic execution).")
    profiler = _choice(
        "wasmtime_config_profiler_set", "profiler",
        {"none": lib.WASMTIME_PROFILING_STRATEGY_NONE,
         "jitdump": lib.WASMTIME_PROFILING_STRATEGY_JITDUMP,
         "vtune": lib.WASMTIME_PROFILING_STRATEGY_VTUNE,
         "perfmap": lib.WASMTIME_PROFILING_STRATEGY_PERFMAP},
        'JIT profiler integration: "none", "jitdump", "vtune" or "perfmap".')
    parallel_compilation = _flag(
        "wasmtime_config_parallel_compilation_set",
        "Compile a module's functions in parallel (the default).")
    native_unwind_info = _flag(
        "wasmtime_config_native_unwind_info_set",
        "Emit native unwind information (e.g. .eh_frame); on by default.")

    @_write_only
    def cache(self, enabled: Union[bool, str]) -> None:
        """Enable the compiled-code cache: ``True`` for the default settings, or the path
        of a TOML cache configuration file."""
        if isinstance(enabled, bool):
            if not enabled:
                raise WasmtimeError("caching cannot be explicitly disabled")
            path = ffi.NULL
        elif isinstance(enabled, str):
            path = c_path(enabled)
        else:
            raise TypeError("expected string or bool")
        check(lib.wasmtime_config_cache_config_load(self.ptr(), path))

    @_write_only
    def target(self, triple: str) -> None:
        """Compile for this target triple instead of the host (an Engine for another target
        can compile but not run code). Raises WasmtimeError for an unknown triple."""
        if not isinstance(triple, str):
            raise TypeError("expected a str")
        check(lib.wasmtime_config_target_set(self.ptr(), c_string(triple)))

    def cranelift_flag_enable(self, flag: str) -> None:
        """Enable a target-specific Cranelift flag (see ``wasmtime settings``)."""
        if not isinstance(flag, str):
            raise TypeError("expected a str")
        lib.wasmtime_config_cranelift_flag_enable(self.ptr(), c_string(flag))
        self._flags_enabled[flag] = None

    def cranelift_flag_set(self, key: str, value: str) -> None:
        """Set a target-specific Cranelift flag to ``value`` (see ``wasmtime settings``)."""
        if not isinstance(key, str):
            raise TypeError("expected a str for key")
        if not isinstance(value, str):
            raise TypeError("expected a str for value")
        lib.wasmtime_config_cranelift_flag_set(self.ptr(), c_string(key), c_string(value))
        self._flags_set[key] = value

    # ---- runtime --------------------------------------------------------------------
    @_write_only
    def epoch_interruption(self, enabled: bool) -> None:
        """Let wasm be interrupted when the engine's epoch passes a store's deadline."""
        lib.wasmtime_config_epoch_interruption_set(self.ptr(), bool(enabled))

    consume_fuel = _flag(
        "wasmtime_config_consume_fuel_set",
        "Make wasm consume fuel as it runs and trap when a store runs out.",
        "expected an bool")
    max_wasm_stack = _size(
        "wasmtime_config_max_wasm_stack_set",
        "Maximum stack size, in bytes, wasm code may use (must fit in the OS stack).")
    async_stack_size = _size(
        "wasmtime_config_async_stack_size_set",
        "Size, in bytes, of the stack each call_async runs on (default 2 MiB): at least "
        "max_wasm_stack + 256 KiB, as host functions run on it too.")
    shared_memory = _flag(
        "wasmtime_config_shared_memory_set", "Allow creating shared memories (off by default).")
    gc_support = _flag("wasmtime_config_gc_support_set", "Enable GC support at all (default on).")
    macos_use_mach_ports = _flag(
        "wasmtime_config_macos_use_mach_ports_set",
        "On macOS, handle traps with Mach ports instead of signals.")
    signals_based_traps = _flag(
        "wasmtime_config_signals_based_traps_set",
        "Detect traps with signal handlers (SIGSEGV, SIGILL, ...); default on.")

    # ---- linear memory --------------------------------------------------------------
    memory_may_move = _flag(
        "wasmtime_config_memory_may_move_set",
        "Allow linear memories to move when they grow past their reservation.")
    memory_reservation = _size(
        "wasmtime_config_memory_reservation_set",
        "Virtual memory, in bytes, initially reserved for each linear memory.")
    memory_guard_size = _size(
        "wasmtime_config_memory_guard_size_set",
        "Size, in bytes, of the guard region after each linear memory.")
    memory_reservation_for_growth = _size(
        "wasmtime_config_memory_reservation_for_growth_set",
        "Extra virtual memory, in bytes, reserved for growth after a memory moves.")
    memory_init_cow = _flag(
        "wasmtime_config_memory_init_cow_set",
        "Initialize linear memory with copy-on-write mappings (default on).")

    # ---- instance allocation --------------------------------------------------------
    @_write_only
    def allocation_strategy(self, strategy: Union[str, PoolingAllocationConfig]
                            ) -> Optional[PoolingAllocationConfig]:
        """How instances get their memories, tables and runtime state: ``"on_demand"``
        (the default: allocated and mapped for each instance) or a
        ``PoolingAllocationConfig`` (slots reserved when the Engine is made, then reused).
        Its settings are copied now, as Wasmtime does."""
        if isinstance(strategy, PoolingAllocationConfig):
            return strategy._copy()
        if not isinstance(strategy, str):
            raise TypeError("expected 'on_demand' or a PoolingAllocationConfig")
        if strategy != "on_demand":
            raise WasmtimeError(f"unknown allocation strategy: {strategy}")
        return None
