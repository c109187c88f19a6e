"""What every journal store offers, whatever keeps it: the records and the :class:`JournalStore`
protocol that the campaign engine, polling, reports and the command line use.

A store holds one campaign: the caller's frame (every version of it, for ``extend=True``), one
row per recipient and the requests they ride in. A request moves
``planned -> inflight -> sent | failed | unknown`` (or ``split`` into smaller planned requests
after a per-phone refusal); ``inflight`` is claimed by exactly one *sender* and committed before
the request leaves. A sender that stops without finishing (a crash, ``kill -9``, a lost machine)
leaves its claimed requests ``inflight``; the next sender finds them and makes them ``unknown``:
they may have been sent, so they are never sent again. Nothing is ever ``planned`` again once it
may have left, except a request the HTTP layer proved never left (connection refused).

Examples
--------
>>> binding = Binding.new("https://sms.targetsms.ru/sendmessage.php", "shop")
>>> binding.matches("https://sms.targetsms.ru/sendmessage.php", "shop")
True
>>> binding.matches("https://sms.targetsms.ru/sendmessage.php", "other")
False
>>> "shop" in repr(binding)
False
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import secrets
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Protocol

import numpy as np
import pandas as pd

__all__ = [
    "INTERRUPTED",
    "SCHEMA_VERSION",
    "Binding",
    "CampaignRecord",
    "JournalRequest",
    "JournalStore",
    "Sender",
    "frame_from_bytes",
    "frame_to_bytes",
    "utc_now",
]

SCHEMA_VERSION: Final = 2
#: Why a request found in flight without a live sender is ``unknown``.
INTERRUPTED: Final = (
    "the run stopped while this request was in flight; it may have been sent, so it is not "
    "sent again"
)


def utc_now() -> str:
    """The current UTC time as an ISO 8601 string (what the journal stores)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class JournalRequest:
    """A request as the journal knows it: its rows are journal positions."""

    request_id: str
    params: dict[str, Any]
    phones: tuple[str, ...]
    positions: tuple[int, ...]
    url_length: int | None
    #: Epoch seconds before which the request may not leave (send windows), or ``None``.
    not_before: float | None = None
    #: An earlier attempt provably sent nothing (refused connection, a refusal of the whole
    #: account): an identical request a moment ago was that attempt, so waiting out the
    #: one-identical-request-per-minute rule is safe.
    retry: bool = False
    #: The recipients' time zone (rows of one request share it), for send windows.
    zone: str | None = None
    #: Epoch seconds by which the request must have left (its send window closes), or
    #: ``None``.
    not_after: float | None = None


@dataclass(frozen=True)
class Binding:
    """The endpoint and login a campaign was sent with, the login kept only as a salted hash.

    The endpoint (a URL without query) is kept in the clear so that an error can name it; the
    login is a credential and is never written, nor is the password.
    """

    endpoint: str
    salt: str
    digest: str = field(repr=False)

    @staticmethod
    def _hash(salt: str, endpoint: str, login: str) -> str:
        message = f"{endpoint}\n{login}".encode("utf-8", errors="surrogatepass")
        return hmac.new(bytes.fromhex(salt), message, hashlib.sha256).hexdigest()

    @classmethod
    def new(cls, endpoint: str, login: str) -> Binding:
        """Bind to ``endpoint`` and ``login`` with a fresh salt."""
        salt = secrets.token_hex(16)
        return cls(endpoint, salt, cls._hash(salt, endpoint, login))

    def matches(self, endpoint: str, login: str) -> bool:
        """Whether a client of this endpoint and login may resume the campaign."""
        same = hmac.compare_digest(self._hash(self.salt, endpoint, login), self.digest)
        return same and endpoint == self.endpoint


@dataclass(frozen=True)
class Sender:
    """One process sending a campaign; it owns the requests it claims until it finishes."""

    sender_id: str
    host: str
    pid: int


@dataclass(frozen=True)
class KeptSchedule:
    """A campaign's send window, zone and start as its last ``send`` gave them, kept so that a
    resume that names none of them goes on by the same schedule."""

    #: ``09:00-21:00``, or ``None``: no window.
    window: str | None
    #: The campaign's zone as written in a journal (an IANA key, or an offset).
    tz: str
    #: Epoch seconds (UTC) before which nothing goes, or ``None``.
    start_at: float | None


@dataclass(frozen=True)
class CampaignRecord:
    """What a new campaign writes in one transaction."""

    fingerprint: str
    binding: Binding | None
    input_frame: pd.DataFrame
    #: One row per journal position: ``phone``, ``msg_key``, ``request_id``, ``send_state``,
    #: ``send_error``.
    rows: pd.DataFrame
    requests: Sequence[JournalRequest]


def _text_or_none(value: object) -> object:
    return value if value is None else str(value)


def frame_to_bytes(frame: pd.DataFrame) -> bytes:
    """The caller's frame as Parquet bytes; what Parquet cannot hold is kept as text.

    Mixed-type object columns and a mixed-type index (``[1, "a"]``) become text rather than
    fail the campaign.
    """
    buffer = io.BytesIO()
    try:
        frame.to_parquet(buffer)
    except (TypeError, ValueError, ImportError, ArithmeticError, NotImplementedError):
        safe = frame.copy()
        for name in safe.columns:
            if safe[name].dtype == object:
                safe[name] = safe[name].map(_text_or_none).astype("str")
        safe.columns = [str(c) for c in safe.columns]
        levels = [safe.index.get_level_values(i) for i in range(safe.index.nlevels)]
        levels = [lv.map(_text_or_none) if lv.dtype == object else lv for lv in levels]
        names = safe.index.names
        safe.index = (
            pd.MultiIndex.from_arrays(levels, names=names)
            if len(levels) > 1
            else levels[0].rename(names[0])
        )
        buffer = io.BytesIO()
        safe.to_parquet(buffer)
    return buffer.getvalue()


def frame_from_bytes(data: bytes) -> pd.DataFrame:
    """The frame :func:`frame_to_bytes` stored."""
    return pd.read_parquet(io.BytesIO(data))


def positions_to_bytes(positions: np.ndarray) -> bytes:
    """A version's map from the caller's row order to journal positions."""
    return np.asarray(positions, dtype="<i8").tobytes()


def positions_from_bytes(data: bytes) -> np.ndarray:
    """The map :func:`positions_to_bytes` stored."""
    return np.frombuffer(data, dtype="<i8").astype(np.int64)


class JournalStore(Protocol):
    """The operations the campaign engine, polling, reports and the command line use.

    Every write commits before the method returns, unless it runs inside
    :meth:`transaction`, which groups writes into one commit. Implementations: the SQLite
    store (a file path, embedded) and the PostgreSQL store (a ``postgresql://`` URL).
    """

    #: Where the journal lives, for messages (a path, or a URL without its password).
    location: str

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """Group writes into one commit; nested calls join the outer one."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...

    # -- the campaign -----------------------------------------------------------------------
    def fingerprint(self) -> str | None:
        """The first version's fingerprint, or ``None`` while the journal holds no campaign."""
        ...

    def binding(self) -> Binding | None:
        """The endpoint and login the campaign belongs to (``None``: not bound yet)."""
        ...

    def bind(self, binding: Binding) -> None:
        """Bind a campaign written before journals were bound (first resume)."""
        ...

    def kept_schedule(self) -> KeptSchedule | None:
        """The send window, zone and start the campaign was last sent with (``None``: the
        campaign was never sent with a window or a start)."""
        ...

    def keep_schedule(self, kept: KeptSchedule) -> None:
        """Keep the send window, zone and start of this run for the next one."""
        ...

    def create(self, record: CampaignRecord) -> bool:
        """Write a new campaign: input, rows, planned requests, first version.

        Returns ``False`` (and writes nothing) when another sender wrote one first.
        """
        ...

    def version(self, fingerprint: str) -> np.ndarray | None:
        """Journal positions of a known version's rows (caller order), or ``None``."""
        ...

    def add_version(self, fingerprint: str, positions: np.ndarray) -> None:
        """Remember that a frame with ``fingerprint`` maps onto ``positions``."""
        ...

    def extend(
        self,
        input_frame: pd.DataFrame,
        rows: pd.DataFrame,
        requests: Sequence[JournalRequest],
    ) -> None:
        """Append rows (positions after the last one), their requests and the new input."""
        ...

    def fill_keys(self, msg_keys: Sequence[str]) -> None:
        """Store each position's message key (journals written before keys were kept)."""
        ...

    def load_input(self) -> pd.DataFrame:
        """The caller's rows, every version of them, in journal position order."""
        ...

    def rows(self) -> pd.DataFrame:
        """Every row's journal state, indexed by position."""
        ...

    def requests(self) -> pd.DataFrame:
        """Every request with its state, parameters (no credentials) and timings."""
        ...

    def next_request_number(self) -> int:
        """One more than the highest top-level request number (``R000042`` -> 43)."""
        ...

    # -- sending ----------------------------------------------------------------------------
    def register(self) -> Sender:
        """Start a sender; its claims are its own until :meth:`unregister`."""
        ...

    def unregister(self, sender: Sender) -> None:
        """End a sender that finished (its claims were all recorded or released)."""
        ...

    def recover(self) -> int:
        """Make ``unknown`` every request in flight for a sender that is gone; return how many."""
        ...

    def claim(
        self,
        sender: Sender,
        limit: int,
        *,
        due_by: float | None,
        exclude: Collection[str] = (),
    ) -> list[JournalRequest]:
        """Mark up to ``limit`` planned requests in flight for ``sender`` (commit) and return them.

        Requests come in plan order; with ``due_by`` only those whose ``not_before`` is unset
        or not later than it; none of ``exclude`` (requests this run already gave back).
        """
        ...

    def release(self, request_ids: Iterable[str]) -> None:
        """Put claimed requests that provably never left back to ``planned``."""
        ...

    def planned_count(self) -> int:
        """Requests still ``planned``."""
        ...

    def record_sent(
        self,
        request_id: str,
        positions: Sequence[int],
        message_ids: Sequence[str],
        at: str | None = None,
    ) -> str:
        """Store the provider's IDs for the request's rows, sent ``at`` (ISO UTC; default
        now); return the time recorded."""
        ...

    def record_outcome(
        self, request_id: str, state: str, error: str, kind: str, at: str | None = None
    ) -> str:
        """Finish a request as ``failed``, ``unknown`` or ``skipped`` with the reason, ``at``
        (ISO UTC; default now)."""
        ...

    def return_to_planned(self, request_id: str, error: str) -> None:
        """A request proven never to have left goes back to ``planned`` (sent on resume)."""
        ...

    def split(self, request_id: str, parts: Sequence[JournalRequest], reason: str) -> None:
        """Replace a refused multi-phone request by smaller planned ones."""
        ...

    def planned_requests(self) -> list[JournalRequest]:
        """Every request still planned, in plan order."""
        ...

    def rezone(
        self,
        zones: Iterable[tuple[str, str | None]],
        splits: Iterable[tuple[str, Sequence[JournalRequest]]],
    ) -> int:
        """Move planned requests to their rows' zones (``(request_id, zone)``), splitting those
        whose rows are of several zones (``(request_id, parts)``); a request no longer planned
        is left alone. Returns the requests changed."""
        ...

    def schedule(self, times: Iterable[tuple[str | None, float | None, float | None]]) -> None:
        """Set when the planned requests of each zone may go: ``(zone, not_before, not_after)``."""
        ...

    def planned_zones(self) -> dict[str | None, int]:
        """Each zone of the planned requests, with how many rows they hold."""
        ...

    # -- statuses ---------------------------------------------------------------------------
    def record_statuses(
        self, updates: Iterable[tuple[int, str | None, str | None, float, str | None]]
    ) -> None:
        """Store ``(pos, status, status_at, checked_at, status_error)`` in one transaction."""
        ...


def iter_chunks(values: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """``values`` in slices of at most ``size`` (for statements with a bound on parameters)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
