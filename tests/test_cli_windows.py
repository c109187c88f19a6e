"""The command line's send windows, rates and PostgreSQL journals."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import targetsms_frames as tsf
from targetsms_frames._cli import app

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
RECIPIENTS = str(SAMPLES / "recipients.csv")
TEMPLATES = str(SAMPLES / "templates.csv")


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def _send(journal: str, *options: str) -> tuple[int, str]:
    """``send`` of the samples on the built-in sandbox, into ``journal``."""
    return _run("send", RECIPIENTS, "-t", TEMPLATES, "--journal", journal, "--sandbox", *options)


def test_preview_shows_what_goes_now_and_what_waits_for_its_window() -> None:
    code, out = _run(
        "preview", RECIPIENTS, "-t", TEMPLATES, "--window", "09:00-21:00", "--tz", "Europe/Moscow"
    )
    assert code == 0, out
    assert "go now" in out or "wait for 09:00" in out
    assert "SMS parts" in out


def test_a_campaign_that_starts_later_waits_without_sending_and_exits_cleanly(
    tmp_path: Path,
) -> None:
    journal = str(tmp_path / "later.sqlite")
    code, out = _send(
        journal,
        "--start-at",
        "2099-01-05 10:00",
        "--tz",
        "Europe/Moscow",
        "--no-wait",
        "--no-progress",
        "--rate",
        "300/min",
    )
    assert code == 0, out
    assert "wait for their send window" in out
    states = tsf.read_journal(journal)["send_state"].value_counts().to_dict()
    assert states.get("sent", 0) == 0 and states["planned"] == 295

    # the same command without --start-at: the campaign keeps its start, nothing goes
    code, out = _send(journal, "--no-wait", "--no-progress")
    assert code == 0 and "wait for their send window" in out, out
    assert (tsf.read_journal(journal)["send_state"] != "sent").all()

    # a start that has come, and no window at all: everything goes
    code, out = _send(journal, "--start-at", "2020-01-01 00:00", "--no-window", "--no-progress")
    assert code == 0, out
    assert (tsf.read_journal(journal)["send_state"] == "sent").sum() == 294


def test_window_and_no_window_together_are_a_one_line_error(tmp_path: Path) -> None:
    code, out = _send(str(tmp_path / "j.sqlite"), "--window", "09:00-21:00", "--no-window")
    assert code == 2 and out.startswith("error:") and "--no-window" in out, out
    assert not (tmp_path / "j.sqlite").exists()


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--window", "25:00-21:00", "HH:MM"),
        ("--window", "09:00-09:00", "zero length"),
        ("--tz", "Mars/Olympus", "unknown time zone"),
        ("--start-at", "someday", "start_at"),
        ("--rate", "fast", "rate"),
    ],
)
def test_bad_schedule_options_are_one_line_errors(
    option: str, value: str, said: str, tmp_path: Path
) -> None:
    code, out = _send(
        str(tmp_path / "j.sqlite"),
        "--window",
        "09:00-21:00",
        option,
        value,
        "--no-progress",
    )
    assert code == 2, out
    assert out.startswith("error:") and said in out
    assert "Traceback" not in out
    assert not (tmp_path / "j.sqlite").exists()


def test_a_postgresql_journal_serves_send_status_and_report(postgres_url: str) -> None:
    code, out = _send(postgres_url, "--no-progress", "--rate", "0")
    assert code == 0, out
    assert "password" not in out
    frame = tsf.read_journal(postgres_url)
    assert (frame["send_state"] == "sent").sum() == 294
    code, out = _run("report", "--journal", postgres_url, "--by", "segment")
    assert code == 0 and "segment" in out, out
    code, again = _send(postgres_url, "--no-progress")
    assert code == 0 and "nothing more to send" in again, again


def test_status_after_send_with_the_built_in_sandbox_asks_the_same_sandbox(
    tmp_path: Path,
) -> None:
    journal = str(tmp_path / "rehearsal.sqlite")
    code, out = _send(journal, "--no-progress", "--rate", "0")
    assert code == 0, out
    code, out = _run("status", "--journal", journal, "--sandbox", "--no-progress")
    assert code == 0, out
    assert "does not know" not in out  # the rebuilt sandbox knows every message it sent
    frame = tsf.read_journal(journal)
    sent = frame["send_state"] == "sent"
    assert frame.loc[sent, "status"].notna().all()
    assert not frame.loc[sent, "status"].str.contains("найдено").any()


def test_a_new_start_at_on_a_resume_is_read_in_the_campaigns_zone(tmp_path: Path) -> None:
    journal, out = str(tmp_path / "later.sqlite"), tmp_path / "plan.parquet"
    first = _send(
        journal, "--start-at", "2099-01-05 10:00", "--tz", "Asia/Vladivostok", "--no-wait"
    )
    again = _send(journal, "--start-at", "2099-01-06 10:00", "--no-wait", "-o", str(out))
    assert first[0] == 0 and again[0] == 0, first[1] + again[1]
    waiting = pd.read_parquet(out)["not_before"].dropna().unique()
    assert list(waiting) == [pd.Timestamp("2099-01-06 00:00", tz="UTC")]  # 10:00 there


def test_a_late_recipient_is_added_with_extend_and_sandbox_ids_never_repeat(
    tmp_path: Path,
) -> None:
    journal = str(tmp_path / "rehearsal.sqlite")
    frame = pd.DataFrame(
        {"phone": ["79005550001", "79005550002"], "send_sms": 1, "sender_sms": "Shop"}
    ).assign(text_sms="Скидка 10%")
    frame.iloc[:1].to_csv(tmp_path / "first.csv", index=False)
    frame.to_csv(tmp_path / "later.csv", index=False)

    def send(name: str, *options: str) -> tuple[int, str]:
        path = str(tmp_path / name)
        return _run("send", path, "--journal", journal, "--sandbox", "--no-progress", *options)

    assert send("first.csv")[0] == 0
    code, out = send("later.csv")
    assert code == 2 and "--extend" in out, out  # the way forward, as the command line has it
    code, out = send("later.csv", "--extend")
    assert code == 0, out
    ids = tsf.read_journal(journal)["message_id"]
    assert ids.notna().all() and ids.is_unique  # the second run's sandbox went on from the first


def test_send_writes_its_results_in_the_zone_it_was_given(tmp_path: Path) -> None:
    journal, out = str(tmp_path / "c.sqlite"), tmp_path / "sent.csv"
    code, said = _send(journal, "--tz", "Asia/Vladivostok", "--no-progress", "-o", str(out))
    assert code == 0, said
    written = pd.read_csv(out, sep=";", encoding="utf-8-sig", dtype=str)
    sent = tsf.read_journal(journal)["sent_at"].dropna()
    shown = sent.dt.tz_convert("Asia/Vladivostok").dt.strftime("%Y-%m-%d %H:%M")
    assert written["sent_at"].dropna().str.slice(0, 16).isin(set(shown)).all()
    # run again: nothing left, and it says so
    code, said = _send(journal, "--no-progress")
    assert code == 0 and "nothing more to send" in said, said


def test_a_rerun_with_rows_still_waiting_does_not_say_everything_is_done(tmp_path: Path) -> None:
    journal = str(tmp_path / "later.sqlite")
    for _ in range(2):
        code, said = _send(journal, "--start-at", "2099-01-05 10:00", "--no-wait", "--no-progress")
        assert code == 0, said
    assert "nothing sent in this run" in said and "nothing more to send" not in said
