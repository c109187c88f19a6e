"""The SQLite store: a campaign in one file, embedded, the default journal.

The file is in WAL mode: a commit is one append and one sync, and readers (a notebook polling
statuses) never block the sender. Every transaction runs with Ctrl-C deferred to its end, so
an interrupt never leaves one half done. Several processes on one machine may send one
campaign at once: ``BEGIN IMMEDIATE`` serialises their claims, and a sender's process (host,
id and start time) tells whether it is still alive.

Moving or copying a journal
---------------------------
Between runs, a journal is one self-contained file. While a send runs, and after a run that
was killed, the last commits live in the ``-wal`` file beside it; a journal moved without it
would forget them (and resuming would send those requests again). So a sender records itself
in the main file (a checkpoint) before it claims anything, and removes itself when it
finishes; opening a journal whose senders are gone while no ``-wal`` file lies beside it
raises :class:`~targetsms_frames.JournalError` instead of resuming from a stale state. The
rule: move or copy a journal only between runs, or together with its ``-wal`` file.

Examples
--------
>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "campaign.sqlite")
>>> with SQLiteJournal.open(path) as journal:
...     journal.fingerprint() is None
True
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from pathlib import Path
from typing import Any, Final

import numpy as np

from .._exceptions import JournalError
from ._sql import CHUNK, REQUEST_COLUMNS, SQLJournal
from .base import SCHEMA_VERSION, Sender, iter_chunks, positions_to_bytes, utc_now
from .liveness import is_alive

__all__ = ["SQLiteJournal"]

# columns added to journals of schema 1 (written before senders, versions and keys existed)
_UPGRADE_1: Final = (
    "ALTER TABLE requests ADD COLUMN positions TEXT",
    "ALTER TABLE requests ADD COLUMN not_before REAL",
    "ALTER TABLE requests ADD COLUMN not_after REAL",
    "ALTER TABLE requests ADD COLUMN zone TEXT",
    "ALTER TABLE requests ADD COLUMN owner TEXT",
    "ALTER TABLE rows ADD COLUMN msg_key TEXT",
    "ALTER TABLE rows ADD COLUMN status_error TEXT",
)


class SQLiteJournal(SQLJournal):
    """A campaign journal in one SQLite file. Use :meth:`open` (or :meth:`memory`)."""

    _BEGIN = "BEGIN IMMEDIATE"  # the write lock from the first statement: one sender at a time

    @classmethod
    def open(cls, path: str | Path, *, durable: bool = True) -> SQLiteJournal:
        """Open (or create) a journal file; ``durable`` syncs every commit (power-loss safe)."""
        file = Path(path)
        if file.is_dir():
            raise JournalError(f"journal path {str(file)!r} is a directory")
        existed = file.is_file() and file.stat().st_size > 0
        # looked at before connecting: reading a WAL database creates its -wal file
        wal_beside = Path(f"{file}-wal").exists()
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(file, isolation_level=None, timeout=30.0)
        except (sqlite3.Error, OSError) as exc:
            raise JournalError(f"cannot open the journal {str(file)!r}: {exc}") from None
        journal = cls(str(file), db)
        try:
            journal._prepare((not wal_beside) if existed else None, durable)
        except sqlite3.DatabaseError as exc:
            db.close()
            raise JournalError(f"{str(file)!r} is not a usable campaign journal: {exc}") from None
        except BaseException:
            db.close()
            raise
        return journal

    @classmethod
    def memory(cls) -> SQLiteJournal:
        """A journal that lives in memory for one call (``send(..., journal=False)``)."""
        db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        journal = cls(":memory:", db)
        journal._prepare(None, durable=False)
        return journal

    def _prepare(self, check_separated: bool | None, durable: bool) -> None:
        """``check_separated``: the file existed (``True`` when no ``-wal`` was beside it),
        ``None`` for a new or in-memory journal."""
        if self.location != ":memory:":
            if check_separated:
                self._refuse_if_separated()
            self._wal_mode()
            self._execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
        with self.transaction():
            version = self._schema_version()
            if version is not None and version > SCHEMA_VERSION:
                raise JournalError(
                    f"the journal {self.location!r} was written by a newer targetsms-frames "
                    f"(schema {version}); upgrade targetsms-frames to use it"
                )
            if version == 1:
                for statement in _UPGRADE_1:
                    self._execute(statement)
            self._create_tables(blob="BLOB", real="REAL")
            if version == 1:
                self._upgrade_from_1()
        if check_separated is not None:
            # whoever opens a journal after a killed run settles it: the dead sender's claims
            # become unknown and its record goes, so the file a clean close leaves (the -wal
            # checkpointed into it) no longer looks like a crashed run's
            with contextlib.suppress(sqlite3.OperationalError):  # read-only, or busy
                self.recover()

    def _wal_mode(self) -> None:
        """Switch to write-ahead logging. SQLite answers "database is locked" at once, without
        its busy wait, while another connection opens the same new file (several senders
        starting together), so the switch is retried within the same 30 s."""
        deadline = time.monotonic() + 30.0
        while True:
            try:
                self._execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def _schema_version(self) -> int | None:
        if not self._has_table("meta"):
            return None
        value = self._meta("schema")
        return None if value is None else int(value)

    def _has_table(self, name: str) -> bool:
        return bool(
            self._one("SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?", (name,))
        )

    def _upgrade_from_1(self) -> None:
        self._execute(
            "UPDATE requests SET positions = (SELECT group_concat(pos, ',') FROM "
            "(SELECT pos FROM rows WHERE rows.request_id = requests.request_id ORDER BY pos))"
        )
        fingerprint = self._meta("fingerprint")
        if fingerprint is not None:
            n = int(self._one("SELECT count(*) FROM rows"))
            self._execute(
                "INSERT INTO versions VALUES (?, ?, ?) ON CONFLICT (fingerprint) DO NOTHING",
                (fingerprint, positions_to_bytes(np.arange(n)), utc_now()),
            )
        self._set_meta(schema=str(SCHEMA_VERSION))

    def _refuse_if_separated(self) -> None:
        """Refuse a journal whose senders died while its ``-wal`` file is not beside it."""
        if not self._has_table("senders"):
            return
        columns = {row[1] for row in self._execute("PRAGMA table_info(senders)").fetchall()}
        if "lock_key" not in columns:
            return
        senders = self._execute(
            "SELECT sender_id, host, pid, process_start, heartbeat, lock_key FROM senders"
        ).fetchall()
        if len(self._live(senders)) < len(senders):
            name = Path(self.location).name
            raise JournalError(
                f"the journal {self.location!r} was not closed (its sending run was stopped "
                f"hard) and its write-ahead file {name + '-wal'!r} is not beside it: the last "
                "moments of the campaign are in that file, and resuming without it could send "
                f"messages again. Put {name + '-wal'!r} back next to the journal (move or copy "
                "a journal only between runs, or together with its -wal file)"
            )

    def _live(self, senders: list[tuple[Any, ...]]) -> set[str]:
        now = time.time()
        return {
            sender_id
            for sender_id, host, pid, start, beat, _ in senders
            if is_alive(host, pid, start, sender_id, beat, now=now)
        }

    def _mark_claimed(
        self, owner: str, where: str, args: list[Any], limit: int
    ) -> list[tuple[Any, ...]]:
        # BEGIN IMMEDIATE holds the write lock since the SELECT: no other sender can take the
        # picked requests. Each is marked by its key: ``+state`` keeps SQLite from reading the
        # claim index (every planned request) for the UPDATE, while still checking the state.
        picked = [
            row[0]
            for row in self._execute(
                f"SELECT request_id FROM requests WHERE {where} ORDER BY seq, request_id LIMIT ?",
                [*args, limit],
            ).fetchall()
        ]
        out: list[tuple[Any, ...]] = []
        for chunk in iter_chunks(picked, CHUNK):
            marks = ",".join("?" * len(chunk))
            updated = self._execute(
                "UPDATE requests SET state='inflight', owner=?, started_at=?"
                f" WHERE request_id IN ({marks}) AND +state='planned'",
                (owner, utc_now(), *chunk),
            ).rowcount
            if updated != len(chunk):  # pragma: no cover - the write lock makes it impossible
                raise JournalError(f"claimed {updated} of {len(chunk)} picked requests")
            out.extend(
                self._execute(
                    f"SELECT {REQUEST_COLUMNS} FROM requests WHERE request_id IN ({marks})",
                    chunk,
                ).fetchall()
            )
        return out

    def close(self) -> None:
        """Close the file. Senders started here are over: their rows go (their claims stay,
        and the next sender finds them ``unknown``), so the file a clean close leaves behind,
        whole without its ``-wal``, does not look like a crashed run's."""
        try:
            if self._mine:
                with self.transaction():
                    self._executemany(
                        "DELETE FROM senders WHERE sender_id=?", ((s,) for s in self._mine)
                    )
        except sqlite3.Error:  # a read-only file: its -wal keeps the senders' record
            pass
        finally:
            super().close()

    def _registered(self, sender: Sender) -> None:
        """Copy the registration into the main file, so a moved file still shows it."""
        if self.location == ":memory:":
            return
        deadline = time.monotonic() + 30.0
        while True:
            busy, log, done = self._execute("PRAGMA wal_checkpoint(FULL)").fetchone()
            if not busy and (log == -1 or done >= log):
                return
            if time.monotonic() > deadline:  # pragma: no cover - a reader held on for 30 s
                raise JournalError(f"the journal {self.location!r} is busy; try again")
            time.sleep(0.05)
