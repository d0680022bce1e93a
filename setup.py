"""Build of the Cython extensions and of the CFFI declarations module. Nothing links
against libwasmtime: the extensions receive the C API's function addresses at import
(see include/cwasmtime_native.h), and CFFI opens the library at run time."""
import importlib.util
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup

ROOT = Path(__file__).resolve().parent


def _header_module():
    """cwasmtime/_header.py, loaded by path: the package itself cannot be imported yet."""
    spec = importlib.util.spec_from_file_location("_cwasmtime_header", ROOT / "cwasmtime" / "_header.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def extension(name: str) -> Extension:
    return Extension(
        name,
        [name.replace(".", "/") + ".pyx"],
        include_dirs=["include"],
        # Aligned functions: the hot trampolines otherwise swing ~15% with code layout.
        extra_compile_args=["-O2", "-std=gnu11", "-falign-functions=64"],
    )


# cwasmtime/_cdefs.py: the header pre-parsed for CFFI (generated into the source tree,
# like Cython's .c files, so editable installs get it too).
_header_module().generate_cdefs()

setup(
    ext_modules=cythonize(
        [extension("cwasmtime._native"), extension("cmabi._abi")],
        compiler_directives={"language_level": "3", "embedsignature": True},
    ),
)
