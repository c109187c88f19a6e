"""``send``: validate, plan, journal, then send each request at most once.

The decision for each reply (and why nothing is ever sent twice) lives in :mod:`._outcome`,
the plan in :mod:`._planning`, when requests go in :mod:`._policy`, and the engine that drives
them in :mod:`._dispatch`; this module puts a campaign into its journal and runs it.

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

import dataclasses
import logging
import time
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ._campaign import Attached, attach
from ._client import Client
from ._clock import instant
from ._cost import estimate_cost, sms_parts
from ._dispatch import dispatch
from ._exceptions import JournalMismatchError
from ._interrupts import deferred_interrupts
from ._options import DEFAULT_CONCURRENCY, DEFAULT_RATE, SendOptions
from ._plan import DEFAULT_MAX_PHONES, DEFAULT_MAX_URL_LENGTH
from ._planning import (
    DUPLICATE_REASON,
    budget_for,
    campaign_zones,
    journal_requests,
    plan_campaign,
    renumbered,
    rezoning,
    schedule_columns,
)
from ._policy import RateLimiter, SendSchedule, StopRules, Tally
from ._prepare import Prepared, prepare, result_frame
from ._progress import Bar, progress_bar
from ._time import CAMPAIGN_TZ_ATTR, TIME_DTYPE, zone_key
from ._windows import Window, parse_start_at
from .journal import (
    JournalRequest,
    JournalSpec,
    JournalStore,
    KeptSchedule,
    SQLiteJournal,
    open_journal,
    send_outcome,
)
from .journal import exists as journal_exists
from .journal.auto import find_related, journal_dir, journal_name
from .journal.liveness import running

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_RATE",
    "DUPLICATE_REASON",
    "budget_for",
    "plan_campaign",
    "send",
]

logger = logging.getLogger("targetsms_frames")


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
    window: Window | str | tuple[str, str] | Literal[False] | None = None,
    tz: str | tzinfo | None = None,
    wait: bool = True,
    start_at: datetime | str | None = None,
    price_sms: float | None = None,
    price_viber: float | None = None,
    progress: bool = True,
    concurrency: int = DEFAULT_CONCURRENCY,
    rate: float | str | None = DEFAULT_RATE,
    max_url_length: int = DEFAULT_MAX_URL_LENGTH,
    max_phones_per_request: int = DEFAULT_MAX_PHONES,
    skip_duplicates: bool = True,
    max_unknown_in_a_row: int = 5,
    region: str = "RU",
    durable: bool = True,
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
    window : (str, str) or str, optional
        Send each message only while its recipient's local time is inside this daily span,
        e.g. ``("09:00", "21:00")``; ``("22:00", "06:00")`` runs across midnight. A
        recipient's zone is its ``timezone`` cell (an IANA name like ``Asia/Yekaterinburg``,
        or an offset like ``+05:00``), else its phone's where the number plan gives exactly
        one zone, else ``tz``. A resume (the same journal) that names no window keeps the
        one the campaign was last sent with; ``False``: no window, not even that one.
    tz : str, optional
        The campaign's zone (default: the one the campaign was last sent with, else this
        machine's): for recipients with no zone of their own, and for a ``start_at``
        written without one.
    wait : bool
        With a window or ``start_at``: keep sending as windows open, one zone after another
        (the progress bar says what it waits for). ``False``: send what may go now and
        return, the rest ``planned``; a later ``send`` with the same journal sends what has
        come due.
    start_at : datetime or str, optional
        Nothing goes before this moment (``"2026-12-04 10:00"`` is read in ``tz``). A
        resume that names none keeps the campaign's.
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
        ``skipped`` rows; with a window or ``start_at``, ``not_before`` (UTC: when a row
        still to go may go) and, with a window, ``send_zone``.

    Raises
    ------
    ValidationError
        A bad ``window``, ``tz``, ``start_at`` or ``timezone`` cell (naming the row and the
        value), before anything is sent.
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
    options = SendOptions.build(  # every option checked before anything happens
        window=window,
        tz=tz,
        wait=wait,
        start_at=start_at,
        price_sms=price_sms,
        price_viber=price_viber,
        progress=progress,
        concurrency=concurrency,
        rate=rate,
        max_url_length=max_url_length,
        max_phones_per_request=max_phones_per_request,
        skip_duplicates=skip_duplicates,
        max_unknown_in_a_row=max_unknown_in_a_row,
        region=region,
        durable=durable,
    )
    prepared = prepare(messages, region=options.region)
    zones = campaign_zones(prepared, options)
    if client is None and not dry_run:
        client = Client()
    budget = budget_for(client)
    plan = plan_campaign(prepared, budget, options, zones=zones)
    store, automatic = _open(
        journal, prepared, client, extend=extend, dry_run=dry_run, durable=options.durable
    )
    try:
        kept = None if store is None else store.kept_schedule()
        resumed = options if kept is None else _resumed(options, kept, start_at)
        if resumed != options:  # planned again by the campaign's own schedule
            options = resumed
            zones = campaign_zones(prepared, options)
            plan = plan_campaign(prepared, budget, options, zones=zones)
        now = instant(client.clock() if client is not None else time.time())
        schedule = schedule_columns(plan, zones, options, now) if options.scheduled else None

        def replan(
            eligible: pd.Series, first_number: int
        ) -> tuple[pd.DataFrame, list[JournalRequest]]:
            part = plan_campaign(prepared, budget, options, eligible=eligible, zones=zones)
            part = renumbered(part, first_number)
            return part, journal_requests(prepared, part, zones)

        if store is None:
            return _assemble(prepared, plan, None, options=options, schedule=schedule)
        bound = client is not None and journal is not False

        def attach_here() -> Attached:
            assert store is not None
            try:
                return attach(
                    store,
                    prepared,
                    plan,
                    journal_requests(prepared, plan, zones),
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

        rows = store.rows
        if dry_run:
            # what a send would find and plan, in a transaction that is rolled back: a dry run
            # leaves the journal as it was (an extension is shown, not written)
            found = pd.DataFrame()
            try:
                with store.transaction():
                    attached = attach_here()
                    found = _assemble(
                        prepared,
                        plan,
                        rows(),
                        attached.positions,
                        options=options,
                        schedule=schedule,
                    )
                    raise _DryRun
            except _DryRun:
                return found
        attached = attach_here()
        if zones is not None:
            _rezone(store, zones, attached.positions)
        assert client is not None
        if options.scheduled or "tz" in options.given or kept is not None:
            store.keep_schedule(options.kept())
        recovered = store.recover()
        if recovered:
            logger.warning(
                "%d request(s) were in flight when the last run stopped: unknown", recovered
            )
        pending = _pending_rows(store)
        if attached.how != "new" and journal is not False:
            _say_resumed(store, pending, automatic)
        tally = _run(store, client, pending, options)
        if tally.stopped:
            logger.warning("sending stopped early: %s", tally.stopped)
        out = _assemble(
            prepared,
            plan,
            rows(),
            attached.positions,
            tally.stopped,
            options=options,
            schedule=schedule,
        )
        if journal is not False:
            out.attrs["journal"] = store.location
        if options.scheduled:  # what summarize counts as "go now" against
            out.attrs["planned_at"] = instant(client.clock()).isoformat()
        if "tz" in options.given or kept is not None:  # reports default to it
            out.attrs[CAMPAIGN_TZ_ATTR] = zone_key(options.tz)
        return out
    finally:
        if store is not None:
            store.close()


def _rezone(store: JournalStore, zones: pd.Series, positions: np.ndarray) -> None:
    """Keep each planned request in the zone its rows have now: a campaign first planned
    without a window, or a ``timezone`` cell corrected since, is sent in the right window."""
    zone_at = dict(zip(positions.tolist(), zones.astype(object).tolist(), strict=True))
    changes, splits = rezoning(store.planned_requests(), zone_at)
    if changes or splits:
        moved = store.rezone(changes, splits)
        if moved:
            logger.info("%d planned request(s) moved to their recipients' time zones", moved)


class _DryRun(Exception):
    """Rolls back what a dry run wrote."""


def _resumed(
    options: SendOptions, kept: KeptSchedule, start_at: datetime | str | None
) -> SendOptions:
    """The options of a resume: the journal's window, zone and start where this call names
    none (said in the log), so a campaign goes on by the schedule it was sent with."""
    resumed = options.resumed(kept)
    if resumed == options:
        return resumed
    if "start_at" in options.given and "tz" not in options.given:
        # a start written without a zone is read in the campaign's zone, now the journal's
        resumed = dataclasses.replace(resumed, start_at=parse_start_at(start_at, resumed.tz))
    taken = [
        f"window {resumed.window}" if "window" not in options.given and kept.window else "",
        f"start {resumed.start_at:%Y-%m-%d %H:%M} UTC"
        if "start_at" not in options.given and resumed.start_at is not None
        else "",
        f"zone {kept.tz}" if "tz" not in options.given else "",
    ]
    logger.info(
        "the campaign goes on by the schedule in its journal (%s); name window= or start_at= "
        "to change it, or window=False to send without a window",
        ", ".join(part for part in taken if part),
    )
    return resumed


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


def _run(store: JournalStore, client: Client, pending: int, options: SendOptions) -> Tally:
    limiter = RateLimiter(options.rate, clock=client.clock, sleep=client.sleep)
    rules = StopRules(max_unknown_in_a_row=options.max_unknown_in_a_row)
    schedule = SendSchedule(
        options.window, options.start_at, options.tz, client.clock, wait=options.wait
    )
    if options.scheduled:
        schedule.apply(store)
    sender = store.register()
    try:
        with (
            running(sender.sender_id),
            progress_bar(
                total=pending, enabled=options.progress and pending > 0, desc="sending"
            ) as bar,
        ):
            return dispatch(
                store,
                sender,
                client,
                concurrency=options.concurrency,
                limiter=limiter,
                rules=rules,
                bar=bar,
                due_by=client.clock if options.scheduled else lambda: None,
                idle=(lambda: _wait_for(schedule, store, bar)) if options.scheduled else _never,
                sleep=client.sleep,
            )
    finally:
        with deferred_interrupts():
            store.unregister(sender)


def _never() -> None:
    return None


def _wait_for(schedule: SendSchedule, store: JournalStore, bar: Bar) -> float | None:
    """What the engine does when nothing is due: the schedule says, the bar and log show it."""
    pause = schedule.idle(store)
    bar.set_description(schedule.waiting_for or "sending")
    if schedule.waiting_for:
        logger.info("%s", schedule.waiting_for)
    return pause


def _assemble(
    prepared: Prepared,
    plan: pd.DataFrame,
    rows: pd.DataFrame | None,
    positions: np.ndarray | None = None,
    stopped: str | None = None,
    *,
    options: SendOptions,
    schedule: pd.DataFrame | None,
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
    if schedule is not None:
        _add_schedule(outcome, schedule, waited=rows is not None and stopped is None)
    out = result_frame(prepared, outcome)
    if options.priced:
        out = estimate_cost(out, **options.prices)
    return out


def _add_schedule(outcome: pd.DataFrame, schedule: pd.DataFrame, *, waited: bool) -> None:
    """``not_before`` (and ``send_zone``) for rows still to go; say why those still wait."""
    planned = (outcome["send_state"] == "planned").to_numpy()
    opens = schedule["not_before"].where(planned)
    outcome["not_before"] = opens.array  # keeps the zone and resolution, even all NaT
    if "send_zone" in schedule:
        outcome["send_zone"] = schedule["send_zone"].to_numpy()
    if not waited or not planned.any():
        return
    zones = schedule.get("send_zone")
    reasons = []
    for i in np.flatnonzero(planned).tolist():
        when = opens.iloc[i]
        if pd.isna(when):
            reasons.append(outcome["send_error"].iloc[i])
            continue
        where = "UTC" if zones is None else str(zones.iloc[i])
        local = when.tz_convert("UTC" if zones is None else zones.iloc[i])
        reasons.append(
            f"not sent yet: it may go from {local:%Y-%m-%d %H:%M} {where}; send again with "
            "the same journal then (or wait=True)"
        )
    outcome.loc[planned, "send_error"] = reasons
