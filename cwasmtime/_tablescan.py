"""Finds a table whose limits reach 2**32 in a wasm binary (a ``table64`` may have them).

Wasmtime 50's C API has only 32-bit table limits: ``wasm_tabletype_limits`` aborts the
process on larger ones, and no call tells a 64-bit table apart beforehand. So cwasmtime
refuses such modules when they are compiled (``Module``, ``Module.validate``), reading
the import and table sections here; a module that compiled may then have its types
listed safely. The binary has been validated by Wasmtime first: what this reader does
not know (a newer encoding) ends the scan without a finding."""
from __future__ import annotations

from typing import Optional

__all__ = ["huge_table"]

_LIMIT = 1 << 32
_IMPORT_SECTION, _TABLE_SECTION = 2, 4


class _Unknown(Exception):
    """An encoding this reader does not know."""


class _Reader:
    def __init__(self, data: bytes, pos: int, end: int) -> None:
        self.data, self.pos, self.end = data, pos, end

    def byte(self) -> int:
        if self.pos >= self.end:
            raise _Unknown
        b = self.data[self.pos]
        self.pos += 1
        return b

    def uleb(self) -> int:
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return result

    sleb = uleb  # only skipped: its value is never used

    def skip(self, n: int) -> None:
        if self.pos + n > self.end:
            raise _Unknown
        self.pos += n

    def name(self) -> None:
        self.skip(self.uleb())

    def valtype(self) -> None:
        if self.byte() in (0x63, 0x64):  # (ref null? heaptype)
            self.sleb()

    def limits(self) -> tuple[int, Optional[int]]:
        flags = self.byte()
        if flags & ~0x0F:
            raise _Unknown
        minimum = self.uleb()
        maximum = self.uleb() if flags & 1 else None
        if flags & 8:  # custom page size (memories)
            self.uleb()
        return minimum, maximum

    def const_expr(self) -> None:
        while True:
            op = self.byte()
            if op == 0x0B:  # end
                return
            if op in (0x41, 0x42, 0x23, 0xD2, 0xD0):  # i32/i64.const, global.get, ref.func, ref.null
                self.sleb()
            elif op == 0x43:
                self.skip(4)
            elif op == 0x44:
                self.skip(8)
            elif op in (0x6A, 0x6B, 0x6C, 0x7C, 0x7D, 0x7E):  # extended-const arithmetic
                pass
            elif op == 0xFD and self.uleb() == 12:  # v128.const
                self.skip(16)
            elif op == 0xFB:  # GC constant instructions
                sub = self.uleb()
                if sub in (0, 1, 6, 7):  # struct.new(_default), array.new(_default)
                    self.uleb()
                elif sub == 8:  # array.new_fixed
                    self.uleb()
                    self.uleb()
                elif sub not in (26, 27, 28):  # any.convert_extern, extern.convert_any, ref.i31
                    raise _Unknown
            else:
                raise _Unknown


def _table_limits(r: _Reader) -> Optional[str]:
    minimum, maximum = r.limits()
    if minimum >= _LIMIT or (maximum is not None and maximum >= _LIMIT):
        return f"min={minimum}, max={maximum}"
    return None


def _scan_imports(r: _Reader) -> Optional[str]:
    for _ in range(r.uleb()):
        r.name()
        r.name()
        kind = r.byte()
        if kind == 0x00:  # func
            r.uleb()
        elif kind == 0x01:  # table
            r.valtype()
            found = _table_limits(r)
            if found:
                return found
        elif kind == 0x02:  # memory
            r.limits()
        elif kind == 0x03:  # global
            r.valtype()
            r.byte()
        elif kind == 0x04:  # tag
            r.byte()
            r.uleb()
        else:
            raise _Unknown
    return None


def _scan_tables(r: _Reader) -> Optional[str]:
    for _ in range(r.uleb()):
        with_init = r.data[r.pos:r.pos + 2] == b"\x40\x00"  # a table with an initializer
        if with_init:
            r.skip(2)
        r.valtype()
        found = _table_limits(r)
        if found:
            return found
        if with_init:
            r.const_expr()
    return None


def huge_table(binary: bytes) -> Optional[str]:
    """The limits (as text) of the first table in ``binary`` (a validated module) with a
    minimum or maximum of 2**32 or more, or None."""
    r = _Reader(binary, 8, len(binary))
    try:
        while r.pos < r.end:
            section = r.byte()
            size = r.uleb()
            body = _Reader(binary, r.pos, r.pos + size)
            r.skip(size)
            if section == _IMPORT_SECTION:
                found = _scan_imports(body)
            elif section == _TABLE_SECTION:
                found = _scan_tables(body)
            else:
                continue
            if found:
                return found
    except _Unknown:
        pass
    return None
