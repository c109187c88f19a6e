"""The sandbox over a real loopback socket behaves as it does in-process."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from targetsms_frames._clock import ManualClock
from targetsms_frames._wire import (
    DUPLICATE_TEXT,
    encode_query,
    parse_send_reply,
    parse_status_reply,
    send_params,
    status_params,
)
from targetsms_frames.sandbox import Sandbox
from targetsms_frames.sandbox._server import create_app, serve

LOGIN, PASSWORD = "shop", "p@ss&word+%"
pytestmark = [
    pytest.mark.socket,
    pytest.mark.sandbox(seed=0, status_delay=(2.0, 30.0), credentials=(LOGIN, PASSWORD)),
]

TEXT = "Привет! Скидка 10% + подарок & доставка = 0 ₽"


@pytest.fixture
def url(sandbox: Sandbox) -> Iterator[str]:
    with serve(sandbox) as endpoint:
        yield endpoint


def send_query(phones: str | list[str] = "79000000001") -> str:
    params = send_params(phones, send_sms=1, sender_sms="Shop", text_sms=TEXT)
    return encode_query(LOGIN, PASSWORD, params)


def test_serve_yields_a_loopback_sendmessage_url(url: str) -> None:
    assert url.startswith("http://127.0.0.1:")
    assert url.endswith("/sendmessage.php")


def test_send_and_status_round_trip_keeps_text_intact(
    sandbox: Sandbox, clock: ManualClock, url: str
) -> None:
    with httpx.Client(timeout=10) as http:
        reply = http.get(f"{url}?{send_query(['79000000001', '79000000002'])}")
        assert reply.headers["content-type"] == "text/plain; charset=utf-8"
        ids = parse_send_reply(reply.text, expected=2)
        assert sandbox.messages["text_sms"].tolist() == [TEXT, TEXT]
        assert sandbox.messages["message_id"].tolist() == ids

        status_url = f"{url}?{encode_query(LOGIN, PASSWORD, status_params(ids[0]))}"
        assert parse_status_reply(http.get(status_url).text) == "send"
        assert http.get(status_url).text == DUPLICATE_TEXT
        clock.advance(60)
        final = sandbox.messages.set_index("message_id").loc[ids[0], "final_status"]
        assert parse_status_reply(http.get(status_url).text) == final


def test_drop_after_raises_while_the_message_was_created(sandbox: Sandbox, url: str) -> None:
    sandbox.inject("drop_after")
    with httpx.Client(timeout=10) as http, pytest.raises(httpx.RemoteProtocolError):
        http.get(f"{url}?{send_query()}")
    assert len(sandbox.messages) == 1
    assert sandbox.requests[-1].processed


def test_drop_before_raises_and_nothing_is_created(sandbox: Sandbox, url: str) -> None:
    sandbox.inject("drop_before")
    with httpx.Client(timeout=10) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            http.get(f"{url}?{send_query()}")
        assert sandbox.messages.empty
        assert http.get(f"{url}?{send_query()}").text.isdigit()


def test_http_500_is_an_error_page_after_processing(sandbox: Sandbox, url: str) -> None:
    sandbox.inject("http_500")
    with httpx.Client(timeout=10) as http:
        reply = http.get(f"{url}?{send_query()}")
    assert reply.status_code == 500
    assert "500 Internal Server Error" in reply.text
    assert len(sandbox.messages) == 1


def test_timeout_after_holds_the_reply_after_processing(sandbox: Sandbox, url: str) -> None:
    sandbox.inject("timeout_after")
    with httpx.Client(timeout=0.5) as http, pytest.raises(httpx.ReadTimeout):
        http.get(f"{url}?{send_query()}")
    assert len(sandbox.messages) == 1


def test_only_get_sendmessage_is_served(sandbox: Sandbox, url: str) -> None:
    with httpx.Client(timeout=10) as http:
        assert http.post(url).status_code == 405
        assert http.get(url.replace("sendmessage.php", "index.php")).status_code == 404
    assert sandbox.requests == []


def test_server_stops_on_exit(sandbox: Sandbox) -> None:
    with serve(sandbox) as endpoint:
        assert httpx.get(endpoint, timeout=10).status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(endpoint, timeout=2)


def test_app_routes_the_endpoint_only(sandbox: Sandbox) -> None:
    app = create_app(sandbox)
    assert [route.path for route in app.routes] == ["/sendmessage.php"]  # type: ignore[attr-defined]
