"""``send``: validate, plan, journal, then send each request at most once.

The decision for each reply (and why nothing is ever sent twice) lives in :mod:`._outcome`;
this module plans, journals and drives the requests.

Examples
--------
>>> import pandas as pd, targetsms_frames as tsf
>>> msgs = pd.DataFrame({"phone": ["+7 900 000-00-01", "8 900 000 00 02"], "send_sms": 1,
...                      "sender_sms": "Shop", "text_sms": "Sale today!"})
>>> out = tsf.send(msgs, tsf.Client.sandbox(), progress=False)
>>> out[["phone", "send_state"]]
         phone send_state
0  79000000001       sent
1  79000000002       sent
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ._client import Client
from ._cost import estimate_cost, sms_parts
from ._journal import Journal, JournalRequest, send_outcome
from ._outcome import Tally, record
from ._plan import (
    DEFAULT_MAX_PHONES,
    DEFAULT_MAX_URL_LENGTH,
    UrlBudget,
    iter_requests,
    plan_requests,
)
from ._pool import BoundedRunner, RateLimiter
from ._prepare import Prepared, prepare, result_frame
from ._progress import Bar, progress_bar
from ._time import TIME_DTYPE

__all__ = ["DEFAULT_CONCURRENCY", "DEFAULT_RATE", "budget_for", "plan_campaign", "send"]

logger = logging.getLogger("targetsms_frames")
DEFAULT_CONCURRENCY = 16  # requests in flight at once
DEFAULT_RATE = 500.0  # requests per second at most
DUPLICATE_REASON = "duplicate of an earlier row (same phone and message)"


def budget_for(client: Client | None) -> UrlBudget:
    """URL overhead from the client's credentials, the environment's, or a safe allowance."""
    if client is not None:
        s = client._settings
        return UrlBudget.for_credentials(s.base_url, s.login, s.password.reveal())
    login, password = os.environ.get("TARGETSMS_LOGIN"), os.environ.get("TARGETSMS_PASSWORD")
    base = os.environ.get("TARGETSMS_BASE_URL") or UrlBudget.allowance().base_url
    if login and password:
        return UrlBudget.for_credentials(base, login, password)
    return UrlBudget.allowance(base)


def plan_campaign(
    prepared: Prepared,
    budget: UrlBudget,
    *,
    max_url_length: int = DEFAULT_MAX_URL_LENGTH,
    max_phones_per_request: int = DEFAULT_MAX_PHONES,
    skip_duplicates: bool = True,
) -> pd.DataFrame:
    """Per position: request_id, url_length, duplicate, same_phone, send_state, send_error."""
    n = len(prepared.display)
    if n:
        full = plan_requests(
            prepared.messages,
            budget=budget,
            max_url_length=max_url_length,
            max_phones_per_request=max_phones_per_request,
            skip_duplicates=skip_duplicates,
            eligible=pd.Series(prepared.valid),
        )
    else:
        na = pd.Series(pd.NA, index=range(n), dtype="str")
        full = pd.DataFrame(
            {"request_id": na, "url_length": na.astype("Int64"), "plan_error": na}
            | {"duplicate": False, "same_phone": False}
        )
    planned = full["request_id"].notna()
    duplicate = full["duplicate"].astype("boolean").fillna(False).astype(bool)
    error = prepared.reject_reason.where(prepared.reject_reason.notna(), full["plan_error"])
    error = error.astype("str").mask(duplicate & ~planned, DUPLICATE_REASON)
    return pd.DataFrame(
        {
            "request_id": full["request_id"].astype("str"),
            "url_length": full["url_length"].astype("Int64"),
            "duplicate": duplicate,
            "same_phone": full["same_phone"].astype("boolean").fillna(False).astype(bool),
            "send_state": pd.Series(np.where(planned, "planned", "skipped"), dtype="str"),
            "send_error": error.where(~planned),
        }
    )


def _journal_requests(prepared: Prepared, plan: pd.DataFrame) -> list[JournalRequest]:
    return [
        JournalRequest(r.request_id, r.params, r.phones, r.positions, r.url_length)
        for r in iter_requests(prepared.messages, plan)
    ]


def _dispatch(
    journal: Journal,
    client: Client,
    pending: Sequence[JournalRequest],
    *,
    concurrency: int,
    limiter: RateLimiter,
    bar: Bar,
    max_unknown_in_a_row: int,
) -> Tally:
    tally = Tally()
    queue: deque[JournalRequest] = deque(pending)
    runner: BoundedRunner[JournalRequest, list[str]] = BoundedRunner(
        lambda r: client.send(list(r.phones), **r.params),
        concurrency=concurrency,
        limiter=limiter,
        # committed before any of them leaves
        before=lambda batch: journal.mark_inflight(*(r.request_id for r in batch)),
        abandon=lambda rest: journal.unmark_inflight(*(r.request_id for r in rest)),
    )

    def record_all(results: list[tuple[JournalRequest, list[str] | BaseException]]) -> None:
        before = tally.sent + tally.failed + tally.unknown
        with journal.transaction():
            for request, result in results:
                record(journal, request, result, tally, queue, max_unknown_in_a_row)
        bar.update(tally.sent + tally.failed + tally.unknown - before)
        bar.set_postfix(tally.postfix(), refresh=False)

    try:
        for results in runner.run(queue, stop=lambda: tally.stopped is not None):
            record_all(results)
    finally:
        # an interrupt (Ctrl-C) still records what the requests already out answered
        record_all(runner.drain())
    return tally


def send(
    messages: pd.DataFrame,
    client: Client | None = None,
    *,
    journal: str | Path | None = None,
    dry_run: bool = False,
    progress: bool = True,
    concurrency: int = DEFAULT_CONCURRENCY,
    rate: float | None = DEFAULT_RATE,
    max_url_length: int = DEFAULT_MAX_URL_LENGTH,
    max_phones_per_request: int = DEFAULT_MAX_PHONES,
    skip_duplicates: bool = True,
    max_unknown_in_a_row: int = 5,
    region: str = "RU",
    durable: bool = True,
    price_sms: float | None = None,
    price_viber: float | None = None,
) -> pd.DataFrame:
    """Validate, plan and send a message frame; return it with each row's outcome.

    Parameters
    ----------
    messages : pandas.DataFrame
        A message frame (see :func:`render`); your own columns are carried through.
    client : Client, optional
        Defaults to ``Client()`` with credentials from the environment.
    journal : path, optional
        SQLite file recording the campaign. Calling ``send`` again with the same messages and
        journal resumes: nothing already ``sent``, ``failed`` or ``unknown`` goes again.
    dry_run : bool
        Plan only: rows come back ``planned`` (or as the journal has them); nothing is sent.
    progress : bool
        Show a ``tqdm.auto`` bar (a widget in JupyterLab) with sent/failed/unknown counts.
    concurrency, rate : int, float
        Requests in flight at once and requests per second (defaults 16 and 500/s); the
        provider's guide sets no rate limit, only the one-identical-request-per-minute rule.
    max_url_length, max_phones_per_request, skip_duplicates
        Planning options (see :func:`preview`).
    max_unknown_in_a_row : int
        Stop (leaving the rest ``planned`` for a later resume) after this many ambiguous
        outcomes in a row: the provider or the network is in trouble.
    region : str
        Country for phones written without a country code.
    durable : bool
        Sync every journal commit to disk (safe against power loss; a little slower).
    price_sms, price_viber : float, optional
        Price of one SMS part and of one Viber message; adds ``cost`` and ``max_cost``
        (see :func:`estimate_cost`).

    Returns
    -------
    pandas.DataFrame
        Your rows in order with ``phone`` normalised (original in ``phone_raw``),
        ``request_id``, ``message_id``, ``send_state`` (``sent``, ``failed``, ``unknown``,
        ``skipped``, ``planned``), ``send_error``, ``sent_at`` (``datetime64[ms, UTC]``),
        ``is_final`` (true for rows that can never get a status: ``failed``, ``skipped``,
        ``unknown``), ``sms_parts`` and, when a price is given, ``cost`` (each row's first
        channel) and ``max_cost`` (every channel of its cascade), 0 for ``failed`` and
        ``skipped`` rows.

    Examples
    --------
    >>> import pandas as pd, targetsms_frames as tsf
    >>> msgs = pd.DataFrame({"phone": ["8 900 000 00 01", "12345"], "send_sms": 1,
    ...                      "sender_sms": "Shop", "text_sms": "Sale today!"})
    >>> out = tsf.send(msgs, tsf.Client.sandbox(), progress=False)
    >>> out[["phone", "send_state", "message_id"]]
             phone send_state  message_id
    0  79000000001       sent  1179038981
    1        12345    skipped         NaN
    """
    if client is not None and not isinstance(client, Client):
        raise TypeError(
            f"send needs a tsf.Client (it sends from a pool of threads), not "
            f"{type(client).__name__}"
        )
    prepared = prepare(messages, region=region)
    if client is None and not dry_run:
        client = Client()
    budget = budget_for(client)
    plan = plan_campaign(
        prepared,
        budget,
        max_url_length=max_url_length,
        max_phones_per_request=max_phones_per_request,
        skip_duplicates=skip_duplicates,
    )
    prices = {"price_sms": price_sms, "price_viber": price_viber}
    if dry_run and (journal is None or not Path(journal).exists()):
        return _assemble(prepared, plan, None, prices=prices)
    book = Journal.memory() if journal is None else Journal.open(journal, durable=durable)
    try:
        book.check(prepared.fingerprint)
        if book.fingerprint is None:
            book.initialise(
                prepared.fingerprint,
                prepared.display.set_axis(prepared.original_index),
                plan[["request_id", "send_state", "send_error"]].assign(
                    phone=prepared.display["phone"]
                ),
                _journal_requests(prepared, plan),
            )
        if dry_run:
            return _assemble(prepared, plan, book.rows(), prices=prices)
        recovered = book.recover_interrupted()
        if recovered:
            logger.warning(
                "%d request(s) were in flight when the last run stopped: unknown", recovered
            )
        pending = book.pending()
        assert client is not None
        limiter = RateLimiter(rate, clock=client.clock, sleep=client.sleep)
        total = sum(len(r.phones) for r in pending)
        with progress_bar(total=total, enabled=progress, desc="sending") as bar:
            tally = _dispatch(
                book,
                client,
                pending,
                concurrency=max(1, concurrency),
                limiter=limiter,
                bar=bar,
                max_unknown_in_a_row=max_unknown_in_a_row,
            )
        if tally.stopped:
            logger.warning("sending stopped early: %s", tally.stopped)
        return _assemble(prepared, plan, book.rows(), stopped=tally.stopped, prices=prices)
    finally:
        book.close()


def _assemble(
    prepared: Prepared,
    plan: pd.DataFrame,
    rows: pd.DataFrame | None,
    stopped: str | None = None,
    *,
    prices: dict[str, float | None],
) -> pd.DataFrame:
    n = len(prepared.display)
    if rows is None:
        outcome = pd.DataFrame(
            {
                "request_id": plan["request_id"],
                "message_id": pd.Series(pd.NA, index=range(n), dtype="str"),
                "send_state": plan["send_state"].astype("str"),
                "send_error": plan["send_error"].astype("str"),
                "sent_at": pd.Series(pd.NaT, index=range(n), dtype=TIME_DTYPE),
                "is_final": (plan["send_state"] == "skipped").to_numpy(dtype=bool),
            }
        )
    else:
        outcome = send_outcome(rows, n)
        still = (outcome["send_state"] == "planned").to_numpy()
        if stopped and still.any():
            outcome.loc[still, "send_error"] = (
                f"not sent: sending stopped early ({stopped}); send again to resume"
            )
    outcome["sms_parts"] = sms_parts(prepared.display).to_numpy()
    out = result_frame(prepared, outcome)
    if any(price is not None for price in prices.values()):
        out = estimate_cost(out, **prices)
    return out
