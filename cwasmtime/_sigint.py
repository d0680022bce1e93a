"""Ctrl-C for a running guest: SIGINT makes it trap instead of waiting for it to return.

While wasm runs, the main thread is inside a C call and Python's own SIGINT handler
cannot run, so a KeyboardInterrupt would only arrive after the guest returned (never,
for an endless loop). So, in every program, a C-level SIGINT handler chained before
Python's (``_native._hook_sigint``: when cwasmtime is imported and whenever a Store is
created, as ``signal.signal`` replaces it) advances the epoch of the engine the main
thread runs wasm of, past the Store's deadline: a guest whose engine has epoch
interruption traps at its next loop or call, and the call raises KeyboardInterrupt.

The command line adds ``interrupt_on_sigint``: the run ends with status 130 instead of
a KeyboardInterrupt, and a guest blocked in a host call (reading stdin, sleeping) does
not check the epoch: if it has not stopped after GRACE seconds, the process exits 130.
"""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import threading
from typing import Iterator

GRACE = 1.0  # seconds a guest has to trap after Ctrl-C before the process exits
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for a Ctrl-C'd program


@contextlib.contextmanager
def interrupt_on_sigint() -> Iterator[threading.Event]:
    """Inside the block, SIGINT stops the guest (as everywhere) without raising
    KeyboardInterrupt; the yielded event tells whether it happened. Only the main
    thread receives signals: elsewhere this does nothing."""
    from ._native import _hook_sigint  # (not at import: `cwasmtime info` needs no library)
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
                if not finished.wait(GRACE):
                    with contextlib.suppress(Exception):
                        sys.stdout.flush()
                        os.write(2, b"cwasmtime: interrupted while the guest waited in a "
                                    b"host call\n")
                    os._exit(EXIT_INTERRUPTED)

    # Python's handler runs on the main thread before the trap it caused is raised (or
    # as soon as a host call returns): the run then knows it was interrupted.
    previous_handler = signal.signal(signal.SIGINT, lambda signum, frame: interrupted.set())
    _hook_sigint()  # before that handler, which replaced it
    previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    watcher = threading.Thread(target=watch, name="cwasmtime-sigint", daemon=True)
    watcher.start()
    try:
        yield interrupted
    finally:
        finished.set()
        signal.set_wakeup_fd(previous_fd)
        signal.signal(signal.SIGINT, previous_handler)
        _hook_sigint()
        writer.close()
        watcher.join()
        reader.close()
