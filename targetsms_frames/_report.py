"""Delivery reports: one row of outcome counts per group of messages.

Every row of a status frame lands in exactly one outcome, so the counts of a report always add
up to ``messages``:

==================  ===========================================================================
outcome             rows
==================  ===========================================================================
delivered           status ``deliver`` or ``read``
not_delivered       status ``not_deliver``
expired             status ``expired``
no_status           status ``partly_deliver``: the provider sent the message but never got a
                    delivery report (the guide's definition; not a partial delivery)
not_found           the provider refused the status check for this ID (``Сообщение не
                    найдено.``): it does not know the message
other_final         any other status word (final, kept visible rather than hidden)
pending             sent, and status ``send`` or not polled yet
failed              ``send_state`` ``failed``: the provider refused the request
unknown             ``send_state`` ``unknown``: the request may have reached the provider
skipped             ``send_state`` ``skipped``: rejected before sending
planned             ``send_state`` ``planned``: not sent yet (dry run, or stopped early)
==================  ===========================================================================

A row with a status was, by definition, sent: the status decides its outcome. Rows without
one are counted by their ``send_state``. Two rates: ``delivery_rate`` = delivered out of the
messages with a final delivery status (delivered, not_delivered, expired, no_status), the
provider's own measure; ``reach_rate`` = delivered out of all ``messages``, the customers
reached, refused and skipped rows included. Where the frame has ``cost`` and ``max_cost``
(``send`` or ``preview`` with prices), the report sums them per group.

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

from collections.abc import Callable, Hashable, Sequence
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._exceptions import ValidationError
from ._facts import STATUSES
from ._groups import SEND_DATE, as_dates, group_keys
from ._time import Zone, campaign_zone
from ._wire import is_status_word

__all__ = [
    "COUNT_COLUMNS",
    "FINAL_OUTCOMES",
    "OUTCOMES",
    "OUTCOME_LABELS",
    "REPORT_COLUMNS",
    "SEND_DATE",
    "STATUS_OUTCOMES",
    "SUMMED_COLUMNS",
    "VALUE_COLUMNS",
    "delivery_report",
    "outcome_codes",
]

#: Every outcome, in the order the report's count columns appear.
OUTCOMES: Final = (
    "delivered",
    "not_delivered",
    "expired",
    "no_status",
    "not_found",
    "other_final",
    "pending",
    "failed",
    "unknown",
    "skipped",
    "planned",
)
#: How each outcome is named for people (chart legends, summaries).
OUTCOME_LABELS: Final = {
    "delivered": "delivered",
    "not_delivered": "not delivered",
    "expired": "expired",
    "no_status": "no status (no delivery report)",
    "not_found": "ID unknown to the provider",
    "other_final": "other final status",
    "failed": "failed (refused)",
    "unknown": "unknown (may be sent)",
    "pending": "pending",
    "planned": "planned (not sent yet)",
    "skipped": "skipped",
}
#: Outcomes of sent messages, decided by their status (the rest come from ``send_state``).
STATUS_OUTCOMES: Final = OUTCOMES[: OUTCOMES.index("pending") + 1]
#: Outcomes that make the denominator of ``delivery_rate``.
FINAL_OUTCOMES: Final = ("delivered", "not_delivered", "expired", "no_status")
#: ``messages`` followed by the outcome counts.
COUNT_COLUMNS: Final = ("messages", *OUTCOMES)
#: The columns of every report after the group columns.
REPORT_COLUMNS: Final = (*COUNT_COLUMNS, "delivery_rate", "reach_rate")
#: Money columns a report sums per group when the frame has them.
SUMMED_COLUMNS: Final = ("cost", "max_cost")
#: Every column a report may have after its group columns.
VALUE_COLUMNS: Final = (*REPORT_COLUMNS, *SUMMED_COLUMNS)

_CODE: Final = {name: code for code, name in enumerate(OUTCOMES)}
#: Each status word's outcome, from the provider's facts (one source for every reader).
_STATUS_OUTCOME: Final[dict[str, str]] = {w: str(s.outcome) for w, s in STATUSES.items()}
_STATE_OUTCOME: Final = {
    "sent": "pending",
    "failed": "failed",
    "unknown": "unknown",
    "skipped": "skipped",
    "planned": "planned",
}
_NO_CODE: Final = -1


def _codes_of(
    values: pd.Series, mapping: dict[str, str], default: Callable[[str], int]
) -> npt.NDArray[np.int64]:
    """Outcome code per row: factorise once, map the few distinct words, take back.

    Missing values get ``_NO_CODE``; words not in ``mapping`` get ``default(word)``.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    lookup = np.array(
        [_CODE[mapping[word]] if word in mapping else default(word) for word in uniques]
        + [_NO_CODE],
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
    >>> frame = pd.DataFrame({"send_state": ["sent", "sent", "sent", "skipped"],
    ...                       "status": ["read", "seen_by_robot", "Сообщение не найдено.", None]})
    >>> [OUTCOMES[code] for code in outcome_codes(frame)]
    ['delivered', 'other_final', 'not_found', 'skipped']
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
        _codes_of(statuses["status"], _STATUS_OUTCOME, _final_code)
        if has_status
        else np.full(n, _NO_CODE, dtype=np.int64)
    )
    # Without send_state, a frame of polled IDs: every row was sent.
    by_state = (
        _codes_of(statuses["send_state"], _STATE_OUTCOME, lambda _: _NO_CODE)
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


def _final_code(status: str) -> int:
    """A status not in the guide: another final word, or the text of a refused check."""
    return _CODE["other_final"] if is_status_word(str(status)) else _CODE["not_found"]


def _list_columns(frame: pd.DataFrame) -> str:
    return ", ".join(repr(column) for column in frame.columns) or "(none)"


def _normalise_by(by: Hashable | Sequence[Hashable] | None) -> list[Hashable]:
    if by is None:
        return []
    if isinstance(by, str) or not isinstance(by, Sequence):
        return [by]
    return list(dict.fromkeys(by))


def delivery_report(
    statuses: pd.DataFrame,
    by: Hashable | Sequence[Hashable] | None = None,
    *,
    tz: Zone | None = None,
) -> pd.DataFrame:
    """Count the outcome of every message, overall or per group.

    Parameters
    ----------
    statuses : pandas.DataFrame
        A status frame (the result of ``poll_statuses``, or of ``send`` before any polling):
        ``send_state`` and/or ``status``, plus any user columns to group by.
    by : str or list of str, optional
        Column(s) to group by, such as ``"template"`` or ``["segment", "sender_sms"]``.
        Without such a column, ``"send_date"`` and ``"send_hour"`` are the date and hour
        of day of ``sent_at`` in ``tz`` (missing for rows never sent), and ``"operator"`` the
        mobile operator of the phone's number range (approximate: numbers move between
        operators). Missing keys form their own group. ``None`` gives a single row for the
        whole campaign.
    tz : str or tzinfo, optional
        The zone of ``send_date`` and ``send_hour``: an IANA name such as
        ``"Europe/Moscow"``; by default the campaign's (the ``tz`` it was sent with, which
        ``send`` and ``read_journal`` note on their frames), else the machine's own zone.

    Returns
    -------
    pandas.DataFrame
        One row per group, sorted by group key (missing keys last), with the group columns,
        then ``messages``, ``delivered``, ``not_delivered``, ``expired``, ``no_status``,
        ``not_found``, ``other_final``, ``pending``, ``failed``, ``unknown``, ``skipped``,
        ``planned`` (integers that add up to ``messages``), ``delivery_rate`` = delivered /
        (delivered + not_delivered + expired + no_status), ``NaN`` while none of those is
        known, and ``reach_rate`` = delivered / messages; then the sums of ``cost`` and
        ``max_cost`` when the frame has them.

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
    >>> report = delivery_report(statuses, by="send_date", tz="UTC")
    >>> report[["send_date", "messages", "delivered", "expired", "pending", "unknown"]]
        send_date  messages  delivered  expired  pending  unknown
    0  2024-05-01         2          1        1        0        0
    1  2024-05-02         1          0        0        1        0
    2         NaT         1          0        0        0        1
    >>> delivery_report(statuses)[["delivery_rate", "reach_rate"]]
       delivery_rate  reach_rate
    0            0.5        0.25
    """
    columns = _normalise_by(by)
    codes = outcome_codes(statuses)
    k = len(OUTCOMES)
    summed = [name for name in SUMMED_COLUMNS if name in statuses.columns]
    if not columns:
        group_ids: npt.NDArray[np.int64] = np.zeros(len(statuses), dtype=np.int64)
        n_groups = 1
        keys = pd.DataFrame(index=pd.RangeIndex(1))
    else:
        key_frame = group_keys(
            statuses, columns, tz=campaign_zone(statuses, tz), reserved=VALUE_COLUMNS
        )
        grouped = key_frame.groupby(columns, dropna=False, sort=True, observed=True)
        group_ids = np.asarray(grouped.ngroup().to_numpy(dtype=np.int64), dtype=np.int64)
        n_groups = grouped.ngroups
        keys = grouped.size().index.to_frame(index=False)
        keys.columns = pd.Index(columns)
        if SEND_DATE in columns and SEND_DATE not in statuses.columns:
            keys[SEND_DATE] = as_dates(keys[SEND_DATE])
    counts = np.bincount(group_ids * k + codes, minlength=n_groups * k).reshape(n_groups, k)
    sums = {
        name: np.bincount(
            group_ids,
            weights=pd.to_numeric(statuses[name], errors="coerce").fillna(0.0).to_numpy(float),
            minlength=n_groups,
        ).astype(np.float64)
        for name in summed
    }
    return _assemble(keys, counts, sums)


def _assemble(
    keys: pd.DataFrame, counts: npt.NDArray[np.int64], sums: dict[str, npt.NDArray[np.float64]]
) -> pd.DataFrame:
    report = keys.reset_index(drop=True)
    outcome_counts = pd.DataFrame(counts.astype(np.int64), columns=list(OUTCOMES))
    report["messages"] = outcome_counts.sum(axis=1).astype(np.int64)
    for name in OUTCOMES:
        report[name] = outcome_counts[name]
    finals = outcome_counts[list(FINAL_OUTCOMES)].sum(axis=1).to_numpy(dtype=np.float64)
    delivered = outcome_counts["delivered"].to_numpy(dtype=np.float64)
    messages = report["messages"].to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        report["delivery_rate"] = np.where(finals > 0, delivered / finals, np.nan)
        report["reach_rate"] = np.where(messages > 0, delivered / messages, np.nan)
    for name, values in sums.items():
        report[name] = values[: len(report)]
    return report
