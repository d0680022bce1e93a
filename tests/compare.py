"""Side-by-side runs of one scenario against cwasmtime and wasmtime-py 50.0.1."""
from __future__ import annotations

from typing import Any, Callable

import wasmtime


def outcome(fn: Callable[[], Any]) -> tuple:
    """What running ``fn`` amounts to, comparable across the two implementations."""
    try:
        return ("ok", fn())
    except Exception as e:  # noqa: BLE001 - we compare the exception itself
        return ("raise", type(e).__name__, str(e))


def side_by_side(scenario: Callable[[Any], Any], ours: Any) -> tuple:
    """``scenario(ours)`` and ``scenario(wasmtime)`` outcomes, in that order."""
    return outcome(lambda: scenario(ours)), outcome(lambda: scenario(wasmtime))
