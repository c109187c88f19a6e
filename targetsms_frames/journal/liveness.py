"""Whether the process behind a sender is still running (for stores without a server).

A sender is recorded with its host, process id and the process's start time where the system
tells it (Linux), so a recycled process id is not mistaken for the sender. Senders started by
this process are alive exactly while their ``send`` runs. A sender on another host cannot be
checked: it counts as alive while its heartbeat is recent.

Examples
--------
>>> import os
>>> is_alive(this_host(), os.getpid(), process_start(os.getpid()), "nobody", None, now=0.0)
False
>>> with running("s1"):
...     is_alive(this_host(), os.getpid(), process_start(os.getpid()), "s1", None, now=0.0)
True
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Final

__all__ = [
    "HEARTBEAT_TIMEOUT",
    "is_alive",
    "process_start",
    "running",
    "started",
    "stopped",
    "this_host",
]

#: Seconds after which a sender on another host that has not written is taken for dead.
HEARTBEAT_TIMEOUT: Final = 15 * 60.0

_running: set[str] = set()
_lock = threading.Lock()


def this_host() -> str:
    """This machine's name."""
    return socket.gethostname()


def process_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), else ``None``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: split after its last ')'
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def _pid_exists(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import ctypes

        synchronize, wait_timeout = 0x00100000, 0x102
        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined,unused-ignore]
        handle = kernel32.OpenProcess(synchronize, False, pid)
        if not handle:
            return False
        try:
            return bool(kernel32.WaitForSingleObject(handle, 0) == wait_timeout)
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def started(sender_id: str) -> None:
    """A sender of this process starts (it stays alive until :func:`stopped`)."""
    with _lock:
        _running.add(sender_id)


def stopped(sender_id: str) -> None:
    """A sender of this process is over."""
    with _lock:
        _running.discard(sender_id)


@contextlib.contextmanager
def running(sender_id: str) -> Iterator[None]:
    """Mark a sender of this process as running for the block."""
    started(sender_id)
    try:
        yield
    finally:
        stopped(sender_id)


def is_alive(
    host: str,
    pid: int,
    started: str | None,
    sender_id: str,
    heartbeat: float | None,
    *,
    now: float,
) -> bool:
    """Whether a recorded sender may still be sending.

    Parameters
    ----------
    host, pid, started : str, int, str or None
        Where it ran, and its process's start time (``None`` when unknown).
    sender_id : str
        Its identity; senders of this very process are alive only while running.
    heartbeat : float or None
        Epoch seconds of its last write (used for senders on other hosts).
    now : float
        The current epoch seconds.
    """
    if host != this_host():
        return heartbeat is not None and now - heartbeat < HEARTBEAT_TIMEOUT
    if pid == os.getpid():
        with _lock:
            return sender_id in _running
    if not _pid_exists(pid):
        return False
    return started is None or process_start(pid) in (None, started)
