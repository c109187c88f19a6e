"""What a report groups by: the frame's own columns, or keys derived from it.

==============  =============================================================================
derived key     value per row (used only when the frame has no column of that name)
==============  =============================================================================
``send_date``   the date of ``sent_at`` in the report's zone (``tz``); missing if never sent
``send_hour``   the hour of day (0..23) of ``sent_at`` in the report's zone
``operator``    the mobile operator the phone's number range was issued to (approximate:
                numbers move between operators; see :mod:`._operator`)
==============  =============================================================================

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"sent_at": pd.to_datetime(["2024-05-01 21:30"], utc=True),
...                       "phone": ["79031234567"]})
>>> group_keys(frame, ["send_date", "send_hour", "operator"], tz="Europe/Moscow")
                  send_date  send_hour operator
0 2024-05-02 00:00:00+03:00          0  Beeline
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Final

import pandas as pd

from ._exceptions import ValidationError
from ._operator import operators
from ._time import Zone, local_times

__all__ = ["DERIVED_KEYS", "SEND_DATE", "SEND_HOUR", "as_dates", "group_keys"]

SEND_DATE: Final = "send_date"
SEND_HOUR: Final = "send_hour"
OPERATOR: Final = "operator"
#: Derived key -> the column it is derived from.
DERIVED_KEYS: Final = {SEND_DATE: "sent_at", SEND_HOUR: "sent_at", OPERATOR: "phone"}


def _send_dates(frame: pd.DataFrame, tz: Zone | None) -> pd.Series:
    dates: pd.Series = local_times(frame["sent_at"], tz).dt.normalize()
    return dates


def _send_hours(frame: pd.DataFrame, tz: Zone | None) -> pd.Series:
    hours: pd.Series = local_times(frame["sent_at"], tz).dt.hour.astype("Int64")
    return hours


def _operators(frame: pd.DataFrame, tz: Zone | None) -> pd.Series:
    return operators(frame["phone"])


_DERIVE: Final[dict[str, Callable[[pd.DataFrame, Zone | None], pd.Series]]] = {
    SEND_DATE: _send_dates,
    SEND_HOUR: _send_hours,
    OPERATOR: _operators,
}


def _list_columns(frame: pd.DataFrame) -> str:
    return ", ".join(repr(column) for column in frame.columns) or "(none)"


def _refuse(message: str, columns: Sequence[Hashable], rule: str) -> ValidationError:
    return ValidationError(
        message,
        pd.DataFrame(
            {"index": [pd.NA] * len(columns), "column": columns, "rule": [rule] * len(columns)}
        ),
    )


def group_keys(
    frame: pd.DataFrame,
    columns: list[Hashable],
    *,
    tz: Zone | None = None,
    reserved: Iterable[str] = (),
) -> pd.DataFrame:
    """One column per key: the frame's own, else derived (see the module's table).

    Raises ``ValidationError`` naming every key that is neither a column nor derivable, or
    that clashes with a ``reserved`` name (the report's own columns).
    """
    missing = [
        column
        for column in columns
        if column not in frame.columns
        and not (column in DERIVED_KEYS and DERIVED_KEYS[str(column)] in frame.columns)
    ]
    if missing:
        hints = [
            f"{column!r} is derived from {DERIVED_KEYS[str(column)]!r}, which is missing too"
            for column in missing
            if column in DERIVED_KEYS
        ]
        names = ", ".join(repr(column) for column in missing)
        hint = f" ({'; '.join(hints)})" if hints else ""
        raise _refuse(
            f"delivery_report: cannot group by {names}: no such column{hint}; "
            f"available columns: {_list_columns(frame)}",
            missing,
            "column to group by is missing",
        )
    clashing = [column for column in columns if column in set(reserved)]
    if clashing:
        raise _refuse(
            f"delivery_report: cannot group by {clashing!r}: the report uses that name for a count",
            clashing,
            "group column clashes with a report column",
        )
    keys = {
        column: (
            frame[column] if column in frame.columns else _DERIVE[str(column)](frame, tz)
        ).set_axis(frame.index)
        for column in columns
    }
    return pd.DataFrame(keys, index=frame.index)


def as_dates(midnights: pd.Series) -> pd.Series:
    """Turn midnights into ``datetime.date`` values (few rows: one per group)."""
    return pd.Series(
        [pd.NaT if pd.isna(value) else value.date() for value in midnights],
        index=midnights.index,
        dtype=object,
    )
