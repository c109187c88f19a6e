"""The campaign journal: one SQLite file (WAL) that makes sending resumable and at-most-once.

What it holds: the campaign's fingerprint, the caller's input frame, every planned request and
its rows. A request's state moves ``planned -> inflight -> sent | failed | unknown`` (or
``split`` into smaller requests after a per-phone refusal). ``inflight`` is committed *before*
the request leaves; a request found ``inflight`` when a journal is reopened was interrupted
(crash, kill) and becomes ``unknown``: it may have been sent, so it is never sent again.
The password is never written; neither is the login.

Examples
--------
>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "campaign.sqlite")
>>> with Journal.open(path) as journal:
...     journal.fingerprint is None
True
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ._exceptions import JournalError, JournalMismatchError
from ._time import utc_times

__all__ = ["NEVER_A_STATUS", "Journal", "JournalRequest", "send_outcome", "utc_now"]

SCHEMA_VERSION = "1"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS input (id INTEGER PRIMARY KEY CHECK (id = 1), frame BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS requests (
    request_id TEXT PRIMARY KEY,
    parent_id TEXT,
    seq INTEGER NOT NULL,
    state TEXT NOT NULL,
    params TEXT NOT NULL,
    phones TEXT NOT NULL,
    url_length INTEGER,
    started_at TEXT,
    finished_at TEXT,
    error TEXT,
    error_kind TEXT
);
CREATE TABLE IF NOT EXISTS rows (
    pos INTEGER PRIMARY KEY,
    request_id TEXT,
    phone TEXT,
    send_state TEXT NOT NULL,
    send_error TEXT,
    message_id TEXT,
    sent_at TEXT,
    status TEXT,
    status_at TEXT,
    checked_at REAL,
    status_error TEXT
);
CREATE INDEX IF NOT EXISTS rows_request ON rows (request_id);
CREATE INDEX IF NOT EXISTS requests_state ON requests (state, seq);
"""
INTERRUPTED = (
    "the run stopped while this request was in flight; it may have been sent, so it is not "
    "sent again"
)


def utc_now() -> str:
    """The current UTC time as an ISO 8601 string (what the journal stores)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


#: Send states of rows that can never get a status: no message ID to ask about.
NEVER_A_STATUS = ("failed", "skipped", "unknown")


def send_outcome(rows: pd.DataFrame, n: int) -> pd.DataFrame:
    """The send columns of ``n`` rows (positions 0..n-1) from :meth:`Journal.rows`.

    ``is_final`` is true for rows that can never get a status (``failed``, ``skipped``,
    ``unknown``); polling sets it for the others.
    """
    rows = rows.reindex(range(n))
    state = rows["send_state"].astype("str")
    return pd.DataFrame(
        {
            "request_id": rows["request_id"].astype("str"),
            "message_id": rows["message_id"].astype("str"),
            "send_state": state,
            "send_error": rows["send_error"].astype("str"),
            "sent_at": utc_times(rows["sent_at"]),
            "is_final": state.isin(NEVER_A_STATUS).to_numpy(dtype=bool),
        }
    )


def _add_missing_columns(db: sqlite3.Connection) -> None:
    """Give a journal written before ``rows.status_error`` existed that column (NULL)."""
    have = {row[1] for row in db.execute("PRAGMA table_info(rows)")}
    if "status_error" not in have:
        db.execute("ALTER TABLE rows ADD COLUMN status_error TEXT")


@dataclass(frozen=True)
class JournalRequest:
    """A request as the journal knows it."""

    request_id: str
    params: dict[str, Any]
    phones: tuple[str, ...]
    positions: tuple[int, ...]
    url_length: int | None


def _frame_to_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    try:
        frame.to_parquet(buffer)
    except (TypeError, ValueError, ImportError, ArithmeticError):
        # mixed-type object columns: keep them as text rather than fail the campaign
        safe = frame.copy()
        for name in safe.columns:
            if safe[name].dtype == object:
                safe[name] = safe[name].map(lambda v: v if v is None else str(v)).astype("str")
        safe.columns = [str(c) for c in safe.columns]
        buffer = io.BytesIO()
        safe.to_parquet(buffer)
    return buffer.getvalue()


class Journal:
    """A campaign journal file. Use :meth:`open`; all writes commit immediately."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection
        self._depth = 0

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes into one commit (one disk sync); nested calls join the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._db.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")
        finally:
            self._depth = 0

    @classmethod
    def open(cls, path: str | Path, *, durable: bool = True) -> Journal:
        """Open (or create) a journal. ``durable`` syncs every commit to disk (power-loss safe)."""
        file = Path(path)
        if file.exists() and file.is_dir():
            raise JournalError(f"journal path {str(file)!r} is a directory")
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(file, isolation_level=None, timeout=30.0)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            db.executescript(_SCHEMA)
            _add_missing_columns(db)
            version = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise JournalError(f"{str(file)!r} is not a usable campaign journal: {exc}") from None
        if version is not None and version[0] != SCHEMA_VERSION:
            raise JournalError(f"journal {str(file)!r} has schema {version[0]}, expected 1")
        return cls(file, db)

    @classmethod
    def memory(cls) -> Journal:
        """A journal that lives in memory for one call (``send`` without ``journal=``)."""
        db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        db.executescript(_SCHEMA)
        return cls(Path(":memory:"), db)

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r})"

    # -- campaign ---------------------------------------------------------------------------
    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else str(row[0])

    @property
    def fingerprint(self) -> str | None:
        """The campaign's fingerprint, or ``None`` for a new journal."""
        return self._meta("fingerprint")

    def check(self, fingerprint: str) -> None:
        """Raise ``JournalMismatchError`` unless the journal holds this campaign."""
        mine = self.fingerprint
        if mine is not None and mine != fingerprint:
            raise JournalMismatchError(
                f"the journal {str(self.path)!r} belongs to a different campaign (other phones "
                "or texts); use a new journal file for these messages, or pass the same "
                "messages to resume"
            )

    def initialise(
        self,
        fingerprint: str,
        input_frame: pd.DataFrame,
        rows: pd.DataFrame,
        requests: Iterable[JournalRequest],
    ) -> None:
        """Write a new campaign in one transaction: input, rows and planned requests.

        ``rows`` has one row per input row (position order) with ``request_id``, ``phone``,
        ``send_state`` (``planned`` or ``skipped``) and ``send_error``.
        """
        db = self._db
        with self.transaction():
            if self._meta("fingerprint") is not None:
                raise JournalError("the journal already holds a campaign")
            db.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [
                    ("schema", SCHEMA_VERSION),
                    ("fingerprint", fingerprint),
                    ("created_at", utc_now()),
                    ("rows", str(len(rows))),
                ],
            )
            db.execute("INSERT INTO input VALUES (1, ?)", (_frame_to_bytes(input_frame),))
            db.executemany(
                "INSERT INTO requests (request_id, seq, state, params, phones, url_length)"
                " VALUES (?, ?, 'planned', ?, ?, ?)",
                (
                    (
                        r.request_id,
                        i,
                        json.dumps(r.params, ensure_ascii=False),
                        ",".join(r.phones),
                        r.url_length,
                    )
                    for i, r in enumerate(requests)
                ),
            )
            db.executemany(
                "INSERT INTO rows (pos, request_id, phone, send_state, send_error)"
                " VALUES (?, ?, ?, ?, ?)",
                zip(
                    range(len(rows)),
                    rows["request_id"].astype(object).where(rows["request_id"].notna(), None),
                    rows["phone"].astype(object).where(rows["phone"].notna(), None),
                    rows["send_state"].astype(object),
                    rows["send_error"].astype(object).where(rows["send_error"].notna(), None),
                    strict=True,
                ),
            )

    def load_input(self) -> pd.DataFrame:
        """The caller's input frame as it was given to ``send``."""
        row = self._db.execute("SELECT frame FROM input WHERE id=1").fetchone()
        if row is None:
            raise JournalError(f"the journal {str(self.path)!r} holds no campaign yet")
        return pd.read_parquet(io.BytesIO(row[0]))

    # -- sending ----------------------------------------------------------------------------
    def recover_interrupted(self) -> int:
        """Turn requests left ``inflight`` by a stopped run into ``unknown``; return how many."""
        db = self._db
        with self.transaction():
            ids = [
                r[0] for r in db.execute("SELECT request_id FROM requests WHERE state='inflight'")
            ]
            for request_id in ids:
                self._finish(request_id, "unknown", INTERRUPTED, "interrupted", utc_now())
        return len(ids)

    def pending(self) -> list[JournalRequest]:
        """Requests still to send (``planned``), in plan order (one query, however many)."""
        joined = self._db.execute(
            "SELECT q.request_id, q.params, q.url_length, r.pos, r.phone"
            " FROM requests q JOIN rows r ON r.request_id = q.request_id"
            " WHERE q.state='planned' ORDER BY q.seq, q.request_id, r.pos"
        )
        out = []
        for (request_id, params, url_length), members in itertools.groupby(
            joined, key=lambda row: row[:3]
        ):
            rows = list(members)
            out.append(
                JournalRequest(
                    request_id=request_id,
                    params=json.loads(params),
                    phones=tuple(row[4] for row in rows),
                    positions=tuple(int(row[3]) for row in rows),
                    url_length=url_length,
                )
            )
        return out

    def mark_inflight(self, *request_ids: str) -> None:
        """Commit that these requests are about to leave (call before sending them)."""
        now = utc_now()
        with self.transaction():
            for request_id in request_ids:
                cur = self._db.execute(
                    "UPDATE requests SET state='inflight', started_at=? "
                    "WHERE request_id=? AND state='planned'",
                    (now, request_id),
                )
                if cur.rowcount != 1:
                    raise JournalError(f"request {request_id} is not planned; refusing to send it")

    def unmark_inflight(self, *request_ids: str) -> None:
        """Put back to ``planned`` requests marked in flight that were never handed over."""
        with self.transaction():
            for request_id in request_ids:
                self._db.execute(
                    "UPDATE requests SET state='planned', started_at=NULL "
                    "WHERE request_id=? AND state='inflight'",
                    (request_id,),
                )

    def _finish(
        self, request_id: str, state: str, error: str | None, kind: str | None, now: str
    ) -> None:
        self._db.execute(
            "UPDATE requests SET state=?, finished_at=?, error=?, error_kind=? WHERE request_id=?",
            (state, now, error, kind, request_id),
        )
        self._db.execute(
            "UPDATE rows SET send_state=?, send_error=?, sent_at=? WHERE request_id=?",
            (state, error, now if state == "unknown" else None, request_id),
        )

    def record_sent(
        self, request_id: str, positions: Sequence[int], message_ids: Sequence[str]
    ) -> str:
        """Store the provider's IDs for the request's rows (in position order)."""
        now = utc_now()
        db = self._db
        with self.transaction():
            db.execute(
                "UPDATE requests SET state='sent', finished_at=? WHERE request_id=?",
                (now, request_id),
            )
            db.executemany(
                "UPDATE rows SET send_state='sent', message_id=?, sent_at=?, send_error=NULL "
                "WHERE pos=?",
                ((mid, now, pos) for pos, mid in zip(positions, message_ids, strict=True)),
            )
        return now

    def record_outcome(self, request_id: str, state: str, error: str, kind: str) -> str:
        """Finish a request as ``failed`` or ``unknown`` with the reason."""
        if state not in ("failed", "unknown"):
            raise ValueError(state)
        now = utc_now()
        with self.transaction():
            self._finish(request_id, state, error, kind, now)
        return now

    def return_to_planned(self, request_id: str, error: str) -> None:
        """A request proven never to have left goes back to ``planned`` (sent on resume)."""
        db = self._db
        with self.transaction():
            db.execute(
                "UPDATE requests SET state='planned', error=?, error_kind='not_sent' "
                "WHERE request_id=?",
                (error, request_id),
            )
            db.execute(
                "UPDATE rows SET send_error=? WHERE request_id=?",
                (f"not sent yet: {error}; send again with the same journal to resume", request_id),
            )

    def split(self, request_id: str, parts: Sequence[JournalRequest], reason: str) -> None:
        """Replace a refused multi-phone request by smaller planned ones (same parameters)."""
        db = self._db
        with self.transaction():
            seq = db.execute(
                "SELECT seq FROM requests WHERE request_id=?", (request_id,)
            ).fetchone()[0]
            db.execute(
                "UPDATE requests SET state='split', finished_at=?, error=?, error_kind='split' "
                "WHERE request_id=?",
                (utc_now(), reason, request_id),
            )
            for part in parts:
                db.execute(
                    "INSERT INTO requests"
                    " (request_id, parent_id, seq, state, params, phones, url_length)"
                    " VALUES (?, ?, ?, 'planned', ?, ?, ?)",
                    (
                        part.request_id,
                        request_id,
                        seq,
                        json.dumps(part.params, ensure_ascii=False),
                        ",".join(part.phones),
                        part.url_length,
                    ),
                )
                db.executemany(
                    "UPDATE rows SET request_id=? WHERE pos=?",
                    ((part.request_id, pos) for pos in part.positions),
                )

    # -- statuses ---------------------------------------------------------------------------
    def record_statuses(
        self, updates: Iterable[tuple[int, str | None, str | None, float, str | None]]
    ) -> None:
        """Store ``(pos, status, status_at, checked_at, status_error)`` in one transaction.

        ``status_error`` is the last check's error while the row has no clear answer.
        """
        db = self._db
        with self.transaction():
            db.executemany(
                "UPDATE rows SET status=?, status_at=?, checked_at=?, status_error=? WHERE pos=?",
                ((status, at, checked, error, pos) for pos, status, at, checked, error in updates),
            )

    def rows(self) -> pd.DataFrame:
        """Every row's journal state, indexed by position."""
        frame = pd.read_sql_query(
            "SELECT pos, request_id, phone, send_state, send_error, message_id, sent_at, status, "
            "status_at, checked_at, status_error FROM rows ORDER BY pos",
            self._db,
            index_col="pos",
        )
        return frame

    def requests(self) -> pd.DataFrame:
        """Every request with its state, parameters (no credentials) and timings."""
        return pd.read_sql_query(
            "SELECT request_id, parent_id, state, phones, url_length, started_at, finished_at, "
            "error, error_kind, params FROM requests ORDER BY seq, request_id",
            self._db,
        )
