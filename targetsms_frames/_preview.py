"""``preview``: what ``send`` would do, with no network: parts, requests and cost per row.

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
  messages       3 (rows of the campaign)
  to send        2 (in 2 requests, longest URL 301 characters)
  skipped        1 (invalid: 1)
  SMS parts      2 (billed per part; UCS-2 rows: 1)
  cost           7.00 (first channel of each row)
  cost at most   7.00 (every channel of every cascade; the GET API does not say which channel delivered, so the bill lies between cost and this)
"""  # noqa: E501

from __future__ import annotations

import time
from typing import Any

import pandas as pd

from ._client import Client
from ._clock import instant
from ._cost import channel, estimate_cost
from ._options import SendOptions
from ._planning import budget_for, campaign_zones, plan_campaign, schedule_columns
from ._prepare import prepare, result_frame
from ._sms import sms_info

__all__ = ["estimate_cost", "preview"]


def preview(
    messages: pd.DataFrame, client: Client | None = None, **send_options: Any
) -> pd.DataFrame:
    """Show, per row, what :func:`send` would do, without touching the network.

    Parameters
    ----------
    messages : pandas.DataFrame
        A message frame (see :func:`render`).
    client : Client, optional
        Its credentials give exact URL lengths; without it the environment's are used, or a
        safe allowance. Its clock is "now" for send windows.
    **send_options
        Any option of :func:`send`: planning (``region``, ``max_url_length``,
        ``max_phones_per_request``, ``skip_duplicates``), prices (``price_sms``,
        ``price_viber``: ``cost`` and ``max_cost``), and the schedule (``window``, ``tz``,
        ``start_at``: ``not_before`` and ``send_zone``). The plan is the one ``send`` would
        make with the same options.

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
    options = SendOptions.build(**send_options)
    prepared = prepare(messages, region=options.region)
    zones = campaign_zones(prepared, options)
    plan = plan_campaign(prepared, budget_for(client), options, zones=zones)
    display = prepared.display
    texts = display["text_sms"] if "text_sms" in display else pd.Series(pd.NA, index=display.index)
    info = sms_info(texts.astype("str"))
    sms_on = channel(display, "send_sms").to_numpy() > 0
    info["sms_parts"] = info["sms_parts"].where(sms_on, 0)
    viber = (
        display["text_viber"] if "text_viber" in display else pd.Series(pd.NA, index=display.index)
    )
    parts = [
        info,
        pd.DataFrame({"viber_length": viber.astype("str").str.len().astype("Int64")}),
        plan[["request_id", "url_length", "duplicate", "same_phone", "send_state", "send_error"]],
    ]
    if options.scheduled:
        clock = client.clock if client is not None else time.time
        now = instant(clock())
        parts.append(schedule_columns(plan, zones, options, now))
    out = result_frame(prepared, pd.concat(parts, axis=1))
    if options.priced:
        out = estimate_cost(out, **options.prices)
    if options.scheduled:
        out.attrs["planned_at"] = now.isoformat()  # text: attrs go into Parquet as JSON
    return out
