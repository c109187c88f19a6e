"""The provider's rule "identical requests at most once per minute", kept on our side.

A request's key is its full parameter set. The guard refuses (or tells how long to wait
before) a request whose key matches one that is still in flight, or whose reply arrived (or
whose attempt ended) less than ``window`` seconds ago. An attempt proven never to have left
(connection refused) does not count: the provider never saw it.

Examples
--------
>>> from targetsms_frames._clock import ManualClock
>>> clock = ManualClock()
>>> guard = DuplicateGuard(60.0, clock)
>>> key = request_key([("id_message", "1")])
>>> guard.try_acquire(key)
0.0
>>> guard.release(key, reached=True)
>>> guard.try_acquire(key)
60.0
>>> clock.advance(60)
>>> guard.try_acquire(key)
0.0
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence

from ._clock import Clock

__all__ = ["DuplicateGuard", "RequestKey", "request_key"]

RequestKey = tuple[tuple[str, str], ...]


def request_key(params: Sequence[tuple[str, str]]) -> RequestKey:
    """The identity of a request for the duplicate rule: its parameters, order ignored."""
    return tuple(sorted(params))


class DuplicateGuard:
    """Track recent request keys; thread-safe.

    Parameters
    ----------
    window : float
        Seconds during which an identical request is refused.
    clock : callable
        Returns the current time in seconds.
    """

    def __init__(self, window: float, clock: Clock) -> None:
        self.window = float(window)
        self._clock = clock
        self._done: dict[RequestKey, float] = {}
        self._inflight: set[RequestKey] = set()
        self._lock = threading.Lock()

    def wait_time(self, key: RequestKey) -> float:
        """Seconds until ``key`` may be sent (``inf`` while an identical one is in flight)."""
        with self._lock:
            return self._wait_locked(key, self._clock())

    def _wait_locked(self, key: RequestKey, now: float) -> float:
        if key in self._inflight:
            return math.inf
        ended = self._done.get(key)
        if ended is None:
            return 0.0
        remaining = ended + self.window - now
        if remaining <= 0:
            del self._done[key]
            return 0.0
        return remaining

    def try_acquire(self, key: RequestKey) -> float:
        """Mark ``key`` in flight and return 0, or return the seconds still to wait."""
        with self._lock:
            now = self._clock()
            wait = self._wait_locked(key, now)
            if wait == 0.0:
                self._inflight.add(key)
                if len(self._done) > 4096:
                    self._prune(now)
            return wait

    def release(self, key: RequestKey, *, reached: bool) -> None:
        """End the attempt; if it may have reached the provider, start the window now."""
        with self._lock:
            self._inflight.discard(key)
            if reached:
                self._done[key] = self._clock()

    def _prune(self, now: float) -> None:
        stale = [k for k, t in self._done.items() if t + self.window <= now]
        for k in stale:
            del self._done[k]
