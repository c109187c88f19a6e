"""What the SQLite and PostgreSQL stores share: the tables and every statement on them.

Both databases speak the same SQL here (upserts with ``ON CONFLICT``, ``RETURNING``); a
store supplies its connection, how a transaction begins, how to lock the rows it claims, and
how to tell whether a sender is alive. Statements are written with ``?`` placeholders.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

from .._exceptions import JournalError
from .._interrupts import deferred_interrupts
from .base import (
    INTERRUPTED,
    SCHEMA_VERSION,
    Binding,
    CampaignRecord,
    JournalRequest,
    KeptSchedule,
    Sender,
    frame_from_bytes,
    frame_to_bytes,
    iter_chunks,
    positions_from_bytes,
    positions_to_bytes,
    utc_now,
)
from .liveness import process_start, started, stopped, this_host

__all__ = ["CHUNK", "REQUEST_COLUMNS", "SCHEMA", "SQLJournal"]

#: The tables, with ``{blob}`` and ``{real}`` for each database's type names.
SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS input (id INTEGER PRIMARY KEY CHECK (id = 1), frame {blob} NOT NULL);
CREATE TABLE IF NOT EXISTS versions (
    fingerprint TEXT PRIMARY KEY,
    positions {blob} NOT NULL,
    created_at TEXT NOT NULL
);
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
    error_kind TEXT,
    positions TEXT,
    not_before {real},
    not_after {real},
    zone TEXT,
    owner TEXT
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
    checked_at {real},
    msg_key TEXT,
    status_error TEXT
);
CREATE TABLE IF NOT EXISTS senders (
    sender_id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    process_start TEXT,
    started_at TEXT NOT NULL,
    heartbeat {real},
    lock_key BIGINT
);
CREATE INDEX IF NOT EXISTS rows_request ON rows (request_id);
DROP INDEX IF EXISTS requests_state;
CREATE INDEX IF NOT EXISTS requests_claim ON requests (state, seq, request_id);
"""
# ``requests_claim`` covers the claim query (state, then order, then id) so a
# claim reads the first due requests off the index instead of sorting every
# planned one; ``requests_state`` was its narrower predecessor.
CHUNK: Final = 500  # bound parameters per statement
_ROW_COLUMNS: Final = (
    "pos, request_id, phone, send_state, send_error, message_id, sent_at, status, status_at, "
    "checked_at, msg_key, status_error"
)
REQUEST_COLUMNS: Final = (
    "request_id, params, phones, positions, url_length, not_before, seq, error_kind, zone,"
    " not_after"
)


def _request(row: Sequence[Any]) -> JournalRequest:
    request_id, params, phones, positions, url_length, not_before, _, error_kind, zone = row[:9]
    not_after = row[9]
    return JournalRequest(
        request_id=request_id,
        params=json.loads(params),
        phones=tuple(phones.split(",")),
        positions=tuple(int(p) for p in positions.split(",")),
        url_length=url_length,
        not_before=not_before,
        retry=error_kind == "not_sent",
        zone=zone,
        not_after=not_after,
    )


def _joined(values: Iterable[object]) -> str:
    return ",".join(str(v) for v in values)


def _nullable(values: pd.Series) -> list[Any]:
    return values.astype(object).where(values.notna(), None).tolist()


class SQLJournal:
    """A journal store over a DB-API connection; see the SQLite and PostgreSQL stores."""

    _BEGIN: str = "BEGIN"

    location: str

    def __init__(self, location: str, connection: Any) -> None:
        self.location = location
        self._db = connection
        self._depth = 0
        #: Senders registered through this store and not unregistered yet.
        self._mine: set[str] = set()

    # -- the database ---------------------------------------------------------------------
    def _sql(self, statement: str) -> str:
        """A statement in this database's placeholder style."""
        return statement

    def _execute(self, statement: str, args: Sequence[Any] = ()) -> Any:
        return self._db.execute(self._sql(statement), tuple(args))

    def _executemany(self, statement: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if rows:
            self._db.cursor().executemany(self._sql(statement), rows)

    def _one(self, statement: str, args: Sequence[Any] = ()) -> Any:
        row = self._execute(statement, args).fetchone()
        return None if row is None else row[0]

    def _frame(self, statement: str) -> pd.DataFrame:
        cursor = self._execute(statement)
        names = [d[0] for d in cursor.description]
        return pd.DataFrame(cursor.fetchall(), columns=names)

    def _create_tables(self, blob: str, real: str) -> None:
        for statement in SCHEMA.format(blob=blob, real=real).split(";"):
            if statement.strip():
                self._execute(statement)

    def _live(self, senders: list[tuple[Any, ...]]) -> set[str]:
        """The ids of the recorded senders (rows of the ``senders`` table) still alive."""
        raise NotImplementedError

    def _started(self, sender: Sender) -> None:
        """Make a just-registered sender's liveness observable to others."""

    def _lock_campaign(self) -> None:
        """Inside a transaction: hold off other writers of the campaign until it ends (a
        database whose transactions already exclude each other needs nothing)."""

    def close(self) -> None:
        """Release the connection; senders started here and not ended are over."""
        for sender_id in self._mine:
            stopped(sender_id)
        self._db.close()

    def __enter__(self) -> SQLJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.location!r})"

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes into one commit (one disk sync); nested calls join the outer one.

        Ctrl-C is deferred for the whole transaction: it commits or rolls back completely.
        """
        with deferred_interrupts():
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._execute(self._BEGIN)
            self._depth = 1
            try:
                yield
            except BaseException:
                self._execute("ROLLBACK")
                raise
            else:
                self._execute("COMMIT")
            finally:
                self._depth = 0

    # -- the campaign -------------------------------------------------------------------------
    def _meta(self, key: str) -> str | None:
        value = self._one("SELECT value FROM meta WHERE key=?", (key,))
        return None if value is None else str(value)

    def _set_meta(self, **values: str) -> None:
        self._executemany(
            "INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value=excluded.value",
            values.items(),
        )

    def fingerprint(self) -> str | None:
        """The first version's fingerprint, or ``None`` while the journal holds no campaign."""
        return self._meta("fingerprint")

    def binding(self) -> Binding | None:
        """The endpoint and login the campaign belongs to (``None``: not bound yet)."""
        endpoint, salt, digest = (self._meta(k) for k in ("endpoint", "binding_salt", "binding"))
        if endpoint is None or salt is None or digest is None:
            return None
        return Binding(endpoint, salt, digest)

    def bind(self, binding: Binding) -> None:
        """Bind a campaign written before journals were bound (first resume)."""
        with self.transaction():
            self._set_meta(
                endpoint=binding.endpoint, binding_salt=binding.salt, binding=binding.digest
            )

    def kept_schedule(self) -> KeptSchedule | None:
        """The send window, zone and start the campaign was last sent with (``None``: the
        campaign was never sent with a window or a start)."""
        tz = self._meta("schedule_tz")
        if tz is None:
            return None
        window, start_at = self._meta("schedule_window"), self._meta("schedule_start_at")
        return KeptSchedule(window or None, tz, float(start_at) if start_at else None)

    def keep_schedule(self, kept: KeptSchedule) -> None:
        """Keep the send window, zone and start of this run for the next one."""
        with self.transaction():
            self._set_meta(
                schedule_window=kept.window or "",
                schedule_tz=kept.tz,
                schedule_start_at="" if kept.start_at is None else repr(kept.start_at),
            )

    def create(self, record: CampaignRecord) -> bool:
        """Write a new campaign in one transaction; ``False`` if one was there already."""
        with self.transaction():
            self._lock_campaign()  # two senders starting at once: one writes, one joins
            if self._meta("fingerprint") is not None:  # another sender was first
                return False
            now = utc_now()
            self._set_meta(
                schema=str(SCHEMA_VERSION),
                fingerprint=record.fingerprint,
                created_at=now,
                campaign_id=secrets.token_hex(8),
            )
            if record.binding is not None:
                self.bind(record.binding)
            self._execute(
                "INSERT INTO versions VALUES (?, ?, ?)",
                (record.fingerprint, positions_to_bytes(np.arange(len(record.rows))), now),
            )
            self._execute("INSERT INTO input VALUES (1, ?)", (frame_to_bytes(record.input_frame),))
            self._insert(record.rows, record.requests, first_pos=0, first_seq=0)
        return True

    def _insert(
        self,
        rows: pd.DataFrame,
        requests: Sequence[JournalRequest],
        *,
        first_pos: int,
        first_seq: int,
    ) -> None:
        self._executemany(
            "INSERT INTO requests (request_id, seq, state, params, phones, positions, url_length,"
            " not_before, zone) VALUES (?, ?, 'planned', ?, ?, ?, ?, ?, ?)",
            (
                (
                    r.request_id,
                    first_seq + i,
                    json.dumps(r.params, ensure_ascii=False),
                    _joined(r.phones),
                    _joined(r.positions),
                    r.url_length,
                    r.not_before,
                    r.zone,
                )
                for i, r in enumerate(requests)
            ),
        )
        self._executemany(
            "INSERT INTO rows (pos, request_id, phone, msg_key, send_state, send_error)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            zip(
                range(first_pos, first_pos + len(rows)),
                _nullable(rows["request_id"]),
                _nullable(rows["phone"]),
                _nullable(rows["msg_key"]),
                rows["send_state"].astype(object).tolist(),
                _nullable(rows["send_error"]),
                strict=True,
            ),
        )

    def version(self, fingerprint: str) -> np.ndarray | None:
        """Journal positions of a known version's rows (caller order), or ``None``."""
        data = self._one("SELECT positions FROM versions WHERE fingerprint=?", (fingerprint,))
        return None if data is None else positions_from_bytes(bytes(data))

    def add_version(self, fingerprint: str, positions: np.ndarray) -> None:
        """Remember that a frame with ``fingerprint`` maps onto ``positions``."""
        with self.transaction():
            self._execute(
                "INSERT INTO versions VALUES (?, ?, ?) ON CONFLICT (fingerprint) DO UPDATE SET"
                " positions=excluded.positions",
                (fingerprint, positions_to_bytes(positions), utc_now()),
            )

    def extend(
        self,
        input_frame: pd.DataFrame,
        rows: pd.DataFrame,
        requests: Sequence[JournalRequest],
    ) -> None:
        """Append rows (positions after the last one), their requests and the new input."""
        with self.transaction():
            first_pos = self._one("SELECT coalesce(max(pos) + 1, 0) FROM rows")
            first_seq = self._one("SELECT coalesce(max(seq) + 1, 0) FROM requests")
            self._execute("UPDATE input SET frame=? WHERE id=1", (frame_to_bytes(input_frame),))
            self._insert(rows, requests, first_pos=int(first_pos), first_seq=int(first_seq))

    def fill_keys(self, msg_keys: Sequence[str]) -> None:
        """Store each position's message key (journals written before keys were kept)."""
        with self.transaction():
            self._executemany(
                "UPDATE rows SET msg_key=? WHERE pos=?", ((k, i) for i, k in enumerate(msg_keys))
            )

    def load_input(self) -> pd.DataFrame:
        """The caller's rows, every version of them, in journal position order."""
        data = self._one("SELECT frame FROM input WHERE id=1")
        if data is None:
            raise JournalError(f"the journal {self.location!r} holds no campaign yet")
        return frame_from_bytes(bytes(data))

    def rows(self) -> pd.DataFrame:
        """Every row's journal state, indexed by position."""
        return self._frame(f"SELECT {_ROW_COLUMNS} FROM rows ORDER BY pos").set_index("pos")

    def requests(self) -> pd.DataFrame:
        """Every request with its state, parameters (no credentials) and timings."""
        return self._frame(
            "SELECT request_id, parent_id, state, phones, url_length, not_before, started_at,"
            " finished_at, error, error_kind, params FROM requests ORDER BY seq, request_id"
        )

    def next_request_number(self) -> int:
        """One more than the highest top-level request number (``R000042`` -> 43)."""
        top = self._one(
            "SELECT max(CAST(substr(request_id, 2) AS INTEGER)) FROM requests"
            " WHERE parent_id IS NULL"
        )
        return int(top or 0) + 1

    # -- sending ------------------------------------------------------------------------------
    def register(self) -> Sender:
        """Start a sender; its claims are its own until :meth:`unregister`."""
        pid = os.getpid()
        sender = Sender(f"{this_host()}:{pid}:{secrets.token_hex(4)}", this_host(), pid)
        self._started(sender)
        with deferred_interrupts(), self.transaction():
            self._mine.add(sender.sender_id)
            started(sender.sender_id)  # alive from now on, for every store of this process
            self._execute(
                "INSERT INTO senders VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    sender.sender_id,
                    sender.host,
                    pid,
                    process_start(pid),
                    utc_now(),
                    time.time(),
                    self._lock_key(sender),
                ),
            )
        self._registered(sender)
        return sender

    def _lock_key(self, sender: Sender) -> int | None:
        return None

    def _registered(self, sender: Sender) -> None:
        """After the registration committed."""

    def unregister(self, sender: Sender) -> None:
        """End a sender that finished (its claims were all recorded or released)."""
        with self.transaction():
            self._execute("DELETE FROM senders WHERE sender_id=?", (sender.sender_id,))
            self._mine.discard(sender.sender_id)
        stopped(sender.sender_id)

    def recover(self) -> int:
        """Make ``unknown`` every request in flight for a sender that is gone; return how many."""
        with self.transaction():
            senders = self._execute(
                "SELECT sender_id, host, pid, process_start, heartbeat, lock_key FROM senders"
            ).fetchall()
            live = self._live([tuple(s) for s in senders])
            stranded = [
                request_id
                for request_id, owner in self._execute(
                    "SELECT request_id, owner FROM requests WHERE state='inflight'"
                ).fetchall()
                if owner not in live
            ]
            stamp = utc_now()
            for request_id in stranded:
                self._finish(request_id, "unknown", INTERRUPTED, "interrupted", stamp)
            self._executemany(
                "DELETE FROM senders WHERE sender_id=?",
                ((s[0],) for s in senders if s[0] not in live),
            )
        return len(stranded)

    def claim(
        self,
        sender: Sender,
        limit: int,
        *,
        due_by: float | None,
        exclude: Collection[str] = (),
    ) -> list[JournalRequest]:
        """Mark up to ``limit`` planned requests in flight for ``sender`` (commit); return them."""
        if limit <= 0:
            return []
        where = "state='planned'"
        args: list[Any] = []
        if due_by is not None:
            where += " AND (not_before IS NULL OR not_before <= ?)"
            where += " AND (not_after IS NULL OR not_after > ?)"
            args += [due_by, due_by]
        if exclude:
            where += f" AND request_id NOT IN ({','.join('?' * len(exclude))})"
            args.extend(exclude)
        with self.transaction():
            claimed = self._mark_claimed(sender.sender_id, where, args, limit)
            self._execute(
                "UPDATE senders SET heartbeat=? WHERE sender_id=?", (time.time(), sender.sender_id)
            )
        claimed.sort(key=lambda row: (row[6], row[0]))
        return [_request(row) for row in claimed]

    def _mark_claimed(
        self, owner: str, where: str, args: list[Any], limit: int
    ) -> list[tuple[Any, ...]]:
        """Inside a transaction: pick up to ``limit`` requests matching ``where`` in plan order,
        mark them in flight for ``owner``, return their :data:`REQUEST_COLUMNS`. Each store
        picks in its own way, so that no two senders ever take one request."""
        raise NotImplementedError

    def release(self, request_ids: Iterable[str]) -> None:
        """Put claimed requests that provably never left back to ``planned``."""
        ids = [(i,) for i in request_ids]
        if not ids:
            return
        with self.transaction():
            self._executemany(
                "UPDATE requests SET state='planned', owner=NULL, started_at=NULL "
                "WHERE request_id=? AND state='inflight'",
                ids,
            )

    def planned_count(self) -> int:
        """Requests still ``planned``."""
        return int(self._one("SELECT count(*) FROM requests WHERE state='planned'"))

    def planned_zones(self) -> dict[str | None, int]:
        """Each zone of the planned requests, with how many rows they hold."""
        rows = self._execute(
            "SELECT q.zone, count(*) FROM requests q JOIN rows r ON r.request_id = q.request_id"
            " WHERE q.state='planned' GROUP BY q.zone"
        ).fetchall()
        return {zone: int(n) for zone, n in rows}

    def _finish(
        self, request_id: str, state: str, error: str | None, kind: str | None, now: str
    ) -> None:
        self._execute(
            "UPDATE requests SET state=?, finished_at=?, error=?, error_kind=? WHERE request_id=?",
            (state, now, error, kind, request_id),
        )
        self._execute(
            "UPDATE rows SET send_state=?, send_error=?, sent_at=? WHERE request_id=?",
            (state, error, now if state == "unknown" else None, request_id),
        )

    def record_sent(
        self,
        request_id: str,
        positions: Sequence[int],
        message_ids: Sequence[str],
        at: str | None = None,
    ) -> str:
        """Store the provider's IDs for the request's rows (in position order), sent ``at``
        (ISO UTC, the sending client's clock; default now)."""
        now = at or utc_now()
        with self.transaction():
            self._execute(
                "UPDATE requests SET state='sent', finished_at=?, error=NULL, error_kind=NULL"
                " WHERE request_id=?",
                (now, request_id),
            )
            self._executemany(
                "UPDATE rows SET send_state='sent', message_id=?, sent_at=?, send_error=NULL "
                "WHERE pos=?",
                ((mid, now, pos) for pos, mid in zip(positions, message_ids, strict=True)),
            )
        return now

    def record_outcome(
        self, request_id: str, state: str, error: str, kind: str, at: str | None = None
    ) -> str:
        """Finish a request as ``failed``, ``unknown`` or ``skipped`` with the reason, ``at``
        (ISO UTC; default now)."""
        if state not in ("failed", "unknown", "skipped"):
            raise ValueError(state)
        now = at or utc_now()
        with self.transaction():
            self._finish(request_id, state, error, kind, now)
        return now

    def return_to_planned(self, request_id: str, error: str) -> None:
        """A request proven never to have left goes back to ``planned`` (sent on resume)."""
        with self.transaction():
            self._execute(
                "UPDATE requests SET state='planned', owner=NULL, error=?, error_kind='not_sent'"
                " WHERE request_id=?",
                (error, request_id),
            )
            self._execute(
                "UPDATE rows SET send_state='planned', send_error=? WHERE request_id=?",
                (f"not sent yet: {error}; send again with the same journal to resume", request_id),
            )

    def split(self, request_id: str, parts: Sequence[JournalRequest], reason: str) -> None:
        """Replace a refused multi-phone request by smaller planned ones (same parameters;
        each part's zone, or the request's where a part has none)."""
        with self.transaction():
            self._execute(
                "UPDATE requests SET state='split', finished_at=?, error=?, error_kind='split' "
                "WHERE request_id=?",
                (utc_now(), reason, request_id),
            )
            self._insert_parts(request_id, parts)

    def _insert_parts(self, request_id: str, parts: Sequence[JournalRequest]) -> None:
        for part in parts:
            self._execute(
                "INSERT INTO requests (request_id, parent_id, seq, state, params, phones,"
                " positions, url_length, not_before, not_after, zone)"
                " SELECT ?, ?, seq, 'planned', params, ?, ?, ?, not_before, not_after,"
                " COALESCE(?, zone) FROM requests WHERE request_id=?",
                (
                    part.request_id,
                    request_id,
                    _joined(part.phones),
                    _joined(part.positions),
                    part.url_length,
                    part.zone,
                    request_id,
                ),
            )
            for chunk in iter_chunks(part.positions, CHUNK):
                self._execute(
                    f"UPDATE rows SET request_id=? WHERE pos IN ({','.join('?' * len(chunk))})",
                    (part.request_id, *chunk),
                )

    def planned_requests(self) -> list[JournalRequest]:
        """Every request still planned, in plan order."""
        cursor = self._execute(
            f"SELECT {REQUEST_COLUMNS} FROM requests WHERE state='planned' ORDER BY seq, request_id"
        )
        return [_request(row) for row in cursor.fetchall()]

    def rezone(
        self,
        zones: Iterable[tuple[str, str | None]],
        splits: Iterable[tuple[str, Sequence[JournalRequest]]],
    ) -> int:
        """Move planned requests to their rows' zones, in one transaction: ``zones`` sets a
        request's zone, ``splits`` replaces a request whose rows are of several zones by one
        part per zone. A request no longer planned (another sender took it) is left alone.
        Returns the requests changed."""
        changed = 0
        with self.transaction():
            for request_id, name in zones:
                cursor = self._execute(
                    "UPDATE requests SET zone=? WHERE request_id=? AND state='planned'",
                    (name, request_id),
                )
                changed += max(0, cursor.rowcount)
            for request_id, parts in splits:
                cursor = self._execute(
                    "UPDATE requests SET state='split', finished_at=?, error=?,"
                    " error_kind='split' WHERE request_id=? AND state='planned'",
                    (utc_now(), "its rows are in several time zones", request_id),
                )
                if cursor.rowcount == 1:
                    self._insert_parts(request_id, parts)
                    changed += 1
        return changed

    def schedule(self, times: Iterable[tuple[str | None, float | None, float | None]]) -> None:
        """Set when the planned requests of each zone may go: ``(zone, not_before, not_after)``
        (zone ``None``: requests without one; times in epoch seconds, ``None``: any time)."""
        times = list(times)
        with self.transaction():
            self._executemany(
                "UPDATE requests SET not_before=?, not_after=? WHERE state='planned' AND zone=?",
                ((a, b, z) for z, a, b in times if z is not None),
            )
            self._executemany(
                "UPDATE requests SET not_before=?, not_after=? WHERE state='planned'"
                " AND zone IS NULL",
                ((a, b) for z, a, b in times if z is None),
            )

    # -- statuses -----------------------------------------------------------------------------
    def record_statuses(
        self, updates: Iterable[tuple[int, str | None, str | None, float, str | None]]
    ) -> None:
        """Store ``(pos, status, status_at, checked_at, status_error)`` in one transaction.

        ``status_error`` is the last check's error while the row has no clear answer.
        """
        with self.transaction():
            self._executemany(
                "UPDATE rows SET status=?, status_at=?, checked_at=?, status_error=? WHERE pos=?",
                ((status, at, checked, error, pos) for pos, status, at, checked, error in updates),
            )
