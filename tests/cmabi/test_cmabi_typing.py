"""cmabi is typed (py.typed, a .pyi for the Cython module) and passes mypy --strict,
as does the sample host program; and it imports without cwasmtime."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_cmabi_and_the_sample_host_pass_mypy_strict(mypy_strict):
    done = mypy_strict(["cmabi"], [ROOT / "examples" / "sample" / "host.py"])
    assert done.returncode == 0, "mypy --strict failed:\n" + done.stdout + done.stderr


def test_cmabi_imports_without_cwasmtime():
    code = ("import sys; sys.modules['cwasmtime'] = None\n"
            "import cmabi, cmabi.bind, cmabi.wit\n"
            "from cmabi.types import FuncType, U32\n"
            "print(FuncType([('a', U32)], U32))\n"
            "try:\n"
            "    cmabi.bind.Guest(None, None)\n"
            "except ImportError:\n"
            "    print('needs cwasmtime')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["func(a: u32) -> u32", "needs cwasmtime"]
