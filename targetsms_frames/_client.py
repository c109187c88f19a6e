"""``Client`` and ``AsyncClient``: the provider's two calls over httpx, with the duplicate guard.

Both share :class:`_ClientCore` (settings, URL building, the guard, reply handling); only the
waiting and the HTTP call differ. Every httpx failure is translated (:mod:`._exchange`) into
one of two kinds that matter downstream: ``RequestNotSentError`` (proven nothing left: retried
with backoff) and ``OutcomeUnknownError`` (may have been processed: never retried here).

Examples
--------
>>> import targetsms_frames as tsf
>>> with tsf.Client.sandbox() as client:
...     ids = client.send(["79000000001", "79000000002"], send_sms=1, sender_sms="Shop",
...                       text_sms="Привет!")
...     client.status(ids[0])
'send'
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import httpx

from ._clock import Clock, FastClock, ManualClock, Sleep
from ._config import Secret, Settings
from ._exceptions import (
    DuplicateRequestError,
    RequestNotSentError,
    TargetSMSError,
    TransportError,
    UnexpectedReplyError,
)
from ._exchange import RAW_KEEP, fresh, raise_if_interrupt, read_body, translate, unexpected
from ._guard import DuplicateGuard, RequestKey, request_key
from ._wire import (
    DUPLICATE_TEXT,
    encode_query,
    parse_send_reply,
    parse_status_reply,
    send_params,
    status_params,
)

if TYPE_CHECKING:
    from .sandbox import Sandbox

__all__ = ["AsyncClient", "Client", "OnDuplicate"]

logger = logging.getLogger("targetsms_frames")
T = TypeVar("T")
OnDuplicate = Literal["wait", "raise"]
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
#: Connections idle for a second are closed by the client, well before common servers close
#: theirs (2 to 75 s): a send never goes down a connection its server is closing that very
#: moment, which would leave the message ``unknown``. Busy connections stay reused.
POOL_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=100, keepalive_expiry=1.0)
_INFLIGHT_POLL = 0.05
#: Where an in-process sandbox client says it sends: a loopback name, as long as the provider's.


def _sandbox_settings(sandbox: Sandbox | None, kwargs: dict[str, Any]) -> Sandbox:
    """The sandbox to wire a client to, filling in its demo credentials, base URL and clock.

    The base URL is the sandbox's own (``https://<name>.sandbox.invalid/...``), so journals
    and reprs name that sandbox, never the real endpoint.
    """
    from .sandbox import Sandbox

    sb = sandbox if sandbox is not None else Sandbox()
    kwargs.setdefault("login", "sandbox")
    kwargs.setdefault("password", "sandbox")
    kwargs.setdefault("base_url", sb.base_url)
    if isinstance(sb.clock, ManualClock | FastClock):
        kwargs.setdefault("clock", sb.clock)
    return sb


def _sleep_of(clock: object, name: str, default: Callable[[float], Any]) -> Any:
    """The clock's own sleep (a test or demo clock), else the real one."""
    found = getattr(clock, name, None)
    return found if callable(found) else default


class _ClientCore:
    """What both clients share: settings, URLs, the duplicate guard, retry policy."""

    def __init__(
        self,
        login: str | None,
        password: str | Secret | None,
        *,
        base_url: str | None,
        timeout: float | httpx.Timeout,
        duplicate_window: float,
        on_duplicate: OnDuplicate | None,
        clock: Clock | None,
        retries: int,
        backoff: float,
    ) -> None:
        if on_duplicate not in ("wait", "raise", None):
            raise ValueError("on_duplicate must be 'wait', 'raise' or None")
        self._settings = Settings.resolve(login, password, base_url=base_url)
        self._clock: Clock = clock or time.time
        self._guard = DuplicateGuard(duplicate_window, self._clock)
        #: ``None``: ``send`` raises on a repeated request, ``status`` waits the window out.
        self.on_duplicate: OnDuplicate | None = on_duplicate
        self.retries = int(retries)
        self.backoff = float(backoff)
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)

    @property
    def login(self) -> str:
        """The account login."""
        return self._settings.login

    @property
    def base_url(self) -> str:
        """The endpoint URL, without query."""
        return self._settings.base_url

    @property
    def duplicate_window(self) -> float:
        """Seconds during which an identical request is not repeated."""
        return self._guard.window

    @property
    def clock(self) -> Clock:
        """The clock the duplicate guard counts with."""
        return self._clock

    def url_length(self, params: Iterable[tuple[str, str]]) -> int:
        """Length of the full request URL for ``params``, credentials included."""
        s = self._settings
        shown = len(encode_query(s.login, "", list(params)))
        return len(s.base_url) + 1 + shown + s.password.quoted_length()

    def _url(self, params: list[tuple[str, str]]) -> str:
        s = self._settings
        return f"{s.base_url}?{encode_query(s.login, s.password.reveal(), params)}"

    def _shown(self, params: list[tuple[str, str]]) -> str:
        """The request URL with the password replaced by ``***``: safe for errors and logs."""
        s = self._settings
        return f"{s.base_url}?{encode_query(s.login, '***', params)}"

    def _check_guard(self, key: RequestKey, kind: OnDuplicate) -> float:
        wait = self._guard.try_acquire(key)
        if wait and kind == "raise":
            err = DuplicateRequestError(DUPLICATE_TEXT)
            err.local = True
            err.add_note(
                "refused by this client without contacting the provider: an identical request "
                f"was made less than {self.duplicate_window:g} s ago (pass "
                "on_duplicate='wait' to the client to wait instead)"
            )
            raise err
        return min(wait, _INFLIGHT_POLL) if math.isinf(wait) else wait

    @staticmethod
    def _send_request(
        phones: str | Iterable[str], extra: Mapping[str, object] | None, params: dict[str, object]
    ) -> tuple[list[tuple[str, str]], Callable[[str, str], list[str]]]:
        """A send's parameters, and how to read its reply (one ID per phone)."""
        query = send_params(phones, extra=extra, **params)
        expected = query[0][1].count(",") + 1
        return query, lambda body, url: parse_send_reply(body, expected=expected, url=url)

    def _failure(
        self, exc: BaseException, params: list[tuple[str, str]]
    ) -> TransportError | BaseException:
        """What a failed HTTP call stands for, with no reference to its frames (which hold the
        real URL): a ``TransportError``, or the same interruption (Ctrl-C) afresh."""
        shown = self._shown(params)
        if isinstance(exc, httpx.TransportError):
            return translate(exc, shown, self._settings.password.redact)
        if isinstance(exc, Exception):
            return unexpected(exc, shown, self._settings.password.redact)
        return fresh(exc)  # Ctrl-C, exit, cancellation: the same, without a past

    def _conclude(
        self,
        outcome: httpx.Response | TransportError | None,
        shown: str,
        parse: Callable[[str, str], T],
    ) -> T:
        """The parsed reply, or the error; no error ever carries the password.

        A reply is kept in errors (``raw``, ``text``) for diagnosis, and a server may echo the
        request URL in an error page: every such text is scrubbed with the real password. The
        error is raised from here with a fresh traceback: the frames that read the reply (and
        hold it, unscrubbed, as locals) are not kept.
        """
        assert outcome is not None
        try:
            if isinstance(outcome, TransportError):
                raise outcome
            return parse(read_body(outcome, shown), shown)
        except TargetSMSError as exc:
            outcome = None
            scrub = self._settings.password.redact
            exc.args = tuple(scrub(a) if isinstance(a, str) else a for a in exc.args)
            for name in ("text", "url"):
                value = getattr(exc, name, None)
                if isinstance(value, str):
                    setattr(exc, name, scrub(value))
            if isinstance(exc, UnexpectedReplyError):  # scrubbed whole, then cut: a cut
                exc.raw = scrub(exc.raw)[:RAW_KEEP]  # never halves the password
            raise exc.with_traceback(None) from None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(login={self.login!r}, base_url={self.base_url!r})"


class Client(_ClientCore):
    """Synchronous TargetSMS client.

    Parameters
    ----------
    login, password : str, optional
        Account credentials; default to ``TARGETSMS_LOGIN`` / ``TARGETSMS_PASSWORD``.
    base_url : str, optional
        Endpoint; default ``TARGETSMS_BASE_URL`` or ``https://sms.targetsms.ru/sendmessage.php``.
        Plain ``http://`` is refused unless the host is loopback.
    timeout : float or httpx.Timeout
        Seconds to wait for the provider (connect timeout 10 s).
    duplicate_window : float
        Seconds an identical request is held back (the provider's one-per-minute rule),
        counted from when the earlier identical request's reply arrived or its attempt ended.
    transport : httpx.BaseTransport, optional
        For example a sandbox's transport; nothing then touches the network.
    on_duplicate : {"wait", "raise"}, optional
        What to do with a request identical to one made less than ``duplicate_window``
        seconds ago: wait the window out, or raise ``DuplicateRequestError`` without contacting
        the provider. By default ``send`` raises (a repeated send is a mistake to stop, not to
        delay) and ``status`` waits.
    clock, sleep : callables, optional
        Time source and sleep, injectable for tests.
    retries, backoff : int, float
        Retries of requests proven never to have left (connection refused, DNS); nothing
        else is ever retried.
    """

    def __init__(
        self,
        login: str | None = None,
        password: str | Secret | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        duplicate_window: float = 60.0,
        transport: httpx.BaseTransport | None = None,
        on_duplicate: OnDuplicate | None = None,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
        retries: int = 2,
        backoff: float = 0.5,
    ) -> None:
        super().__init__(
            login,
            password,
            base_url=base_url,
            timeout=timeout,
            duplicate_window=duplicate_window,
            on_duplicate=on_duplicate,
            clock=clock,
            retries=retries,
            backoff=backoff,
        )
        self._sleep: Sleep = sleep if sleep is not None else _sleep_of(clock, "sleep", time.sleep)
        self._http = httpx.Client(
            transport=transport, timeout=self._timeout, limits=POOL_LIMITS, trust_env=False
        )

    @property
    def sleep(self) -> Sleep:
        """How this client waits (``time.sleep`` unless a test clock was given)."""
        return self._sleep

    @classmethod
    def sandbox(cls, sandbox: Sandbox | None = None, **kwargs: Any) -> Client:
        """A client wired in-process to a :class:`~targetsms_frames.Sandbox` (a new one if None).

        Its base URL is the sandbox's own (``Sandbox.base_url``). The sandbox's clock is
        shared, so a sandbox on a ``ManualClock`` makes the duplicate window pass as soon as
        the clock is advanced.
        """
        sb = _sandbox_settings(sandbox, kwargs)
        return cls(transport=sb.transport(), **kwargs)

    def send(
        self,
        phones: str | Iterable[str],
        *,
        extra: Mapping[str, object] | None = None,
        on_duplicate: OnDuplicate | None = None,
        **params: object,
    ) -> list[str]:
        """Send one message to one or more phones; return one ID per phone, in order.

        A request identical to one made less than ``duplicate_window`` seconds ago is refused
        with ``DuplicateRequestError`` without contacting the provider, unless
        ``on_duplicate`` (here or on the client) says ``"wait"``.

        Raises ``ProviderError`` (a subclass for known texts), ``RequestNotSentError`` or
        ``OutcomeUnknownError``.
        """
        kind = on_duplicate or self.on_duplicate or "raise"
        return self._call(*self._send_request(phones, extra, params), kind)

    def status(self, message_id: str | int) -> str:
        """Return the message's status word verbatim (``send`` while pending)."""
        return self._call(
            status_params(message_id),
            lambda body, url: parse_status_reply(body, url=url),
            self.on_duplicate or "wait",
        )

    def _fetch(self, params: list[tuple[str, str]]) -> httpx.Response | TransportError:
        # No variable here holds the real URL; the frames below that do (URL building, httpx)
        # never reach a traceback: failures come back as values, and an interrupt is raised
        # afresh once they are gone.
        try:
            return self._http.get(self._url(params))
        except BaseException as exc:
            failure = self._failure(exc, params)
        return raise_if_interrupt(failure)

    def _call(
        self, params: list[tuple[str, str]], parse: Callable[[str, str], T], kind: OnDuplicate
    ) -> T:
        key = request_key(params)
        while wait := self._check_guard(key, kind):
            self._sleep(wait)
        shown = self._shown(params)
        outcome: httpx.Response | TransportError | None = None
        try:
            for attempt in range(self.retries + 1):
                outcome = self._fetch(params)
                if not isinstance(outcome, RequestNotSentError) or attempt == self.retries:
                    break
                logger.info("nothing sent (%s); retrying", shown)
                self._sleep(self.backoff * 2**attempt)
        finally:  # interrupted mid-request counts as reached: the window starts
            self._guard.release(key, reached=not isinstance(outcome, RequestNotSentError))
        try:
            return self._conclude(outcome, shown, parse)
        except TargetSMSError:
            outcome = None  # the reply may echo the request: this frame does not keep it
            raise

    def close(self) -> None:
        """Close the underlying connections."""
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient(_ClientCore):
    """Asynchronous twin of :class:`Client` (same arguments), usable as ``async with``.

    Examples
    --------
    >>> import asyncio, targetsms_frames as tsf
    >>> async def main():
    ...     async with tsf.AsyncClient.sandbox() as client:
    ...         [mid] = await client.send("79000000001", send_sms=1, sender_sms="Shop",
    ...                                   text_sms="Hi")
    ...         return await client.status(mid)
    >>> asyncio.run(main())
    'send'
    """

    def __init__(
        self,
        login: str | None = None,
        password: str | Secret | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        duplicate_window: float = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
        on_duplicate: OnDuplicate | None = None,
        clock: Clock | None = None,
        sleep: Callable[[float], Any] | None = None,
        retries: int = 2,
        backoff: float = 0.5,
    ) -> None:
        super().__init__(
            login,
            password,
            base_url=base_url,
            timeout=timeout,
            duplicate_window=duplicate_window,
            on_duplicate=on_duplicate,
            clock=clock,
            retries=retries,
            backoff=backoff,
        )
        self._sleep: Callable[[float], Any] = (
            sleep if sleep is not None else _sleep_of(clock, "async_sleep", asyncio.sleep)
        )
        self._http = httpx.AsyncClient(
            transport=transport, timeout=self._timeout, limits=POOL_LIMITS, trust_env=False
        )

    @classmethod
    def sandbox(cls, sandbox: Sandbox | None = None, **kwargs: Any) -> AsyncClient:
        """An async client wired in-process to a sandbox (a new one if None)."""
        sb = _sandbox_settings(sandbox, kwargs)
        return cls(transport=sb.transport(), **kwargs)

    async def send(
        self,
        phones: str | Iterable[str],
        *,
        extra: Mapping[str, object] | None = None,
        on_duplicate: OnDuplicate | None = None,
        **params: object,
    ) -> list[str]:
        """Send one message to one or more phones; return one ID per phone, in order."""
        kind = on_duplicate or self.on_duplicate or "raise"
        return await self._call(*self._send_request(phones, extra, params), kind)

    async def status(self, message_id: str | int) -> str:
        """Return the message's status word verbatim (``send`` while pending)."""
        return await self._call(
            status_params(message_id),
            lambda body, url: parse_status_reply(body, url=url),
            self.on_duplicate or "wait",
        )

    async def _fetch(self, params: list[tuple[str, str]]) -> httpx.Response | TransportError:
        try:  # see Client._fetch
            return await self._http.get(self._url(params))
        except BaseException as exc:
            failure = self._failure(exc, params)
        return raise_if_interrupt(failure)

    async def _call(
        self, params: list[tuple[str, str]], parse: Callable[[str, str], T], kind: OnDuplicate
    ) -> T:
        key = request_key(params)
        while wait := self._check_guard(key, kind):
            await self._sleep(wait)
        shown = self._shown(params)
        outcome: httpx.Response | TransportError | None = None
        try:
            for attempt in range(self.retries + 1):
                outcome = await self._fetch(params)
                if not isinstance(outcome, RequestNotSentError) or attempt == self.retries:
                    break
                logger.info("nothing sent (%s); retrying", shown)
                await self._sleep(self.backoff * 2**attempt)
        finally:  # interrupted mid-request counts as reached: the window starts
            self._guard.release(key, reached=not isinstance(outcome, RequestNotSentError))
        try:
            return self._conclude(outcome, shown, parse)
        except TargetSMSError:
            outcome = None  # the reply may echo the request: this frame does not keep it
            raise

    async def aclose(self) -> None:
        """Close the underlying connections."""
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
