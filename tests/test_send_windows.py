"""Send windows end to end on the sandbox with a manual clock: each message goes once, and
only inside its recipient's window (checked on what the sandbox received, and when)."""

from __future__ import annotations

import itertools
import logging
from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

import targetsms_frames as tsf
from targetsms_frames._policy import SendSchedule
from targetsms_frames._windows import Window
from targetsms_frames.journal import SQLiteJournal
from targetsms_frames.sandbox import Sandbox

# Thursday 3 December 2026, 16:00 UTC: 19:00 in Moscow, 18:00 in Kaliningrad,
# 02:00 in Vladivostok, 04:00 in Kamchatka
START = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)
ZONES = ["Europe/Moscow", "Europe/Kaliningrad", "Asia/Vladivostok", "Asia/Kamchatka"]


def _sandbox(start: datetime = START) -> Sandbox:
    return Sandbox(clock=tsf.ManualClock(start=start.timestamp()), status_delay=(5, 60))


def _messages(zones: list[str | None], start: int = 79004000000) -> pd.DataFrame:
    n = len(zones)
    return pd.DataFrame(
        {
            "phone": [str(start + i) for i in range(n)],
            "timezone": zones,
            "send_sms": 1,
            "sender_sms": "Shop",
            "text_sms": [f"Заказ {i} готов" for i in range(n)],
        }
    )


def _in_daytime(frame: pd.DataFrame, sandbox: Sandbox, journal: Path) -> pd.DataFrame:
    """``send`` on the sandbox with a 09:00-21:00 window, waiting for every zone's."""
    return tsf.send(
        frame,
        tsf.Client.sandbox(sandbox),
        journal=journal,
        window=("09:00", "21:00"),
        progress=False,
    )


def _received(sandbox: Sandbox) -> pd.DataFrame:
    """What the sandbox received: phone and when (UTC, to the second: pacing adds a few ms)."""
    got = sandbox.messages
    return pd.DataFrame(
        {
            "phone": got["phone"],
            "at": pd.to_datetime(got["created_at"], unit="s", utc=True).dt.floor("s"),
        }
    )


def _local_hours(received: pd.DataFrame, frame: pd.DataFrame) -> dict[str, time]:
    zone_of = dict(zip(frame["phone"], frame["timezone"], strict=True))
    return {
        phone: at.tz_convert(ZoneInfo(zone_of[phone])).time()
        for phone, at in zip(received["phone"], received["at"], strict=True)
    }


def _inside(t: time, start: time, end: time) -> bool:
    return start <= t < end if start < end else (t >= start or t < end)


def test_each_message_goes_only_inside_its_recipients_window(tmp_path: Path) -> None:
    sandbox = _sandbox()
    frame = _messages([z for z in ZONES for _ in range(3)])
    out = _in_daytime(frame, sandbox, tmp_path / "c.sqlite")
    assert (out["send_state"] == "sent").all()
    # nothing left to wait for: the column is empty but keeps its type (UTC, as sent_at)
    assert out["not_before"].isna().all() and out["not_before"].dtype == out["sent_at"].dtype
    received = _received(sandbox)
    assert received["phone"].is_unique and len(received) == 12
    local = _local_hours(received, frame)
    assert all(_inside(t, time(9), time(21)) for t in local.values()), local
    at = received.set_index("phone")["at"]
    phones = frame.groupby("timezone")["phone"].apply(list)
    # Moscow and Kaliningrad were open: sent at once; Kamchatka opened at 21:00 UTC, then
    # Vladivostok at 23:00 UTC
    assert (at[phones["Europe/Moscow"]] == pd.Timestamp(START)).all()
    assert (at[phones["Europe/Kaliningrad"]] == pd.Timestamp(START)).all()
    assert (at[phones["Asia/Kamchatka"]] == pd.Timestamp("2026-12-03 21:00", tz="UTC")).all()
    assert (at[phones["Asia/Vladivostok"]] == pd.Timestamp("2026-12-03 23:00", tz="UTC")).all()
    assert out["send_zone"].tolist() == frame["timezone"].tolist()


def test_a_window_across_midnight(tmp_path: Path) -> None:
    sandbox = _sandbox(datetime(2026, 12, 3, 12, 0, tzinfo=UTC))  # 15:00 Moscow
    frame = _messages(["Europe/Moscow", "Asia/Yekaterinburg"])
    tsf.send(frame, tsf.Client.sandbox(sandbox), window=("22:00", "06:00"), progress=False)
    received = _received(sandbox)
    local = _local_hours(received, frame)
    assert all(_inside(t, time(22), time(6)) for t in local.values()), local
    assert set(local.values()) == {time(22)}  # each at its own 22:00


def test_a_clock_a_hair_before_the_opening_still_sends_when_it_opens(tmp_path: Path) -> None:
    # 01:00 UTC is 09:00 in Irkutsk; half a microsecond before it, a datetime rounded to the
    # microsecond would already say "open" while the journal, compared with the clock itself,
    # would not: the run must neither stop with the rows planned nor send before the opening
    opening = datetime(2026, 12, 4, 1, 0, tzinfo=UTC).timestamp()
    sandbox = Sandbox(clock=tsf.ManualClock(start=opening - 5e-7), status_delay=(5, 60))
    frame = _messages(["Asia/Irkutsk"] * 3)
    out = _in_daytime(frame, sandbox, tmp_path / "c.sqlite")
    assert (out["send_state"] == "sent").all(), out["send_error"].tolist()
    assert (sandbox.messages["created_at"] >= opening).all()


def test_daylight_saving_days_in_berlin() -> None:
    # Saturday 27 March 2027, 20:30 UTC = 21:30 CET: closed; Sunday is the spring change
    sandbox = _sandbox(datetime(2027, 3, 27, 20, 30, tzinfo=UTC))
    frame = _messages(["Europe/Berlin"], start=4930123000)
    frame["phone"] = ["4915112345678"]
    tsf.send(frame, tsf.Client.sandbox(sandbox), window=("09:00", "21:00"), progress=False)
    [at] = _received(sandbox)["at"]
    assert at == pd.Timestamp("2027-03-28 07:00", tz="UTC")  # 09:00 CEST, not 08:00 UTC
    # and the autumn change: Saturday 30 October 2027, 20:30 UTC = 22:30 CEST
    autumn = _sandbox(datetime(2027, 10, 30, 20, 30, tzinfo=UTC))
    tsf.send(frame, tsf.Client.sandbox(autumn), window=("09:00", "21:00"), progress=False)
    assert _received(autumn)["at"].tolist() == [pd.Timestamp("2027-10-31 08:00", tz="UTC")]


def test_the_phone_gives_the_zone_where_its_plan_has_one_else_tz(tmp_path: Path) -> None:
    sandbox = _sandbox()  # 16:00 UTC
    frame = pd.DataFrame(
        {
            "phone": ["74232123456", "79161234567"],  # a Vladivostok landline; a mobile
            "send_sms": 1,
            "sender_sms": "Shop",
            "text_sms": ["Привет", "Привет!"],
        }
    )
    preview = tsf.preview(
        frame,
        tsf.Client.sandbox(sandbox),
        window=("09:00", "21:00"),
        tz="Asia/Yekaterinburg",  # 21:00 there: closed too
    )
    assert preview["send_zone"].tolist() == ["Asia/Vladivostok", "Asia/Yekaterinburg"]
    assert preview["not_before"].tolist() == [
        pd.Timestamp("2026-12-03 23:00", tz="UTC"),
        pd.Timestamp("2026-12-04 04:00", tz="UTC"),
    ]
    out = tsf.send(
        frame,
        tsf.Client.sandbox(sandbox),
        window=("09:00", "21:00"),
        tz="Asia/Yekaterinburg",
        progress=False,
    )
    assert out["send_state"].tolist() == ["sent", "sent"]
    assert _received(sandbox)["at"].tolist() == preview["not_before"].tolist()


def test_no_wait_sends_what_may_go_and_a_resume_next_morning_sends_the_rest_once(
    tmp_path: Path,
) -> None:
    sandbox = _sandbox()
    clock = sandbox.clock
    journal = tmp_path / "c.sqlite"
    frame = _messages([z for z in ZONES for _ in range(2)])
    first = tsf.send(
        frame,
        tsf.Client.sandbox(sandbox),
        journal=journal,
        window=("09:00", "21:00"),
        wait=False,
        progress=False,
    )
    assert clock() - START.timestamp() < 1  # returned without waiting
    sent = first["send_state"] == "sent"
    assert set(first.loc[sent, "timezone"]) == {"Europe/Moscow", "Europe/Kaliningrad"}
    waiting = first[~sent]
    assert (waiting["send_state"] == "planned").all()
    assert waiting["send_error"].str.contains("may go from").all()
    assert waiting["send_error"].str.contains("09:00 Asia/Kamchatka").sum() == 2
    assert list(waiting["not_before"].dt.hour) == [23, 23, 21, 21]
    # the next morning in Vladivostok (08:00 UTC on 4 December: 18:00 there)
    clock.advance(16 * 3600)  # type: ignore[attr-defined]
    second = tsf.send(
        frame,
        tsf.Client.sandbox(sandbox),
        journal=journal,
        window=("09:00", "21:00"),
        wait=False,
        progress=False,
    )
    # Kamchatka (20:00 there) and Vladivostok went now; nothing went twice
    assert (second["send_state"] == "sent").all()
    received = _received(sandbox)
    assert received["phone"].is_unique and len(received) == 8
    assert all(_inside(t, time(9), time(21)) for t in _local_hours(received, frame).values())
    assert (
        second.loc[sent[sent].index, "message_id"].tolist()
        == first.loc[sent, "message_id"].tolist()
    )


def test_a_resume_that_names_no_window_goes_on_by_the_campaigns_schedule(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # 16:00 UTC: Moscow is open; Vladivostok (02:00) and the campaign's zone Kamchatka
    # (04:00, for the row with no zone of its own) are not
    sandbox = _sandbox()
    clock = sandbox.clock
    journal = tmp_path / "c.sqlite"
    frame = _messages(["Europe/Moscow", "Asia/Vladivostok", None])
    client = tsf.Client.sandbox(sandbox)
    first = tsf.send(
        frame, client, journal=journal, window=("09:00", "21:00"), tz="Asia/Kamchatka",
        wait=False, progress=False,
    )  # fmt: skip
    assert first["send_state"].tolist() == ["sent", "planned", "planned"]

    # the same cell with the window and zone left out: still night there, nothing goes
    with caplog.at_level(logging.INFO, logger="targetsms_frames"):
        again = tsf.send(frame, client, journal=journal, wait=False, progress=False)
    assert again["send_state"].tolist() == ["sent", "planned", "planned"]
    assert len(sandbox.messages) == 1
    assert "window 09:00-21:00" in caplog.text and "zone Asia/Kamchatka" in caplog.text
    kamchatka_morning = pd.Timestamp("2026-12-03 21:00", tz="UTC")
    assert again["not_before"].tolist()[1:] == [
        pd.Timestamp("2026-12-03 23:00", tz="UTC"),
        kamchatka_morning,
    ]

    # 21:30 UTC: morning in Kamchatka, not yet in Vladivostok (07:30)
    clock.advance(5.5 * 3600)  # type: ignore[attr-defined]
    later = tsf.send(frame, client, journal=journal, wait=False, progress=False)
    assert later["send_state"].tolist() == ["sent", "planned", "sent"]
    assert sandbox.messages["created_at"].max() == kamchatka_morning.timestamp() + 1800

    # window=False: the rest goes now, outside the window, because the caller said so
    last = tsf.send(frame, client, journal=journal, window=False, progress=False)
    assert (last["send_state"] == "sent").all()
    assert sandbox.messages["phone"].is_unique and len(sandbox.messages) == 3


def test_a_new_window_on_a_resume_is_the_one_kept_for_the_next(tmp_path: Path) -> None:
    sandbox = _sandbox()
    clock = sandbox.clock
    journal = tmp_path / "c.sqlite"
    frame = _messages(["Asia/Vladivostok"])
    client = tsf.Client.sandbox(sandbox)
    for window in [("09:00", "21:00"), ("10:00", "12:00")]:
        tsf.send(frame, client, journal=journal, window=window, wait=False, progress=False)
    clock.advance(7.5 * 3600)  # type: ignore[attr-defined]  # 09:30 in Vladivostok
    kept = tsf.send(frame, client, journal=journal, wait=False, progress=False)
    assert kept["send_state"].tolist() == ["planned"] and len(sandbox.messages) == 0
    clock.advance(3600)  # type: ignore[attr-defined]  # 10:30
    kept = tsf.send(frame, client, journal=journal, wait=False, progress=False)
    assert kept["send_state"].tolist() == ["sent"] and len(sandbox.messages) == 1


def test_a_new_start_without_a_zone_is_read_in_the_zone_the_campaign_keeps(
    tmp_path: Path,
) -> None:
    sandbox = _sandbox()
    journal = tmp_path / "c.sqlite"
    frame = _messages([None])  # a Russian mobile: the campaign's zone decides
    client = tsf.Client.sandbox(sandbox)
    tsf.send(
        frame, client, journal=journal, start_at="2026-12-04 10:00", tz="Asia/Vladivostok",
        wait=False, progress=False,
    )  # fmt: skip
    later = tsf.send(
        frame, client, journal=journal, start_at="2026-12-05 10:00", wait=False, progress=False
    )
    # 10:00 in Vladivostok, not in this computer's zone
    assert later["not_before"].tolist() == [pd.Timestamp("2026-12-05 00:00", tz="UTC")]


def test_rows_added_to_a_windowed_campaign_wait_for_their_own_window(
    tmp_path: Path, journal_spec: str
) -> None:
    sandbox = _sandbox()  # 16:00 UTC: 19:00 in Moscow, 02:00 in Vladivostok
    client = tsf.Client.sandbox(sandbox)
    frame = _messages(["Europe/Moscow", "Asia/Vladivostok"])
    tsf.send(frame, client, journal=journal_spec, window=("09:00", "21:00"), wait=False,
             progress=False)  # fmt: skip
    longer = pd.concat([frame, _messages(["Asia/Vladivostok"], start=79004000099)])
    out = tsf.send(longer.reset_index(drop=True), client, journal=journal_spec, extend=True,
                   window=("09:00", "21:00"), wait=False, progress=False)  # fmt: skip
    assert out["send_state"].tolist() == ["sent", "planned", "planned"]
    assert sandbox.messages["phone"].tolist() == [frame["phone"][0]]


def test_the_summary_of_a_send_that_left_rows_waiting_says_when_they_go(tmp_path: Path) -> None:
    sandbox = _sandbox()  # 16:00 UTC: 19:00 in Moscow, 02:00 in Vladivostok
    frame = _messages(["Europe/Moscow", "Asia/Vladivostok", "Asia/Vladivostok"])
    out = tsf.send(frame, tsf.Client.sandbox(sandbox), journal=tmp_path / "c.sqlite",
                   window=("09:00", "21:00"), wait=False, progress=False)  # fmt: skip
    summary = tsf.summarize(out)
    assert summary.go_now == 0
    assert "wait for 09:00 Asia/Vladivostok   2" in str(summary)
    # what summarize keeps in attrs goes into Parquet (as JSON) with the frame
    plan = tsf.preview(frame, tsf.Client.sandbox(sandbox), window=("09:00", "21:00"))
    for name, result in {"sent": out, "plan": plan}.items():
        result.to_parquet(tmp_path / f"{name}.parquet")
        again = pd.read_parquet(tmp_path / f"{name}.parquet")
        assert str(tsf.summarize(again)) == str(tsf.summarize(result))


def test_a_window_named_on_a_resume_splits_what_was_planned_without_one(
    journal_spec: str,
) -> None:
    sandbox = _sandbox()  # 16:00 UTC
    clock = sandbox.clock
    client = tsf.Client.sandbox(sandbox)
    frame = _messages(["Europe/Moscow", "Asia/Vladivostok"]).assign(text_sms="Скидка 10%")
    first = tsf.send(frame, client, journal=journal_spec, start_at="2026-12-03 16:30",
                     tz="UTC", wait=False, progress=False)  # fmt: skip
    assert first["request_id"].nunique() == 1  # one text: one request for both phones
    clock.advance(3600)  # type: ignore[attr-defined]  # 20:00 in Moscow, 03:00 in Vladivostok
    later = tsf.send(frame, client, journal=journal_spec, window=("09:00", "21:00"),
                     wait=False, progress=False)  # fmt: skip
    assert later["send_state"].tolist() == ["sent", "planned"]
    clock.advance(6.5 * 3600)  # type: ignore[attr-defined]  # 09:30 in Vladivostok
    last = tsf.send(frame, client, journal=journal_spec, wait=False, progress=False)
    assert (last["send_state"] == "sent").all()
    received = _received(sandbox)
    assert received["phone"].is_unique and len(received) == 2
    assert all(_inside(t, time(9), time(21)) for t in _local_hours(received, frame).values())


def test_a_corrected_timezone_cell_moves_its_row_to_that_zones_window(journal_spec: str) -> None:
    sandbox = _sandbox(datetime(2026, 12, 3, 5, 0, tzinfo=UTC))  # 08:00 Moscow, 15:00 Vlad.
    clock = sandbox.clock
    client = tsf.Client.sandbox(sandbox)
    frame = _messages(["Europe/Moscow"])
    tsf.send(frame, client, journal=journal_spec, window=("09:00", "21:00"), wait=False,
             progress=False)  # fmt: skip
    clock.advance(12 * 3600)  # type: ignore[attr-defined]  # 20:00 in Moscow, 03:00 in Vlad.
    fixed = frame.assign(timezone="Asia/Vladivostok")
    out = tsf.send(fixed, client, journal=journal_spec, wait=False, progress=False)
    assert out["send_state"].tolist() == ["planned"] and len(sandbox.messages) == 0
    assert out["not_before"].tolist() == [pd.Timestamp("2026-12-03 23:00", tz="UTC")]


def test_sent_at_is_on_the_clients_clock_and_reports_default_to_the_campaigns_zone(
    tmp_path: Path,
) -> None:
    sandbox = _sandbox()  # a manual clock at 16:00 UTC on 3 December, whatever the real time
    client = tsf.Client.sandbox(sandbox)
    journal = tmp_path / "c.sqlite"
    frame = _messages(["Europe/Moscow", "Asia/Vladivostok"])
    out = tsf.send(frame, client, journal=journal, window=("09:00", "21:00"),
                   tz="Asia/Vladivostok", progress=False)  # fmt: skip
    sent_at = out["sent_at"].dt.floor("s").tolist()
    assert sent_at == _received(sandbox)["at"].tolist()
    assert sent_at == [pd.Timestamp(START), pd.Timestamp("2026-12-03 23:00", tz="UTC")]
    statuses = tsf.poll_statuses(out, client, journal=journal, progress=False)
    from_journal = tsf.read_journal(journal)
    for frame_of_campaign in (out, statuses, from_journal):
        # 16:00 and 23:00 UTC are 02:00 and 09:00 in Vladivostok, the campaign's zone
        report = tsf.delivery_report(frame_of_campaign, by="send_hour")
        assert report["send_hour"].tolist() == [2, 9]
        assert tsf.summarize(frame_of_campaign).tz == "Asia/Vladivostok"
    assert tsf.delivery_report(out, by="send_hour", tz="UTC")["send_hour"].tolist() == [16, 23]
    tsf.write_excel(out, tmp_path / "sent.xlsx")  # times written in the campaign's zone too
    written = pd.read_excel(tmp_path / "sent.xlsx", engine="openpyxl")
    assert written["sent_at"].dt.hour.tolist() == [2, 9]


def test_polling_the_first_runs_frame_sees_the_rows_a_later_run_sent(journal_spec: str) -> None:
    sandbox = _sandbox()  # 16:00 UTC: Moscow open, Vladivostok not
    clock = sandbox.clock
    client = tsf.Client.sandbox(sandbox)
    frame = _messages(["Europe/Moscow", "Asia/Vladivostok"]).set_axis(["a", "a"])  # odd index
    first = tsf.send(frame, client, journal=journal_spec, window=("09:00", "21:00"),
                     wait=False, progress=False)  # fmt: skip
    assert first["send_state"].tolist() == ["sent", "planned"]
    clock.advance(8 * 3600)  # type: ignore[attr-defined]  # 10:00 in Vladivostok
    tsf.send(frame, client, journal=journal_spec, wait=False, progress=False)
    statuses = tsf.poll_statuses(first, client, journal=journal_spec, until_final=True,
                                 progress=False)  # fmt: skip
    assert statuses["send_state"].tolist() == ["sent", "sent"]
    assert statuses["message_id"].tolist() == sandbox.messages["message_id"].tolist()
    assert statuses["is_final"].all() and statuses["status"].notna().all()
    assert statuses.index.tolist() == ["a", "a"]
    assert tsf.delivery_report(statuses)["messages"].item() == 2


def test_a_slow_rate_never_carries_a_message_past_its_window(tmp_path: Path) -> None:
    sandbox = _sandbox(datetime(2026, 12, 3, 6, 0, tzinfo=UTC))  # 09:00 in Moscow
    frame = _messages(["Europe/Moscow"] * 3)
    out = tsf.send(frame, tsf.Client.sandbox(sandbox), journal=tmp_path / "c.sqlite",
                   window=("09:00", "10:30"), rate="1/h", progress=False)  # fmt: skip
    assert (out["send_state"] == "sent").all()
    local = _local_hours(_received(sandbox), frame)
    # one an hour: 09:00 and 10:00; the third would leave at 11:00, so it waits for the morning
    assert sorted(local.values()) == [time(9), time(9), time(10)], local
    assert _received(sandbox)["at"].dt.day.tolist() == [3, 3, 4]


def test_start_at_holds_the_whole_campaign_in_preview_and_send() -> None:
    sandbox = _sandbox()
    frame = _messages(["Europe/Moscow", "Asia/Vladivostok"])
    client = tsf.Client.sandbox(sandbox)
    preview = tsf.preview(frame, client, start_at="2026-12-04 10:00", tz="Europe/Moscow")
    start = pd.Timestamp("2026-12-04 07:00", tz="UTC")
    assert (preview["not_before"] == start).all()
    assert "send_zone" not in preview  # no window: no zones needed
    summary = tsf.summarize(preview)
    assert summary.go_now == 0 and summary.opening_later[0][2] == 2
    tsf.send(frame, client, start_at="2026-12-04 10:00", tz="Europe/Moscow", progress=False)
    assert (_received(sandbox)["at"] == start).all()


def test_preview_says_how_many_go_now_and_when_the_rest_open() -> None:
    sandbox = _sandbox()
    frame = _messages(["Europe/Moscow"] * 3 + ["Asia/Vladivostok"] * 2 + ["Asia/Kamchatka"])
    preview = tsf.preview(frame, tsf.Client.sandbox(sandbox), window=("09:00", "21:00"))
    summary = tsf.summarize(preview)
    assert summary.go_now == 3
    assert [(label, rows) for label, _, rows in summary.opening_later] == [
        ("09:00 Asia/Kamchatka", 1),
        ("09:00 Asia/Vladivostok", 2),
    ]
    assert "wait for 09:00 Asia/Vladivostok" in str(summary)
    assert sandbox.requests == []  # a preview sends nothing


def test_the_progress_bar_says_what_it_waits_for(tmp_path: Path) -> None:
    sandbox = _sandbox()
    clock = sandbox.clock
    store = SQLiteJournal.open(tmp_path / "c.sqlite")
    frame = _messages(["Asia/Vladivostok"] * 1204)
    tsf.send(
        frame,
        tsf.Client.sandbox(sandbox),
        journal=tmp_path / "c.sqlite",
        window=("09:00", "21:00"),
        wait=False,
        progress=False,
    )
    clock.advance(50 * 60)  # type: ignore[attr-defined]  # 16:50 UTC: 02:50 there
    schedule = SendSchedule(Window(time(9), time(21)), None, ZoneInfo("UTC"), clock)
    pause = schedule.idle(store)
    assert pause == pytest.approx(6 * 3600 + 10 * 60)
    assert schedule.waiting_for == "1,204 waiting for 09:00 Asia/Vladivostok, in 6 h 10 min"
    store.close()


@pytest.mark.parametrize(
    ("options", "rule"),
    [
        ({"window": ("09:00", "21:00"), "tz": "Mars/Olympus"}, "unknown time zone"),
        ({"window": ("25:00", "21:00")}, "HH:MM"),
        ({"window": ("09:00", "09:00")}, "zero length"),
        ({"start_at": "someday"}, "start_at"),
    ],
)
def test_bad_schedule_input_is_refused_before_anything_is_sent(
    options: dict[str, object], rule: str
) -> None:
    sandbox = _sandbox()
    with pytest.raises(tsf.ValidationError, match=rule):
        tsf.send(
            _messages(["Europe/Moscow"]), tsf.Client.sandbox(sandbox), progress=False, **options
        )
    assert sandbox.requests == []


def test_a_timezone_cell_that_is_not_a_zone_names_the_row_before_anything_is_sent() -> None:
    sandbox = _sandbox()
    frame = _messages(["Europe/Moscow", "Moscow", "Asia/Omsk"])
    frame.index = ["a", "b", "c"]
    with pytest.raises(tsf.ValidationError, match="row 'b': 'Moscow'") as info:
        tsf.send(frame, tsf.Client.sandbox(sandbox), window=("09:00", "21:00"), progress=False)
    assert info.value.failure_cases["index"].tolist() == ["b"]
    assert sandbox.requests == []


def test_a_timezone_cell_of_a_file_is_named_by_its_line(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    _messages(["Europe/Moscow", "Asia/Omsk", "MSK"]).to_csv(path, index=False)
    frame = tsf.read_table(path)
    with pytest.raises(tsf.ValidationError, match=r"line 4 of list\.csv: 'MSK'"):
        tsf.preview(frame, window=("09:00", "21:00"))


@pytest.mark.parametrize(("rate", "gap"), [("300/min", 0.2), ("10000/h", 0.36), (2, 0.5)])
def test_rates_as_people_write_them(rate: object, gap: float) -> None:
    sandbox = _sandbox()
    tsf.send(
        _messages([None] * 12),
        tsf.Client.sandbox(sandbox),
        rate=rate,  # type: ignore[arg-type]
        concurrency=1,
        progress=False,
    )
    times = [r.time for r in sandbox.requests]
    assert len(times) == 12
    assert all(b - a >= gap - 1e-6 for a, b in itertools.pairwise(times))


def test_ctrl_c_while_waiting_for_a_window_leaves_nothing_claimed(tmp_path: Path) -> None:
    sandbox = _sandbox()
    client = tsf.Client.sandbox(sandbox)
    sleeps = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        raise KeyboardInterrupt  # the analyst gives up waiting for Vladivostok's morning

    client._sleep = sleep
    frame = _messages(["Europe/Moscow", "Asia/Vladivostok"])
    journal = tmp_path / "c.sqlite"
    with pytest.raises(KeyboardInterrupt):
        tsf.send(frame, client, journal=journal, window=("09:00", "21:00"), progress=False)
    assert sleeps == [7 * 3600]
    with SQLiteJournal.open(journal) as store:
        assert "inflight" not in set(store.requests()["state"])
    out = tsf.send(
        frame,
        tsf.Client.sandbox(sandbox),
        journal=journal,
        window=("09:00", "21:00"),
        progress=False,
    )
    assert (out["send_state"] == "sent").all() and _received(sandbox)["phone"].is_unique


def test_a_request_given_back_in_a_window_is_left_for_the_next_run_without_spinning(
    tmp_path: Path,
) -> None:
    sandbox = _sandbox()
    client = tsf.Client.sandbox(sandbox, retries=0)
    sandbox.inject("refuse")  # the first request finds the provider unreachable
    frame = _messages(["Europe/Moscow"] * 3)
    out = tsf.send(
        frame, client, journal=tmp_path / "c.sqlite", window=("09:00", "21:00"), progress=False
    )
    assert out["send_state"].tolist() == ["planned", "sent", "sent"]
    again = tsf.send(
        frame, client, journal=tmp_path / "c.sqlite", window=("09:00", "21:00"), progress=False
    )
    assert (again["send_state"] == "sent").all() and _received(sandbox)["phone"].is_unique
