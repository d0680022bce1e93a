"""Pickling compiled code: a Module or Component travels as its AOT-compiled bytes plus
the settings of its Engine, an Engine or Config as those settings alone.

Unpickling loads compiled code onto this process's shared Engine for its settings: one
per distinct settings, made on first use and reused (so everything unpickled with the
same settings can be used together). Pickling an Engine (or code compiled for it) makes
it that shared Engine unless the process has one already.

Trust: deserializing AOT bytes runs them as machine code, unchecked. Only bytes made by
this pickling (or given to ``Module.deserialize`` explicitly) are ever deserialized; as
for any pickle, never unpickle data you do not trust.

Imported only when something is pickled or unpickled: ``import cwasmtime`` stays free of
the pickle machinery."""
from __future__ import annotations

import os
import pickle
import threading
from typing import Any, Dict, Tuple

from ._config import Config, RawSettings, _WriteOnly
from ._engine import Engine
from ._error import WasmtimeError
from ._library import WASMTIME_VERSION
from ._module import Module
from ._pooling import PoolingAllocationConfig
from ._version import __version__

__all__ = ["CompiledCodeMismatch"]

# An Engine's settings as plain, hashable data: the Config's write-only settings by
# name (a pool as ("pooling", its settings)), then the Cranelift flags enabled and set.
# Sorted: Wasmtime applies settings by kind, not in the order they were made.
Settings = Tuple[Tuple[Tuple[str, Any], ...], Tuple[str, ...], Tuple[Tuple[str, str], ...]]

_PLAIN = (bool, int, str)


class CompiledCodeMismatch(WasmtimeError, pickle.UnpicklingError):
    """A pickled Module, Component, Engine or Config cannot be loaded in this process:
    the code was made by another Wasmtime or cwasmtime version, or the Engine settings
    cannot be recreated here or do not match the code."""


def settings_of(record: RawSettings, what: str) -> Settings:
    """The settings ``Config._record()`` made, as plain data; TypeError (naming ``what``
    is pickled) for settings that would not mean the same in another process."""
    applied, enabled, flags_set = record
    recorded = []
    for name, value in applied.items():
        if name == "cache" and isinstance(value, str):
            raise TypeError(
                f"cannot pickle {what}: its Config loads the "
                f"cache configuration file {value!r}, which another process or machine may "
                f"not have; use Config.cache = True, or no cache, to pickle it")
        if isinstance(value, PoolingAllocationConfig):
            value = ("pooling", tuple(sorted(value._settings.items())))
        elif not isinstance(value, _PLAIN):
            raise TypeError(f"cannot pickle {what}: its Config setting {name} is a "
                            f"{type(value).__name__}")
        recorded.append((name, value))
    return tuple(sorted(recorded)), tuple(sorted(enabled)), tuple(sorted(flags_set.items()))


def config_from(settings: Settings) -> Config:
    """A new Config with ``settings`` (as ``settings_of`` records them)."""
    try:
        applied, enabled, flags_set = settings
        config = Config()
        for name, value in applied:
            if not isinstance(getattr(Config, name, None), _WriteOnly):
                raise ValueError(f"unknown Config setting {name!r}")
            if isinstance(value, tuple) and value[:1] == ("pooling",):
                value = PoolingAllocationConfig(**dict(value[1]))
            setattr(config, name, value)
        for flag in enabled:
            config.cranelift_flag_enable(flag)
        for key, flag_value in flags_set:
            config.cranelift_flag_set(key, flag_value)
    except (TypeError, ValueError, WasmtimeError) as error:
        raise CompiledCodeMismatch(
            f"these pickled Engine settings cannot be recreated here: {error}") from None
    return config


# ---- this process's shared Engines ----------------------------------------------------

_engines: Dict[Settings, Engine] = {}
_engines_lock = threading.Lock()


def _after_fork_in_child() -> None:
    # The lock may have been held by a thread the child does not have.
    global _engines_lock
    _engines_lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def shared_engine(settings: Settings) -> Engine:
    """This process's Engine for ``settings``: the one made (or adopted) before, unless
    it was closed since, else a new one."""
    try:
        hash(settings)
    except TypeError:
        raise CompiledCodeMismatch("not a pickle of cwasmtime Engine settings") from None
    with _engines_lock:
        engine = _engines.get(settings)
        if engine is None or not engine._is_open():
            config = config_from(settings)
            try:
                engine = Engine(config)
            except WasmtimeError as error:
                raise CompiledCodeMismatch(
                    f"an Engine with these pickled settings cannot be made here: {error}"
                ) from None
            _engines[settings] = engine
        return engine


def adopt(engine: Engine, what: str) -> Settings:
    """``engine``'s settings, making it the shared Engine for them if there is none."""
    settings = settings_of(engine._settings, what)
    with _engines_lock:
        known = _engines.get(settings)
        if known is None or not known._is_open():
            _engines[settings] = engine
    return settings


# ---- what pickles store, and how it is loaded -------------------------------------------

def _versions() -> Dict[str, str]:
    return {"wasmtime": WASMTIME_VERSION, "cwasmtime": __version__}


def reduce_engine(engine: Engine) -> Tuple[Any, ...]:
    engine.ptr()  # a closed Engine raises ValueError, as any use
    return load_engine, (adopt(engine, "this Engine"),)


def load_engine(settings: Settings) -> Engine:
    return shared_engine(settings)


def reduce_config(config: Config) -> Tuple[Any, ...]:
    config.ptr()  # a Config consumed by its Engine raises ValueError, as any use
    return load_config, (settings_of(config._record(), "this Config"),)


def load_config(settings: Settings) -> Config:
    return config_from(settings)


def reduce_compiled(code: Any) -> Tuple[Any, ...]:
    """How a Module or Component pickles: what it is, the versions that made it, its
    Engine's settings, its AOT bytes."""
    kind = type(code).__name__
    code.ptr()  # a closed (or never made) one raises ValueError, as any use
    settings = adopt(code._engine, f"this {kind} (its Engine)")
    return load_compiled, (kind, _versions(), settings, bytes(code.serialize()))


def _compiled_class(kind: str) -> Any:
    if kind == "Module":
        return Module
    if kind == "Component":
        from .component._component import Component  # (the component package: only if used)
        return Component
    raise CompiledCodeMismatch(f"not a pickle of cwasmtime compiled code: {kind!r}")


def load_compiled(kind: str, versions: Any, settings: Settings, data: bytes) -> Any:
    cls = _compiled_class(kind)
    if versions != _versions():
        made = versions if isinstance(versions, dict) else {}
        raise CompiledCodeMismatch(
            f"this pickled {kind} was compiled by Wasmtime {made.get('wasmtime', '?')} "
            f"(cwasmtime {made.get('cwasmtime', '?')}), this process runs Wasmtime "
            f"{WASMTIME_VERSION} (cwasmtime {__version__}): compile it again here")
    engine = shared_engine(settings)
    try:
        return cls.deserialize(engine, data)
    except WasmtimeError as error:
        raise CompiledCodeMismatch(
            f"this pickled {kind} cannot be loaded in this process: {error}") from None
