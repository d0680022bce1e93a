"""``EpochTicker``: keeps an Engine's epoch advancing from a native thread, so that
guests with epoch deadlines (``Store.epoch_deadline_async_yield_and_update``, or
``set_epoch_deadline`` interruption) see time pass while the event loop, or the
thread that started them, is busy running them."""
from __future__ import annotations

from types import TracebackType
from typing import Optional, Type

from cmabi._errors import refuse_copy

from . import _native
from ._engine import Engine

__all__ = ["EpochTicker"]


class EpochTicker:
    """Calls ``engine.increment_epoch()`` every ``interval`` seconds (default 1 ms) from a
    thread of its own that never takes the GIL, on a fixed schedule (no drift), from
    ``start()`` to ``stop()``; ``with`` and ``async with`` do both. The ticker cannot run
    on the event loop: a CPU-bound guest is what blocks the loop."""

    __reduce__ = refuse_copy  # a running thread: no copies, no pickles

    def __init__(self, engine: Engine, interval: float = 0.001) -> None:
        if not isinstance(engine, Engine):
            raise TypeError("expected an Engine")
        interval_ns = round(interval * 1e9)
        if interval_ns <= 0:
            raise ValueError(f"the interval must be positive, not {interval!r}")
        self.engine = engine
        self.interval = interval
        self._interval_ns = interval_ns
        self._thread: Optional[_native._NativeTicker] = None
        self._ticks = 0

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def ticks(self) -> int:
        """Epoch increments made so far (by all runs of this ticker)."""
        thread = self._thread
        return self._ticks + (thread.ticks if thread is not None else 0)

    def start(self) -> "EpochTicker":
        if self._thread is not None:
            raise RuntimeError("this EpochTicker is already running")
        self._thread = _native._NativeTicker(self.engine, self._interval_ns)
        return self

    def stop(self) -> None:
        """Stop ticking (waits for the thread: at most ~10 ms); a no-op when stopped."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._ticks += thread.stop()

    def __enter__(self) -> "EpochTicker":
        return self.start()

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        self.stop()

    async def __aenter__(self) -> "EpochTicker":
        return self.start()

    async def __aexit__(self, exc_type: Optional[Type[BaseException]],
                        exc: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<EpochTicker every {self.interval * 1000:g} ms, {state}, {self.ticks} ticks>"
