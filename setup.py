"""Build of the Cython extensions. Nothing links against libwasmtime: the extensions
receive the C API's function addresses at import (see include/cwasmtime_native.h)."""
import shutil
import sys
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
HEADER = ROOT / "include" / "cwasmtime.h"


class BuildPyWithHeader(build_py):
    """Ship include/cwasmtime.h inside the package: CFFI reads it at run time."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "cwasmtime" / "include"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(HEADER, target / HEADER.name)


class BuildExtStripped(build_ext):
    """Strip the extensions of wheels and non-editable installs: debug information and
    symbol table are most of their size (_native: 4.1 MB, 0.7 MB stripped). In-place,
    editable and ``--debug`` builds keep them, for debuggers, profilers and
    AddressSanitizer reports (scripts/asan_tests.sh builds in place). Linux only: the
    one platform whose builds are checked here."""

    def run(self) -> None:
        # Decided here: setuptools' run() clears ``inplace`` while it builds.
        keep_symbols = self.inplace or self.editable_mode or self.debug
        self.strip_symbols = sys.platform.startswith("linux") and not keep_symbols
        super().run()

    def build_extension(self, ext: Extension) -> None:
        if self.strip_symbols:
            ext.extra_link_args = [*ext.extra_link_args, "-Wl,--strip-all"]
        super().build_extension(ext)


def extension(name: str) -> Extension:
    return Extension(
        name,
        [name.replace(".", "/") + ".pyx"],
        include_dirs=["include"],
        # Aligned functions: the hot trampolines otherwise swing ~15% with code layout.
        extra_compile_args=["-O2", "-std=gnu11", "-falign-functions=64"],
    )


setup(
    ext_modules=cythonize(
        [extension("cwasmtime._native"), extension("cmabi._abi")],
        compiler_directives={"language_level": "3", "embedsignature": True},
    ),
    cmdclass={"build_py": BuildPyWithHeader, "build_ext": BuildExtStripped},
)
