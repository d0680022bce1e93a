"""The repository the tests run from: its root, and its scripts and build helpers
imported by path (scripts/ is not a package; cwasmtime/_header.py must load without
the package under test)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def load(relative: str) -> ModuleType:
    """The module at ``ROOT / relative``, executed once per test session."""
    name = "_repo_" + relative.replace("/", "_").removesuffix(".py")
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / relative)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # before exec: dataclasses and pickling look it up
        spec.loader.exec_module(module)
    return sys.modules[name]
