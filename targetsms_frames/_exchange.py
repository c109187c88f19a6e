"""The HTTP exchange with the provider: what httpx raises or returns, in our terms.

* httpx logs full request URLs: a log filter redacts the password from every record of the
  httpx, httpcore and targetsms_frames loggers (installed once, at import).
* :func:`translate` turns an httpx error into one of two kinds that matter downstream:
  ``RequestNotSentError`` (proven that nothing left: safe to retry) or ``OutcomeUnknownError``
  (the request may have been processed: never retried).
* :func:`read_body` turns a response into the reply text, or raises: HTTP 5xx and unreadable
  replies may have been processed; a 4xx carrying one of the provider's refusal texts is that
  refusal.

Examples
--------
>>> import httpx
>>> request = httpx.Request("GET", "https://x.example/sendmessage.php")
>>> type(translate(httpx.ConnectError("refused", request=request), "url")).__name__
'RequestNotSentError'
>>> type(translate(httpx.ReadTimeout("slow", request=request), "url")).__name__
'OutcomeUnknownError'
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Final

import httpx

from ._config import live_secrets
from ._exceptions import (
    OutcomeUnknownError,
    RequestNotSentError,
    TransportError,
    UnexpectedReplyError,
)
from ._wire import ERROR_TEXTS, classify_error, redact

__all__ = ["RAW_KEEP", "fresh", "raise_if_interrupt", "read_body", "translate", "unexpected"]

#: Characters of an unreadable reply kept in ``UnexpectedReplyError.raw`` (after scrubbing).
RAW_KEEP: Final = 500


class _RedactPasswords(logging.Filter):
    """Rewrite log records so that no password survives: every form of every password in use,
    then any ``password=`` value (httpx logs full URLs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = message
        for secret in live_secrets():
            clean = secret.redact(clean)
        clean = redact(clean, None)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


_FILTER = _RedactPasswords()
for _name in ("httpx", "httpcore", "httpcore.http11", "httpcore.connection", "targetsms_frames"):
    if not any(isinstance(f, _RedactPasswords) for f in logging.getLogger(_name).filters):
        logging.getLogger(_name).addFilter(_FILTER)


def translate(
    exc: httpx.TransportError, url: str, scrub: Callable[[str], str] = lambda text: text
) -> TransportError:
    """Turn an httpx error into one of our two kinds; ``url`` is already redacted.

    The result is returned, not raised, so that it carries no reference to the httpx error
    (whose request holds the real URL, password included). ``scrub`` removes the password
    from the error's own text.
    """
    detail = f"{type(exc).__name__}: {redact(scrub(str(exc)), None)}"
    if isinstance(
        exc,
        httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout | httpx.UnsupportedProtocol,
    ):
        return RequestNotSentError(
            f"could not reach the provider ({detail}); nothing was sent", url=url
        )
    return OutcomeUnknownError(
        f"no answer from the provider ({detail}); the request may have been processed", url=url
    )


def unexpected(
    exc: Exception, url: str, scrub: Callable[[str], str] = lambda text: text
) -> OutcomeUnknownError:
    """An error the HTTP layer should not raise (a bug, a broken transport), as "may have been
    processed": nothing proves the request did not leave. Returned, with no past.

    >>> print(unexpected(RuntimeError("boom"), "url"))
    the HTTP exchange failed unexpectedly (RuntimeError: boom); the request may have been processed
    """
    detail = f"{type(exc).__name__}: {redact(scrub(str(exc)), None)}"
    return OutcomeUnknownError(
        f"the HTTP exchange failed unexpectedly ({detail}); the request may have been processed",
        url=url,
    )


def fresh(exc: BaseException) -> BaseException:
    """The same kind of interruption (Ctrl-C, exit, cancellation) with no traceback or context,
    so the frames that held the real URL are not kept by it.

    >>> fresh(SystemExit(3)).args, fresh(KeyboardInterrupt("x")).args
    ((3,), ())
    """
    if isinstance(exc, SystemExit):
        return SystemExit(*exc.args)
    try:
        return type(exc)()
    except TypeError:  # pragma: no cover - an exception type that needs arguments
        return KeyboardInterrupt()


def raise_if_interrupt(failure: BaseException) -> TransportError:
    """``failure`` when it is a ``TransportError`` (a value for the caller); else raise it."""
    if not isinstance(failure, TransportError):
        raise failure
    return failure


def _decode(response: httpx.Response, url: str) -> str:
    """The reply as text: its declared charset, else UTF-8.

    A Windows-1251 body without a declared charset is accepted only when it is one of the
    provider's known error texts; anything else undecodable is not a clear answer.
    """
    raw = response.content
    declared = response.charset_encoding
    try:
        return raw.decode(declared or "utf-8")
    except (LookupError, UnicodeDecodeError):
        if not declared:
            legacy = raw.decode("cp1251", errors="replace").strip()
            if legacy in ERROR_TEXTS:
                return legacy
    raise UnexpectedReplyError(
        "the provider's reply is not readable text",
        raw=raw.decode("utf-8", errors="replace"),
        url=url,
    )


def read_body(response: httpx.Response, url: str) -> str:
    status = response.status_code
    if status >= 500:
        raise OutcomeUnknownError(
            f"the provider answered HTTP {status}; the request may have been processed", url=url
        )
    body = _decode(response, url)
    if status == 200:
        return body
    text = body.strip().lstrip("\ufeff")
    if 400 <= status < 500 and text in ERROR_TEXTS:
        # the provider's own refusal is a clear answer whatever the status code says
        raise classify_error(text, url=url)
    raise UnexpectedReplyError(f"the provider answered HTTP {status}", raw=body, url=url)
