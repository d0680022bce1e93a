"""What ``Engine(config)`` checks before ``wasm_engine_new_with_config``, which aborts the
whole process on any configuration Wasmtime rejects (it unwraps ``Engine::new``).

Each check mirrors one of Wasmtime 50's (``Config::validate``, ``build_compiler``, the
Cranelift ISA builder, the profilers) and raises WasmtimeError naming the setting. Two
combinations Wasmtime rejects only because of a default are made to work instead, the
way Wasmtime's own defaults would if it knew: disabling SIMD also disables relaxed SIMD
(unless that was enabled explicitly), and disabling reference types also disables the
component model's async support (which needs them, and which cwasmtime cannot enable).

The pooling allocator is checked as Wasmtime 50 builds it (``PoolingInstanceAllocator::new``
and its pools): the sizes it computes with checked arithmetic, then, on POSIX systems, the
mappings it makes, tried here first (``mmap`` and at once ``munmap``)."""
from __future__ import annotations

import mmap
import os
import sys
from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple

from ._capi import lib
from ._cranelift_settings import SETTINGS
from ._library import host_machine
from ._error import WasmtimeError
from ._pooling import PoolingAllocationConfig

if TYPE_CHECKING:
    from ._config import Config

__all__ = ["check_config", "host_isa"]

# Wasmtime's default async_stack_size (Config.async_stack_size): max_wasm_stack may not
# exceed it even when no async code runs.
_ASYNC_STACK_SIZE = 2 << 20
# Stack an explicit async_stack_size must leave above max_wasm_stack: the host code
# (Python host functions, coroutines) runs on the same fiber stack, and overflowing it
# aborts the process.
_ASYNC_HOST_HEADROOM = 256 << 10

# Settings of Wasmtime's own Cranelift builder (wasmtime-cranelift builder.rs), for
# cranelift_flag_set only: name -> what its value must parse as.
_WASMTIME_SETTINGS = {
    "wasmtime_linkopt_padding_between_functions": "usize",
    "wasmtime_linkopt_force_jump_veneer": "rust bool",
    "wasmtime_inlining_small_callee_size": "u32",
    "wasmtime_inlining_sum_size_threshold": "u32",
    "wasmtime_debug_checks": "any",
}

_ISA_OF_ARCH = {"x86_64": "x86_64", "x86_64h": "x86_64", "amd64": "x86_64", "arm64": "aarch64",
                "aarch64": "aarch64", "s390x": "s390x", "riscv64": "riscv64",
                "riscv64gc": "riscv64"}


def host_isa() -> str:
    """The ISA of this machine, as a key of SETTINGS (the one compiled into libwasmtime,
    with Pulley)."""
    arch = host_machine().lower()
    return _ISA_OF_ARCH.get(arch, arch)


def _target(config: "Config") -> Tuple[str, str]:
    """(ISA, operating system) that ``config`` compiles for: its ``target`` or the host."""
    triple = config._applied.get("target")
    if triple is None:
        return host_isa(), sys.platform
    parts = triple.lower().split("-")
    arch = parts[0]
    isa = "pulley" if arch.startswith("pulley") else _ISA_OF_ARCH.get(arch)
    if isa is None:
        raise WasmtimeError(f"Config.target {triple!r}: Cranelift cannot compile for {arch}")
    if isa not in (host_isa(), "pulley"):
        raise WasmtimeError(f"Config.target {triple!r}: support for {arch} is not compiled into "
                            f"this libwasmtime (only this machine's architecture and Pulley)")
    systems = {"linux": "linux", "darwin": "darwin", "macos": "darwin", "windows": "win32"}
    system = next((name for part in parts[1:] for prefix, name in systems.items()
                   if part.startswith(prefix)), "other")
    return isa, system


def _unsigned_below(value: str, limit: int) -> bool:
    """Whether Rust's ``str::parse`` of an unsigned integer type below ``limit`` takes
    ``value`` (ASCII digits, one optional leading ``+``)."""
    digits = value[1:] if value.startswith("+") else value
    return digits.isascii() and digits.isdigit() and int(digits) < limit


def _value_error(value: str, kind: Tuple[str, ...]) -> Optional[str]:
    """Why ``value`` is not valid for a setting of ``kind``, or None."""
    what = kind[0]
    if what == "bool":
        ok = value in ("true", "on", "yes", "1", "false", "off", "no", "0")
        return None if ok else "expected a bool (true/false, on/off, yes/no, 1/0)"
    if what == "num":
        return None if _unsigned_below(value, 256) else "expected a number from 0 to 255"
    if what == "enum":
        return None if value in kind[1:] else f"expected one of {', '.join(kind[1:])}"
    if what == "preset":
        return "it is a preset: enable it with cranelift_flag_enable"
    if what == "rust bool":
        return None if value in ("true", "false") else "expected true or false"
    if what in ("usize", "u32"):
        limit = 1 << (64 if what == "usize" else 32)
        return None if _unsigned_below(value, limit) else f"expected an unsigned integer below {limit}"
    return None


def _check_flags(config: "Config", isa: str) -> None:
    shared, target = SETTINGS["shared"], SETTINGS[isa]
    for name in config._flags_enabled:
        kind = shared.get(name) or target.get(name)
        if kind is None:
            raise WasmtimeError(f"Config.cranelift_flag_enable({name!r}): no Cranelift setting "
                                f"of that name for {isa}")
        if kind[0] not in ("bool", "preset"):
            raise WasmtimeError(f"Config.cranelift_flag_enable({name!r}): it is not a bool; "
                                f"use cranelift_flag_set")
    for name, value in config._flags_set.items():
        kind = (_WASMTIME_SETTINGS[name],) if name in _WASMTIME_SETTINGS else (
            shared.get(name) or target.get(name))
        if kind is None:
            raise WasmtimeError(f"Config.cranelift_flag_set({name!r}, ...): no Cranelift setting "
                                f"of that name for {isa}")
        problem = _value_error(value, kind)
        if problem:
            raise WasmtimeError(f"Config.cranelift_flag_set({name!r}, {value!r}): {problem}")


def _flag_value(config: "Config", name: str) -> Optional[str]:
    """The value a setting will have from cranelift_flag_set, if it was set."""
    return config._flags_set.get(name)


# Profilers whose process-wide file Wasmtime opened already (it opens it once).
_PROFILER_FILES_OPEN: Set[str] = set()


def _check_profiler(config: "Config") -> None:
    profiler = config._applied.get("profiler")
    if profiler in (None, "none"):
        return
    x86_64 = host_isa() == "x86_64"
    supported = {"jitdump": sys.platform.startswith("linux"), "perfmap": sys.platform != "win32",
                 "vtune": x86_64 and sys.platform in ("linux", "darwin", "win32")}
    if not supported[profiler]:
        raise WasmtimeError(f"Config.profiler = {profiler!r} is not supported on this platform")
    # jitdump and perfmap create their file when the first such Engine is made.
    path = {"jitdump": f"jit-{os.getpid()}.dump",
            "perfmap": f"/tmp/perf-{os.getpid()}.map"}.get(profiler)
    if path is None or profiler in _PROFILER_FILES_OPEN:
        return
    try:
        with open(path, "ab"):
            pass
    except OSError as exc:
        raise WasmtimeError(f"Config.profiler = {profiler!r}: cannot create "
                            f"{os.path.abspath(path)}: {exc.strerror or exc}") from None
    _PROFILER_FILES_OPEN.add(profiler)


# The pooling allocator -------------------------------------------------------------------

_USIZE_MAX = sys.maxsize * 2 + 1
_PAGE = mmap.PAGESIZE
# The table pool sizes each element as a pointer (NOMINAL_MAX_TABLE_ELEM_SIZE).
_TABLE_ELEMENT_SIZE = 8
# Host memory per slot that Wasmtime 50 allocates and fills when it makes the pool
# (free-slot lists, memory image state): measured on x86_64 Linux, 2**20 slots of each.
_BOOKKEEPING = {"total_memories": 112, "total_tables": 56, "total_stacks": 56,
                "total_gc_heaps": 80}
# Wasmtime maps with MAP_NORESERVE on Linux only (not in Python's mmap before 3.13).
_NORESERVE = getattr(mmap, "MAP_NORESERVE", 0x4000) if sys.platform == "linux" else 0
# Mappings Wasmtime makes besides the stacks' guard pages (pools, bookkeeping), with room.
_OTHER_MAPPINGS = 16


def _pages(size: int) -> int:
    """``size`` rounded up to whole host pages, as Wasmtime rounds every pool size."""
    return -(-size // _PAGE) * _PAGE


def _in_address_space(size: int, what: str) -> int:
    """``size``, or WasmtimeError where Wasmtime's usize arithmetic would overflow."""
    if size > _USIZE_MAX:
        raise WasmtimeError(f"{what} is {size} bytes: more than the address space can hold")
    return size


def _human(size: int) -> str:
    unit = max((u for u in range(5) if size >= 1 << (10 * u)), default=0)
    return f"{size / (1 << (10 * unit)):.1f} {('bytes', 'KiB', 'MiB', 'GiB', 'TiB')[unit]}"


def _memory_defaults(config: "Config", isa: str) -> Tuple[int, int]:
    """Wasmtime's default (memory_reservation, memory_guard_size) for this target."""
    if isa != "pulley":
        return 1 << 32, 32 << 20
    # Pulley has no guard pages; pulley32 has Wasmtime's 32-bit defaults.
    triple = config._applied.get("target", "")
    return (10 << 20 if triple.startswith("pulley32") else 1 << 32), 0


def _mappings_left() -> Optional[int]:
    """How many more memory mappings this process may make (Linux's vm.max_map_count)."""
    try:
        with open("/proc/sys/vm/max_map_count") as limit, open("/proc/self/maps") as maps:
            return int(limit.read()) - sum(1 for _ in maps)
    except (OSError, ValueError):
        return None


def _try_to_map(regions: List[Tuple[int, int, int, str]]) -> None:
    """Map each (size, prot, flags, what) as Wasmtime would, all at once, then unmap them:
    WasmtimeError naming what could not be mapped."""
    held: List[mmap.mmap] = []
    try:
        for size, prot, flags, what in regions:
            if size:
                try:
                    held.append(mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | flags, prot=prot))
                except OSError as exc:
                    raise WasmtimeError(f"{what}: its {_human(size)} cannot be mapped in this "
                                        f"process ({exc.strerror})") from None
    finally:
        for region in held:
            region.close()


def _check_pooling(config: "Config", pool: PoolingAllocationConfig, isa: str) -> None:
    """Raise WasmtimeError where Wasmtime would fail to make this pool (and so abort):
    sizes that overflow its arithmetic, then mappings the process cannot make."""
    name = "PoolingAllocationConfig."
    for knob in ("linear_memory_keep_resident", "table_keep_resident",
                 "async_stack_keep_resident"):
        value = getattr(pool, knob)
        _in_address_space(_pages(value), f"{name}{knob} ({value}) in whole pages")
    reservation, guard = _memory_defaults(config, isa)
    reservation = config._applied.get("memory_reservation", reservation)
    guard = config._applied.get("memory_guard_size", guard)
    if pool.max_memory_size > reservation:
        raise WasmtimeError(
            f"{name}max_memory_size ({pool.max_memory_size}) exceeds Config.memory_reservation "
            f"({reservation}): a pooled memory may grow to max_memory_size, in a slot of "
            f"memory_reservation bytes")
    slot = _in_address_space(
        _pages(reservation) + _pages(guard), f"A memory slot, Config.memory_reservation "
        f"({reservation}) + memory_guard_size ({guard}) in whole pages,")
    memories = _in_address_space(  # and a guard before the first slot
        slot * pool.total_memories + _pages(guard),
        f"The memory pool, {name}total_memories ({pool.total_memories}) slots of {slot} bytes,")
    table = _in_address_space(
        _pages(pool.table_elements * _TABLE_ELEMENT_SIZE),
        f"A table slot, {name}table_elements ({pool.table_elements}) × {_TABLE_ELEMENT_SIZE} "
        f"bytes,")
    tables = _in_address_space(
        table * pool.total_tables,
        f"The table pool, {name}total_tables ({pool.total_tables}) slots of {table} bytes,")
    # Each async stack has a guard page, protected one by one: two mappings a stack.
    stack = _pages(config._applied.get("async_stack_size", _ASYNC_STACK_SIZE)) + _PAGE
    left = _mappings_left()
    if left is not None and 2 * pool.total_stacks + _OTHER_MAPPINGS > left:
        raise WasmtimeError(
            f"{name}total_stacks ({pool.total_stacks}): the stack pool needs "
            f"{2 * pool.total_stacks} memory mappings (a stack and its guard page each), and "
            f"this process may make only {left} more (vm.max_map_count)")
    slots = {"total_memories": pool.total_memories, "total_tables": pool.total_tables,
             "total_stacks": pool.total_stacks,
             "total_gc_heaps": 0 if config._applied.get("gc_support") is False
             else pool.total_gc_heaps}
    if os.name != "posix":
        return
    readable = mmap.PROT_READ | mmap.PROT_WRITE
    _try_to_map([
        (memories, 0, _NORESERVE, f"{name}total_memories ({pool.total_memories}) slots of "
         f"{_human(slot)} (Config.memory_reservation + memory_guard_size)"),
        (tables, readable, _NORESERVE, f"{name}total_tables ({pool.total_tables}) slots of "
         f"{_human(table)} (table_elements × {_TABLE_ELEMENT_SIZE})"),
        (pool.total_stacks * stack, readable, _NORESERVE,
         f"{name}total_stacks ({pool.total_stacks}) async stacks of {_human(stack)}"),
        (sum(_BOOKKEEPING[knob] * n for knob, n in slots.items()), readable, 0,
         "The pool's bookkeeping, ~" + " + ".join(
             f"{_BOOKKEEPING[knob]} bytes × {name}{knob} ({n})"
             for knob, n in slots.items() if n)),
    ])


def check_config(config: "Config") -> None:
    """Raise WasmtimeError for settings Wasmtime would abort on; adjust the two defaults
    described above. Called by Engine() just before the config is consumed."""
    config.ptr()  # ValueError for a config already consumed
    applied: Dict[str, object] = config._applied
    isa, system = _target(config)
    if applied.get("wasm_stack_switching") is True and (
            isa != "x86_64" or system not in ("linux", "darwin")):
        raise WasmtimeError("Config.wasm_stack_switching: the stack-switching proposal is only "
                            "supported when compiling natively for x86_64 Linux or macOS")
    if applied.get("wasm_threads") is True and isa == "pulley":
        raise WasmtimeError("Config.wasm_threads: the threads proposal is not supported on Pulley")
    stack = applied.get("max_wasm_stack")
    if stack == 0:
        raise WasmtimeError("Config.max_wasm_stack cannot be zero")
    async_stack = applied.get("async_stack_size")
    if isinstance(async_stack, int):
        wasm_stack = stack if isinstance(stack, int) else 512 << 10
        if async_stack < wasm_stack + _ASYNC_HOST_HEADROOM:
            raise WasmtimeError(
                f"Config.async_stack_size ({async_stack}) must be at least max_wasm_stack "
                f"({wasm_stack}) + {_ASYNC_HOST_HEADROOM >> 10} KiB: host functions run on the "
                f"same stack, after wasm")
    elif isinstance(stack, int) and stack > _ASYNC_STACK_SIZE:
        raise WasmtimeError(f"Config.max_wasm_stack ({stack}) cannot exceed Wasmtime's "
                            f"async_stack_size ({_ASYNC_STACK_SIZE})")
    _check_flags(config, isa)
    unwind = applied.get("native_unwind_info")
    given = _flag_value(config, "unwind_info")
    if unwind is not None and given is not None and given != str(unwind).lower():
        raise WasmtimeError("Config.native_unwind_info and cranelift_flag_set('unwind_info', "
                            f"{given!r}) disagree")
    if system == "win32" and (unwind is False or given not in (None, "true")):
        raise WasmtimeError("Config.native_unwind_info cannot be disabled for Windows")
    if applied.get("signals_based_traps") is False:
        for name in ("enable_heap_access_spectre_mitigation", "enable_table_access_spectre_mitigation"):
            # These bounds checks rely on a signal handler. Wasmtime aborts unless a set
            # value is exactly "false" (it compares strings), and does not check enabling.
            if _flag_value(config, name) not in (None, "false") or name in config._flags_enabled:
                raise WasmtimeError(f"Config.signals_based_traps = False needs the Cranelift "
                                    f"setting {name} left unset or set to 'false'")
    model = _flag_value(config, "stack_switch_model")
    if applied.get("wasm_stack_switching") is True and model not in (None, "basic"):
        raise WasmtimeError(f"cranelift_flag_set('stack_switch_model', {model!r}): it must be "
                            f"'basic' with Config.wasm_stack_switching")
    _check_profiler(config)
    strategy = applied.get("allocation_strategy")
    if isinstance(strategy, PoolingAllocationConfig):
        _check_pooling(config, strategy, isa)
    # The two defaults (see the module's docstring).
    if applied.get("wasm_simd") is False:
        if applied.get("wasm_relaxed_simd") is True:
            raise WasmtimeError("Config.wasm_relaxed_simd = True needs Config.wasm_simd")
        lib.wasmtime_config_wasm_relaxed_simd_set(config.ptr(), False)
    if applied.get("wasm_reference_types") is False:
        lib.wasmtime_config_wasm_component_model_async_set(config.ptr(), False)
