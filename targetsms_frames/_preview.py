"""``preview``: what ``send`` would do, with no network; cost estimates and a one-screen summary.

Examples
--------
>>> import pandas as pd, targetsms_frames as tsf
>>> msgs = pd.DataFrame({"phone": ["8 900 000 00 01", "8 900 000 00 02", "oops"],
...                      "send_sms": 1, "sender_sms": "Shop",
...                      "text_sms": ["Sale today!", "Скидка «10%»", "Hi"]})
>>> p = tsf.preview(msgs, price_sms=3.5)
>>> p[["phone", "sms_encoding", "sms_parts", "request_id", "send_state", "cost"]]
         phone sms_encoding  sms_parts request_id send_state  cost
0  79000000001        GSM-7          1    R000001    planned   3.5
1  79000000002        UCS-2          1    R000002    planned   3.5
2         oops        GSM-7          1        NaN    skipped   0.0
>>> print(tsf.summarize(p))  # doctest: +NORMALIZE_WHITESPACE
Campaign preview
  rows             3
  to send          2 in 2 requests (longest URL 301 characters)
  skipped          1 (invalid: 1)
  SMS parts        2 (UCS-2 rows: 1)
  estimated cost   7.00
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._client import Client
from ._plan import DEFAULT_MAX_PHONES, DEFAULT_MAX_URL_LENGTH
from ._prepare import prepare, result_frame
from ._send import DUPLICATE_REASON, budget_for, plan_campaign
from ._sms import sms_info

__all__ = ["Summary", "estimate_cost", "preview", "summarize"]


def _channel(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame.columns:
        return pd.Series(0, index=frame.index, dtype="Int64")
    values = pd.to_numeric(frame[name], errors="coerce")
    return values.fillna(0).astype("Int64")


def estimate_cost(
    frame: pd.DataFrame, *, price_sms: float | None = None, price_viber: float | None = None
) -> pd.DataFrame:
    """Add ``cost`` (the first channel of each row's cascade) and ``max_cost`` (every channel).

    ``price_sms`` is per SMS part, ``price_viber`` per Viber message. Rows that will not be
    sent cost nothing. Needs ``sms_parts`` (from :func:`preview`).

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"send_viber": [1, 0], "send_sms": [2, 1], "sms_parts": [2, 1],
    ...                   "send_state": "planned"})
    >>> estimate_cost(f, price_sms=3.0, price_viber=1.5)[["cost", "max_cost"]]
       cost  max_cost
    0   1.5       7.5
    1   3.0       3.0
    """
    out = frame.copy()
    viber, sms = _channel(out, "send_viber"), _channel(out, "send_sms")
    parts = pd.to_numeric(
        out["sms_parts"] if "sms_parts" in out else pd.Series(0, index=out.index), errors="coerce"
    )
    sms_cost = np.where(sms > 0, parts.fillna(0).to_numpy(dtype=float) * (price_sms or 0.0), 0.0)
    viber_cost = np.where(viber > 0, float(price_viber or 0.0), 0.0)
    viber_first = ((viber > 0) & ((sms == 0) | (viber <= sms))).to_numpy(dtype=bool)
    first = np.where(viber_first, viber_cost, sms_cost)
    live = (
        (out["send_state"] != "skipped").to_numpy(dtype=bool)
        if "send_state" in out
        else np.ones(len(out), dtype=bool)
    )
    out["cost"] = np.where(live, first, 0.0)
    out["max_cost"] = np.where(live, sms_cost + viber_cost, 0.0)
    return out


def preview(
    messages: pd.DataFrame,
    client: Client | None = None,
    *,
    price_sms: float | None = None,
    price_viber: float | None = None,
    region: str = "RU",
    max_url_length: int = DEFAULT_MAX_URL_LENGTH,
    max_phones_per_request: int = DEFAULT_MAX_PHONES,
    skip_duplicates: bool = True,
) -> pd.DataFrame:
    """Show, per row, what :func:`send` would do, without touching the network.

    Parameters
    ----------
    messages : pandas.DataFrame
        A message frame (see :func:`render`).
    client : Client, optional
        Its credentials give exact URL lengths; without it the environment's are used, or a
        safe allowance.
    price_sms, price_viber : float, optional
        Price of one SMS part and of one Viber message; adds ``cost`` and ``max_cost``.
    region, max_url_length, max_phones_per_request, skip_duplicates
        As for :func:`send`.

    Returns
    -------
    pandas.DataFrame
        Your rows with ``phone`` normalised (``phone_raw`` the original), ``sms_encoding``
        (``GSM-7``/``UCS-2``), ``sms_length``, ``sms_parts``, ``sms_ucs2_chars`` (the
        characters that forced UCS-2), ``viber_length``, ``request_id``, ``url_length``,
        ``duplicate`` (same phone and message as an earlier row), ``same_phone`` (the phone
        also gets other messages), ``send_state`` (``planned``/``skipped``) and
        ``send_error`` (why a row would be skipped). Pass it to :func:`summarize`.

    Examples
    --------
    >>> import pandas as pd, targetsms_frames as tsf
    >>> msgs = pd.DataFrame({"phone": ["8 900 000 00 01"], "send_sms": 1, "sender_sms": "Shop",
    ...                      "text_sms": "Цена «99»"})
    >>> tsf.preview(msgs, price_sms=2.0)[["sms_encoding", "sms_parts", "sms_ucs2_chars", "cost"]]
      sms_encoding  sms_parts sms_ucs2_chars  cost
    0        UCS-2          1         Цена«»   2.0
    """
    prepared = prepare(messages, region=region)
    plan = plan_campaign(
        prepared,
        budget_for(client),
        max_url_length=max_url_length,
        max_phones_per_request=max_phones_per_request,
        skip_duplicates=skip_duplicates,
    )
    display = prepared.display
    texts = display["text_sms"] if "text_sms" in display else pd.Series(pd.NA, index=display.index)
    info = sms_info(texts.astype("str"))
    sms_on = _channel(display, "send_sms").to_numpy() > 0
    info["sms_parts"] = info["sms_parts"].where(sms_on, 0)
    viber = (
        display["text_viber"] if "text_viber" in display else pd.Series(pd.NA, index=display.index)
    )
    outcome = pd.concat(
        [
            info,
            pd.DataFrame({"viber_length": viber.astype("str").str.len().astype("Int64")}),
            plan[
                ["request_id", "url_length", "duplicate", "same_phone", "send_state", "send_error"]
            ],
        ],
        axis=1,
    )
    out = result_frame(prepared, outcome)
    if price_sms is not None or price_viber is not None:
        out = estimate_cost(out, price_sms=price_sms, price_viber=price_viber)
    return out


@dataclass(frozen=True)
class Summary:
    """A one-screen summary of a preview, a send result or a status frame."""

    title: str
    lines: list[tuple[str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        width = max((len(k) for k, _ in self.lines), default=0) + 2
        body = "\n".join(f"  {k.ljust(width)} {v}" for k, v in self.lines)
        return f"{self.title}\n{body}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
            for k, v in self.lines
        )
        caption = f"<caption style='text-align:left'><b>{html.escape(self.title)}</b></caption>"
        return f"<table>{caption}{rows}</table>"


def _count(series: pd.Series, value: str) -> int:
    return int((series == value).sum())


def summarize(frame: pd.DataFrame) -> Summary:
    """Summarise what :func:`preview`, :func:`send` or :func:`poll_statuses` returned.

    Shows rows, requests, skipped rows and why, SMS parts and cost for a preview; send
    states for a send result; statuses and the delivery rate once polled.

    Examples
    --------
    >>> import pandas as pd, targetsms_frames as tsf
    >>> msgs = pd.DataFrame({"phone": ["79000000001", "79000000002"], "send_sms": 1,
    ...                      "sender_sms": "Shop", "text_sms": "Hi"})
    >>> print(tsf.summarize(tsf.send(msgs, tsf.Client.sandbox(), progress=False)))
    Campaign
      rows          2
      send states   sent: 2
    """
    lines: list[tuple[str, str]] = [("rows", f"{len(frame):,}")]
    state = (
        frame["send_state"] if "send_state" in frame else pd.Series("planned", index=frame.index)
    )
    requests = frame["request_id"].nunique() if "request_id" in frame else 0
    planned = _count(state, "planned")
    title = "Campaign preview" if planned == len(frame) - _count(state, "skipped") else "Campaign"
    if title == "Campaign preview":
        longest = frame["url_length"].max() if "url_length" in frame else None
        tail = f" (longest URL {int(longest):,} characters)" if pd.notna(longest) else ""
        lines.append(("to send", f"{planned:,} in {requests:,} requests{tail}"))
    else:
        counts = state.value_counts()
        lines.append(("send states", ", ".join(f"{k}: {v:,}" for k, v in counts.items())))
    skipped = state == "skipped"
    if skipped.any():
        if "duplicate" in frame:
            dup = frame["duplicate"].fillna(False).astype(bool)
        else:
            reason = frame.get("send_error", pd.Series(pd.NA, index=frame.index)).astype("str")
            dup = reason.str.startswith(DUPLICATE_REASON).fillna(False).astype(bool)
        n_dup = int((skipped & dup).sum())
        n_invalid = int(skipped.sum()) - n_dup
        parts = ([f"invalid: {n_invalid:,}"] if n_invalid else []) + (
            [f"duplicates: {n_dup:,}"] if n_dup else []
        )
        lines.append(("skipped", f"{int(skipped.sum()):,} ({', '.join(parts)})"))
    if "sms_parts" in frame:
        live = ~skipped
        parts_total = int(pd.to_numeric(frame["sms_parts"], errors="coerce")[live].fillna(0).sum())
        ucs2 = int(((frame.get("sms_encoding") == "UCS-2") & live & (frame["sms_parts"] > 0)).sum())
        lines.append(("SMS parts", f"{parts_total:,} (UCS-2 rows: {ucs2:,})"))
    if "cost" in frame:
        cost, most = float(frame["cost"].sum()), float(frame["max_cost"].sum())
        tail = f" (up to {most:,.2f} if every cascade falls back)" if most > cost + 1e-9 else ""
        lines.append(("estimated cost", f"{cost:,.2f}{tail}"))
    if "status" in frame:
        words = frame["status"].value_counts()
        lines.append(("statuses", ", ".join(f"{k}: {v:,}" for k, v in words.items()) or "none yet"))
        delivered = int(frame["status"].isin(["deliver", "read"]).sum())
        final = int(
            frame["status"]
            .isin(["deliver", "read", "not_deliver", "expired", "partly_deliver"])
            .sum()
        )
        if final:
            lines.append(("delivery rate", f"{delivered / final:.1%} of {final:,} final"))
    return Summary(title, lines)
