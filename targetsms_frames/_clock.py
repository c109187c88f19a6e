"""Injectable time: the real clock, and a manual one for tests and the fast sandbox.

Everything that waits (the duplicate-request guard, rate limiting, status polling, the
sandbox's status progression) takes a ``clock`` (seconds as a float) and a ``sleep``, so tests
never wait a real minute.

Examples
--------
>>> clock = ManualClock(start=100.0)
>>> clock.sleep(61)
>>> clock()
161.0
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

__all__ = ["Clock", "FastClock", "ManualClock", "Sleep", "instant", "system_clock"]

Clock = Callable[[], float]
Sleep = Callable[[float], None]


def system_clock() -> float:
    """Wall-clock seconds since the epoch (UTC)."""
    return time.time()


def instant(seconds: float) -> datetime:
    """A clock reading as a UTC datetime that is never later than the reading.

    ``datetime.fromtimestamp`` rounds to the nearest microsecond, so a reading just before a
    window opens could come out as the opening itself; anything compared with the clock again
    (a journal's ``not_before`` against the moment requests are claimed for) must not be ahead.

    >>> instant(1796346000.0).isoformat()
    '2026-12-04T01:00:00+00:00'
    >>> instant(1796345999.9999995) < datetime(2026, 12, 4, 1, tzinfo=UTC)
    True
    """
    moment = datetime.fromtimestamp(seconds, UTC)
    if moment.timestamp() > seconds:
        moment -= timedelta(microseconds=1)
    return moment


def _epoch(moment: float | str | datetime) -> float:
    """Epoch seconds of a moment (a datetime or ISO text without a zone is UTC)."""
    if isinstance(moment, int | float):
        return float(moment)
    stamp = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp()


class ManualClock:
    """A clock that only moves when told to; ``sleep`` advances it instantly.

    Thread-safe, so a thread pool of clients can share one.
    """

    def __init__(self, start: float | str | datetime = 1_700_000_000.0) -> None:
        self._now = _epoch(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` (negative values are ignored)."""
        with self._lock:
            self._now += max(0.0, float(seconds))

    def sleep(self, seconds: float) -> None:
        """Advance instead of waiting."""
        self.advance(seconds)

    async def async_sleep(self, seconds: float) -> None:
        """Advance instead of waiting, yielding to the event loop once."""
        self.advance(seconds)
        await asyncio.sleep(0)

    def __repr__(self) -> str:
        return f"ManualClock(now={self():.3f})"


class FastClock:
    """Wall-clock time running ``speed`` times faster: for demos of minute-long rules.

    ``sleep(60)`` with ``speed=60`` waits one real second and the clock moves a minute.
    ``start`` sets the moment it starts from (a datetime, ISO text or epoch seconds; default
    now), for demos of send windows at a given hour.

    >>> clock = FastClock(speed=1000.0)
    >>> before = clock()
    >>> clock.sleep(60)
    >>> clock() - before >= 60
    True
    >>> FastClock(start="2026-12-03 16:00Z")() >= 1796313600
    True
    """

    def __init__(self, speed: float = 60.0, *, start: float | str | datetime | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = float(speed)
        self._origin_wall = time.time() if start is None else _epoch(start)
        self._origin = time.monotonic()

    def __call__(self) -> float:
        return self._origin_wall + (time.monotonic() - self._origin) * self.speed

    def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` of this clock's time."""
        if seconds > 0:
            time.sleep(seconds / self.speed)

    async def async_sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` of this clock's time without blocking the event loop."""
        await asyncio.sleep(max(0.0, seconds) / self.speed)

    def __repr__(self) -> str:
        return f"FastClock(speed={self.speed:g})"
