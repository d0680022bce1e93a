"""``Engine``: the compilation environment (shared by modules and stores)."""
from __future__ import annotations

import contextlib
import os
from typing import Any, Iterator, Optional

from ._capi import lib
from ._config import Config
from ._config_check import check_config
from ._error import WasmtimeError
from ._managed import Managed, lent

__all__ = ["Engine"]

# Bound and parsed once at import (see the note on ffi's lock in _capi).
_engine_delete = lib.wasm_engine_delete

# Wasmtime compiles in parallel on one thread pool per process, started by the first
# parallel compilation. os.fork() copies none of its threads: a child compiling in
# parallel would wait for them forever. So in a child of a process that compiled in
# parallel, new engines compile serially, and engines from before the fork that
# would compile in parallel refuse to compile.
_compiled_in_parallel = False
_compile_threads_lost = False

_DEFAULT_MAX_WASM_STACK = 512 * 1024  # Wasmtime's


def _after_fork_in_child() -> None:
    global _compile_threads_lost
    _compile_threads_lost = _compiled_in_parallel


os.register_at_fork(after_in_child=_after_fork_in_child)


class Engine(Managed[Any]):
    """Compiles and runs wasm; created from a ``Config`` (which it consumes) or defaults."""

    def __init__(self, config: Optional[Config] = None) -> None:
        if config is None:
            config = Config()
        elif not isinstance(config, Config):
            raise TypeError("expected Config")
        # The settings as made (what pickles), before any made here for this process.
        self._settings = config._record()
        if _compile_threads_lost:
            config.parallel_compilation = False
        stay_put = config._linear_memories_stay_put()
        check_config(config)  # Wasmtime aborts the process on an invalid config
        self._parallel = config._applied.get("parallel_compilation", True)
        self._max_wasm_stack = config._applied.get("max_wasm_stack", _DEFAULT_MAX_WASM_STACK)
        self._epoch_interruption = config._applied.get("epoch_interruption", False)
        self._set_ptr(lib.wasm_engine_new_with_config(config._consume()))
        # Whether 32-bit memories keep their address when they grow (Memory.view needs it).
        self._memories_stay_put = stay_put

    def _delete(self, ptr: Any) -> None:
        _engine_delete(ptr)

    def __reduce__(self) -> Any:
        """Pickles as its settings; unpickled, the process's shared Engine for them (see
        _pickling)."""
        from ._pickling import reduce_engine
        return reduce_engine(self)

    def __copy__(self) -> "Engine":
        return self  # a handle to share: its copies are itself

    def __deepcopy__(self, memo: Any) -> "Engine":
        return self

    def increment_epoch(self) -> None:
        """Advance the epoch counter used by ``Store.set_epoch_deadline``."""
        with lent(self) as ptr:
            lib.wasmtime_engine_increment_epoch(ptr)

    def is_pulley(self) -> bool:
        """Whether this engine runs code on the Pulley interpreter instead of natively."""
        with lent(self) as ptr:
            return bool(lib.wasmtime_engine_is_pulley(ptr))


@contextlib.contextmanager
def compiling(engine: Engine) -> Iterator[Any]:
    """``engine``'s pointer for a compilation or validation (``close()`` raises
    meanwhile), refused where it would hang (see _compile_threads_lost)."""
    global _compiled_in_parallel
    with lent(engine) as ptr:
        if engine._parallel:
            if _compile_threads_lost:
                raise WasmtimeError(
                    "this Engine compiles in parallel, and this process was forked from one "
                    "that compiled in parallel: Wasmtime's compile threads do not survive "
                    "os.fork(). Create a new Engine in this process (it compiles serially), "
                    "or compile before forking")
            _compiled_in_parallel = True
        yield ptr
