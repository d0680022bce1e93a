"""The CFFI declarations come pre-parsed from cwasmtime/_cdefs.py (generated from
include/cwasmtime.h at build time): it must match the header, and every declared type
must be usable in a fresh process."""
import subprocess
import sys
from pathlib import Path

import repo

ROOT = repo.ROOT


def test_generated_module_matches_the_header():
    from cwasmtime import _cdefs
    header = repo.load("cwasmtime/_header.py")
    assert _cdefs.HEADER_SHA256 == header.header_digest(ROOT / "include" / "cwasmtime.h"), (
        "cwasmtime/_cdefs.py is stale: rebuild (pip install -e .) after editing the header")


def test_generation_is_deterministic_and_idempotent(tmp_path):
    header = repo.load("cwasmtime/_header.py")
    target = tmp_path / "_cdefs.py"
    assert header.generate_cdefs(ROOT / "include" / "cwasmtime.h", target) is True
    first = target.read_text()
    assert header.generate_cdefs(ROOT / "include" / "cwasmtime.h", target) is False
    assert target.read_text() == first
    from cwasmtime import _cdefs
    assert Path(_cdefs.__file__).read_text() == first


def test_every_declared_type_realizes_in_a_fresh_process():
    # CFFI completes struct layouts lazily; a wrong first realization order of the
    # recursive component value structs aborts the process, so try each type first.
    script = (
        "import sys\n"
        "from cwasmtime._capi import ffi\n"
        "typedefs, structs, unions = ffi.list_types()\n"
        "names = typedefs + ['struct ' + n for n in structs] + ['union ' + n for n in unions]\n"
        "for name in names:\n"
        "    try:\n"
        "        ffi.sizeof(name)\n"
        "    except ffi.error:\n"
        "        pass  # opaque types have no size\n"
        "print(len(names))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, cwd="/")
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 150


def test_component_value_struct_first_in_a_fresh_process():
    done = subprocess.run(
        [sys.executable, "-c", "from cwasmtime._capi import ffi; "
         "print(ffi.sizeof('wasmtime_component_val_t'), ffi.sizeof('wasmtime_component_vallist_t'))"],
        capture_output=True, text=True, timeout=120, cwd="/")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["32", "16"]
