"""How the sandbox's network lets a client down: each fault defined once, for every transport.

A fault is drawn per request (``draw_fault``). Its ``FAULT_EFFECTS`` entry says whether the
endpoint processed the request before the fault struck and what the client meets instead of a
plain reply: a refused connection, a connection cut before the reply, a reply held until the
client gives up, or a spoilt reply (an error page, unreadable bytes: ``spoilt_reply``). The
in-process transport and the server both read this table, so a fault means the same on either.
Latency is the one fault that only delays: ``wait_latency`` / ``await_latency``, with the
sleeps of the sandbox's clock (``clock_sleeps``), so a ``ManualClock`` moves instead of waiting.

Examples
--------
>>> FAULT_EFFECTS["drop_after"]
FaultEffect(processed=True, client_meets='cut')
>>> draw_fault(Faults(refuse=1.0), random.Random(0), deque())
'refuse'
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Final, Literal, get_args

import anyio

from .._clock import Clock, Sleep

__all__ = [
    "FAULT_EFFECTS",
    "FAULT_KINDS",
    "HTML",
    "PLAIN",
    "AsyncSleep",
    "FaultEffect",
    "FaultKind",
    "Faults",
    "await_latency",
    "clock_sleeps",
    "draw_fault",
    "spoilt_reply",
    "wait_latency",
]

FaultKind = Literal["refuse", "drop_before", "drop_after", "timeout_after", "http_500", "garbage"]
#: Every fault kind, in the order ``Faults`` probabilities are drawn.
FAULT_KINDS: Final[tuple[FaultKind, ...]] = get_args(FaultKind)
AsyncSleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class FaultEffect:
    """What a fault does to one request.

    ``processed``: the endpoint handled the request (it counts for the duplicate rule and a
    valid send created its messages) before the fault struck. ``client_meets``: ``refused``
    (no connection; a server that already accepted it cuts it at once), ``cut`` (the
    connection closes before a whole reply), ``held`` (no reply until the client gives up) or
    ``spoilt`` (a reply, but an error page or unreadable bytes in place of the answer).
    """

    processed: bool
    client_meets: Literal["refused", "cut", "held", "spoilt"]


FAULT_EFFECTS: Final[Mapping[FaultKind, FaultEffect]] = {
    "refuse": FaultEffect(False, "refused"),
    "drop_before": FaultEffect(False, "cut"),
    "drop_after": FaultEffect(True, "cut"),
    "timeout_after": FaultEffect(True, "held"),
    "http_500": FaultEffect(True, "spoilt"),
    "garbage": FaultEffect(True, "spoilt"),
}

PLAIN: Final = "text/plain; charset=utf-8"
HTML: Final = "text/html; charset=utf-8"
_ERROR_PAGE_500: Final = (
    "<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n"
    "<center><h1>500 Internal Server Error</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)
_GARBAGE: Final[tuple[tuple[str, str], ...]] = (
    (
        "<!DOCTYPE html><html><head><title>Технические работы</title></head>"
        "<body><h1>Сервис временно недоступен</h1></body></html>",
        HTML,
    ),
    ("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\ufffd\ufffd", PLAIN),
)


@dataclass(frozen=True)
class Faults:
    """How often the sandbox's network misbehaves.

    Parameters
    ----------
    latency : float
        Seconds the transports wait before every request is handled.
    refuse, drop_before, drop_after, timeout_after, http_500, garbage : float
        Probability per request of each fault (their sum at most 1). ``refuse`` and
        ``drop_before`` lose the request before it is processed; the others process it and
        then lose or spoil the reply (see ``FAULT_EFFECTS``).
    seed : int
        Seed of the fault draws (independent of the message outcomes).

    Examples
    --------
    >>> Faults(drop_after=0.1, http_500=0.05).probabilities()[2]
    ('drop_after', 0.1)
    """

    latency: float = 0.0
    refuse: float = 0.0
    drop_before: float = 0.0
    drop_after: float = 0.0
    timeout_after: float = 0.0
    http_500: float = 0.0
    garbage: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.latency < 0:
            raise ValueError("latency must be >= 0 seconds")
        chances = [p for _, p in self.probabilities()]
        if any(not 0.0 <= p <= 1.0 for p in chances) or sum(chances) > 1.0:
            raise ValueError("fault probabilities must lie in [0, 1] and sum to at most 1")

    def probabilities(self) -> tuple[tuple[FaultKind, float], ...]:
        """Each fault kind with its probability, in drawing order."""
        return tuple((kind, float(getattr(self, kind))) for kind in FAULT_KINDS)


def draw_fault(faults: Faults, rng: random.Random, injected: deque[FaultKind]) -> FaultKind | None:
    """The fault for the next request: an injected one first, else a random draw.

    One number is drawn per request either way, so injecting faults does not shift the
    random ones that follow.

    >>> draw_fault(Faults(refuse=1.0), random.Random(0), deque(["garbage"]))
    'garbage'
    >>> draw_fault(Faults(), random.Random(0), deque()) is None
    True
    """
    draw = rng.random()
    if injected:
        return injected.popleft()
    for kind, chance in faults.probabilities():
        if draw < chance:
            return kind
        draw -= chance
    return None


def spoilt_reply(kind: FaultKind | None, request_no: int) -> tuple[int, str, str] | None:
    """The (status code, body, content type) a spoiling fault puts in place of the reply.

    ``http_500`` gives the web server's error page; ``garbage`` alternates between a
    maintenance page and binary junk, both with HTTP 200. Other kinds spoil nothing.

    >>> spoilt_reply("http_500", 1)[0]
    500
    >>> spoilt_reply("drop_after", 1) is None
    True
    """
    if kind == "http_500":
        return 500, _ERROR_PAGE_500, HTML
    if kind == "garbage":
        body, content_type = _GARBAGE[request_no % len(_GARBAGE)]
        return 200, body, content_type
    return None


def clock_sleeps(clock: Clock) -> tuple[Sleep, AsyncSleep]:
    """How to wait on ``clock``: its own ``sleep``/``async_sleep`` when it has them.

    A ``ManualClock`` or ``FastClock`` then moves (fast) instead of making a test wait;
    any other clock waits in real time (``time.sleep``, ``anyio.sleep``).

    >>> from targetsms_frames._clock import ManualClock
    >>> clock = ManualClock(start=0.0)
    >>> sleep, _ = clock_sleeps(clock)
    >>> sleep(5); clock()
    5.0
    """
    sleep = getattr(clock, "sleep", None)
    async_sleep = getattr(clock, "async_sleep", None)
    return (
        sleep if callable(sleep) else time.sleep,
        async_sleep if callable(async_sleep) else anyio.sleep,
    )


def wait_latency(faults: Faults, sleep: Sleep) -> None:
    """Wait the configured latency before a request is handled (nothing when it is 0)."""
    if faults.latency > 0:
        sleep(faults.latency)


async def await_latency(faults: Faults, sleep: AsyncSleep) -> None:
    """``wait_latency`` without blocking an event loop."""
    if faults.latency > 0:
        await sleep(faults.latency)
