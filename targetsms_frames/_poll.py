"""``poll_statuses``: ask the provider about sent messages, never the same ID twice a minute.

Only rows that are ``sent`` and not final are checked. Each check's time is kept (in the
journal when there is one, so a second process respects it too); an ID is checked again only
once the duplicate window has passed since its last check. ``until_final`` repeats rounds,
sleeping until the next ID is due, until every row is final (or given up, below) or
``timeout`` passes.

Polling always ends: what each answer means for its row is decided in
:mod:`._status_check`. A check the provider refuses for the message itself (``Сообщение не
найдено.``) is that row's final answer; a refusal for the whole account stops polling with
the ``ProviderError``; a row without a clear answer ``max_errors_in_a_row`` times in a row is
left open, with the last error in ``status_error``, until a later call.

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
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._campaign import refuse_sandbox_for_real
from ._client import Client
from ._exceptions import ProviderError
from ._options import DEFAULT_CONCURRENCY, DEFAULT_RATE
from ._pool import BoundedRunner, RateLimiter
from ._progress import progress_bar
from ._status_check import SAME_TEXT_STOP, Streak, Verdict, judge
from ._statuses import journal_frame, merge_journal, status_columns
from ._time import epoch_seconds, iso_utc, local_times
from ._wire import PENDING_STATUS, is_status_word
from .journal import JournalSpec, JournalStore, open_journal
from .journal import exists as journal_exists

__all__ = ["poll_statuses"]

logger = logging.getLogger("targetsms_frames")
_MARGIN = 1.0  # seconds added to the window, for clocks of different processes


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
    max_errors_in_a_row: int = 3,
) -> pd.DataFrame:
    """Check the status of every sent, not yet final message; return rows with statuses.

    Parameters
    ----------
    sent : pandas.DataFrame, optional
        What :func:`send` returned (or a previous ``poll_statuses`` result). May be omitted
        when ``journal`` is given: the campaign is read from it.
    client : Client, optional
        Defaults to ``Client()`` with credentials from the environment.
    journal : path or ``postgresql://`` URL, optional
        The campaign's journal; statuses are read from and written to it.
    until_final : bool
        Keep polling, checking each message at most once a minute (the provider's rule for
        identical requests), until every sent message has a final status, or was refused
        for itself, or got no clear answer ``max_errors_in_a_row`` times in a row. Real
        final statuses can take long: a Viber message is retried for its validity period
        (``validity_period_viber``, 60 minutes by default) and then, in a cascade, goes on
        as an SMS; an SMS is final when the operator's delivery report arrives, usually
        within minutes, sometimes hours for a phone that is off. ``partly_deliver`` is the
        provider's final word when no report ever came.
    timeout : float, optional
        Seconds, by the client's clock, after which ``until_final`` returns even though
        some messages are still ``send``: for a notebook cell or a job that must end by a
        given time. Call again later (with the journal) to pick up the rest.
    progress : bool
        Show a ``tqdm.auto`` bar: checks in one round, or messages reaching a final status
        with ``until_final``; its postfix counts IDs the provider does not know
        (``not_found``) and rows left without a clear answer (``no_answer``).
    concurrency, rate : int, float
        Checks at once and checks per second.
    max_errors_in_a_row : int
        Unclear answers (timeout, dropped connection, HTTP 5xx, unreadable reply) for one
        ID in a row, a minute apart, after which this call stops asking about it.

    Returns
    -------
    pandas.DataFrame
        The rows with ``status`` (the provider's word verbatim, ``send`` while pending, or
        its refusal text for an ID it does not know), ``is_final`` (also true for rows
        that can never get a status: ``failed``, ``skipped``, ``unknown``), ``status_at``
        (when the final status was first seen), ``status_checked_at`` (the last check) and
        ``status_error`` (the last check's error while a row has no clear answer). Times
        are ``datetime64[ms, UTC]``.

    Raises
    ------
    ProviderError
        A refusal for the whole account (wrong login or password, blocked account): polling
        stops at once, after the answers so far are recorded in the journal.

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

    An ID the provider never issued gets its refusal as a final status:

    >>> typo = sent.assign(message_id="1234")
    >>> tsf.poll_statuses(typo, client, until_final=True, progress=False)[["status", "is_final"]]
                      status  is_final
    0  Сообщение не найдено.      True
    """
    if client is not None and not isinstance(client, Client):
        raise TypeError(f"poll_statuses needs a tsf.Client, not {type(client).__name__}")
    if journal is not None and not journal_exists(journal):
        raise FileNotFoundError(f"no campaign journal at {str(journal)!r}")
    book = open_journal(journal) if journal is not None else None
    try:
        where: np.ndarray | None = None
        if sent is None:
            if book is None:
                raise TypeError("poll_statuses needs the frame send returned, or journal=")
            frame = journal_frame(book)
            where = np.arange(len(frame), dtype=np.int64)
        else:
            frame = sent.copy()
            if book is not None:
                frame, where = merge_journal(frame, book)
            elif "status" not in frame.columns:
                na = pd.Series([None] * len(frame), dtype=object)
                frame = status_columns(frame, na, na, na, na)
            elif "status_error" not in frame.columns:
                frame["status_error"] = pd.Series(pd.NA, index=frame.index, dtype="str")
        client = client if client is not None else Client()
        if book is not None:
            refuse_sandbox_for_real(book, client.base_url)
        return _poll(
            frame,
            client,
            None if book is None or where is None else (book, where),
            until_final,
            timeout,
            progress,
            concurrency,
            rate,
            max(1, max_errors_in_a_row),
        )
    finally:
        if book is not None:
            book.close()


@dataclass
class _State:
    """Per-row polling state, as arrays the rounds update in place."""

    ids: np.ndarray
    status: np.ndarray
    status_at: np.ndarray
    checked: np.ndarray
    error: np.ndarray
    todo: np.ndarray
    errors_in_a_row: np.ndarray = field(init=False)
    given_up: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.errors_in_a_row = np.zeros(len(self.ids), dtype=np.int64)
        self.given_up = np.zeros(len(self.ids), dtype=bool)

    def open(self) -> np.ndarray:
        """Rows still to ask about in this call: sent, not final, not given up."""
        words = pd.Series(self.status, dtype=object)
        pending = (words.isna() | (words == PENDING_STATUS)).to_numpy(dtype=bool)
        return np.asarray(self.todo & ~self.given_up & pending, dtype=bool)

    def apply(self, pos: int, verdict: Verdict, now: float, max_errors: int) -> None:
        """Record one answer (see :mod:`._status_check` for what each verdict means)."""
        self.checked[pos] = now
        if verdict.kind in ("status", "refused"):
            self.status[pos] = verdict.text
            final = verdict.text != PENDING_STATUS  # when a final status is first seen
            self.status_at[pos] = pd.Timestamp(now, unit="s", tz="UTC") if final else None
            self.error[pos] = None
            self.errors_in_a_row[pos] = 0
            return
        self.error[pos] = verdict.text
        if verdict.kind == "no_answer":
            self.errors_in_a_row[pos] += 1
            self.given_up[pos] = self.errors_in_a_row[pos] >= max_errors


@dataclass
class _Counts:
    """What one call learned, for the progress bar and the closing log lines."""

    checks: int = 0
    refused: list[int] = field(default_factory=list)
    gave_up: list[int] = field(default_factory=list)

    def postfix(self, pending: int) -> dict[str, int]:
        extra = {"not_found": len(self.refused), "no_answer": len(self.gave_up)}
        return {"checks": self.checks, "pending": pending} | {k: v for k, v in extra.items() if v}


def _poll(
    frame: pd.DataFrame,
    client: Client,
    book: tuple[JournalStore, np.ndarray] | None,
    until_final: bool,
    timeout: float | None,
    progress: bool,
    concurrency: int,
    rate: float | None,
    max_errors: int,
) -> pd.DataFrame:
    clock, sleep = client.clock, client.sleep
    window = client.duplicate_window + _MARGIN
    started = clock()
    ids = frame["message_id"].astype(object).to_numpy()
    state = _State(
        ids=ids,
        status=frame["status"].astype(object).to_numpy(copy=True),
        status_at=frame["status_at"].astype(object).to_numpy(copy=True),
        checked=epoch_seconds(frame["status_checked_at"]),
        error=frame["status_error"].astype(object).to_numpy(copy=True),
        todo=(frame["send_state"] == "sent").to_numpy() & pd.notna(ids),
    )
    limiter = RateLimiter(rate, clock=clock, sleep=sleep)
    counts = _Counts()
    open_ = state.open()
    due = open_ & (np.isnan(state.checked) | (clock() - state.checked >= window))
    # one bar: checks for a single round; messages reaching a final status for until_final
    total = int(open_.sum()) if until_final else int(due.sum())
    desc = "final statuses" if until_final else "statuses"
    with progress_bar(total=total, enabled=progress and total > 0, desc=desc) as bar:
        while open_.any():
            now = clock()
            due = open_ & (np.isnan(state.checked) | (now - state.checked >= window))
            positions = np.flatnonzero(due).tolist()
            if positions:
                stop = _round(client, positions, state, book, limiter, concurrency, max_errors)
                counts.checks += len(positions)
                still = state.open()
                newly = np.flatnonzero(open_ & ~still).tolist()
                counts.refused += [p for p in newly if _is_refusal(state.status[p])]
                counts.gave_up += [p for p in newly if state.given_up[p]]
                finished = int((open_ & ~still & ~state.given_up).sum())
                bar.update(len(positions) if not until_final else finished)
                bar.set_postfix(counts.postfix(int(still.sum())), refresh=False)
                open_ = still
                if stop is not None:
                    _tell(state, counts)
                    raise stop
                if not until_final:
                    break
                continue
            if not until_final:
                break
            wake = float(np.nanmin(np.where(open_, state.checked, np.nan))) + window
            if timeout is not None and wake - started > timeout:
                break
            pause = max(0.0, wake - clock())
            # say what the bar waits for: the provider's one-identical-request-a-minute rule
            due_at = f"{local_times(pd.Series([wake]), None).iloc[0]:%H:%M:%S}"
            waiting = f"next check in {pause:.0f}s at {due_at} (one check per message a minute)"
            bar.set_postfix(counts.postfix(int(open_.sum())) | {"waiting": waiting}, refresh=True)
            sleep(pause)
    _tell(state, counts)
    return status_columns(
        frame.copy(),
        pd.Series(state.status, dtype=object).where(pd.notna(state.status), None),
        pd.Series(state.status_at, dtype=object),
        pd.Series(state.checked),
        pd.Series(state.error, dtype=object).where(pd.notna(state.error), None),
    )


def _is_refusal(status: object) -> bool:
    return isinstance(status, str) and not is_status_word(status)


def _tell(state: _State, counts: _Counts) -> None:
    """Say in the log why rows ended as they did in this call."""
    if counts.refused:
        texts = sorted({str(state.status[p]) for p in counts.refused})
        logger.warning(
            "%d message ID(s) refused by the provider (%s): that text is their final status; "
            "they are not asked again",
            len(counts.refused),
            "; ".join(texts),
        )
    if counts.gave_up:
        logger.warning(
            "%d message(s) got no clear answer to %d status checks in a row (last: %s); they "
            "stay open with the error in status_error: poll again later",
            len(counts.gave_up),
            int(state.errors_in_a_row[counts.gave_up].max()),
            state.error[counts.gave_up[-1]],
        )
    waiting = (state.errors_in_a_row > 0) & state.open()
    if waiting.any():
        logger.warning(
            "%d status check(s) got no clear answer (last: %s); they are asked again later",
            int(waiting.sum()),
            state.error[np.flatnonzero(waiting)[-1]],
        )


def _round(
    client: Client,
    positions: list[int],
    state: _State,
    book: tuple[JournalStore, np.ndarray] | None,
    limiter: RateLimiter,
    concurrency: int,
    max_errors: int,
) -> ProviderError | None:
    """Check each position once and record the answers (in the journal too).

    Returns the refusal that concerns the whole account, if one came: no further check is
    started once it has, and the caller raises it once the answers so far are recorded.
    """
    runner: BoundedRunner[int, str] = BoundedRunner(
        lambda pos: client.status(str(state.ids[pos])), concurrency=concurrency, limiter=limiter
    )
    before = {pos: (state.status[pos], state.status_at[pos]) for pos in positions}
    touched: list[int] = []
    streak = Streak()
    stop: ProviderError | None = None

    def take(results: list[tuple[int, str | BaseException]]) -> None:
        nonlocal stop
        now = client.clock()
        for pos, result in results:
            verdict = judge(result)
            state.apply(pos, verdict, now, max_errors)
            touched.append(pos)
            if verdict.kind == "account" and isinstance(result, ProviderError):
                stop = stop or result
            if streak.add(pos, verdict) and isinstance(result, ProviderError):
                for back in streak.positions:  # a text about the account after all
                    state.status[back], state.status_at[back] = before[back]
                    state.error[back] = verdict.text
                if stop is None:
                    result.add_note(
                        f"the same refusal answered {SAME_TEXT_STOP} status checks in a row, so "
                        "it is taken to concern the account, not the messages: those rows stay "
                        "open"
                    )
                    stop = result

    try:
        for batch in runner.run(deque(positions), stop=lambda: stop is not None):
            take(batch)
    finally:
        take(runner.drain())
        if book is not None and touched:
            store, where = book
            store.record_statuses(
                (
                    int(where[pos]),
                    state.status[pos],
                    iso_utc(state.status_at[pos]),
                    float(state.checked[pos]),
                    state.error[pos],
                )
                for pos in dict.fromkeys(touched)
                if where[pos] >= 0
            )
    if stop is not None:
        stop.add_note(
            f"status polling stopped; the {len(touched)} answer(s) of this round are recorded"
            + (" in the journal" if book is not None else "")
        )
    return stop
