"""The message frame's vocabulary: its columns, how values read as text, and the rule schema.

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
>>> import pandas as pd
>>> as_text(pd.Series([10.0, None, 2.5])).tolist()
['10', nan, '2.5']
>>> [rule.name for rule in RULES][:3]
['phone_missing', 'phone_invalid', 'phone_too_long']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ._facts import CHANNELS, INT_PARAMS, MESSAGE_PARAMS, PARAMS, URL_PARAMS, URL_PATTERN

__all__ = [
    "CASCADE",
    "CHANNEL_COLUMNS",
    "INT_COLUMNS",
    "MESSAGE_COLUMNS",
    "MESSAGE_SCHEMA",
    "RULES",
    "TEMPLATED_COLUMNS",
    "TEXT_COLUMNS",
    "URL_COLUMNS",
    "Rule",
    "as_text",
    "blank_mask",
    "map_unique",
    "parse_whole",
]

#: Message columns other than ``phone``, in the provider's order.
MESSAGE_COLUMNS: Final[tuple[str, ...]] = MESSAGE_PARAMS[1:]
CHANNEL_COLUMNS: Final = tuple(channel.switch for channel in CHANNELS.values())
INT_COLUMNS: Final = INT_PARAMS
TEXT_COLUMNS: Final = tuple(c for c in MESSAGE_COLUMNS if c not in INT_COLUMNS)
#: Columns whose text may hold ``{column}`` placeholders.
TEMPLATED_COLUMNS: Final = ("text_viber", "text_sms", "button_text", "button_url", "image_url")
URL_COLUMNS: Final = URL_PARAMS

_MAX_WHOLE: Final = 2.0**53


# --- values as people write them -------------------------------------------------------------


def _scalar_text(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        number = float(value)
        if number != number:
            return None
        if number.is_integer() and abs(number) < _MAX_WHOLE:
            return str(int(number))
        return str(number)
    if isinstance(value, pd.Timestamp):
        return _timestamp_text(value)
    if isinstance(value, dt.datetime):
        return _timestamp_text(pd.Timestamp(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _timestamp_text(value: pd.Timestamp) -> str:
    if value == value.normalize():
        return value.strftime("%Y-%m-%d")
    return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")


def as_text(values: pd.Series) -> pd.Series:
    """Turn any column into text the way a person writes it; NA stays NA.

    Whole floats lose their ``.0`` (an integer column with blanks reads as float), integers
    print as integers, dates as ``2026-11-27`` (with ``HH:MM`` when there is a time), text is
    kept verbatim.

    Examples
    --------
    >>> import pandas as pd
    >>> as_text(pd.Series([1, None], dtype="Int64")).tolist()
    ['1', nan]
    >>> as_text(pd.Series([pd.Timestamp("2026-11-27"), pd.Timestamp("2026-11-27 09:30")])).tolist()
    ['2026-11-27', '2026-11-27 09:30']
    """
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype):
        return values.astype("str")
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
        return values.astype("str")
    if pd.api.types.is_float_dtype(dtype):
        numbers = values.astype("float64")
        whole = np.isfinite(numbers) & (numbers == np.floor(numbers)) & (numbers.abs() < _MAX_WHOLE)
        out = numbers.where(whole).astype("Int64").astype("str")
        other = numbers.notna() & ~whole
        if other.any():
            out = out.mask(other, numbers[other].astype("str"))
        return out
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        stamps = values.dt
        midnight = (values == stamps.normalize()).to_numpy(dtype=bool)
        seconds = (stamps.second != 0).to_numpy(dtype=bool)
        out = stamps.strftime("%Y-%m-%d %H:%M")
        out = out.mask(seconds, stamps.strftime("%Y-%m-%d %H:%M:%S"))
        dated: pd.Series = out.mask(midnight, stamps.strftime("%Y-%m-%d")).astype("str")
        return dated
    if pd.api.types.is_object_dtype(dtype) and pd.api.types.infer_dtype(values) in (
        "string",
        "empty",
    ):
        return values.astype("str")
    return map_unique(values, _scalar_text)


def map_unique(values: pd.Series, func: Callable[[object], object]) -> pd.Series:
    """Apply ``func`` to each distinct value once; the results as text (None -> NA)."""
    try:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    except TypeError:  # unhashable cells (lists, dicts)
        results = [func(v) for v in values.astype(object).tolist()]
        return pd.Series(results, index=values.index, dtype="str")
    texts = pd.Series([func(u) for u in uniques.tolist()], dtype="str").array
    return pd.Series(texts.take(codes, allow_fill=True), index=values.index, dtype="str")


def parse_whole(text: pd.Series) -> pd.Series:
    """Text to Int64: each cell that reads as a whole number (``7``, `` 7 ``, ``7.0``), else NA.

    >>> import pandas as pd
    >>> parse_whole(pd.Series(["7", " 2 ", "1.5", "x", None], dtype="str")).tolist()
    [7, 2, <NA>, <NA>, <NA>]
    """
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    parsed = pd.to_numeric(pd.Series(uniques, dtype="str").str.strip(), errors="coerce")
    numbers = np.asarray(parsed, dtype="float64")
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(numbers) & (numbers == np.floor(numbers)) & (abs(numbers) < _MAX_WHOLE)
    table = pd.Series(np.where(whole, numbers, np.nan)).astype("Int64").array
    return pd.Series(table.take(codes, allow_fill=True), index=text.index, dtype="Int64")


def blank_mask(text: pd.Series) -> pd.Series:
    """True where a text column is NA or only whitespace."""
    return text.isna() | text.str.strip().eq("")


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
