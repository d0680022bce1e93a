"""Which cwasmtime the tests run against, and how to type-check it.

By default the tests use whatever ``import cwasmtime`` finds: the editable install of
the README's quick start. With ``CWASMTIME_TEST_INSTALLED=1`` (.ci/run, against the
wheel installed into a venv) the run stops at once unless the packages come from
outside the source tree, and unless the working directory, which every subprocess the
tests start inherits (a ``python -c`` puts it first on sys.path), is outside it too.
Tests that need repository files (examples/, scripts/, README.md) find them relative
to this folder in both modes; a subprocess that must run from the repository root
runs ``python -P`` (the root stays off its sys.path).
"""
from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable, Sequence

import pytest

TESTS = Path(__file__).resolve().parent
SOURCE_TREE = TESTS.parent
INSTALLED = os.environ.get("CWASMTIME_TEST_INSTALLED") == "1"
GUARDED_MODULES = ("cwasmtime", "cwasmtime._native", "cwasmtime.component", "cmabi", "cmabi._abi")


def _import_the_real_cmabi() -> None:
    """pytest puts tests/ on sys.path, where tests/cmabi/ (no __init__.py) passes for a
    namespace package ``cmabi``: that beats an editable install's cmabi, whose finder
    comes after sys.path. So cmabi is imported first, with tests/ out of the way."""
    saved = sys.path[:]
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != TESTS]
    try:
        importlib.import_module("cmabi")
    finally:
        sys.path[:] = saved


_import_the_real_cmabi()


def pytest_sessionstart(session: pytest.Session) -> None:
    if not INSTALLED:
        return
    inside = []
    for name in GUARDED_MODULES:
        path = Path(importlib.import_module(name).__file__).resolve()
        if path.is_relative_to(SOURCE_TREE):
            inside.append(f"{name}: {path}")
    if Path.cwd().resolve().is_relative_to(SOURCE_TREE):
        inside.append(f"working directory: {Path.cwd()}")
    if inside:
        pytest.exit("CWASMTIME_TEST_INSTALLED=1, but these are in the source tree "
                    f"{SOURCE_TREE}:\n  " + "\n  ".join(inside), returncode=3)


@pytest.fixture
def installed() -> bool:
    """True when the tests run against an installed wheel (CWASMTIME_TEST_INSTALLED=1)."""
    return INSTALLED


MypyRun = Callable[..., subprocess.CompletedProcess]


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A working directory for subprocesses that must see the package under test and not
    the source tree: the repository root when testing the editable install (where the
    package is), a folder outside it when testing an installed wheel."""
    return tmp_path if INSTALLED else SOURCE_TREE


@pytest.fixture
def mypy_strict(tmp_path: Path) -> MypyRun:
    """``mypy_strict(packages, files, *options)`` runs ``mypy --strict`` (with ``options``)
    on the packages under test and on files that use them; returns the last failing (or
    the last) run.

    Editable install: one run from the repository root with ``--no-site-packages``.
    mypy treats every directory on the interpreter's sys.path (site-packages, but also
    $PYTHONPATH or an editable install's path entry) as installed packages and silences
    errors inside them; without it, mypy finds the packages from the working directory
    and checks their own code with --strict too.

    Installed wheel: the packages as installed (``-p``, with their py.typed and stubs,
    the repository's mypy configuration), then the files as a user's programs that
    import them from site-packages; both from a folder outside the source tree."""
    def run(packages: Sequence[str], files: Sequence[Path],
            *options: str) -> subprocess.CompletedProcess:
        mypy = [sys.executable, "-m", "mypy", "--strict", *options]
        if INSTALLED:
            config = ["--config-file", str(SOURCE_TREE / "pyproject.toml")]
            runs = [[*mypy, *config, *(arg for p in packages for arg in ("-p", p))],
                    [*mypy, *config, *map(str, files)]]
            runs = [argv for argv, targets in zip(runs, (packages, files)) if targets]
            cwd = tmp_path
        else:
            runs = [[*mypy, "--no-site-packages", *packages,
                     *map(str, files)]]
            cwd = SOURCE_TREE
        for argv in runs:
            done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=600)
            if done.returncode != 0:
                break
        return done
    return run
