"""Ctrl-C at every point of the send loop: a real SIGINT, then a resume that cannot hide a
second send (the sandbox's duplicate memory is off). Never twice; nothing lost; nothing
``unknown`` that never left.
"""

from __future__ import annotations

import concurrent.futures
import os
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

import targetsms_frames as tsf
from targetsms_frames import _dispatch
from targetsms_frames._interrupts import deferred_interrupts
from targetsms_frames.journal import SQLiteJournal
from targetsms_frames.journal._sql import SQLJournal
from targetsms_frames.sandbox import Sandbox

N = 12
# the sandbox keeps no memory of identical requests: a second send would show
pytestmark = pytest.mark.sandbox(duplicate_window=0.0, seed=3)


def _ctrl_c() -> None:
    os.kill(os.getpid(), signal.SIGINT)


class _Held(httpx.BaseTransport):
    """Holds every request until ``release`` is set: requests stay in flight on demand."""

    def __init__(self, inner: httpx.BaseTransport, release: threading.Event) -> None:
        self.inner, self.release = inner, release

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert self.release.wait(10), "the test never let the request through"
        return self.inner.handle_request(request)


@pytest.fixture
def release() -> Iterator[threading.Event]:
    event = threading.Event()
    event.set()
    yield event
    event.set()


def _client(sandbox: Sandbox, release: threading.Event) -> tsf.Client:
    return tsf.Client(
        "sandbox",
        "sandbox",
        base_url=sandbox.base_url,
        transport=_Held(sandbox.transport(), release),
        clock=sandbox.clock,
    )


def _messages() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "phone": [str(79001000000 + i) for i in range(N)],
            "send_sms": 1,
            "sender_sms": "Shop",
            "text_sms": [f"Заказ {i} готов" for i in range(N)],  # one request per row
        }
    )


def _interrupted(sandbox: Sandbox, release: threading.Event, journal: Path, **options: Any) -> None:
    with pytest.raises(KeyboardInterrupt):
        tsf.send(
            _messages(),
            _client(sandbox, release),
            journal=journal,
            progress=False,
            rate=None,
            concurrency=4,
            **options,
        )


def _resume_and_check(
    sandbox: Sandbox, journal: Path, *, unknown_allowed: bool = False
) -> pd.DataFrame:
    received_before = set(sandbox.messages["phone"])
    out = tsf.send(_messages(), tsf.Client.sandbox(sandbox), journal=journal, progress=False)
    received = sandbox.messages
    assert received["phone"].is_unique, "a phone got the message twice"
    states = out.set_index("phone")["send_state"]
    assert set(states) <= ({"sent", "unknown"} if unknown_allowed else {"sent"})
    unknown = set(states[states == "unknown"].index)
    # unknown only where the request really may have left
    assert unknown <= received_before
    assert set(received["phone"]) == set(states.index)
    return out


def _after_calls(
    monkeypatch: pytest.MonkeyPatch,
    owner: object,
    name: str,
    hit: int,
    action: Callable[[], None] = _ctrl_c,
    before: bool = False,
) -> list[int]:
    """Run ``action`` inside the ``hit``-th call of ``owner.name`` (after its work by default)."""
    original = getattr(owner, name)
    calls = [0]

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if before and calls[0] == hit:
            action()
        result = original(*args, **kwargs)
        if not before and calls[0] == hit:
            action()
        return result

    monkeypatch.setattr(owner, name, wrapped)
    return calls


def test_ctrl_c_inside_a_claim_commit_releases_what_was_claimed(
    monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox, release: threading.Event, tmp_path: Path
) -> None:
    journal = tmp_path / "c.sqlite"
    _after_calls(monkeypatch, SQLiteJournal, "_mark_claimed", hit=2)
    _interrupted(sandbox, release, journal)
    rows = tsf.read_journal(journal)
    assert set(rows["send_state"]) <= {"sent", "planned"}
    assert (rows["send_state"] == "sent").sum() == len(sandbox.messages)
    assert tsf.send  # the journal holds no request in flight
    with SQLiteJournal.open(journal) as store:
        assert "inflight" not in set(store.requests()["state"])
    _resume_and_check(sandbox, journal)


def test_ctrl_c_while_pacing_releases_the_claimed_requests(
    monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox, release: threading.Event, tmp_path: Path
) -> None:
    journal = tmp_path / "c.sqlite"
    client = _client(sandbox, release)
    sleeps = [0]

    def sleep(seconds: float) -> None:
        sleeps[0] += 1
        if sleeps[0] == 3:
            _ctrl_c()

    client._sleep = sleep
    with pytest.raises(KeyboardInterrupt):
        tsf.send(_messages(), client, journal=journal, progress=False, rate=1.0, concurrency=4)
    with SQLiteJournal.open(journal) as store:
        states = store.requests()["state"]
    assert "inflight" not in set(states) and "unknown" not in set(states)
    assert (states == "sent").sum() == len(sandbox.messages) >= 1
    _resume_and_check(sandbox, journal)


def test_ctrl_c_while_the_pool_starts_a_thread_never_sends_twice(
    monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox, release: threading.Event, tmp_path: Path
) -> None:
    """The signal lands inside ``submit``, after the pool queued the request: it may go."""
    journal = tmp_path / "c.sqlite"
    release.clear()
    threading.Timer(0.2, release.set).start()
    _after_calls(monkeypatch, concurrent.futures.ThreadPoolExecutor, "submit", hit=1)
    _interrupted(sandbox, release, journal)
    _resume_and_check(sandbox, journal)


def test_ctrl_c_while_waiting_for_replies_records_every_reply(
    monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox, release: threading.Event, tmp_path: Path
) -> None:
    journal = tmp_path / "c.sqlite"
    release.clear()

    def ctrl_c_then_let_them_through() -> None:
        threading.Timer(0.1, release.set).start()
        _ctrl_c()

    _after_calls(
        monkeypatch, _dispatch, "wait", hit=1, action=ctrl_c_then_let_them_through, before=True
    )
    _interrupted(sandbox, release, journal)
    rows = tsf.read_journal(journal)
    # the four requests out were answered and recorded; the rest was never claimed
    assert (rows["send_state"] == "sent").sum() == len(sandbox.messages) == 4
    assert set(rows["send_state"]) == {"sent", "planned"}
    _resume_and_check(sandbox, journal)


def test_ctrl_c_inside_the_commit_of_replies_records_them(
    monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox, release: threading.Event, tmp_path: Path
) -> None:
    journal = tmp_path / "c.sqlite"
    _after_calls(monkeypatch, SQLJournal, "record_sent", hit=3)
    _interrupted(sandbox, release, journal)
    rows = tsf.read_journal(journal)
    assert (rows["send_state"] == "sent").sum() == len(sandbox.messages) >= 3
    _resume_and_check(sandbox, journal)


def test_ctrl_c_twice_leaves_the_requests_out_unknown_and_the_rest_to_send(
    monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox, release: threading.Event, tmp_path: Path
) -> None:
    """The second Ctrl-C stops the wait for replies: those requests may have left."""
    journal = tmp_path / "c.sqlite"
    release.clear()
    _after_calls(monkeypatch, _dispatch, "wait", hit=1, before=True)
    original_wait = _dispatch.wait
    calls = [0]

    def wait(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == 2:  # the drain after the first Ctrl-C
            _ctrl_c()
        return original_wait(*args, **kwargs)

    monkeypatch.setattr(_dispatch, "wait", wait)
    _interrupted(sandbox, release, journal)
    release.set()  # the requests that were out arrive now, their replies unheard
    for thread in threading.enumerate():
        if thread.name.startswith("tsf-send"):
            thread.join(5)
    assert len(sandbox.messages) == 4
    out = _resume_and_check(sandbox, journal, unknown_allowed=True)
    assert (out["send_state"] == "unknown").sum() == 4


def test_ctrl_c_inside_register_and_unregister_keeps_the_journal_usable(
    monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox, release: threading.Event, tmp_path: Path
) -> None:
    journal = tmp_path / "c.sqlite"
    _after_calls(monkeypatch, SQLiteJournal, "_registered", hit=1, before=True)
    _interrupted(sandbox, release, journal)
    assert len(sandbox.messages) == 0
    monkeypatch.undo()
    _after_calls(monkeypatch, SQLJournal, "unregister", hit=1, before=True)
    _interrupted(sandbox, release, journal)  # everything sent, then Ctrl-C while finishing
    monkeypatch.undo()
    _resume_and_check(sandbox, journal)


def test_a_transaction_interrupted_at_any_statement_commits_or_rolls_back_whole(
    tmp_path: Path,
) -> None:
    store = SQLiteJournal.open(tmp_path / "t.sqlite")
    for step in range(4):
        with pytest.raises(KeyboardInterrupt), store.transaction():
            for i in range(4):
                store._set_meta(**{f"k{step}{i}": "v"})
                if i == step:
                    _ctrl_c()  # deferred: the rest of the transaction still runs
        assert all(store._meta(f"k{step}{i}") == "v" for i in range(4))
    with pytest.raises(RuntimeError), store.transaction():
        store._set_meta(gone="v")
        raise RuntimeError
    assert store._meta("gone") is None
    with store.transaction():  # no transaction was left open
        store._set_meta(after="v")
    store.close()


def test_deferred_interrupts_outside_the_main_thread_do_nothing() -> None:
    seen: list[bool] = []

    def body() -> None:
        with deferred_interrupts():
            seen.append(True)

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    assert seen == [True]
