"""Sending policy: how fast requests go, and when a campaign stops early.

* :func:`parse_rate` reads the rates people write (``500``, ``"300/min"``, ``"10000/h"``).
* :class:`RateLimiter` spaces requests evenly, with injectable time.
* :class:`SendSchedule` keeps each recipient's messages inside their send window (and after
  ``start_at``), across restarts and nights: the journal holds each request's zone and its
  current window, and the engine asks the schedule what to do when nothing is due.
* :class:`StopRules` watches the stream of decisions and says when to stop: when the provider
  refuses the whole account, when requests in a row get no clear answer, when the provider
  cannot be reached, or when it answers the same unrecognised refusal to several requests in
  a row (a refusal that concerns every request, such as wrong credentials worded in a way we
  do not know yet). Stopping leaves the rest ``planned``; requests refused for the whole
  account go back to ``planned`` too, so once the cause is fixed, sending again sends them,
  each once.

Examples
--------
>>> parse_rate("300/min"), parse_rate("10000/h"), parse_rate(2), parse_rate(None)
(5.0, 2.7777777777777777, 2.0, None)
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
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Final

import pandas as pd

from ._clock import Clock, Sleep, instant
from ._exceptions import ValidationError
from ._outcome import Decision
from ._time import zone, zone_key
from ._windows import Window, interval
from .journal import JournalStore

__all__ = ["RateLimiter", "SendSchedule", "StopRules", "Tally", "parse_rate"]

_RATE_RE: Final = re.compile(
    r"\s*([0-9]+(?:\.[0-9]*)?)\s*(?:/\s*(s|sec|second|m|min|minute|h|hr|hour))?\s*", re.I
)
_PER: Final = {
    **dict.fromkeys(("s", "sec", "second"), 1.0),
    **dict.fromkeys(("m", "min", "minute"), 60.0),
    **dict.fromkeys(("h", "hr", "hour"), 3600.0),
}
#: Slots a limiter that fell behind may use at once to catch up.
BURST: Final = 8
#: Requests in a row proven not to have left before sending stops (provider unreachable).
NOT_SENT_STOP: Final = 3
#: Requests in a row refused with the same unrecognised text before sending stops.
SAME_REFUSAL_STOP: Final = 3


def parse_rate(rate: float | str | None) -> float | None:
    """Requests per second from a number or a text like ``"300/min"``; ``None``: no limit.

    Raises ``ValidationError`` (a ``ValueError``) for anything else, zero and less included.

    >>> parse_rate("0")
    Traceback (most recent call last):
    ...
    targetsms_frames._exceptions.ValidationError: rate must be positive: '0'
    """
    if rate is None:
        return None
    if isinstance(rate, str):
        match = _RATE_RE.fullmatch(rate)
        if match is None:
            raise _bad_rate(
                f"rate {rate!r} is not understood: write requests per second (500), or "
                "'300/min', '10000/h'"
            )
        value = float(match.group(1)) / _PER[(match.group(2) or "s").lower()]
    else:
        value = float(rate)
    if not value > 0:
        raise _bad_rate(f"rate must be positive: {rate!r}")
    return None if math.isinf(value) else value


def _bad_rate(message: str) -> ValidationError:
    cases = pd.DataFrame({"index": [pd.NA], "column": ["rate"], "rule": [message]})
    return ValidationError(message, cases)


class RateLimiter:
    """Space calls evenly: the n-th call starts no earlier than ``start + n / rate``.

    Parameters
    ----------
    rate : float, str or None
        Calls per second (or a text such as ``"300/min"``); ``None`` means no limit.
    clock, sleep : callables
        Time source and sleep (``time.monotonic`` and ``time.sleep`` by default).
    """

    def __init__(
        self, rate: float | str | None, *, clock: Clock | None = None, sleep: Sleep | None = None
    ) -> None:
        per_second = parse_rate(rate)
        self.interval = 0.0 if per_second is None else 1.0 / per_second
        self._clock = clock or time.monotonic
        self._sleep = sleep or time.sleep
        self._next: float | None = None

    def due_within(self, horizon: float) -> int:
        """How many calls may start within ``horizon`` seconds from now (at least 1)."""
        if not self.interval:
            return 1 << 30
        return max(1, int(horizon / self.interval))

    def wait(self) -> None:
        """Block until the next call may start.

        A caller that fell behind (busy elsewhere) may catch up a few calls at once: at most
        :data:`BURST` slots are kept, so the rate over any longer stretch stays within limit.
        """
        if not self.interval:
            return
        now = self._clock()
        earliest = now - BURST * self.interval
        if self._next is None or self._next < earliest:
            self._next = now if self._next is None else earliest
        delay = self._next - now
        if delay > 0:
            self._sleep(delay)
        self._next += self.interval


@dataclass
class Tally:
    """Running counts of a sending run, and why it stopped early (if it did)."""

    sent: int = 0
    failed: int = 0
    unknown: int = 0
    skipped: int = 0
    stopped: str | None = None

    def postfix(self) -> dict[str, int]:
        """What the progress bar shows beside the count."""
        return {"sent": self.sent, "failed": self.failed, "unknown": self.unknown}

    def count(self, decision: Decision) -> int:
        """Count a decision's rows; return how many rows it finished."""
        n = len(decision.request.phones)
        if decision.action in ("sent", "failed", "unknown", "skip"):
            name = "skipped" if decision.action == "skip" else decision.action
            setattr(self, name, getattr(self, name) + n)
            return n
        return 0


@dataclass
class StopRules:
    """When a campaign stops early, judged from its decisions in the order they come."""

    max_unknown_in_a_row: int = 5
    unknown_in_a_row: int = 0
    not_sent_in_a_row: int = 0
    #: Requests refused, in a row, with the same text that is not a known per-row refusal.
    same_refusal: list[Decision] = field(default_factory=list)

    def observe(self, decision: Decision) -> tuple[list[Decision], str | None]:
        """Judge one decision; return decisions to apply again, and the reason to stop.

        The decisions returned turn an earlier run of identical unrecognised refusals back to
        ``planned``: once several requests in a row got the same one, it concerns the account.
        """
        action = decision.action
        self.unknown_in_a_row = self.unknown_in_a_row + 1 if action == "unknown" else 0
        self.not_sent_in_a_row = (
            self.not_sent_in_a_row + 1 if action == "replan" and not decision.account_wide else 0
        )
        if decision.account_wide:
            return [], f"the provider refused the account: {decision.text}"
        if action == "failed" and decision.kind == "ProviderError":
            if self.same_refusal and self.same_refusal[-1].text != decision.text:
                self.same_refusal.clear()
            self.same_refusal.append(decision)
            if len(self.same_refusal) >= SAME_REFUSAL_STOP:
                again = [
                    Decision("replan", d.request, d.text, d.kind, account_wide=True)
                    for d in self.same_refusal
                ]
                self.same_refusal.clear()
                return again, (
                    f"the provider refused {len(again)} requests in a row with the same "
                    f"text, which seems to concern the account: {decision.text}"
                )
        elif action in ("sent", "failed", "unknown", "split"):
            self.same_refusal.clear()
        if self.unknown_in_a_row >= self.max_unknown_in_a_row:
            return [], (
                f"{self.unknown_in_a_row} requests in a row had no clear answer ({decision.text})"
            )
        if self.not_sent_in_a_row >= NOT_SENT_STOP:
            return [], f"the provider could not be reached ({decision.text})"
        return [], None


@dataclass
class SendSchedule:
    """When each zone's requests may go: the send window and ``start_at``, kept in the journal.

    :meth:`apply` writes, for every zone with planned requests, the window's current or next
    opening (never before ``start_at``) as the requests' ``not_before``/``not_after``; the
    engine claims only requests inside theirs. When nothing is due, :meth:`idle` moves each
    zone on to its next opening and says how long until the first one (``None``: stop now).
    """

    window: Window | None
    start_at: datetime | None
    tz: tzinfo
    clock: Clock
    wait: bool = True
    #: What the schedule is waiting for, for the progress bar (empty while sending).
    waiting_for: str = ""

    def _now(self) -> datetime:
        return instant(self.clock())

    def apply(self, store: JournalStore) -> dict[str | None, tuple[datetime, datetime | None]]:
        """Write every planned zone's next interval to the journal; return them."""
        now = self._now()
        begin = max(now, self.start_at) if self.start_at is not None else now
        times: dict[str | None, tuple[datetime, datetime | None]] = {}
        for name in store.planned_zones():
            if self.window is None:
                times[name] = (begin, None)
            else:
                times[name] = interval(self.window, zone(name) if name else self.tz, begin)
        store.schedule(
            (name, a.timestamp(), None if b is None else b.timestamp())
            for name, (a, b) in times.items()
        )
        return times

    def idle(self, store: JournalStore) -> float | None:
        """Seconds until the next zone opens (nothing is due now), or ``None`` to stop."""
        counts = store.planned_zones()
        if not counts or not self.wait:
            self.waiting_for = ""
            return None
        times = self.apply(store)
        now = self._now()
        first = min(a for a, _ in times.values())
        if first <= now:  # something is due (a window opened while we worked)
            self.waiting_for = ""
            return 0.0
        zones = [name for name, (a, _) in times.items() if a == first]
        rows = sum(counts[name] for name in zones)
        local = first.astimezone(zone(zones[0]) if zones[0] else self.tz)
        where = zones[0] or zone_key(self.tz)
        self.waiting_for = (
            f"{rows:,} waiting for {local:%H:%M} {where}, in {_duration(first - now)}"
        )
        return (first - now).total_seconds()


def _duration(delta: timedelta) -> str:
    """``2 h 10 min``, ``5 min``, ``40 s``."""
    seconds = max(0, int(delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min" if minutes else f"{seconds} s"
