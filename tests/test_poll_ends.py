"""poll_statuses always ends: refused IDs are final, account refusals stop, unclear answers
are retried a bounded number of times. Time runs on a ManualClock: no real minute passes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import httpx
import pandas as pd
import pytest

import targetsms_frames as tsf
from targetsms_frames._status_check import SAME_TEXT_STOP, judge
from targetsms_frames._wire import DUPLICATE_TEXT, classify_error
from targetsms_frames.sandbox._rules import SANDBOX_ERROR_TEXTS

NOT_FOUND = SANDBOX_ERROR_TEXTS["message_not_found"]
WRONG_LOGIN = SANDBOX_ERROR_TEXTS["credentials"]
NEVER_ISSUED = "1000000007"


class Watchdog:
    """A client's sleep that fails the test once polling has waited too often."""

    def __init__(self, clock: tsf.ManualClock, limit: int = 40) -> None:
        self.clock, self.limit, self.calls = clock, limit, 0

    def __call__(self, seconds: float) -> None:
        self.calls += 1
        if self.calls > self.limit:
            raise AssertionError(f"polling slept {self.calls} times: it does not end")
        self.clock.sleep(seconds)


@pytest.fixture
def watched(sandbox: tsf.Sandbox, clock: tsf.ManualClock) -> tsf.Client:
    return tsf.Client.sandbox(sandbox, sleep=Watchdog(clock))


def _status_checks(sandbox: tsf.Sandbox) -> int:
    return sum(r.kind == "status" for r in sandbox.requests)


# -- the rule ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (SANDBOX_ERROR_TEXTS["message_not_found"], "refused"),
        (SANDBOX_ERROR_TEXTS["bad_message_id"], "refused"),
        ("Message not found", "refused"),
        ("Сообщение не принадлежит вашему аккаунту.", "refused"),
        (SANDBOX_ERROR_TEXTS["credentials"], "account"),
        ("Неправильный пароль", "account"),
        ("Ошибка авторизации.", "account"),
        ("Invalid login or password", "account"),
        ("Аккаунт заблокирован.", "account"),
        ("Закончились SMS.", "account"),
        ("Доступ к API закрыт.", "account"),
        ("Ошибка 17.", "refused"),
    ],
)
def test_each_refusal_text_is_either_about_the_message_or_the_account(text: str, kind: str) -> None:
    assert judge(classify_error(text)).kind == kind


def test_unclear_answers_and_the_duplicate_text_are_retried_not_final() -> None:
    assert judge(tsf.OutcomeUnknownError("HTTP 500")).kind == "no_answer"
    assert judge(tsf.RequestNotSentError("refused")).kind == "no_answer"
    assert judge(classify_error(DUPLICATE_TEXT)).kind == "no_answer"
    assert judge(ValueError("message id must be digits")).kind == "no_answer"


# -- IDs the provider does not know ------------------------------------------------------


def test_an_id_the_provider_never_issued_ends_polling_with_its_text_as_final_status(
    sandbox: tsf.Sandbox, watched: tsf.Client, make_messages: Callable[..., pd.DataFrame]
) -> None:
    sent = tsf.send(make_messages(3, texts=3), watched, progress=False)
    sent.loc[1, "message_id"] = NEVER_ISSUED

    out = tsf.poll_statuses(sent, watched, until_final=True, progress=False)

    assert out["is_final"].all()
    assert out.loc[1, "status"] == NOT_FOUND
    assert len(sandbox.status_checks(NEVER_ISSUED)) == 1
    truth = sandbox.messages.set_index("message_id")["final_status"]
    known = out.drop(index=1)
    assert known["status"].tolist() == truth.loc[known["message_id"]].tolist()


def test_a_journal_rehearsed_on_another_sandbox_is_final_once_and_never_asked_again(
    tmp_path: Path, clock: tsf.ManualClock, make_messages: Callable[..., pd.DataFrame]
) -> None:
    journal = tmp_path / "rehearsal.sqlite"
    rehearsal = tsf.Client.sandbox(tsf.Sandbox(clock=clock))
    tsf.send(make_messages(4), rehearsal, journal=journal, progress=False)
    other = tsf.Sandbox(clock=clock)  # knows none of these IDs
    client = tsf.Client.sandbox(other, sleep=Watchdog(clock))

    first = tsf.poll_statuses(client=client, journal=journal, until_final=True, progress=False)
    clock.advance(3_600)
    again = tsf.poll_statuses(client=client, journal=journal, until_final=True, progress=False)

    assert (first["status"] == NOT_FOUND).all() and first["is_final"].all()
    assert _status_checks(other) == 4
    for message_id in first["message_id"]:
        assert len(other.status_checks(message_id)) == 1
    stored = tsf.read_journal(journal)
    assert (stored["status"] == NOT_FOUND).all() and stored["is_final"].all()
    assert again["status"].tolist() == first["status"].tolist()


def test_one_unrecognised_refusal_is_final_but_the_same_one_for_every_id_stops_polling(
    clock: tsf.ManualClock, make_messages: Callable[..., pd.DataFrame]
) -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("id_message") == "1003":
            return httpx.Response(200, text="Ошибка 17.")
        if "id_message" in request.url.params:
            return httpx.Response(200, text="deliver")
        return httpx.Response(200, text="1001,1002,1003,1004")

    client = tsf.Client(
        "shop", "pw", transport=httpx.MockTransport(reply), clock=clock, sleep=Watchdog(clock)
    )
    sent = tsf.send(make_messages(4, texts=1), client, progress=False)
    out = tsf.poll_statuses(sent, client, until_final=True, progress=False)
    assert out["status"].tolist() == ["deliver", "deliver", "Ошибка 17.", "deliver"]

    asked: list[str] = []

    def everyone(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.params["id_message"])
        return httpx.Response(200, text="Ошибка 17.")

    client = tsf.Client(
        "shop", "pw", transport=httpx.MockTransport(everyone), clock=clock, sleep=Watchdog(clock)
    )
    many = sent.loc[[0] * 12].reset_index(drop=True).assign(message_id=[str(i) for i in range(12)])
    with pytest.raises(tsf.ProviderError, match="Ошибка 17"):
        tsf.poll_statuses(many, client, until_final=True, progress=False, concurrency=1)
    assert len(asked) == SAME_TEXT_STOP


# -- refusals for the whole account ------------------------------------------------------


class BlockedAfter(httpx.BaseTransport):
    """The sandbox, until the account is blocked after ``checks`` status checks."""

    def __init__(self, sandbox: tsf.Sandbox, checks: int) -> None:
        self.inner, self.checks, self.seen = sandbox.transport(), checks, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "id_message" in request.url.params:
            self.seen += 1
            if self.seen > self.checks:
                return httpx.Response(200, text="Аккаунт заблокирован.")
        return self.inner.handle_request(request)


def test_an_account_blocked_mid_poll_stops_polling_after_the_journal_records_the_answers(
    tmp_path: Path,
    sandbox: tsf.Sandbox,
    clock: tsf.ManualClock,
    make_messages: Callable[..., pd.DataFrame],
) -> None:
    journal = tmp_path / "c.sqlite"
    tsf.send(make_messages(6), tsf.Client.sandbox(sandbox), journal=journal, progress=False)
    client = tsf.Client(
        "sandbox",
        "sandbox",
        transport=BlockedAfter(sandbox, checks=3),
        clock=clock,
        sleep=Watchdog(clock),
    )

    with pytest.raises(tsf.AccountError) as info:
        tsf.poll_statuses(
            client=client, journal=journal, until_final=True, progress=False, concurrency=1
        )

    assert info.value.text == "Аккаунт заблокирован."
    assert _status_checks(sandbox) == 3
    stored = tsf.read_journal(journal)
    assert stored["status"].tolist()[:3] == ["send"] * 3
    assert stored["status_checked_at"].notna().tolist() == [True] * 4 + [False] * 2
    assert stored.loc[3, "status_error"] == "Аккаунт заблокирован."
    assert not stored["is_final"].any()


def test_wrong_credentials_stop_polling_with_the_providers_text_and_close_no_row(
    tmp_path: Path, clock: tsf.ManualClock, make_messages: Callable[..., pd.DataFrame]
) -> None:
    sandbox = tsf.Sandbox(clock=clock, credentials=("shop", "right"))
    journal = tmp_path / "c.sqlite"
    good = tsf.Client.sandbox(sandbox, login="shop", password="right")
    tsf.send(make_messages(5), good, journal=journal, progress=False)
    wrong = tsf.Client.sandbox(sandbox, login="shop", password="wrong", sleep=Watchdog(clock))

    with pytest.raises(tsf.ProviderError) as info:
        tsf.poll_statuses(
            client=wrong, journal=journal, until_final=True, progress=False, concurrency=2
        )

    assert info.value.text == WRONG_LOGIN
    assert "wrong" not in str(info.value) and "wrong" not in repr(info.value.__notes__)
    assert _status_checks(sandbox) <= 2
    assert tsf.read_journal(journal)["status"].isna().all()


# -- no clear answer ---------------------------------------------------------------------


def test_a_run_of_unclear_answers_leaves_rows_open_with_the_error_and_returns(
    tmp_path: Path,
    sandbox: tsf.Sandbox,
    watched: tsf.Client,
    make_messages: Callable[..., pd.DataFrame],
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    journal = tmp_path / "c.sqlite"
    sent = tsf.send(make_messages(4), watched, journal=journal, progress=False)
    sandbox.inject("http_500", count=3 * 4)

    with caplog.at_level(logging.WARNING, logger="targetsms_frames"):
        out = tsf.poll_statuses(sent, watched, journal=journal, until_final=True)

    assert not out["is_final"].any() and out["status"].isna().all()
    assert out["status_error"].str.contains("HTTP 500").all()
    for message_id in out["message_id"]:
        assert len(sandbox.status_checks(message_id)) == 3
    assert "no clear answer to 3 status checks in a row" in caplog.text
    assert "no_answer=4" in capsys.readouterr().err
    stored = tsf.read_journal(journal)
    assert stored["status_error"].str.contains("HTTP 500").all()

    later = tsf.poll_statuses(client=watched, journal=journal, until_final=True, progress=False)
    assert later["is_final"].all() and later["status_error"].isna().all()


class Flaky(httpx.BaseTransport):
    """The sandbox, except that status checks numbered in ``fail`` get HTTP 500."""

    def __init__(self, sandbox: tsf.Sandbox, fail: set[int]) -> None:
        self.inner, self.fail, self.seen = sandbox.transport(), fail, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "id_message" in request.url.params:
            self.seen += 1
            if self.seen in self.fail:
                return httpx.Response(500, text="Internal Server Error")
        return self.inner.handle_request(request)


def test_a_clear_answer_starts_the_count_of_unclear_ones_afresh(
    clock: tsf.ManualClock, make_messages: Callable[..., pd.DataFrame]
) -> None:
    sandbox = tsf.Sandbox(clock=clock, status_delay=(400.0, 400.0))
    sent = tsf.send(make_messages(1), tsf.Client.sandbox(sandbox), progress=False)
    flaky = Flaky(sandbox, fail={1, 2, 4, 5, 7, 8})  # two unclear answers before each clear one
    client = tsf.Client("sandbox", "sandbox", transport=flaky, clock=clock, sleep=Watchdog(clock))

    out = tsf.poll_statuses(sent, client, until_final=True, progress=False)

    assert out.loc[0, "is_final"] and pd.isna(out.loc[0, "status_error"])
    assert flaky.seen == 9


def test_polling_a_mistyped_journal_says_so_and_creates_nothing(tmp_path: Path) -> None:
    typo = tmp_path / "sprnig.sqlite"
    with pytest.raises(FileNotFoundError, match="no campaign journal"):
        tsf.poll_statuses(journal=typo, client=tsf.Client.sandbox(), progress=False)
    assert not typo.exists()


def test_a_real_campaigns_journal_is_never_polled_through_a_sandbox(tmp_path: Path) -> None:
    from targetsms_frames.sandbox import Sandbox
    from targetsms_frames.sandbox._server import serve

    journal = tmp_path / "real.sqlite"
    msgs = pd.DataFrame({"phone": ["79005550001"], "send_sms": 1, "sender_sms": "Shop"})
    with serve(Sandbox()) as url:  # a provider over a real socket, not an in-process sandbox
        tsf.send(msgs.assign(text_sms="Hi"), tsf.Client("shop", "pw", base_url=url),
                 journal=journal, progress=False)  # fmt: skip
    with pytest.raises(tsf.JournalMismatchError, match="never of a sandbox"):
        tsf.poll_statuses(journal=journal, client=tsf.Client.sandbox(), progress=False)
    assert tsf.read_journal(journal)["status"].isna().all()  # nothing made up was kept
