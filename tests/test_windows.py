"""Send windows as pure functions: windows, zones, the next opening, daylight saving."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pandas as pd
import pytest

import targetsms_frames as tsf
from targetsms_frames._time import zone, zone_key
from targetsms_frames._windows import (
    Window,
    interval,
    not_before,
    parse_start_at,
    phone_zones,
    row_zones,
)

DAY = Window(time(9), time(21))


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("spec", "start", "end"),
    [
        (("09:00", "21:00"), time(9), time(21)),
        ("9:00-21:30", time(9), time(21, 30)),
        ("22:00-06:00", time(22), time(6)),
        (" 08.15 - 20.45 ", time(8, 15), time(20, 45)),
    ],
)
def test_windows_are_read_as_people_write_them(spec: object, start: time, end: time) -> None:
    window = Window.parse(spec)  # type: ignore[arg-type]
    assert (window.start, window.end) == (start, end)


@pytest.mark.parametrize(
    ("spec", "rule"),
    [
        (("25:00", "21:00"), "HH:MM"),
        (("09:00", "09:00"), "zero length"),
        ("09:00", "two times"),
        (("9", "21"), "HH:MM"),
        (("09:60", "21:00"), "HH:MM"),
    ],
)
def test_a_bad_window_is_a_validation_error_naming_it(spec: object, rule: str) -> None:
    with pytest.raises(tsf.ValidationError, match=rule) as info:
        Window.parse(spec)  # type: ignore[arg-type]
    assert info.value.failure_cases["column"].tolist() == ["window"]


def test_zones_by_name_or_offset() -> None:
    assert zone_key(zone("Asia/Yekaterinburg")) == "Asia/Yekaterinburg"
    assert zone("+05:00").utcoffset(None) == timedelta(hours=5)
    assert zone_key(zone("UTC-3:30")) == "-03:30"
    assert zone_key(zone("GMT+3")) == "+03:00"
    for bad in ("Mars/Olympus", "+25:00", "", "../etc/passwd", "Europe/"):
        with pytest.raises(tsf.ValidationError, match="unknown time zone"):
            zone(bad)


@pytest.mark.parametrize(
    ("now", "zone_", "opens", "closes"),
    [
        # 06:00 UTC: 09:00 in Moscow (open right now), 16:00 in Vladivostok (open)
        (_utc(2026, 12, 3, 6), "Europe/Moscow", _utc(2026, 12, 3, 6), _utc(2026, 12, 3, 18)),
        (_utc(2026, 12, 3, 6), "Asia/Vladivostok", _utc(2026, 12, 3, 6), _utc(2026, 12, 3, 11)),
        # 16:00 UTC: 19:00 Moscow (open), 02:00 Vladivostok (next morning, 23:00 UTC)
        (_utc(2026, 12, 3, 16), "Asia/Vladivostok", _utc(2026, 12, 3, 23), _utc(2026, 12, 4, 11)),
        # 19:00 UTC: 22:00 Moscow, closed: tomorrow 09:00 Moscow = 06:00 UTC
        (_utc(2026, 12, 3, 19), "Europe/Moscow", _utc(2026, 12, 4, 6), _utc(2026, 12, 4, 18)),
        # Kaliningrad (UTC+2) at 06:30 UTC is 08:30: opens at 07:00 UTC
        (
            _utc(2026, 12, 3, 6, 30),
            "Europe/Kaliningrad",
            _utc(2026, 12, 3, 7),
            _utc(2026, 12, 3, 19),
        ),
        # Kamchatka (UTC+12) at 16:00 UTC is 04:00: opens at 21:00 UTC
        (_utc(2026, 12, 3, 16), "Asia/Kamchatka", _utc(2026, 12, 3, 21), _utc(2026, 12, 4, 9)),
    ],
)
def test_the_current_or_next_opening_in_each_zone(
    now: datetime, zone_: str, opens: datetime, closes: datetime
) -> None:
    assert interval(DAY, zone(zone_), now) == (opens, closes)


def test_a_window_across_midnight() -> None:
    night = Window.parse("22:00-06:00")
    moscow = zone("Europe/Moscow")
    # 12:00 UTC = 15:00 Moscow: opens at 22:00 Moscow (19:00 UTC), closes 06:00 (03:00 UTC)
    assert interval(night, moscow, _utc(2026, 12, 3, 12)) == (
        _utc(2026, 12, 3, 19),
        _utc(2026, 12, 4, 3),
    )
    # 01:00 UTC = 04:00 Moscow: inside the window that opened yesterday evening
    assert interval(night, moscow, _utc(2026, 12, 4, 1)) == (
        _utc(2026, 12, 4, 1),
        _utc(2026, 12, 4, 3),
    )


@pytest.mark.parametrize(
    ("now", "opens"),
    [
        # the Saturday before the spring change: CET, 09:00 = 08:00 UTC
        (_utc(2027, 3, 27, 0), _utc(2027, 3, 27, 8)),
        # the Sunday of the change (02:00 -> 03:00): CEST already, 09:00 = 07:00 UTC
        (_utc(2027, 3, 27, 21), _utc(2027, 3, 28, 7)),
        # the Sunday of the autumn change (03:00 -> 02:00): CET again, 09:00 = 08:00 UTC
        (_utc(2027, 10, 30, 21), _utc(2027, 10, 31, 8)),
    ],
)
def test_daylight_saving_days_in_berlin(now: datetime, opens: datetime) -> None:
    assert interval(DAY, zone("Europe/Berlin"), now)[0] == opens


def test_zones_come_from_the_column_then_the_phone_then_tz() -> None:
    frame = pd.DataFrame(
        {
            "timezone": ["Asia/Yekaterinburg", "+05:00", None, "", None, None],
            "phone": ["79161234567"] * 2 + ["74951234567", "79161234567", "4930123456", "x"],
        },
        index=["a", "b", "c", "d", "e", "f"],
    )
    zones = row_zones(frame, frame["phone"], zone("Asia/Novosibirsk"))
    assert zones.tolist() == [
        "Asia/Yekaterinburg",
        "+05:00",
        "Europe/Moscow",  # a Moscow landline: one zone
        "Asia/Novosibirsk",  # a Russian mobile spans the country: the campaign's tz
        "Europe/Berlin",
        "Asia/Novosibirsk",
    ]
    assert phone_zones(["79161234567"]) == [None]


def test_a_timezone_cell_that_is_not_a_zone_names_its_row_and_value() -> None:
    frame = pd.DataFrame(
        {"timezone": ["Europe/Moscow", "Moscow", "+99:00"], "phone": ["79161234567"] * 3},
        index=[10, 11, 12],
    )
    with pytest.raises(tsf.ValidationError) as info:
        row_zones(frame, frame["phone"], zone("Europe/Moscow"))
    cases = info.value.failure_cases
    assert cases["index"].tolist() == [11, 12]
    assert "'Moscow'" in str(info.value) and "row 11" in str(info.value)


def test_start_at_is_read_in_the_campaign_zone_and_delays_every_row() -> None:
    moscow = zone("Europe/Moscow")
    start = parse_start_at("2026-12-04 10:00", moscow)
    assert start == _utc(2026, 12, 4, 7)
    assert parse_start_at(datetime(2026, 12, 4, 10, tzinfo=UTC), moscow) == _utc(2026, 12, 4, 10)
    with pytest.raises(tsf.ValidationError, match="start_at"):
        parse_start_at("tomorrow-ish", moscow)
    zones = pd.Series(["Europe/Moscow", "Asia/Vladivostok"])
    opens, closes = not_before(zones, DAY, _utc(2026, 12, 3, 12), start)
    # never before start_at, in preview as in send
    assert opens.tolist() == [
        pd.Timestamp(_utc(2026, 12, 4, 7)),
        pd.Timestamp(_utc(2026, 12, 4, 7)),
    ]
    assert closes.tolist()[1] == pd.Timestamp(_utc(2026, 12, 4, 11))
    only_start, none = not_before(zones, None, _utc(2026, 12, 3, 12), start)
    assert only_start.tolist() == [pd.Timestamp(start)] * 2 and none.isna().all()


def test_a_start_that_has_passed_means_now_to_the_microsecond() -> None:
    # a start already behind the clock: rows may go from now, a moment that rarely falls on
    # a whole millisecond (the columns' resolution)
    now = datetime(2026, 12, 3, 23, 45, 23, 869504, tzinfo=UTC)
    opens, _ = not_before(pd.Series(["Europe/Moscow"]), None, now, _utc(2020, 1, 1, 0))
    assert opens.tolist() == [pd.Timestamp("2026-12-03 23:45:23.869", tz="UTC")]
