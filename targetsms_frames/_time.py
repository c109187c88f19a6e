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
import os
import re
import zoneinfo
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
from dateutil.tz import tzlocal

from ._exceptions import ValidationError

__all__ = [
    "CAMPAIGN_TZ_ATTR",
    "RESOLUTION",
    "TIME_DTYPE",
    "campaign_zone",
    "epoch_seconds",
    "iso_utc",
    "local_times",
    "local_zone",
    "parse_zone",
    "utc_times",
    "zone",
    "zone_key",
    "zone_name",
]

#: The ``DataFrame.attrs`` key under which ``send`` and ``read_journal`` note the campaign's
#: zone, the default zone of reports, summaries and Excel exports of that frame.
CAMPAIGN_TZ_ATTR: Final = "tz"
#: The one resolution of every time column.
RESOLUTION: Final = "ms"
TIME_DTYPE: Final = pd.DatetimeTZDtype(unit=RESOLUTION, tz="UTC")
_OFFSET_RE: Final = re.compile(
    r"\s*(?:UTC|GMT)?\s*([+-])\s*([0-9]{1,2})(?::?([0-5][0-9]))?\s*", re.IGNORECASE
)

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


@lru_cache(maxsize=512)
def parse_zone(text: str) -> dt.tzinfo | None:
    """A zone from an IANA name (``Europe/Moscow``, ``UTC``) or a UTC offset (``+05:00``,
    ``UTC+5``, ``GMT-3:30``); ``None`` when ``text`` is neither.

    >>> parse_zone("Asia/Yekaterinburg"), parse_zone("UTC+5"), parse_zone("Moscow")
    (zoneinfo.ZoneInfo(key='Asia/Yekaterinburg'), datetime.timezone(datetime.timedelta(seconds=18000), '+05:00'), None)
    """  # noqa: E501
    match = _OFFSET_RE.fullmatch(text)
    if match is not None:
        sign, hours, minutes = match.groups()
        offset = dt.timedelta(hours=int(hours), minutes=int(minutes or 0))
        if offset > dt.timedelta(hours=14):
            return None
        offset = offset if sign == "+" else -offset
        return dt.timezone(offset, _offset_name(offset))
    name = text.strip()
    if not name or name.startswith(("/", ".")) or ".." in name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None


def _offset_name(offset: dt.timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def local_zone() -> dt.tzinfo:
    """This machine's zone: ``$TZ``, else ``/etc/localtime``, else the system's local time."""
    for candidate in (os.environ.get("TZ", "").lstrip(":"), _localtime_key()):
        if candidate:
            found = parse_zone(candidate)
            if found is not None:
                return found
    local: dt.tzinfo = tzlocal()
    return local


def _localtime_key() -> str:
    try:
        target = str(Path("/etc/localtime").resolve())
    except OSError:  # pragma: no cover - no such file (Windows)
        return ""
    marker = "zoneinfo/"
    return target.split(marker, 1)[1] if marker in target else ""


def zone(tz: Zone | None) -> dt.tzinfo:
    """The zone ``tz`` names (an IANA name, ``UTC``, an offset, or a ``tzinfo``), or the
    machine's own zone for ``None``; anything else is a ``ValidationError``.

    >>> zone("Asia/Yekaterinburg"), zone("+05:00")
    (zoneinfo.ZoneInfo(key='Asia/Yekaterinburg'), datetime.timezone(datetime.timedelta(seconds=18000), '+05:00'))
    """  # noqa: E501
    if tz is None:
        return local_zone()
    if isinstance(tz, dt.tzinfo):
        return tz
    found = parse_zone(str(tz))
    if found is None:
        raise ValidationError(
            f"unknown time zone {tz!r}: use an IANA name such as 'Europe/Moscow', 'UTC', or an "
            "offset such as '+03:00'",
            pd.DataFrame({"index": [pd.NA], "column": ["tz"], "rule": ["not a time zone"]}),
        )
    return found


def zone_key(tz: dt.tzinfo) -> str:
    """The zone as written in a journal: its IANA key, or its offset (``+05:00``).

    >>> zone_key(zone("Asia/Yekaterinburg")), zone_key(zone("UTC+5"))
    ('Asia/Yekaterinburg', '+05:00')
    """
    key = getattr(tz, "key", None)
    if isinstance(key, str):
        return key
    offset = tz.utcoffset(dt.datetime.now())
    return _offset_name(offset) if offset is not None else str(tz)


def zone_name(tz: Zone | None) -> str:
    """A short name of the zone for notes and labels.

    >>> zone_name("Europe/Moscow"), zone_name("+03:00")
    ('Europe/Moscow', 'UTC+03:00')
    """
    resolved = zone(tz)
    key = getattr(resolved, "key", None)
    if isinstance(key, str):
        return key
    if isinstance(resolved, tzlocal):
        return f"local time ({resolved.tzname(dt.datetime.now())})"
    offset = resolved.utcoffset(None)
    return f"UTC{_offset_name(offset)}" if offset is not None else str(resolved)


def campaign_zone(frame: pd.DataFrame, tz: Zone | None) -> Zone | None:
    """``tz`` if given, else the campaign's zone noted on the frame, else ``None`` (local).

    >>> frame = pd.DataFrame()
    >>> campaign_zone(frame, None) is None
    True
    >>> frame.attrs[CAMPAIGN_TZ_ATTR] = "Asia/Omsk"
    >>> campaign_zone(frame, None), campaign_zone(frame, "UTC")
    ('Asia/Omsk', 'UTC')
    """
    if tz is not None:
        return tz
    noted = frame.attrs.get(CAMPAIGN_TZ_ATTR)
    return noted if isinstance(noted, str) else None


def local_times(values: pd.Series, tz: Zone | None) -> pd.Series:
    """``values`` (anything :func:`utc_times` reads) in the zone ``tz`` (``None``: local)."""
    out: pd.Series = utc_times(values).dt.tz_convert(zone(tz))
    return out
