"""Campaign journals: one store interface, two backends.

* :class:`~targetsms_frames.journal.base.JournalStore`: what the campaign engine, polling,
  reports and the command line use;
* :class:`~targetsms_frames.journal.sqlite.SQLiteJournal`: a file path (embedded, the default);
* the PostgreSQL store: a ``postgresql://`` URL, for a team sharing campaigns or several
  processes sending one campaign (:mod:`targetsms_frames.journal.postgres`, loaded on use);
* :mod:`targetsms_frames.journal.auto`: the automatic journal ``send`` keeps when not given one.

Examples
--------
>>> import tempfile, os
>>> store = open_journal(os.path.join(tempfile.mkdtemp(), "c.sqlite"))
>>> type(store).__name__, store.fingerprint()
('SQLiteJournal', None)
>>> store.close()
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from .base import (
    INTERRUPTED,
    Binding,
    CampaignRecord,
    JournalRequest,
    JournalStore,
    KeptSchedule,
    Sender,
    utc_now,
)
from .sqlite import SQLiteJournal

__all__ = [
    "INTERRUPTED",
    "NEVER_A_STATUS",
    "Binding",
    "CampaignRecord",
    "JournalRequest",
    "JournalSpec",
    "JournalStore",
    "KeptSchedule",
    "SQLiteJournal",
    "Sender",
    "exists",
    "is_url",
    "open_journal",
    "send_outcome",
    "utc_now",
]

#: What ``journal=`` accepts: a file path or a ``postgresql://`` URL.
JournalSpec = str | os.PathLike[str]

_URL_SCHEMES = ("postgresql://", "postgres://")


def is_url(spec: JournalSpec) -> bool:
    """Whether ``spec`` names a PostgreSQL journal rather than a file.

    >>> is_url("postgresql://me@db/campaigns"), is_url("spring.sqlite")
    (True, False)
    """
    return isinstance(spec, str) and spec.startswith(_URL_SCHEMES)


def exists(spec: JournalSpec) -> bool:
    """Whether a journal already holds something there (always true for a database URL)."""
    return is_url(spec) or Path(spec).is_file()


def open_journal(spec: JournalSpec, *, durable: bool = True) -> JournalStore:
    """Open (or create) the journal that ``spec`` names.

    Parameters
    ----------
    spec : path or str
        A file path (SQLite) or a ``postgresql://`` URL; the URL may carry
        ``?campaign=NAME`` to keep several campaigns in one database.
    durable : bool
        Sync every commit to disk (SQLite; PostgreSQL commits are always durable).
    """
    if is_url(spec):
        from .postgres import PostgresJournal

        return PostgresJournal.open(str(spec))
    return SQLiteJournal.open(Path(spec), durable=durable)


#: Send states of rows that can never get a status: no message ID to ask about.
NEVER_A_STATUS = ("failed", "skipped", "unknown")


def send_outcome(rows: pd.DataFrame, positions: np.ndarray | None = None) -> pd.DataFrame:
    """The send columns of journal rows, in the order of ``positions`` (default: all).

    Returns ``request_id``, ``message_id``, ``send_state``, ``send_error``, ``sent_at`` and
    ``is_final`` (true for rows that can never get a status: ``failed``, ``skipped``,
    ``unknown``; polling sets it for the others), with a default integer index.
    """
    from .._time import utc_times

    if positions is not None:
        rows = rows.reindex(positions)
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
    ).reset_index(drop=True)
