#!/usr/bin/env python3
"""Generate include/cwasmtime_layout.h from include/cwasmtime.h.

The generated header holds one table row per struct/union type the header declares
(field "", with the type's size and alignment) and one row per field, with the
field's size, alignment and offset as the C compiler computes them.  The Cython
extension exposes it as ``cwasmtime._native.c_layout_table()`` so the tests can
compare gcc's view of our declarations with CFFI's and with the reference layout of
Wasmtime v50 (tests/data/wasmtime-50-layout.json).

Field naming follows the reference json: members reached through an anonymous
struct/union member are named ``_anon_N.member`` (N counts the anonymous members of
the enclosing record, from 1).  The anonymous member itself has no C name, so it
cannot be addressed by sizeof/offsetof and gets no row of its own.  Members keep
their C names (e.g. ``global``; the reference json spells Python keywords with a
trailing underscore, ``global_``).

Usage:
    python scripts/gen_layout_table.py            # (re)write include/cwasmtime_layout.h
    python scripts/gen_layout_table.py --check    # exit 1 if the file on disk is stale
"""
from __future__ import annotations

import argparse
import importlib.util
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import cffi
from pycparser import c_ast, c_parser

ROOT = Path(__file__).resolve().parent.parent
HEADER = ROOT / "include" / "cwasmtime.h"
OUTPUT = ROOT / "include" / "cwasmtime_layout.h"

# pycparser only needs to know these names are types; their definitions are irrelevant
# for the structure walk (sizes come from CFFI and gcc).
_BUILTIN_TYPES = (
    "bool", "size_t", "ptrdiff_t",
    "int8_t", "int16_t", "int32_t", "int64_t",
    "uint8_t", "uint16_t", "uint32_t", "uint64_t", "uintptr_t", "intptr_t",
)
_PRELUDE = "".join(f"typedef int {name};\n" for name in _BUILTIN_TYPES)
_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)


def _load_header_module():
    """cwasmtime/_header.py, loaded by path so the cwasmtime package is not imported."""
    path = ROOT / "cwasmtime" / "_header.py"
    spec = importlib.util.spec_from_file_location("_cwasmtime_header", path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def cdef_source(header: Path = HEADER) -> str:
    """The header as CFFI sees it (preprocessor lines blanked), via cwasmtime._header."""
    return _load_header_module().cdef_source(header)


def parse(source: str) -> c_ast.FileAST:
    """Parse cdef source (comments allowed) with pycparser."""
    text = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), source)
    return c_parser.CParser().parse(_PRELUDE + text, filename="cwasmtime.h")


@dataclass(frozen=True)
class Member:
    name: str                # reference-style name: "kind", "_anon_1.store_id", "_anon_1"
    designator: str | None   # how C reaches it from the record: "store_id"; None: anonymous member


@dataclass
class Record:
    name: str                # as the reference json keys it: "wasmtime_val_t", "wasmtime_val"
    cexpr: str               # how C spells the type: "wasmtime_val_t", "struct wasmtime_val"
    kind: str                # "struct" or "union"
    members: list[Member] = field(default_factory=list)

    @property
    def leaves(self) -> list[Member]:
        """Members C can address (everything but anonymous struct/union members)."""
        return [m for m in self.members if m.designator is not None]


def _walk(decls, prefix: str) -> list[Member]:
    out: list[Member] = []
    anon = 0
    for decl in decls:
        if decl.name is None:
            inner = decl.type
            if not isinstance(inner, (c_ast.Struct, c_ast.Union)) or inner.decls is None:
                raise ValueError(f"unsupported unnamed member {decl!r}")
            anon += 1
            label = f"{prefix}_anon_{anon}"
            out.append(Member(label, None))
            out.extend(_walk(inner.decls, label + "."))
        else:
            out.append(Member(prefix + decl.name, decl.name))
    return out


def _record_of(node) -> c_ast.Node | None:
    """The struct/union a declaration's type denotes, if any."""
    if isinstance(node, c_ast.TypeDecl) and isinstance(node.type, (c_ast.Struct, c_ast.Union)):
        return node.type
    return None


def records(source: str) -> list[Record]:
    """Every struct/union type with visible fields the source declares, under every
    name it has (struct tag and typedef names, including plain typedef aliases such as
    wasm_name_t), in declaration order."""
    ast = parse(source)
    bodies: dict[str, tuple[str, list[Member]]] = {}   # struct tag -> (kind, members)
    typedefs: dict[str, str] = {}                      # typedef name -> struct tag / typedef name
    order: list[tuple[str, str]] = []                  # (name, cexpr)

    def add(name: str, cexpr: str) -> None:
        if name not in (n for n, _ in order):
            order.append((name, cexpr))

    def body(rec: c_ast.Node, owner: str) -> str:
        kind = "union" if isinstance(rec, c_ast.Union) else "struct"
        tag = rec.name or f"<anonymous {kind} of {owner}>"
        if rec.decls is not None:
            bodies[tag] = (kind, _walk(rec.decls, ""))
            if rec.name:
                add(rec.name, f"{kind} {rec.name}")
        return tag

    for node in ast.ext:
        if isinstance(node, c_ast.Typedef):
            rec = _record_of(node.type)
            if rec is not None:
                typedefs[node.name] = body(rec, node.name)
                if rec.decls is not None or rec.name in bodies:
                    add(node.name, node.name)
            elif isinstance(node.type, c_ast.TypeDecl) and isinstance(node.type.type, c_ast.IdentifierType):
                target = node.type.type.names[-1]
                if target in typedefs:
                    typedefs[node.name] = target
                    add(node.name, node.name)
        elif isinstance(node, c_ast.Decl):
            rec = node.type if isinstance(node.type, (c_ast.Struct, c_ast.Union)) else _record_of(node.type)
            if rec is not None:
                body(rec, node.name or "")

    def resolve(name: str) -> str | None:
        seen = set()
        while name in typedefs and name not in seen:
            seen.add(name)
            name = typedefs[name]
        return name if name in bodies else None

    out = []
    for name, cexpr in order:
        if cexpr.startswith(("struct ", "union ")):
            tag = cexpr.split(" ", 1)[1]
        else:
            tag = resolve(name)
        if tag is None or tag not in bodies:
            continue  # opaque
        kind, members = bodies[tag]
        out.append(Record(name, cexpr, kind, list(members)))
    return out


def cffi_record_names(ffi: cffi.FFI) -> set[str]:
    """Struct/union types with fields, as CFFI's list_types() reports them."""
    typedefs, structs, unions = ffi.list_types()
    names = set()
    for name in typedefs:
        tp = ffi.typeof(name)
        if tp.kind in ("struct", "union") and tp.fields is not None:
            names.add(name)
    for kind, tags in (("struct", structs), ("union", unions)):
        for tag in tags:
            if ffi.typeof(f"{kind} {tag}").fields is not None:
                names.add(tag)
    return names


def checked_records(source: str) -> tuple[cffi.FFI, list[Record]]:
    """Parse the header, build a CFFI FFI from it and make sure both agree on which
    struct/union types exist and on their (flattened) field lists."""
    ffi = cffi.FFI()
    ffi.cdef(source)
    recs = records(source)
    ours = {r.name for r in recs}
    theirs = cffi_record_names(ffi)
    if ours != theirs:
        raise SystemExit(f"pycparser and CFFI disagree on the record types: "
                         f"only parsed {sorted(ours - theirs)}, only CFFI {sorted(theirs - ours)}")
    for rec in recs:
        flat = [name for name, _ in ffi.typeof(rec.cexpr).fields]
        if flat != [m.designator for m in rec.leaves]:
            raise SystemExit(f"{rec.name}: CFFI fields {flat} != parsed {[m.designator for m in rec.leaves]}")
    return ffi, recs


def render(recs: list[Record]) -> str:
    lines = [
        "/* generated by scripts/gen_layout_table.py from include/cwasmtime.h; do not edit */",
        "#include <stddef.h>",
        '#include "cwasmtime.h"',
        "typedef struct { const char *type; const char *field; size_t size; size_t align; size_t offset; } cw_layout_entry;",
        "static const cw_layout_entry cw_layout_table[] = {",
    ]
    for rec in recs:
        t = rec.cexpr
        lines.append(f'  {{"{rec.name}", "", sizeof({t}), _Alignof({t}), 0}},')
        for m in rec.leaves:
            d = m.designator
            lines.append(f'  {{"{rec.name}", "{m.name}", sizeof((({t}*)0)->{d}), '
                         f'__alignof__((({t}*)0)->{d}), offsetof({t}, {d})}},')
    lines.append("};")
    lines.append("static const size_t cw_layout_count = sizeof(cw_layout_table) / sizeof(cw_layout_table[0]);")
    return "\n".join(lines) + "\n"


def generate(header: Path = HEADER) -> str:
    _, recs = checked_records(cdef_source(header))
    return render(recs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the output file is stale")
    ap.add_argument("--header", type=Path, default=HEADER)
    ap.add_argument("--output", type=Path, default=OUTPUT)
    args = ap.parse_args(argv)
    text = generate(args.header)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.is_file() else None
        if current != text:
            print(f"{args.output} is stale; run scripts/gen_layout_table.py", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
