"""The message frame's vocabulary: its columns and the rule schema.

Declarations only; :mod:`._validate` prepares a working frame, runs :data:`MESSAGE_SCHEMA` on
it and turns failures into plain words.

The working frame has one row per message (positional index) and these columns:

==========================  ==================================================================
column                      content
==========================  ==================================================================
``phone_text``              the phone as written (text; blank -> NA)
``phone``                   normalised international digits, NA when not a valid number
``phone_error``             why the phone is not valid (NA when it is)
``send_viber``/``send_sms`` Int64 0..9, blank -> 0, NA when not a whole number 0..9
``<int column>_raw``        the written value of each integer column (text; blank -> NA)
``validity_period_viber``   Int64, NA when blank or not a whole number
``finale_viber_read``       Int64, NA when blank or not a whole number
text columns                ``sender_*``, ``text_*``, ``button_*``, ``image_url`` as text,
                            blank -> NA
==========================  ==================================================================

Examples
--------
>>> [rule.name for rule in RULES][:3]
['phone_missing', 'phone_invalid', 'phone_too_long']
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import pandas as pd
import pandera.pandas as pa

from ._facts import CHANNELS, INT_PARAMS, MESSAGE_PARAMS, PARAMS, URL_PARAMS, URL_PATTERN

__all__ = [
    "CASCADE",
    "CHANNEL_COLUMNS",
    "INT_COLUMNS",
    "MESSAGE_COLUMNS",
    "MESSAGE_SCHEMA",
    "PHONE_HEADER_WORDS",
    "RULES",
    "TEMPLATED_COLUMNS",
    "TEXT_COLUMNS",
    "URL_COLUMNS",
    "Rule",
    "is_phone_column",
]

#: Message columns other than ``phone``, in the provider's order.
MESSAGE_COLUMNS: Final[tuple[str, ...]] = MESSAGE_PARAMS[1:]
CHANNEL_COLUMNS: Final = tuple(channel.switch for channel in CHANNELS.values())
INT_COLUMNS: Final = INT_PARAMS
TEXT_COLUMNS: Final = tuple(c for c in MESSAGE_COLUMNS if c not in INT_COLUMNS)
#: Columns whose text may hold ``{column}`` placeholders.
TEMPLATED_COLUMNS: Final = ("text_viber", "text_sms", "button_text", "button_url", "image_url")
URL_COLUMNS: Final = URL_PARAMS

#: Words that mark a column header as holding phones (a header word starting with one counts).
PHONE_HEADER_WORDS: Final = (
    "phone",
    "tel",
    "msisdn",
    "mobile",
    "cell",
    "телефон",
    "тел",
    "моб",
    "номер",
    "сотов",
)
_HEADER_WORD: Final = re.compile(r"[^\W_]+")

_SPACE: Final = " \t\n\r\f\v"
_URL_RE: Final = rf"[hH][tT][tT][pP][sS]?://[^/?#@:{_SPACE}]+(?::[0-9]+)?(?:[/?#][^{_SPACE}]*)?"


def is_phone_column(name: object) -> bool:
    """Whether a column header looks like it holds phone numbers.

    >>> [is_phone_column(n) for n in ["phone", "Mobile_Phone", "MSISDN", "Телефон", "тел."]]
    [True, True, True, True, True]
    >>> [is_phone_column(n) for n in ["name", "Получатель", "hotel", 7]]
    [False, False, False, False]
    """
    if not isinstance(name, str):
        return False
    return any(
        word.startswith(PHONE_HEADER_WORDS) for word in _HEADER_WORD.findall(name.casefold())
    )


# --- rules ------------------------------------------------------------------------------------

Mask = Callable[[pd.DataFrame], pd.Series]
Describe = Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class Rule:
    """One row rule: ``passes`` is True for good rows; ``describe`` words the failures.

    ``describe`` receives the failing rows of the working frame and returns one text per row.
    """

    name: str
    column: str
    passes: Mask
    describe: Describe


def _text(message: str) -> Describe:
    return lambda d: pd.Series(message, index=d.index, dtype="str")


def _on(d: pd.DataFrame, channel: str) -> pd.Series:
    return d[f"send_{channel}"].fillna(0).gt(0).astype(bool)


def _length(d: pd.DataFrame, column: str) -> pd.Series:
    return d[column].str.len().fillna(0)


def _quoted(d: pd.DataFrame, column: str) -> pd.Series:
    return "'" + d[column].fillna("") + "'"


def _count(values: pd.Series) -> pd.Series:
    return values.astype("int64").astype("str")


def _fact(value: int | None) -> int:
    assert value is not None, "a limit missing from the provider's facts"
    return value


def _limit(column: str) -> int:
    """The provider's length limit of ``column`` (characters)."""
    return _fact(PARAMS[column].max_length)


_SENDER_DIGITS: Final = _fact(PARAMS["sender_sms"].max_length_digits)
_VALIDITY_MIN: Final = _fact(PARAMS["validity_period_viber"].minimum)
_FINALE: Final = (
    _fact(PARAMS["finale_viber_read"].minimum),
    _fact(PARAMS["finale_viber_read"].maximum),
)
#: The cascade place of a channel: the same range for both.
CASCADE: Final = (_fact(PARAMS["send_sms"].minimum), _fact(PARAMS["send_sms"].maximum))
_CASCADE_WORDS: Final = f"a whole number from {CASCADE[0]} to {CASCADE[1]}"


def _length_rule(column: str, channel: str) -> Rule:
    limit = _limit(column)
    return Rule(
        f"{column}_too_long",
        column,
        lambda d: ~_on(d, channel) | (_length(d, column) <= limit),
        lambda d: (
            f"{column} is longer than {limit} characters (" + _count(_length(d, column)) + ")"
        ),
    )


def _required_rule(column: str, channel: str) -> Rule:
    return Rule(
        f"{column}_required",
        column,
        lambda d: ~_on(d, channel) | d[column].notna(),
        _text(f"{column} is required when send_{channel} is on"),
    )


def _url_rule(column: str) -> Rule:
    return Rule(
        f"{column}_not_a_link",
        column,
        lambda d: ~_on(d, "viber") | d[column].isna() | _is_url(d[column]),
        lambda d: f"{column} is not an http(s) link with a host (" + _quoted(d, column) + ")",
    )


def _is_url(values: pd.Series) -> pd.Series:
    return values.str.fullmatch(URL_PATTERN).fillna(False).astype(bool)


def _sender_sms_fits(d: pd.DataFrame) -> pd.Series:
    sender = d["sender_sms"]
    numeric = sender.str.fullmatch(r"[0-9]+").fillna(False).astype(bool)
    length = _length(d, "sender_sms")
    fits = length.le(_limit("sender_sms")) | (numeric & length.le(_SENDER_DIGITS))
    return ~_on(d, "sms") | sender.isna() | fits


def _sender_sms_describe(d: pd.DataFrame) -> pd.Series:
    numeric = d["sender_sms"].str.fullmatch(r"[0-9]+").fillna(False).astype(bool)
    length = _count(_length(d, "sender_sms"))
    digits, characters = _SENDER_DIGITS, _limit("sender_sms")
    return (f"sender_sms is longer than {digits} digits (" + length + ")").where(
        numeric,
        f"sender_sms is longer than {characters} characters ("
        + length
        + f"); only a digits-only sender may have up to {digits}",
    )


def _integer_rule(column: str, words: str, valid: Callable[[pd.Series], pd.Series]) -> Rule:
    return Rule(
        f"{column}_invalid",
        column,
        lambda d: d[f"{column}_raw"].isna() | valid(d[column]).fillna(False).astype(bool),
        lambda d: f"{column} must be {words} (got " + _quoted(d, f"{column}_raw") + ")",
    )


RULES: Final[tuple[Rule, ...]] = (
    Rule("phone_missing", "phone", lambda d: d["phone_text"].notna(), _text("phone is missing")),
    Rule(
        "phone_invalid",
        "phone",
        lambda d: d["phone_text"].isna() | d["phone"].notna(),
        lambda d: (
            "phone is not a valid phone number ("
            + d["phone_error"].fillna("not a phone number")
            + ")"
        ),
    ),
    Rule(
        "phone_too_long",
        "phone",
        lambda d: d["phone"].isna() | _length(d, "phone").le(_limit("phone")),
        lambda d: (
            "phone has "
            + _count(_length(d, "phone"))
            + f" digits; the provider takes at most {_limit('phone')}"
        ),
    ),
    _integer_rule("send_viber", _CASCADE_WORDS, lambda s: s.notna()),
    _integer_rule("send_sms", _CASCADE_WORDS, lambda s: s.notna()),
    Rule(
        "no_channel",
        "send_viber/send_sms",
        lambda d: d["send_viber"].isna() | d["send_sms"].isna() | _on(d, "viber") | _on(d, "sms"),
        _text("no channel is on: send_viber and send_sms are both 0 or blank"),
    ),
    _required_rule("sender_viber", "viber"),
    _required_rule("text_viber", "viber"),
    _length_rule("text_viber", "viber"),
    _required_rule("sender_sms", "sms"),
    _required_rule("text_sms", "sms"),
    Rule("sender_sms_too_long", "sender_sms", _sender_sms_fits, _sender_sms_describe),
    _length_rule("button_text", "viber"),
    Rule(
        "button_text_without_url",
        "button_text",
        lambda d: ~_on(d, "viber") | d["button_text"].isna() | d["button_url"].notna(),
        _text("button_text is set but button_url is missing"),
    ),
    Rule(
        "button_url_without_text",
        "button_url",
        lambda d: ~_on(d, "viber") | d["button_url"].isna() | d["button_text"].notna(),
        _text("button_url is set but button_text is missing"),
    ),
    Rule(
        "image_url_without_button",
        "image_url",
        lambda d: (
            ~_on(d, "viber")
            | d["image_url"].isna()
            | (d["button_text"].notna() & d["button_url"].notna())
        ),
        _text("image_url needs button_text and button_url"),
    ),
    _url_rule("button_url"),
    _url_rule("image_url"),
    _integer_rule(
        "validity_period_viber",
        f"a whole number of minutes above {_VALIDITY_MIN - 1}",
        lambda s: s.ge(_VALIDITY_MIN),
    ),
    _integer_rule(
        "finale_viber_read",
        f"{_FINALE[0]} or {_FINALE[1]}",
        lambda s: s.between(*_FINALE),
    ),
)

_TEXT = pa.Column(str, nullable=True)
_INT = pa.Column("Int64", nullable=True)

#: The pandera schema run (``lazy=True``) on the working frame; one check per rule.
MESSAGE_SCHEMA: Final = pa.DataFrameSchema(
    {
        "phone_text": _TEXT,
        "phone": _TEXT,
        "phone_error": _TEXT,
        **{column: _INT for column in INT_COLUMNS},
        **{f"{column}_raw": _TEXT for column in INT_COLUMNS},
        **{column: _TEXT for column in TEXT_COLUMNS},
    },
    checks=[
        pa.Check(
            lambda d, rule=rule: rule.passes(d),
            name=rule.name,
            ignore_na=False,
            n_failure_cases=1,
        )
        for rule in RULES
    ],
    name="message frame",
)
