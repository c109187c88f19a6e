"""Connection settings, the duplicate-request rule, and the sync and async clients."""

from __future__ import annotations

import asyncio
import copy
import http.server
import math
import pickle
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

import targetsms_frames as tsf
from targetsms_frames._clock import ManualClock
from targetsms_frames._config import Secret, Settings, is_loopback, load_dotenv
from targetsms_frames._exceptions import (
    AccountError,
    ConfigurationError,
    DuplicateRequestError,
    MessageContentError,
    OutcomeUnknownError,
    PhoneError,
    ProviderError,
    RequestNotSentError,
    SenderError,
    StopListedError,
    TransportError,
    UnexpectedReplyError,
)
from targetsms_frames._guard import DuplicateGuard, request_key
from targetsms_frames._wire import DEFAULT_BASE_URL, DUPLICATE_TEXT
from targetsms_frames.sandbox import Faults, Sandbox
from targetsms_frames.sandbox._server import serve

PHONE = "79000000001"
PHONE2 = "79000000002"
PHONE3 = "79000000003"
STOP_LISTED_PHONE = "79000000000"
SMS = {"send_sms": 1, "sender_sms": "Shop", "text_sms": "Привет!"}
ENV_NAMES = ("TARGETSMS_LOGIN", "TARGETSMS_PASSWORD", "TARGETSMS_BASE_URL")
pytestmark = pytest.mark.sandbox(seed=0, status_delay=(2.0, 30.0))


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def waiting_client(sandbox: Sandbox) -> Iterator[tsf.Client]:
    with tsf.Client.sandbox(sandbox, on_duplicate="wait") as c:
        yield c


@pytest.fixture
def raising_client(sandbox: Sandbox) -> Iterator[tsf.Client]:
    with tsf.Client.sandbox(sandbox, on_duplicate="raise") as c:
        yield c


def shown_password(url: str | None) -> str:
    assert url is not None
    return dict(parse_qsl(urlsplit(url).query))["password"]


def run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


# -- settings ----------------------------------------------------------------------------


def test_credentials_come_from_arguments() -> None:
    settings = Settings.resolve("shop", "pw", base_url=None, environ={})
    assert settings.login == "shop"
    assert settings.password.reveal() == "pw"
    assert settings.base_url == DEFAULT_BASE_URL


def test_arguments_win_over_the_environment() -> None:
    env = {
        "TARGETSMS_LOGIN": "env-login",
        "TARGETSMS_PASSWORD": "env-pw",
        "TARGETSMS_BASE_URL": "https://env.example/sendmessage.php",
    }
    settings = Settings.resolve("arg", "arg-pw", base_url="https://arg.example/s", environ=env)
    assert (settings.login, settings.password.reveal(), settings.base_url) == (
        "arg",
        "arg-pw",
        "https://arg.example/s",
    )


def test_credentials_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TARGETSMS_LOGIN", "env-login")
    monkeypatch.setenv("TARGETSMS_PASSWORD", "env-pw")
    monkeypatch.setenv("TARGETSMS_BASE_URL", "https://env.example/sendmessage.php")
    with tsf.Client() as client:
        assert client.login == "env-login"
        assert client.base_url == "https://env.example/sendmessage.php"
        assert client._settings.password.reveal() == "env-pw"


def test_a_missing_login_argument_is_taken_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TARGETSMS_LOGIN", "env-login")
    with tsf.Client(password="pw") as client:
        assert client.login == "env-login"
        assert client.base_url == DEFAULT_BASE_URL


def test_the_base_url_comes_from_the_environment_when_not_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TARGETSMS_BASE_URL", "http://127.0.0.1:8055/sendmessage.php")
    with tsf.Client("me", "pw") as client:
        assert client.base_url == "http://127.0.0.1:8055/sendmessage.php"


@pytest.mark.parametrize(
    ("login", "password", "named", "not_named"),
    [
        (None, None, ["TARGETSMS_LOGIN", "TARGETSMS_PASSWORD"], []),
        ("me", None, ["TARGETSMS_PASSWORD"], ["TARGETSMS_LOGIN"]),
        (None, "pw", ["TARGETSMS_LOGIN"], ["TARGETSMS_PASSWORD"]),
        ("", "", ["TARGETSMS_LOGIN", "TARGETSMS_PASSWORD"], []),
    ],
)
def test_missing_credentials_raise_a_configuration_error_naming_the_variables(
    login: str | None, password: str | None, named: list[str], not_named: list[str]
) -> None:
    with pytest.raises(ConfigurationError) as info:
        tsf.Client(login, password)
    message = str(info.value)
    for name in named:
        assert name in message
    assert "set " + " and ".join(named) in message
    for name in not_named:
        assert f"set {name}" not in message
    assert isinstance(info.value, tsf.TargetSMSError)


def test_empty_environment_variables_count_as_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TARGETSMS_LOGIN", "")
    monkeypatch.setenv("TARGETSMS_PASSWORD", "")
    with pytest.raises(ConfigurationError, match="TARGETSMS_LOGIN and TARGETSMS_PASSWORD"):
        tsf.Client()


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/sendmessage.php",
        "http://10.0.0.1/sendmessage.php",
        "http://192.168.1.1:8055/sendmessage.php",
        "http://sms.targetsms.ru/sendmessage.php",
        "http://0.0.0.0:8055/sendmessage.php",
        "http://127.0.0.1.example.com/sendmessage.php",
        "http://localhost.example.com/sendmessage.php",
        "http://127.0.0.1@example.com/sendmessage.php",
        "HTTP://example.com/sendmessage.php",
    ],
)
def test_plain_http_is_refused_for_non_loopback_hosts(url: str) -> None:
    with pytest.raises(ConfigurationError, match="https"):
        tsf.Client("me", "pw", base_url=url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/sendmessage.php",
        "http://127.0.0.1:8055/sendmessage.php",
        "http://127.5.5.5:8055/sendmessage.php",
        "http://localhost:8055/sendmessage.php",
        "http://LOCALHOST/sendmessage.php",
        "http://[::1]:8055/sendmessage.php",
    ],
)
def test_plain_http_is_allowed_for_loopback_hosts(url: str) -> None:
    with tsf.Client("me", "pw", base_url=url) as client:
        assert client.base_url == url


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/sendmessage.php",
        "https://10.0.0.1/sendmessage.php",
        "https://192.168.1.1:8443/sendmessage.php",
        "https://127.0.0.1/sendmessage.php",
        DEFAULT_BASE_URL,
    ],
)
def test_https_is_allowed_anywhere(url: str) -> None:
    with tsf.Client("me", "pw", base_url=url) as client:
        assert client.base_url == url


def test_plain_http_from_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TARGETSMS_BASE_URL", "http://example.com/sendmessage.php")
    with pytest.raises(ConfigurationError, match=r"example\.com"):
        tsf.Client("me", "pw")


@pytest.mark.parametrize(
    "url",
    [
        "https://sms.targetsms.ru/sendmessage.php?login=me",
        "https://sms.targetsms.ru/sendmessage.php#frag",
        "http://127.0.0.1:8055/sendmessage.php?x=1",
    ],
)
def test_a_base_url_with_a_query_or_fragment_is_refused(url: str) -> None:
    with pytest.raises(ConfigurationError, match="query"):
        tsf.Client("me", "pw", base_url=url)


@pytest.mark.parametrize(
    "url", ["ftp://example.com/x", "sms.targetsms.ru/sendmessage.php", "https://"]
)
def test_a_base_url_that_is_not_http_with_a_host_is_refused(url: str) -> None:
    with pytest.raises(ConfigurationError):
        tsf.Client("me", "pw", base_url=url)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("127.5.5.5", True),
        ("localhost", True),
        ("LocalHost", True),
        ("[::1]", True),
        ("::1", True),
        ("example.com", False),
        ("10.0.0.1", False),
        ("192.168.1.1", False),
        ("", False),
    ],
)
def test_is_loopback(host: str, expected: bool) -> None:
    assert is_loopback(host) is expected


def test_secret_hides_its_value() -> None:
    secret = Secret("hunter2")
    assert repr(secret) == "Secret('***')"
    assert str(secret) == "***"
    assert f"{secret}" == "***"
    assert "%s %r" % (secret, secret) == "*** Secret('***')"  # noqa: UP031
    assert secret.reveal() == "hunter2"
    assert "hunter2" not in repr([secret, {"k": secret}])


def test_secret_compares_by_value() -> None:
    assert Secret("a") == Secret("a")
    assert Secret("a") != Secret("b")
    assert Secret("a") != "a"


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_secret_cannot_be_pickled(protocol: int) -> None:
    with pytest.raises(TypeError, match="pickled"):
        pickle.dumps(Secret("hunter2"), protocol=protocol)


def test_secret_cannot_be_copied_out() -> None:
    with pytest.raises(TypeError):
        copy.copy(Secret("hunter2"))


def test_settings_repr_and_pickle_keep_the_password_hidden() -> None:
    settings = Settings.resolve("shop", "hunter2", base_url=None, environ={})
    assert "hunter2" not in repr(settings)
    assert "Secret('***')" in repr(settings)
    with pytest.raises(TypeError):
        pickle.dumps(settings)


def test_a_secret_given_as_password_is_used_as_is() -> None:
    secret = Secret("hunter2")
    settings = Settings.resolve("shop", secret, base_url=None, environ={})
    assert settings.password is secret


def test_load_dotenv_reads_key_value_lines(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text(
        "# comment\n"
        "\n"
        "TARGETSMS_LOGIN=shop\n"
        'TARGETSMS_PASSWORD="p@ss word=1"\n'
        "export TARGETSMS_BASE_URL = 'http://127.0.0.1:8055/sendmessage.php'\n"
        "NOT A PAIR\n",
        encoding="utf-8",
    )
    env: dict[str, str] = {}
    loaded = load_dotenv(path, env)
    assert loaded == ["TARGETSMS_LOGIN", "TARGETSMS_PASSWORD", "TARGETSMS_BASE_URL"]
    assert env == {
        "TARGETSMS_LOGIN": "shop",
        "TARGETSMS_PASSWORD": "p@ss word=1",
        "TARGETSMS_BASE_URL": "http://127.0.0.1:8055/sendmessage.php",
    }


def test_load_dotenv_keeps_existing_variables(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("TARGETSMS_LOGIN=from-file\nTARGETSMS_PASSWORD=pw\n", encoding="utf-8")
    env = {"TARGETSMS_LOGIN": "already-set"}
    assert load_dotenv(path, env) == ["TARGETSMS_PASSWORD"]
    assert env == {"TARGETSMS_LOGIN": "already-set", "TARGETSMS_PASSWORD": "pw"}


def test_load_dotenv_reads_utf8(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("TARGETSMS_PASSWORD=пароль+%&#\n", encoding="utf-8")
    env: dict[str, str] = {}
    load_dotenv(path, env)
    assert env == {"TARGETSMS_PASSWORD": "пароль+%&#"}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('TARGETSMS_PASSWORD="abc\'"', "abc'"),
        ("TARGETSMS_PASSWORD='abc\"'", 'abc"'),
        ("TARGETSMS_PASSWORD=\"'abc'\"", "'abc'"),
    ],
)
def test_load_dotenv_keeps_quote_characters_inside_a_quoted_value(
    tmp_path: Path, line: str, expected: str
) -> None:
    path = tmp_path / ".env"
    path.write_text(line + "\n", encoding="utf-8")
    env: dict[str, str] = {}
    load_dotenv(path, env)
    assert env["TARGETSMS_PASSWORD"] == expected


def test_load_dotenv_of_a_missing_file_does_nothing(tmp_path: Path) -> None:
    env: dict[str, str] = {}
    assert load_dotenv(tmp_path / "absent.env", env) == []
    assert env == {}


def test_load_dotenv_sets_the_process_environment_for_the_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / ".env"
    path.write_text("TARGETSMS_LOGIN=shop\nTARGETSMS_PASSWORD=pw\n", encoding="utf-8")
    for name in ("TARGETSMS_LOGIN", "TARGETSMS_PASSWORD"):
        monkeypatch.setenv(name, "placeholder")
        monkeypatch.delenv(name)
    assert load_dotenv(path) == ["TARGETSMS_LOGIN", "TARGETSMS_PASSWORD"]
    with tsf.Client() as client:
        assert client.login == "shop"


# -- the duplicate guard -----------------------------------------------------------------


def test_guard_lets_a_new_request_through_and_marks_it_in_flight(clock: ManualClock) -> None:
    guard = DuplicateGuard(60.0, clock)
    key = request_key([("id_message", "1")])
    assert guard.try_acquire(key) == 0.0
    assert math.isinf(guard.wait_time(key))
    assert math.isinf(guard.try_acquire(key))


def test_guard_window_starts_when_the_attempt_ends(clock: ManualClock) -> None:
    guard = DuplicateGuard(60.0, clock)
    key = request_key([("id_message", "1")])
    guard.try_acquire(key)
    clock.advance(10)
    guard.release(key, reached=True)
    assert guard.wait_time(key) == 60.0
    clock.advance(59)
    assert guard.try_acquire(key) == 1.0
    clock.advance(1)
    assert guard.try_acquire(key) == 0.0


def test_guard_forgets_an_attempt_that_never_reached_the_provider(clock: ManualClock) -> None:
    guard = DuplicateGuard(60.0, clock)
    key = request_key([("id_message", "1")])
    guard.try_acquire(key)
    guard.release(key, reached=False)
    assert guard.try_acquire(key) == 0.0


def test_guard_keys_ignore_parameter_order_but_not_values(clock: ManualClock) -> None:
    guard = DuplicateGuard(60.0, clock)
    first = request_key([("phone", PHONE), ("send_sms", "1")])
    assert request_key([("send_sms", "1"), ("phone", PHONE)]) == first
    guard.try_acquire(first)
    guard.release(first, reached=True)
    assert guard.try_acquire(request_key([("phone", PHONE), ("send_sms", "2")])) == 0.0
    assert guard.try_acquire(request_key([("phone", PHONE2), ("send_sms", "1")])) == 0.0


class _CountingDict(dict):  # type: ignore[type-arg]
    """A dict that counts how often it is walked whole."""

    walks = 0

    def items(self):  # type: ignore[no-untyped-def,override]
        _CountingDict.walks += 1
        return super().items()

    def __iter__(self):  # type: ignore[no-untyped-def]
        _CountingDict.walks += 1
        return super().__iter__()

    def keys(self):  # type: ignore[no-untyped-def,override]
        _CountingDict.walks += 1
        return super().keys()


def test_guard_work_per_request_stays_constant_however_many_are_remembered(
    clock: ManualClock,
) -> None:
    """60,000 personalised messages: thousands of requests inside the window at once. The
    guard forgets expired requests one by one, never by walking every one it remembers."""
    guard = DuplicateGuard(60.0, clock)
    guard._done = _CountingDict()  # type: ignore[assignment]
    _CountingDict.walks = 0
    for i in range(20_000):
        key = request_key([("phone", str(79000000000 + i)), ("text_sms", "Hi")])
        assert guard.try_acquire(key) == 0.0
        guard.release(key, reached=True)
        clock.advance(0.01)  # 100 requests a second: 6,000 inside the window at any time
    assert _CountingDict.walks == 0
    assert 5_900 <= len(guard) <= 6_100  # what left the window was forgotten


def test_guard_with_a_zero_window_never_holds_back(clock: ManualClock) -> None:
    guard = DuplicateGuard(0.0, clock)
    key = request_key([("id_message", "1")])
    guard.try_acquire(key)
    guard.release(key, reached=True)
    assert guard.try_acquire(key) == 0.0


# -- the clients' duplicate rule ---------------------------------------------------------


def test_a_repeated_send_is_refused_by_default_without_contacting_the_provider(
    client: tsf.Client, sandbox: Sandbox, clock: ManualClock
) -> None:
    client.send(PHONE, **SMS)
    clock.advance(30)
    with pytest.raises(DuplicateRequestError) as info:
        client.send(PHONE, **SMS)
    assert info.value.local
    assert len(sandbox.requests) == 1 and len(sandbox.messages) == 1
    clock.advance(30)
    client.send(PHONE, **SMS)  # the window has passed
    assert len(sandbox.messages) == 2


def test_an_identical_send_waits_out_the_window_when_asked(
    waiting_client: tsf.Client, sandbox: Sandbox, clock: ManualClock
) -> None:
    client = waiting_client
    start = clock()
    first = client.send(PHONE, **SMS)
    clock.advance(20)
    second = client.send(PHONE, **SMS)
    assert clock() == start + 60
    assert first != second
    times = [r.time for r in sandbox.requests]
    assert times == [start, start + 60]
    assert all(r.processed and r.reply != DUPLICATE_TEXT for r in sandbox.requests)
    assert len(sandbox.messages) == 2


def test_an_identical_status_check_waits_out_the_window(
    client: tsf.Client, sandbox: Sandbox, clock: ManualClock
) -> None:
    [message_id] = client.send(PHONE, **SMS)
    start = clock()
    assert client.status(message_id) == "send"
    clock.advance(1)
    final = client.status(message_id)
    assert clock() == start + 60
    assert sandbox.status_checks(message_id) == [start, start + 60]
    assert final == sandbox.messages.loc[0, "final_status"]
    assert all(r.reply != DUPLICATE_TEXT for r in sandbox.requests)


def test_an_identical_send_is_refused_locally_when_asked(
    raising_client: tsf.Client, sandbox: Sandbox, clock: ManualClock
) -> None:
    raising_client.send(PHONE, **SMS)
    clock.advance(59.5)
    before = sandbox.requests
    with pytest.raises(DuplicateRequestError) as info:
        raising_client.send(PHONE, **SMS)
    assert sandbox.requests == before
    assert len(sandbox.messages) == 1
    assert info.value.text == DUPLICATE_TEXT
    assert any("without contacting the provider" in note for note in info.value.__notes__)
    clock.advance(0.5)
    raising_client.send(PHONE, **SMS)
    assert len(sandbox.requests) == 2


def test_an_identical_status_check_is_refused_locally_when_asked(
    raising_client: tsf.Client, sandbox: Sandbox, clock: ManualClock
) -> None:
    [message_id] = raising_client.send(PHONE, **SMS)
    raising_client.status(message_id)
    before = sandbox.requests
    with pytest.raises(DuplicateRequestError):
        raising_client.status(message_id)
    assert sandbox.requests == before
    assert len(sandbox.status_checks(message_id)) == 1


def test_the_window_counts_from_when_the_reply_arrived(clock: ManualClock) -> None:
    sandbox = Sandbox(clock=clock, faults=Faults(latency=5))
    with tsf.Client.sandbox(sandbox, on_duplicate="raise") as client:
        sent_at = clock()
        client.send(PHONE, **SMS)
        replied_at = clock()
        assert replied_at == sent_at + 5
        clock.advance(sent_at + 60 - clock())
        with pytest.raises(DuplicateRequestError):
            client.send(PHONE, **SMS)
        assert len(sandbox.requests) == 1
        clock.advance(replied_at + 60 - clock())
        client.send(PHONE, **SMS)
    assert len(sandbox.requests) == 2
    assert all(r.processed for r in sandbox.requests)


def test_waiting_with_latency_counts_from_the_reply(clock: ManualClock) -> None:
    sandbox = Sandbox(clock=clock, faults=Faults(latency=5))
    with tsf.Client.sandbox(sandbox, on_duplicate="wait") as client:
        client.send(PHONE, **SMS)
        replied_at = clock()
        client.send(PHONE, **SMS)
    # the second request left at reply + 60 and was handled after its own latency
    assert [r.time for r in sandbox.requests] == [replied_at, replied_at + 65]


def test_different_parameters_are_not_duplicates(
    raising_client: tsf.Client, sandbox: Sandbox, clock: ManualClock
) -> None:
    start = clock()
    raising_client.send(PHONE, **SMS)
    raising_client.send(PHONE, **{**SMS, "text_sms": "Другой текст"})
    raising_client.send(PHONE2, **SMS)
    raising_client.send([PHONE, PHONE2], **SMS)
    raising_client.send([PHONE2, PHONE], **SMS)
    raising_client.send(PHONE, **SMS, extra={"send_vk": 3})
    assert clock() == start
    assert len(sandbox.requests) == 6
    assert all(r.processed for r in sandbox.requests)


def test_a_send_and_a_status_never_collide(
    raising_client: tsf.Client, sandbox: Sandbox, clock: ManualClock
) -> None:
    [a, b] = raising_client.send([PHONE, PHONE2], **SMS)
    raising_client.status(a)
    raising_client.status(b)
    assert len(sandbox.requests) == 3


def test_a_request_never_sent_does_not_start_a_window(
    raising_client: tsf.Client, sandbox: Sandbox
) -> None:
    sandbox.inject("refuse", raising_client.retries + 1)
    with pytest.raises(RequestNotSentError):
        raising_client.send(PHONE, **SMS)
    ids = raising_client.send(PHONE, **SMS)
    assert len(ids) == 1
    assert len(sandbox.requests) == raising_client.retries + 2
    assert sandbox.requests[-1].processed


def test_a_request_with_an_unknown_outcome_starts_a_window(
    raising_client: tsf.Client, sandbox: Sandbox, clock: ManualClock
) -> None:
    sandbox.inject("drop_after")
    with pytest.raises(OutcomeUnknownError):
        raising_client.send(PHONE, **SMS)
    with pytest.raises(DuplicateRequestError):
        raising_client.send(PHONE, **SMS)
    assert len(sandbox.requests) == 1
    clock.advance(60)
    raising_client.send(PHONE, **SMS)
    assert sandbox.requests[-1].processed


def test_a_request_refused_by_the_provider_starts_a_window(
    raising_client: tsf.Client, sandbox: Sandbox
) -> None:
    with pytest.raises(StopListedError):
        raising_client.send(STOP_LISTED_PHONE, **SMS)
    with pytest.raises(DuplicateRequestError):
        raising_client.send(STOP_LISTED_PHONE, **SMS)
    assert len(sandbox.requests) == 1


def test_waiting_after_an_unknown_outcome_avoids_the_provider_duplicate_error(
    waiting_client: tsf.Client, sandbox: Sandbox, clock: ManualClock
) -> None:
    client = waiting_client
    sandbox.inject("timeout_after")
    start = clock()
    with pytest.raises(OutcomeUnknownError):
        client.send(PHONE, **SMS)
    client.send(PHONE, **SMS)
    assert [r.time for r in sandbox.requests] == [start, start + 60]
    assert all(r.processed for r in sandbox.requests)


def test_a_provider_duplicate_reply_is_a_duplicate_request_error(clock: ManualClock) -> None:
    sandbox = Sandbox(clock=clock)
    with tsf.Client.sandbox(sandbox, duplicate_window=0) as client:
        client.send(PHONE, **SMS)
        with pytest.raises(DuplicateRequestError) as info:
            client.send(PHONE, **SMS)
    assert info.value.text == DUPLICATE_TEXT
    assert not hasattr(info.value, "__notes__")
    assert sandbox.requests[-1].reply == DUPLICATE_TEXT


def test_two_threads_with_the_identical_request_take_turns() -> None:
    window = 0.2
    sandbox = Sandbox(duplicate_window=window, faults=Faults(latency=0.05))
    barrier = threading.Barrier(2)
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def worker(client: tsf.Client) -> None:
        barrier.wait(timeout=5)
        try:
            results.append(client.send(PHONE, **SMS))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    with tsf.Client.sandbox(
        sandbox, duplicate_window=window, timeout=5, on_duplicate="wait"
    ) as client:
        threads = [threading.Thread(target=worker, args=(client,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert len(results) == 2
    assert results[0] != results[1]
    # the sandbox refuses an identical request inside its own window: both were processed
    assert [r.processed for r in sandbox.requests] == [True, True]
    assert all(r.reply != DUPLICATE_TEXT for r in sandbox.requests)


def test_the_client_shares_the_sandbox_manual_clock(sandbox: Sandbox, clock: ManualClock) -> None:
    with tsf.Client.sandbox(sandbox) as client:
        assert client.clock is clock
        assert client.sleep == clock.sleep
        assert client.duplicate_window == 60.0


def test_on_duplicate_must_be_wait_or_raise() -> None:
    with pytest.raises(ValueError, match="on_duplicate"):
        tsf.Client("me", "pw", on_duplicate="ignore")  # type: ignore[arg-type]


# -- the sync client over the sandbox ----------------------------------------------------


def test_sandbox_client_round_trip(clock: ManualClock) -> None:
    with tsf.Client.sandbox(Sandbox(clock=clock)) as client:
        [message_id] = client.send(PHONE, **SMS)
        assert message_id.isdigit()
        assert client.status(message_id) == "send"
        clock.advance(60)
        assert client.status(message_id) in {"deliver", "not_deliver", "expired", "partly_deliver"}


def test_a_default_sandbox_client_works() -> None:
    with tsf.Client.sandbox() as client:
        [message_id] = client.send(PHONE, **SMS)
        assert client.status(message_id) == "send"


def test_ids_come_back_in_phone_order(client: tsf.Client, sandbox: Sandbox) -> None:
    phones = [PHONE3, PHONE, PHONE2]
    ids = client.send(phones, **SMS)
    assert len(ids) == 3
    by_id = sandbox.messages.set_index("message_id")["phone"]
    assert [by_id[i] for i in ids] == phones


def test_the_sandbox_receives_the_parameters_verbatim(client: tsf.Client, sandbox: Sandbox) -> None:
    text = "Скидка 10% + подарок & доставка = 0 ₽ #1 😀"
    client.send(
        PHONE,
        send_viber=1,
        sender_viber="ShopV",
        text_viber=text,
        button_text="Открыть",
        button_url="https://shop.example/?a=1&b=2",
        send_sms=2,
        sender_sms="Shop",
        text_sms=text,
    )
    row = sandbox.messages.iloc[0]
    assert row["text_viber"] == text
    assert row["text_sms"] == text
    assert row["button_url"] == "https://shop.example/?a=1&b=2"
    assert row["send_sms"] == "2"
    assert [n for n, _ in sandbox.requests[0].params][:2] == ["phone", "send_viber"]


def test_status_reports_the_sandbox_status(
    client: tsf.Client, sandbox: Sandbox, clock: ManualClock
) -> None:
    ids = client.send([PHONE, PHONE2], **SMS)
    clock.advance(60)
    expected = sandbox.messages.set_index("message_id")["status"]
    assert [client.status(i) for i in ids] == [expected[i] for i in ids]


def test_status_accepts_an_integer_id(client: tsf.Client) -> None:
    [message_id] = client.send(PHONE, **SMS)
    assert client.status(int(message_id)) == "send"


def test_status_of_an_unknown_message_is_a_provider_error(client: tsf.Client) -> None:
    with pytest.raises(ProviderError) as info:
        client.status("1")
    assert info.value.text == "Сообщение не найдено."


def test_local_argument_errors_never_reach_the_sandbox(
    client: tsf.Client, sandbox: Sandbox
) -> None:
    with pytest.raises(TypeError):
        client.send(PHONE, text="Hi")
    with pytest.raises(ValueError):
        client.send([PHONE, PHONE], **SMS)
    with pytest.raises(ValueError):
        client.send("+79000000001", **SMS)
    with pytest.raises(ValueError):
        client.status("abc")
    assert sandbox.requests == []


@pytest.mark.parametrize(
    ("phones", "params", "cls", "text"),
    [
        (STOP_LISTED_PHONE, SMS, StopListedError, "Номер телефона присутствует в стоп-листе."),
        ([PHONE, STOP_LISTED_PHONE], SMS, StopListedError, None),
        (PHONE, {"send_sms": 1, "text_sms": "Hi"}, SenderError, "Нет отправителя."),
        (PHONE, {"send_sms": 1, "sender_sms": "Shop"}, MessageContentError, None),
        (
            PHONE,
            {"send_sms": 1, "sender_sms": "AVeryLongSenderName", "text_sms": "Hi"},
            SenderError,
            None,
        ),
        ("790000000000000", SMS, PhoneError, "Номер телефона должен быть меньше 15 символов."),
        (
            PHONE,
            {"send_viber": 1, "sender_viber": "V", "text_viber": "Hi", "button_text": "Go"},
            MessageContentError,
            "Нет ссылки.",
        ),
    ],
)
def test_provider_error_texts_raise_the_matching_error(
    client: tsf.Client,
    sandbox: Sandbox,
    phones: str | list[str],
    params: dict[str, object],
    cls: type[ProviderError],
    text: str | None,
) -> None:
    with pytest.raises(ProviderError) as info:
        client.send(phones, **params)
    assert type(info.value) is cls
    assert info.value.text == sandbox.requests[-1].reply
    if text is not None:
        assert info.value.text == text
    assert info.value.may_have_been_sent is False
    assert sandbox.messages.empty


def test_wrong_credentials_are_an_account_error(clock: ManualClock) -> None:
    sandbox = Sandbox(clock=clock, credentials=("shop", "right"))
    with (
        tsf.Client.sandbox(sandbox, login="shop", password="wrong") as client,
        pytest.raises(AccountError) as info,
    ):
        client.send(PHONE, **SMS)
    assert info.value.stops_campaign
    assert info.value.text == "Неверный логин или пароль."


def test_provider_errors_carry_the_redacted_url(clock: ManualClock) -> None:
    with (
        tsf.Client.sandbox(Sandbox(clock=clock), password="hunter2") as client,
        pytest.raises(StopListedError) as info,
    ):
        client.send(STOP_LISTED_PHONE, **SMS)
    assert info.value.url is not None
    assert shown_password(info.value.url) == "***"
    assert "hunter2" not in info.value.url
    assert f"phone={STOP_LISTED_PHONE}" in info.value.url


# -- faults ------------------------------------------------------------------------------


def test_refused_connections_are_retried_then_raise_request_not_sent(
    client: tsf.Client, sandbox: Sandbox, clock: ManualClock
) -> None:
    start = clock()
    sandbox.inject("refuse", 3)
    with pytest.raises(RequestNotSentError) as info:
        client.send(PHONE, **SMS)
    assert client.retries == 2
    assert len(sandbox.requests) == 3
    assert [r.fault for r in sandbox.requests] == ["refuse"] * 3
    assert sandbox.messages.empty
    assert info.value.may_have_been_sent is False
    assert isinstance(info.value, TransportError)
    assert shown_password(info.value.url) == "***"
    # backoff 0.5 then 1.0 seconds on the shared manual clock
    assert clock() == start + 1.5


def test_a_refused_connection_then_success_is_retried_transparently(
    client: tsf.Client, sandbox: Sandbox
) -> None:
    sandbox.inject("refuse", 2)
    ids = client.send(PHONE, **SMS)
    assert len(sandbox.requests) == 3
    assert sandbox.messages["message_id"].tolist() == ids


@pytest.mark.parametrize("retries", [0, 1, 4])
def test_the_number_of_attempts_follows_retries(clock: ManualClock, retries: int) -> None:
    sandbox = Sandbox(clock=clock)
    sandbox.inject("refuse", 10)
    with (
        tsf.Client.sandbox(sandbox, retries=retries, backoff=0.0) as client,
        pytest.raises(RequestNotSentError),
    ):
        client.status(1)
    assert len(sandbox.requests) == retries + 1


@pytest.mark.parametrize("kind", ["drop_before", "drop_after", "timeout_after", "http_500"])
def test_lost_replies_raise_outcome_unknown_and_are_made_once(
    client: tsf.Client, sandbox: Sandbox, kind: str
) -> None:
    sandbox.inject(kind)  # type: ignore[arg-type]
    with pytest.raises(OutcomeUnknownError) as info:
        client.send(PHONE, **SMS)
    assert not isinstance(info.value, UnexpectedReplyError)
    assert info.value.may_have_been_sent is True
    assert len(sandbox.requests) == 1
    assert sandbox.requests[0].fault == kind
    assert shown_password(info.value.url) == "***"
    created = 0 if kind == "drop_before" else 1
    assert len(sandbox.messages) == created


@pytest.mark.parametrize("kind", ["drop_before", "drop_after", "timeout_after", "http_500"])
def test_status_checks_with_lost_replies_raise_outcome_unknown(
    client: tsf.Client, sandbox: Sandbox, kind: str
) -> None:
    [message_id] = client.send(PHONE, **SMS)
    sandbox.inject(kind)  # type: ignore[arg-type]
    with pytest.raises(OutcomeUnknownError):
        client.status(message_id)
    assert len(sandbox.requests) == 2


def test_garbage_replies_raise_unexpected_reply(client: tsf.Client, sandbox: Sandbox) -> None:
    sandbox.inject("garbage", 2)
    raws = []
    for phone in (PHONE, PHONE2):
        with pytest.raises(UnexpectedReplyError) as info:
            client.send(phone, **SMS)
        assert isinstance(info.value, OutcomeUnknownError)
        assert info.value.may_have_been_sent is True
        assert info.value.raw
        raws.append(info.value.raw)
    assert any("<html" in raw.lower() for raw in raws)
    assert len(sandbox.requests) == 2
    assert len(sandbox.messages) == 2


def test_garbage_status_reply_raises_unexpected_reply(client: tsf.Client, sandbox: Sandbox) -> None:
    [message_id] = client.send(PHONE, **SMS)
    sandbox.inject("garbage")
    with pytest.raises(UnexpectedReplyError):
        client.status(message_id)


def test_a_non_200_reply_is_unexpected() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, text="Forbidden")

    with (
        tsf.Client("me", "pw", transport=httpx.MockTransport(handler)) as client,
        pytest.raises(UnexpectedReplyError, match="403") as info,
    ):
        client.status(1)
    assert info.value.raw == "Forbidden"


def test_a_reply_that_is_not_utf8_is_unexpected() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content="доставлено".encode("cp1251"))

    with (
        tsf.Client("me", "pw", transport=httpx.MockTransport(handler)) as client,
        pytest.raises(UnexpectedReplyError, match="not readable text"),
    ):
        client.status(1)


def test_only_requests_never_sent_are_retried() -> None:
    calls: list[str] = []
    errors: list[Exception] = [
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("read"),
        httpx.ReadTimeout("read"),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        raise errors.pop(0)

    with (
        tsf.Client(
            "me", "pw", transport=httpx.MockTransport(handler), sleep=lambda s: None
        ) as client,
        pytest.raises(OutcomeUnknownError),
    ):
        client.status(1)
    assert len(calls) == 2


def test_connect_timeouts_count_as_not_sent() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        raise httpx.ConnectTimeout("connect")

    with (
        tsf.Client(
            "me", "pw", transport=httpx.MockTransport(handler), sleep=lambda s: None, retries=1
        ) as client,
        pytest.raises(RequestNotSentError),
    ):
        client.status(1)
    assert len(calls) == 2


def test_repr_shows_login_and_base_url_but_not_the_password() -> None:
    with tsf.Client("shop", "hunter2") as client:
        text = repr(client)
    assert text == f"Client(login='shop', base_url='{DEFAULT_BASE_URL}')"
    assert "hunter2" not in text


# -- the async client --------------------------------------------------------------------


def test_async_sandbox_client_round_trip(clock: ManualClock) -> None:
    sandbox = Sandbox(clock=clock)

    async def main() -> tuple[list[str], str, str]:
        async with tsf.AsyncClient.sandbox(sandbox) as client:
            ids = await client.send([PHONE3, PHONE], **SMS)
            first = await client.status(ids[0])
            clock.advance(60)
            return ids, first, await client.status(ids[0])

    ids, first, final = run(main())  # type: ignore[misc]
    assert first == "send"
    messages = sandbox.messages.set_index("message_id")
    assert [messages.loc[i, "phone"] for i in ids] == [PHONE3, PHONE]
    assert final == messages.loc[ids[0], "final_status"]


def test_async_identical_request_waits_out_the_window(clock: ManualClock) -> None:
    sandbox = Sandbox(clock=clock)
    start = clock()

    async def main() -> None:
        async with tsf.AsyncClient.sandbox(sandbox, on_duplicate="wait") as client:
            await client.send(PHONE, **SMS)
            await client.send(PHONE, **SMS)

    run(main())
    assert [r.time for r in sandbox.requests] == [start, start + 60]
    assert all(r.processed for r in sandbox.requests)


def test_async_identical_request_is_refused_locally_when_asked(clock: ManualClock) -> None:
    sandbox = Sandbox(clock=clock)

    async def main() -> None:
        async with tsf.AsyncClient.sandbox(sandbox, on_duplicate="raise") as client:
            await client.send(PHONE, **SMS)
            with pytest.raises(DuplicateRequestError):
                await client.send(PHONE, **SMS)

    run(main())
    assert len(sandbox.requests) == 1


def test_async_window_counts_from_the_reply(clock: ManualClock) -> None:
    sandbox = Sandbox(clock=clock, faults=Faults(latency=5))

    async def main() -> None:
        async with tsf.AsyncClient.sandbox(sandbox, on_duplicate="raise") as client:
            sent_at = clock()
            await client.send(PHONE, **SMS)
            replied_at = clock()
            assert replied_at == sent_at + 5
            clock.advance(sent_at + 60 - clock())
            with pytest.raises(DuplicateRequestError):
                await client.send(PHONE, **SMS)
            clock.advance(replied_at + 60 - clock())
            await client.send(PHONE, **SMS)

    run(main())
    assert len(sandbox.requests) == 2


def test_async_concurrent_identical_requests_take_turns(clock: ManualClock) -> None:
    sandbox = Sandbox(clock=clock, faults=Faults(latency=1))

    async def main() -> list[list[str]]:
        async with tsf.AsyncClient.sandbox(sandbox, on_duplicate="wait") as client:
            return list(await asyncio.gather(client.send(PHONE, **SMS), client.send(PHONE, **SMS)))

    first, second = run(main())  # type: ignore[misc]
    assert first != second
    assert [r.processed for r in sandbox.requests] == [True, True]
    assert sandbox.requests[1].time - sandbox.requests[0].time >= 60


def test_async_refused_connections_are_retried_then_raise(clock: ManualClock) -> None:
    sandbox = Sandbox(clock=clock)
    sandbox.inject("refuse", 3)

    async def main() -> None:
        async with tsf.AsyncClient.sandbox(sandbox, on_duplicate="raise") as client:
            with pytest.raises(RequestNotSentError):
                await client.send(PHONE, **SMS)
            await client.send(PHONE, **SMS)

    run(main())
    assert len(sandbox.requests) == 4
    assert sandbox.requests[-1].processed


@pytest.mark.parametrize(
    ("kind", "cls"),
    [
        ("drop_before", OutcomeUnknownError),
        ("drop_after", OutcomeUnknownError),
        ("timeout_after", OutcomeUnknownError),
        ("http_500", OutcomeUnknownError),
        ("garbage", UnexpectedReplyError),
    ],
)
def test_async_faults_are_translated_and_made_once(
    clock: ManualClock, kind: str, cls: type[Exception]
) -> None:
    sandbox = Sandbox(clock=clock)
    sandbox.inject(kind)  # type: ignore[arg-type]

    async def main() -> None:
        async with tsf.AsyncClient.sandbox(sandbox) as client:
            with pytest.raises(cls) as info:
                await client.send(PHONE, **SMS)
            assert info.value.may_have_been_sent is True  # type: ignore[attr-defined]

    run(main())
    assert len(sandbox.requests) == 1


def test_async_provider_errors_raise_the_matching_error(clock: ManualClock) -> None:
    sandbox = Sandbox(clock=clock)

    async def main() -> None:
        async with tsf.AsyncClient.sandbox(sandbox) as client:
            with pytest.raises(StopListedError) as info:
                await client.send(STOP_LISTED_PHONE, **SMS)
            assert info.value.text == "Номер телефона присутствует в стоп-листе."
            with pytest.raises(ProviderError, match=r"Сообщение не найдено\."):
                await client.status(1)

    run(main())


def test_async_no_funds_error_may_have_been_sent() -> None:
    text = (
        "Недостаточно средств для отправки SMS. SMS будет отправлена как только вы пополните "
        "счет по данному направлению."
    )

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text=text)

    async def main() -> None:
        async with tsf.AsyncClient("me", "pw", transport=httpx.MockTransport(handler)) as client:
            with pytest.raises(AccountError) as info:
                await client.send(PHONE, **SMS)
            assert info.value.may_have_been_sent is True
            assert info.value.stops_campaign is True

    run(main())


def test_async_repr_hides_the_password() -> None:
    async def main() -> str:
        async with tsf.AsyncClient("shop", "hunter2") as client:
            return repr(client)

    text = run(main())
    assert text == f"AsyncClient(login='shop', base_url='{DEFAULT_BASE_URL}')"


# -- over a real loopback socket ---------------------------------------------------------

LOGIN = "shop"
SOCKET_PASSWORD = "p+a&s%s#w=o rd"
SOCKET_TEXT = "Привет! Скидка 10% + подарок & доставка = 0 ₽ #1"


@pytest.fixture
def served(clock: ManualClock) -> Iterator[tuple[Sandbox, str]]:
    sandbox = Sandbox(clock=clock, credentials=(LOGIN, SOCKET_PASSWORD))
    with serve(sandbox, timeout_hold=5) as url:
        yield sandbox, url


@pytest.mark.socket
def test_socket_send_and_status_round_trip(served: tuple[Sandbox, str], clock: ManualClock) -> None:
    sandbox, url = served
    with tsf.Client(LOGIN, SOCKET_PASSWORD, base_url=url, timeout=10) as client:
        ids = client.send([PHONE, PHONE2], send_sms=1, sender_sms="Shop", text_sms=SOCKET_TEXT)
        assert client.status(ids[0]) == "send"
        clock.advance(60)
        final = client.status(ids[1])
    messages = sandbox.messages.set_index("message_id")
    assert messages.loc[ids, "phone"].tolist() == [PHONE, PHONE2]
    assert messages["text_sms"].tolist() == [SOCKET_TEXT, SOCKET_TEXT]
    assert final == messages.loc[ids[1], "final_status"]


@pytest.mark.socket
def test_socket_async_round_trip(served: tuple[Sandbox, str]) -> None:
    sandbox, url = served

    async def main() -> str:
        async with tsf.AsyncClient(LOGIN, SOCKET_PASSWORD, base_url=url, timeout=10) as client:
            [message_id] = await client.send(PHONE, send_sms=1, sender_sms="S", text_sms="Hi")
            return await client.status(message_id)

    assert run(main()) == "send"
    assert len(sandbox.messages) == 1


@pytest.mark.socket
def test_socket_wrong_password_is_refused_by_the_provider(served: tuple[Sandbox, str]) -> None:
    _, url = served
    with (
        tsf.Client(LOGIN, SOCKET_PASSWORD + "x", base_url=url, timeout=10) as client,
        pytest.raises(ProviderError, match=r"Неверный логин или пароль\."),
    ):
        client.status(1)


@pytest.mark.socket
def test_socket_drop_after_is_an_unknown_outcome_with_the_message_created(
    served: tuple[Sandbox, str],
) -> None:
    sandbox, url = served
    sandbox.inject("drop_after")
    with (
        tsf.Client(LOGIN, SOCKET_PASSWORD, base_url=url, timeout=10) as client,
        pytest.raises(OutcomeUnknownError) as info,
    ):
        client.send(PHONE, **SMS)
    assert not isinstance(info.value, UnexpectedReplyError)
    assert len(sandbox.requests) == 1
    assert len(sandbox.messages) == 1


@pytest.mark.socket
def test_socket_http_500_is_an_unknown_outcome(served: tuple[Sandbox, str]) -> None:
    sandbox, url = served
    sandbox.inject("http_500")
    with (
        tsf.Client(LOGIN, SOCKET_PASSWORD, base_url=url, timeout=10) as client,
        pytest.raises(OutcomeUnknownError, match="HTTP 500"),
    ):
        client.send(PHONE, **SMS)
    assert len(sandbox.requests) == 1
    assert len(sandbox.messages) == 1


@pytest.mark.socket
def test_socket_timeout_is_an_unknown_outcome(served: tuple[Sandbox, str]) -> None:
    sandbox, url = served
    sandbox.inject("timeout_after")
    with (
        tsf.Client(LOGIN, SOCKET_PASSWORD, base_url=url, timeout=0.3) as client,
        pytest.raises(OutcomeUnknownError) as info,
    ):
        client.send(PHONE, **SMS)
    assert info.value.may_have_been_sent is True
    assert len(sandbox.requests) == 1
    assert len(sandbox.messages) == 1


def closed_port_url() -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/sendmessage.php"


@pytest.mark.socket
def test_a_closed_port_is_request_not_sent_after_retries() -> None:
    waits: list[float] = []
    with (
        tsf.Client("me", "pw", base_url=closed_port_url(), sleep=waits.append) as client,
        pytest.raises(RequestNotSentError) as info,
    ):
        client.send(PHONE, **SMS)
    assert info.value.may_have_been_sent is False
    assert waits == [0.5, 1.0]


@pytest.mark.socket
def test_a_closed_port_does_not_start_a_window() -> None:
    with tsf.Client(
        "me", "pw", base_url=closed_port_url(), on_duplicate="raise", retries=0
    ) as client:
        for _ in range(2):
            with pytest.raises(RequestNotSentError):
                client.status(1)


# -- replies as other implementations of the guide may send them ------------------------------


def _client_replying(status: int, body: bytes, content_type: str | None) -> tsf.Client:
    headers = {"content-type": content_type} if content_type else {}
    return tsf.Client(
        "shop",
        "pw",
        transport=httpx.MockTransport(
            lambda r: httpx.Response(status, content=body, headers=headers)
        ),
        retries=0,
    )


def test_a_reply_with_a_byte_order_mark_is_read_as_ids() -> None:
    client = _client_replying(200, "\ufeff1179038981".encode(), "text/plain")
    assert client.send("79000000001", send_sms=1, sender_sms="Shop", text_sms="Hi") == [
        "1179038981"
    ]


def test_a_windows_1251_error_text_is_understood() -> None:
    text = "Номер телефона присутствует в стоп-листе."
    for content_type in ("text/plain; charset=windows-1251", None):
        client = _client_replying(200, text.encode("cp1251"), content_type)
        with pytest.raises(StopListedError) as info:
            client.send("79000000001", send_sms=1, sender_sms="Shop", text_sms="Hi")
        assert info.value.text == text


def test_undecodable_bytes_are_not_a_clear_answer() -> None:
    client = _client_replying(200, b"\xff\xfe\x00junk\x81", None)
    with pytest.raises(UnexpectedReplyError):
        client.send("79000000001", send_sms=1, sender_sms="Shop", text_sms="Hi")


def test_a_known_refusal_with_a_4xx_status_is_still_a_refusal() -> None:
    client = _client_replying(400, "Нет отправителя.".encode(), "text/plain; charset=utf-8")
    with pytest.raises(SenderError):
        client.send("79000000001", send_sms=1, sender_sms="Shop", text_sms="Hi")


def test_any_other_4xx_may_have_been_processed() -> None:
    client = _client_replying(404, b"Not Found", "text/plain")
    with pytest.raises(UnexpectedReplyError) as info:
        client.status("1179038981")
    assert info.value.may_have_been_sent


def test_a_connection_idle_for_a_second_is_not_reused_by_a_send() -> None:
    # servers close idle connections after 2 to 75 s; a send down a connection the server is
    # closing at that moment has no clear answer (unknown), so the client drops idle ones first
    connections: list[object] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, for as long as the client wants

        def setup(self) -> None:
            connections.append(self.client_address)
            super().setup()

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    client = tsf.Client("shop", "pw", base_url=url)
    try:
        for _ in range(3):  # back to back: one connection
            assert client._http.get(url).text == "ok"
        assert len(connections) == 1
        time.sleep(1.5)  # idle past the client's limit, well within any server's
        assert client._http.get(url).text == "ok"
        assert len(connections) == 2
    finally:
        client.close()
        server.shutdown()
        server.server_close()
