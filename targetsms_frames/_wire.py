"""The provider's wire format, with no I/O: building queries and reading plain-text replies.

Everything here is a pure function of Python values, so the planner (which must know each
request's exact URL length), the clients and the sandbox share one definition of the protocol.

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

import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Final
from urllib.parse import quote, quote_plus

import numpy as np
import pandas as pd

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
    "quote_value",
    "redact",
    "send_params",
    "status_params",
]

DEFAULT_BASE_URL: Final = "https://sms.targetsms.ru/sendmessage.php"

#: Message parameters of a send request, in the guide's order (``phone`` first).
MESSAGE_PARAMS: Final[tuple[str, ...]] = (
    "phone",
    "send_viber",
    "sender_viber",
    "text_viber",
    "button_text",
    "button_url",
    "image_url",
    "send_sms",
    "sender_sms",
    "text_sms",
    "validity_period_viber",
    "finale_viber_read",
)
_INT_PARAMS: Final = frozenset(
    {"send_viber", "send_sms", "validity_period_viber", "finale_viber_read"}
)

PENDING_STATUS: Final = "send"
#: Final status words: the guide's four plus ``read`` seen on the platform. Any other word
#: the provider returns is final too, and kept verbatim.
FINAL_STATUSES: Final = frozenset({"deliver", "not_deliver", "expired", "partly_deliver", "read"})

DUPLICATE_TEXT: Final = "error: Попытка отправки более одного одинакового запроса в течение минуты"

#: Known error texts (verbatim) and the error class each maps to.
ERROR_TEXTS: Final[Mapping[str, type[ProviderError]]] = {
    DUPLICATE_TEXT: DuplicateRequestError,
    "У нас закончились SMS. Для разрешения проблемы свяжитесь с менеджером.": AccountError,
    "Закончились SMS.": AccountError,
    "Аккаунт заблокирован.": AccountError,
    "Недостаточно средств для отправки SMS. SMS будет отправлена как только вы пополните "
    "счет по данному направлению.": AccountError,
    "Укажите номер телефона.": PhoneError,
    "Номер телефона должен быть меньше 15 символов.": PhoneError,
    "Номер телефона присутствует в стоп-листе.": StopListedError,
    "Данное направление закрыто для вас.": DirectionClosedError,
    "Данное направление закрыто.": DirectionClosedError,
    "Нет отправителя.": SenderError,
    "Отправитель не должен превышать 15 символов для цифровых номеров и 11 символов для "
    "буквенно-числовых.": SenderError,
    "Такого отправителя нет.": SenderError,
    "Отправитель не прошел модерацию.": SenderError,
    "Нет текста сообщения.": MessageContentError,
    "Нет ссылки.": MessageContentError,
    "Текст SMS отклонен модератором.": MessageContentError,
}

# "SMS will be sent as soon as you top up": the message is held, not refused.
_HELD_PREFIX: Final = "Недостаточно средств"

_IDS_RE: Final = re.compile(r"[0-9]+(?:[ \t]*,[ \t]*[0-9]+)*")
_DIGITS_RE: Final = re.compile(r"[0-9]+")
_INT_TEXT_RE: Final = re.compile(r"[+-]?[0-9]+")
_ERRORLIKE_RE: Final = re.compile(r"[А-Яа-яЁё]{2}|^error\b", re.IGNORECASE)
_LONG_NUMBER_RE: Final = re.compile(r"[0-9]{7}")
_MARKUP_RE: Final = re.compile(r"<\s*[a-zA-Z!/?]")
_STATUS_WORD_RE: Final = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_RAW_KEEP: Final = 500


def quote_value(value: str) -> str:
    """Percent-encode one query value as UTF-8 (every reserved character escaped).

    >>> quote_value("Скидка 10% & подарок")
    '%D0%A1%D0%BA%D0%B8%D0%B4%D0%BA%D0%B0%2010%25%20%26%20%D0%BF%D0%BE%D0%B4%D0%B0%D1%80%D0%BE%D0%BA'
    """
    return quote(value, safe="", encoding="utf-8")


def _format_value(name: str, value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return "1" if value else "0"
    if name in _INT_PARAMS:
        if isinstance(value, numbers.Integral):
            return str(int(value))
        if isinstance(value, numbers.Real) and float(value).is_integer():
            return str(int(float(value)))
        if isinstance(value, str) and _INT_TEXT_RE.fullmatch(value.strip()):
            return str(int(value))
        raise TypeError(f"{name} must be an integer, got {value!r}")
    return str(value)


def _is_blank(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, str):
        return value == ""
    if isinstance(value, float | np.floating):
        return bool(np.isnan(value))
    return False


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
        if not _is_blank(value):
            out.append((name, _format_value(name, value)))
    for name, value in (extra or {}).items():
        if name in MESSAGE_PARAMS or name in ("login", "password", "id_message"):
            raise ValueError(f"extra parameter {name!r} would override a documented one")
        if not _is_blank(value):
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


def redact(text: str, password: str | None) -> str:
    """Remove the password (raw and percent-encoded) and any ``password=`` value from text.

    >>> redact("https://x/sendmessage.php?login=me&password=s%40cret&phone=1", "s@cret")
    'https://x/sendmessage.php?login=me&password=***&phone=1'
    """
    out = re.sub(r"(password=)[^&\s'\"]*", r"\1***", text)
    if password:
        for form in {password, quote_value(password), quote_plus(password), quote(password)}:
            if form:
                out = out.replace(form, "***")
    return out


def _refusal(text: str, raw: str, url: str | None) -> ProviderError:
    """A provider error for a text that reads as one; anything else is not a clear answer.

    Known texts, and unknown ones written as the provider writes errors (Russian words, or an
    ``error:`` prefix) with no number long enough to be a message ID, are refusals: nothing
    was sent. Anything else (``OK 1179038981``, ``-5``, a stray word) may hide an accepted
    message, so it is an ``UnexpectedReplyError``: the request may have been processed.
    """
    known = text in ERROR_TEXTS
    if not known and (not _ERRORLIKE_RE.search(text) or _LONG_NUMBER_RE.search(text)):
        raise UnexpectedReplyError(
            "the provider's reply is neither message IDs nor an error text",
            raw=raw[:_RAW_KEEP],
            url=url,
        )
    return classify_error(text, url=url)


def classify_error(text: str, *, url: str | None = None) -> ProviderError:
    """Turn a provider error text into the matching ``ProviderError`` subclass.

    >>> err = classify_error("Номер телефона присутствует в стоп-листе.")
    >>> type(err).__name__, err.text
    ('StopListedError', 'Номер телефона присутствует в стоп-листе.')
    """
    cls = ERROR_TEXTS.get(text.strip(), ProviderError)
    err = cls(text, url=url)
    if text.strip().startswith(_HELD_PREFIX):
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
            raw=body[:_RAW_KEEP],
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
                raw=body[:_RAW_KEEP],
                url=url,
            )
        return ids
    if re.fullmatch(r"[0-9,\s]+", text):
        raise UnexpectedReplyError(
            "the provider's reply looks like IDs but is malformed", raw=body[:_RAW_KEEP], url=url
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


def is_final_status(status: str) -> bool:
    """Only ``send`` is pending; every other word is final.

    >>> is_final_status("send"), is_final_status("read"), is_final_status("new_word")
    (False, True, True)
    """
    return status != PENDING_STATUS
