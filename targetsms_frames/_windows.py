"""Send windows: every message in its recipient's daytime, pure functions of the clock.

A :class:`Window` is a daily span of local time (``09:00-21:00``; ``22:00-06:00`` wraps
midnight). Each recipient has a zone: the ``timezone`` column (an IANA name such as
``Asia/Yekaterinburg``, or an offset such as ``+05:00``), else the phone's zone where its
number plan gives exactly one (a Moscow landline; not a Russian mobile, whose range spans
the country), else the campaign's ``tz``. :func:`interval` gives the window's current or
next opening in a zone as UTC instants, daylight saving included.

Examples
--------
>>> from datetime import datetime, UTC
>>> window = Window.parse("09:00-21:00")
>>> now = datetime(2026, 12, 3, 19, 0, tzinfo=UTC)          # 22:00 in Moscow
>>> opens, closes = interval(window, zone("Europe/Moscow"), now)
>>> opens.isoformat(), closes.isoformat()
('2026-12-04T06:00:00+00:00', '2026-12-04T18:00:00+00:00')
>>> interval(window, zone("Asia/Vladivostok"), now)[0].isoformat()   # 05:00 there
'2026-12-03T23:00:00+00:00'
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Final

import numpy as np
import pandas as pd

from ._cells import blank_mask
from ._exceptions import ValidationError
from ._table_text import source_lines
from ._time import parse_zone as _parse_zone
from ._time import zone, zone_key

__all__ = [
    "TIMEZONE_COLUMN",
    "Window",
    "interval",
    "parse_start_at",
    "phone_zones",
    "row_zones",
]

#: The column that names each recipient's zone.
TIMEZONE_COLUMN: Final = "timezone"
_CLOCK_RE: Final = re.compile(r"\s*([01]?[0-9]|2[0-3])[:.]([0-5][0-9])\s*")
_OFFSET_RE: Final = re.compile(
    r"\s*(?:UTC|GMT)?\s*([+-])\s*([0-9]{1,2})(?::?([0-5][0-9]))?\s*", re.I
)


def _problem(column: str, rule: str, value: object) -> ValidationError:
    cases = pd.DataFrame({"index": [pd.NA], "column": [column], "rule": [rule]})
    return ValidationError(f"{column}: {rule} (got {value!r})", cases)


def _clock(text: object, column: str) -> time:
    match = _CLOCK_RE.fullmatch(str(text))
    if match is None:
        raise _problem(column, "a time of day is written HH:MM, from 00:00 to 23:59", text)
    return time(int(match.group(1)), int(match.group(2)))


@dataclass(frozen=True)
class Window:
    """A daily span of local time during which messages may go."""

    start: time
    end: time

    @classmethod
    def parse(cls, spec: Window | str | tuple[str, str]) -> Window:
        """``("09:00", "21:00")``, ``"09:00-21:00"`` or a ``Window``; bad input raises
        ``ValidationError``.

        >>> Window.parse("22:00-06:00").wraps
        True
        >>> Window.parse(("25:00", "21:00"))
        Traceback (most recent call last):
        ...
        targetsms_frames._exceptions.ValidationError: window: a time of day is written HH:MM, from 00:00 to 23:59 (got '25:00')
        """  # noqa: E501
        if isinstance(spec, Window):
            return spec
        parts = spec.split("-") if isinstance(spec, str) else list(spec)
        if len(parts) != 2:
            raise _problem("window", "a window is two times of day, like 09:00-21:00", spec)
        start, end = (_clock(part, "window") for part in parts)
        if start == end:
            raise _problem("window", "a window must not be of zero length", spec)
        return cls(start, end)

    @property
    def wraps(self) -> bool:
        """Whether the window runs across midnight (``22:00-06:00``)."""
        return self.end < self.start

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def interval(window: Window, tz: tzinfo, now: datetime) -> tuple[datetime, datetime]:
    """The window's opening in ``tz`` that is open at ``now`` or comes next, as UTC instants.

    The first instant is ``now`` itself when the window is open.
    """
    local_day = now.astimezone(tz).date()
    for shift in (-1, 0, 1, 2):
        day = local_day + timedelta(days=shift)
        opens = datetime.combine(day, window.start, tzinfo=tz).astimezone(UTC)
        end_day = day + timedelta(days=1) if window.wraps else day
        closes = datetime.combine(end_day, window.end, tzinfo=tz).astimezone(UTC)
        if closes > now and closes > opens:
            return max(opens, now), closes
    raise AssertionError("a daily window always opens within three days")  # pragma: no cover


def parse_start_at(value: datetime | str | None, tz: tzinfo) -> datetime | None:
    """``start_at`` as a UTC instant; a time without a zone is read in ``tz``.

    >>> parse_start_at("2026-12-04 10:00", zone("Europe/Moscow")).isoformat()
    '2026-12-04T07:00:00+00:00'
    """
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise _problem("start_at", "not a date and time", value) from None
    if pd.isna(stamp):
        raise _problem("start_at", "not a date and time", value)
    moment = stamp.to_pydatetime()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(UTC)


@lru_cache(maxsize=200_000)
def _phone_zone(phone: str) -> str | None:
    import phonenumbers
    from phonenumbers import timezone as phone_timezones

    try:
        number = phonenumbers.parse("+" + phone)
    except phonenumbers.NumberParseException:
        return None
    zones = phone_timezones.time_zones_for_number(number)
    if len(zones) == 1 and zones[0] != phone_timezones.UNKNOWN_TIMEZONE:
        return str(zones[0])
    return None


def phone_zones(phones: Iterable[object]) -> list[str | None]:
    """Each phone's zone where its number plan gives exactly one, else ``None``.

    >>> phone_zones(["74951234567", "79161234567", "4930123456", None])
    ['Europe/Moscow', None, 'Europe/Berlin', None]
    """
    return [_phone_zone(p) if isinstance(p, str) and p.isdigit() else None for p in phones]


def row_zones(frame: pd.DataFrame, phones: pd.Series, tz: tzinfo) -> pd.Series:
    """Each row's zone name: its ``timezone`` cell, else its phone's, else ``tz``'s.

    Raises ``ValidationError`` naming every row whose ``timezone`` cell is not a zone.
    """
    names = pd.Series(pd.NA, index=frame.index, dtype=object)
    if TIMEZONE_COLUMN in frame.columns:
        cells = frame[TIMEZONE_COLUMN].astype("str")
        given = ~blank_mask(cells)
        values = cells[given]
        parsed = {text: _parse_zone(text) for text in pd.unique(values.to_numpy())}
        bad = values[values.map(lambda text: parsed[text] is None)]
        if len(bad):
            raise _bad_cells(bad, source_lines(frame))
        canonical = {text: zone_key(tz) for text, tz in parsed.items() if tz is not None}
        names[given] = values.map(canonical)
    missing = names.isna().to_numpy()
    if missing.any():
        unique = pd.unique(phones[missing].astype(object).to_numpy())
        found = dict(zip(unique, phone_zones(unique), strict=True))
        names[missing] = phones[missing].map(found)
    return names.fillna(zone_key(tz)).astype(object)


def _bad_cells(bad: pd.Series, source: tuple[str, pd.Series] | None) -> ValidationError:
    """The error for ``timezone`` cells that are not zones: by file line when the frame still
    knows them (read by ``read_table``), else by row label."""
    labels: list[Hashable] = list(bad.index)
    cases = pd.DataFrame(
        {
            "index": labels,
            "column": TIMEZONE_COLUMN,
            "rule": [f"{value!r} is not a time zone (an IANA name or an offset)" for value in bad],
        }
    )
    first = list(bad.items())[:5]
    if source is not None:
        file, lines = source
        shown = "; ".join(f"line {lines.at[label]} of {file}: {value!r}" for label, value in first)
    else:
        shown = "; ".join(f"row {label!r}: {value!r}" for label, value in first)
    more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
    return ValidationError(
        f"{len(bad)} row(s) have a timezone that is not a time zone: {shown}{more}", cases
    )


def not_before(
    zones: pd.Series, window: Window | None, now: datetime, start_at: datetime | None
) -> tuple[pd.Series, pd.Series]:
    """Per row, the UTC instants the row may go from and must have gone by (``NaT``: none).

    Computed once per distinct zone.
    """
    begin = max(now, start_at) if start_at is not None else now
    opens = pd.Series(pd.NaT, index=zones.index, dtype="datetime64[ms, UTC]")
    closes = opens.copy()
    if window is None:
        if start_at is not None:
            opens[:] = pd.Timestamp(begin).floor("ms")
        return opens, closes
    codes, uniques = pd.factorize(zones, use_na_sentinel=True)
    first = np.empty(len(uniques), dtype="datetime64[ms]")
    last = np.empty(len(uniques), dtype="datetime64[ms]")
    for i, name in enumerate(uniques):
        a, b = interval(window, zone(str(name)), begin)
        first[i] = np.datetime64(a.replace(tzinfo=None), "ms")
        last[i] = np.datetime64(b.replace(tzinfo=None), "ms")
    valid = codes >= 0
    opens[valid] = pd.to_datetime(first[codes[valid]]).tz_localize(UTC)
    closes[valid] = pd.to_datetime(last[codes[valid]]).tz_localize(UTC)
    return opens, closes
