"""Shared by the fuzz targets: the exceptions a target may raise for bad input (the API's
documented, clear errors) and a runner that treats anything else as a finding."""
import sys
from typing import Callable

import atheris

with atheris.instrument_imports():
    import cwasmtime as wt
    for _name in wt.__all__:  # the package loads lazily: load (and so instrument) it all
        getattr(wt, _name)

EXPECTED = (wt.WasmtimeError, wt.Trap, TypeError, ValueError, AttributeError, OverflowError,
            IndexError, KeyError)


def run(one_input: Callable[[bytes], None]) -> None:
    def guarded(data: bytes) -> None:
        try:
            one_input(data)
        except EXPECTED:
            pass

    atheris.Setup(sys.argv, guarded)
    atheris.Fuzz()
