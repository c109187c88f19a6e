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

import pandas as pd

from ._client import Client
from ._cost import channel, estimate_cost
from ._plan import DEFAULT_MAX_PHONES, DEFAULT_MAX_URL_LENGTH
from ._prepare import prepare, result_frame
from ._send import budget_for, plan_campaign
from ._sms import sms_info

__all__ = ["estimate_cost", "preview"]


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
    sms_on = channel(display, "send_sms").to_numpy() > 0
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
