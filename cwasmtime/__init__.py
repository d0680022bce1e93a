"""cwasmtime: WebAssembly from Python at the speed of Wasmtime's C API.

A drop-in replacement for wasmtime-py 50.0.1 (``import cwasmtime as wasmtime``).

Names load on first use (PEP 562), so ``python -m cwasmtime fetch``/``info`` work on a
machine where libwasmtime is not available yet; the first API use loads the library
(downloading and caching it if needed, see ``cwasmtime._library``)."""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__ as __version__  # "as": an explicit re-export for mypy --strict

# Public name -> defining submodule.
_EXPORTS = {
    "Managed": "_managed",
    "WasmtimeError": "_error",
    "ExitTrap": "_error",
    "Config": "_config",
    "Engine": "_engine",
    "Store": "_native",
    "Storelike": "_storelike",
    "StoreContext": "_native",
    "FuncType": "_types",
    "GlobalType": "_types",
    "MemoryType": "_types",
    "TableType": "_types",
    "ValType": "_types",
    "Limits": "_types",
    "ImportType": "_types",
    "ExportType": "_types",
    "TagType": "_types",
    "wat2wasm": "_wat2wasm",
    "Module": "_module",
    "Val": "_native",
    "Trap": "_trap",
    "Frame": "_trap",
    "TrapCode": "_trap",
    "Func": "_native",
    "Caller": "_native",
    "Global": "_native",
    "Table": "_native",
    "Memory": "_native",
    "Instance": "_instance",
    "WasiConfig": "_wasi",
    "Linker": "_linker",
    "Tag": "_native",
    "InstancePre": "_instance_pre",
    "SharedMemory": "_sharedmemory",
    # Beyond wasmtime-py (so not in __all__).
    "PoolingAllocationConfig": "_pooling",
    "EpochTicker": "_epoch_ticker",
    "CompiledCodeMismatch": "_pickling",
    # Why libwasmtime could not be provided (not in wasmtime-py, so not in __all__).
    "LibraryError": "_library",
    "UnsupportedPlatformError": "_library",
    "WrongVersionError": "_library",
    "LibraryNotFoundError": "_library",
    "DownloadError": "_library",
    "OfflineError": "_library",
    "TruncatedDownloadError": "_library",
    "ChecksumError": "_library",
    "CacheDirError": "_library",
    "CacheDirWarning": "_library",
}

# Exactly wasmtime-py 50.0.1's __all__ (Managed and Storelike are importable but, as
# there, not part of `from wasmtime import *`).
__all__ = [
    "wat2wasm", "Config", "Engine", "Store", "FuncType", "GlobalType", "MemoryType",
    "TableType", "ValType", "Limits", "ImportType", "ExportType", "Val", "Func", "Caller",
    "Table", "Memory", "SharedMemory", "Global", "Trap", "TrapCode", "ExitTrap", "Frame",
    "Module", "Instance", "WasiConfig", "Linker", "WasmtimeError", "StoreContext",
    "TagType", "Tag", "InstancePre",
]


# Hidden from type checkers: a module-level __getattr__ would make every attribute,
# typos included, an `Any` to them; they see the re-exports below instead.
if not TYPE_CHECKING:
    def __getattr__(name: str) -> Any:
        module = _EXPORTS.get(name)
        if module is None:
            raise AttributeError(f"module 'cwasmtime' has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{module}", __name__), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(globals()) | set(_EXPORTS))


# For type checkers: ``X as X`` marks explicit re-exports (needed under mypy --strict for
# Managed and Storelike, which are not in __all__).
if TYPE_CHECKING:
    from ._config import Config as Config
    from ._engine import Engine as Engine
    from ._epoch_ticker import EpochTicker as EpochTicker
    from ._error import ExitTrap as ExitTrap, WasmtimeError as WasmtimeError
    from ._instance import Instance as Instance
    from ._instance_pre import InstancePre as InstancePre
    from ._library import (CacheDirError as CacheDirError, CacheDirWarning as CacheDirWarning,
                           ChecksumError as ChecksumError, DownloadError as DownloadError,
                           LibraryError as LibraryError,
                           LibraryNotFoundError as LibraryNotFoundError,
                           OfflineError as OfflineError,
                           TruncatedDownloadError as TruncatedDownloadError,
                           UnsupportedPlatformError as UnsupportedPlatformError,
                           WrongVersionError as WrongVersionError)
    from ._linker import Linker as Linker
    from ._managed import Managed as Managed
    from ._module import Module as Module
    from ._native import (Caller as Caller, Func as Func, Global as Global, Memory as Memory,
                          Store as Store, StoreContext as StoreContext, Table as Table, Tag as Tag,
                          Val as Val)
    from ._pickling import CompiledCodeMismatch as CompiledCodeMismatch
    from ._pooling import PoolingAllocationConfig as PoolingAllocationConfig
    from ._sharedmemory import SharedMemory as SharedMemory
    from ._storelike import Storelike as Storelike
    from ._trap import Frame as Frame, Trap as Trap, TrapCode as TrapCode
    from ._types import (ExportType as ExportType, FuncType as FuncType,
                         GlobalType as GlobalType, ImportType as ImportType,
                         Limits as Limits, MemoryType as MemoryType, TableType as TableType,
                         TagType as TagType, ValType as ValType)
    from ._wasi import WasiConfig as WasiConfig
    from ._wat2wasm import wat2wasm as wat2wasm
