"""send(): the campaign engine against the in-process sandbox (and a few scripted providers)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import httpx
import pandas as pd
import pytest

import targetsms_frames as tsf
from targetsms_frames._wire import DUPLICATE_TEXT
from targetsms_frames.journal import SQLiteJournal

PASSWORD = "Zx9-very+secret&pw%"


def _by_id(sandbox: tsf.Sandbox) -> pd.DataFrame:
    return sandbox.messages.set_index("message_id")


def _sends(sandbox: tsf.Sandbox) -> int:
    return sum(1 for r in sandbox.requests if r.kind == "send")


def test_a_1000_row_campaign_joins_every_id_to_its_own_row(
    sandbox: tsf.Sandbox, client: tsf.Client, make_messages: Callable[..., pd.DataFrame]
) -> None:
    shared = make_messages(600, texts=3)
    personal = make_messages(400, start=79002000000)
    personal["text_sms"] = [f"Анна {i}, ваш бонус {i * 7} руб." for i in range(400)]
    msgs = pd.concat([shared, personal], ignore_index=True).sample(frac=1.0, random_state=3)

    out = tsf.send(msgs, client, progress=False)

    assert list(out.index) == list(msgs.index)
    assert (out["send_state"] == "sent").all()
    assert out["customer_id"].tolist() == msgs["customer_id"].tolist()
    recorded = _by_id(sandbox)
    assert len(recorded) == 1000 and recorded.index.is_unique
    joined = recorded.loc[out["message_id"]]
    assert joined["phone"].tolist() == out["phone"].tolist()
    assert joined["text_sms"].tolist() == out["text_sms"].tolist()
    # identical texts share requests: far fewer requests than rows
    assert _sends(sandbox) == out["request_id"].nunique() < 420
    assert out["sent_at"].dt.tz is not None


def test_resuming_with_the_same_journal_sends_nothing_again(
    tmp_path: Path,
    sandbox: tsf.Sandbox,
    client: tsf.Client,
    make_messages: Callable[..., pd.DataFrame],
) -> None:
    msgs = make_messages(50)
    journal = tmp_path / "campaign.sqlite"
    first = tsf.send(msgs, client, journal=journal, progress=False)
    before = _sends(sandbox)

    again = tsf.send(msgs, client, journal=journal, progress=False)

    assert _sends(sandbox) == before
    pd.testing.assert_frame_equal(first, again)


def test_a_journal_of_another_campaign_is_refused(
    tmp_path: Path, client: tsf.Client, make_messages: Callable[..., pd.DataFrame]
) -> None:
    journal = tmp_path / "campaign.sqlite"
    tsf.send(make_messages(5), client, journal=journal, progress=False)
    other = make_messages(5)
    other.loc[2, "text_sms"] = "something else"
    with pytest.raises(tsf.JournalMismatchError, match="1 phone edited"):
        tsf.send(other, client, journal=journal, progress=False)


def test_own_columns_may_change_without_breaking_resume(
    tmp_path: Path,
    sandbox: tsf.Sandbox,
    client: tsf.Client,
    make_messages: Callable[..., pd.DataFrame],
) -> None:
    msgs = make_messages(10)
    journal = tmp_path / "c.sqlite"
    tsf.send(msgs, client, journal=journal, progress=False)
    out = tsf.send(msgs.assign(note="checked"), client, journal=journal, progress=False)
    assert (out["send_state"] == "sent").all() and _sends(sandbox) == 3


@pytest.mark.parametrize(
    "fault", ["drop_before", "drop_after", "timeout_after", "http_500", "garbage"]
)
def test_an_ambiguous_reply_marks_the_request_unknown_and_it_is_never_resent(
    tmp_path: Path,
    sandbox: tsf.Sandbox,
    client: tsf.Client,
    make_messages: Callable[..., pd.DataFrame],
    fault: str,
) -> None:
    msgs = make_messages(30, texts=3)
    journal = tmp_path / "c.sqlite"
    sandbox.inject(fault, count=1)  # type: ignore[arg-type]

    out = tsf.send(msgs, client, journal=journal, progress=False, concurrency=1)

    unknown = out[out["send_state"] == "unknown"]
    assert len(unknown) == 10 and unknown["request_id"].nunique() == 1
    assert unknown["message_id"].isna().all() and unknown["send_error"].notna().all()
    assert (out["send_state"] != "failed").all()  # an accepted row is never called failed
    sends = _sends(sandbox)
    resumed = tsf.send(msgs, client, journal=journal, progress=False)
    assert _sends(sandbox) == sends
    assert resumed["send_state"].tolist() == out["send_state"].tolist()
    # every sent row carries an ID the provider really gave, for that phone
    recorded = _by_id(sandbox)
    sent = out[out["send_state"] == "sent"]
    assert recorded.loc[sent["message_id"], "phone"].tolist() == sent["phone"].tolist()
    # no phone ever reached the provider twice
    assert recorded["phone"].is_unique


def test_a_refused_connection_leaves_rows_planned_and_resume_sends_them(
    tmp_path: Path,
    sandbox: tsf.Sandbox,
    client: tsf.Client,
    make_messages: Callable[..., pd.DataFrame],
) -> None:
    msgs = make_messages(9, texts=3)
    journal = tmp_path / "c.sqlite"
    sandbox.inject("refuse", count=client.retries + 1)

    out = tsf.send(msgs, client, journal=journal, progress=False, concurrency=1)

    planned = out[out["send_state"] == "planned"]
    assert len(planned) == 3 and planned["send_error"].str.contains("nothing was sent").all()
    resumed = tsf.send(msgs, client, journal=journal, progress=False)
    assert (resumed["send_state"] == "sent").all()
    assert sandbox.messages["phone"].is_unique and len(sandbox.messages) == 9


def test_a_stop_listed_phone_fails_alone_and_the_other_phones_are_sent(
    sandbox: tsf.Sandbox, client: tsf.Client, make_messages: Callable[..., pd.DataFrame]
) -> None:
    msgs = make_messages(12, texts=1)
    msgs.loc[7, "phone"] = "79000000000"

    out = tsf.send(msgs, client, progress=False)

    assert out.loc[7, "send_state"] == "failed"
    assert out.loc[7, "send_error"] == "Номер телефона присутствует в стоп-листе."
    assert (out.drop(index=7)["send_state"] == "sent").all()
    recorded = sandbox.messages
    assert sorted(recorded["phone"]) == sorted(out.drop(index=7)["phone"])
    assert (
        _by_id(sandbox).loc[out.drop(index=7)["message_id"], "phone"].tolist()
        == out.drop(index=7)["phone"].tolist()
    )


def _scripted(reply: Callable[[httpx.Request], httpx.Response]) -> tsf.Client:
    return tsf.Client("shop", PASSWORD, transport=httpx.MockTransport(reply), retries=0)


def test_a_blocked_account_stops_the_campaign_and_leaves_every_row_to_send_later(
    make_messages: Callable[..., pd.DataFrame],
) -> None:
    calls: list[httpx.Request] = []

    def reply(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, text="Аккаунт заблокирован.")

    out = tsf.send(make_messages(9, texts=3), _scripted(reply), progress=False, concurrency=1)

    assert len(calls) == 1
    # the refused request sent nothing and concerns the account: its rows wait with the rest
    assert (out["send_state"] == "planned").all()
    assert out["send_error"].str.contains("stopped early").all()
    assert out["send_error"].str.contains("Аккаунт заблокирован.").all()


def test_the_providers_duplicate_text_means_the_rows_may_be_out(
    make_messages: Callable[..., pd.DataFrame],
) -> None:
    client = _scripted(lambda r: httpx.Response(200, text=DUPLICATE_TEXT))
    out = tsf.send(make_messages(3, texts=1), client, progress=False)
    assert (out["send_state"] == "unknown").all()
    assert out["send_error"].str.startswith(DUPLICATE_TEXT).all()


def test_held_for_funds_is_unknown_not_failed(make_messages: Callable[..., pd.DataFrame]) -> None:
    text = (
        "Недостаточно средств для отправки SMS. SMS будет отправлена как только вы пополните "
        "счет по данному направлению."
    )
    out = tsf.send(
        make_messages(2, texts=1),
        _scripted(lambda r: httpx.Response(200, text=text)),
        progress=False,
    )
    assert (out["send_state"] == "unknown").all()


def test_many_ambiguous_replies_in_a_row_stop_the_campaign(
    make_messages: Callable[..., pd.DataFrame],
) -> None:
    calls: list[int] = []

    def reply(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(503, text="<html>busy</html>")

    out = tsf.send(
        make_messages(40, texts=40),
        _scripted(reply),
        progress=False,
        concurrency=1,
        max_unknown_in_a_row=4,
    )
    assert len(calls) == 4
    assert (out["send_state"] == "unknown").sum() == 4
    assert (out["send_state"] == "planned").sum() == 36


def test_a_dry_run_sends_nothing(
    sandbox: tsf.Sandbox, client: tsf.Client, make_messages: Callable[..., pd.DataFrame]
) -> None:
    out = tsf.send(make_messages(6), client, dry_run=True, progress=False)
    assert (out["send_state"] == "planned").all() and out["request_id"].notna().all()
    assert sandbox.requests == []


def test_invalid_and_duplicate_rows_are_skipped_with_their_reason(
    sandbox: tsf.Sandbox, client: tsf.Client, make_messages: Callable[..., pd.DataFrame]
) -> None:
    msgs = make_messages(4, texts=1)
    msgs.loc[1, "phone"] = "12345"
    msgs.loc[3] = msgs.loc[2]
    out = tsf.send(msgs, client, progress=False)
    assert out["send_state"].tolist() == ["sent", "skipped", "sent", "skipped"]
    assert "phone" in out.loc[1, "send_error"]
    assert "duplicate" in out.loc[3, "send_error"]
    assert len(sandbox.messages) == 2


def test_a_request_in_flight_when_the_run_died_becomes_unknown_on_resume(
    tmp_path: Path,
    sandbox: tsf.Sandbox,
    client: tsf.Client,
    make_messages: Callable[..., pd.DataFrame],
) -> None:
    msgs = make_messages(9, texts=3)
    journal = tmp_path / "c.sqlite"
    # the campaign is written, but nothing went: the provider could not be reached
    sandbox.inject("refuse", count=(client.retries + 1) * 3)
    tsf.send(msgs, client, journal=journal, progress=False, concurrency=1)
    # a run that died after claiming R000002 (committed in flight) and before its reply
    store = SQLiteJournal.open(journal)
    dead = store.register()
    claimed = store.claim(dead, 1, due_by=None, exclude={"R000001", "R000003"})
    assert [r.request_id for r in claimed] == ["R000002"]
    store.close()  # gone without finishing: its process no longer runs it
    before = _sends(sandbox)
    sandbox.clock.advance(60)  # type: ignore[attr-defined]

    out = tsf.send(msgs, client, journal=journal, progress=False)

    assert _sends(sandbox) == before + 2  # R000001 and R000003, not R000002
    assert (out.loc[out["request_id"] == "R000002", "send_state"] == "unknown").all()
    assert (
        out.loc[out["request_id"] == "R000002", "send_error"]
        .str.contains("may have been sent")
        .all()
    )


def test_the_password_never_reaches_the_journal_or_the_results(
    tmp_path: Path, sandbox: tsf.Sandbox, make_messages: Callable[..., pd.DataFrame]
) -> None:
    client = tsf.Client.sandbox(sandbox, login="shop", password=PASSWORD)
    sandbox.inject("http_500", count=1)
    journal = tmp_path / "c.sqlite"
    out = tsf.send(make_messages(20), client, journal=journal, progress=False)
    from urllib.parse import quote

    forms = [PASSWORD, quote(PASSWORD, safe=""), quote(PASSWORD)]
    blob = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    text = out.to_csv()
    for form in forms:
        assert form.encode() not in blob
        assert form not in text


def test_sending_paces_requests_at_the_given_rate(
    clock: tsf.ManualClock,
    sandbox: tsf.Sandbox,
    client: tsf.Client,
    make_messages: Callable[..., pd.DataFrame],
) -> None:
    start = clock()
    tsf.send(make_messages(20, texts=20), client, progress=False, rate=2.0, concurrency=1)
    times = [r.time for r in sandbox.requests]
    assert len(times) == 20
    assert all(b - a >= 0.5 - 1e-9 for a, b in itertools.pairwise(times))
    assert clock() - start >= 9.5


def test_an_async_client_is_refused_before_anything_happens(
    sandbox: tsf.Sandbox, make_messages: Callable[..., pd.DataFrame]
) -> None:
    with pytest.raises(TypeError, match=r"tsf\.Client"):
        tsf.send(make_messages(2), tsf.AsyncClient.sandbox(sandbox), progress=False)  # type: ignore[arg-type]
    assert sandbox.requests == []


def test_an_interrupt_before_a_request_leaves_puts_it_back_to_planned(
    tmp_path: Path, sandbox: tsf.Sandbox, make_messages: Callable[..., pd.DataFrame]
) -> None:
    client = tsf.Client.sandbox(sandbox)
    waits = 0

    def sleep(seconds: float) -> None:
        nonlocal waits
        waits += 1
        if waits == 3:
            raise KeyboardInterrupt

    client._sleep = sleep  # the rate limiter's sleep: interrupted between two requests
    journal = tmp_path / "c.sqlite"
    msgs = make_messages(8, texts=8)
    with pytest.raises(KeyboardInterrupt):
        tsf.send(msgs, client, journal=journal, progress=False, rate=1.0, concurrency=8)
    states = tsf.read_journal(journal)["send_state"]
    sent = int((states == "sent").sum())
    assert sent == sum(r.kind == "send" for r in sandbox.requests)
    assert (states == "planned").sum() == 8 - sent  # none stranded as unknown
    resumed = tsf.send(msgs, tsf.Client.sandbox(sandbox), journal=journal, progress=False)
    assert (resumed["send_state"] == "sent").all()
    assert sandbox.messages["phone"].is_unique


def test_columns_of_yours_named_like_the_results_are_left_out_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # a CRM export with a customer status, an order cost and a date of its own
    msgs = pd.DataFrame(
        {
            "phone": ["79005550001", "79005550002"],
            "send_sms": 1,
            "sender_sms": "Shop",
            "text_sms": "Скидка",
            "status": ["active", "blocked"],
            "cost": ["4,5", "2,2"],
            "sent_at": ["2026-01-01", "2026-02-01"],
            "customer": ["C1", "C2"],
        }
    )
    sandbox = tsf.Sandbox(clock=tsf.ManualClock())
    client = tsf.Client.sandbox(sandbox)
    plan = tsf.preview(msgs, client)
    summary = tsf.summarize(plan)
    assert summary.cost is None and summary.first_sent is None  # none of theirs counted
    with caplog.at_level("WARNING", logger="targetsms_frames"):
        out = tsf.send(msgs, client, journal=tmp_path / "c.sqlite", progress=False, price_sms=2.0)
    assert "'status', 'cost', 'sent_at'" in caplog.text
    assert out["customer"].tolist() == ["C1", "C2"]  # the rest of theirs is carried along
    assert out["cost"].tolist() == [2.0, 2.0] and "status" not in out
    assert out["sent_at"].notna().all() and (out["send_state"] == "sent").all()
    assert tsf.summarize(out).cost == 4.0


def test_the_readme_lists_every_column_the_results_keep_for_themselves() -> None:
    from targetsms_frames._prepare import RESULT_COLUMNS

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index("**Your columns named like the results.**")
    bullet = readme[start : readme.index("\n- ", start)]
    assert {name for name in RESULT_COLUMNS if f"`{name}`" not in bullet} == set()
