"""The README stays true: CI runs its quick start's test command verbatim, the demo
modules it names exist and run, and the component section's example runs.

The examples run from the repository root, as written, with ``python -P``: the working
directory is not put on sys.path, so they use the package under test (an installed wheel
too), never the source tree's ``cwasmtime/`` by accident."""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def quick_start_commands():
    text = (ROOT / "README.md").read_text()
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


def test_component_example_runs():
    """The example of the README's component section runs as written (from the root)."""
    text = (ROOT / "README.md").read_text()
    code = re.search(r"## Components.*?```python\n(.*?)```", text, re.S).group(1)
    done = subprocess.run([sys.executable, "-P", "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
