"""One suite for both journal stores, SQLite and a real PostgreSQL: what the campaign engine,
polling, reports and the command line rely on."""

from __future__ import annotations

import dataclasses
import os
import signal
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import targetsms_frames as tsf
from targetsms_frames.journal import (
    Binding,
    CampaignRecord,
    JournalRequest,
    JournalStore,
    KeptSchedule,
    open_journal,
)
from targetsms_frames.journal.liveness import running


def _request(number: int, positions: tuple[int, ...]) -> JournalRequest:
    return JournalRequest(
        f"R{number:06d}",
        {"send_sms": 1, "sender_sms": "Shop", "text_sms": f"text {number}"},
        tuple(f"7900100{p:04d}" for p in positions),
        positions,
        120,
        zone="Asia/Vladivostok" if number == 2 else "Europe/Moscow",
    )


def _campaign(n_requests: int = 5) -> CampaignRecord:
    requests = [_request(i + 1, (2 * i, 2 * i + 1)) for i in range(n_requests)]
    n = 2 * n_requests
    rows = pd.DataFrame(
        {
            "request_id": [f"R{p // 2 + 1:06d}" for p in range(n)],
            "phone": [f"7900100{p:04d}" for p in range(n)],
            "msg_key": [f"k{p}" for p in range(n)],
            "send_state": "planned",
            "send_error": None,
        }
    )
    frame = pd.DataFrame({"phone": rows["phone"], "name": [f"N{p}" for p in range(n)]})
    frame.index = pd.Index([f"row{p}" for p in range(n)])
    return CampaignRecord(
        "fp-1", Binding.new("https://x/sendmessage.php", "shop"), frame, rows, requests
    )


@pytest.fixture
def store(journal_spec: str) -> JournalStore:
    opened = open_journal(journal_spec)
    assert opened.create(_campaign())
    yield opened
    opened.close()


def test_a_campaign_reads_back_as_written(journal_spec: str) -> None:
    store = open_journal(journal_spec)
    assert store.fingerprint() is None
    record = _campaign()
    assert store.create(record)
    assert not store.create(record)  # a second writer finds it there: nothing written twice
    assert store.fingerprint() == "fp-1"
    assert store.binding() == record.binding
    assert store.binding().matches("https://x/sendmessage.php", "shop")  # type: ignore[union-attr]
    pd.testing.assert_frame_equal(store.load_input(), record.input_frame)
    rows = store.rows()
    assert rows.index.tolist() == list(range(10))
    assert rows["send_state"].eq("planned").all() and rows["msg_key"].tolist()[0] == "k0"
    np.testing.assert_array_equal(store.version("fp-1"), np.arange(10))  # type: ignore[arg-type]
    assert store.version("other") is None
    assert store.requests()["request_id"].tolist() == [f"R{i:06d}" for i in range(1, 6)]
    assert store.next_request_number() == 6
    assert store.planned_count() == 5
    store.close()
    again = open_journal(journal_spec)  # and after reopening
    assert again.fingerprint() == "fp-1" and again.planned_count() == 5
    again.close()


def test_claims_come_in_plan_order_and_respect_limit_schedule_and_exclusions(
    store: JournalStore,
) -> None:
    store.schedule([("Asia/Vladivostok", 2_000_000_000.0, 2_000_040_000.0)])
    store.schedule([("Europe/Moscow", 900_000_000.0, 1_000_000_001.0)])
    assert store.planned_zones() == {"Asia/Vladivostok": 2, "Europe/Moscow": 8}
    sender = store.register()
    with running(sender.sender_id):
        first = store.claim(sender, 2, due_by=1_000_000_000.0, exclude={"R000001"})
        assert [r.request_id for r in first] == ["R000003", "R000004"]
        assert first[0].positions == (4, 5) and first[0].phones == ("79001000004", "79001000005")
        assert first[0].params["text_sms"] == "text 3"
        assert store.claim(sender, 10, due_by=2_000_040_000.0) == []  # both windows closed
        rest = store.claim(sender, 10, due_by=None)
        assert [r.request_id for r in rest] == ["R000001", "R000002", "R000005"]
        assert store.claim(sender, 10, due_by=None) == []
        assert store.planned_count() == 0


def test_planned_requests_move_to_their_rows_zones_and_a_claimed_one_stays_put(
    store: JournalStore,
) -> None:
    planned = {r.request_id: r for r in store.planned_requests()}
    assert list(planned) == ["R000001", "R000002", "R000003", "R000004", "R000005"]
    sender = store.register()
    with running(sender.sender_id):
        [taken] = store.claim(sender, 1, due_by=None)  # R000001 is in flight now
    one, two = (dataclasses.replace(planned[r], zone="Asia/Omsk") for r in ("R000001", "R000003"))
    zones_of_halves = ["Asia/Omsk", None]
    halves = [
        dataclasses.replace(two, request_id=f"R000003.{i}", phones=(p,), positions=(q,), zone=z)
        for i, (p, q, z) in enumerate(
            zip(two.phones, two.positions, zones_of_halves, strict=True), 1
        )
    ]
    moved = store.rezone(
        [("R000002", "Asia/Omsk"), (taken.request_id, "Asia/Omsk")],
        [("R000003", halves), ("R000001", [one])],
    )
    assert moved == 2  # R000002 and R000003; R000001 left as claimed
    zones = {r.request_id: r.zone for r in store.planned_requests()}
    assert zones == {
        "R000002": "Asia/Omsk",
        "R000003.1": "Asia/Omsk",
        "R000003.2": "Europe/Moscow",  # a part without a zone keeps its request's
        "R000004": "Europe/Moscow",
        "R000005": "Europe/Moscow",
    }
    rows = store.rows()
    assert rows.loc[[4, 5], "request_id"].tolist() == ["R000003.1", "R000003.2"]
    assert rows.loc[[0, 1], "request_id"].tolist() == ["R000001", "R000001"]


def test_two_senders_at_once_never_claim_the_same_request(journal_spec: str) -> None:
    opened = open_journal(journal_spec)
    record = _campaign(60)
    opened.create(record)
    opened.close()
    claimed: list[list[str]] = [[], [], []]

    def sender(i: int) -> None:
        store = open_journal(journal_spec)
        me = store.register()
        with running(me.sender_id):
            while batch := store.claim(me, 3, due_by=None):
                claimed[i] += [r.request_id for r in batch]
                time.sleep(0.002)  # sending takes a while
        store.unregister(me)
        store.close()

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    every = [r for part in claimed for r in part]
    assert sorted(every) == sorted(r.request_id for r in record.requests)  # each exactly once
    assert sum(1 for part in claimed if part) >= 2  # they really shared the work


def test_a_dead_senders_claims_become_unknown_and_a_live_ones_stay_its_own(
    journal_spec: str, store: JournalStore
) -> None:
    live = store.register()
    other = open_journal(journal_spec)
    dead = other.register()
    with running(live.sender_id):
        mine = store.claim(live, 1, due_by=None)
        with running(dead.sender_id):
            theirs = other.claim(dead, 2, due_by=None)
        other.close()  # the other sender is gone without finishing
        deadline = time.monotonic() + 10
        recovered = store.recover()
        while not recovered and time.monotonic() < deadline:  # a server notices it at once,
            time.sleep(0.05)  # or nearly
            recovered = store.recover()
        assert recovered == 2
        requests = store.requests().set_index("request_id")["state"]
        assert requests[mine[0].request_id] == "inflight"
        assert all(requests[r.request_id] == "unknown" for r in theirs)
        rows = store.rows()
        lost = [p for r in theirs for p in r.positions]
        assert rows.loc[lost, "send_state"].eq("unknown").all()
        assert rows.loc[lost, "send_error"].str.contains("may have been sent").all()
        assert store.recover() == 0


def test_replies_are_recorded_on_the_rows_of_their_request(store: JournalStore) -> None:
    sender = store.register()
    with running(sender.sender_id):
        a, b, c, d = store.claim(sender, 4, due_by=None)
        with store.transaction():
            store.record_sent(a.request_id, a.positions, ["111", "112"])
            store.record_outcome(b.request_id, "failed", "Нет отправителя.", "SenderError")
            store.record_outcome(c.request_id, "unknown", "HTTP 500", "OutcomeUnknownError")
            store.return_to_planned(d.request_id, "connection refused")
        store.unregister(sender)
    rows = store.rows()
    assert rows.loc[[0, 1], "message_id"].tolist() == ["111", "112"]
    assert rows.loc[[0, 1, 2, 3, 4, 5, 6, 7], "send_state"].tolist() == (
        ["sent"] * 2 + ["failed"] * 2 + ["unknown"] * 2 + ["planned"] * 2
    )
    assert rows.loc[4, "sent_at"] is not None  # when the unknown outcome was recorded
    assert "connection refused" in rows.loc[6, "send_error"]
    assert store.planned_count() == 2  # R000004 back, R000005 never claimed


def test_a_split_request_becomes_halves_that_are_claimed_next(store: JournalStore) -> None:
    sender = store.register()
    with running(sender.sender_id):
        [first] = store.claim(sender, 1, due_by=None)
        half1 = JournalRequest(
            "R000001.1", first.params, first.phones[:1], first.positions[:1], None
        )
        half2 = JournalRequest(
            "R000001.2", first.params, first.phones[1:], first.positions[1:], None
        )
        store.split(first.request_id, [half1, half2], "Номер телефона присутствует в стоп-листе.")
        nxt = store.claim(sender, 2, due_by=None)
        assert [r.request_id for r in nxt] == ["R000001.1", "R000001.2"]
        assert store.rows().loc[[0, 1], "request_id"].tolist() == ["R000001.1", "R000001.2"]
        assert store.next_request_number() == 6


def test_an_extension_appends_rows_requests_and_a_version(store: JournalStore) -> None:
    rows = pd.DataFrame(
        {
            "request_id": ["R000006", None],
            "phone": ["79001009999", "79001000000"],
            "msg_key": ["new", "dup"],
            "send_state": ["planned", "skipped"],
            "send_error": [None, "already messaged"],
        }
    )
    frame = pd.concat(
        [store.load_input(), pd.DataFrame({"phone": rows["phone"].tolist()}, index=[1, "x"])]
    )
    with store.transaction():
        store.extend(frame, rows, [_request(6, (10,))])
        store.add_version("fp-2", np.array([10, 11, 0, 1]))
    assert store.rows().index.tolist()[-2:] == [10, 11]
    assert store.rows().loc[11, "send_error"] == "already messaged"
    assert len(store.load_input()) == 12  # a mixed index is kept, as text if need be
    np.testing.assert_array_equal(store.version("fp-2"), [10, 11, 0, 1])  # type: ignore[arg-type]
    assert store.next_request_number() == 7


def test_statuses_are_stored_per_row(store: JournalStore) -> None:
    store.record_statuses(
        [(0, "deliver", "2026-12-03T10:00:00.000+00:00", 1.5, None), (3, "send", None, 2.5, "x")]
    )
    rows = store.rows()
    assert rows.loc[0, "status"] == "deliver" and rows.loc[3, "checked_at"] == 2.5
    assert rows.loc[3, "status_error"] == "x"


def test_the_schedule_a_campaign_was_sent_with_is_kept_for_its_resumes(journal_spec: str) -> None:
    store = open_journal(journal_spec)
    assert store.create(_campaign())
    assert store.kept_schedule() is None
    store.keep_schedule(KeptSchedule("22:00-06:00", "+05:00", 1796346000.25))
    store.close()
    again = open_journal(journal_spec)  # another process, later
    assert again.kept_schedule() == KeptSchedule("22:00-06:00", "+05:00", 1796346000.25)
    again.keep_schedule(KeptSchedule(None, "Europe/Moscow", None))
    assert again.kept_schedule() == KeptSchedule(None, "Europe/Moscow", None)
    again.close()


def test_ctrl_c_inside_a_transaction_commits_it_whole(store: JournalStore) -> None:
    with pytest.raises(KeyboardInterrupt), store.transaction():
        store.record_statuses([(0, "deliver", None, 1.0, None)])
        os.kill(os.getpid(), signal.SIGINT)
        store.record_statuses([(1, "deliver", None, 1.0, None)])
    assert store.rows().loc[[0, 1], "status"].tolist() == ["deliver", "deliver"]
    with pytest.raises(ValueError), store.transaction():
        store.record_statuses([(2, "deliver", None, 1.0, None)])
        raise ValueError
    assert pd.isna(store.rows().loc[2, "status"])


def test_send_poll_and_report_work_the_same_on_both_stores(journal_spec: str) -> None:
    sandbox = tsf.Sandbox(clock=tsf.ManualClock(), status_delay=(5, 50), seed=2)
    client = tsf.Client.sandbox(sandbox)
    msgs = pd.DataFrame(
        {
            "phone": [str(79005000000 + i) for i in range(30)],
            "send_sms": 1,
            "sender_sms": "Shop",
            "text_sms": [f"Привет {i % 4}" for i in range(30)],
            "segment": ["a", "b", "c"] * 10,
        }
    )
    sent = tsf.send(msgs, client, journal=journal_spec, progress=False)
    assert (sent["send_state"] == "sent").all()
    again = tsf.send(msgs, client, journal=journal_spec, progress=False)
    assert again["message_id"].equals(sent["message_id"]) and len(sandbox.messages) == 30
    final = tsf.poll_statuses(journal=journal_spec, client=client, until_final=True, progress=False)
    assert final["is_final"].all()
    stored = tsf.read_journal(journal_spec)
    assert stored["status"].tolist() == final["status"].tolist()
    report = tsf.delivery_report(stored, by="segment")
    assert report["messages"].sum() == 30


def test_a_journal_of_a_newer_schema_is_refused(tmp_path: Path) -> None:
    store = open_journal(tmp_path / "j.sqlite")
    store.create(_campaign())
    with store.transaction():
        store._set_meta(schema="99")  # type: ignore[attr-defined]
    store.close()
    with pytest.raises(tsf.JournalError, match="newer"):
        open_journal(tmp_path / "j.sqlite")


def test_senders_starting_together_write_the_campaign_once(journal_spec: str) -> None:
    record = _campaign(20)
    barrier = threading.Barrier(4)
    created: list[bool] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:  # opening a new file together is part of starting together
            store = open_journal(journal_spec)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
            barrier.abort()
            return
        try:
            barrier.wait(10)
            created.append(store.create(record))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == [], errors[0]
    assert sorted(created) == [False, False, False, True]
    store = open_journal(journal_spec)
    assert store.planned_count() == 20 and len(store.rows()) == 40
    store.close()


def test_a_new_journal_waits_out_another_connection_switching_it_to_wal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite answers "database is locked" at once (no busy wait) when two connections switch
    # a new file to WAL together: the switch is retried, as any other lock is waited out
    from targetsms_frames.journal.sqlite import SQLiteJournal

    execute = SQLiteJournal._execute
    refusals = iter(range(3))

    def locked_at_first(self: SQLiteJournal, statement: str, args: Any = ()) -> Any:
        if statement == "PRAGMA journal_mode=WAL" and next(refusals, None) is not None:
            raise sqlite3.OperationalError("database is locked")
        return execute(self, statement, args)

    monkeypatch.setattr(SQLiteJournal, "_execute", locked_at_first)
    store = open_journal(tmp_path / "c.sqlite")
    assert store.create(_campaign()) and store.planned_count() == 5
    store.close()
    assert next(refusals, None) is None  # refused three times, then switched


def test_a_claim_reads_only_what_it_claims_however_much_is_planned(tmp_path: Path) -> None:
    """Each statement of a SQLite claim finds its requests by key, or reads the claim index in
    plan order up to its limit: nothing walks every planned request or sorts them."""
    store = open_journal(tmp_path / "big.sqlite")
    assert store.create(_campaign(3_000))
    statements: list[str] = []
    db = store._db  # type: ignore[attr-defined]
    sender = store.register()
    with running(sender.sender_id):
        db.set_trace_callback(statements.append)
        try:
            claimed = store.claim(sender, 16, due_by=1_000_000_000.0, exclude={"R000001"})
        finally:
            db.set_trace_callback(None)
    assert [r.request_id for r in claimed][:2] == ["R000002", "R000003"]
    queries = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "UPDATE"))]
    assert queries
    for sql in queries:
        plan = " | ".join(row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert "TEMP B-TREE" not in plan and not plan.startswith("SCAN"), (sql, plan)
        if "LIMIT" not in sql.upper():  # only a limited read may walk the claim index
            assert "requests_claim" not in plan, (sql, plan)
    store.close()
