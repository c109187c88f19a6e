"""The ``targetsms-frames`` command: one journal shared with Python, clear errors, no secrets."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
from typer.testing import CliRunner, Result

import targetsms_frames as tsf
from targetsms_frames._cli import app
from targetsms_frames.sandbox._server import serve

RECIPIENTS = """customer_id,name,phone,segment,template,bonus
C1,Anna,+7 (900) 000-00-01,new,promo,100
C2,Boris,8 900 000 00 02,loyal,promo,200
C3,Vera,79000000003,vip,cascade,300
C4,Gleb,12345,new,promo,50
C5,Dina,+7 900 000-00-05,vip,cascade,
"""
TEMPLATES = """template,send_viber,send_sms,sender_viber,text_viber,sender_sms,text_sms
promo,,1,,,Shop,"{name}, +{bonus} points"
cascade,1,2,Shop,"{name}, hello from Viber",Shop,"{name}, hello"
"""
PASSWORD = "Zebra-Secret-9417"
ENV_NAMES = ("TARGETSMS_LOGIN", "TARGETSMS_PASSWORD", "TARGETSMS_BASE_URL")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials unless a test sets them; a ``.env`` read by a command is undone too."""
    for name in ENV_NAMES:
        monkeypatch.setenv(name, "x")
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def tables(tmp_path: Path) -> tuple[Path, Path]:
    recipients, templates = tmp_path / "recipients.csv", tmp_path / "templates.csv"
    recipients.write_text(RECIPIENTS, encoding="utf-8")
    templates.write_text(TEMPLATES, encoding="utf-8")
    return recipients, templates


@pytest.fixture
def server_url() -> Iterator[str]:
    with serve(tsf.Sandbox(status_delay=(0.0, 0.0))) as url:
        yield url


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def send_args(tables: tuple[Path, Path], journal: Path) -> list[str | Path]:
    recipients, templates = tables
    return [
        *("send", recipients, "--templates", templates, "--journal", journal),
        *("--no-progress", "--yes"),
    ]


def assert_one_line_error(result: Result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    for word in words:
        assert word in lines[0]


# -- send, report, resume ----------------------------------------------------------------


def test_send_in_sandbox_writes_a_journal_that_report_reads(
    tables: tuple[Path, Path], tmp_path: Path
) -> None:
    journal = tmp_path / "campaign.sqlite"
    sent = run(*send_args(tables, journal), "--sandbox", "--out", tmp_path / "results.csv")
    assert sent.exit_code == 0, sent.output
    assert "sent" in sent.stdout and "skipped" in sent.stdout
    states = tsf.read_journal(journal)["send_state"].value_counts().to_dict()
    assert states == {"sent": 4, "skipped": 1}
    results = pd.read_csv(tmp_path / "results.csv", dtype=str, sep=";", encoding="utf-8-sig")
    assert list(results["customer_id"]) == ["C1", "C2", "C3", "C4", "C5"]

    report = run(
        "report",
        "--journal",
        journal,
        "--by",
        "segment",
        "--out",
        tmp_path / "report.xlsx",
        "--plot",
        tmp_path / "delivery.png",
    )
    assert report.exit_code == 0, report.output
    assert "segment" in report.stdout and "vip" in report.stdout
    expected = tsf.delivery_report(tsf.read_journal(journal), "segment")
    written = pd.read_excel(tmp_path / "report.xlsx", sheet_name="report", engine="openpyxl")
    assert written["messages"].tolist() == expected["messages"].tolist()
    assert (tmp_path / "delivery.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_send_again_with_the_same_journal_sends_nothing_more(
    tables: tuple[Path, Path], tmp_path: Path
) -> None:
    journal = tmp_path / "campaign.sqlite"
    assert run(*send_args(tables, journal), "--sandbox").exit_code == 0
    first = tsf.read_journal(journal)
    again = run(*send_args(tables, journal), "--sandbox")
    assert again.exit_code == 0, again.output
    assert "nothing more to send" in again.stdout
    second = tsf.read_journal(journal)
    pd.testing.assert_series_equal(first["send_state"], second["send_state"])
    pd.testing.assert_series_equal(first["message_id"], second["message_id"])
    pd.testing.assert_series_equal(first["sent_at"], second["sent_at"])


def test_a_journal_of_another_campaign_is_refused(
    tables: tuple[Path, Path], tmp_path: Path
) -> None:
    journal = tmp_path / "campaign.sqlite"
    assert run(*send_args(tables, journal), "--sandbox").exit_code == 0
    other = tmp_path / "other.csv"
    other.write_text("phone,template,name,bonus\n79000000009,promo,Egor,5\n", encoding="utf-8")
    result = run("send", other, "-t", tables[1], "-j", journal, "--sandbox", "--no-progress")
    assert_one_line_error(result, "error:")


def test_dry_run_plans_without_credentials_and_sends_nothing(
    tables: tuple[Path, Path], tmp_path: Path
) -> None:
    journal = tmp_path / "campaign.sqlite"
    out = tmp_path / "plan.parquet"
    result = run(*send_args(tables, journal), "--dry-run", "--out", out)
    assert result.exit_code == 0, result.output
    assert "dry run" in result.stdout
    assert not journal.exists()
    plan = pd.read_parquet(out)
    assert plan["send_state"].value_counts().to_dict() == {"planned": 4, "skipped": 1}
    assert plan["message_id"].isna().all()


def test_default_option_fills_campaign_wide_values(tmp_path: Path) -> None:
    recipients = tmp_path / "people.csv"
    recipients.write_text("phone,name\n79000000001,Anna\n", encoding="utf-8")
    journal = tmp_path / "c.sqlite"
    result = run(
        "send", recipients, "-j", journal, "--sandbox", "--no-progress",
        "-d", "send_sms=1", "-d", "sender_sms=Shop", "-d", "text_sms=Hi {name}",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    row = tsf.read_journal(journal).iloc[0]
    assert (row["text_sms"], row["send_state"]) == ("Hi Anna", "sent")
    bad = run("send", recipients, "-j", journal, "--sandbox", "-d", "colour=red")
    assert_one_line_error(bad, "colour")


def test_rows_that_cannot_be_rendered_are_listed_without_a_traceback(
    tables: tuple[Path, Path], tmp_path: Path
) -> None:
    templates = tmp_path / "broken.csv"
    templates.write_text(
        'template,send_sms,sender_sms,text_sms\npromo,1,Shop,"{name}: {coupon}"\n'
        'cascade,1,Shop,"{name}"\n',
        encoding="utf-8",
    )
    result = run("send", tables[0], "-t", templates, "-j", tmp_path / "c.sqlite", "--sandbox")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert "coupon" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "c.sqlite").exists()


def test_nothing_sendable_exits_non_zero(tmp_path: Path) -> None:
    recipients = tmp_path / "bad.csv"
    recipients.write_text("phone,send_sms,sender_sms,text_sms\n12345,1,Shop,Hi\n", "utf-8")
    result = run("send", recipients, "-j", tmp_path / "c.sqlite", "--sandbox", "--no-progress")
    assert result.exit_code == 1
    assert "skipped" in result.stdout
    assert "nothing could be sent" in result.stderr


# -- user mistakes -----------------------------------------------------------------------


def test_missing_credentials_exit_2_with_one_line(
    tables: tuple[Path, Path], tmp_path: Path
) -> None:
    result = run(*send_args(tables, tmp_path / "c.sqlite"))
    assert_one_line_error(result, "TARGETSMS_LOGIN", "--sandbox")
    assert not (tmp_path / "c.sqlite").exists()


def test_unknown_file_types_are_refused_before_anything_is_sent(
    tables: tuple[Path, Path], tmp_path: Path
) -> None:
    people = tmp_path / "people.json"
    people.write_text("{}", encoding="utf-8")
    assert_one_line_error(
        run("send", people, "-j", tmp_path / "c.sqlite", "--sandbox"), "unknown file type"
    )
    journal = tmp_path / "c.sqlite"
    result = run(*send_args(tables, journal), "--sandbox", "--out", tmp_path / "results.json")
    assert_one_line_error(result, "'.json'")
    assert not journal.exists()
    assert_one_line_error(run("send", tmp_path / "missing.csv", "-j", journal, "--sandbox"))


def test_plain_http_to_a_remote_host_is_refused(
    tables: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TARGETSMS_LOGIN", "shop")
    monkeypatch.setenv("TARGETSMS_PASSWORD", PASSWORD)
    journal = tmp_path / "c.sqlite"
    result = run(*send_args(tables, journal), "--base-url", "http://example.com/sendmessage.php")
    assert_one_line_error(result, "loopback")
    assert PASSWORD not in result.output
    assert not journal.exists()


def test_status_without_a_campaign_journal_explains(tmp_path: Path) -> None:
    journal = tmp_path / "none.sqlite"
    assert_one_line_error(run("status", "--journal", journal, "--sandbox"), "no campaign")
    assert not journal.exists()
    journal.write_bytes(b"")
    assert_one_line_error(run("status", "--journal", journal, "--sandbox"), "no campaign")


# -- against a sandbox server ------------------------------------------------------------


@pytest.mark.socket
def test_status_polls_a_campaign_sent_to_a_sandbox_server(
    tables: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server_url: str
) -> None:
    monkeypatch.setenv("TARGETSMS_LOGIN", "shop")
    monkeypatch.setenv("TARGETSMS_PASSWORD", PASSWORD)
    journal = tmp_path / "campaign.sqlite"
    sent = run(*send_args(tables, journal), "--base-url", server_url)
    assert sent.exit_code == 0, sent.output
    status = run(
        "status", "--journal", journal, "--base-url", server_url, "--no-progress",
        "--out", tmp_path / "statuses.csv",
    )  # fmt: skip
    assert status.exit_code == 0, status.output
    frame = tsf.read_journal(journal)
    sent_rows = frame[frame["send_state"] == "sent"]
    assert len(sent_rows) == 4 and sent_rows["is_final"].all()
    for word in sent_rows["status"].unique():
        assert word in status.stdout
    assert (tmp_path / "statuses.csv").exists()


@pytest.mark.socket
@pytest.mark.timeout(60)
def test_status_until_final_ends_and_names_the_ids_the_provider_does_not_know(
    tables: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server_url: str
) -> None:
    journal = tmp_path / "rehearsal.sqlite"
    assert run(*send_args(tables, journal), "--sandbox").exit_code == 0
    monkeypatch.setenv("TARGETSMS_LOGIN", "shop")
    monkeypatch.setenv("TARGETSMS_PASSWORD", PASSWORD)

    # the server's sandbox never issued the IDs the in-process one did
    status = run("status", "-j", journal, "--base-url", server_url, "--until-final")

    assert status.exit_code == 0, status.output
    assert "the provider does not know 4 message ID(s)" in status.stdout
    frame = tsf.read_journal(journal)
    for mid in frame.loc[frame["send_state"] == "sent", "message_id"]:
        assert f"message_id {mid}" in status.stdout
    assert (frame.loc[frame["send_state"] == "sent", "status"] == "Сообщение не найдено.").all()
    again = run("status", "-j", journal, "--base-url", server_url, "--until-final")
    assert again.exit_code == 0 and "does not know 4" in again.stdout


@pytest.mark.socket
def test_credentials_come_from_a_dotenv_file_in_the_current_folder(
    tables: tuple[Path, Path], tmp_path: Path, server_url: str
) -> None:
    (tmp_path / ".env").write_text(
        f"TARGETSMS_LOGIN=shop\nTARGETSMS_PASSWORD='{PASSWORD}'\nTARGETSMS_BASE_URL={server_url}\n",
        encoding="utf-8",
    )
    result = run(*send_args(tables, tmp_path / "campaign.sqlite"))
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output


@pytest.mark.socket
def test_the_password_never_appears_in_output_or_files(
    tables: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server_url: str
) -> None:
    monkeypatch.setenv("TARGETSMS_LOGIN", "shop")
    monkeypatch.setenv("TARGETSMS_PASSWORD", PASSWORD)
    journal = tmp_path / "campaign.sqlite"
    outputs = [
        run(*send_args(tables, journal), "--base-url", server_url, "-o", tmp_path / "r.xlsx"),
        run("status", "-j", journal, "--base-url", server_url, "-o", tmp_path / "s.csv"),
        run("report", "-j", journal, "--by", "template", "-o", tmp_path / "report.csv"),
        run(*send_args(tables, journal), "--base-url", "http://10.0.0.1/sendmessage.php"),
        run(
            *send_args(tables, tmp_path / "refused.sqlite"),
            "--base-url",
            f"http://127.0.0.1:{_free_port()}/sendmessage.php",
        ),
    ]
    assert [r.exit_code for r in outputs] == [0, 0, 0, 2, 1]
    for result in outputs:
        assert PASSWORD not in result.output
    secret = PASSWORD.encode()
    for path in tmp_path.iterdir():
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                assert all(secret not in book.read(name) for name in book.namelist())
        elif path.is_file() and path.name != ".env":
            assert secret not in path.read_bytes(), path.name


# -- real processes ----------------------------------------------------------------------


def _command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "targetsms_frames", *[str(a) for a in args]]


def test_python_m_runs_send_in_a_real_process(tables: tuple[Path, Path], tmp_path: Path) -> None:
    journal = tmp_path / "campaign.sqlite"
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    proc = subprocess.run(
        _command(*send_args(tables, journal), "--sandbox"),
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "journal:" in proc.stdout
    assert tsf.read_journal(journal)["send_state"].eq("sent").sum() == 4
    report = run("report", "--journal", journal)
    assert report.exit_code == 0 and "delivery_rate" in report.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.socket
def test_sandbox_command_serves_until_interrupted(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        _command("sandbox", "--port", str(port), "--status-delay", "0", "0"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()
        url = f"http://127.0.0.1:{port}/sendmessage.php"
        if url not in banner:
            proc.kill()
            pytest.fail(f"unexpected start: {banner!r} {proc.communicate(timeout=15)}")
        deadline = time.monotonic() + 15
        while True:
            try:
                reply = httpx.get(url, params={"login": "a", "password": "b", "id_message": "1"})
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the sandbox did not start"
                time.sleep(0.1)
        assert reply.status_code == 200 and reply.text
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert "sandbox stopped" in out
