"""Time columns: UTC in frames, one resolution throughout, the analyst's zone in reports.

Every time column a frame of this package carries (``sent_at``, ``status_at``,
``status_checked_at``) is made by :func:`utc_times`: ``datetime64[ms, UTC]``, whatever it was
read from (the journal's ISO 8601 text, a clock's epoch seconds, datetimes). Reports, Excel
files and charts show times in a zone (``tz=``; by default the machine's own) through
:func:`local_times`; nothing else converts time.

Examples
--------
>>> import pandas as pd
>>> utc_times(pd.Series(["2024-05-01T09:00:00.123+00:00", None])).dtype
datetime64[ms, UTC]
>>> utc_times(pd.Series([1714554000.0])).iloc[0]
Timestamp('2024-05-01 09:00:00+0000', tz='UTC')
>>> local_times(pd.Series(["2024-05-01T09:00:00+00:00"]), "Europe/Moscow").dt.hour.tolist()
[12]
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pandas as pd
from dateutil.tz import tzlocal

from ._exceptions import ConfigurationError

__all__ = [
    "RESOLUTION",
    "TIME_DTYPE",
    "epoch_seconds",
    "iso_utc",
    "local_times",
    "utc_times",
    "zone",
    "zone_name",
]

#: The one resolution of every time column.
RESOLUTION: Final = "ms"
TIME_DTYPE: Final = pd.DatetimeTZDtype(unit=RESOLUTION, tz="UTC")
_OFFSET_RE: Final = re.compile(r"([+-])(\d{1,2}):?(\d{2})?")

Zone = dt.tzinfo | str


def utc_times(values: pd.Series | Sequence[Any] | np.ndarray, index: Any = None) -> pd.Series:
    """``values`` as ``datetime64[ms, UTC]``: ISO 8601 text, epoch seconds or datetimes.

    Naive datetimes and texts without an offset are taken as UTC; missing values are ``NaT``.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values, index=index)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        times = series.dt.tz_convert("UTC")
    elif pd.api.types.is_datetime64_dtype(series.dtype):
        times = series.dt.tz_localize("UTC")
    elif pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
        series.dtype
    ):
        times = pd.to_datetime(series.astype("float64"), unit="s", utc=True)
    elif series.isna().all():
        times = pd.Series(pd.NaT, index=series.index, dtype=TIME_DTYPE)
    else:
        times = pd.to_datetime(series, utc=True, format="ISO8601")
    out: pd.Series = times.dt.as_unit(RESOLUTION)
    return out


def iso_utc(moment: Any) -> str | None:
    """A moment as the journal stores it (ISO 8601, UTC, milliseconds), or ``None``.

    >>> iso_utc(pd.Timestamp("2024-05-01 12:00:00.5", tz="Europe/Moscow")), iso_utc(None)
    ('2024-05-01T09:00:00.500+00:00', None)
    """
    if pd.isna(moment):
        return None
    return str(pd.Timestamp(moment).tz_convert("UTC").isoformat(timespec="milliseconds"))


def epoch_seconds(times: pd.Series) -> np.ndarray:
    """Seconds since the epoch (float, NaN for ``NaT``): what clocks count in.

    >>> epoch_seconds(utc_times(pd.Series([1714554000.5, None]))).tolist()
    [1714554000.5, nan]
    """
    utc = utc_times(times)
    values = utc.to_numpy(dtype="datetime64[ms]").astype("int64").astype("float64") / 1000.0
    return np.where(utc.isna().to_numpy(), np.nan, values)


def zone(tz: Zone | None) -> Zone:
    """The zone to show times in: ``tz`` checked, or the machine's own zone for ``None``.

    ``tz`` is an IANA name (``Europe/Moscow``), ``UTC``, a UTC offset (``+05:00``) or a
    ``tzinfo``.

    >>> zone("Asia/Yekaterinburg"), zone("+05:00")
    ('Asia/Yekaterinburg', datetime.timezone(datetime.timedelta(seconds=18000)))
    """
    if tz is None:
        local: dt.tzinfo = tzlocal()
        return local
    if isinstance(tz, dt.tzinfo):
        return tz
    text = str(tz).strip()
    offset = _OFFSET_RE.fullmatch(text)
    if offset:
        sign, hours, minutes = offset.groups()
        delta = dt.timedelta(hours=int(hours), minutes=int(minutes or 0))
        return dt.timezone(-delta if sign == "-" else delta)
    try:
        zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(
            f"unknown time zone {tz!r}: use an IANA name such as 'Europe/Moscow', 'UTC', or an "
            "offset such as '+03:00'"
        ) from None
    return text


def zone_name(tz: Zone | None) -> str:
    """A short name of the zone for notes and labels.

    >>> zone_name("Europe/Moscow"), zone_name("+03:00")
    ('Europe/Moscow', 'UTC+03:00')
    """
    resolved = zone(tz)
    if isinstance(resolved, str):
        return resolved
    if isinstance(resolved, tzlocal):
        return f"local time ({resolved.tzname(dt.datetime.now())})"
    return str(resolved.tzname(None))


def local_times(values: pd.Series, tz: Zone | None) -> pd.Series:
    """``values`` (anything :func:`utc_times` reads) in the zone ``tz`` (``None``: local)."""
    out: pd.Series = utc_times(values).dt.tz_convert(zone(tz))
    return out
