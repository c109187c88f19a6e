"""Sending policy: how fast requests go, and when a campaign stops early.

* :func:`parse_rate` reads the rates people write (``500``, ``"300/min"``, ``"10000/h"``).
* :class:`RateLimiter` spaces requests evenly, with injectable time.
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
from typing import Final

from ._clock import Clock, Sleep
from ._outcome import Decision

__all__ = ["RateLimiter", "StopRules", "Tally", "parse_rate"]

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

    Raises ``ValueError`` for anything else (zero or negative included).

    >>> parse_rate("0")
    Traceback (most recent call last):
    ...
    ValueError: rate must be positive: '0'
    """
    if rate is None:
        return None
    if isinstance(rate, str):
        match = _RATE_RE.fullmatch(rate)
        if match is None:
            raise ValueError(
                f"rate {rate!r} is not understood: write requests per second (500), or "
                "'300/min', '10000/h'"
            )
        value = float(match.group(1)) / _PER[(match.group(2) or "s").lower()]
    else:
        value = float(rate)
    if not value > 0:
        raise ValueError(f"rate must be positive: {rate!r}")
    return None if math.isinf(value) else value


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
