"""``Engine``: the compilation environment (shared by modules and stores)."""
from __future__ import annotations

from typing import Any, Optional

from ._capi import lib
from ._config import Config
from ._config_check import check_config
from ._managed import Managed

__all__ = ["Engine"]

# Bound and parsed once at import (see the note on ffi's lock in _capi).
_engine_delete = lib.wasm_engine_delete


class Engine(Managed[Any]):
    """Compiles and runs wasm; created from a ``Config`` (which it consumes) or defaults."""

    def __init__(self, config: Optional[Config] = None) -> None:
        if config is None:
            config = Config()
        elif not isinstance(config, Config):
            raise TypeError("expected Config")
        stay_put = config._linear_memories_stay_put()
        check_config(config)  # Wasmtime aborts the process on an invalid config
        self._set_ptr(lib.wasm_engine_new_with_config(config._consume()))
        # Whether 32-bit memories keep their address when they grow (Memory.view needs it).
        self._memories_stay_put = stay_put

    def _delete(self, ptr: Any) -> None:
        _engine_delete(ptr)

    def increment_epoch(self) -> None:
        """Advance the epoch counter used by ``Store.set_epoch_deadline``."""
        lib.wasmtime_engine_increment_epoch(self.ptr())

    def is_pulley(self) -> bool:
        """Whether this engine runs code on the Pulley interpreter instead of natively."""
        return bool(lib.wasmtime_engine_is_pulley(self.ptr()))
