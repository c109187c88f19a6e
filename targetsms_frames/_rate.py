"""Request pacing: at most ``rate`` requests per second, with injectable time.

Examples
--------
>>> from targetsms_frames._clock import ManualClock
>>> clock = ManualClock(start=0.0)
>>> limiter = RateLimiter(rate=2.0, clock=clock, sleep=clock.sleep)
>>> for _ in range(5):
...     limiter.wait()
>>> clock()
2.0
"""

from __future__ import annotations

import math
import time

from ._clock import Clock, Sleep

__all__ = ["RateLimiter"]


class RateLimiter:
    """Space calls evenly: the n-th call starts no earlier than ``start + n / rate``.

    Parameters
    ----------
    rate : float or None
        Calls per second; ``None`` or ``inf`` means no limit.
    clock, sleep : callables
        Time source and sleep (``time.monotonic`` and ``time.sleep`` by default).
    """

    def __init__(
        self, rate: float | None, *, clock: Clock | None = None, sleep: Sleep | None = None
    ) -> None:
        if rate is not None and rate <= 0:
            raise ValueError("rate must be positive (requests per second) or None")
        self.interval = 0.0 if rate is None or math.isinf(rate) else 1.0 / rate
        self._clock = clock or time.monotonic
        self._sleep = sleep or time.sleep
        self._next: float | None = None

    def wait(self) -> None:
        """Block until the next call may start."""
        if not self.interval:
            return
        now = self._clock()
        if self._next is None or self._next < now:
            self._next = now
        delay = self._next - now
        if delay > 0:
            self._sleep(delay)
        self._next += self.interval
