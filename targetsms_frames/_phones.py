"""Phone number normalisation to international digits, vectorised over a column.

The rules (country calling codes, national prefixes, possible lengths, number patterns) come
from the ``phonenumbers`` metadata, and the result agrees with ``phonenumbers.parse`` followed
by ``is_valid_number`` and ``format_number(E164)``. A column is never parsed row by row:
separators are dropped on the raw UTF-8 bytes with numpy, prefixes are classified on digit
arrays, and each country's number pattern is matched once per country with pyarrow's regex
kernels. Only rows the fast path cannot decide (non-ASCII digits, letters, countries whose
national prefix rewrites the number) go through Python.

Besides what ``phonenumbers`` accepts for the default region, a number written in
international form without the ``+`` (``380442589632``) or with the ``00`` exit prefix is
accepted when it is not a valid national number of the default region.

The metadata rules and their vectorised checks live in ``_phone_rules``, the conversion of
input values into digit arrays in ``_phone_text``. This module decides for all rows at once
whether each number is written in national or international form, hands the rows it cannot
decide to ``phonenumbers`` itself, and assembles the result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from phonenumbers import PhoneMetadata

from ._phone_rules import (
    _BAD_LENGTH,
    _LOCAL_ONLY,
    _LONG,
    _SHORT,
    _country_codes,
    _fullmatch,
    _invalid_reason,
    _is_valid,
    _length_check,
    _prefix_length,
    _Rules,
    _rules,
    _rules_for_code,
    _strip_national_prefix,
)
from ._phone_text import (
    EMPTY,
    NOT_A_PHONE,
    BoolArray,
    IntArray,
    _as_text,
    _clean_bytes,
    _clean_python,
    _Digits,
)

__all__ = ["normalize_phone", "normalize_phones"]

_STR_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)
_MIN_NSN, _MAX_NSN = 2, 17

TOO_SHORT = "too short"
TOO_LONG = "too long"

# --------------------------------------------------------------------------------------------
# The pipeline.
# --------------------------------------------------------------------------------------------

_REASONS: dict[str, int] = {}


def _reason(text: str) -> int:
    return _REASONS.setdefault(text, len(_REASONS))


_OK = -1
_SLOW = -2


@dataclass
class _Outcome:
    """Per number: the calling code and national number, or a reason code."""

    code: IntArray
    nsn: _Digits
    error: npt.NDArray[np.int32]

    @classmethod
    def start(cls, digits: _Digits) -> _Outcome:
        n = len(digits)
        nsn = replace(digits, skip=digits.skip.copy(), length=digits.length.copy())
        return cls(np.zeros(n, dtype=np.int64), nsn, np.full(n, _OK, dtype=np.int32))

    def set_nsn(self, rows: IntArray, nsn: _Digits) -> None:
        self.nsn.skip[rows] = nsn.skip
        self.nsn.length[rows] = nsn.length


def _finish(out: _Outcome, rows: IntArray, rules_of: Callable[[int], _Rules]) -> None:
    """Apply the national-prefix and length rules, then validate, for ``rows`` of ``out``."""
    codes = out.code[rows]
    for code in np.unique(codes):
        sel = rows[codes == code]
        rules = rules_of(int(code))
        if rules.rewrites_prefix:
            out.error[sel] = _SLOW
            continue
        nsn = out.nsn.take(sel)
        stripped = _strip_national_prefix(nsn, rules)
        check = _length_check(stripped.length, rules)
        use = ~np.isin(check, (_SHORT, _LOCAL_ONLY, _BAD_LENGTH))
        nsn = replace(
            nsn,
            skip=np.where(use, stripped.skip, nsn.skip),
            length=np.where(use, stripped.length, nsn.length),
        )
        out.set_nsn(sel, nsn)
        valid = _is_valid(int(code), nsn)
        check = _length_check(nsn.length, _rules_for_code(int(code)))
        errors = np.where(valid, _OK, _reason(_invalid_reason(int(code)))).astype(np.int32)
        errors[~valid & np.isin(check, (_SHORT, _LOCAL_ONLY))] = _reason(TOO_SHORT)
        errors[~valid & (check == _LONG)] = _reason(TOO_LONG)
        errors[nsn.length < _MIN_NSN] = _reason(TOO_SHORT)
        errors[nsn.length > _MAX_NSN] = _reason(TOO_LONG)
        out.error[sel] = errors


def _international(digits: _Digits, out: _Outcome, rows: IntArray) -> None:
    """``rows`` of ``digits`` start with a country code (after ``+`` or an exit prefix)."""
    d = digits.take(rows)
    known = _country_codes()
    code = np.zeros(len(rows), dtype=np.int64)
    size = np.zeros(len(rows), dtype=np.int64)
    first3 = d.prefix_value(3)
    for k in (3, 2, 1):
        value = np.where(first3 >= 0, first3 // 10 ** (3 - k), d.prefix_value(k))
        hit = (value >= 10 ** (k - 1)) & known[np.clip(value, 0, 999)]
        code[hit] = value[hit]
        size[hit] = k
    out.code[rows] = code
    out.set_nsn(rows, d.drop(size))
    unknown = np.flatnonzero(code == 0)
    if len(unknown):
        first = d.take(unknown).prefix_value(3)
        shown = np.where(first >= 0, first, d.take(unknown).prefix_value(1))
        for pos, value in zip(unknown, shown, strict=True):
            out.error[rows[pos]] = _reason(f"unknown country code {value}")
    short = d.length <= _MIN_NSN
    out.error[rows[short]] = _reason(TOO_SHORT)
    _finish(out, rows[(code != 0) & ~short], _rules_for_code)


def _national(digits: _Digits, out: _Outcome, rows: IntArray, region: str) -> None:
    """``rows`` of ``digits`` are written without an international prefix; read in ``region``."""
    rules = _rules(region)
    if rules.rewrites_prefix:
        out.error[rows] = _SLOW
        return
    d = digits.take(rows)
    cc = str(rules.country_code)
    idx = np.flatnonzero(d.prefix_value(len(cc)) == int(cc))
    if len(idx):
        # As phonenumbers: a leading country code of the region itself is dropped when the
        # number is not viable with it but is without it, or is too long with it.
        full = d.take(idx)
        potential = _strip_national_prefix(full.drop(np.full(len(idx), len(cc))), rules)
        better = ~_fullmatch(full, rules.general) & _fullmatch(potential, rules.general)
        better |= _length_check(full.length, rules) == _LONG
        d.skip[idx[better]] = potential.skip[better]
        d.length[idx[better]] = potential.length[better]
    out.code[rows] = rules.country_code
    out.set_nsn(rows, d)
    too_short = d.length < _MIN_NSN
    out.error[rows[too_short]] = _reason(TOO_SHORT)
    _finish(out, rows[~too_short], lambda _code: rules)


def _exit_prefix_length(digits: _Digits, region: str) -> IntArray:
    """Length of the region's international exit prefix (``810`` in Russia), or ``0``.

    ``00`` is not taken here: in some regions it starts national numbers, so it is only
    tried, like a missing ``+``, when the number is not valid as written.
    """
    meta = PhoneMetadata.metadata_for_region(region)
    idd = meta.international_prefix if meta is not None else None
    if not idd:
        return np.zeros(len(digits), dtype=np.int64)
    k = np.maximum(_prefix_length(digits, idd), 0)
    # A country code never starts with 0, so then it was no exit prefix.
    k[digits.drop(k).digit(0) <= 0] = 0
    return k


def _decide(digits: _Digits, plus: BoolArray, region: str) -> _Outcome:
    out = _Outcome.start(digits)
    exit_len = np.where(plus, 0, _exit_prefix_length(digits, region))
    intl = plus | (exit_len > 0)
    _international(digits.drop(exit_len), out, np.flatnonzero(intl))
    national = np.flatnonzero(~intl)
    _national(digits, out, national, region)
    # International form without "+" (or after "00"): tried where the reading above fails.
    written = np.flatnonzero(~plus)
    retry = written[out.error[written] >= 0]
    if len(retry):
        whole = digits.take(retry)
        whole = whole.drop(np.where(whole.prefix_value(2) == 0, 2, 0))
        again = _Outcome.start(whole)
        _international(whole, again, np.arange(len(retry)))
        fixed = again.error == _OK
        out.error[retry[again.error == _SLOW]] = _SLOW
        out.code[retry[fixed]] = again.code[fixed]
        out.set_nsn(retry[fixed], again.nsn.take(np.flatnonzero(fixed)))
        out.error[retry[fixed]] = _OK
        # Too long for the region but with a foreign code: that code's reason says more.
        foreign = (
            ~fixed
            & (out.error[retry] == _reason(TOO_LONG))
            & (again.code != 0)
            & (again.code != _rules(region).country_code)
            & (again.error >= 0)
        )
        out.error[retry[foreign]] = again.error[foreign]
    return out


def _slow_row(cleaned: str, region: str) -> tuple[str | None, str]:
    """Decide one cleaned number with phonenumbers itself: ``(phone or None, reason)``."""
    digits = cleaned.lstrip("+")
    if cleaned.startswith("+"):
        candidates = [cleaned]
    else:
        candidates = [cleaned, "+" + (digits[2:] if digits.startswith("00") else digits)]
    reason: str | None = None
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException as exc:
            if exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
                why = f"unknown country code {digits[:3]}"
            else:
                too_long = exc.error_type == phonenumbers.NumberParseException.TOO_LONG
                why = TOO_LONG if too_long else TOO_SHORT
            reason = reason or why
            continue
        if phonenumbers.is_valid_number(number):
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            return e164[1:], ""
        possible = phonenumbers.is_possible_number_with_reason(number)
        if possible == phonenumbers.ValidationResult.TOO_SHORT:
            why = TOO_SHORT
        elif possible == phonenumbers.ValidationResult.TOO_LONG:
            why = TOO_LONG
        else:
            why = _invalid_reason(int(number.country_code or 0))
        reason = reason or why
    return None, reason or NOT_A_PHONE


def _to_str_series(arr: pa.Array, index: pd.Index) -> pd.Series:
    values = pc.cast(arr, pa.large_string()).to_pandas(types_mapper=lambda _t: _STR_DTYPE)
    return pd.Series(values.array, index=index, dtype=_STR_DTYPE)


def normalize_phones(values: pd.Series, *, region: str = "RU") -> pd.DataFrame:
    """Normalise a column of phone numbers to international digits.

    Parameters
    ----------
    values : pandas.Series
        Phones as people export them: text (``+7 (900) 123-45-67``, ``8 900 123 45 67``,
        ``9001234567``, ``0044 20 7946 0958``, ``tel:+7...``), integers, or floats such as
        ``79001234567.0``. Missing values are allowed.
    region : str, default "RU"
        Region whose national format is assumed for numbers written without a country code.

    Returns
    -------
    pandas.DataFrame
        Same index as ``values``, with ``phone`` (international digits without ``+``, NA when
        invalid) and ``phone_error`` (a short reason, NA when valid), both of ``str`` dtype.

    Examples
    --------
    >>> import pandas as pd
    >>> normalize_phones(pd.Series(["+7 (900) 123-45-67", "8 900 123 45 67", "12", None]))
             phone phone_error
    0  79001234567         NaN
    1  79001234567         NaN
    2          NaN   too short
    3          NaN       empty
    """
    region = region.upper()
    _rules(region)  # an unknown region fails here
    n = len(values)
    text, bad = _as_text(values)
    null = np.asarray(text.is_null().to_numpy(zero_copy_only=False), dtype=np.bool_)
    error = np.full(n, _OK, dtype=np.int32)
    error[null] = _reason(EMPTY)
    error[bad] = _reason(NOT_A_PHONE)
    digits, plus, odd = _clean_bytes(text)
    if odd.any():
        rows = np.flatnonzero(odd)
        cleaned = [_clean_python(v) for v in text.take(pa.array(rows)).to_pylist()]
        for i, (_, why) in zip(rows, cleaned, strict=True):
            if why is not None:
                error[i] = _reason(why)
        text = pc.replace_with_mask(
            text, pa.array(odd), pa.array([c for c, _ in cleaned], type=pa.large_string())
        )
        digits, plus, _ = _clean_bytes(text)
    empty = (error == _OK) & (digits.length == 0)
    error[empty] = np.where(plus[empty], _reason(NOT_A_PHONE), _reason(EMPTY))
    todo = np.flatnonzero(error == _OK)
    out = _decide(digits.take(todo), plus[todo], region)
    error[todo] = out.error

    positions: list[IntArray] = []
    parts: list[pa.Array] = []
    valid = np.flatnonzero(out.error == _OK)
    for code in np.unique(out.code[valid]):
        of_code = valid[out.code[valid] == code]
        pos, phones = out.nsn.take(of_code).with_prefix(str(code))
        positions.append(todo[of_code[pos]])
        parts.append(phones)
    slow = todo[out.error == _SLOW]
    if len(slow):
        decided = [_slow_row(("+" if plus[i] else "") + str(digits.text[i]), region) for i in slow]
        error[slow] = [_OK if phone else _reason(why) for phone, why in decided]
        positions.append(slow)
        parts.append(pa.array([phone for phone, _ in decided], type=pa.large_string()))
    take = np.zeros(n, dtype=np.int64)
    missing = np.ones(n, dtype=np.bool_)
    if parts:
        where = np.concatenate(positions)
        take[where] = np.arange(len(where))
        missing[where] = False
        phone = pa.concat_arrays(parts).take(pa.array(take, mask=missing))
    else:
        phone = pa.nulls(n, pa.large_string())
    reasons = pa.DictionaryArray.from_arrays(
        pa.array(error, mask=error < 0), pa.array(list(_REASONS), type=pa.large_string())
    )
    return pd.DataFrame(
        {
            "phone": _to_str_series(phone, values.index),
            "phone_error": _to_str_series(reasons, values.index),
        },
        index=values.index,
    )


def normalize_phone(value: object, region: str = "RU") -> str:
    """Normalise one phone number to international digits.

    Parameters
    ----------
    value : object
        A phone as text, int or float.
    region : str, default "RU"
        Region assumed for numbers written without a country code.

    Returns
    -------
    str
        International digits without ``+``.

    Raises
    ------
    ValueError
        With the reason when the value is not a valid phone number.

    Examples
    --------
    >>> normalize_phone("8 (900) 123-45-67")
    '79001234567'
    >>> normalize_phone("+44 20 7946 0958")
    '442079460958'
    >>> normalize_phone("123")
    Traceback (most recent call last):
    ...
    ValueError: too short
    """
    result = normalize_phones(pd.Series([value], dtype=object), region=region)
    phone = result["phone"].iloc[0]
    if pd.isna(phone):
        raise ValueError(str(result["phone_error"].iloc[0]))
    return str(phone)
