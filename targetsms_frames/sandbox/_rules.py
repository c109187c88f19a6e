"""The sandbox's rules: which send requests the provider refuses, with which text, and what
becomes of each message it accepts.

Every limit comes from the provider's facts (``.._facts``), the same ones ``validate`` reads,
so the two agree rule for rule. Checks run in a fixed order and the first failure is the
reply, as the provider's endpoint does. Where the provider's own text is known it is used
verbatim; the guide gives no text for the other rules, so the sandbox answers those with its
own texts, all listed in ``SANDBOX_ERROR_TEXTS``. A channel's own parameters are checked only
when the channel is on (a Viber button on an SMS-only request is ignored), as ``validate``
does.

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
from collections.abc import Container, Mapping
from typing import Final

from .._facts import (
    CHANNELS,
    NO_LINK,
    NO_SENDER,
    NO_TEXT,
    PARAMS,
    PHONE_MISSING,
    PHONE_TOO_LONG,
    SENDER_TOO_LONG,
    STOP_LISTED,
    URL_PATTERN,
    ChannelName,
)

__all__ = [
    "DEFAULT_STOP_LIST",
    "OUTCOME_WEIGHTS",
    "SANDBOX_ERROR_TEXTS",
    "draw_outcome",
    "send_error",
]

_DIGITS: Final = re.compile(r"[0-9]+")
_URL: Final = re.compile(URL_PATTERN)


def _fact(value: int | None) -> int:
    if value is None:  # pragma: no cover - guards the facts table
        raise KeyError("a limit the sandbox needs is missing from the provider's facts")
    return value


_MAX_PHONE: Final = _fact(PARAMS["phone"].max_length)
_MAX_TEXT_VIBER: Final = _fact(PARAMS["text_viber"].max_length)
_MAX_BUTTON_TEXT: Final = _fact(PARAMS["button_text"].max_length)
_MAX_ALPHA_SENDER: Final = _fact(PARAMS["sender_sms"].max_length)
_MAX_NUMERIC_SENDER: Final = _fact(PARAMS["sender_sms"].max_length_digits)
_CASCADE: Final = (_fact(PARAMS["send_sms"].minimum), _fact(PARAMS["send_sms"].maximum))
_MIN_VALIDITY: Final = _fact(PARAMS["validity_period_viber"].minimum)
_FINALE: Final = (
    _fact(PARAMS["finale_viber_read"].minimum),
    _fact(PARAMS["finale_viber_read"].maximum),
)

#: The sandbox's own error texts, for rules the provider's guide states without giving the
#: reply. Keyed by rule; the real service may word these differently.
SANDBOX_ERROR_TEXTS: Final[Mapping[str, str]] = {
    "credentials": "Неверный логин или пароль.",
    "message_not_found": "Сообщение не найдено.",
    "bad_message_id": "Неверный ID сообщения.",
    "bad_phone": "Номер телефона должен содержать только цифры в международном формате.",
    "bad_send_viber": f"Параметр send_viber должен быть числом от {_CASCADE[0]} до {_CASCADE[1]}.",
    "bad_send_sms": f"Параметр send_sms должен быть числом от {_CASCADE[0]} до {_CASCADE[1]}.",
    "no_channel": "Не выбран канал отправки: укажите send_viber или send_sms.",
    "text_viber_too_long": f"Текст VIBER сообщения не должен превышать {_MAX_TEXT_VIBER} символов.",
    "no_button_text": "Нет текста кнопки.",
    "button_text_too_long": f"Текст кнопки не должен превышать {_MAX_BUTTON_TEXT} символов.",
    "image_without_button": "Для изображения необходима кнопка (button_text и button_url).",
    "bad_button_url": "Ссылка кнопки должна быть адресом http:// или https://.",
    "bad_image_url": "Ссылка на изображение должна быть адресом http:// или https://.",
    "bad_validity_period": (
        f"Время жизни VIBER сообщения должно быть целым числом минут больше {_MIN_VALIDITY - 1}."
    ),
    "bad_finale_viber_read": (
        f"Параметр finale_viber_read может принимать значение {_FINALE[0]} или {_FINALE[1]}."
    ),
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
_READ: Final = "read"
_READ_SHARE: Final = 1 / 3


def _given(params: Mapping[str, str], name: str) -> str | None:
    """The parameter's value, or ``None`` when it is absent or blank."""
    value = params.get(name)
    return value if value is not None and value.strip() else None


def _whole(value: str, name: str) -> bool:
    """Whether ``value`` is a whole number within the parameter's range."""
    param = PARAMS[name]
    if not _DIGITS.fullmatch(value):
        return False
    number = int(value)
    low, high = param.minimum, param.maximum
    return (low is None or number >= low) and (high is None or number <= high)


def _channel(params: Mapping[str, str], name: ChannelName) -> int | None:
    """A channel's cascade place (absent or blank means 0, off), or ``None`` when malformed."""
    value = params.get(CHANNELS[name].switch)
    if value is None or value == "":
        return 0
    return int(value) if _whole(value, CHANNELS[name].switch) else None


def _sender_too_long(sender: str) -> bool:
    limit = _MAX_NUMERIC_SENDER if _DIGITS.fullmatch(sender) else _MAX_ALPHA_SENDER
    return len(sender) > limit


def send_error(params: Mapping[str, str], *, stop_list: Container[str]) -> str | None:
    """The provider's reply to an invalid send request, or ``None`` when it is valid.

    Rules run in this order: phones (present, at most 14 characters, digits only, none
    stop-listed), channels (``send_viber`` and ``send_sms`` 0..9, at least one on), Viber
    when it is on (sender and text required; text length, button pair, button length, image
    and links checked when given), SMS when it is on (sender required and within length,
    text required), then ``validity_period_viber`` and ``finale_viber_read`` wherever given.

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
        if len(number) > _MAX_PHONE:
            return PHONE_TOO_LONG
        if not _DIGITS.fullmatch(number):
            return SANDBOX_ERROR_TEXTS["bad_phone"]
    if any(number in stop_list for number in phones):
        return STOP_LISTED

    viber = _channel(params, "viber")
    if viber is None:
        return SANDBOX_ERROR_TEXTS["bad_send_viber"]
    sms = _channel(params, "sms")
    if sms is None:
        return SANDBOX_ERROR_TEXTS["bad_send_sms"]
    if viber == 0 and sms == 0:
        return SANDBOX_ERROR_TEXTS["no_channel"]

    return (
        (_viber_error(params) if viber > 0 else None)
        or (_sms_error(params) if sms > 0 else None)
        or _option_error(params)
    )


def _viber_error(params: Mapping[str, str]) -> str | None:
    text = _given(params, "text_viber")
    button_text = _given(params, "button_text")
    button_url = _given(params, "button_url")
    image_url = _given(params, "image_url")
    if _given(params, "sender_viber") is None:
        return NO_SENDER
    if text is None:
        return NO_TEXT
    if len(text) > _MAX_TEXT_VIBER:
        return SANDBOX_ERROR_TEXTS["text_viber_too_long"]
    if button_text is not None and button_url is None:
        return NO_LINK
    if button_url is not None and button_text is None:
        return SANDBOX_ERROR_TEXTS["no_button_text"]
    if button_text is not None and len(button_text) > _MAX_BUTTON_TEXT:
        return SANDBOX_ERROR_TEXTS["button_text_too_long"]
    if image_url is not None and button_text is None:
        return SANDBOX_ERROR_TEXTS["image_without_button"]
    if button_url is not None and not _URL.fullmatch(button_url):
        return SANDBOX_ERROR_TEXTS["bad_button_url"]
    if image_url is not None and not _URL.fullmatch(image_url):
        return SANDBOX_ERROR_TEXTS["bad_image_url"]
    return None


def _sms_error(params: Mapping[str, str]) -> str | None:
    sender = _given(params, "sender_sms")
    if sender is None:
        return NO_SENDER
    if _sender_too_long(sender):
        return SENDER_TOO_LONG
    if _given(params, "text_sms") is None:
        return NO_TEXT
    return None


def _option_error(params: Mapping[str, str]) -> str | None:
    validity = _given(params, "validity_period_viber")
    if validity is not None and not _whole(validity, "validity_period_viber"):
        return SANDBOX_ERROR_TEXTS["bad_validity_period"]
    read_final = _given(params, "finale_viber_read")
    if read_final is not None and not _whole(read_final, "finale_viber_read"):
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
        status = _READ
    return status, seconds
