"""poll_statuses(): only sent, non-final rows; never the same ID twice inside the window."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import httpx
import pandas as pd
import pytest

import targetsms_frames as tsf


def _gaps(sandbox: tsf.Sandbox, ids: pd.Series) -> list[float]:
    gaps: list[float] = []
    for mid in ids:
        times = sandbox.status_checks(mid)
        gaps += [b - a for a, b in itertools.pairwise(times)]
    return gaps


def test_polling_until_final_never_checks_an_id_twice_within_the_window(
    sandbox: tsf.Sandbox, client: tsf.Client, make_messages: Callable[..., pd.DataFrame]
) -> None:
    sent = tsf.send(make_messages(60, texts=5), client, progress=False)

    out = tsf.poll_statuses(sent, client, until_final=True, progress=False)

    assert out["is_final"].all()
    assert set(out["status"]) <= {"deliver", "not_deliver", "expired", "partly_deliver", "read"}
    gaps = _gaps(sandbox, out["message_id"])
    assert gaps and min(gaps) >= client.duplicate_window
    assert not any("Попытка" in r.reply for r in sandbox.requests)
    truth = sandbox.messages.set_index("message_id")["final_status"]
    assert out["status"].tolist() == truth.loc[out["message_id"]].tolist()
    assert out["status_at"].dt.tz is not None


def test_one_round_checks_each_open_row_once_and_keeps_pending_ones_pending(
    sandbox: tsf.Sandbox, client: tsf.Client, make_messages: Callable[..., pd.DataFrame]
) -> None:
    sent = tsf.send(make_messages(10), client, progress=False)
    out = tsf.poll_statuses(sent, client, progress=False)
    assert (out["status"] == "send").all() and not out["is_final"].any()
    assert sum(r.kind == "status" for r in sandbox.requests) == 10
    again = tsf.poll_statuses(out, client, progress=False)  # inside the window: nothing asked
    assert sum(r.kind == "status" for r in sandbox.requests) == 10
    assert again["status"].tolist() == out["status"].tolist()


def test_only_sent_rows_are_checked(
    sandbox: tsf.Sandbox, client: tsf.Client, make_messages: Callable[..., pd.DataFrame]
) -> None:
    msgs = make_messages(5, texts=5)
    msgs.loc[0, "phone"] = "79000000000"  # stop-listed: failed
    msgs.loc[1, "phone"] = "123"  # invalid: skipped
    sent = tsf.send(msgs, client, progress=False)
    out = tsf.poll_statuses(sent, client, progress=False)
    assert out.loc[[0, 1], "status"].isna().all()
    assert sum(r.kind == "status" for r in sandbox.requests) == 3


def test_a_journal_keeps_check_times_so_another_process_respects_the_window(
    tmp_path: Path,
    sandbox: tsf.Sandbox,
    client: tsf.Client,
    make_messages: Callable[..., pd.DataFrame],
) -> None:
    journal = tmp_path / "c.sqlite"
    tsf.send(make_messages(8), client, journal=journal, progress=False)
    tsf.poll_statuses(journal=journal, client=client, progress=False)
    fresh = tsf.Client.sandbox(sandbox)  # a new client knows nothing of the earlier checks

    tsf.poll_statuses(journal=journal, client=fresh, progress=False)

    assert sum(r.kind == "status" for r in sandbox.requests) == 8
    stored = tsf.read_journal(journal)
    assert (stored["status"] == "send").all() and stored["status_checked_at"].notna().all()


def test_until_final_gives_up_at_the_timeout(
    clock: tsf.ManualClock, make_messages: Callable[..., pd.DataFrame]
) -> None:
    slow = tsf.Sandbox(clock=clock, status_delay=(10_000.0, 20_000.0))
    client = tsf.Client.sandbox(slow)
    sent = tsf.send(make_messages(3), client, progress=False)
    start = clock()
    out = tsf.poll_statuses(sent, client, until_final=True, timeout=600, progress=False)
    assert (out["status"] == "send").all()
    assert clock() - start <= 600 + client.duplicate_window


def test_an_unknown_status_word_is_final_and_kept_verbatim(
    make_messages: Callable[..., pd.DataFrame],
) -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        if "id_message" in request.url.params:
            return httpx.Response(200, text="seen_by_robot")
        return httpx.Response(200, text="1001,1002")

    client = tsf.Client("shop", "pw", transport=httpx.MockTransport(reply))
    sent = tsf.send(make_messages(2, texts=1), client, progress=False)
    out = tsf.poll_statuses(sent, client, progress=False)
    assert out["status"].tolist() == ["seen_by_robot", "seen_by_robot"]
    assert out["is_final"].all()
    report = tsf.delivery_report(out)
    assert int(report["other_final"].iloc[0]) == 2


def test_a_refusal_for_one_id_is_that_rows_final_answer(
    make_messages: Callable[..., pd.DataFrame], clock: tsf.ManualClock
) -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("id_message") == "1001":
            return httpx.Response(200, text="Сообщение не найдено.")
        if "id_message" in request.url.params:
            return httpx.Response(200, text="deliver")
        return httpx.Response(200, text="1001,1002")

    client = tsf.Client("shop", "pw", transport=httpx.MockTransport(reply), clock=clock)
    sent = tsf.send(make_messages(2, texts=1), client, progress=False)
    out = tsf.poll_statuses(sent, client, progress=False)
    assert out["status"].tolist() == ["Сообщение не найдено.", "deliver"]
    assert out["is_final"].all()


def test_a_journal_of_other_rows_is_refused(
    tmp_path: Path, client: tsf.Client, make_messages: Callable[..., pd.DataFrame]
) -> None:
    journal = tmp_path / "c.sqlite"
    tsf.send(make_messages(4), client, journal=journal, progress=False)
    other = tsf.send(make_messages(3, start=79005000000), client, progress=False)
    with pytest.raises(tsf.JournalMismatchError):
        tsf.poll_statuses(other, client, journal=journal, progress=False)
