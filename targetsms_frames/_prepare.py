"""From the caller's frame to what the planner needs, and back to the caller's shape.

``prepare`` validates (split mode), keeps the caller's row order and index aside, and
computes the campaign's fingerprint. ``result_frame`` joins per-position outcome columns back
onto the caller's rows.

Examples
--------
>>> import pandas as pd
>>> msgs = pd.DataFrame({"phone": ["8 900 000 00 01", "bad"], "send_sms": 1,
...                      "sender_sms": "Shop", "text_sms": "Hi"}, index=["a", "b"])
>>> p = prepare(msgs)
>>> p.valid.tolist(), p.display["phone"].tolist()
([True, False], ['79000000001', 'bad'])
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from ._arrow_text import utf8_column
from ._cells import as_text
from ._validate import check_rows
from ._wire import MESSAGE_PARAMS

__all__ = ["RESULT_COLUMNS", "Prepared", "fingerprint", "prepare", "result_frame"]

logger = logging.getLogger("targetsms_frames")

#: Columns the toolkit writes into its results (preview, send, polling). A column of the
#: caller's frame with one of these names is left out of the campaign, with a warning:
#: carried along, it would be overwritten, or read as the toolkit's own (a customer
#: ``status`` counted as a delivery status, an order ``cost`` summed as the campaign's).
RESULT_COLUMNS: Final = frozenset(
    {
        "request_id",
        "message_id",
        "send_state",
        "send_error",
        "sent_at",
        "is_final",
        "sms_parts",
        "sms_encoding",
        "sms_ucs2_chars",
        "viber_length",
        "url_length",
        "duplicate",
        "same_phone",
        "cost",
        "max_cost",
        "not_before",
        "send_zone",
        "status",
        "status_at",
        "status_checked_at",
        "status_error",
    }
)


@dataclass(frozen=True)
class Prepared:
    """A validated campaign, positionally indexed (0..n-1)."""

    original_index: pd.Index
    display: pd.DataFrame  # caller's columns; phone normalised where valid; phone_raw if changed
    messages: pd.DataFrame  # every row cleaned (positional labels); plan only the valid ones
    valid: np.ndarray
    reject_reason: pd.Series
    fingerprint: str


def _digest_column(digest: hashlib._Hash, values: pd.Series) -> None:
    """Feed a column's canonical bytes (lengths, UTF-8 data, null mask) into ``digest``."""
    column = utf8_column(values)
    digest.update(np.diff(column.offsets).tobytes())
    digest.update(column.data.data)
    digest.update(np.packbits(column.null).tobytes())


def fingerprint(messages: pd.DataFrame) -> str:
    """A digest of the campaign's content: phones and message parameters, row by row.

    Your own columns do not count, so adding a note column does not make it another campaign.

    >>> import pandas as pd
    >>> a = pd.DataFrame({"phone": ["79000000001"], "text_sms": ["Hi"], "note": ["x"]})
    >>> fingerprint(a) == fingerprint(a.assign(note="y"))
    True
    >>> fingerprint(a) == fingerprint(a.assign(text_sms="Hey"))
    False
    """
    cols = [c for c in MESSAGE_PARAMS if c in messages.columns]
    digest = hashlib.sha256()
    digest.update(repr((cols, len(messages))).encode())
    for name in cols:
        _digest_column(digest, messages[name])
    return digest.hexdigest()[:32]


def prepare(messages: pd.DataFrame, *, region: str = "RU") -> Prepared:
    """Validate in split mode and keep everything needed to answer in the caller's shape."""
    if not isinstance(messages, pd.DataFrame):
        raise TypeError(f"messages must be a pandas DataFrame, not {type(messages).__name__}")
    positional = messages.reset_index(drop=True)
    ours = [c for c in positional.columns if isinstance(c, str) and c in RESULT_COLUMNS]
    if ours:
        logger.warning(
            "the toolkit writes column(s) %s in its results: those of your frame are left out "
            "(rename them to keep them; a results frame sent again simply gets fresh ones)",
            ", ".join(repr(c) for c in ours),
        )
        positional = positional.drop(columns=ours)
    cleaned, is_valid, reason = check_rows(positional, region=region)
    display = positional.copy(deep=False)
    if "phone" in display.columns:
        original = display["phone"]
        as_written = pd.Series(pd.NA, index=display.index, dtype="str")
        rejected = np.flatnonzero(~is_valid)
        if len(rejected):
            as_written.iloc[rejected] = as_text(original.iloc[rejected]).to_numpy(dtype=object)
        phone = cleaned["phone"].astype("str").where(is_valid, as_written)
        display["phone"] = phone
        if "phone_raw" in cleaned.columns and "phone_raw" not in positional.columns:
            display.insert(list(display.columns).index("phone") + 1, "phone_raw", original)
    return Prepared(
        original_index=messages.index,
        display=display,
        messages=cleaned,
        valid=is_valid,
        reject_reason=reason.where(~is_valid),
        fingerprint=fingerprint(positional),
    )


def result_frame(prepared: Prepared, outcome: pd.DataFrame) -> pd.DataFrame:
    """The caller's rows (their index and order) followed by the outcome columns."""
    display = prepared.display.drop(columns=[c for c in outcome.columns if c in prepared.display])
    out = pd.concat([display, outcome.set_axis(display.index)], axis=1)
    out.index = prepared.original_index
    return out
