"""What a campaign costs: SMS parts per row, and money from the account's prices.

The provider bills an SMS per part and a Viber message per message. One row of a cascade
(``send_viber=1, send_sms=2``) costs its first channel when that one delivers and every channel
when it falls back; the GET API does not say which channel delivered, so a campaign's bill lies
between ``cost`` (first channels) and ``max_cost`` (every channel). Rows the provider refused
(``failed``) or that were never sent (``skipped``) cost nothing; ``unknown`` rows may have gone
out and are counted.

Examples
--------
>>> import pandas as pd
>>> rows = pd.DataFrame({"send_viber": [1, 0, 0], "send_sms": [2, 1, 1],
...                      "text_sms": ["Hi", "Привет", "Hi"],
...                      "send_state": ["sent", "sent", "failed"]})
>>> priced = estimate_cost(rows.assign(sms_parts=sms_parts(rows)), price_sms=3.0,
...                        price_viber=1.5)
>>> priced[["sms_parts", "cost", "max_cost"]]
   sms_parts  cost  max_cost
0          1   1.5       4.5
1          1   3.0       3.0
2          1   0.0       0.0
"""

from __future__ import annotations

import logging
from typing import Final

import numpy as np
import pandas as pd

from ._sms import sms_info

__all__ = ["FREE_STATES", "channel", "estimate_cost", "sms_parts"]

logger = logging.getLogger("targetsms_frames")

#: Send states of rows that cost nothing: refused by the provider, or never sent.
FREE_STATES: Final = ("failed", "skipped")


def channel(frame: pd.DataFrame, name: str) -> pd.Series:
    """A channel's cascade place per row (0 = off; blanks and absent columns are 0)."""
    if name not in frame.columns:
        return pd.Series(0, index=frame.index, dtype="Int64")
    values = pd.to_numeric(frame[name], errors="coerce")
    return values.fillna(0).astype("Int64")


def sms_parts(frame: pd.DataFrame) -> pd.Series:
    """SMS parts each row is billed for (0 where SMS is off or there is no text)."""
    texts = frame["text_sms"] if "text_sms" in frame else pd.Series(pd.NA, index=frame.index)
    parts = sms_info(texts.astype("str"))["sms_parts"]
    return parts.where(channel(frame, "send_sms").to_numpy() > 0, 0).astype("int64")


def estimate_cost(
    frame: pd.DataFrame, *, price_sms: float | None = None, price_viber: float | None = None
) -> pd.DataFrame:
    """Add ``cost`` (the first channel of each row's cascade) and ``max_cost`` (every channel).

    ``price_sms`` is per SMS part, ``price_viber`` per Viber message. Rows that are
    ``failed`` or ``skipped`` cost nothing. Needs ``sms_parts`` (from :func:`preview` or
    :func:`send`).

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
    viber, sms = channel(out, "send_viber"), channel(out, "send_sms")
    parts = pd.to_numeric(
        out["sms_parts"] if "sms_parts" in out else pd.Series(0, index=out.index), errors="coerce"
    )
    sms_cost = np.where(sms > 0, parts.fillna(0).to_numpy(dtype=float) * (price_sms or 0.0), 0.0)
    viber_cost = np.where(viber > 0, float(price_viber or 0.0), 0.0)
    viber_first = ((viber > 0) & ((sms == 0) | (viber <= sms))).to_numpy(dtype=bool)
    first = np.where(viber_first, viber_cost, sms_cost)
    live = (
        ~out["send_state"].isin(FREE_STATES).to_numpy(dtype=bool)
        if "send_state" in out
        else np.ones(len(out), dtype=bool)
    )
    out["cost"] = np.where(live, first, 0.0)
    out["max_cost"] = np.where(live, sms_cost + viber_cost, 0.0)
    for price, used, name in ((price_sms, sms, "price_sms"), (price_viber, viber, "price_viber")):
        count = int(((used > 0).to_numpy(dtype=bool) & live).sum())
        if price is None and count:
            logger.warning(
                "%d row(s) use a channel with no price: they count 0 in cost and max_cost "
                "(pass %s)",
                count,
                name,
            )
    return out
