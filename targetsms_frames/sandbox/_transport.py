"""The in-process transport: one class serving a sandbox to sync and async httpx clients.

Like ``httpx.MockTransport`` it is both an ``httpx.BaseTransport`` and an
``httpx.AsyncBaseTransport``. For each request it routes (``._http.off_route``), waits the
latency on the sandbox's clock, lets the sandbox decide, and turns the reply's fault into the
error a real network raises (``._faults.FAULT_EFFECTS``): a refused connection is
``httpx.ConnectError``, a cut one ``httpx.RemoteProtocolError``, a held reply
``httpx.ReadTimeout``. Any host is accepted: the path decides.

Examples
--------
>>> import httpx
>>> from targetsms_frames.sandbox import Sandbox
>>> http = httpx.Client(transport=SandboxTransport(Sandbox()))
>>> http.get("https://x/sendmessage.php?login=me&password=pw&id_message=1").text
'Сообщение не найдено.'
"""

from __future__ import annotations

from typing import Final

import httpx

from .._clock import Sleep
from ._faults import FAULT_EFFECTS, AsyncSleep, await_latency, clock_sleeps, wait_latency
from ._http import ALLOW, Endpoint, SandboxReply, off_route, parse_query

__all__ = ["SandboxTransport"]

#: What the client meets for each fault that keeps the reply from it.
_NETWORK_ERRORS: Final[dict[str, tuple[type[httpx.TransportError], str]]] = {
    "refused": (httpx.ConnectError, "[Errno 111] Connection refused"),
    "cut": (httpx.RemoteProtocolError, "Server disconnected without sending a response."),
    "held": (httpx.ReadTimeout, "The read operation timed out"),
}


class SandboxTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Serve ``GET /sendmessage.php`` from a sandbox without a socket, sync and async.

    Parameters
    ----------
    sandbox : Sandbox
        The emulator that answers (anything with its ``handle``, ``faults`` and ``clock``).
    sleep, async_sleep : callable, optional
        How latency is waited; by default the sandbox clock's own (a ``ManualClock``
        advances instead of waiting), else real sleeps.

    Examples
    --------
    >>> import asyncio, httpx
    >>> from targetsms_frames.sandbox import Sandbox
    >>> transport = SandboxTransport(Sandbox())
    >>> async def status() -> str:
    ...     async with httpx.AsyncClient(transport=transport) as http:
    ...         reply = await http.get("https://x/sendmessage.php?login=a&password=b&id_message=7")
    ...         return reply.text
    >>> asyncio.run(status())
    'Сообщение не найдено.'
    """

    def __init__(
        self,
        sandbox: Endpoint,
        *,
        sleep: Sleep | None = None,
        async_sleep: AsyncSleep | None = None,
    ) -> None:
        self.sandbox = sandbox
        clock_sleep, clock_async_sleep = clock_sleeps(sandbox.clock)
        self._sleep = sleep if sleep is not None else clock_sleep
        self._async_sleep = async_sleep if async_sleep is not None else clock_async_sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Route, wait the latency, let the sandbox answer, and apply the fault."""
        early = _off_route(request)
        if early is not None:
            return early
        wait_latency(self.sandbox.faults, self._sleep)
        return _respond(self.sandbox.handle(parse_query(request.url.query)), request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """The same as ``handle_request``, waiting without blocking the event loop."""
        early = _off_route(request)
        if early is not None:
            return early
        await await_latency(self.sandbox.faults, self._async_sleep)
        return _respond(self.sandbox.handle(parse_query(request.url.query)), request)

    def __repr__(self) -> str:
        return f"SandboxTransport({self.sandbox!r})"


def _off_route(request: httpx.Request) -> httpx.Response | None:
    refused = off_route(request.method, request.url.path)
    if refused is None:
        return None
    status, text = refused
    headers = {"allow": ALLOW} if status == 405 else {}
    return httpx.Response(status, text=text, headers=headers, request=request)


def _respond(reply: SandboxReply, request: httpx.Request) -> httpx.Response:
    """Turn a reply into an httpx response, or raise the error its fault stands for."""
    if reply.fault is not None:
        network = _NETWORK_ERRORS.get(FAULT_EFFECTS[reply.fault].client_meets)
        if network is not None:
            error, message = network
            raise error(message, request=request)
    return httpx.Response(
        reply.status_code,
        headers={"content-type": reply.content_type},
        content=reply.body.encode("utf-8"),
        request=request,
    )
