"""The status columns of a campaign frame, and a campaign read back from its journal.

``poll_statuses`` and ``read_journal`` build their frames here, so a frame read from a journal
and one returned by polling have the same columns and types.

Examples
--------
>>> import pandas as pd
>>> na = pd.Series([None], dtype=object)
>>> out = status_columns(pd.DataFrame({"phone": ["79000000001"]}), pd.Series(["deliver"]),
...                      na, na, na)
>>> out[["status", "is_final"]]
    status  is_final
0  deliver      True
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ._cost import sms_parts
from ._exceptions import JournalMismatchError
from ._time import CAMPAIGN_TZ_ATTR, utc_times
from ._wire import PENDING_STATUS
from .journal import NEVER_A_STATUS, JournalSpec, JournalStore, open_journal, send_outcome
from .journal import exists as journal_exists

__all__ = ["journal_frame", "merge_journal", "read_journal", "status_columns"]


def read_journal(journal: JournalSpec) -> pd.DataFrame:
    """A campaign as its journal has it: your rows with send outcome and last known status.

    Examples
    --------
    >>> import tempfile, os, pandas as pd, targetsms_frames as tsf
    >>> path = os.path.join(tempfile.mkdtemp(), "c.sqlite")
    >>> msgs = pd.DataFrame({"phone": ["79000000001"], "send_sms": 1, "sender_sms": "Shop",
    ...                      "text_sms": "Hi"})
    >>> _ = tsf.send(msgs, tsf.Client.sandbox(), journal=path, progress=False)
    >>> tsf.read_journal(path)[["phone", "send_state", "status"]]
             phone send_state status
    0  79000000001       sent    NaN
    """
    if not journal_exists(journal):
        raise FileNotFoundError(f"no campaign journal at {str(Path(journal))!r}")
    book = open_journal(journal)
    try:
        return journal_frame(book)
    finally:
        book.close()


def journal_frame(book: JournalStore) -> pd.DataFrame:
    """The campaign's rows as the journal holds them (every row it ever had, in journal
    order), with send and status columns.

    The journal keeps no prices, so there is no ``cost``: add it with ``estimate_cost``.
    """
    display, rows = book.load_input(), book.rows()
    outcome = send_outcome(rows).set_axis(display.index)
    outcome["sms_parts"] = sms_parts(display).to_numpy()
    out = pd.concat([display, outcome], axis=1)
    rows = rows.reindex(range(len(out)))
    out = status_columns(
        out, rows["status"], rows["status_at"], rows["checked_at"], rows["status_error"]
    )
    kept = book.kept_schedule()
    if kept is not None:  # the zone the campaign was sent in: reports default to it
        out.attrs[CAMPAIGN_TZ_ATTR] = kept.tz
    return out


def status_columns(
    out: pd.DataFrame,
    status: pd.Series,
    status_at: pd.Series,
    checked_at: pd.Series,
    error: pd.Series,
) -> pd.DataFrame:
    """Set the status columns of ``out`` (in place) from journal-shaped values; return it.

    ``is_final``: a status other than ``send``, or a row that can never get one
    (``failed``, ``skipped``, ``unknown``). ``status_at`` is kept only with a final status:
    it is when that status was first seen.
    """
    final_word = (status.notna() & (status != PENDING_STATUS)).to_numpy(dtype=bool)
    never = (
        out["send_state"].isin(NEVER_A_STATUS).to_numpy(dtype=bool)
        if "send_state" in out
        else np.zeros(len(out), dtype=bool)
    )
    out["status"] = pd.Series(status.astype("str").to_numpy(), index=out.index, dtype="str")
    out["is_final"] = final_word | never
    out["status_at"] = utc_times(status_at.to_numpy(), index=out.index).where(final_word)
    out["status_checked_at"] = utc_times(checked_at.to_numpy(), index=out.index)
    out["status_error"] = pd.Series(error.astype("str").to_numpy(), index=out.index, dtype="str")
    return out


def _refresh_unsent(
    frame: pd.DataFrame, rows: pd.DataFrame, where: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray]:
    """Rows of ``frame`` that had no message ID yet (``planned`` when it was returned) found in
    the journal by their request (or the parts it was split into) and phone, with the send
    columns the journal holds now: a row a later ``send`` sent is polled like the others."""
    missing = where < 0
    if not missing.any() or "request_id" not in frame or "phone" not in frame:
        return frame, where
    missing &= frame["request_id"].notna().to_numpy(dtype=bool)
    if not missing.any():
        return frame, where

    def family(ids: pd.Series) -> np.ndarray:  # R000007.1.2 -> R000007
        return ids.astype("str").str.split(".", n=1).str[0].to_numpy(dtype=object)

    sent = rows[rows["request_id"].notna()]
    keys = pd.Series(
        sent.index.to_numpy(),
        index=pd.MultiIndex.from_arrays(
            [family(sent["request_id"]), sent["phone"].astype("str").to_numpy(dtype=object)]
        ),
    )
    keys = keys[~keys.index.duplicated()]
    probe = pd.MultiIndex.from_arrays(
        [
            family(frame["request_id"])[missing],
            frame["phone"].astype("str").to_numpy(dtype=object)[missing],
        ]
    )
    where = where.copy()
    where[missing] = keys.reindex(probe).fillna(-1).to_numpy(dtype=np.int64)
    found = missing & (where >= 0)
    if found.any():
        frame = frame.copy()
        now = send_outcome(rows, where[found])
        at = np.flatnonzero(found)
        for name in ("request_id", "message_id", "send_state", "send_error", "sent_at"):
            if name in frame.columns:
                column = frame[name].copy()
                column.iloc[at] = now[name].to_numpy()
                frame[name] = column
    return frame, where


def merge_journal(frame: pd.DataFrame, book: JournalStore) -> tuple[pd.DataFrame, np.ndarray]:
    """``frame`` (what ``send`` returned) with the statuses its journal holds, and each row's
    journal position (-1 for a row the journal does not hold).

    Rows are matched by message ID, so a frame that is one version of an extended campaign,
    or a selection of its rows, works too; an ID the journal does not hold is refused. A row
    that had no ID yet (a ``send(..., wait=False)`` left it ``planned``) is found by its
    request and phone, and gets what the journal holds now (sent by a later run, say).
    """
    rows = book.rows()
    ids = (
        frame["message_id"].astype("str").to_numpy(dtype=object)
        if "message_id" in frame
        else np.full(len(frame), None, dtype=object)
    )
    stored = rows["message_id"].astype(object).to_numpy()
    if len(rows) == len(frame) and np.array_equal(
        pd.Series(ids).fillna("").to_numpy(), pd.Series(stored).fillna("").to_numpy()
    ):
        where = np.arange(len(frame), dtype=np.int64)
    else:
        lookup = pd.Series(rows.index.to_numpy(), index=stored).loc[lambda s: s.index.notna()]
        lookup = lookup[~lookup.index.duplicated()]
        wanted = pd.Series(ids).where(pd.notna(ids))
        found = lookup.reindex(wanted.to_numpy())
        unknown = wanted.notna().to_numpy() & found.isna().to_numpy()
        if unknown.any() or len(rows) == 0:
            raise JournalMismatchError(
                f"the journal {book.location!r} does not hold these rows (message IDs such as "
                f"{', '.join(map(str, wanted[unknown].head(3)))}); pass the frame send returned "
                "for this journal, or only journal="
            )
        where = found.fillna(-1).to_numpy(dtype=np.int64)
    frame, where = _refresh_unsent(frame, rows, where)
    picked = rows.reindex(where)
    out = status_columns(
        frame,
        picked["status"],
        picked["status_at"],
        picked["checked_at"],
        picked["status_error"],
    )
    return out, where
