"""A campaign's plan, the same for ``preview`` and ``send``: which rows go, in which request,
in which zone and from when. Pure: no network, no journal, the clock passed in.

Examples
--------
>>> import pandas as pd
>>> from targetsms_frames._prepare import prepare
>>> from targetsms_frames._options import SendOptions
>>> msgs = pd.DataFrame({"phone": ["79000000001", "79000000002", "bad"], "send_sms": 1,
...                      "sender_sms": "Shop", "text_sms": "Sale!"})
>>> prepared = prepare(msgs)
>>> plan = plan_campaign(prepared, UrlBudget.allowance(), SendOptions())
>>> plan[["request_id", "send_state"]]
  request_id send_state
0    R000001    planned
1    R000001    planned
2        NaN    skipped
>>> [r.phones for r in journal_requests(prepared, plan)]
[('79000000001', '79000000002')]
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Final

import numpy as np
import pandas as pd

from ._client import Client
from ._options import SendOptions
from ._plan import UrlBudget, iter_requests, plan_requests
from ._prepare import Prepared
from ._time import TIME_DTYPE, zone_key
from ._windows import not_before, row_zones
from .journal import JournalRequest

__all__ = [
    "DUPLICATE_REASON",
    "budget_for",
    "campaign_zones",
    "journal_requests",
    "plan_campaign",
    "renumbered",
    "rezoning",
    "schedule_columns",
]

DUPLICATE_REASON: Final = "duplicate of an earlier row (same phone and message)"


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


def campaign_zones(prepared: Prepared, options: SendOptions) -> pd.Series | None:
    """Each row's zone name when the campaign has a send window (``None`` without one)."""
    if options.window is None:
        return None
    display = prepared.display.set_axis(prepared.original_index)  # errors name your rows
    zones = row_zones(display, display["phone"], options.tz)
    return zones.reset_index(drop=True)


def plan_campaign(
    prepared: Prepared,
    budget: UrlBudget,
    options: SendOptions,
    *,
    eligible: pd.Series | None = None,
    zones: pd.Series | None = None,
) -> pd.DataFrame:
    """Per position: request_id, url_length, duplicate, same_phone, send_state, send_error.

    ``eligible`` (a boolean mask by position) restricts planning to some of the valid rows;
    the others come back ``skipped`` without a reason of their own. With ``zones``, rows of
    different zones never share a request (each goes in its own window).
    """
    n = len(prepared.display)
    if n:
        mask = prepared.valid if eligible is None else prepared.valid & eligible.to_numpy(bool)
        full = plan_requests(
            prepared.messages,
            budget=budget,
            max_url_length=options.max_url_length,
            max_phones_per_request=options.max_phones_per_request,
            skip_duplicates=options.skip_duplicates,
            eligible=pd.Series(mask),
            apart=zones,
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


def journal_requests(
    prepared: Prepared,
    plan: pd.DataFrame,
    zones: pd.Series | None = None,
    first_number: int = 1,
) -> list[JournalRequest]:
    """The plan's requests (numbered from ``first_number``), each with its rows' zone."""
    shift = first_number - 1
    names = None if zones is None else zones.to_numpy(dtype=object)
    return [
        JournalRequest(
            r.request_id if not shift else f"R{int(r.request_id[1:]) + shift:06d}",
            r.params,
            r.phones,
            r.positions,
            r.url_length,
            zone=None if names is None else str(names[r.positions[0]]),
        )
        for r in iter_requests(prepared.messages, plan)
    ]


def rezoning(
    requests: Sequence[JournalRequest], zone_at: Mapping[int, str | None]
) -> tuple[list[tuple[str, str | None]], list[tuple[str, list[JournalRequest]]]]:
    """How planned requests change so that each holds rows of one zone, the zone each row
    has now: ``(request_id, zone)`` to set, and ``(request_id, parts)`` to split (one part
    per zone, in row order). A row that ``zone_at`` (by journal position) does not name keeps
    its request's zone.

    >>> request = JournalRequest("R000001", {}, ("7901", "7902"), (0, 1), 80)
    >>> rezoning([request], {0: "Europe/Moscow", 1: "Europe/Moscow"})
    ([('R000001', 'Europe/Moscow')], [])
    >>> _, [(_, parts)] = rezoning([request], {0: "Europe/Moscow", 1: "Asia/Omsk"})
    >>> [(part.request_id, part.phones, part.zone) for part in parts]
    [('R000001.1', ('7901',), 'Europe/Moscow'), ('R000001.2', ('7902',), 'Asia/Omsk')]
    """
    zones: list[tuple[str, str | None]] = []
    splits: list[tuple[str, list[JournalRequest]]] = []
    for request in requests:
        names = [zone_at.get(p, request.zone) for p in request.positions]
        distinct = list(dict.fromkeys(names))
        if len(distinct) == 1:
            if distinct[0] != request.zone:
                zones.append((request.request_id, distinct[0]))
            continue
        parts = []
        for number, name in enumerate(distinct, start=1):
            rows = [i for i, other in enumerate(names) if other == name]
            parts.append(
                JournalRequest(
                    f"{request.request_id}.{number}",
                    request.params,
                    tuple(request.phones[i] for i in rows),
                    tuple(request.positions[i] for i in rows),
                    None,
                    zone=name,
                )
            )
        splits.append((request.request_id, parts))
    return zones, splits


def renumbered(plan: pd.DataFrame, first_number: int) -> pd.DataFrame:
    """The plan with request numbers starting at ``first_number`` (``R000001`` -> ...)."""
    if first_number == 1:
        return plan
    ids = plan["request_id"]
    numbers = pd.to_numeric(ids.str.slice(1), errors="coerce") + (first_number - 1)
    renamed = "R" + numbers.astype("Int64").astype("str").str.zfill(6)
    return plan.assign(request_id=renamed.where(ids.notna()).astype("str"))


def schedule_columns(
    plan: pd.DataFrame,
    zones: pd.Series | None,
    options: SendOptions,
    now: datetime,
) -> pd.DataFrame:
    """``not_before`` (UTC: when each planned row may go; ``NaT`` for the others) and, with a
    window, ``send_zone`` (the zone its window is kept in), by position."""
    n = len(plan)
    names = (
        zones if zones is not None else pd.Series(zone_key(options.tz), index=range(n))
    ).astype(object)
    opens, _ = not_before(names, options.window, now, options.start_at)
    planned = (plan["send_state"] == "planned").to_numpy()
    out = pd.DataFrame({"not_before": opens.astype(TIME_DTYPE).where(planned)}, index=range(n))
    if zones is not None:
        out["send_zone"] = pd.Series(zones.to_numpy(), index=range(n), dtype="str")
    return out
