"""Each sandbox has a name and a base URL of its own, and its clients use that URL."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pandas as pd
import pytest

import targetsms_frames as tsf
from targetsms_frames._wire import DEFAULT_BASE_URL


class _Recording(httpx.BaseTransport):
    """Pass requests on to a transport and keep every URL that went through."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.urls: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(str(request.url))
        return self.inner.handle_request(request)


def test_a_sandbox_has_a_short_random_name_and_its_own_base_url() -> None:
    first, second = tsf.Sandbox(), tsf.Sandbox()
    assert first.name != second.name
    assert len(first.name) <= 8 and first.name.isalnum() and first.name.islower()
    assert first.base_url == f"https://{first.name}.sandbox.invalid/sendmessage.php"
    assert first.base_url != second.base_url


def test_a_given_name_makes_the_base_url_and_shows_in_the_repr() -> None:
    sandbox = tsf.Sandbox(name="spring-rehearsal", seed=3)
    assert sandbox.base_url == "https://spring-rehearsal.sandbox.invalid/sendmessage.php"
    assert repr(sandbox) == "Sandbox(name='spring-rehearsal', seed=3, messages=0, requests=0)"
    sandbox.reset()
    assert sandbox.name == "spring-rehearsal"


@pytest.mark.parametrize("name", ["", "Shop", "two words", "-edge", "edge-", "x" * 64, "a.b"])
def test_a_name_that_cannot_be_a_host_label_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="sandbox name"):
        tsf.Sandbox(name=name)


def test_a_sandbox_client_uses_the_sandbox_url_never_the_real_one() -> None:
    sandbox = tsf.Sandbox(name="shop-test")
    with tsf.Client.sandbox(sandbox) as client:
        assert client.base_url == sandbox.base_url
        assert DEFAULT_BASE_URL not in repr(client)
        assert "shop-test.sandbox.invalid" in repr(client)
        assert client.send("79000000001", send_sms=1, sender_sms="Shop", text_sms="Hi")
    assert tsf.Client.sandbox().base_url != tsf.Client.sandbox().base_url


def test_an_async_sandbox_client_uses_the_sandbox_url() -> None:
    sandbox = tsf.Sandbox()

    async def go() -> tuple[str, list[str]]:
        async with tsf.AsyncClient.sandbox(sandbox) as client:
            ids = await client.send("79000000001", send_sms=1, sender_sms="S", text_sms="Hi")
            return client.base_url, ids

    base_url, ids = asyncio.run(go())
    assert base_url == sandbox.base_url and ids == sandbox.messages["message_id"].tolist()


def test_an_explicit_base_url_still_wins() -> None:
    url = "https://white-label.example/sendmessage.php"
    assert tsf.Client.sandbox(tsf.Sandbox(), base_url=url).base_url == url


def test_planned_url_lengths_are_those_of_the_urls_the_sandbox_receives(
    make_messages: Callable[..., pd.DataFrame],
) -> None:
    sandbox = tsf.Sandbox(name="a-rather-long-sandbox-name-to-test-the-url-budget")
    recording = _Recording(sandbox.transport())
    client = tsf.Client(
        "sandbox", "sandbox", base_url=sandbox.base_url, transport=recording, clock=sandbox.clock
    )
    msgs = make_messages(60, texts=2)
    planned = tsf.preview(msgs, client, max_url_length=400)
    sent = tsf.send(msgs, client, max_url_length=400, progress=False)
    assert (sent["send_state"] == "sent").all()
    assert sent["request_id"].tolist() == planned["request_id"].tolist()
    lengths = planned.groupby("request_id")["url_length"].first().tolist()
    assert sorted(len(url) for url in recording.urls) == sorted(lengths)
    assert max(lengths) <= 400 and len(lengths) > 2
    assert all(url.startswith(sandbox.base_url + "?") for url in recording.urls)
