"""Struct/union layouts of include/cwasmtime.h against the real Wasmtime v50 layouts.

Three views must agree for every struct/union type the header declares:
  - the reference: tests/data/wasmtime-50-layout.json (Wasmtime v50, linux x86_64),
  - CFFI's, from the header as cwasmtime._capi loads it,
  - the C compiler's, from include/cwasmtime_layout.h via cwasmtime._native.c_layout_table().

Naming follows the reference: members of anonymous inner structs/unions are
"_anon_N.member" and the anonymous member itself "_anon_N"; the reference spells
members that are Python keywords with a trailing underscore ("global_").
"""
from __future__ import annotations

import json
import keyword
import subprocess
import sys

import pytest
import repo

ROOT = repo.ROOT
SCRIPT = ROOT / "scripts" / "gen_layout_table.py"
REFERENCE = json.loads((ROOT / "tests" / "data" / "wasmtime-50-layout.json").read_text())


def _load_generator():
    """scripts/gen_layout_table.py, imported by path (scripts/ is not a package)."""
    return repo.load("scripts/gen_layout_table.py")


gen = _load_generator()
# Enumerated from the header (CFFI list_types(), cross-checked against a pycparser walk
# that also sees anonymous members); building this FFI does not load the library.
_, RECORDS = gen.checked_records(gen.cdef_source())
RECORDS_BY_NAME = {rec.name: rec for rec in RECORDS}


def ref_name(member: str) -> str:
    return ".".join(p + "_" if keyword.iskeyword(p) else p for p in member.split("."))


def reference_for(name: str) -> dict:
    if name in REFERENCE and name != "_meta":
        return REFERENCE[name]
    aliases = [v for k, v in REFERENCE.items() if k != "_meta" and v.get("alias_of") == name]
    if aliases:
        return aliases[0]
    pytest.fail(f"{name} is declared in cwasmtime.h but has no layout in the v50 reference")


def first_leaf_after(rec, member) -> str:
    """C designator of the first addressable member inside an anonymous member."""
    members = rec.members
    for m in members[members.index(member) + 1:]:
        if m.designator is not None and m.name.startswith(member.name + "."):
            return m.designator
    raise AssertionError(f"{rec.name}.{member.name} has no addressable member")


@pytest.fixture(scope="module")
def ffi():
    from cwasmtime._capi import ffi as capi_ffi
    return capi_ffi


@pytest.fixture(scope="module")
def c_table():
    from cwasmtime import _native
    table: dict[str, dict[str, tuple[int, int, int]]] = {}
    for type_name, field_name, size, align, offset in _native.c_layout_table():
        fields = table.setdefault(type_name, {})
        assert field_name not in fields, f"duplicate row {type_name}.{field_name}"
        fields[field_name] = (size, align, offset)
    return table


def test_header_declares_records():
    names = set(RECORDS_BY_NAME)
    assert {"wasmtime_val_t", "wasmtime_extern_t", "wasmtime_val_raw_t", "wasm_byte_vec_t",
            "wasmtime_memory_t", "wasm_val_t"} <= names
    assert len(names) == len(RECORDS)


@pytest.mark.parametrize("name", sorted(RECORDS_BY_NAME))
def test_cffi_layout(ffi, name):
    rec = RECORDS_BY_NAME[name]
    ref = reference_for(name)
    assert ref["kind"] == rec.kind
    assert ffi.sizeof(rec.cexpr) == ref["size"], "size"
    assert ffi.alignof(rec.cexpr) == ref["align"], "alignment"
    assert {ref_name(m.name) for m in rec.members} == set(ref["fields"]), "field set"
    for m in rec.members:
        designator = m.designator or first_leaf_after(rec, m)
        assert ffi.offsetof(rec.cexpr, designator) == ref["fields"][ref_name(m.name)], m.name


def test_c_table_covers_exactly_the_declared_records(c_table):
    assert set(c_table) == set(RECORDS_BY_NAME)


@pytest.mark.parametrize("name", sorted(RECORDS_BY_NAME))
def test_c_layout(c_table, ffi, name):
    rec = RECORDS_BY_NAME[name]
    ref = reference_for(name)
    rows = c_table[name]
    size, align, offset = rows[""]
    assert (size, align, offset) == (ref["size"], ref["align"], 0), "size/alignment"
    # Anonymous members have no C name, so only their members have rows.
    expected = {ref_name(m.name) for m in rec.leaves}
    assert expected == {k for k in ref["fields"] if not k.rsplit(".", 1)[-1].startswith("_anon_")}
    assert {ref_name(f) for f in rows if f} == expected, "field set"
    cffi_fields = dict(ffi.typeof(rec.cexpr).fields)
    for m in rec.leaves:
        size, align, offset = rows[m.name]
        assert offset == ref["fields"][ref_name(m.name)], f"{m.name} offset"
        ftype = cffi_fields[m.designator].type
        assert (size, align) == (ffi.sizeof(ftype), ffi.alignof(ftype)), f"{m.name} size/alignment vs CFFI"


def test_layout_table_up_to_date():
    proc = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
