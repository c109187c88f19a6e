"""The provider's facts, written once: parameters, channels, limits, status words, error texts.

Everything TargetSMS's guide says about its ``sendmessage.php`` endpoint (and, where the guide
is silent, what the platform is seen to do) that the code relies on is plain data here:
``_wire`` builds queries and reads replies from it, the pandera schema (``_schema``) turns its
limits into rules, and the sandbox refuses what it says the provider refuses. The status table
gives every word its finality and its delivery outcome, for polling, previews and reports. A
limit changed here changes validation and the sandbox together, and a test
(``tests/test_facts.py``) proves that the two agree on every rule.

Examples
--------
>>> PARAMS["text_viber"].max_length, PARAMS["button_text"].max_length
(1000, 19)
>>> PARAMS["sender_sms"].max_length, PARAMS["sender_sms"].max_length_digits
(11, 15)
>>> STATUSES["partly_deliver"].final, STATUSES["partly_deliver"].outcome
(True, 'no_status')
>>> ERRORS[DUPLICATE_TEXT].kind
'duplicate'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "ACCOUNT_WORDS",
    "CHANNELS",
    "DEFAULT_BASE_URL",
    "DELIVERED_STATUSES",
    "DUPLICATE_TEXT",
    "DUPLICATE_WINDOW",
    "ENDPOINT_PATH",
    "ERRORS",
    "FINAL_STATUSES",
    "HELD_PREFIX",
    "INT_PARAMS",
    "MAX_URL_LENGTH",
    "MESSAGE_PARAMS",
    "NO_LINK",
    "NO_SENDER",
    "NO_TEXT",
    "OTHER_FINAL",
    "PARAMS",
    "PENDING_STATUS",
    "PHONE_MISSING",
    "PHONE_TOO_LONG",
    "SENDER_TOO_LONG",
    "STATUSES",
    "STOP_LISTED",
    "TEXT_PARAMS",
    "URL_PARAMS",
    "URL_PATTERN",
    "Channel",
    "ErrorText",
    "Param",
    "Status",
    "is_final_status",
    "outcome_of",
]

# -- the endpoint ----------------------------------------------------------------------------

DEFAULT_BASE_URL: Final = "https://sms.targetsms.ru/sendmessage.php"
ENDPOINT_PATH: Final = "/sendmessage.php"
#: "Do not use URLs longer than about 2,000 characters" (the real limit varies either way).
MAX_URL_LENGTH: Final = 2000
#: Identical requests (status checks included) at most once per this many seconds.
DUPLICATE_WINDOW: Final = 60.0

# -- parameters ------------------------------------------------------------------------------

ChannelName = Literal["viber", "sms"]
#: ``int``: a whole number in ``[minimum, maximum]``; ``phones``: international digits,
#: comma-separated; ``text``: free text; ``url``: an http(s) link with a host.
Kind = Literal["phones", "int", "text", "url"]

#: What the toolkit takes for a link (the guide only says "ссылка"): http or https, a host,
#: an optional port, then anything without spaces.
_SPACE: Final = " \t\n\r\f\v"
URL_PATTERN: Final = rf"[hH][tT][tT][pP][sS]?://[^/?#@:{_SPACE}]+(?::[0-9]+)?(?:[/?#][^{_SPACE}]*)?"


@dataclass(frozen=True)
class Param:
    """One message parameter of a send request, as the guide describes it.

    ``channel`` is the channel it belongs to (``None`` for the phone); ``required`` means
    required whenever that channel is on. ``needs`` names parameters that must be given with
    it. ``max_length`` counts characters (per phone for ``phone``); ``max_length_digits`` is
    the larger limit of a digits-only value.
    """

    name: str
    kind: Kind
    meaning: str
    channel: ChannelName | None = None
    required: bool = False
    max_length: int | None = None
    max_length_digits: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    default: int | None = None
    needs: tuple[str, ...] = ()


_CASCADE: Final = "0..9: the channel's place in the cascade (lower goes first); 0 = off"

#: The message parameters of a send request, in the guide's order (``phone`` first).
PARAMS: Final[Mapping[str, Param]] = {
    p.name: p
    for p in (
        Param("phone", "phones", "recipients, international digits, comma-separated",
              max_length=14),
        Param("send_viber", "int", _CASCADE, "viber", minimum=0, maximum=9),
        Param("sender_viber", "text", "Viber sender name shown to the recipient", "viber",
              required=True),
        Param("text_viber", "text", "Viber text", "viber", required=True, max_length=1000),
        Param("button_text", "text", "button caption", "viber", max_length=19,
              needs=("button_url",)),
        Param("button_url", "url", "button link", "viber", needs=("button_text",)),
        Param("image_url", "url", "image link", "viber", needs=("button_text", "button_url")),
        Param("send_sms", "int", _CASCADE, "sms", minimum=0, maximum=9),
        Param("sender_sms", "text", "SMS sender name shown to the recipient", "sms",
              required=True, max_length=11, max_length_digits=15),
        Param("text_sms", "text", "SMS text", "sms", required=True),
        Param("validity_period_viber", "int", "minutes Viber keeps trying to deliver", "viber",
              minimum=1, default=60),
        Param("finale_viber_read", "int", "1 = only 'read' counts as delivered for Viber "
              "(a delivered but unread message then goes on down the cascade)", "viber",
              minimum=0, maximum=1),
    )
}  # fmt: skip
MESSAGE_PARAMS: Final[tuple[str, ...]] = tuple(PARAMS)
INT_PARAMS: Final[tuple[str, ...]] = tuple(n for n, p in PARAMS.items() if p.kind == "int")
TEXT_PARAMS: Final[tuple[str, ...]] = tuple(n for n, p in PARAMS.items() if p.kind == "text")
URL_PARAMS: Final[tuple[str, ...]] = tuple(n for n, p in PARAMS.items() if p.kind == "url")


@dataclass(frozen=True)
class Channel:
    """A delivery channel: the parameter that switches it on and the ones it requires."""

    name: ChannelName
    switch: str
    sender: str
    text: str


CHANNELS: Final[Mapping[ChannelName, Channel]] = {
    "viber": Channel("viber", "send_viber", "sender_viber", "text_viber"),
    "sms": Channel("sms", "send_sms", "sender_sms", "text_sms"),
}

# -- status words ----------------------------------------------------------------------------

#: What a status word means for delivery: ``no_status`` is ``partly_deliver``, a message the
#: provider sent but never got a delivery report for (not a partial delivery).
Outcome = Literal["pending", "delivered", "not_delivered", "expired", "no_status"]
#: The outcome of a final word the provider may add one day: kept verbatim, counted apart.
OTHER_FINAL: Final = "other_final"


@dataclass(frozen=True)
class Status:
    """A status word of the status check; ``source`` says where it is known from."""

    word: str
    final: bool
    outcome: Outcome
    meaning: str
    source: Literal["guide", "platform"] = "guide"


PENDING_STATUS: Final = "send"

STATUSES: Final[Mapping[str, Status]] = {
    s.word: s
    for s in (
        Status(PENDING_STATUS, False, "pending", "no status received yet"),
        Status("deliver", True, "delivered", "delivered"),
        Status("read", True, "delivered", "delivered and read (Viber read receipt)", "platform"),
        Status("not_deliver", True, "not_delivered", "not delivered"),
        Status("expired", True, "expired", "the recipient was offline whenever delivery was tried"),
        Status("partly_deliver", True, "no_status",
               "sent, but no delivery report ever came back (ask support)"),
    )
}  # fmt: skip
#: Final status words; any word not in :data:`STATUSES` is final too, and kept verbatim.
FINAL_STATUSES: Final = frozenset(w for w, s in STATUSES.items() if s.final)
DELIVERED_STATUSES: Final = frozenset(w for w, s in STATUSES.items() if s.outcome == "delivered")


def is_final_status(word: str) -> bool:
    """Only ``send`` is pending; every other word, known or new, is final.

    >>> is_final_status("send"), is_final_status("read"), is_final_status("new_word")
    (False, True, True)
    """
    return word != PENDING_STATUS


def outcome_of(word: str) -> str:
    """What a status word means for delivery (:data:`OTHER_FINAL` for a word not known yet).

    >>> outcome_of("read"), outcome_of("partly_deliver"), outcome_of("seen_by_robot")
    ('delivered', 'no_status', 'other_final')
    """
    status = STATUSES.get(word)
    return status.outcome if status is not None else OTHER_FINAL


# -- error texts -----------------------------------------------------------------------------

ErrorKind = Literal["duplicate", "account", "phone", "stop_list", "direction", "sender", "content"]


@dataclass(frozen=True)
class ErrorText:
    """A reply text that refuses a request, verbatim, with what it means.

    ``kind`` is the family the client's error classes follow; ``held`` marks a text saying
    the message is held, not refused: it may still go out.
    """

    text: str
    kind: ErrorKind
    meaning: str
    held: bool = False


DUPLICATE_TEXT: Final = "error: Попытка отправки более одного одинакового запроса в течение минуты"
PHONE_MISSING: Final = "Укажите номер телефона."
PHONE_TOO_LONG: Final = "Номер телефона должен быть меньше 15 символов."
STOP_LISTED: Final = "Номер телефона присутствует в стоп-листе."
NO_SENDER: Final = "Нет отправителя."
SENDER_TOO_LONG: Final = (
    "Отправитель не должен превышать 15 символов для цифровых номеров и 11 символов для "
    "буквенно-числовых."
)
NO_TEXT: Final = "Нет текста сообщения."
NO_LINK: Final = "Нет ссылки."
#: "Not enough funds ... will be sent as soon as you top up": every such text is a hold.
HELD_PREFIX: Final = "Недостаточно средств"

# Wording of refusals the guide gives no text for (the real texts may differ).
#: Words about the login, password or authorisation: a refusal worded so concerns every
#: request of the account (sending stops, polling stops).
CREDENTIAL_WORDS: Final = re.compile(
    r"логин|парол|авториз|аутентиф|login|password|authori[sz]|authenti|credential|token",
    re.IGNORECASE,
)
#: Words about a message or its ID: a refused status check concerns that message only.
MESSAGE_WORDS: Final = re.compile(
    r"сообщени|идентификатор|\bID\b|не найден|message|not found", re.IGNORECASE
)
#: Words about the account (after the two above): a refusal of every request.
ACCOUNT_WORDS: Final = re.compile(
    r"аккаунт|учётн|учетн|заблокир|доступ|account|blocked|access", re.IGNORECASE
)

#: Every error text the provider is known to return, verbatim.
ERRORS: Final[Mapping[str, ErrorText]] = {
    e.text: e
    for e in (
        ErrorText(DUPLICATE_TEXT, "duplicate",
                  "an identical request was sent less than a minute ago; nothing was done"),
        ErrorText("У нас закончились SMS. Для разрешения проблемы свяжитесь с менеджером.",
                  "account", "the account is out of SMS; contact the manager"),
        ErrorText("Закончились SMS.", "account", "the account is out of SMS"),
        ErrorText("Аккаунт заблокирован.", "account", "the account is blocked"),
        ErrorText(f"{HELD_PREFIX} для отправки SMS. SMS будет отправлена как только вы "
                  "пополните счет по данному направлению.", "account",
                  "no funds for this destination: the SMS is held and goes out after a "
                  "top-up", held=True),
        ErrorText(PHONE_MISSING, "phone", "no phone number was given"),
        ErrorText(PHONE_TOO_LONG, "phone", "a phone number has 15 characters or more"),
        ErrorText(STOP_LISTED, "stop_list", "a phone of the request is on the stop list"),
        ErrorText("Данное направление закрыто для вас.", "direction",
                  "this destination is closed for the account"),
        ErrorText("Данное направление закрыто.", "direction", "this destination is closed"),
        ErrorText(NO_SENDER, "sender", "the sender of a channel that is on is missing"),
        ErrorText(SENDER_TOO_LONG, "sender",
                  "the SMS sender is longer than 11 characters (15 for digits only)"),
        ErrorText("Такого отправителя нет.", "sender", "the account has no such sender"),
        ErrorText("Отправитель не прошел модерацию.", "sender", "the sender is not approved"),
        ErrorText(NO_TEXT, "content", "the text of a channel that is on is missing"),
        ErrorText(NO_LINK, "content", "a button caption was given without its link"),
        ErrorText("Текст SMS отклонен модератором.", "content",
                  "the SMS text was rejected by moderation"),
    )
}  # fmt: skip
