"""Bounded concurrency with pacing: a few requests at once, at most ``rate`` per second.

Measured on loopback here: a thread pool of synchronous httpx calls beats ``httpx.AsyncClient``
at the same concurrency (see ``benchmarks/``), so sending and polling use threads. Results come
back to the calling thread, which alone writes the journal. Status checks run here; sending has
an engine of its own (:mod:`._dispatch`).

Examples
--------
>>> from collections import deque
>>> runner = BoundedRunner(lambda x: x * 2, concurrency=2, limiter=RateLimiter(None))
>>> sorted(result for batch in runner.run(deque([1, 2, 3])) for _, result in batch)
[2, 4, 6]
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Generic, TypeVar

from ._interrupts import deferred_interrupts
from ._policy import RateLimiter

__all__ = ["BoundedRunner", "RateLimiter"]

T = TypeVar("T")
R = TypeVar("R")


class BoundedRunner(Generic[T, R]):
    """Run ``call`` over a queue that may grow while it runs.

    ``before(items)`` runs in the calling thread just before a batch of items is handed to
    the workers (the journal's "in flight" commit: one disk sync for the batch); if the
    calling thread is interrupted before some of them were handed over, ``abandon(rest)``
    says so (they provably never left). An exception
    raised by ``call`` is returned as the result, never lost. Results come back in batches
    too, so the caller can record them in one commit.
    """

    def __init__(
        self,
        call: Callable[[T], R],
        *,
        concurrency: int,
        limiter: RateLimiter,
        before: Callable[[list[T]], None] | None = None,
        abandon: Callable[[list[T]], None] | None = None,
    ) -> None:
        self._call = call
        self._concurrency = max(1, int(concurrency))
        self._limiter = limiter
        self._before = before
        self._abandon = abandon
        self._pool = ThreadPoolExecutor(max_workers=self._concurrency, thread_name_prefix="tsf")
        self._inflight: dict[Future[R | BaseException], T] = {}

    def _guarded(self, item: T) -> R | BaseException:
        try:
            return self._call(item)
        except Exception as exc:
            return exc

    def run(
        self, queue: deque[T], stop: Callable[[], bool] = lambda: False
    ) -> Iterator[list[tuple[T, R | BaseException]]]:
        """Yield batches of ``(item, result)`` as calls finish; no new items once ``stop()``."""
        try:
            while queue or self._inflight:
                batch: list[T] = []
                while queue and len(self._inflight) + len(batch) < self._concurrency and not stop():
                    batch.append(queue.popleft())
                if batch:
                    if self._before is not None:
                        self._before(batch)
                    handed = 0
                    try:
                        for item in batch:
                            self._limiter.wait()
                            with deferred_interrupts():  # handed over and known to be, or not
                                self._inflight[self._pool.submit(self._guarded, item)] = item
                                handed += 1
                    finally:
                        if handed < len(batch) and self._abandon is not None:
                            self._abandon(batch[handed:])  # interrupted before they left
                if not self._inflight:
                    break
                done, _ = wait(self._inflight, return_when=FIRST_COMPLETED)
                yield [(self._inflight.pop(future), future.result()) for future in done]
        finally:
            if not self._inflight:
                self._pool.shutdown(wait=True)

    def drain(self) -> list[tuple[T, R | BaseException]]:
        """Wait for calls still out (after an interrupt) and return their results."""
        out = [(item, future.result()) for future, item in self._inflight.items()]
        self._inflight.clear()
        self._pool.shutdown(wait=True)
        return out
