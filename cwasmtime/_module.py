"""``Module``: a compiled wasm module (compile, validate, (de)serialize, inspect)."""
from __future__ import annotations

import os
from typing import Any, List, Union

from ._capi import ffi, lib
from ._cstrings import c_path
from ._engine import Engine, compiling
from ._error import WasmtimeError, read_byte_vec
from ._managed import Managed, lent
from ._repr import listing
from ._tablescan import huge_table
from ._trap import check
from ._types import ExportType, ImportType
from ._wat2wasm import _to_wasm

__all__ = ["Module"]

# Bound and parsed once at import (see the note on ffi's lock in _capi).
_module_delete = lib.wasmtime_module_delete
_MODULE_PP = ffi.typeof("wasmtime_module_t **")
_BYTE_VEC_P = ffi.typeof("wasm_byte_vec_t *")
_IMPORTS_P = ffi.typeof("wasm_importtype_vec_t *")
_EXPORTS_P = ffi.typeof("wasm_exporttype_vec_t *")
_UINT8_ARRAY = ffi.typeof("uint8_t[]")


def _bytes_arg(data: Union[bytes, bytearray]) -> Any:
    """A ``uint8_t[]`` view of ``data`` for the duration of a C call (no copy)."""
    return ffi.from_buffer(_UINT8_ARRAY, data)


def _refuse_huge_tables(binary: bytes) -> None:
    limits = huge_table(binary)
    if limits is not None:
        raise WasmtimeError(
            f"this module has a table with 2**32 or more elements ({limits}): Wasmtime's C API "
            f"cannot describe such a table without aborting the process, so cwasmtime refuses it")


class CompiledCode(Managed[Any]):
    """Code compiled for an Engine (a Module or Component). It never changes, so a copy
    is the object itself; it pickles as its AOT-compiled bytes and its Engine's
    settings, and unpickles onto the process's shared Engine for them, without
    compiling (see _pickling)."""

    _engine: Engine  # the Engine it was compiled for

    def __reduce__(self) -> Any:
        from ._pickling import reduce_compiled
        return reduce_compiled(self)

    def __copy__(self) -> Any:
        return self

    def __deepcopy__(self, memo: Any) -> Any:
        return self


class Module(CompiledCode):
    """A wasm module compiled for an ``Engine``; instantiate it with ``Instance``/``Linker``.

    ``wasm`` is the binary module, or the text format as ``str`` (or ``bytes`` not
    starting with a NUL byte)."""

    def __init__(self, engine: Engine, wasm: Union[str, bytes, bytearray]) -> None:
        if not isinstance(engine, Engine):
            raise TypeError("expected an Engine")
        binary = bytes(_to_wasm(wasm))  # a snapshot: a bytearray could change meanwhile
        out = ffi.new(_MODULE_PP)
        with compiling(engine) as engine_ptr:
            check(lib.wasmtime_module_new(engine_ptr, binary, len(binary), out))
        try:
            _refuse_huge_tables(binary)
        except WasmtimeError:
            _module_delete(out[0])
            raise
        self._set_ptr(out[0])
        self._engine = engine

    def _delete(self, ptr: Any) -> None:
        _module_delete(ptr)

    @classmethod
    def _from_ptr(cls, ptr: Any, engine: Engine) -> "Module":
        """Take ownership of a ``wasmtime_module_t*`` compiled for ``engine``."""
        module: Module = cls.__new__(cls)
        module._set_ptr(ptr)
        module._engine = engine
        return module

    @classmethod
    def from_file(cls, engine: Engine, path: Union[str, bytes, os.PathLike[Any]]) -> "Module":
        """Compile the module (binary or text) stored in the file at ``path``."""
        with open(path, "rb") as f:
            contents = f.read()
        return cls(engine, contents)

    @classmethod
    def validate(cls, engine: Engine, wasm: Union[bytes, bytearray]) -> None:
        """Raise WasmtimeError unless ``wasm`` is a valid binary module for ``engine``."""
        if not isinstance(wasm, (bytes, bytearray)):
            raise TypeError("expected wasm bytes")
        binary = bytes(wasm)
        with compiling(engine) as engine_ptr:
            check(lib.wasmtime_module_validate(engine_ptr, binary, len(binary)))
        _refuse_huge_tables(binary)

    @classmethod
    def deserialize(cls, engine: Engine, encoded: Union[bytes, bytearray]) -> "Module":
        """Load a module from bytes made by ``Module.serialize`` with the same Wasmtime
        version and engine configuration."""
        if not isinstance(encoded, (bytes, bytearray)):
            raise TypeError("expected bytes")
        out = ffi.new(_MODULE_PP)
        with lent(engine) as engine_ptr:
            check(lib.wasmtime_module_deserialize(engine_ptr, _bytes_arg(encoded), len(encoded), out))
        return cls._from_ptr(out[0], engine)

    @classmethod
    def deserialize_file(cls, engine: Engine, path: Union[str, os.PathLike[str]]) -> "Module":
        """Like ``deserialize``, reading (memory-mapping) the file at ``path``."""
        out = ffi.new(_MODULE_PP)
        path_c = c_path(path)
        with lent(engine) as engine_ptr:
            check(lib.wasmtime_module_deserialize_file(engine_ptr, path_c, out))
        return cls._from_ptr(out[0], engine)

    @property
    def imports(self) -> List[ImportType]:
        """The module's imports, in order."""
        vec = ffi.new(_IMPORTS_P)
        lib.wasmtime_module_imports(self.ptr(), vec)
        try:
            return [ImportType._from_ptr(lib.wasm_importtype_copy(vec.data[i]), None)
                    for i in range(vec.size)]
        finally:
            lib.wasm_importtype_vec_delete(vec)

    @property
    def exports(self) -> List[ExportType]:
        """The module's exports, in order."""
        vec = ffi.new(_EXPORTS_P)
        lib.wasmtime_module_exports(self.ptr(), vec)
        try:
            return [ExportType._from_ptr(lib.wasm_exporttype_copy(vec.data[i]), None)
                    for i in range(vec.size)]
        finally:
            lib.wasm_exporttype_vec_delete(vec)

    def _repr(self) -> str:
        return f"<Module {self._contents()}>"

    def _contents(self) -> str:
        imports, exports = self.imports, self.exports
        return (f"imports {listing((i._entry() for i in imports), len(imports))}, "
                f"exports {listing((e._entry() for e in exports), len(exports))}")

    def serialize(self) -> bytearray:
        """The compiled module as bytes, for ``Module.deserialize``."""
        vec = ffi.new(_BYTE_VEC_P)
        check(lib.wasmtime_module_serialize(self.ptr(), vec))
        try:
            return read_byte_vec(vec)
        finally:
            lib.wasm_byte_vec_delete(vec)
