"""No failure of any kind lets the account password out: errors, tracebacks, logs, reprs."""

from __future__ import annotations

import asyncio
import logging
import socket
import traceback
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

import targetsms_frames as tsf
from targetsms_frames._clock import ManualClock
from targetsms_frames._config import Secret
from targetsms_frames.sandbox import Sandbox
from targetsms_frames.sandbox._server import serve

LOGIN = "shop"
PASSWORD = "S3cr3t+P@ss%&word"
pytestmark = pytest.mark.sandbox(seed=0, status_delay=(2.0, 30.0), credentials=(LOGIN, PASSWORD))
FORMS = {
    "raw": PASSWORD,
    "quoted": quote(PASSWORD, safe=""),
    "quote_plus": quote_plus(PASSWORD),
    "quoted-lower": quote(PASSWORD, safe="").lower(),
}
PHONE = "79000000001"
SMS = {"send_sms": 1, "sender_sms": "Shop", "text_sms": "Привет! 10% & =+#"}
LOGGERS = ("httpx", "httpcore", "targetsms_frames", "uvicorn", "uvicorn.error", "asyncio")


def leaked(text: str) -> list[str]:
    return [name for name, form in FORMS.items() if form in text]


@pytest.fixture(autouse=True)
def _no_env_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TARGETSMS_LOGIN", "TARGETSMS_PASSWORD", "TARGETSMS_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def sandbox_client(sandbox: Sandbox, **kwargs: Any) -> tsf.Client:
    return tsf.Client.sandbox(sandbox, login=LOGIN, password=PASSWORD, **kwargs)


def exception_texts(exc: BaseException) -> dict[str, str]:
    texts = {
        "str": str(exc),
        "repr": repr(exc),
        "args": repr(exc.args),
        "traceback": "".join(traceback.format_exception(exc)),
    }
    for name, value in vars(exc).items():
        texts[f"attribute {name}"] = f"{value!s} {value!r}"
    for note in getattr(exc, "__notes__", []):
        texts["note"] = note
    return texts


def assert_no_password(
    exc: BaseException,
    logs: pytest.LogCaptureFixture,
    client: object | None = None,
) -> None:
    found = {where: leaked(text) for where, text in exception_texts(exc).items()}
    for record in logs.records:
        found[f"log {record.name}"] = leaked(record.getMessage())
    found["formatted logs"] = leaked(logs.text)
    if client is not None:
        found["repr(client)"] = leaked(repr(client))
    assert {where: forms for where, forms in found.items() if forms} == {}


def catch(call: Callable[[], object]) -> BaseException:
    with pytest.raises(tsf.TargetSMSError) as info:
        call()
    return info.value


# -- in-process sandbox ------------------------------------------------------------------


def test_the_password_is_accepted_by_the_sandbox(sandbox: Sandbox) -> None:
    with sandbox_client(sandbox) as client:
        assert len(client.send(PHONE, **SMS)) == 1


@pytest.mark.parametrize(
    ("kind", "count", "cls"),
    [
        ("refuse", 3, tsf.RequestNotSentError),
        ("drop_before", 1, tsf.OutcomeUnknownError),
        ("drop_after", 1, tsf.OutcomeUnknownError),
        ("timeout_after", 1, tsf.OutcomeUnknownError),
        ("http_500", 1, tsf.OutcomeUnknownError),
        ("garbage", 1, tsf.UnexpectedReplyError),
        ("garbage", 2, tsf.UnexpectedReplyError),
    ],
)
@pytest.mark.parametrize("call", ["send", "status"])
def test_no_fault_reveals_the_password(
    sandbox: Sandbox,
    logs: pytest.LogCaptureFixture,
    kind: str,
    count: int,
    cls: type[Exception],
    call: str,
) -> None:
    with sandbox_client(sandbox) as client:
        if count == 2:  # the second garbage reply is the other kind of junk
            sandbox.inject(kind)  # type: ignore[arg-type]
            catch(lambda: client.status(2))
            logs.clear()
            count = 1
        sandbox.inject(kind, count)  # type: ignore[arg-type]
        if call == "send":
            exc = catch(lambda: client.send(PHONE, **SMS))
        else:
            exc = catch(lambda: client.status(1))
        assert isinstance(exc, cls)
        assert_no_password(exc, logs, client)


@pytest.mark.parametrize(
    ("phones", "params", "cls"),
    [
        ("79000000000", SMS, tsf.StopListedError),
        (PHONE, {"send_sms": 1, "text_sms": "Hi"}, tsf.SenderError),
        (PHONE, {"send_sms": 1, "sender_sms": "Shop"}, tsf.MessageContentError),
    ],
)
def test_provider_errors_do_not_reveal_the_password(
    sandbox: Sandbox,
    logs: pytest.LogCaptureFixture,
    phones: str,
    params: dict[str, object],
    cls: type[Exception],
) -> None:
    with sandbox_client(sandbox) as client:
        exc = catch(lambda: client.send(phones, **params))
        assert type(exc) is cls
        assert_no_password(exc, logs, client)


def test_a_refused_password_is_not_revealed(
    clock: ManualClock, logs: pytest.LogCaptureFixture
) -> None:
    sandbox = Sandbox(clock=clock, credentials=(LOGIN, "another"))
    with sandbox_client(sandbox) as client:
        exc = catch(lambda: client.status(1))
        assert exc.text == "Неверный логин или пароль."  # type: ignore[attr-defined]
        assert_no_password(exc, logs, client)


def test_a_provider_duplicate_error_does_not_reveal_the_password(
    sandbox: Sandbox, logs: pytest.LogCaptureFixture
) -> None:
    with sandbox_client(sandbox, duplicate_window=0) as client:
        client.send(PHONE, **SMS)
        exc = catch(lambda: client.send(PHONE, **SMS))
        assert isinstance(exc, tsf.DuplicateRequestError)
        assert_no_password(exc, logs, client)


def test_a_local_duplicate_refusal_does_not_reveal_the_password(
    sandbox: Sandbox, logs: pytest.LogCaptureFixture
) -> None:
    with sandbox_client(sandbox, on_duplicate="raise") as client:
        client.send(PHONE, **SMS)
        exc = catch(lambda: client.send(PHONE, **SMS))
        assert isinstance(exc, tsf.DuplicateRequestError)
        assert_no_password(exc, logs, client)


def test_retries_and_successes_log_no_password(
    sandbox: Sandbox, logs: pytest.LogCaptureFixture
) -> None:
    sandbox.inject("refuse", 2)
    with sandbox_client(sandbox) as client:
        [message_id] = client.send(PHONE, **SMS)
        client.status(message_id)
    assert any("retrying" in record.getMessage() for record in logs.records)
    found = {record.name: leaked(record.getMessage()) for record in logs.records}
    assert {name: forms for name, forms in found.items() if forms} == {}
    assert leaked(logs.text) == []


@pytest.mark.parametrize(
    "base_url",
    [
        "http://example.com/sendmessage.php",
        "http://10.0.0.1/sendmessage.php",
        "https://sms.targetsms.ru/sendmessage.php?x=1",
        "ftp://sms.targetsms.ru/sendmessage.php",
    ],
)
def test_bad_configuration_does_not_reveal_the_password(
    logs: pytest.LogCaptureFixture, base_url: str
) -> None:
    exc = catch(lambda: tsf.Client(LOGIN, PASSWORD, base_url=base_url))
    assert isinstance(exc, tsf.ConfigurationError)
    assert_no_password(exc, logs)


def test_a_missing_login_does_not_reveal_the_password(logs: pytest.LogCaptureFixture) -> None:
    exc = catch(lambda: tsf.Client(None, PASSWORD))
    assert isinstance(exc, tsf.ConfigurationError)
    assert_no_password(exc, logs)


def test_a_missing_login_with_the_password_in_the_environment(
    logs: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TARGETSMS_PASSWORD", PASSWORD)
    exc = catch(lambda: tsf.Client())
    assert "TARGETSMS_LOGIN" in str(exc)
    assert_no_password(exc, logs)


@pytest.mark.parametrize("kind", ["refuse", "drop_after", "http_500", "garbage"])
def test_async_faults_do_not_reveal_the_password(
    sandbox: Sandbox, logs: pytest.LogCaptureFixture, kind: str
) -> None:
    sandbox.inject(kind, 3)  # type: ignore[arg-type]

    async def main() -> tuple[BaseException, str]:
        async with tsf.AsyncClient.sandbox(sandbox, login=LOGIN, password=PASSWORD) as client:
            with pytest.raises(tsf.TargetSMSError) as info:
                await client.send(PHONE, **SMS)
            return info.value, repr(client)

    exc, client_repr = asyncio.run(main())
    assert_no_password(exc, logs)
    assert leaked(client_repr) == []


def test_the_chained_transport_error_does_not_keep_the_password(sandbox: Sandbox) -> None:
    with sandbox_client(sandbox) as client:
        for kind, count in (("refuse", 3), ("drop_after", 1), ("timeout_after", 1)):
            sandbox.inject(kind, count)  # type: ignore[arg-type]
            exc = catch(lambda: client.status(1))
            chained = [exc.__context__, exc.__cause__]
            texts = [f"{link!r} {vars(link)!r}" for link in chained if link is not None]
            assert [leaked(text) for text in texts if leaked(text)] == [], kind
            sandbox.clock.advance(60)  # type: ignore[attr-defined]


# -- the client object itself ------------------------------------------------------------


def walk(obj: object, path: str, seen: set[int], depth: int = 0) -> Iterator[tuple[str, object]]:
    if id(obj) in seen or depth > 8:
        return
    seen.add(id(obj))
    yield path, obj
    if isinstance(obj, Secret | str | bytes | int | float | bool | type(None)):
        return
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from walk(key, f"{path}[key]", seen, depth + 1)
            yield from walk(value, f"{path}[{key!r}]", seen, depth + 1)
        return
    if isinstance(obj, list | tuple | set | frozenset):
        for i, value in enumerate(obj):
            yield from walk(value, f"{path}[{i}]", seen, depth + 1)
        return
    if callable(obj) and not hasattr(obj, "__dict__"):
        return
    attrs: dict[str, object] = {}
    if hasattr(obj, "__dict__"):
        attrs.update(vars(obj))
    for cls in type(obj).__mro__:
        for slot in getattr(cls, "__slots__", ()):
            if isinstance(slot, str) and hasattr(obj, slot):
                attrs.setdefault(slot, getattr(obj, slot))
    for name, value in attrs.items():
        yield from walk(value, f"{path}.{name}", seen, depth + 1)


def password_holders(client: object) -> list[str]:
    holders = []
    for path, value in walk(client, "client", set()):
        if isinstance(value, str | bytes):
            text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
            if leaked(text):
                holders.append(path)
    return holders


def test_the_client_keeps_the_password_only_inside_a_secret(sandbox: Sandbox) -> None:
    with sandbox_client(sandbox) as client:
        client.send(PHONE, **SMS)
        sandbox.inject("drop_after")
        catch(lambda: client.status(1))
        secrets = [v for _, v in walk(client, "client", set()) if isinstance(v, Secret)]
        assert [s.reveal() for s in secrets] == [PASSWORD]
        assert password_holders(client) == []
        assert leaked(repr(vars(client))) == []
        assert leaked(repr(client)) == []


def test_the_async_client_keeps_the_password_only_inside_a_secret(sandbox: Sandbox) -> None:
    async def main() -> list[str]:
        async with tsf.AsyncClient.sandbox(sandbox, login=LOGIN, password=PASSWORD) as client:
            await client.send(PHONE, **SMS)
            return password_holders(client) + leaked(repr(vars(client)))

    assert asyncio.run(main()) == []


def test_the_sandbox_keeps_no_password(sandbox: Sandbox) -> None:
    with sandbox_client(sandbox) as client:
        client.send(PHONE, **SMS)
    assert leaked(repr(sandbox.requests)) == []
    assert leaked(sandbox.messages.to_csv()) == []
    assert leaked(repr(sandbox)) == []


# -- over a real loopback socket ---------------------------------------------------------


@pytest.fixture
def served(sandbox: Sandbox) -> Iterator[str]:
    with serve(sandbox, timeout_hold=5) as url:
        yield url


@pytest.mark.socket
def test_a_real_round_trip_logs_no_password(
    sandbox: Sandbox, served: str, logs: pytest.LogCaptureFixture
) -> None:
    with tsf.Client(LOGIN, PASSWORD, base_url=served, timeout=10) as client:
        [message_id] = client.send(PHONE, **SMS)
        assert client.status(message_id) == "send"
        assert leaked(repr(client)) == []
    assert any(record.name == "httpx" for record in logs.records)
    found = {record.name: leaked(record.getMessage()) for record in logs.records}
    assert {name: forms for name, forms in found.items() if forms} == {}
    assert leaked(logs.text) == []


@pytest.mark.socket
@pytest.mark.parametrize(
    ("kind", "cls"),
    [
        ("drop_before", tsf.OutcomeUnknownError),
        ("drop_after", tsf.OutcomeUnknownError),
        ("http_500", tsf.OutcomeUnknownError),
        ("garbage", tsf.UnexpectedReplyError),
        ("timeout_after", tsf.OutcomeUnknownError),
    ],
)
def test_real_socket_faults_do_not_reveal_the_password(
    sandbox: Sandbox, served: str, logs: pytest.LogCaptureFixture, kind: str, cls: type
) -> None:
    sandbox.inject(kind)  # type: ignore[arg-type]
    with tsf.Client(LOGIN, PASSWORD, base_url=served, timeout=0.5) as client:
        exc = catch(lambda: client.send(PHONE, **SMS))
        assert isinstance(exc, cls)
        assert_no_password(exc, logs, client)


@pytest.mark.socket
def test_a_real_provider_error_does_not_reveal_the_password(
    served: str, logs: pytest.LogCaptureFixture
) -> None:
    with tsf.Client(LOGIN, PASSWORD, base_url=served, timeout=10) as client:
        exc = catch(lambda: client.send("79000000000", **SMS))
        assert isinstance(exc, tsf.StopListedError)
        assert_no_password(exc, logs, client)


@pytest.mark.socket
def test_a_closed_port_does_not_reveal_the_password(logs: pytest.LogCaptureFixture) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/sendmessage.php"
    with tsf.Client(LOGIN, PASSWORD, base_url=url, sleep=lambda s: None) as client:
        exc = catch(lambda: client.send(PHONE, **SMS))
        assert isinstance(exc, tsf.RequestNotSentError)
        assert_no_password(exc, logs, client)


def test_an_error_page_that_echoes_the_request_url_is_scrubbed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import httpx

    def echo(request: httpx.Request) -> httpx.Response:
        page = f"<html><body>Not found: {request.url} (password {PASSWORD})</body></html>"
        return httpx.Response(404, text=page)

    client = tsf.Client("shop", PASSWORD, transport=httpx.MockTransport(echo), retries=0)
    for call in (
        lambda: client.status("1179038981"),
        lambda: client.send("79000000001", send_sms=1, sender_sms="Shop", text_sms="Hi"),
    ):
        error = catch(call)
        assert isinstance(error, tsf.UnexpectedReplyError)
        assert "Not found" in error.raw
        assert_no_password(error, caplog, client)
