"""The package is typed (``py.typed``, ``.pyi`` stubs for the Cython modules): it passes
``mypy --strict``, and so does a realistic program using the public API,
tests/typing_usage.py, which also runs."""
import runpy
from pathlib import Path

import cmabi
import cwasmtime

USAGE = Path(__file__).resolve().parent / "typing_usage.py"


def test_package_ships_type_information():
    # Where the package under test is: the source tree, or an installed wheel.
    for package, stub in ((cwasmtime, "_native.pyi"), (cmabi, "_abi.pyi")):
        folder = Path(package.__file__).parent
        assert (folder / "py.typed").is_file()
        assert (folder / stub).is_file()


def test_package_and_usage_pass_mypy_strict(mypy_strict):
    # The one third-party import, cffi, is untyped and configured in pyproject.toml.
    done = mypy_strict(["cwasmtime"], [USAGE])
    assert done.returncode == 0, "mypy --strict failed:\n" + done.stdout + done.stderr


def test_usage_runs():
    runpy.run_path(str(USAGE), run_name="__main__")
