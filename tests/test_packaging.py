"""Packaging as users get it. Against the package under test (editable install or
installed wheel): one version everywhere, the smoke test of every wheel
(scripts/smoke_test.py), every module of every package importable from one place,
extension symbols kept or stripped as the build mode says. And scripts/check_dist.py,
the gate of scripts/build_wheels.py, names what a broken sdist or wheel lacks or has."""
from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import subprocess
from pathlib import Path, PurePosixPath

import pytest
import repo

import cwasmtime
import cwasmtime._native

ROOT = repo.ROOT


smoke = repo.load("scripts/smoke_test.py")
check_dist = repo.load("scripts/check_dist.py")


def test_version_has_one_source():
    assert cwasmtime.__version__ == importlib.metadata.version("cwasmtime")
    assert cwasmtime.__version__ == cwasmtime._version.__version__


@pytest.mark.parametrize("check", [smoke.check_core_api, smoke.check_component, smoke.check_cmabi,
                                   smoke.check_command_line], ids=lambda check: check.__name__)
def test_smoke_check(check):
    check()


def test_every_module_imports_from_where_the_package_is():
    home = Path(cwasmtime.__file__).resolve().parents[1]
    modules = [str(PurePosixPath(f).with_suffix("")).replace("/", ".").removesuffix(".__init__")
               for f in check_dist.package_files() if f.endswith((".py", ".pyx"))]
    assert "cwasmtime.component._linker" in modules and "cmabi._abi" in modules
    for name in modules:
        assert Path(importlib.import_module(name).__file__).resolve().is_relative_to(home), name


def test_extension_symbols_are_stripped_exactly_in_wheels(installed):
    # Editable and in-place builds keep them (debuggers, AddressSanitizer); wheels do not.
    native = Path(cwasmtime._native.__file__).read_bytes()
    assert check_dist.has_symbol_table(native) is not installed


@pytest.fixture(scope="module")
def elf(tmp_path_factory) -> dict[str, bytes]:
    """A tiny shared object as gcc links it, and stripped."""
    folder = tmp_path_factory.mktemp("elf")
    (folder / "x.c").write_text("int x(void) { return 1; }\n")
    built = {}
    for kind, flags in (("unstripped", []), ("stripped", ["-Wl,--strip-all"])):
        subprocess.run(["gcc", "-shared", "-fPIC", *flags, "-o", folder / kind, folder / "x.c"], check=True)
        built[kind] = (folder / kind).read_bytes()
    return built


def complete_wheel(elf: dict[str, bytes]) -> dict[str, bytes]:
    """The members of a wheel that check_dist accepts, with their contents."""
    members = {f: b"" for f in check_dist.package_files()
               if f.endswith((".py", ".pyi", "/py.typed"))}
    for source in (f for f in check_dist.package_files() if f.endswith(".pyx")):
        members[source.replace(".pyx", ".cpython-311-x86_64-linux-gnu.so")] = elf["stripped"]
    digest = hashlib.sha256((ROOT / "include" / "cwasmtime.h").read_bytes()).hexdigest()
    members[check_dist.CDEFS] = f"HEADER_SHA256 = {digest!r}\n".encode()
    members["cwasmtime-0.1.0.dist-info/licenses/LICENSE"] = b""
    members["cwasmtime-0.1.0.dist-info/entry_points.txt"] = (
        b"[console_scripts]\ncwasmtime = cwasmtime.__main__:main\n")
    return members


def wheel_problems(members: dict[str, bytes]) -> list[str]:
    return check_dist.wheel_problems(list(members), members.__getitem__)


def test_check_dist_names_what_a_wheel_lacks_or_should_not_have(elf):
    members = complete_wheel(elf)
    assert wheel_problems(members) == []

    broken = dict(members, **{"cwasmtime/_native.c": b"", "cmabi/_abi.pyx": b""})
    del broken["cwasmtime/component/__init__.py"], broken["cwasmtime/_native.pyi"]
    broken[check_dist.CDEFS] = b"HEADER_SHA256 = 'another header'\n"
    assert sorted(wheel_problems(broken)) == [
        "wheel has source or generated code cmabi/_abi.pyx",
        "wheel has source or generated code cwasmtime/_native.c",
        "wheel lacks cwasmtime/_native.pyi",
        "wheel lacks cwasmtime/component/__init__.py",
        "wheel's cwasmtime/_cdefs.py was not generated from this include/cwasmtime.h",
    ]

    unstripped = dict(members, **{"cmabi/_abi.cpython-311-x86_64-linux-gnu.so": elf["unstripped"]})
    del unstripped["cwasmtime-0.1.0.dist-info/entry_points.txt"]
    assert wheel_problems(unstripped) == [
        "wheel lacks the console script cwasmtime = cwasmtime.__main__:main",
        "wheel's cmabi/_abi.cpython-311-x86_64-linux-gnu.so is not stripped",
    ]


def test_check_dist_names_what_an_sdist_lacks_or_should_not_have():
    names = check_dist.package_files() + check_dist.header_files() + list(check_dist.SDIST_FILES)
    assert check_dist.sdist_problems(names) == []

    kept = [n for n in names if n not in ("cwasmtime/_component_calls.pxi", "LICENSE")]
    assert check_dist.sdist_problems(kept + ["cmabi/_abi.c", check_dist.CDEFS]) == [
        "sdist lacks cwasmtime/_component_calls.pxi",
        "sdist lacks LICENSE",
        "sdist has a build product cmabi/_abi.c",
        "sdist has a build product cwasmtime/_cdefs.py",
    ]
