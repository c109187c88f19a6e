"""Delivery reports: one row of outcome counts per group of messages.

Every row of a status frame lands in exactly one outcome, so the counts of a report always add
up to ``messages``:

==================  ===========================================================================
outcome             rows
==================  ===========================================================================
delivered           status ``deliver`` or ``read``
not_delivered       status ``not_deliver``
expired             status ``expired``
partly_delivered    status ``partly_deliver``
other_final         any other status word (final, kept visible rather than hidden)
pending             sent, and status ``send`` or not polled yet
failed              ``send_state`` ``failed``: the provider refused the request
unknown             ``send_state`` ``unknown``: the request may have reached the provider
skipped             ``send_state`` ``skipped``: rejected before sending
planned             ``send_state`` ``planned``: dry run
==================  ===========================================================================

A row with a status word was, by definition, sent: the status decides its outcome. Rows
without one are counted by their ``send_state``.

Examples
--------
>>> import pandas as pd
>>> statuses = pd.DataFrame({
...     "template": ["promo", "promo", "promo", "promo", "news"],
...     "send_state": ["sent", "sent", "sent", "failed", "sent"],
...     "status": ["deliver", "read", "not_deliver", None, "send"],
... })
>>> delivery_report(statuses, by="template")[["template", "messages", "delivered", "pending",
...                                           "failed", "delivery_rate"]]
  template  messages  delivered  pending  failed  delivery_rate
0     news         1          0        1       0            NaN
1    promo         4          2        0       1       0.666667
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._exceptions import ValidationError
from ._wire import PENDING_STATUS

__all__ = [
    "COUNT_COLUMNS",
    "FINAL_OUTCOMES",
    "OUTCOMES",
    "REPORT_COLUMNS",
    "SEND_DATE",
    "delivery_report",
    "outcome_codes",
]

#: Every outcome, in the order the report's count columns appear.
OUTCOMES: Final = (
    "delivered",
    "not_delivered",
    "expired",
    "partly_delivered",
    "other_final",
    "pending",
    "failed",
    "unknown",
    "skipped",
    "planned",
)
#: Outcomes that make the denominator of ``delivery_rate``.
FINAL_OUTCOMES: Final = ("delivered", "not_delivered", "expired", "partly_delivered")
#: ``messages`` followed by the outcome counts.
COUNT_COLUMNS: Final = ("messages", *OUTCOMES)
#: The columns of a report after the group columns.
REPORT_COLUMNS: Final = (*COUNT_COLUMNS, "delivery_rate")
#: Group name derived from ``sent_at`` when the frame has no such column.
SEND_DATE: Final = "send_date"

_CODE: Final = {name: code for code, name in enumerate(OUTCOMES)}
_STATUS_OUTCOME: Final = {
    "deliver": "delivered",
    "read": "delivered",
    "not_deliver": "not_delivered",
    "expired": "expired",
    "partly_deliver": "partly_delivered",
    PENDING_STATUS: "pending",
}
_STATE_OUTCOME: Final = {
    "sent": "pending",
    "failed": "failed",
    "unknown": "unknown",
    "skipped": "skipped",
    "planned": "planned",
}
_NO_CODE: Final = -1


def _codes_of(values: pd.Series, mapping: dict[str, str], default: int) -> npt.NDArray[np.int64]:
    """Outcome code per row: factorise once, map the few distinct words, take back.

    Missing values get ``_NO_CODE``; words not in ``mapping`` get ``default``.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    lookup = np.array(
        [_CODE[mapping[word]] if word in mapping else default for word in uniques] + [_NO_CODE],
        dtype=np.int64,
    )
    # The sentinel -1 picks the trailing _NO_CODE entry.
    return lookup[codes]


def outcome_codes(statuses: pd.DataFrame) -> npt.NDArray[np.int64]:
    """Index into :data:`OUTCOMES` for every row of a status frame.

    Parameters
    ----------
    statuses : pandas.DataFrame
        Needs ``send_state`` or ``status`` (or both).

    Returns
    -------
    numpy.ndarray
        One integer per row.

    Raises
    ------
    ValidationError
        When neither column is present, or a row has no status and a ``send_state`` that is
        missing or not one of ``sent``, ``failed``, ``unknown``, ``skipped``, ``planned``.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"send_state": ["sent", "sent", "skipped"],
    ...                       "status": ["read", "seen_by_robot", None]})
    >>> [OUTCOMES[code] for code in outcome_codes(frame)]
    ['delivered', 'other_final', 'skipped']
    """
    has_status = "status" in statuses.columns
    has_state = "send_state" in statuses.columns
    if not has_status and not has_state:
        raise ValidationError(
            "a status frame needs a 'send_state' or a 'status' column; available columns: "
            + _list_columns(statuses),
            pd.DataFrame(
                {"index": [pd.NA], "column": ["send_state"], "rule": ["column is missing"]}
            ),
        )
    n = len(statuses)
    by_status = (
        _codes_of(statuses["status"], _STATUS_OUTCOME, _CODE["other_final"])
        if has_status
        else np.full(n, _NO_CODE, dtype=np.int64)
    )
    # Without send_state, a frame of polled IDs: every row was sent.
    by_state = (
        _codes_of(statuses["send_state"], _STATE_OUTCOME, _NO_CODE)
        if has_state
        else np.full(n, _CODE["pending"], dtype=np.int64)
    )
    codes = np.where(by_status != _NO_CODE, by_status, by_state)
    bad = codes == _NO_CODE
    if bad.any():
        labels = statuses.index[bad]
        states = statuses["send_state"].to_numpy(dtype=object)[bad]
        cases = pd.DataFrame(
            {
                "index": labels,
                "column": "send_state",
                "rule": [
                    f"send_state {state!r} is not one of {', '.join(_STATE_OUTCOME)}"
                    if not pd.isna(state)
                    else "send_state is missing and no status was polled"
                    for state in states
                ],
            }
        )
        shown = ", ".join(repr(label) for label in labels[:5])
        more = f" and {len(labels) - 5} more" if len(labels) > 5 else ""
        raise ValidationError(
            f"{len(labels)} row(s) have no status and no usable send_state: {shown}{more}",
            cases,
        )
    return codes


def _list_columns(frame: pd.DataFrame) -> str:
    return ", ".join(repr(column) for column in frame.columns) or "(none)"


def _normalise_by(by: Hashable | Sequence[Hashable] | None) -> list[Hashable]:
    if by is None:
        return []
    if isinstance(by, str) or not isinstance(by, Sequence):
        return [by]
    return list(dict.fromkeys(by))


def _send_dates(statuses: pd.DataFrame) -> pd.Series:
    """UTC midnight of ``sent_at`` per row (``NaT`` where never sent)."""
    sent_at = statuses["sent_at"]
    if not isinstance(sent_at.dtype, pd.DatetimeTZDtype):
        sent_at = pd.to_datetime(sent_at, utc=True, errors="coerce")
    else:
        sent_at = sent_at.dt.tz_convert("UTC")
    return sent_at.dt.normalize()


def _group_keys(statuses: pd.DataFrame, columns: list[Hashable]) -> pd.DataFrame:
    missing = [
        column
        for column in columns
        if column not in statuses.columns
        and not (column == SEND_DATE and "sent_at" in statuses.columns)
    ]
    if missing:
        names = ", ".join(repr(column) for column in missing)
        hint = (
            f" ({SEND_DATE!r} is derived from 'sent_at', which is missing too)"
            if SEND_DATE in missing
            else ""
        )
        raise ValidationError(
            f"delivery_report: cannot group by {names}: no such column{hint}; "
            f"available columns: {_list_columns(statuses)}",
            pd.DataFrame(
                {
                    "index": [pd.NA] * len(missing),
                    "column": missing,
                    "rule": ["column to group by is missing"] * len(missing),
                }
            ),
        )
    clashing = [column for column in columns if column in REPORT_COLUMNS]
    if clashing:
        raise ValidationError(
            f"delivery_report: cannot group by {clashing!r}: the report uses that name for a count",
            pd.DataFrame(
                {
                    "index": [pd.NA] * len(clashing),
                    "column": clashing,
                    "rule": ["group column clashes with a report column"] * len(clashing),
                }
            ),
        )
    keys = {
        column: (statuses[column] if column in statuses.columns else _send_dates(statuses))
        for column in columns
    }
    return pd.DataFrame(keys, index=statuses.index)


def delivery_report(
    statuses: pd.DataFrame, by: Hashable | Sequence[Hashable] | None = None
) -> pd.DataFrame:
    """Count the outcome of every message, overall or per group.

    Parameters
    ----------
    statuses : pandas.DataFrame
        A status frame (the result of ``poll_statuses``, or of ``send`` before any polling):
        ``send_state`` and/or ``status``, plus any user columns to group by.
    by : str or list of str, optional
        Column(s) to group by, such as ``"template"`` or ``["segment", "sender_sms"]``.
        ``"send_date"`` may be asked for without such a column: it is then the UTC date of
        ``sent_at`` (``NaT`` for rows never sent). Missing keys form their own group.
        ``None`` gives a single row for the whole campaign.

    Returns
    -------
    pandas.DataFrame
        One row per group, sorted by group key (missing keys last), with the group columns,
        then ``messages``, ``delivered``, ``not_delivered``, ``expired``,
        ``partly_delivered``, ``other_final``, ``pending``, ``failed``, ``unknown``,
        ``skipped``, ``planned`` (integers that add up to ``messages``) and
        ``delivery_rate`` = delivered / (delivered + not_delivered + expired +
        partly_delivered), ``NaN`` while none of those is known.

    Raises
    ------
    ValidationError
        When a ``by`` column is missing (the message lists the available ones), or a row has
        neither a status nor a known ``send_state``.

    Examples
    --------
    >>> import pandas as pd
    >>> statuses = pd.DataFrame({
    ...     "send_state": ["sent", "sent", "sent", "unknown"],
    ...     "status": ["deliver", "expired", "send", None],
    ...     "sent_at": pd.to_datetime(["2024-05-01 09:00", "2024-05-01 09:00",
    ...                                "2024-05-02 10:00", None], utc=True),
    ... })
    >>> report = delivery_report(statuses, by="send_date")
    >>> report[["send_date", "messages", "delivered", "expired", "pending", "unknown"]]
        send_date  messages  delivered  expired  pending  unknown
    0  2024-05-01         2          1        1        0        0
    1  2024-05-02         1          0        0        1        0
    2         NaT         1          0        0        0        1
    >>> delivery_report(statuses)["delivery_rate"].item()
    0.5
    """
    columns = _normalise_by(by)
    codes = outcome_codes(statuses)
    k = len(OUTCOMES)
    if not columns:
        counts = np.bincount(codes, minlength=k).reshape(1, k)
        keys = pd.DataFrame(index=pd.RangeIndex(1))
    else:
        key_frame = _group_keys(statuses, columns)
        grouped = key_frame.groupby(columns, dropna=False, sort=True, observed=True)
        group_ids = grouped.ngroup().to_numpy(dtype=np.int64)
        n_groups = grouped.ngroups
        counts = np.bincount(group_ids * k + codes, minlength=n_groups * k).reshape(n_groups, k)
        keys = grouped.size().index.to_frame(index=False)
        keys.columns = pd.Index(columns)
        if SEND_DATE in columns and SEND_DATE not in statuses.columns:
            keys[SEND_DATE] = _as_dates(keys[SEND_DATE])
    return _assemble(keys, counts)


def _as_dates(midnights: pd.Series) -> pd.Series:
    """Turn UTC midnights into ``datetime.date`` values (few rows: one per group)."""
    return pd.Series(
        [pd.NaT if pd.isna(value) else value.date() for value in midnights],
        index=midnights.index,
        dtype=object,
    )


def _assemble(keys: pd.DataFrame, counts: npt.NDArray[np.int64]) -> pd.DataFrame:
    report = keys.reset_index(drop=True)
    outcome_counts = pd.DataFrame(counts.astype(np.int64), columns=list(OUTCOMES))
    report["messages"] = outcome_counts.sum(axis=1).astype(np.int64)
    for name in OUTCOMES:
        report[name] = outcome_counts[name]
    finals = outcome_counts[list(FINAL_OUTCOMES)].sum(axis=1).to_numpy(dtype=np.float64)
    delivered = outcome_counts["delivered"].to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        report["delivery_rate"] = np.where(finals > 0, delivered / finals, np.nan)
    return report
