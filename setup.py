"""Build of the Cython extensions. Nothing links against libwasmtime: the extensions
receive the C API's function addresses at import (see include/cwasmtime_native.h)."""
import shutil
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup
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
    cmdclass={"build_py": BuildPyWithHeader},
)
