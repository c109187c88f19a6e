"""``poll_statuses``: ask the provider about sent messages, never the same ID twice a minute.

Only rows that are ``sent`` and not final are checked. Each check's time is kept (in the
journal when there is one, so a second process respects it too); an ID is checked again only
once the duplicate window has passed since its last check. ``until_final`` repeats rounds,
sleeping until the next ID is due, until every row is final or ``timeout`` passes.

Examples
--------
>>> import pandas as pd, targetsms_frames as tsf
>>> from targetsms_frames._clock import ManualClock
>>> sandbox = tsf.Sandbox(clock=ManualClock(), status_delay=(5, 50))
>>> client = tsf.Client.sandbox(sandbox)
>>> msgs = pd.DataFrame({"phone": ["79000000001"], "send_sms": 1, "sender_sms": "Shop",
...                      "text_sms": "Hi"})
>>> sent = tsf.send(msgs, client, progress=False)
>>> final = tsf.poll_statuses(sent, client, until_final=True, progress=False)
>>> final[["send_state", "status", "is_final"]]
  send_state   status  is_final
0       sent  deliver      True
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

import numpy as np
import pandas as pd

from ._client import Client
from ._exceptions import DuplicateRequestError, JournalMismatchError, ProviderError
from ._pool import BoundedRunner, RateLimiter
from ._progress import progress_bar
from ._send import DEFAULT_CONCURRENCY, DEFAULT_RATE
from ._wire import PENDING_STATUS
from .journal import JournalSpec, JournalStore, open_journal, send_outcome
from .journal import exists as journal_exists

__all__ = ["poll_statuses", "read_journal"]

logger = logging.getLogger("targetsms_frames")
_MARGIN = 1.0  # seconds added to the window, for clocks of different processes


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
        return _with_rows(book.load_input(), book.rows())
    finally:
        book.close()


def _with_rows(display: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    outcome = send_outcome(rows).set_axis(display.index)
    out = pd.concat([display, outcome], axis=1)
    rows = rows.reindex(range(len(out)))
    return _status_columns(out, rows["status"], rows["status_at"], rows["checked_at"])


def _status_columns(
    out: pd.DataFrame, status: pd.Series, status_at: pd.Series, checked_at: pd.Series
) -> pd.DataFrame:
    out["status"] = status.astype("str").to_numpy()
    final = (status.notna() & (status != PENDING_STATUS)).to_numpy(dtype=bool)
    if "send_state" in out:  # no message ID: these rows can never get a status
        final = final | out["send_state"].isin(["failed", "skipped", "unknown"]).to_numpy(
            dtype=bool
        )
    out["is_final"] = final
    out["status_at"] = pd.to_datetime(
        pd.Series(status_at.to_numpy(), index=out.index), utc=True, format="ISO8601"
    )
    out["status_checked_at"] = pd.to_numeric(
        pd.Series(checked_at.to_numpy()), errors="coerce"
    ).to_numpy()
    return out


def _iso(moment: pd.Timestamp) -> str:
    return moment.tz_convert(UTC).isoformat(timespec="milliseconds")


def poll_statuses(
    sent: pd.DataFrame | None = None,
    client: Client | None = None,
    *,
    journal: JournalSpec | None = None,
    until_final: bool = False,
    timeout: float | None = None,
    progress: bool = True,
    concurrency: int = DEFAULT_CONCURRENCY,
    rate: float | None = DEFAULT_RATE,
) -> pd.DataFrame:
    """Check the status of every sent, not yet final message; return rows with statuses.

    Parameters
    ----------
    sent : pandas.DataFrame, optional
        What :func:`send` returned (or a previous ``poll_statuses`` result). May be omitted
        when ``journal`` is given: the campaign is read from it.
    client : Client, optional
        Defaults to ``Client()`` with credentials from the environment.
    journal : path, optional
        The campaign's journal; statuses are read from and written to it.
    until_final : bool
        Keep polling (waiting out the duplicate window between checks of one ID) until
        every sent message has a final status or ``timeout`` seconds have passed.
    timeout : float, optional
        Seconds, by the client's clock, after which ``until_final`` gives up.
    progress : bool
        Show a ``tqdm.auto`` bar per round.
    concurrency, rate : int, float
        Checks at once and checks per second.

    Returns
    -------
    pandas.DataFrame
        The rows with ``status`` (the provider's word verbatim, ``send`` while pending),
        ``is_final``, ``status_at`` (UTC, when it was read) and ``status_checked_at``.

    Examples
    --------
    >>> import pandas as pd, targetsms_frames as tsf
    >>> sandbox = tsf.Sandbox(clock=tsf.ManualClock(), status_delay=(5, 50))
    >>> client = tsf.Client.sandbox(sandbox)
    >>> msgs = pd.DataFrame({"phone": ["79000000001"], "send_sms": 1, "sender_sms": "Shop",
    ...                      "text_sms": "Hi"})
    >>> sent = tsf.send(msgs, client, progress=False)
    >>> tsf.poll_statuses(sent, client, progress=False)["status"].tolist()
    ['send']
    >>> tsf.poll_statuses(sent, client, until_final=True, progress=False)["status"].tolist()
    ['deliver']
    """
    if client is not None and not isinstance(client, Client):
        raise TypeError(f"poll_statuses needs a tsf.Client, not {type(client).__name__}")
    book = open_journal(journal) if journal is not None else None
    try:
        if sent is None:
            if book is None:
                raise TypeError("poll_statuses needs the frame send returned, or journal=")
            frame = _with_rows(book.load_input(), book.rows())
        else:
            frame = sent.copy()
            if book is not None:
                frame = _merge_journal(frame, book)
            elif "status" not in frame.columns:
                n = len(frame)
                na = pd.Series([None] * n, dtype=object)
                frame = _status_columns(frame, na, na, na)
        client = client if client is not None else Client()
        return _poll(frame, client, book, until_final, timeout, progress, concurrency, rate)
    finally:
        if book is not None:
            book.close()


def _merge_journal(frame: pd.DataFrame, book: JournalStore) -> pd.DataFrame:
    rows = book.rows()
    ids = frame["message_id"].astype("str").to_numpy() if "message_id" in frame else None
    if len(rows) != len(frame) or (
        ids is not None
        and not np.array_equal(
            pd.Series(ids).fillna("").to_numpy(), rows["message_id"].fillna("").to_numpy()
        )
    ):
        raise JournalMismatchError(
            f"the journal {book.location!r} does not hold these rows; pass the frame send "
            "returned for this journal, or only journal="
        )
    return _status_columns(frame, rows["status"], rows["status_at"], rows["checked_at"])


@dataclass
class _State:
    """Per-row polling state, as arrays the rounds update in place."""

    ids: np.ndarray
    status: np.ndarray
    status_at: np.ndarray
    checked: np.ndarray
    todo: np.ndarray

    def open(self) -> np.ndarray:
        words = pd.Series(self.status, dtype=object)
        return self.todo & (words.isna() | (words == PENDING_STATUS)).to_numpy(dtype=bool)


def _poll(
    frame: pd.DataFrame,
    client: Client,
    book: JournalStore | None,
    until_final: bool,
    timeout: float | None,
    progress: bool,
    concurrency: int,
    rate: float | None,
) -> pd.DataFrame:
    clock, sleep = client.clock, client.sleep
    window = client.duplicate_window + _MARGIN
    started = clock()
    ids = frame["message_id"].astype(object).to_numpy()
    state = _State(
        ids=ids,
        status=frame["status"].astype(object).to_numpy(copy=True),
        status_at=frame["status_at"].astype(object).to_numpy(copy=True),
        checked=pd.to_numeric(frame["status_checked_at"], errors="coerce").to_numpy(
            dtype=float, copy=True
        ),
        todo=(frame["send_state"] == "sent").to_numpy() & pd.notna(ids),
    )
    limiter = RateLimiter(rate, clock=clock, sleep=sleep)
    open_ = state.open()
    due = open_ & (np.isnan(state.checked) | (clock() - state.checked >= window))
    # one bar: checks for a single round; messages reaching a final status for until_final
    total = int(open_.sum()) if until_final else int(due.sum())
    desc = "final statuses" if until_final else "statuses"
    with progress_bar(total=total, enabled=progress and total > 0, desc=desc) as bar:
        checks = 0
        while open_.any():
            now = clock()
            due = open_ & (np.isnan(state.checked) | (now - state.checked >= window))
            positions = np.flatnonzero(due).tolist()
            if positions:
                _round(client, positions, state, book, limiter, concurrency)
                checks += len(positions)
                still = state.open()
                bar.update(len(positions) if not until_final else int(open_.sum() - still.sum()))
                bar.set_postfix(checks=checks, pending=int(still.sum()), refresh=False)
                open_ = still
                if not until_final:
                    break
                continue
            if not until_final:
                break
            wake = float(np.nanmin(np.where(open_, state.checked, np.nan))) + window
            if timeout is not None and wake - started > timeout:
                break
            sleep(max(0.0, wake - clock()))
    return _status_columns(
        frame.copy(),
        pd.Series(state.status, dtype=object).where(pd.notna(state.status), None),
        pd.Series(state.status_at, dtype=object),
        pd.Series(state.checked),
    )


def _round(
    client: Client,
    positions: list[int],
    state: _State,
    book: JournalStore | None,
    limiter: RateLimiter,
    concurrency: int,
) -> None:
    """Check each position once; record the results (in the journal too)."""
    runner: BoundedRunner[int, str] = BoundedRunner(
        lambda pos: client.status(str(state.ids[pos])), concurrency=concurrency, limiter=limiter
    )
    updates: list[tuple[int, str | None, str | None, float]] = []
    errors = 0
    try:
        for batch in runner.run(deque(positions)):
            now = client.clock()
            for pos, result in batch:
                state.checked[pos] = now
                if isinstance(result, str):
                    state.status[pos] = result
                    state.status_at[pos] = pd.Timestamp(now, unit="s", tz="UTC")
                elif not isinstance(result, DuplicateRequestError):
                    errors += 1
                    if isinstance(result, ProviderError):
                        logger.warning("status of %s: %s", state.ids[pos], result.text)
                at = state.status_at[pos]
                stamp = None if pd.isna(at) else _iso(pd.Timestamp(at))
                updates.append((pos, state.status[pos], stamp, now))
    finally:
        runner.drain()
        if book is not None and updates:
            book.record_statuses(updates)
    if errors:
        logger.warning("%d status check(s) got no clear answer; they are retried later", errors)
