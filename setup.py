"""Build of the Cython extensions and of the CFFI declarations module. Nothing links
against libwasmtime: the extensions receive the C API's function addresses at import
(see include/cwasmtime_native.h), and CFFI opens the library at run time."""
import importlib.util
import sys
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


def _header_module():
    """cwasmtime/_header.py, loaded by path: the package itself cannot be imported yet."""
    spec = importlib.util.spec_from_file_location("_cwasmtime_header", ROOT / "cwasmtime" / "_header.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
        # Where glibc keeps pthread apart (before 2.34), the versions that
        # include/cwasmtime_glibc.h binds to are found in libpthread at link time.
        extra_link_args=["-pthread"] if sys.platform.startswith("linux") else [],
    )


# cwasmtime/_cdefs.py: the header pre-parsed for CFFI (generated into the source tree,
# like Cython's .c files, so editable installs get it too).
_header_module().generate_cdefs()

setup(
    ext_modules=cythonize(
        [extension("cwasmtime._native"), extension("cmabi._abi")],
        compiler_directives={"language_level": "3", "embedsignature": True},
    ),
    cmdclass={"build_ext": BuildExtStripped},
)
