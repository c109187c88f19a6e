"""The in-process httpx transports that serve a ``Sandbox`` without a socket.

They route a request (404 off ``/sendmessage.php``, 405 for other methods), decode its query,
wait the sandbox's latency, let the sandbox answer, and turn the reply's fault into the httpx
error a real network would raise. ``parse_query`` and ``ENDPOINT_PATH`` are shared with the
socket server in ``_sandbox_server``.

Examples
--------
>>> import httpx
>>> from targetsms_frames._sandbox import Sandbox
>>> http = httpx.Client(transport=SandboxTransport(Sandbox()))
>>> http.get("https://x/sendmessage.php?login=me&password=pw&id_message=1").text
'Сообщение не найдено.'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final
from urllib.parse import parse_qsl

import httpx

if TYPE_CHECKING:
    from ._sandbox import Sandbox, SandboxReply

__all__ = ["ENDPOINT_PATH", "AsyncSandboxTransport", "SandboxTransport", "parse_query"]

ENDPOINT_PATH: Final = "/sendmessage.php"


def parse_query(raw: bytes | str) -> list[tuple[str, str]]:
    """Decode a query string as UTF-8 into (name, value) pairs, blanks kept.

    >>> parse_query(b"login=me&phone=79000000001,79000000002&text_sms=%D0%9F%2B1%25")
    [('login', 'me'), ('phone', '79000000001,79000000002'), ('text_sms', 'П+1%')]
    """
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="replace")


def _route(request: httpx.Request) -> httpx.Response | None:
    """The reply to a request that is not for the endpoint, or ``None`` when it is."""
    if request.url.path != ENDPOINT_PATH:
        return httpx.Response(404, text="Not Found", request=request)
    if request.method != "GET":
        return httpx.Response(
            405, text="Method Not Allowed", headers={"allow": "GET"}, request=request
        )
    return None


def _respond(reply: SandboxReply, request: httpx.Request) -> httpx.Response:
    """Turn a reply into an httpx response, or raise the error its fault stands for."""
    if reply.fault == "refuse":
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
    if reply.fault in ("drop_before", "drop_after"):
        raise httpx.RemoteProtocolError(
            "Server disconnected without sending a response.", request=request
        )
    if reply.fault == "timeout_after":
        raise httpx.ReadTimeout("The read operation timed out", request=request)
    return httpx.Response(
        reply.status_code,
        headers={"content-type": reply.content_type},
        content=reply.body.encode("utf-8"),
        request=request,
    )


class SandboxTransport(httpx.BaseTransport):
    """Serve ``GET /sendmessage.php`` from a ``Sandbox`` without a socket."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Route, wait the configured latency, handle, and apply the fault."""
        early = _route(request)
        if early is not None:
            return early
        self.sandbox._pause()
        return _respond(self.sandbox.handle(parse_query(request.url.query)), request)


class AsyncSandboxTransport(httpx.AsyncBaseTransport):
    """The async twin of ``SandboxTransport``."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Route, wait the configured latency, handle, and apply the fault."""
        early = _route(request)
        if early is not None:
            return early
        await self.sandbox._apause()
        return _respond(self.sandbox.handle(parse_query(request.url.query)), request)
