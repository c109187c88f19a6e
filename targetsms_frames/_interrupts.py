"""Ctrl-C held back while the journal and the sending pool must stay in step.

An interrupt (``SIGINT``, Ctrl-C in a terminal, "interrupt the kernel" in JupyterLab) raises
``KeyboardInterrupt`` in the main thread between any two bytecodes. Two things must never be
cut in half by it: a journal transaction (``BEGIN`` ... ``COMMIT``), and the hand-over of
requests that the journal has just recorded as in flight to the threads that send them.
:func:`deferred_interrupts` makes such a block atomic with respect to Ctrl-C: a signal that
arrives inside it is remembered, and raised as soon as the block ends. The blocks it guards are
short (a commit, a few ``submit`` calls), so the user sees the interrupt at once.

Outside the main thread (where Python never delivers signals) and when the program has not
installed a Python-level SIGINT handler, it does nothing.

Examples
--------
>>> import os, signal
>>> caught = []
>>> try:
...     with deferred_interrupts():
...         os.kill(os.getpid(), signal.SIGINT)  # lands here...
...         caught.append("block finished")
... except KeyboardInterrupt:
...     caught.append("raised after it")          # ...and is raised here
>>> caught
['block finished', 'raised after it']
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

__all__ = ["deferred_interrupts"]

_state = threading.local()


def _can_defer() -> bool:
    if threading.current_thread() is not threading.main_thread():
        return False
    try:
        return callable(signal.getsignal(signal.SIGINT))
    except (ValueError, AttributeError):  # pragma: no cover - platforms without SIGINT
        return False


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Run the block with Ctrl-C deferred to its end; nested blocks join the outer one."""
    if getattr(_state, "depth", 0) or not _can_defer():
        _state.depth = getattr(_state, "depth", 0) + 1
        try:
            yield
        finally:
            _state.depth -= 1
        return
    received: list[tuple[int, FrameType | None]] = []

    def remember(signum: int, frame: FrameType | None) -> None:
        received.append((signum, frame))

    previous: Any = signal.signal(signal.SIGINT, remember)
    _state.depth = 1
    try:
        yield
    finally:
        _state.depth = 0
        signal.signal(signal.SIGINT, previous)
        if received and callable(previous):
            previous(*received[0])
