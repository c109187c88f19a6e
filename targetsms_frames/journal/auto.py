"""The automatic journal: where ``send`` keeps a campaign when no ``journal=`` is given.

One file per campaign, in ``$TARGETSMS_JOURNAL_DIR`` if set, else the user's data folder
(``platformdirs``), named from the campaign's content, endpoint and login (hashed: neither
appears in the name). Running the same cell twice finds the same file and sends nothing more.

A cell run again after its frame changed (a recipient added, a text fixed) has other content,
so another name; before a new campaign starts, the journals of the last hours for the same
endpoint and login are searched for the same phones, so such a re-run is caught
(:func:`find_related`) instead of messaging the same people again.

Examples
--------
>>> name = journal_name("3f2a", "https://sms.targetsms.ru/sendmessage.php", "shop")
>>> name.startswith("campaign-") and name.endswith(".sqlite") and "shop" not in name
True
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pandas as pd

from .base import Binding

__all__ = ["ENV_JOURNAL_DIR", "RECENT", "Related", "find_related", "journal_dir", "journal_name"]

ENV_JOURNAL_DIR: Final = "TARGETSMS_JOURNAL_DIR"
#: How far back (seconds) automatic journals are searched for a campaign's phones.
RECENT: Final = 12 * 3600.0
_PATTERN: Final = "campaign-*.sqlite"


def journal_dir() -> Path:
    """The folder of automatic journals (created on first use)."""
    configured = os.environ.get(ENV_JOURNAL_DIR)
    if configured:
        return Path(configured).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("targetsms-frames", appauthor=False)) / "journals"


def journal_name(fingerprint: str, endpoint: str, login: str) -> str:
    """The file name of a campaign's automatic journal."""
    digest = hashlib.sha256(f"{fingerprint}\n{endpoint}\n{login}".encode()).hexdigest()
    return f"campaign-{digest[:24]}.sqlite"


@dataclass(frozen=True)
class Related:
    """A recent automatic journal of the same endpoint and login that concerns these rows."""

    path: Path
    #: Whether it holds this very frame (a version of it), so it is simply resumed.
    same_frame: bool


@contextlib.contextmanager
def _read_only(path: Path) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=5.0)
    try:
        yield db
    finally:
        db.close()


def _meta(db: sqlite3.Connection) -> dict[str, str]:
    return dict(db.execute("SELECT key, value FROM meta").fetchall())


def find_related(
    folder: Path,
    fingerprint: str,
    phones: pd.Series,
    *,
    endpoint: str,
    login: str,
    now: float | None = None,
) -> Related | None:
    """The most recent automatic journal holding this frame, or messaging any of its phones.

    Only journals of the same endpoint and login changed in the last :data:`RECENT` seconds
    are read. A phone counts when one of its rows there is sent, unknown, in flight or
    still planned.
    """
    if not folder.is_dir():
        return None
    cutoff = (time.time() if now is None else now) - RECENT
    candidates = []
    for path in folder.glob(_PATTERN):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime >= cutoff:
                candidates.append((path.stat().st_mtime, path))
    wanted = set(phones.dropna().astype(str))
    for _, path in sorted(candidates, reverse=True):
        try:
            with _read_only(path) as db:
                meta = _meta(db)
                if not {"endpoint", "binding_salt", "binding"} <= meta.keys():
                    continue
                binding = Binding(meta["endpoint"], meta["binding_salt"], meta["binding"])
                if not binding.matches(endpoint, login):
                    continue
                known = db.execute(
                    "SELECT 1 FROM versions WHERE fingerprint=?", (fingerprint,)
                ).fetchone()
                if known:
                    return Related(path, same_frame=True)
                messaged = {
                    phone
                    for (phone,) in db.execute(
                        "SELECT phone FROM rows WHERE send_state IN "
                        "('sent', 'unknown', 'planned') AND phone IS NOT NULL"
                    )
                }
        except sqlite3.Error:
            continue
        if messaged & wanted:
            return Related(path, same_frame=False)
    return None
