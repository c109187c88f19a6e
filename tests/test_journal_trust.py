"""The journal where users break it: a cell run twice, a rehearsal's journal used for real,
another login, a recipient added late, a wrong password fixed, a journal moved after a crash,
a journal written by an earlier version."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pandas as pd
import pytest

import targetsms_frames as tsf
from targetsms_frames.sandbox import Sandbox

DATA = Path(__file__).parent / "data"
# the sandbox remembers no identical request: a second send of the same message would show
pytestmark = pytest.mark.sandbox(duplicate_window=0.0)


def _messages(n: int = 5, start: int = 79003000000) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer": [f"C{i}" for i in range(n)],
            "phone": [str(start + i) for i in range(n)],
            "send_sms": 1,
            "sender_sms": "Shop",
            "text_sms": "Скидка 10% только сегодня",
        }
    )


# -- the same cell, run twice ------------------------------------------------------------------


def test_the_same_cell_run_twice_without_a_journal_sends_nothing_the_second_time(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture, _journal_dir: Path
) -> None:
    client = tsf.Client.sandbox(sandbox)
    first = tsf.send(_messages(), client, progress=False)
    sandbox.clock.advance(3600)  # type: ignore[attr-defined]  # long after the one-minute rule
    with caplog.at_level(logging.WARNING, logger="targetsms_frames"):
        second = tsf.send(_messages(), client, progress=False)
    assert len(sandbox.messages) == 5
    assert second["message_id"].equals(first["message_id"])
    journal = first.attrs["journal"]
    assert Path(journal).parent == _journal_dir and "nothing was sent again" in caplog.text
    assert journal in caplog.text  # says which journal holds the campaign
    # a new kernel (a new client for the same endpoint and login) finds it too
    third = tsf.send(_messages(), tsf.Client.sandbox(sandbox), progress=False)
    assert len(sandbox.messages) == 5 and (third["send_state"] == "sent").all()


def test_without_any_journal_a_repeat_within_a_minute_is_still_refused(sandbox: Sandbox) -> None:
    client = tsf.Client.sandbox(sandbox)
    tsf.send(_messages(), client, journal=False, progress=False)
    again = tsf.send(_messages(), client, journal=False, progress=False)
    assert len(sandbox.messages) == 5
    assert (again["send_state"] == "skipped").all()
    assert again["send_error"].str.contains("less than a minute ago").all()


def test_a_dry_run_creates_no_journal(sandbox: Sandbox, _journal_dir: Path) -> None:
    out = tsf.send(_messages(), tsf.Client.sandbox(sandbox), dry_run=True, progress=False)
    assert (out["send_state"] == "planned").all()
    assert list(_journal_dir.iterdir()) == []


# -- a journal belongs to one endpoint and one login -------------------------------------------


def test_a_sandbox_rehearsals_journal_is_never_resumed_against_the_real_endpoint(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    journal = tmp_path / "spring.sqlite"
    tsf.send(_messages(), tsf.Client.sandbox(sandbox), journal=journal, progress=False)
    provider = Sandbox(clock=tsf.ManualClock())
    real = tsf.Client("shop", "s3cret&x", transport=provider.transport())  # the real URL
    with pytest.raises(tsf.JournalMismatchError) as info:
        tsf.send(_messages(), real, journal=journal, progress=False)
    message = str(info.value)
    assert sandbox.base_url in message and "https://sms.targetsms.ru/sendmessage.php" in message
    assert "shop" not in message and "s3cret" not in message
    assert provider.requests == []
    # without journal=, the real send is a campaign of its own: the provider never got it
    out = tsf.send(_messages(), real, progress=False)
    assert (out["send_state"] == "sent").all() and len(provider.messages) == 5


def test_a_journal_is_refused_to_another_login_without_naming_either(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    journal = tmp_path / "spring.sqlite"
    tsf.send(
        _messages(), tsf.Client.sandbox(sandbox, login="shop-a"), journal=journal, progress=False
    )
    with pytest.raises(tsf.JournalMismatchError, match="another login") as info:
        tsf.send(
            _messages(),
            tsf.Client.sandbox(sandbox, login="shop-b"),
            journal=journal,
            progress=False,
        )
    assert "shop-a" not in str(info.value) and "shop-b" not in str(info.value)
    assert b"shop-a" not in journal.read_bytes()  # the login is kept only as a salted hash
    assert len(sandbox.messages) == 5


# -- a changed frame -------------------------------------------------------------------------


def test_a_late_recipient_and_an_edited_text_are_explained_and_extend_sends_only_new_phones(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    journal = tmp_path / "spring.sqlite"
    client = tsf.Client.sandbox(sandbox)
    tsf.send(_messages(), client, journal=journal, progress=False)
    changed = pd.concat([_messages(), _messages(1, start=79003000099)], ignore_index=True)
    changed.loc[2, "text_sms"] = "Скидка 15% только сегодня"
    with pytest.raises(tsf.JournalMismatchError) as info:
        tsf.send(changed, client, journal=journal, progress=False)
    message = str(info.value)
    assert "1 phone added: 79003000099" in message
    assert "1 phone edited" in message and "79003000002" in message
    assert "extend=True" in message and "new journal" not in message
    assert len(sandbox.messages) == 5

    out = tsf.send(changed, client, journal=journal, extend=True, progress=False)
    assert len(sandbox.messages) == 6
    assert sandbox.messages["phone"].is_unique
    assert out.loc[5, "send_state"] == "sent"
    assert out.loc[2, "send_state"] == "skipped"
    assert "already has a message sent" in out.loc[2, "send_error"]
    assert "R000001" in out.loc[2, "send_error"]
    assert (out.drop(index=[2, 5])["send_state"] == "sent").all()
    # the extended frame now resumes as it is; the original one still does too
    assert (
        tsf.send(changed, client, journal=journal, progress=False)["send_state"]
        == out["send_state"]
    ).all()
    tsf.send(_messages(), client, journal=journal, progress=False)
    assert len(sandbox.messages) == 6
    assert len(tsf.read_journal(journal)) == 7  # every row the campaign ever had


def test_a_dry_run_of_an_extension_shows_the_new_rows_and_writes_nothing(
    sandbox: Sandbox, journal_spec: str
) -> None:
    journal = journal_spec
    client = tsf.Client.sandbox(sandbox)
    tsf.send(_messages(2), client, journal=journal, progress=False)
    file = None if "://" in journal else Path(journal)
    before = None if file is None else file.read_bytes()
    longer = pd.concat([_messages(2), _messages(1, start=79003000099)], ignore_index=True)
    dry = tsf.send(longer, client, journal=journal, extend=True, dry_run=True, progress=False)
    assert dry["send_state"].tolist() == ["sent", "sent", "planned"]
    assert len(tsf.read_journal(journal)) == 2
    assert file is None or file.read_bytes() == before
    # so the campaign's own frame sends nothing more, and the extension is still to come
    tsf.send(_messages(2), client, journal=journal, progress=False)
    assert len(sandbox.messages) == 2
    tsf.send(longer, client, journal=journal, extend=True, progress=False)
    assert sandbox.messages["phone"].tolist()[-1] == "79003000099" and len(sandbox.messages) == 3


def test_the_same_rows_in_another_order_resume_the_campaign(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    journal = tmp_path / "spring.sqlite"
    client = tsf.Client.sandbox(sandbox)
    first = tsf.send(_messages(), client, journal=journal, progress=False)
    shuffled = _messages().iloc[[3, 1, 4, 0, 2]].assign(note="sorted by hand")
    again = tsf.send(shuffled, client, journal=journal, progress=False)
    assert len(sandbox.messages) == 5
    assert again.index.tolist() == [3, 1, 4, 0, 2]
    assert again["message_id"].tolist() == first.loc[[3, 1, 4, 0, 2], "message_id"].tolist()


def test_an_automatic_journal_catches_a_rerun_after_a_recipient_was_added(
    sandbox: Sandbox,
) -> None:
    client = tsf.Client.sandbox(sandbox)
    tsf.send(_messages(), client, progress=False)
    grown = pd.concat([_messages(), _messages(1, start=79003000099)], ignore_index=True)
    with pytest.raises(tsf.JournalMismatchError, match="journal=False") as info:
        tsf.send(grown, client, progress=False)
    assert "1 phone added" in str(info.value)
    out = tsf.send(grown, client, extend=True, progress=False)
    assert len(sandbox.messages) == 6 and out["send_state"].eq("sent").all()
    assert len(tsf.send(grown, client, progress=False)) == 6  # and a rerun finds it
    assert len(sandbox.messages) == 6


# -- refusals of the whole account --------------------------------------------------------------


def test_a_wrong_password_stops_at_once_and_once_fixed_each_message_goes_once(
    tmp_path: Path,
) -> None:
    sandbox = Sandbox(clock=tsf.ManualClock(), credentials=("shop", "right"))
    journal = tmp_path / "spring.sqlite"
    msgs = _messages(30).assign(text_sms=[f"Заказ {i}" for i in range(30)])
    wrong = tsf.Client.sandbox(sandbox, login="shop", password="wrong")
    out = tsf.send(msgs, wrong, journal=journal, progress=False, concurrency=1)
    assert len(sandbox.requests) == 1 and len(sandbox.messages) == 0
    assert (out["send_state"] == "planned").all()
    assert out["send_error"].str.contains("Неверный логин или пароль").all()
    right = tsf.Client.sandbox(sandbox, login="shop", password="right")
    fixed = tsf.send(msgs, right, journal=journal, progress=False)
    assert (fixed["send_state"] == "sent").all()
    assert len(sandbox.messages) == 30 and sandbox.messages["phone"].is_unique


def test_the_same_unknown_refusal_in_a_row_stops_and_the_rows_wait(tmp_path: Path) -> None:
    sandbox = Sandbox(clock=tsf.ManualClock())
    state = {"refuse": True}

    def reply(request: httpx.Request) -> httpx.Response:
        if state["refuse"]:
            return httpx.Response(200, text="Доступ к API временно ограничен.")
        return sandbox.transport().handle_request(request)

    client = tsf.Client("shop", "pw", transport=httpx.MockTransport(reply), clock=sandbox.clock)
    msgs = _messages(20).assign(text_sms=[f"Заказ {i}" for i in range(20)])
    journal = tmp_path / "c.sqlite"
    out = tsf.send(msgs, client, journal=journal, progress=False, concurrency=1)
    assert (out["send_state"] == "planned").all()  # the three refused ones too
    assert out["send_error"].str.contains("same text").all()
    state["refuse"] = False
    start = sandbox.clock()
    again = tsf.send(msgs, client, journal=journal, progress=False)
    assert (again["send_state"] == "sent").all() and len(sandbox.messages) == 20
    # the three refused a moment ago were retried once the one-minute rule allowed it
    assert sandbox.clock() - start >= 60


# -- a journal moved after a crash, a journal of an earlier version ------------------------------

_KILLED_SENDER = textwrap.dedent(
    """
    import io, os, signal, sys
    import httpx, pandas as pd
    import targetsms_frames as tsf

    def provider(request):
        if "79003000001" in str(request.url):  # the second request: the power goes
            os.kill(os.getpid(), signal.SIGKILL)
        return httpx.Response(200, text="1179000001")

    client = tsf.Client("sandbox", "sandbox", base_url=sys.argv[2],
                        transport=httpx.MockTransport(provider))
    msgs = pd.read_json(io.StringIO(sys.argv[3]), dtype=False)
    tsf.send(msgs, client, journal=sys.argv[1], progress=False, concurrency=1)
    """
)


def test_a_journal_moved_without_its_wal_after_a_crash_is_refused_and_with_it_resumes(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    journal = tmp_path / "spring.sqlite"
    msgs = _messages(6).assign(text_sms=[f"Заказ {i}" for i in range(6)])
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_SENDER, str(journal), sandbox.base_url, msgs.to_json()],
        check=False,
    )
    assert killed.returncode == -9  # killed mid-request, as a power cut would
    assert Path(str(journal) + "-wal").exists()
    moved = tmp_path / "moved"
    moved.mkdir()
    shutil.copy(journal, moved / "spring.sqlite")  # the main file alone
    client = tsf.Client.sandbox(sandbox)
    with pytest.raises(tsf.JournalError, match="-wal"):
        tsf.send(msgs, client, journal=moved / "spring.sqlite", progress=False)
    assert sandbox.requests == []
    shutil.copy(str(journal) + "-wal", moved / "spring.sqlite-wal")  # now with its -wal
    out = tsf.send(msgs, client, journal=moved / "spring.sqlite", progress=False)
    assert out["send_state"].tolist() == ["sent", "unknown"] + ["sent"] * 4
    assert out.loc[0, "message_id"] == "1179000001"
    assert sandbox.messages["phone"].tolist() == msgs["phone"].tolist()[2:]


def _schema_1_messages() -> pd.DataFrame:
    """The frame the journal of an earlier version (tests/data) was written for."""
    return pd.DataFrame(
        {
            "customer": ["a", "b", "c", "d", "e", "f"],
            "phone": [
                "+7 900 100-00-01",
                "79001000002",
                "79001000003",
                "79001000004",
                "79001000005",
                "79001000006",
            ],
            "send_sms": [1, 1, 1, 1, 1, None],
            "sender_sms": "Shop",
            "text_sms": ["Привет, Анна", "Привет", "Привет", "Скидка 5%", "Скидка 5%", "Привет"],
        }
    )


def test_a_journal_written_by_an_earlier_version_resumes(tmp_path: Path) -> None:
    journal = tmp_path / "old.sqlite"
    shutil.copy(DATA / "journal-schema-1.sqlite", journal)
    sandbox = Sandbox(clock=tsf.ManualClock())
    msgs = _schema_1_messages()
    out = tsf.send(msgs, tsf.Client.sandbox(sandbox), journal=journal, progress=False)
    assert out["send_state"].tolist() == ["sent"] * 5 + ["skipped"]
    assert sandbox.messages["phone"].tolist() == ["79001000001"]  # only the one left planned
    assert out.loc[1, "message_id"] == "1179438981"  # the earlier run's IDs are kept
    again = tsf.send(msgs, tsf.Client.sandbox(sandbox), journal=journal, progress=False)
    assert len(sandbox.messages) == 1 and again["send_state"].tolist() == out["send_state"].tolist()


def test_a_journal_of_an_earlier_version_refuses_an_edited_frame_naming_the_phone(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "old.sqlite"
    shutil.copy(DATA / "journal-schema-1.sqlite", journal)
    sandbox = Sandbox(clock=tsf.ManualClock())
    msgs = _schema_1_messages()
    msgs.loc[0, "text_sms"] = "Привет, Аня"  # the row still planned there
    with pytest.raises(tsf.JournalMismatchError, match=r"1 phone edited.*79001000001"):
        tsf.send(msgs, tsf.Client.sandbox(sandbox), journal=journal, progress=False)
    assert sandbox.requests == []
