#!/usr/bin/env python3
"""Check what an sdist and wheels contain, against the source tree.

    python scripts/check_dist.py dist/cwasmtime-0.1.0.tar.gz dist/wheelhouse/*.whl

The packages are found as setuptools finds them: folders with an ``__init__.py``, from
the top of the tree down, that match ``[tool.setuptools.packages.find] include`` of
pyproject.toml. Their sources are the Python, stub, Cython and ``py.typed`` files in
them (not C from Cython, built modules or caches).

- the sdist holds every source of those packages, ``include/*.h``, the build files,
  LICENSE, README and the smoke test; no generated C and no built module;
- a wheel holds every package's modules, stubs and ``py.typed``, one extension module
  per ``.pyx``, the copy of ``include/cwasmtime.h`` that the package reads (identical to
  the source), the license and the ``cwasmtime`` console script; no C, no Cython
  source; on Linux its extension modules carry no symbol table (stripped).

Prints each problem and exits 1 if there is any.
"""
from __future__ import annotations

import fnmatch
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
# Beside the packages and headers: the build's files, the docs, and the smoke test that
# cibuildwheel runs when it builds from the sdist.
SDIST_FILES = ("pyproject.toml", "setup.py", "MANIFEST.in", "LICENSE", "README.md",
               "scripts/smoke_test.py")
HEADER = "include/cwasmtime.h"
CYTHON_SOURCES = (".pyx", ".pxd", ".pxi")
SOURCE_SUFFIXES = (".py", ".pyi", *CYTHON_SOURCES)


def package_files() -> list[str]:
    """The sources of the packages setuptools finds, as paths relative to the tree."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["packages"]["find"]["include"]
    folders = [d for d in ROOT.iterdir() if (d / "__init__.py").is_file()]
    files = []
    while folders:
        folder = folders.pop()
        folders += [d for d in folder.iterdir() if (d / "__init__.py").is_file()]
        name = ".".join(folder.relative_to(ROOT).parts)
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns):
            files += [f.relative_to(ROOT).as_posix() for f in folder.iterdir()
                      if f.suffix in SOURCE_SUFFIXES or f.name == "py.typed"]
    return sorted(files)


def header_files() -> list[str]:
    return sorted(f.relative_to(ROOT).as_posix() for f in (ROOT / "include").glob("*.h"))


def sdist_problems(names: list[str]) -> list[str]:
    """``names``: the sdist's members, without the leading ``cwasmtime-X.Y.Z/``."""
    have = set(names)
    needed = package_files() + header_files() + list(SDIST_FILES)
    problems = [f"sdist lacks {f}" for f in needed if f not in have]
    problems += [f"sdist has a build product {n}" for n in names
                 if n.endswith((".c", ".so", ".pyd")) or n.startswith("cwasmtime/include/")]
    return problems


def wheel_problems(names: list[str], read: Callable[[str], bytes]) -> list[str]:
    """``names``: the wheel's members; ``read(name) -> bytes`` reads one."""
    have = set(names)
    files = package_files()
    shipped = [f for f in files if f.endswith((".py", ".pyi")) or f.endswith("/py.typed")]
    problems = [f"wheel lacks {f}" for f in shipped if f not in have]
    for source in (f for f in files if f.endswith(".pyx")):
        stem = source[:-len(".pyx")] + "."
        if not any(n.startswith(stem) and n.endswith((".so", ".pyd")) for n in names):
            problems.append(f"wheel lacks the extension module built from {source}")
    copy = "cwasmtime/" + HEADER
    if copy not in have:
        problems.append(f"wheel lacks {copy}")
    elif read(copy) != (ROOT / HEADER).read_bytes():
        problems.append(f"wheel's {copy} differs from {HEADER}")
    dist_info = {n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info")}
    if not any(n.endswith("/licenses/LICENSE") for n in names):
        problems.append("wheel lacks the license (dist-info/licenses/LICENSE)")
    scripts = b"".join(read(d + "/entry_points.txt") for d in dist_info
                       if d + "/entry_points.txt" in have)
    if b"cwasmtime = cwasmtime.__main__:main" not in scripts:
        problems.append("wheel lacks the console script cwasmtime = cwasmtime.__main__:main")
    problems += [f"wheel has source or generated code {n}" for n in names
                 if n.endswith((".c",) + CYTHON_SOURCES)]
    problems += [f"wheel's {n} is not stripped" for n in names
                 if n.endswith(".so") and has_symbol_table(read(n))]
    return problems


def has_symbol_table(elf: bytes) -> bool:
    with tempfile.NamedTemporaryFile(suffix=".so") as tmp:
        tmp.write(elf)
        tmp.flush()
        sections = subprocess.run(["readelf", "-S", "-W", tmp.name], check=True,
                                  capture_output=True, text=True).stdout
    return " .symtab " in sections


def check(path: Path) -> list[str]:
    if path.name.endswith(".tar.gz"):
        with tarfile.open(path) as sdist:
            names = [m.name.split("/", 1)[1] for m in sdist.getmembers()
                     if m.isfile() and "/" in m.name]
        return sdist_problems(names)
    with zipfile.ZipFile(path) as wheel:
        return wheel_problems(wheel.namelist(), wheel.read)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    failed = False
    for arg in argv:
        problems = check(Path(arg))
        for problem in problems:
            print(f"{arg}: {problem}")
        print(f"{Path(arg).name}: {'ok' if not problems else f'{len(problems)} problem(s)'}")
        failed |= bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
