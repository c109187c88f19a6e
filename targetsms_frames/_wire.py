"""The provider's wire format, with no I/O: building queries and reading plain-text replies.

Everything here is a pure function of Python values, so the planner (which must know each
request's exact URL length), the clients and the sandbox share one definition of the protocol.
The facts it speaks in (parameter names, status words, error texts) come from :mod:`._facts`.

Examples
--------
>>> params = send_params(["79000000001", "79000000002"], send_sms=1, sender_sms="Shop",
...                      text_sms="Привет")
>>> params[0]
('phone', '79000000001,79000000002')
>>> parse_send_reply("1178440060,1178440061", expected=2)
['1178440060', '1178440061']
>>> parse_status_reply("read")
'read'
"""

from __future__ import annotations

import html
import json
import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Final
from urllib.parse import quote, quote_plus

import numpy as np

from ._cells import is_missing
from ._exceptions import (
    AccountError,
    DirectionClosedError,
    DuplicateRequestError,
    MessageContentError,
    PhoneError,
    ProviderError,
    SenderError,
    StopListedError,
    UnexpectedReplyError,
)
from ._facts import (
    CREDENTIAL_WORDS,
    DEFAULT_BASE_URL,
    DUPLICATE_TEXT,
    ERRORS,
    FINAL_STATUSES,
    HELD_PREFIX,
    INT_PARAMS,
    MESSAGE_PARAMS,
    PENDING_STATUS,
    ErrorKind,
    is_final_status,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "DUPLICATE_TEXT",
    "ERROR_TEXTS",
    "FINAL_STATUSES",
    "MESSAGE_PARAMS",
    "PENDING_STATUS",
    "classify_error",
    "encode_query",
    "is_final_status",
    "is_status_word",
    "parse_send_reply",
    "parse_status_reply",
    "password_forms",
    "quote_value",
    "redact",
    "send_params",
    "status_params",
]

_ERROR_CLASSES: Final[Mapping[ErrorKind, type[ProviderError]]] = {
    "duplicate": DuplicateRequestError,
    "account": AccountError,
    "phone": PhoneError,
    "stop_list": StopListedError,
    "direction": DirectionClosedError,
    "sender": SenderError,
    "content": MessageContentError,
}
#: Known error texts (verbatim) and the error class each maps to.
ERROR_TEXTS: Final[Mapping[str, type[ProviderError]]] = {
    text: _ERROR_CLASSES[error.kind] for text, error in ERRORS.items()
}

_IDS_RE: Final = re.compile(r"[0-9]+(?:[ \t]*,[ \t]*[0-9]+)*")
_DIGITS_RE: Final = re.compile(r"[0-9]+")
_INT_TEXT_RE: Final = re.compile(r"[+-]?[0-9]+")
_ERRORLIKE_RE: Final = re.compile(r"[А-Яа-яЁё]{2}|^error\b", re.IGNORECASE)
_LONG_NUMBER_RE: Final = re.compile(r"[0-9]{7}")
_MARKUP_RE: Final = re.compile(r"<\s*[a-zA-Z!/?]")
_HEX_RE: Final = re.compile(r"%[0-9A-F]{2}")
_PASSWORD_VALUE_RE: Final = re.compile(r"(password=)(?!\*\*\*(?:[&\s'\"]|$))[^&\s'\"]*")
_STATUS_WORD_RE: Final = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def quote_value(value: str) -> str:
    """Percent-encode one query value as UTF-8 (every reserved character escaped).

    >>> quote_value("Скидка 10% & подарок")
    '%D0%A1%D0%BA%D0%B8%D0%B4%D0%BA%D0%B0%2010%25%20%26%20%D0%BF%D0%BE%D0%B4%D0%B0%D1%80%D0%BE%D0%BA'
    """
    return quote(value, safe="", encoding="utf-8")


def _format_value(name: str, value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return "1" if value else "0"
    if name in INT_PARAMS:
        if isinstance(value, numbers.Integral):
            return str(int(value))
        if isinstance(value, numbers.Real) and float(value).is_integer():
            return str(int(float(value)))
        if isinstance(value, str) and _INT_TEXT_RE.fullmatch(value.strip()):
            return str(int(value))
        raise TypeError(f"{name} must be an integer, got {value!r}")
    return str(value)


def send_params(
    phones: str | Iterable[str],
    *,
    extra: Mapping[str, object] | None = None,
    **params: object,
) -> list[tuple[str, str]]:
    """Build the parameters of a send request (without credentials), in the guide's order.

    Parameters
    ----------
    phones : str or iterable of str
        One phone or several; several are joined with commas. Digits only, international
        format. The same phone twice is refused: the provider would send it twice.
    extra : mapping, optional
        Parameters outside the guide (for example ``send_vk`` of white-label copies), passed
        through verbatim after the documented ones.
    **params
        Documented message parameters (``send_sms=1, sender_sms="Shop", text_sms=...``).
        ``None``, NaN and empty strings are left out.

    Returns
    -------
    list of (str, str)

    Examples
    --------
    >>> send_params("79000000001", send_viber=1, sender_viber="Shop", text_viber="Hi",
    ...             send_sms=0)
    [('phone', '79000000001'), ('send_viber', '1'), ('sender_viber', 'Shop'), ('text_viber', 'Hi'), ('send_sms', '0')]
    """  # noqa: E501
    unknown = sorted(set(params) - set(MESSAGE_PARAMS[1:]))
    if unknown:
        raise TypeError(
            f"unknown message parameter(s) {unknown}; pass provider extensions through extra="
        )
    phone_list = [phones] if isinstance(phones, str) else list(phones)
    phone_list = [p.strip() for p in phone_list]
    if not phone_list or any(not _DIGITS_RE.fullmatch(p) for p in phone_list):
        raise ValueError("phones must be non-empty strings of international digits")
    if len(set(phone_list)) != len(phone_list):
        raise ValueError("the same phone appears twice in one request")
    out: list[tuple[str, str]] = [("phone", ",".join(phone_list))]
    for name in MESSAGE_PARAMS[1:]:
        value = params.get(name)
        if not (is_missing(value) or (isinstance(value, str) and not value)):
            out.append((name, _format_value(name, value)))
    for name, value in (extra or {}).items():
        if name in MESSAGE_PARAMS or name in ("login", "password", "id_message"):
            raise ValueError(f"extra parameter {name!r} would override a documented one")
        if not (is_missing(value) or (isinstance(value, str) and not value)):
            out.append((name, str(value)))
    return out


def status_params(message_id: str | int) -> list[tuple[str, str]]:
    """Build the parameters of a status check.

    >>> status_params(1179038981)
    [('id_message', '1179038981')]
    """
    text = str(message_id).strip()
    if not _DIGITS_RE.fullmatch(text):
        raise ValueError(f"message id must be digits, got {text!r}")
    return [("id_message", text)]


def encode_query(login: str, password: str, params: Sequence[tuple[str, str]]) -> str:
    """Encode the full query string, credentials first, every value percent-encoded.

    Commas between phones stay literal; everything else reserved is escaped.

    >>> encode_query("me", "pw", [("phone", "79000000001,79000000002"), ("send_sms", "1")])
    'login=me&password=pw&phone=79000000001,79000000002&send_sms=1'
    """
    parts = [f"login={quote_value(login)}", f"password={quote_value(password)}"]
    for name, value in params:
        if name == "phone":
            encoded = ",".join(quote_value(p) for p in value.split(","))
        else:
            encoded = quote_value(value)
        parts.append(f"{quote_value(name)}={encoded}")
    return "&".join(parts)


def password_forms(password: str) -> list[str]:
    """Every way ``password`` may be written in a text that echoes a request, longest first.

    Raw; percent-encoded as UTF-8 and as Windows-1251, with upper- and lower-case hex, with
    ``%20`` or ``+`` for spaces; HTML-escaped; JSON-escaped. An error page that echoes the
    query (decoded or not) shows one of these.

    >>> password_forms("a&b c")
    ['a%26b%20c', 'a&amp;b c', 'a%26b+c', 'a&b c']
    """
    forms = {password, html.escape(password), html.escape(password, quote=False)}
    forms |= {json.dumps(password)[1:-1], json.dumps(password, ensure_ascii=False)[1:-1]}
    for encoding in ("utf-8", "cp1251"):
        try:
            encoded = {
                quote(password, safe="", encoding=encoding),
                quote(password, encoding=encoding),
                quote_plus(password, safe="", encoding=encoding),
                quote_plus(password, encoding=encoding),
            }
        except UnicodeEncodeError:
            continue
        forms |= encoded | {_HEX_RE.sub(lambda m: m.group().lower(), f) for f in encoded}
    return sorted((f for f in forms if f), key=lambda f: (-len(f), f))


def redact(text: str, password: str | None) -> str:
    """Remove the password (every form of it) and then any ``password=`` value from text.

    The literal forms go first: a password holding ``&`` or a space would otherwise be cut
    by the ``password=`` pattern and its tail left behind.

    >>> redact("https://x/sendmessage.php?login=me&password=s%40cret&phone=1", "s@cret")
    'https://x/sendmessage.php?login=me&password=***&phone=1'
    >>> redact("echo: login=me&password=Pa55&word 2024&phone=1", "Pa55&word 2024")
    'echo: login=me&password=***&phone=1'
    """
    out = text
    if password:
        for form in password_forms(password):
            out = out.replace(form, "***")
    return _PASSWORD_VALUE_RE.sub(r"\1***", out)


def _refusal(text: str, raw: str, url: str | None) -> ProviderError:
    """A provider error for a text that reads as one; anything else is not a clear answer.

    Known texts, and unknown ones written as the provider writes errors (Russian words, an
    ``error:`` prefix, or words about the login or password) with no number long enough to be
    a message ID, are refusals: nothing was sent. Anything else (``OK 1179038981``, ``-5``, a
    stray word) may hide an accepted message, so it is an ``UnexpectedReplyError``: the
    request may have been processed.
    """
    known = text in ERROR_TEXTS
    errorlike = _ERRORLIKE_RE.search(text) or CREDENTIAL_WORDS.search(text)
    if not known and (not errorlike or _LONG_NUMBER_RE.search(text)):
        raise UnexpectedReplyError(
            "the provider's reply is neither message IDs nor an error text",
            raw=raw,
            url=url,
        )
    return classify_error(text, url=url)


def classify_error(text: str, *, url: str | None = None) -> ProviderError:
    """Turn a provider error text into the matching ``ProviderError`` subclass.

    A text not known verbatim that speaks of the login, the password or the account (wrong
    credentials, as the guide does not word them) is an ``AccountError``: it concerns every
    request.

    >>> err = classify_error("Номер телефона присутствует в стоп-листе.")
    >>> type(err).__name__, err.text
    ('StopListedError', 'Номер телефона присутствует в стоп-листе.')
    >>> type(classify_error("Неверный логин или пароль.")).__name__
    'AccountError'
    """
    cls = ERROR_TEXTS.get(text.strip(), ProviderError)
    if cls is ProviderError and CREDENTIAL_WORDS.search(text):
        cls = AccountError
    err = cls(text, url=url)
    if text.strip().startswith(HELD_PREFIX):
        err.may_have_been_sent = True
    return err


def _check_readable(body: str, url: str | None) -> str:
    text = body.strip().lstrip("\ufeff").strip()  # a byte-order mark is not part of the reply
    if not text:
        raise UnexpectedReplyError("the provider sent an empty reply", raw=body, url=url)
    if (
        _MARKUP_RE.search(text)
        or "\ufffd" in text
        or any(ord(c) < 32 and c not in "\t\r\n" for c in text)
    ):
        raise UnexpectedReplyError(
            "the provider's reply is not plain text (HTML or binary)",
            raw=body,
            url=url,
        )
    return text


def parse_send_reply(body: str, *, expected: int, url: str | None = None) -> list[str]:
    """Read a send reply: one ID per phone, in order, or raise.

    Raises
    ------
    ProviderError
        The reply is an error text (a subclass for known texts).
    UnexpectedReplyError
        HTML, an empty or binary body, or IDs whose count does not match ``expected``.

    Examples
    --------
    >>> parse_send_reply("1179038981", expected=1)
    ['1179038981']
    """
    text = _check_readable(body, url)
    if _IDS_RE.fullmatch(text):
        ids = [part.strip() for part in text.split(",")]
        if len(ids) != expected:
            raise UnexpectedReplyError(
                f"the provider returned {len(ids)} message IDs for {expected} phone(s)",
                raw=body,
                url=url,
            )
        return ids
    if re.fullmatch(r"[0-9,\s]+", text):
        raise UnexpectedReplyError(
            "the provider's reply looks like IDs but is malformed", raw=body, url=url
        )
    raise _refusal(text, body, url)


def parse_status_reply(body: str, *, url: str | None = None) -> str:
    """Read a status reply: the status word verbatim, or raise the provider's error.

    A single lowercase word (``send``, ``deliver``, ``read``, or one not known yet) is a
    status; anything else is an error text.

    >>> parse_status_reply("deliver\\n")
    'deliver'
    >>> parse_status_reply("seen_by_robot")
    'seen_by_robot'
    """
    text = _check_readable(body, url)
    if is_status_word(text):
        return text
    raise _refusal(text, body, url)


def is_status_word(text: str) -> bool:
    """Whether ``text`` reads as a status word (one Latin word), not as an error text.

    >>> is_status_word("partly_deliver"), is_status_word("Сообщение не найдено.")
    (True, False)
    """
    return _STATUS_WORD_RE.fullmatch(text) is not None
