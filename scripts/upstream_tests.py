#!/usr/bin/env python3
"""Run wasmtime-py 50.0.1's own test-suite against cwasmtime.

Downloads the wasmtime 50.0.1 sdist from the package index (pip), extracts its tests/,
and runs them with pytest while ``sys.modules['wasmtime']`` is cwasmtime, so every
``from wasmtime import *`` in them exercises this package.

    python scripts/upstream_tests.py            # the core and component tests
    python scripts/upstream_tests.py -- -x -k linker   # extra pytest arguments

Exit status is pytest's. What is left out, and why, is in EXCLUDED below.
"""
from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

UPSTREAM = "wasmtime==50.0.1"

# Tests left out, with why. They test wasmtime-py's private modules, not its API.
EXCLUDED = {
    "test_slab.py": "imports wasmtime._slab, a private helper of wasmtime-py's ctypes layer",
}

# The component package and the one private module its tests import are aliased too,
# so `wasmtime.component` is never imported a second time under another name.
CONFTEST = '''\
import sys
import cwasmtime
import cwasmtime.component
import cwasmtime.component._types
sys.modules["wasmtime"] = cwasmtime
sys.modules["wasmtime.component"] = cwasmtime.component
sys.modules["wasmtime.component._types"] = cwasmtime.component._types
'''


def fetch_tests(workdir: Path) -> Path:
    """Download and extract the sdist's tests/ into ``workdir``; returns that folder."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
         UPSTREAM, "-d", str(workdir)],
        check=True,
    )
    (sdist,) = workdir.glob("wasmtime-*.tar.gz")
    with tarfile.open(sdist) as archive:
        members = [m for m in archive.getmembers() if "/tests/" in m.name and m.isfile()]
        archive.extractall(workdir, members=members, filter="data")
    (tests,) = workdir.glob("wasmtime-*/tests")
    for name in EXCLUDED:
        target = tests / name
        if target.is_dir():
            for path in sorted(target.rglob("*"), reverse=True):
                path.unlink() if path.is_file() else path.rmdir()
            target.rmdir()
        elif target.exists():
            target.unlink()
    (tests / "conftest.py").write_text(CONFTEST)
    # test_wasi.py preopens "wasmtime" relative to the sdist root, where wasmtime-py's
    # package folder stands; an empty folder of that name serves (the alias set by the
    # conftest above keeps it from ever being imported).
    (tests.parent / "wasmtime").mkdir(exist_ok=True)
    (tests.parent / "pytest.ini").write_text("[pytest]\n")
    return tests


def main(argv: list[str]) -> int:
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    with tempfile.TemporaryDirectory(prefix="cwasmtime-upstream-") as tmp:
        tests = fetch_tests(Path(tmp))
        for name, why in EXCLUDED.items():
            print(f"excluded {name}: {why}")
        return subprocess.call(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-c", str(tests.parent / "pytest.ini"),
             "--rootdir", str(tests.parent), str(tests), *extra],
            cwd=tests.parent,
        )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
