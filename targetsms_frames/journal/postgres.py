"""The PostgreSQL store: one campaign shared by a team, sent by several processes at once.

``journal="postgresql://user@host/db"`` keeps the campaign in that database (psycopg 3:
``pip install 'targetsms-frames[postgresql]'``), in a schema of its own: ``tsf_default``, or
``tsf_<name>`` with ``?campaign=<name>`` in the URL, so one database holds many campaigns.

Several senders (terminals, notebooks, machines) may send one campaign at once. Each claims
its requests with ``SELECT ... FOR UPDATE SKIP LOCKED``, so a request is claimed by exactly
one of them; while a sender lives it holds a session advisory lock, which PostgreSQL releases
when its connection ends however the process died. A sender that finds requests claimed by
a sender without its lock makes them ``unknown``: they may have been sent, and are never sent
again.

Examples
--------
>>> redact_url("postgresql://shop:s3cret@db.example:5432/sms?campaign=spring&password=x")
'postgresql://shop@db.example:5432/sms?campaign=spring'
>>> campaign_of("postgresql://db/sms?campaign=Spring 2026")
('tsf_spring_2026', 'postgresql://db/sms')
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .._exceptions import JournalError
from ._sql import REQUEST_COLUMNS, SQLJournal
from .base import SCHEMA_VERSION, Sender, utc_now

__all__ = ["PostgresJournal", "campaign_of", "redact_url"]

_DEFAULT: Final = "default"
_SCHEMA_LOCK: Final = 0x7453_4600  # serialises creating a campaign's schema
_KEEPALIVES: Final = (
    ("tcp_keepalives_idle", 30),
    ("tcp_keepalives_interval", 10),
    ("tcp_keepalives_count", 3),
)
# every advisory lock that is a bigint key, in this database: high and low halves
_HELD_LOCKS: Final = (
    "SELECT (classid::bigint << 32) | objid::bigint FROM pg_locks"
    " WHERE locktype = 'advisory' AND granted AND objsubid = 1"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def redact_url(url: str) -> str:
    """The URL without its password (in the user part or as a ``password=`` parameter)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.split(':', 1)[0]}@{host}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "password"]
    return urlunsplit(parts._replace(netloc=netloc, query=urlencode(query, safe=" ")))


def campaign_of(url: str) -> tuple[str, str]:
    """The campaign's schema name and the connection URL without ``campaign=``."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    names = [v for k, v in pairs if k == "campaign"]
    name = names[-1] if names else _DEFAULT
    slug = re.sub(r"[^a-z0-9_]+", "_", name.strip().lower()).strip("_")
    if not slug:
        raise JournalError(f"campaign name {name!r} has no letters or digits")
    rest = [(k, v) for k, v in pairs if k != "campaign"]
    return f"tsf_{slug}"[:63], urlunsplit(parts._replace(query=urlencode(rest)))


class PostgresJournal(SQLJournal):
    """A campaign journal in a PostgreSQL schema. Use :meth:`open`."""

    @classmethod
    def open(cls, url: str) -> PostgresJournal:
        """Connect and make sure the campaign's schema and tables exist."""
        try:
            import psycopg
        except ImportError:  # pragma: no cover - psycopg is installed in development
            raise JournalError(
                "a postgresql:// journal needs psycopg 3: "
                "pip install 'targetsms-frames[postgresql]'"
            ) from None
        schema, conninfo = campaign_of(url)
        shown = redact_url(url)
        try:
            db = psycopg.connect(conninfo, autocommit=True)
        except psycopg.Error as exc:
            message = redact_url(str(exc)) if "://" in str(exc) else str(exc)
            raise JournalError(f"cannot connect to the journal {shown}: {message}") from None
        journal = cls(shown, db)
        try:
            journal._prepare(schema)
        except BaseException:
            db.close()
            raise
        return journal

    def _sql(self, statement: str) -> str:
        return statement.replace("?", "%s")

    def _prepare(self, schema: str) -> None:
        with self.transaction():
            self._execute("SELECT pg_advisory_xact_lock(?)", (_SCHEMA_LOCK,))
            self._execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            self._execute(f'SET LOCAL search_path TO "{schema}"')
            self._create_tables(blob="BYTEA", real="DOUBLE PRECISION")
        self._execute(f'SET search_path TO "{schema}"')
        # a sender whose machine vanishes is noticed (its lock freed) within about a minute
        for name, value in _KEEPALIVES:
            self._execute(f"SET {name} = {value}")
        version = self._meta("schema")
        if version is not None and int(version) > SCHEMA_VERSION:
            raise JournalError(
                f"the journal {self.location} was written by a newer targetsms-frames "
                f"(schema {version}); upgrade targetsms-frames to use it"
            )

    def _mark_claimed(
        self, owner: str, where: str, args: list[Any], limit: int
    ) -> list[tuple[Any, ...]]:
        # a CTE runs once: as a subquery of the UPDATE, SKIP LOCKED could be run again per
        # row and hand out more than ``limit`` requests
        rows = self._execute(
            f"WITH picked AS (SELECT request_id FROM requests WHERE {where}"
            " ORDER BY seq, request_id LIMIT ? FOR UPDATE SKIP LOCKED)"
            " UPDATE requests SET state='inflight', owner=?, started_at=? FROM picked"
            " WHERE requests.request_id = picked.request_id"
            f" RETURNING {', '.join('requests.' + c for c in REQUEST_COLUMNS.split(', '))}",
            [*args, limit, owner, utc_now()],
        ).fetchall()
        return [tuple(row) for row in rows]

    def _lock_campaign(self) -> None:
        digest = hashlib.sha256(f"campaign\n{self.location}".encode()).digest()
        self._execute("SELECT pg_advisory_xact_lock(?)", (int.from_bytes(digest[:8], "big") >> 4,))

    def _lock_key(self, sender: Sender) -> int:
        digest = hashlib.sha256(f"{self.location}\n{sender.sender_id}".encode()).digest()
        return int.from_bytes(digest[:8], "big") >> 4  # positive, below 2**60

    def _started(self, sender: Sender) -> None:
        """Hold the sender's advisory lock for as long as this connection lives."""
        self._execute("SELECT pg_advisory_lock(?)", (self._lock_key(sender),))

    def unregister(self, sender: Sender) -> None:
        """End a sender that finished, and let go of its lock."""
        super().unregister(sender)
        self._execute("SELECT pg_advisory_unlock(?)", (self._lock_key(sender),))

    def _live(self, senders: list[tuple[Any, ...]]) -> set[str]:
        held = {int(key) for (key,) in self._execute(_HELD_LOCKS).fetchall()}
        return {row[0] for row in senders if row[5] is not None and int(row[5]) in held}
