"""The campaign engine: claims requests from the journal, hands them to sending threads, and
applies each reply's decision, with Ctrl-C safe at every point.

The steps, and why an interrupt anywhere never makes a message go twice:

1. **Claim** a few planned requests: one journal commit marks them ``inflight`` for this
   sender (deferred Ctrl-C: the commit and the bookkeeping are one step). The same commit
   records the replies that came back since the last one (step 5): one disk sync per round.
2. **Pace**: wait for the rate limiter's slot. An interrupt here finds requests claimed but
   not handed over: they are released back to ``planned``; they never left.
3. **Hand over** one request to the thread pool (deferred Ctrl-C around ``submit`` and the
   bookkeeping, so a request is either handed over and known to be, or not handed over).
4. A worker passes the **gate** and sends. Once sending is interrupted the gate closes: a
   worker that had not yet started returns :data:`~._outcome.CANCELLED` (released, never
   left); one that had started finishes, and its reply is recorded.
5. **Record** the replies' decisions in one journal transaction (deferred Ctrl-C), with the
   claim of the requests that go next.

A second Ctrl-C while the replies of requests already out are awaited stops the wait: those
requests stay ``inflight`` and the next run finds them ``unknown`` (they may have left).

Examples
--------
>>> import targetsms_frames as tsf
>>> from targetsms_frames.journal import SQLiteJournal, CampaignRecord, JournalRequest
>>> import pandas as pd
>>> store = SQLiteJournal.memory()
>>> rows = pd.DataFrame({"request_id": ["R000001"], "phone": ["79000000001"],
...                      "msg_key": ["k"], "send_state": ["planned"], "send_error": [None]})
>>> request = JournalRequest("R000001", {"send_sms": 1, "sender_sms": "Shop",
...                          "text_sms": "Hi"}, ("79000000001",), (0,), None)
>>> store.create(CampaignRecord("fp", None, rows[["phone"]], rows, [request]))
True
>>> sender = store.register()
>>> tally = dispatch(store, sender, tsf.Client.sandbox(), concurrency=2,
...                  limiter=RateLimiter(None), rules=StopRules())
>>> tally.sent, store.rows()["send_state"].tolist()
(1, ['sent'])
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Final

from ._client import Client, OnDuplicate
from ._clock import instant
from ._interrupts import deferred_interrupts
from ._outcome import CANCELLED, Decision, decide
from ._policy import RateLimiter, StopRules, Tally
from ._progress import Bar, silent_bar
from .journal import JournalRequest, JournalStore, Sender

__all__ = ["HORIZON", "dispatch"]

#: Seconds of requests (at the paced rate) claimed at once: few commits at high rates, and
#: nothing claimed long before it leaves at low ones.
HORIZON: Final = 0.25


class _Gate:
    """Lets workers start requests until it is closed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open = True

    def enter(self) -> bool:
        with self._lock:
            return self._open

    def close(self) -> None:
        with self._lock:
            self._open = False


def apply(store: JournalStore, decision: Decision, at: str | None = None) -> None:
    """Write one decision to the journal (inside the caller's transaction), as of ``at``
    (ISO UTC: the sending client's clock; default now)."""
    request = decision.request
    action = decision.action
    if action == "sent":
        store.record_sent(request.request_id, request.positions, decision.message_ids, at)
    elif action in ("failed", "unknown", "skip"):
        state = "skipped" if action == "skip" else action
        store.record_outcome(request.request_id, state, decision.text, decision.kind, at)
    elif action == "replan":
        store.return_to_planned(request.request_id, decision.text)
    elif action == "release":
        store.release([request.request_id])
    elif action == "split":
        store.split(request.request_id, decision.parts, decision.text)
    else:  # pragma: no cover - Decision.action is a closed set
        raise ValueError(action)


def dispatch(
    store: JournalStore,
    sender: Sender,
    client: Client,
    *,
    concurrency: int,
    limiter: RateLimiter,
    rules: StopRules,
    bar: Bar | None = None,
    due_by: Callable[[], float | None] = lambda: None,
    idle: Callable[[], float | None] = lambda: None,
    sleep: Callable[[float], None] = time.sleep,
) -> Tally:
    """Send every request the journal has planned (and due); return the run's counts.

    Parameters
    ----------
    store, sender : JournalStore, Sender
        The journal, and this run's sender (registered by the caller).
    client : Client
        Sends each request (``client.send``).
    concurrency : int
        Requests in flight at once.
    limiter : RateLimiter
        Paces requests (main thread).
    rules : StopRules
        When to stop early.
    bar : progress bar, optional
        Advanced by the rows each decision finishes.
    due_by : callable
        The moment requests are claimed for (their window must hold it; ``None``: any).
    idle : callable
        Asked when nothing is due and nothing is out: seconds to wait before claiming again
        (a send window opens later), or ``None`` to finish. Nothing is claimed while waiting,
        so Ctrl-C there leaves nothing to undo.
    sleep : callable
        How the engine waits for ``idle`` (the client's clock in tests and demos).
    """
    bar = bar or silent_bar()
    tally = Tally()
    gate = _Gate()
    concurrency = max(1, int(concurrency))
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="tsf-send")
    handed: dict[Future[object], JournalRequest] = {}
    claimed: deque[JournalRequest] = deque()
    given_back: set[str] = set()  # proven not sent in this run: left for the next one

    def work(request: JournalRequest) -> object:
        if not gate.enter():
            return CANCELLED
        # a retry of an attempt that sent nothing may wait out the one-minute rule; anything
        # else identical to a request of a moment ago is a repeat: refused, never sent
        on_duplicate: OnDuplicate = "wait" if request.retry else "raise"
        try:
            return client.send(list(request.phones), on_duplicate=on_duplicate, **request.params)
        except Exception as exc:  # returned, so the main thread decides
            return exc

    def judge(results: list[tuple[JournalRequest, object]]) -> list[Decision]:
        decisions: list[Decision] = []
        for request, result in results:
            decision = decide(request, result)
            decisions.append(decision)
            if decision.action == "release":
                continue
            again, stop = rules.observe(decision)
            decisions.extend(again)
            if stop and tally.stopped is None:
                tally.stopped = stop
        return decisions

    def record_and_claim(done: set[Future[object]], *, claim: bool) -> None:
        """One commit: the replies that came back, and the requests that go next."""
        with deferred_interrupts():
            decisions = judge([(handed.pop(f), f.result()) for f in done])
            at = instant(client.clock()).isoformat(timespec="milliseconds")
            with store.transaction():
                for decision in decisions:
                    apply(store, decision, at)
                given_back.update(d.request.request_id for d in decisions if d.action == "replan")
                free = concurrency - len(handed)
                if claim and tally.stopped is None and not claimed and free > 0:
                    want = min(free, limiter.due_within(HORIZON))
                    claimed.extend(store.claim(sender, want, due_by=due_by(), exclude=given_back))
        finished = sum(tally.count(d) for d in decisions)
        if finished:
            bar.update(finished)
            bar.set_postfix(tally.postfix(), refresh=False)

    done: set[Future[object]] = set()
    due_again = False  # idle said something is due: the next claim must find it
    try:
        while True:
            record_and_claim(done, claim=True)
            done = set()
            while claimed and len(handed) < concurrency and tally.stopped is None:
                limiter.wait()
                with deferred_interrupts():
                    request = claimed.popleft()
                    moment, closes = due_by(), request.not_after
                    if moment is not None and closes is not None and moment >= closes:
                        # its window closed while pacing held it: planned again, for the
                        # window's next opening
                        store.release([request.request_id])
                        continue
                    handed[pool.submit(work, request)] = request
            if not handed:
                if claimed or tally.stopped is not None:
                    break
                pause = idle()
                # nothing left, or only what this run gave back (left for the next run)
                if pause is None or (pause <= 0 and due_again):
                    break
                due_again = pause <= 0
                if pause > 0:
                    sleep(pause)
                continue
            due_again = False
            done, _ = wait(handed, return_when=FIRST_COMPLETED)
    finally:
        gate.close()
        with deferred_interrupts():
            store.release(r.request_id for r in claimed)  # claimed, never handed over
            claimed.clear()
        try:
            if handed:
                wait(handed)
                record_and_claim(set(handed), claim=False)
        finally:
            pool.shutdown(wait=False)
    return tally
