"""The sandbox's rules: which requests the provider refuses, with which text, what becomes of
each message it accepts, and how the network around it misbehaves when asked to.

Checks run in a fixed order and the first failure is the reply, as the provider's endpoint
does. Where the provider's own text is known (``ERROR_TEXTS`` in ``_wire``) it is used
verbatim; the guide gives no text for the other rules, so the sandbox answers those with its
own texts, all listed in ``SANDBOX_ERROR_TEXTS``.

Examples
--------
>>> send_error({"phone": "79000000001", "send_sms": "1", "sender_sms": "Shop"}, stop_list=())
'Нет текста сообщения.'
>>> send_error({"phone": "79000000001", "send_sms": "1", "sender_sms": "Shop",
...             "text_sms": "Hi"}, stop_list=())
"""

from __future__ import annotations

import random
import re
from collections import deque
from collections.abc import Container, Mapping
from dataclasses import dataclass
from typing import Final, Literal, get_args

from ._wire import ERROR_TEXTS

__all__ = [
    "DEFAULT_STOP_LIST",
    "ERROR_PAGE_500",
    "FAULT_KINDS",
    "OUTCOME_WEIGHTS",
    "SANDBOX_ERROR_TEXTS",
    "FaultKind",
    "Faults",
    "draw_fault",
    "draw_outcome",
    "fault_reply",
    "send_error",
]


def _provider_text(text: str) -> str:
    """Return ``text`` after checking it is one of the provider's known error texts."""
    if text not in ERROR_TEXTS:  # pragma: no cover - guards the table against typos
        raise KeyError(f"not a provider error text: {text!r}")
    return text


PHONE_MISSING: Final = _provider_text("Укажите номер телефона.")
PHONE_TOO_LONG: Final = _provider_text("Номер телефона должен быть меньше 15 символов.")
STOP_LISTED: Final = _provider_text("Номер телефона присутствует в стоп-листе.")
NO_SENDER: Final = _provider_text("Нет отправителя.")
SENDER_TOO_LONG: Final = _provider_text(
    "Отправитель не должен превышать 15 символов для цифровых номеров и 11 символов для "
    "буквенно-числовых."
)
NO_TEXT: Final = _provider_text("Нет текста сообщения.")
NO_LINK: Final = _provider_text("Нет ссылки.")

#: The sandbox's own error texts, for rules the provider's guide states without giving the
#: reply. Keyed by rule; the real service may word these differently.
SANDBOX_ERROR_TEXTS: Final[Mapping[str, str]] = {
    "credentials": "Неверный логин или пароль.",
    "message_not_found": "Сообщение не найдено.",
    "bad_message_id": "Неверный ID сообщения.",
    "bad_phone": "Номер телефона должен содержать только цифры в международном формате.",
    "bad_send_viber": "Параметр send_viber должен быть числом от 0 до 9.",
    "bad_send_sms": "Параметр send_sms должен быть числом от 0 до 9.",
    "no_channel": "Не выбран канал отправки: укажите send_viber или send_sms.",
    "text_viber_too_long": "Текст VIBER сообщения не должен превышать 1000 символов.",
    "no_button_text": "Нет текста кнопки.",
    "button_text_too_long": "Текст кнопки не должен превышать 19 символов.",
    "image_without_button": "Для изображения необходима кнопка (button_text и button_url).",
    "bad_validity_period": "Время жизни VIBER сообщения должно быть целым числом минут больше 0.",
    "bad_finale_viber_read": "Параметр finale_viber_read может принимать значение 0 или 1.",
}

#: Phones the sandbox treats as stop-listed: a request naming any of them is refused whole.
DEFAULT_STOP_LIST: Final[frozenset[str]] = frozenset({"79000000000", "79999999999"})

#: Final outcomes and their shares; a third of delivered Viber messages report ``read``.
OUTCOME_WEIGHTS: Final[tuple[tuple[str, float], ...]] = (
    ("deliver", 0.84),
    ("not_deliver", 0.08),
    ("expired", 0.06),
    ("partly_deliver", 0.02),
)
_READ_SHARE: Final = 1 / 3

_DIGITS: Final = re.compile(r"[0-9]+")
_MAX_PHONE: Final = 15
_MAX_TEXT_VIBER: Final = 1000
_MAX_BUTTON_TEXT: Final = 19
_MAX_NUMERIC_SENDER: Final = 15
_MAX_ALPHA_SENDER: Final = 11


def _given(params: Mapping[str, str], name: str) -> str | None:
    """The parameter's value, or ``None`` when it is absent or blank."""
    value = params.get(name)
    return value if value is not None and value.strip() else None


def _channel(params: Mapping[str, str], name: str) -> int | None:
    """A channel's cascade place 0..9 (absent means 0), or ``None`` when malformed."""
    value = params.get(name)
    if value is None or value == "":
        return 0
    if not _DIGITS.fullmatch(value) or int(value) > 9:
        return None
    return int(value)


def _sender_too_long(sender: str) -> bool:
    limit = _MAX_NUMERIC_SENDER if _DIGITS.fullmatch(sender) else _MAX_ALPHA_SENDER
    return len(sender) > limit


def send_error(params: Mapping[str, str], *, stop_list: Container[str]) -> str | None:
    """The provider's reply to an invalid send request, or ``None`` when it is valid.

    Rules run in this order: phones (present, shorter than 15 characters, digits only, none
    stop-listed), channels (``send_viber`` and ``send_sms`` 0..9, at least one on), Viber
    (sender and text required when on; text length, button pair, button length and image
    checked whenever given), SMS (sender required when on and within length whenever given,
    text required when on), then ``validity_period_viber`` and ``finale_viber_read``.

    Parameters
    ----------
    params : mapping of str to str
        The request's parameters, URL-decoded (credentials may be present; they are ignored).
    stop_list : container of str
        Phones refused by the account's stop list.

    Returns
    -------
    str or None
        The first failing rule's text.

    Examples
    --------
    >>> send_error({"phone": "79000000000", "send_sms": "1"}, stop_list={"79000000000"})
    'Номер телефона присутствует в стоп-листе.'
    """
    phone = _given(params, "phone")
    if phone is None:
        return PHONE_MISSING
    phones = phone.split(",")
    for number in phones:
        if len(number) >= _MAX_PHONE:
            return PHONE_TOO_LONG
        if not _DIGITS.fullmatch(number):
            return SANDBOX_ERROR_TEXTS["bad_phone"]
    if any(number in stop_list for number in phones):
        return STOP_LISTED

    viber = _channel(params, "send_viber")
    if viber is None:
        return SANDBOX_ERROR_TEXTS["bad_send_viber"]
    sms = _channel(params, "send_sms")
    if sms is None:
        return SANDBOX_ERROR_TEXTS["bad_send_sms"]
    if viber == 0 and sms == 0:
        return SANDBOX_ERROR_TEXTS["no_channel"]

    return (
        _viber_error(params, on=viber > 0)
        or _sms_error(params, on=sms > 0)
        or _option_error(params)
    )


def _viber_error(params: Mapping[str, str], *, on: bool) -> str | None:
    text = _given(params, "text_viber")
    button_text = _given(params, "button_text")
    button_url = _given(params, "button_url")
    if on and _given(params, "sender_viber") is None:
        return NO_SENDER
    if on and text is None:
        return NO_TEXT
    if text is not None and len(text) > _MAX_TEXT_VIBER:
        return SANDBOX_ERROR_TEXTS["text_viber_too_long"]
    if button_text is not None and button_url is None:
        return NO_LINK
    if button_url is not None and button_text is None:
        return SANDBOX_ERROR_TEXTS["no_button_text"]
    if button_text is not None and len(button_text) > _MAX_BUTTON_TEXT:
        return SANDBOX_ERROR_TEXTS["button_text_too_long"]
    if _given(params, "image_url") is not None and button_text is None:
        return SANDBOX_ERROR_TEXTS["image_without_button"]
    return None


def _sms_error(params: Mapping[str, str], *, on: bool) -> str | None:
    sender = _given(params, "sender_sms")
    if on and sender is None:
        return NO_SENDER
    if sender is not None and _sender_too_long(sender):
        return SENDER_TOO_LONG
    if on and _given(params, "text_sms") is None:
        return NO_TEXT
    return None


def _option_error(params: Mapping[str, str]) -> str | None:
    validity = _given(params, "validity_period_viber")
    if validity is not None and not (_DIGITS.fullmatch(validity) and int(validity) > 0):
        return SANDBOX_ERROR_TEXTS["bad_validity_period"]
    read_final = _given(params, "finale_viber_read")
    if read_final is not None and read_final not in ("0", "1"):
        return SANDBOX_ERROR_TEXTS["bad_finale_viber_read"]
    return None


def draw_outcome(
    seed: int, message_id: str, *, viber: bool, delay: tuple[float, float]
) -> tuple[str, float]:
    """A message's final status word and the seconds it takes to get there.

    Drawn from ``random.Random(f"{seed}:{message_id}")``, so the same seed and ID always give
    the same outcome. ``read`` is only drawn for messages sent with Viber on.

    Examples
    --------
    >>> draw_outcome(0, "1179038981", viber=False, delay=(2.0, 30.0)) == draw_outcome(
    ...     0, "1179038981", viber=False, delay=(2.0, 30.0))
    True
    """
    rng = random.Random(f"{seed}:{message_id}")
    seconds = rng.uniform(*delay)
    draw = rng.random()
    read_draw = rng.random()
    status = OUTCOME_WEIGHTS[-1][0]
    for word, weight in OUTCOME_WEIGHTS:
        if draw < weight:
            status = word
            break
        draw -= weight
    if status == "deliver" and viber and read_draw < _READ_SHARE:
        status = "read"
    return status, seconds


# -- faults ------------------------------------------------------------------------------

FaultKind = Literal["refuse", "drop_before", "drop_after", "timeout_after", "http_500", "garbage"]
#: Every fault kind, in the order ``Faults`` probabilities are drawn.
FAULT_KINDS: Final[tuple[FaultKind, ...]] = get_args(FaultKind)
#: Faults that lose the request before the provider sees it.
UNPROCESSED_FAULTS: Final[frozenset[str]] = frozenset({"refuse", "drop_before"})

PLAIN: Final = "text/plain; charset=utf-8"
HTML: Final = "text/html; charset=utf-8"
ERROR_PAGE_500: Final = (
    "<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n"
    "<center><h1>500 Internal Server Error</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)
_GARBAGE: Final[tuple[tuple[str, str], ...]] = (
    (
        "<!DOCTYPE html><html><head><title>Технические работы</title></head>"
        "<body><h1>Сервис временно недоступен</h1></body></html>",
        HTML,
    ),
    ("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\ufffd\ufffd", PLAIN),
)


@dataclass(frozen=True)
class Faults:
    """How often the sandbox's network misbehaves.

    Parameters
    ----------
    latency : float
        Seconds added before every request is handled.
    refuse, drop_before, drop_after, timeout_after, http_500, garbage : float
        Probability per request of each fault (their sum at most 1). ``refuse`` and
        ``drop_before`` lose the request before it is processed; the others process it and
        then lose or spoil the reply.
    seed : int
        Seed of the fault draws (independent of the message outcomes).

    Examples
    --------
    >>> Faults(drop_after=0.1, http_500=0.05).probabilities()[2]
    ('drop_after', 0.1)
    """

    latency: float = 0.0
    refuse: float = 0.0
    drop_before: float = 0.0
    drop_after: float = 0.0
    timeout_after: float = 0.0
    http_500: float = 0.0
    garbage: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.latency < 0:
            raise ValueError("latency must be >= 0 seconds")
        chances = [p for _, p in self.probabilities()]
        if any(not 0.0 <= p <= 1.0 for p in chances) or sum(chances) > 1.0:
            raise ValueError("fault probabilities must lie in [0, 1] and sum to at most 1")

    def probabilities(self) -> tuple[tuple[FaultKind, float], ...]:
        """Each fault kind with its probability, in drawing order."""
        return tuple((kind, float(getattr(self, kind))) for kind in FAULT_KINDS)


def draw_fault(faults: Faults, rng: random.Random, injected: deque[FaultKind]) -> FaultKind | None:
    """The fault for the next request: an injected one first, else a random draw.

    One number is drawn per request either way, so injecting faults does not shift the
    random ones that follow.

    >>> draw_fault(Faults(refuse=1.0), random.Random(0), deque(["garbage"]))
    'garbage'
    >>> draw_fault(Faults(), random.Random(0), deque()) is None
    True
    """
    draw = rng.random()
    if injected:
        return injected.popleft()
    for kind, chance in faults.probabilities():
        if draw < chance:
            return kind
        draw -= chance
    return None


def fault_reply(kind: FaultKind | None, request_no: int) -> tuple[int, str, str] | None:
    """The (status code, body, content type) a spoiling fault puts in place of the reply.

    ``http_500`` gives the web server's error page; ``garbage`` alternates between a
    maintenance page and binary junk, both with HTTP 200. Other kinds change nothing here.

    >>> fault_reply("http_500", 1)[0]
    500
    """
    if kind == "http_500":
        return 500, ERROR_PAGE_500, HTML
    if kind == "garbage":
        body, content_type = _GARBAGE[request_no % len(_GARBAGE)]
        return 200, body, content_type
    return None
