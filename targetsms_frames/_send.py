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
from pathlib import Path

import numpy as np
import pandas as pd

from ._campaign import attach
from ._client import Client
from ._cost import estimate_cost, sms_parts
from ._dispatch import dispatch
from ._exceptions import JournalMismatchError
from ._interrupts import deferred_interrupts
from ._plan import (
    DEFAULT_MAX_PHONES,
    DEFAULT_MAX_URL_LENGTH,
    UrlBudget,
    iter_requests,
    plan_requests,
)
from ._policy import RateLimiter, StopRules, Tally, parse_rate
from ._prepare import Prepared, prepare, result_frame
from ._progress import progress_bar
from ._time import TIME_DTYPE
from .journal import (
    JournalRequest,
    JournalSpec,
    JournalStore,
    SQLiteJournal,
    open_journal,
    send_outcome,
)
from .journal import exists as journal_exists
from .journal.auto import find_related, journal_dir, journal_name
from .journal.liveness import running

__all__ = ["DEFAULT_CONCURRENCY", "DEFAULT_RATE", "budget_for", "plan_campaign", "send"]

logger = logging.getLogger("targetsms_frames")
DEFAULT_CONCURRENCY = 16  # requests in flight at once
DEFAULT_RATE = 500.0  # requests per second at most
DUPLICATE_REASON = "duplicate of an earlier row (same phone and message)"


def budget_for(client: Client | None) -> UrlBudget:
    """URL overhead from the client's credentials, the environment's, or a safe allowance."""
    if client is not None:
        s = client._settings
        return UrlBudget.for_credentials(s.base_url, s.login, s.password)
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
    eligible: pd.Series | None = None,
) -> pd.DataFrame:
    """Per position: request_id, url_length, duplicate, same_phone, send_state, send_error.

    ``eligible`` (a boolean mask by position) restricts planning to some of the valid rows;
    the others come back ``skipped`` without a reason of their own.
    """
    n = len(prepared.display)
    if n:
        mask = prepared.valid if eligible is None else prepared.valid & eligible.to_numpy(bool)
        full = plan_requests(
            prepared.messages,
            budget=budget,
            max_url_length=max_url_length,
            max_phones_per_request=max_phones_per_request,
            skip_duplicates=skip_duplicates,
            eligible=pd.Series(mask),
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


def _journal_requests(
    prepared: Prepared, plan: pd.DataFrame, first_number: int = 1
) -> list[JournalRequest]:
    """The plan's requests, numbered from ``first_number`` (the plan numbers them from 1)."""
    shift = first_number - 1
    return [
        JournalRequest(
            r.request_id if not shift else f"R{int(r.request_id[1:]) + shift:06d}",
            r.params,
            r.phones,
            r.positions,
            r.url_length,
        )
        for r in iter_requests(prepared.messages, plan)
    ]


def _renumbered(plan: pd.DataFrame, first_number: int) -> pd.DataFrame:
    if first_number == 1:
        return plan
    ids = plan["request_id"]
    numbers = pd.to_numeric(ids.str.slice(1), errors="coerce") + (first_number - 1)
    renamed = "R" + numbers.astype("Int64").astype("str").str.zfill(6)
    return plan.assign(request_id=renamed.where(ids.notna()).astype("str"))


def _auto_journal(prepared: Prepared, client: Client, extend: bool) -> tuple[Path, bool]:
    """The automatic journal of this campaign, and whether it was found under another name."""
    folder = journal_dir()
    path = folder / journal_name(prepared.fingerprint, client.base_url, client.login)
    if path.exists():
        return path, False
    related = find_related(
        folder,
        prepared.fingerprint,
        prepared.display["phone"][prepared.valid],
        endpoint=client.base_url,
        login=client.login,
    )
    return (path, False) if related is None else (related.path, True)


def _open(
    spec: JournalSpec | bool | None,
    prepared: Prepared,
    client: Client | None,
    *,
    extend: bool,
    dry_run: bool,
    durable: bool,
) -> tuple[JournalStore | None, bool]:
    """The journal store to use (``None``: a dry run with nothing journaled yet), and whether
    it is the automatic one."""
    if spec is False:
        return (None if dry_run else SQLiteJournal.memory()), False
    if spec is True:
        raise TypeError("journal= takes a path, a postgresql:// URL, None (automatic) or False")
    automatic = spec is None
    if spec is None:
        if client is None:  # a dry run without credentials: nothing to look up
            return None, True
        spec, _ = _auto_journal(prepared, client, extend)
    if dry_run and not journal_exists(spec):
        return None, automatic
    return open_journal(spec, durable=durable), automatic


def _pending_rows(store: JournalStore) -> int:
    rows = store.rows()
    return int(((rows["send_state"] == "planned") & rows["request_id"].notna()).sum())


def send(
    messages: pd.DataFrame,
    client: Client | None = None,
    *,
    journal: JournalSpec | bool | None = None,
    dry_run: bool = False,
    extend: bool = False,
    progress: bool = True,
    concurrency: int = DEFAULT_CONCURRENCY,
    rate: float | str | None = DEFAULT_RATE,
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

    Every request is journaled before it leaves and its outcome after, so a crash, a kill,
    Ctrl-C or a flaky network never sends a message twice, and calling ``send`` again with
    the same messages resumes the campaign (nothing already ``sent``, ``failed`` or
    ``unknown`` goes again).

    Parameters
    ----------
    messages : pandas.DataFrame
        A message frame (see :func:`render`); your own columns are carried through.
    client : Client, optional
        Defaults to ``Client()`` with credentials from the environment.
    journal : path, ``postgresql://`` URL, None or False
        Where the campaign is journaled. ``None`` (default): an automatic journal, one file
        per campaign in ``$TARGETSMS_JOURNAL_DIR`` or the user's data folder, so running the
        same cell twice sends nothing the second time. A path: that SQLite file. A
        ``postgresql://`` URL: a shared journal several senders may use at once. ``False``:
        no journal (nothing stops a second call from sending again).
    dry_run : bool
        Plan only: rows come back ``planned`` (or as the journal has them); nothing is sent.
    extend : bool
        The journal holds this campaign with fewer rows: add the new ones. A row whose phone
        already has a message ``sent`` or ``unknown`` (or still to go) in this campaign is
        ``skipped`` naming that request; the others are sent.
    progress : bool
        Show a ``tqdm.auto`` bar (a widget in JupyterLab) with sent/failed/unknown counts.
    concurrency : int
        Requests in flight at once (default 16).
    rate : float or str
        Requests per second, or a text such as ``"300/min"`` or ``"10000/h"`` (default 500
        per second; ``None``: no limit). The provider's guide sets no rate limit, only the
        one-identical-request-per-minute rule, which sending never trips.
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
        Price of one SMS part and of one Viber message: the result gets ``cost`` and
        ``max_cost``.

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

    Raises
    ------
    JournalMismatchError
        The journal holds another version of this campaign (the message says what changed;
        ``extend=True`` adds the new rows), or belongs to another endpoint or login.

    Examples
    --------
    >>> import pandas as pd, targetsms_frames as tsf
    >>> msgs = pd.DataFrame({"phone": ["8 900 000 00 01", "12345"], "send_sms": 1,
    ...                      "sender_sms": "Shop", "text_sms": "Sale today!"})
    >>> client = tsf.Client.sandbox()
    >>> out = tsf.send(msgs, client, progress=False)
    >>> out[["phone", "send_state", "message_id"]]
             phone send_state  message_id
    0  79000000001       sent  1179038981
    1        12345    skipped         NaN
    >>> again = tsf.send(msgs, client, progress=False)  # the same cell, run again: resumed
    >>> again["message_id"].equals(out["message_id"])
    True
    """
    if client is not None and not isinstance(client, Client):
        raise TypeError(
            f"send needs a tsf.Client (it sends from a pool of threads), not "
            f"{type(client).__name__}"
        )
    limiter_rate = parse_rate(rate)  # a bad rate is refused before anything happens
    prepared = prepare(messages, region=region)
    if client is None and not dry_run:
        client = Client()
    budget = budget_for(client)
    options = {
        "max_url_length": max_url_length,
        "max_phones_per_request": max_phones_per_request,
        "skip_duplicates": skip_duplicates,
    }
    plan = plan_campaign(prepared, budget, **options)  # type: ignore[arg-type]

    def replan(eligible: pd.Series, first_number: int) -> tuple[pd.DataFrame, list[JournalRequest]]:
        part = plan_campaign(prepared, budget, eligible=eligible, **options)  # type: ignore[arg-type]
        part = _renumbered(part, first_number)
        return part, _journal_requests(prepared, part)

    prices = {"price_sms": price_sms, "price_viber": price_viber}
    store, automatic = _open(
        journal, prepared, client, extend=extend, dry_run=dry_run, durable=durable
    )
    if store is None:
        return _assemble(prepared, plan, None, prices=prices)
    try:
        bound = client is not None and journal is not False
        try:
            attached = attach(
                store,
                prepared,
                plan,
                _journal_requests(prepared, plan),
                sent_by=(client.base_url, client.login) if bound and client else None,
                extend=extend,
                replan=replan,
            )
        except JournalMismatchError as exc:
            if not automatic:
                raise
            raise JournalMismatchError(
                f"{exc} (this journal was kept automatically for an earlier run of these "
                "messages; to send them as a new campaign anyway, pass journal=False or a "
                "journal file of their own)"
            ) from None
        if dry_run:
            return _assemble(prepared, plan, store.rows(), attached.positions, prices=prices)
        assert client is not None
        recovered = store.recover()
        if recovered:
            logger.warning(
                "%d request(s) were in flight when the last run stopped: unknown", recovered
            )
        pending = _pending_rows(store)
        if attached.how != "new" and journal is not False:
            _say_resumed(store, pending, automatic)
        tally = _run(
            store, client, pending, progress, concurrency, limiter_rate, max_unknown_in_a_row
        )
        if tally.stopped:
            logger.warning("sending stopped early: %s", tally.stopped)
        out = _assemble(
            prepared, plan, store.rows(), attached.positions, tally.stopped, prices=prices
        )
        if journal is not False:
            out.attrs["journal"] = store.location
        return out
    finally:
        store.close()


def _say_resumed(store: JournalStore, pending: int, automatic: bool) -> None:
    states = store.rows()["send_state"].value_counts()
    held = ", ".join(f"{states[s]:,} {s}" for s in ("sent", "failed", "unknown") if s in states)
    kind = "automatic journal" if automatic else "journal"
    if pending:
        logger.info(
            "resuming the campaign in the %s %s (%s); %d row(s) still to send",
            kind,
            store.location,
            held or "nothing sent yet",
            pending,
        )
    else:
        logger.warning(
            "this campaign is already in the %s %s (%s): nothing was sent again",
            kind,
            store.location,
            held or "nothing to send",
        )


def _run(
    store: JournalStore,
    client: Client,
    pending: int,
    progress: bool,
    concurrency: int,
    rate: float | None,
    max_unknown_in_a_row: int,
) -> Tally:
    limiter = RateLimiter(rate, clock=client.clock, sleep=client.sleep)
    rules = StopRules(max_unknown_in_a_row=max_unknown_in_a_row)
    sender = store.register()
    try:
        with (
            running(sender.sender_id),
            progress_bar(total=pending, enabled=progress and pending > 0, desc="sending") as bar,
        ):
            return dispatch(
                store,
                sender,
                client,
                concurrency=concurrency,
                limiter=limiter,
                rules=rules,
                bar=bar,
            )
    finally:
        with deferred_interrupts():
            store.unregister(sender)


def _assemble(
    prepared: Prepared,
    plan: pd.DataFrame,
    rows: pd.DataFrame | None,
    positions: np.ndarray | None = None,
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
        outcome = send_outcome(rows, positions)
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
