"""``WasiConfig``: the WASI (preview1) context a Store gets from ``Store.set_wasi``."""
from __future__ import annotations

import errno
import itertools
import os
import sys
import weakref
from typing import Any, Callable, Dict, Iterable, List, Sequence, Union

from cmabi._errors import refuse_copy

from . import _native
from ._capi import ffi, lib
from ._cstrings import c_path, c_string
from ._error import WasmtimeError
from ._managed import Managed

__all__ = ["WasiConfig"]

CustomOutput = Callable[[bytes], Union[int, None]]
PathArg = Union[str, bytes, "os.PathLike[Any]"]


class _Output:
    """A stdout_custom/stderr_custom callback. Its WasiConfig keeps it, then the Store
    that takes the config's context does (where the GC sees it: a callback that refers
    to its Store makes a cycle the GC can collect). Wasmtime, whose threads call it,
    finds it by handle in _OUTPUTS, weakly."""

    __slots__ = ("callback", "__weakref__")
    __reduce__ = refuse_copy

    def __init__(self, callback: CustomOutput) -> None:
        self.callback = callback


# Handle (the C side's `data`) -> its _Output, until Wasmtime's finalizer says the
# config or store no longer needs it.
_OUTPUTS: Dict[int, "weakref.ref[_Output]"] = {}
_HANDLES = itertools.count(1)


def _write(handle: int, data: bytes) -> int:
    """A guest wrote ``data`` (on one of Wasmtime's threads, with the GIL)."""
    try:
        ref = _OUTPUTS.get(handle)
        output = None if ref is None else ref()
        size = len(data)
        if output is None:  # its Store is gone (and with it, whoever reads this)
            return size
        written = output.callback(data)
        if written is None:
            return size
        written = int(written)
        # Anything else aborts the process: Wasmtime advances its buffer by a count over
        # `size`, and turns a negative one into an errno, which must be 1 to 4095.
        if not -4095 <= written <= size:
            raise ValueError(f"the callback returned {written} for {size} bytes: it must return "
                             f"the number of bytes consumed (0 to {size}), a negative errno, or None")
        return written
    except BaseException as exc:  # never let an exception unwind into Wasmtime
        try:
            print(f"cwasmtime: WASI custom output callback failed: {exc!r}", file=sys.stderr)
        except BaseException:
            pass
        return -errno.EIO


def _release(handle: int) -> None:
    _OUTPUTS.pop(handle, None)


# Native trampolines: they stop calling into Python once it exits (see _foreign.pxi).
_write_cb, _release_cb = (ffi.cast(c_type, address) for c_type, address in zip(
    ("wasi_write_callback_t", "wasmtime_finalizer_t"), _native.wasi_output_callbacks(_write, _release)))


def _c_strings(strings: Sequence[str]) -> List[Any]:
    return [ffi.new("char[]", c_string(s)) for s in strings]


class WasiConfig(Managed[Any]):
    """Arguments, environment, stdio and preopened directories for a WASI program.
    Most settings are write-only properties; ``Store.set_wasi`` consumes the config."""

    def __init__(self) -> None:
        self._set_ptr(lib.wasi_config_new())
        self._outputs: List[_Output] = []  # its custom output callbacks (see _Output)

    def _delete(self, ptr: Any) -> None:
        lib.wasi_config_delete(ptr)

    def _set_argv(self, argv: List[str]) -> None:
        args = _c_strings(argv)
        if not lib.wasi_config_set_argv(self.ptr(), len(args), ffi.new("char *[]", args)):
            raise WasmtimeError("failed to configure argv")

    argv = property(fset=_set_argv, doc="The program's arguments (list of str). Write-only.")

    def inherit_argv(self) -> None:
        """Use this process's arguments."""
        lib.wasi_config_inherit_argv(self.ptr())

    def _set_env(self, pairs: Iterable[Iterable[str]]) -> None:
        names: List[str] = []
        values: List[str] = []
        for name, value in pairs:
            names.append(name)
            values.append(value)
        c_names = _c_strings(names)
        c_values = _c_strings(values)
        if not lib.wasi_config_set_env(self.ptr(), len(names), ffi.new("char *[]", c_names),
                                       ffi.new("char *[]", c_values)):
            raise WasmtimeError("failed to configure environment")

    env = property(fset=_set_env,
                   doc="Environment variables as (name, value) pairs. Write-only.")

    def inherit_env(self) -> None:
        """Use this process's environment variables."""
        lib.wasi_config_inherit_env(self.ptr())

    def _set_stdin_file(self, path: PathArg) -> None:
        if not lib.wasi_config_set_stdin_file(self.ptr(), c_path(path)):
            raise WasmtimeError("failed to set stdin file")

    stdin_file = property(fset=_set_stdin_file,
                          doc="Read stdin from this existing file. Write-only.")

    def inherit_stdin(self) -> None:
        """Read stdin from this process's stdin."""
        lib.wasi_config_inherit_stdin(self.ptr())

    def _set_stdout_file(self, path: PathArg) -> None:
        if not lib.wasi_config_set_stdout_file(self.ptr(), c_path(path)):
            raise WasmtimeError("failed to set stdout file")

    stdout_file = property(fset=_set_stdout_file,
                           doc="Write stdout to this file (created or truncated). Write-only.")

    def _set_stdout_custom(self, callback: CustomOutput) -> None:
        lib.wasi_config_set_stdout_custom(self.ptr(), _write_cb, self._register(callback), _release_cb)

    stdout_custom = property(
        fset=_set_stdout_custom,
        doc="Call ``callback(data: bytes)`` for each write to stdout; it returns the "
            "number of bytes consumed, or None for all. Write-only.")

    def inherit_stdout(self) -> None:
        """Write stdout to this process's stdout."""
        lib.wasi_config_inherit_stdout(self.ptr())

    def _set_stderr_file(self, path: PathArg) -> None:
        if not lib.wasi_config_set_stderr_file(self.ptr(), c_path(path)):
            raise WasmtimeError("failed to set stderr file")

    stderr_file = property(fset=_set_stderr_file,
                           doc="Write stderr to this file (created or truncated). Write-only.")

    def _set_stderr_custom(self, callback: CustomOutput) -> None:
        lib.wasi_config_set_stderr_custom(self.ptr(), _write_cb, self._register(callback), _release_cb)

    stderr_custom = property(
        fset=_set_stderr_custom,
        doc="Like ``stdout_custom``, for stderr. Write-only.")

    def inherit_stderr(self) -> None:
        """Write stderr to this process's stderr."""
        lib.wasi_config_inherit_stderr(self.ptr())

    def preopen_dir(self, path: str, guest_path: str, fs_mutable: bool = True) -> None:
        """Give the program the host directory ``path`` as ``guest_path``; read-only
        unless ``fs_mutable``."""
        if not lib.wasi_config_preopen_dir(self.ptr(), c_path(path), c_string(guest_path),
                                           bool(fs_mutable)):
            raise WasmtimeError("failed to add preopen dir")


    def _register(self, callback: CustomOutput) -> Any:
        """The C ``data`` for a new custom output calling ``callback``."""
        output = _Output(callback)
        self._outputs.append(output)
        handle = next(_HANDLES)
        _OUTPUTS[handle] = weakref.ref(output)
        return ffi.cast("void *", handle)


# Wasmtime writes (preview 1) custom output from its I/O runtime's threads, started by
# the first WASI call of a process. os.fork() copies none of them: in a child of a
# process that used WASI (conservatively: gave a Store a WASI context), a guest's
# write to custom output would wait for them forever.
_wasi_used = False
_io_threads_lost = False


def _after_fork_in_child() -> None:
    global _io_threads_lost
    _io_threads_lost = _wasi_used


os.register_at_fork(after_in_child=_after_fork_in_child)


def take_outputs(wasi: WasiConfig) -> List[_Output]:
    """The custom outputs of ``wasi``, for the Store about to take its context (which
    keeps them from then on); refused where they could not work (after a fork)."""
    global _wasi_used
    outputs = wasi._outputs
    if outputs and _io_threads_lost:
        raise WasmtimeError(
            "custom WASI output (stdout_custom, stderr_custom) cannot be used in a process "
            "forked from one that used WASI: Wasmtime's I/O threads do not survive os.fork(); "
            "use a file, or inherit stdout/stderr")
    _wasi_used = True
    wasi._outputs = []
    return outputs


WASI_MODULES = ("wasi_snapshot_preview1", "wasi_unstable")


def require_wasi_context(store: Any, module: Any) -> None:
    """Refuse to instantiate a module importing WASI into a Store without a WASI
    context: Wasmtime would abort the whole process at the first WASI call."""
    if store._has_wasi:
        return
    if any(imp.module in WASI_MODULES for imp in module.imports):
        raise WasmtimeError(
            "this module imports WASI but the Store has no WASI context; "
            "call store.set_wasi(WasiConfig()) before instantiating it")
