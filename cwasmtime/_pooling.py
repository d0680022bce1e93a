"""``PoolingAllocationConfig``: the settings of Wasmtime's pooling instance allocator.

A plain record of what was set: each setting is checked against its C type when assigned
and reads back (Wasmtime's default until set). The C object is made only when an Engine
is made from a Config whose ``allocation_strategy`` it is; what Wasmtime would abort on
is checked just before (``_config_check``). The defaults are Wasmtime 50's on 64-bit
hosts."""
from __future__ import annotations

import operator
import sys
from typing import Any, Dict, Optional, overload

from ._capi import lib

__all__ = ["PoolingAllocationConfig", "name_limit"]

_RANGES = {"uint32_t": 2**32 - 1, "size_t": sys.maxsize * 2 + 1}
_UNLIMITED = 2**32 - 1  # Wasmtime's u32::MAX: no per-component limit


class _Setting:
    """A setting forwarded to ``wasmtime_pooling_allocation_config_<name>_set``, whose
    parameter has C type ``c_type``."""

    def __init__(self, c_type: str, default: int, doc: str) -> None:
        self.c_type = c_type
        self.default = default
        self.__doc__ = f"{doc} Default: {default}."
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, objtype: Optional[type] = None) -> "_Setting": ...
    @overload
    def __get__(self, obj: "PoolingAllocationConfig", objtype: Optional[type] = None) -> int: ...

    def __get__(self, obj: Optional["PoolingAllocationConfig"],
                objtype: Optional[type] = None) -> Any:
        if obj is None:
            return self
        return obj._settings.get(self.name, self.default)

    def __set__(self, obj: "PoolingAllocationConfig", value: int) -> None:
        if isinstance(value, bool):
            raise TypeError(f"PoolingAllocationConfig.{self.name}: expected an int, got bool")
        try:
            number = operator.index(value)
        except TypeError:
            raise TypeError(f"PoolingAllocationConfig.{self.name}: expected an int, got "
                            f"{type(value).__name__}") from None
        limit = _RANGES[self.c_type]
        if not 0 <= number <= limit:
            raise ValueError(f"PoolingAllocationConfig.{self.name} must be from 0 to {limit} "
                             f"(a {self.c_type}), got {number}")
        obj._settings[self.name] = number


class PoolingAllocationConfig:
    """Settings of Wasmtime's pooling instance allocator, for
    ``Config.allocation_strategy``.

    The pool reserves, when the Engine is made, a slot for each of ``total_memories``
    linear memories (``Config.memory_reservation`` + ``memory_guard_size`` of address
    space each), ``total_tables`` tables and ``total_stacks`` async stacks; instances
    take slots and give them back when their Store is closed, so instantiating maps
    nothing new. Instantiating beyond a limit raises WasmtimeError. Settings are
    keyword arguments or attributes; each reads back as set, or as Wasmtime's default."""

    __slots__ = ("_settings",)

    def __init__(self, **settings: int) -> None:
        self._settings: Dict[str, int] = {}
        for name, value in settings.items():
            if not isinstance(getattr(PoolingAllocationConfig, name, None), _Setting):
                raise TypeError(f"PoolingAllocationConfig() got an unexpected keyword argument "
                                f"{name!r}")
            setattr(self, name, value)

    def __repr__(self) -> str:
        shown = [f"{name}={self._settings[name]!r}" for name in _SETTING_NAMES
                 if name in self._settings]
        return f"PoolingAllocationConfig({', '.join(shown)})"

    def _copy(self) -> "PoolingAllocationConfig":
        copy = PoolingAllocationConfig()
        copy._settings = dict(self._settings)
        return copy

    def _apply(self, config_ptr: Any) -> None:
        """Make the pooling allocator with these settings the allocation strategy of the
        ``wasm_config_t*`` (Wasmtime copies them; what was not set keeps its default)."""
        ptr = lib.wasmtime_pooling_allocation_config_new()
        try:
            for name, value in self._settings.items():
                getattr(lib, f"wasmtime_pooling_allocation_config_{name}_set")(ptr, value)
            lib.wasmtime_pooling_allocation_strategy_set(config_ptr, ptr)
        finally:
            lib.wasmtime_pooling_allocation_config_delete(ptr)

    # ---- how many at once, across all the Engine's Stores ------------------------------
    total_core_instances = _Setting(
        "uint32_t", 1000, "Core module instances alive at once (Memory, Table and Global "
        "objects made by the host are not pooled).")
    total_component_instances = _Setting(
        "uint32_t", 1000, "Component instances alive at once.")
    total_memories = _Setting(
        "uint32_t", 1000, "Linear memories of instances alive at once (a GC heap takes a "
        "slot too): each slot reserves Config.memory_reservation + memory_guard_size bytes "
        "of address space.")
    total_tables = _Setting(
        "uint32_t", 1000, "Tables alive at once: each slot maps table_elements × 8 bytes.")
    total_stacks = _Setting(
        "uint32_t", 1000, "Async execution stacks (2 MiB + a guard page each, reserved "
        "even though cwasmtime runs no async calls).")
    total_gc_heaps = _Setting(
        "uint32_t", 1000, "GC heaps alive at once: one per Store that allocates GC "
        "objects.")

    # ---- what one instance may use ----------------------------------------------------
    max_memory_size = _Setting(
        "size_t", 1 << 32, "Bytes a linear memory may grow to; at most "
        "Config.memory_reservation. A module whose memory starts larger cannot be "
        "instantiated.")
    max_memories_per_module = _Setting(
        "uint32_t", 1, "Linear memories a core module may define.")
    max_tables_per_module = _Setting(
        "uint32_t", 1, "Tables a core module may define.")
    table_elements = _Setting(
        "size_t", 20_000, "Elements a table may hold (and grow to).")
    max_core_instance_size = _Setting(
        "size_t", 1 << 20, "Bytes of a core instance's VMContext (its runtime state: "
        "function, global, memory and table descriptors).")
    max_component_instance_size = _Setting(
        "size_t", 1 << 20, "Bytes of a component instance's VMComponentContext plus its "
        "core instances' VMContexts.")
    max_core_instances_per_component = _Setting(
        "uint32_t", _UNLIMITED, "Core instances one component may contain "
        f"({_UNLIMITED}: unlimited).")
    max_memories_per_component = _Setting(
        "uint32_t", _UNLIMITED, "Linear memories one component may contain "
        f"({_UNLIMITED}: unlimited).")
    max_tables_per_component = _Setting(
        "uint32_t", _UNLIMITED, f"Tables one component may contain ({_UNLIMITED}: unlimited).")

    # ---- what happens to a freed slot -------------------------------------------------
    max_unused_warm_slots = _Setting(
        "uint32_t", 100, "Freed slots kept warm (still mapped, for reuse by the same "
        "module) before cold slots are preferred.")
    decommit_batch_size = _Setting(
        "size_t", 1, "Freed slots to decommit (return to the OS) in one batch; 1 decommits "
        "each at once.")
    linear_memory_keep_resident = _Setting(
        "size_t", 0, "Bytes of a freed linear memory reset with memset and kept resident "
        "instead of decommitted (Linux).")
    table_keep_resident = _Setting(
        "size_t", 0, "Bytes of a freed table reset with memset and kept resident (Linux).")
    async_stack_keep_resident = _Setting(
        "size_t", 0, "Bytes of a freed async stack kept resident.")


_SETTING_NAMES = [name for name, value in vars(PoolingAllocationConfig).items()
                  if isinstance(value, _Setting)]

# Wasmtime 50's messages for each pool limit, and the setting behind it (its messages
# give the numbers but not the name of the setting).
_LIMITS = [
    ("for core instances reached", "total_core_instances"),
    ("for component instances reached", "total_component_instances"),
    ("for memory stripe", "total_memories"),  # a GC heap takes a memory slot too
    ("for tables reached", "total_tables"),
    ("for GC heaps reached", "total_gc_heaps"),
    ("memory has a minimum byte size of", "max_memory_size"),
    ("defined memories count of", "max_memories_per_module"),
    ("exceeds the total tables limit of", "total_tables"),  # before the next one
    ("defined tables count of", "max_tables_per_module"),
    ("has a minimum element size of", "table_elements"),
    ("instance allocation for this module requires", "max_core_instance_size"),
    ("instance allocation for this component requires", "max_component_instance_size"),
    ("core module instances, which exceeds", "max_core_instances_per_component"),
    ("Wasm linear memories, which exceeds", "max_memories_per_component"),
    ("tables, which exceeds the configured maximum", "max_tables_per_component"),
]


def name_limit(message: str) -> str:
    """``message``, with the setting named on its first line if it is Wasmtime's error
    for a limit of the pool."""
    for needle, setting in _LIMITS:
        if needle in message:
            first, newline, rest = message.partition("\n")
            return f"{first} (PoolingAllocationConfig.{setting}){newline}{rest}"
    return message
