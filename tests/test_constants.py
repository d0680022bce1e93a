"""include/cwasmtime.h is the one source of the C API's constants: the Cython core names
them (`cdef extern from`), so gcc supplies the numbers, and CFFI parses the same header.
These tests check every value of every enum of the header against what CFFI compiled and
against wasmtime's own headers (v50), and the one mapping between value-kind numberings."""
import re

import pytest

import repo
from cwasmtime import Val, _native
from cwasmtime._capi import lib

HEADER = repo.ROOT / "include" / "cwasmtime.h"

# Transcribed from wasmtime 50's C API headers (wasm.h, wasmtime/val.h, extern.h,
# valtype, component/val.h, component/types/val.h); MAP's numbers were read from the library.
DOCUMENTED = {
    # wasm_valkind_t
    "WASM_I32": 0, "WASM_I64": 1, "WASM_F32": 2, "WASM_F64": 3,
    "WASM_EXTERNREF": 128, "WASM_FUNCREF": 129,
    # wasm_externkind_t
    "WASM_EXTERN_FUNC": 0, "WASM_EXTERN_GLOBAL": 1, "WASM_EXTERN_TABLE": 2,
    "WASM_EXTERN_MEMORY": 3, "WASM_EXTERN_TAG": 4,
    "WASM_CONST": 0, "WASM_VAR": 1,
    # wasmtime_valkind_t
    "WASMTIME_I32": 0, "WASMTIME_I64": 1, "WASMTIME_F32": 2, "WASMTIME_F64": 3,
    "WASMTIME_V128": 4, "WASMTIME_FUNCREF": 5, "WASMTIME_EXTERNREF": 6, "WASMTIME_ANYREF": 7,
    # wasmtime_valtype_kind_t
    "WASMTIME_VALTYPE_KIND_I32": 0, "WASMTIME_VALTYPE_KIND_I64": 1,
    "WASMTIME_VALTYPE_KIND_F32": 2, "WASMTIME_VALTYPE_KIND_F64": 3,
    "WASMTIME_VALTYPE_KIND_V128": 4, "WASMTIME_VALTYPE_KIND_REF": 5,
    # wasmtime_heaptype_kind_t
    "WASMTIME_HEAPTYPE_KIND_EXTERN": 0, "WASMTIME_HEAPTYPE_KIND_NOEXTERN": 1,
    "WASMTIME_HEAPTYPE_KIND_FUNC": 2, "WASMTIME_HEAPTYPE_KIND_NOFUNC": 4,
    "WASMTIME_HEAPTYPE_KIND_ANY": 5, "WASMTIME_HEAPTYPE_KIND_NONE": 6,
    "WASMTIME_HEAPTYPE_KIND_EQ": 7, "WASMTIME_HEAPTYPE_KIND_I31": 8,
    "WASMTIME_HEAPTYPE_KIND_ARRAY": 9, "WASMTIME_HEAPTYPE_KIND_STRUCT": 11,
    "WASMTIME_HEAPTYPE_KIND_EXN": 13, "WASMTIME_HEAPTYPE_KIND_NOEXN": 15,
    # wasmtime_extern_kind_t
    "WASMTIME_EXTERN_FUNC": 0, "WASMTIME_EXTERN_GLOBAL": 1, "WASMTIME_EXTERN_TABLE": 2,
    "WASMTIME_EXTERN_MEMORY": 3, "WASMTIME_EXTERN_SHAREDMEMORY": 4, "WASMTIME_EXTERN_TAG": 5,
    # wasmtime_component_valkind_t
    **{f"WASMTIME_COMPONENT_{n}": i for i, n in enumerate(
        "BOOL S8 U8 S16 U16 S32 U32 S64 U64 F32 F64 CHAR STRING LIST RECORD TUPLE VARIANT "
        "ENUM OPTION RESULT FLAGS RESOURCE MAP".split())},
    # wasmtime_component_valtype_kind_t
    **{f"WASMTIME_COMPONENT_VALTYPE_{n}": i for i, n in enumerate(
        "BOOL S8 S16 S32 S64 U8 U16 U32 U64 F32 F64 CHAR STRING LIST RECORD TUPLE VARIANT "
        "ENUM OPTION RESULT FLAGS OWN BORROW FUTURE STREAM ERROR_CONTEXT MAP".split())},
}


def header_enums():
    """Every `NAME = value` of every enum in the header."""
    text = re.sub(r"/\*.*?\*/", "", HEADER.read_text(), flags=re.S)
    found = {}
    for body in re.findall(r"\benum\s*\{(.*?)\}", text, flags=re.S):
        for name, value in re.findall(r"(\w+)\s*=\s*(\w+)", body):
            found[name] = int(value, 0)
    return found


def test_every_header_constant_is_what_cffi_compiled():
    enums = header_enums()
    assert len(enums) > 150
    assert {name: getattr(lib, name) for name in enums} == enums


def test_the_header_numbers_kinds_as_wasmtime_does():
    enums = header_enums()
    assert {name: enums.get(name) for name in DOCUMENTED} == DOCUMENTED


def test_one_mapping_between_value_kind_numberings():
    rows = _native.value_kinds()
    assert rows == [
        (lib.WASM_I32, lib.WASMTIME_I32, "i32"), (lib.WASM_I64, lib.WASMTIME_I64, "i64"),
        (lib.WASM_F32, lib.WASMTIME_F32, "f32"), (lib.WASM_F64, lib.WASMTIME_F64, "f64"),
        # wasm.h has no v128 kind: a raw slot marks it with wasmtime's number, unused there
        (lib.WASMTIME_V128, lib.WASMTIME_V128, "v128"),
        (lib.WASM_EXTERNREF, lib.WASMTIME_EXTERNREF, "externref"),
        (lib.WASM_FUNCREF, lib.WASMTIME_FUNCREF, "funcref")]
    slot_kinds = [row[0] for row in rows]
    assert len(set(slot_kinds)) == len(slot_kinds)
    # Val takes and reports wasmtime_valkind_t, through that mapping in both directions
    for _, valkind, name in rows:
        if name != "v128":
            assert Val(valkind, None)._kind == valkind
            assert repr(Val(valkind, None)) == f"Val.{name}(None)"


@pytest.mark.parametrize("kind", [lib.WASMTIME_ANYREF, 8, 255, -1])
def test_a_value_kind_outside_the_mapping_is_refused(kind):
    from cwasmtime import WasmtimeError
    with pytest.raises(WasmtimeError, match="unsupported value kind"):
        Val(kind, None)


def test_cmabi_type_kinds_are_the_descriptors_numbers():
    from cmabi import _abi, types
    names = ("BOOL S8 U8 S16 U16 S32 U32 S64 U64 F32 F64 CHAR STRING LIST FIXED_LIST RECORD "
             "TUPLE VARIANT ENUM OPTION RESULT FLAGS MAP OWN BORROW").split()
    assert _abi.type_kinds() == tuple(getattr(types, f"K_{n}") for n in names)
    assert sorted(_abi.type_kinds()) == list(range(len(names)))


# Numbers a Cython `cdef enum` may define itself: sizes and cwasmtime's own tables,
# never a constant of the C API (those come from the header by name).
OWN_ENUM_MEMBERS = {"STACK_SLOTS", "HOST_STACK_MARGIN", "COMPONENT_STACK_PARAMS", "ARENA_KEEP",
                    "ARENA_MIN", "N_KINDS", "VT_EXTERNREF", "VT_FUNCREF", "VT_V128", "VT_COUNT",
                    "VT_OTHER"}


def test_cython_sources_copy_no_numbers_from_the_header():
    header_names = set(header_enums())
    for path in sorted((repo.ROOT / "cwasmtime").glob("*.p[xy][dxi]")):
        text = path.read_text()
        for block in re.findall(r"^cdef enum\b[^\n]*:\n((?:[ \t]+[^\n]*\n)+)", text, flags=re.M):
            for name in re.findall(r"^\s+(\w+)\s*=", block, flags=re.M):
                assert name not in header_names, f"{path.name}: {name} copies the header"
                assert name in OWN_ENUM_MEMBERS, (
                    f"{path.name}: enum member {name} numbered by hand")
