"""The sandbox over a real socket: a Starlette app, a background server and a blocking one.

``serve`` runs uvicorn on loopback in a background thread for tests and notebooks;
``run_server`` runs it in the foreground for the ``targetsms-frames sandbox`` command.
Starlette and uvicorn load only when this module is imported, never with the package.

Faults are the ones the in-process transport applies (``._faults.FAULT_EFFECTS``), shaped as
a socket shows them: a refused or dropped connection is cut after the reply's headers
promised a body (a server that has accepted a connection cannot refuse it any more), a held
reply waits until the client gives up, and the request is processed or not exactly as
in-process. The access log is off, so no query (and no password) is ever logged.

Examples
--------
>>> import httpx
>>> from targetsms_frames.sandbox import Sandbox
>>> with serve(Sandbox()) as url:
...     httpx.get(url, params={"login": "me", "password": "pw", "id_message": "1"}).text
'Сообщение не найдено.'
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

import anyio
import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ._faults import FAULT_EFFECTS, await_latency, clock_sleeps
from ._http import ALLOW, ENDPOINT_PATH, Endpoint, off_route, parse_query

__all__ = ["create_app", "endpoint_url", "run_server", "serve"]

_LOG_LEVEL: Final = "warning"
_POLL: Final = 0.05
_PROMISED_LENGTH: Final = b"64"
_KEEP_ALIVE: Final = 75  # seconds an idle connection stays open (nginx's default)


class _ConnectionCut(Exception):
    """Raised inside the app to make the server close the connection mid-reply."""


class _QuietCuts(logging.Filter):
    """Keep the server's error log free of the sandbox's deliberate connection cuts."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, _ConnectionCut)


_QUIET_CUTS: Final = _QuietCuts()


def _quiet_cuts() -> None:
    logger = logging.getLogger("uvicorn.error")
    if _QUIET_CUTS not in logger.filters:
        logger.addFilter(_QUIET_CUTS)


class _App:
    """The ASGI endpoint for ``/sendmessage.php``."""

    def __init__(self, sandbox: Endpoint, timeout_hold: float, closing: threading.Event) -> None:
        self.sandbox = sandbox
        self.timeout_hold = timeout_hold
        self.closing = closing
        self._async_sleep = clock_sleeps(sandbox.clock)[1]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refused = off_route(scope["method"], scope["path"])
        if refused is not None:
            status, text = refused
            headers = {"allow": ALLOW} if status == 405 else {}
            response: Response = PlainTextResponse(text, status_code=status, headers=headers)
            await response(scope, receive, send)
            return
        await await_latency(self.sandbox.faults, self._async_sleep)
        reply = self.sandbox.handle(parse_query(scope.get("query_string", b"")))
        meets = FAULT_EFFECTS[reply.fault].client_meets if reply.fault is not None else None
        if meets == "held":
            await self._hold(receive)
        if meets in ("refused", "cut", "held"):
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", reply.content_type.encode()),
                        (b"content-length", _PROMISED_LENGTH),
                    ],
                }
            )
            raise _ConnectionCut(f"sandbox fault {reply.fault}")
        response = Response(
            reply.body, status_code=reply.status_code, media_type=reply.content_type
        )
        await response(scope, receive, send)

    async def _hold(self, receive: Receive) -> None:
        """Keep the reply back until the client hangs up, the hold ends or the server stops."""

        async def until_disconnect(scope: anyio.CancelScope) -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            scope.cancel()

        deadline = time.monotonic() + self.timeout_hold
        async with anyio.create_task_group() as group:
            group.start_soon(until_disconnect, group.cancel_scope)
            while time.monotonic() < deadline and not self.closing.is_set():
                await anyio.sleep(_POLL)
            group.cancel_scope.cancel()


def create_app(
    sandbox: Endpoint,
    *,
    timeout_hold: float = 60.0,
    closing: threading.Event | None = None,
) -> Starlette:
    """A Starlette app serving ``sandbox`` at ``/sendmessage.php`` (other paths are 404).

    Parameters
    ----------
    sandbox : Sandbox
        The emulator whose state the app reads and changes.
    timeout_hold : float
        Seconds a ``timeout_after`` fault holds the reply before cutting the connection.
    closing : threading.Event, optional
        Set it to release held replies at once (``serve`` does so on exit).

    Examples
    --------
    >>> from targetsms_frames.sandbox import Sandbox
    >>> app = create_app(Sandbox())
    >>> [route.path for route in app.routes]
    ['/sendmessage.php']
    """
    endpoint = _App(sandbox, timeout_hold, closing or threading.Event())
    return Starlette(routes=[Route(ENDPOINT_PATH, endpoint)])


def endpoint_url(host: str, port: int) -> str:
    """The endpoint URL of a server on ``host:port``.

    >>> endpoint_url("::1", 8055)
    'http://[::1]:8055/sendmessage.php'
    """
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}{ENDPOINT_PATH}"


def _config(app: Starlette, host: str, port: int) -> uvicorn.Config:
    _quiet_cuts()
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=_LOG_LEVEL,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
        # longer than a client pool's idle expiry (this toolkit's client: 1 s; httpx's
        # default: 5 s), so the client drops an idle connection first; equal timeouts race,
        # and a request written on a connection the server is closing comes back without a
        # reply: an ambiguous outcome
        timeout_keep_alive=_KEEP_ALIVE,
    )


@contextmanager
def serve(
    sandbox: Endpoint,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    timeout_hold: float = 60.0,
    startup_timeout: float = 10.0,
) -> Iterator[str]:
    """Run the sandbox on a real socket in a background thread; yield its endpoint URL.

    Parameters
    ----------
    sandbox : Sandbox
        The emulator to serve.
    host : str
        Interface to listen on (loopback by default).
    port : int
        Port to listen on; 0 picks a free one.
    timeout_hold : float
        Seconds a ``timeout_after`` fault holds its reply (released early on exit).
    startup_timeout : float
        Seconds to wait for the server to accept connections.

    Yields
    ------
    str
        The endpoint, e.g. ``http://127.0.0.1:PORT/sendmessage.php``.

    Examples
    --------
    >>> from targetsms_frames.sandbox import Sandbox
    >>> with serve(Sandbox()) as url:
    ...     url.startswith("http://127.0.0.1:") and url.endswith("/sendmessage.php")
    True
    """
    closing = threading.Event()
    app = create_app(sandbox, timeout_hold=timeout_hold, closing=closing)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio then sets TCP_NODELAY on accepted connections (without it
    # every reply on a kept-alive connection waits for the delayed acknowledgement, ~40 ms)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        bound_port = int(sock.getsockname()[1])
        server = uvicorn.Server(_config(app, host, bound_port))
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="targetsms-sandbox", daemon=True
        )
        thread.start()
        deadline = time.monotonic() + startup_timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                thread.join(timeout=2)
                raise RuntimeError(f"the sandbox server did not start on {host}:{bound_port}")
            time.sleep(0.01)
        try:
            yield endpoint_url(host, bound_port)
        finally:
            closing.set()
            server.should_exit = True
            thread.join(timeout=5)
    finally:
        sock.close()


def run_server(
    sandbox: Endpoint, host: str = "127.0.0.1", port: int = 8055, *, timeout_hold: float = 60.0
) -> None:
    """Serve ``sandbox`` in the foreground until interrupted (Ctrl+C).

    ``run_server(Sandbox(), port=8055)`` serves ``http://127.0.0.1:8055/sendmessage.php``;
    the ``targetsms-frames sandbox`` command does the same.

    Parameters
    ----------
    sandbox : Sandbox
        The emulator to serve.
    host : str
        Interface to listen on.
    port : int
        Port to listen on.
    timeout_hold : float
        Seconds a ``timeout_after`` fault holds its reply.
    """
    app = create_app(sandbox, timeout_hold=timeout_hold)
    uvicorn.Server(_config(app, host, port)).run()
