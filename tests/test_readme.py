"""The README stays true: CI runs its quick start's test command verbatim, the demo
modules it names exist and run, and every Python example runs as written.

The examples run from the repository root, as written, with ``python -P``: the working
directory is not put on sys.path, so they use the package under test (an installed wheel
too), never the source tree's ``cwasmtime/`` by accident."""
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

# Every fenced block is checked: ```sh is the quick start (tests below), ```python runs;
# an example that cannot run must be fenced ```python-notrun and counted here.
NOT_RUN = 0


def blocks() -> list[tuple[int, str, str]]:
    """(line of the opening fence, its language, the code) of every fenced block."""
    text = README.read_text()
    return [(text.count("\n", 0, m.start()) + 1, m.group(1), m.group(2))
            for m in re.finditer(r"^```(\S*)\n(.*?)^```$", text, re.S | re.M)]


def quick_start_commands():
    text = README.read_text()
    block = re.search(r"## Quick start.*?```sh\n(.*?)```", text, re.S).group(1)
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_quick_start_is_two_commands_and_ci_runs_the_test_one():
    demo, tests = quick_start_commands()
    assert "pip install -e ." in demo and "python -m cwasmtime run" in demo
    assert tests in (ROOT / ".ci" / "run").read_text().splitlines()


def test_demo_runs():
    demo, _ = quick_start_commands()
    runs = [part.strip() for part in demo.split("&&") if "cwasmtime run" in part]
    outputs = []
    for run in runs:
        args = run.split()[run.split().index("run") + 1:]
        done = subprocess.run([sys.executable, "-P", "-m", "cwasmtime", "run", *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs == ["Hello from WebAssembly, run by cwasmtime!\n", "3\n"]


def test_every_block_is_checked():
    kinds = Counter(language for _, language, _ in blocks())
    assert kinds.pop("python", 0) >= 3  # the introduction's, cmabi's and the components'
    assert kinds == Counter({"sh": 1, "python-notrun": NOT_RUN})  # no other kind


@pytest.mark.parametrize("code", [pytest.param(code, id=f"README.md:{line}")
                                  for line, language, code in blocks() if language == "python"])
def test_python_block_runs(code):
    """Each ```python block runs as written, alone, in a fresh interpreter, from the root."""
    done = subprocess.run([sys.executable, "-P", "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
