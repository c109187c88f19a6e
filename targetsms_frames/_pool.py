"""Bounded concurrency with pacing: a few requests at once, at most ``rate`` per second.

Measured on loopback here: a thread pool of synchronous httpx calls beats ``httpx.AsyncClient``
at the same concurrency (see ``benchmarks/``), so sending and polling use threads. Results come
back to the calling thread, which alone writes the journal.

Examples
--------
>>> from collections import deque
>>> runner = BoundedRunner(lambda x: x * 2, concurrency=2, limiter=RateLimiter(None))
>>> sorted(result for _, result in runner.run(deque([1, 2, 3])))
[2, 4, 6]
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Generic, TypeVar

from ._rate import RateLimiter

__all__ = ["BoundedRunner", "RateLimiter"]

T = TypeVar("T")
R = TypeVar("R")


class BoundedRunner(Generic[T, R]):
    """Run ``call`` over a queue that may grow while it runs.

    ``before(item)`` runs in the calling thread just before the item is handed to a worker
    (the journal's "in flight" commit). An exception raised by ``call`` is returned as the
    result, never lost.
    """

    def __init__(
        self,
        call: Callable[[T], R],
        *,
        concurrency: int,
        limiter: RateLimiter,
        before: Callable[[T], None] | None = None,
    ) -> None:
        self._call = call
        self._concurrency = max(1, int(concurrency))
        self._limiter = limiter
        self._before = before
        self._pool = ThreadPoolExecutor(max_workers=self._concurrency, thread_name_prefix="tsf")
        self._inflight: dict[Future[R | BaseException], T] = {}

    def _guarded(self, item: T) -> R | BaseException:
        try:
            return self._call(item)
        except Exception as exc:
            return exc

    def run(
        self, queue: deque[T], stop: Callable[[], bool] = lambda: False
    ) -> Iterator[tuple[T, R | BaseException]]:
        """Yield ``(item, result)`` as calls finish; stops taking new items once ``stop()``."""
        try:
            while queue or self._inflight:
                while queue and len(self._inflight) < self._concurrency and not stop():
                    item = queue.popleft()
                    self._limiter.wait()
                    if self._before is not None:
                        self._before(item)
                    self._inflight[self._pool.submit(self._guarded, item)] = item
                if not self._inflight:
                    break
                done, _ = wait(self._inflight, return_when=FIRST_COMPLETED)
                for future in done:
                    yield self._inflight.pop(future), future.result()
        finally:
            if not self._inflight:
                self._pool.shutdown(wait=True)

    def drain(self) -> list[tuple[T, R | BaseException]]:
        """Wait for calls still out (after an interrupt) and return their results."""
        out = [(item, future.result()) for future, item in self._inflight.items()]
        self._inflight.clear()
        self._pool.shutdown(wait=True)
        return out
