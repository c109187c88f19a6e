"""The command line as an analyst uses it: preview with prices, a send that asks first, status
against a local sandbox with no credentials, files that open in a Russian Excel."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner, Result

import targetsms_frames as tsf
from targetsms_frames import _cli_inputs
from targetsms_frames._cli import app
from targetsms_frames.sandbox._server import serve

RECIPIENTS = """customer_id,name,phone,segment,template
C1,Анна,+7 (903) 000-00-01,new,promo
C2,Борис,8 926 000 00 02,loyal,promo
C3,Вера,79030000003,vip,cascade
C4,Глеб,12345,new,promo
"""
TEMPLATES = """template,send_viber,send_sms,sender_viber,text_viber,sender_sms,text_sms
promo,,1,,,Shop,"{name}, скидка 10% только сегодня"
cascade,1,2,Shop,"{name}, привет из Viber",Shop,"{name}, привет"
"""
ENV_NAMES = ("TARGETSMS_LOGIN", "TARGETSMS_PASSWORD", "TARGETSMS_BASE_URL")
# a server another process (the command) talks to: the sandbox runs on the real clock
pytestmark = pytest.mark.sandbox(clock="real", seed=0, status_delay=(0.0, 0.0))


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def tables(tmp_path: Path) -> tuple[Path, Path]:
    recipients, templates = tmp_path / "recipients.csv", tmp_path / "templates.csv"
    recipients.write_text(RECIPIENTS, encoding="utf-8")
    templates.write_text(TEMPLATES, encoding="utf-8")
    return recipients, templates


@pytest.fixture
def server_url(sandbox: tsf.Sandbox) -> Iterator[str]:
    with serve(sandbox) as url:
        yield url


def run(*args: str | Path, input: str | None = None) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args], input=input)


def send_args(tables: tuple[Path, Path], journal: Path, url: str) -> list[str | Path]:
    recipients, templates = tables
    return ["send", recipients, "-t", templates, "-j", journal, "--base-url", url, "--no-progress"]


def sends(sandbox: tsf.Sandbox) -> int:
    return sum(request.kind == "send" for request in sandbox.requests)


# -- preview -----------------------------------------------------------------------------


def test_preview_shows_parts_requests_and_cost_without_sending(
    tables: tuple[Path, Path], tmp_path: Path
) -> None:
    recipients, templates = tables
    out = tmp_path / "plan.xlsx"
    result = run(
        "preview", recipients, "-t", templates, "--price-sms", "4.5", "--price-viber", "2",
        "--out", out,
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "to send          3" in result.stdout and "skipped" in result.stdout
    # C1, C2: one UCS-2 part each at 4.5; C3: Viber first at 2 (SMS fallback 4.5 more)
    assert "cost             11.00" in result.stdout and "up to 15.50" in result.stdout
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["campaign", "plan"]
    values = {row[0].value: row[1].value for row in book["campaign"].iter_rows(min_row=2)}
    assert values["cost"] == 11.0 and values["cost at most"] == 15.5


# -- a real send asks first --------------------------------------------------------------


@pytest.mark.socket
def test_a_real_send_without_a_terminal_refuses_unless_yes(
    tables: tuple[Path, Path], tmp_path: Path, sandbox: tsf.Sandbox, server_url: str
) -> None:
    journal = tmp_path / "c.sqlite"

    refused = run(*send_args(tables, journal, server_url))

    assert refused.exit_code == 2
    assert "about to send 3 message(s)" in refused.stdout
    assert refused.stderr.startswith("error: ") and "--yes" in refused.stderr
    assert sends(sandbox) == 0
    agreed = run(*send_args(tables, journal, server_url), "--yes")
    assert agreed.exit_code == 0, agreed.output
    assert sends(sandbox) == 3 and "about to send" not in agreed.stdout


@pytest.mark.socket
def test_the_confirmation_shows_messages_requests_and_cost_and_obeys_the_answer(
    tables: tuple[Path, Path],
    tmp_path: Path,
    sandbox: tsf.Sandbox,
    server_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_cli_inputs, "interactive", lambda: True)
    journal = tmp_path / "c.sqlite"
    prices = ["--price-sms", "4.5", "--price-viber", "2"]

    declined = run(*send_args(tables, journal, server_url), *prices, input="n\n")

    assert declined.exit_code == 1 and "nothing sent" in declined.stdout
    assert "about to send 3 message(s) in 3 request(s)" in declined.stdout
    assert "SMS parts 3, Viber messages 1" in declined.stdout
    assert "cost 11.00 (up to 15.50" in declined.stdout and "Send now?" in declined.stdout
    assert sends(sandbox) == 0
    accepted = run(*send_args(tables, journal, server_url), *prices, input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert sends(sandbox) == 3
    again = run(*send_args(tables, journal, server_url), input="")
    assert again.exit_code == 0 and "Send now?" not in again.stdout  # nothing left to send


@pytest.mark.socket
def test_a_real_process_with_no_terminal_refuses_to_send(
    tables: tuple[Path, Path], tmp_path: Path, sandbox: tsf.Sandbox, server_url: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    env |= {"TARGETSMS_LOGIN": "shop", "TARGETSMS_PASSWORD": "pw"}
    args = [str(a) for a in send_args(tables, tmp_path / "c.sqlite", server_url)]
    proc = subprocess.run(
        [sys.executable, "-m", "targetsms_frames", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 2 and "no terminal to ask on" in proc.stderr
    assert "about to send 3 message(s)" in proc.stdout and "as 'shop'" in proc.stdout
    assert sends(sandbox) == 0


# -- status against a local sandbox ------------------------------------------------------


@pytest.mark.socket
def test_status_against_a_sandbox_server_works_end_to_end_without_credentials(
    tables: tuple[Path, Path], tmp_path: Path, sandbox: tsf.Sandbox, server_url: str
) -> None:
    journal = tmp_path / "c.sqlite"
    assert run(*send_args(tables, journal, server_url), "--yes").exit_code == 0

    status = run("status", "-j", journal, "--base-url", server_url, "--until-final")

    assert status.exit_code == 0, status.output
    assert "one check per message a minute" in status.stdout
    frame = tsf.read_journal(journal)
    sent = frame[frame["send_state"] == "sent"]
    truth = sandbox.messages.set_index("message_id")["final_status"]
    assert sent["status"].tolist() == truth.loc[sent["message_id"]].tolist()
    assert sent["is_final"].all()


# -- files for people --------------------------------------------------------------------


@pytest.mark.socket
def test_csv_output_has_semicolons_a_bom_and_times_in_the_zone_asked_for(
    tables: tuple[Path, Path], tmp_path: Path, server_url: str
) -> None:
    journal = tmp_path / "c.sqlite"
    assert run(*send_args(tables, journal, server_url), "--yes").exit_code == 0
    out = tmp_path / "statuses.csv"

    status = run(
        "status",
        "-j",
        journal,
        "--base-url",
        server_url,
        "--out",
        out,
        "--tz",
        "Asia/Yekaterinburg",
    )

    assert status.exit_code == 0, status.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("customer_id;name;phone;")
    frame = pd.read_csv(out, sep=";", encoding="utf-8-sig", dtype=str)
    assert frame["name"].tolist() == ["Анна", "Борис", "Вера", "Глеб"]
    journal_times = tsf.read_journal(journal)["sent_at"]
    expected = journal_times.dt.tz_convert("Asia/Yekaterinburg").dt.strftime("%Y-%m-%d %H:%M:%S")
    assert frame["sent_at"].fillna("").tolist() == expected.fillna("").tolist()


def test_report_by_operator_and_hour_with_prices_sums_cost(
    tables: tuple[Path, Path], tmp_path: Path
) -> None:
    journal = tmp_path / "c.sqlite"
    recipients, templates = tables
    sent = run("send", recipients, "-t", templates, "-j", journal, "--sandbox", "--no-progress")
    assert sent.exit_code == 0, sent.output
    out = tmp_path / "report.csv"

    report = run(
        "report", "-j", journal, "--by", "operator", "--price-sms", "4.5", "--price-viber", "2",
        "--out", out,
    )  # fmt: skip
    hourly = run("report", "-j", journal, "--by", "send_hour", "--tz", "UTC")

    assert report.exit_code == 0, report.output
    assert "Beeline" in report.stdout and "MegaFon" in report.stdout
    written = pd.read_csv(out, sep=";", decimal=",", encoding="utf-8-sig")
    assert written["cost"].sum() == pytest.approx(11.0)
    assert written["max_cost"].sum() == pytest.approx(15.5)
    assert hourly.exit_code == 0 and "send_hour" in hourly.stdout


# -- -d and the tables -------------------------------------------------------------------


def test_a_default_that_a_table_contradicts_is_an_error_naming_both(
    tables: tuple[Path, Path], tmp_path: Path
) -> None:
    recipients, templates = tables
    journal = tmp_path / "c.sqlite"
    base = ["send", recipients, "-t", templates, "-j", journal, "--sandbox", "--no-progress"]

    clash = run(*base, "-d", "sender_sms=Shop2")
    same = run(*base, "-d", "sender_sms=Shop")

    assert clash.exit_code == 2 and len(clash.stderr.strip().splitlines()) == 1
    assert "sender_sms" in clash.stderr and "templates" in clash.stderr
    assert "'Shop'" in clash.stderr and "-d only fills blank cells" in clash.stderr
    assert same.exit_code == 0, same.output
    assert set(tsf.read_journal(journal)["sender_sms"]) == {"Shop"}
