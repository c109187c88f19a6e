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
from collections import deque
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
        # (when a window ends, key), in the order windows started: pruning pops from the left,
        # so each request costs O(1) however many are inside the window
        self._ends: deque[tuple[float, RequestKey]] = deque()
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
            self._prune(now)
            wait = self._wait_locked(key, now)
            if wait == 0.0:
                self._inflight.add(key)
            return wait

    def release(self, key: RequestKey, *, reached: bool) -> None:
        """End the attempt; if it may have reached the provider, start the window now."""
        with self._lock:
            self._inflight.discard(key)
            if reached:
                now = self._clock()
                self._done[key] = now
                self._ends.append((now + self.window, key))

    def __len__(self) -> int:
        """Requests remembered (inside their window, or not pruned yet)."""
        with self._lock:
            return len(self._done)

    def _prune(self, now: float) -> None:
        ends, done, window = self._ends, self._done, self.window
        while ends and ends[0][0] <= now:
            _, key = ends.popleft()
            ended = done.get(key)
            if ended is not None and ended + window <= now:  # not renewed since
                del done[key]
