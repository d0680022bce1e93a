"""Ctrl-C for a running guest: SIGINT makes it trap instead of waiting for it to return.

While wasm runs, the main thread is inside a C call and Python's own SIGINT handler
cannot run, so a KeyboardInterrupt would only arrive after the guest returned (never,
for an endless loop). Here the C-level handler's wakeup fd wakes a watcher thread,
which advances the engine's epoch: a guest whose store has an epoch deadline traps at
its next loop or call. A guest blocked in a host call (reading stdin, sleeping) does
not check the epoch; if it has not stopped after GRACE seconds, the process exits 130.
"""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import threading
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from ._engine import Engine

GRACE = 1.0  # seconds a guest has to trap after Ctrl-C before the process exits
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for a Ctrl-C'd program


@contextlib.contextmanager
def interrupt_on_sigint(engine: "Engine") -> Iterator[threading.Event]:
    """Inside the block, SIGINT increments *engine*'s epoch; the yielded event tells
    whether it happened. Only the main thread receives signals: elsewhere this does
    nothing."""
    interrupted = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield interrupted
        return
    finished = threading.Event()
    reader, writer = socket.socketpair()
    writer.setblocking(False)

    def watch() -> None:
        while True:
            data = reader.recv(64)
            if not data:  # the writer was closed: the block is over
                return
            if signal.SIGINT in data:
                interrupted.set()
                engine.increment_epoch()
                if not finished.wait(GRACE):
                    with contextlib.suppress(Exception):
                        sys.stdout.flush()
                        os.write(2, b"cwasmtime: interrupted while the guest waited in a "
                                    b"host call\n")
                    os._exit(EXIT_INTERRUPTED)

    previous_handler = signal.signal(signal.SIGINT, lambda signum, frame: None)
    previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    watcher = threading.Thread(target=watch, name="cwasmtime-sigint", daemon=True)
    watcher.start()
    try:
        yield interrupted
    finally:
        finished.set()
        signal.set_wakeup_fd(previous_fd)
        signal.signal(signal.SIGINT, previous_handler)
        writer.close()
        watcher.join()
        reader.close()
