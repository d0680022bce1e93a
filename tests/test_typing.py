"""The package is typed (``py.typed``, ``.pyi`` stubs for the Cython module): a realistic
program using the public API, tests/typing_usage.py, passes ``mypy --strict`` and runs."""
import runpy
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
USAGE = ROOT / "tests" / "typing_usage.py"


def test_package_ships_type_information():
    assert (ROOT / "cwasmtime" / "py.typed").is_file()
    assert (ROOT / "cwasmtime" / "_native.pyi").is_file()


def test_usage_passes_mypy_strict():
    # --no-site-packages: mypy treats every directory on the interpreter's sys.path
    # (site-packages, but also $PYTHONPATH or an editable install's path entry) as
    # installed packages and silences errors inside them. Without that, mypy finds
    # cwasmtime from the working directory (the repo root) and checks the package's own
    # code with --strict too, while the usage file sees it exactly as a user would. The
    # one third-party import, cffi, is untyped and configured in pyproject.toml.
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-site-packages",
         str(USAGE.relative_to(ROOT))],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, "mypy --strict failed:\n" + done.stdout + done.stderr


def test_usage_runs():
    runpy.run_path(str(USAGE), run_name="__main__")
