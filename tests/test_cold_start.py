"""What a fresh process imports on its way to a first result: the cold-start budget
(benchmarks/startup.py times it against wasmtime-py). Each module below costs every
start milliseconds and is needed only off the common path."""
import subprocess
import sys

from repo import ROOT

# Never on the way to a first call, a WASI instantiate or a plain Engine: the download
# and header-parsing code, pathlib (urllib, ipaddress), platform, threading, and the
# Canonical ABI core (only component and cmabi values need it).
HEAVY = ("pathlib", "platform", "threading", "pycparser", "http", "ssl", "email", "urllib",
         "hashlib", "tempfile", "zipfile", "tarfile", "cwasmtime._download",
         "cwasmtime._header", "cmabi._abi")

PROBE = f"""
import sys
before = set(sys.modules)
import cwasmtime as w
e = w.Engine(); s = w.Store(e); s.set_wasi(w.WasiConfig())
linker = w.Linker(e); linker.define_wasi()
linker.instantiate(s, w.Module.from_file(e, {str(ROOT / "examples" / "hello.wat")!r}))
add = w.Instance(s, w.Module(e, '''(module (func (export "add") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.add))'''), []).exports(s)["add"]
assert add(s, 1, 2) == 3
print(" ".join(sorted(set(sys.modules) - before)))
"""


def test_first_results_import_nothing_heavy():
    # From "/" so that the package imported is the one installed (the checkout's, in an
    # editable install), as a user's script gets it.
    r = subprocess.run([sys.executable, "-c", PROBE], cwd="/", capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    imported = set(r.stdout.split())
    assert "cwasmtime._native" in imported and "cwasmtime._capi" in imported
    heavy = {m for m in imported if m in HEAVY or m.split(".")[0] in HEAVY}
    assert not heavy, heavy
