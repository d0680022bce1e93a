"""Run test code in a fresh interpreter: where a bug would crash the process (a signal,
an abort, a hang), the test fails instead of the whole run."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def run_isolated(code: str, *, prelude: str = "", timeout: float = 120,
                 env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``prelude`` then ``code`` (both dedented) in a new interpreter, from outside the
    source tree with tests/ importable (``from component.conftest import ...``); its
    output is captured. A timeout raises subprocess.TimeoutExpired (a hang fails)."""
    path = os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])
    source = textwrap.dedent(prelude) + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-P", "-c", source], capture_output=True,
                          text=True, timeout=timeout, cwd=tempfile.gettempdir(),
                          env={**os.environ, "PYTHONPATH": path, **(env or {})})


def assert_clean_exit(done: subprocess.CompletedProcess[str]) -> None:
    """The interpreter exited normally (status 0: no signal, abort or uncaught error)."""
    assert done.returncode == 0, (
        f"exit status {done.returncode}\nstdout: {done.stdout[-1500:]}\n"
        f"stderr: {done.stderr[-3000:]}")


# A prelude for run_isolated: `outcome(fn)`, what fn() did as one printable line.
OUTCOME = """
def outcome(fn):
    try:
        result = fn()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return f"ok: {result!r}"
"""
