"""What the ``phonenumbers`` metadata says about numbers, applied to whole digit arrays.

Per-region and per-calling-code rules (national prefix, possible lengths, the general and the
per-type number patterns) are read from ``PhoneMetadata`` once and cached, with the compiled
Python regexes. The checks run them over ``_Digits``: prefix and full matches with pyarrow's
RE2 kernels (Python's ``re`` where RE2 refuses a pattern), the length check of
``is_possible_number``, dropping the national prefix, and validity as ``is_valid_number``
decides it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from phonenumbers import PhoneMetadata

from ._phone_text import BoolArray, IntArray, _Digits

# Length check outcomes, as in phonenumbers' ValidationResult.
_POSSIBLE, _LOCAL_ONLY, _SHORT, _LONG, _BAD_LENGTH = 0, 1, 2, 3, 4


# --------------------------------------------------------------------------------------------
# Metadata, compiled lazily and cached per region / calling code.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rules:
    region: str
    country_code: int
    general: str | None
    lengths: tuple[int, ...]
    local_lengths: tuple[int, ...]
    national_prefix: str | None
    rewrites_prefix: bool


@cache
def _rules(region: str) -> _Rules:
    meta = PhoneMetadata.metadata_for_region_or_calling_code(
        phonenumbers.country_code_for_region(region) if region != "001" else 0, region
    )
    if meta is None:
        raise ValueError(f"unknown region {region!r}")
    return _rules_from(meta, region)


@cache
def _rules_for_code(code: int) -> _Rules:
    region = phonenumbers.region_code_for_country_code(code)
    meta = PhoneMetadata.metadata_for_region_or_calling_code(code, region)
    if meta is None:
        raise ValueError(f"unknown country code {code}")
    return _rules_from(meta, region)


def _rules_from(meta: PhoneMetadata, region: str) -> _Rules:
    general = meta.general_desc
    assert general is not None and meta.country_code is not None
    return _Rules(
        region=region,
        country_code=meta.country_code,
        general=general.national_number_pattern or None,
        lengths=tuple(general.possible_length),
        local_lengths=tuple(general.possible_length_local_only),
        national_prefix=meta.national_prefix_for_parsing or None,
        rewrites_prefix=bool(meta.national_prefix_transform_rule),
    )


@dataclass(frozen=True)
class _RegionCheck:
    leading_digits: str | None
    general: _Rules
    #: (possible lengths or empty for "any", alternation of number-type patterns)
    types: tuple[tuple[tuple[int, ...], str], ...]


_TYPE_DESCS = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
    "mobile",
)


@cache
def _validators(code: int) -> tuple[_RegionCheck, ...]:
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code, ())
    checks = []
    for region in regions:
        meta = PhoneMetadata.metadata_for_region_or_calling_code(code, region)
        if meta is None:
            continue
        by_lengths: dict[tuple[int, ...], list[str]] = {}
        for name in _TYPE_DESCS:
            desc = getattr(meta, name)
            if desc is None or not desc.national_number_pattern:
                continue
            lengths = tuple(desc.possible_length)
            if lengths == (-1,):
                continue
            by_lengths.setdefault(lengths, []).append(desc.national_number_pattern)
        types = tuple(
            (lengths, "|".join(f"(?:{p})" for p in patterns))
            for lengths, patterns in by_lengths.items()
        )
        checks.append(
            _RegionCheck(
                leading_digits=meta.leading_digits if len(regions) > 1 else None,
                general=_rules_from(meta, region),
                types=types,
            )
        )
    return tuple(checks)


@cache
def _country_codes() -> BoolArray:
    known = np.zeros(1000, dtype=np.bool_)
    known[list(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)] = True
    return known


@cache
def _python_regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


# --------------------------------------------------------------------------------------------
# Vectorised regex helpers (pyarrow's RE2 kernels, Python's re when RE2 refuses a pattern).
# --------------------------------------------------------------------------------------------


def _skip_re(k: int) -> str:
    return f"^\\d{{{k}}}" if k else "^"


def _fullmatch(digits: _Digits, pattern: str | None) -> BoolArray:
    out = np.zeros(len(digits), dtype=np.bool_)
    if pattern is None:
        return out
    for k, pos, text in digits.by_skip():
        try:
            found = pc.match_substring_regex(text, f"{_skip_re(k)}(?:{pattern})$")
            out[pos] = np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.bool_)
        except pa.ArrowInvalid:
            rx = _python_regex(pattern)
            out[pos] = [rx.fullmatch(v, k) is not None for v in text.to_pylist()]
    return out


def _prefix_length(digits: _Digits, pattern: str) -> IntArray:
    """Length of the match of ``pattern`` at the start of each number, ``-1`` if none."""
    if pattern.isdigit():
        k = len(pattern)
        return np.where(digits.prefix_value(k) == int(pattern), k, -1)
    out = np.full(len(digits), -1, dtype=np.int64)
    for k, pos, text in digits.by_skip():
        try:
            found = pc.extract_regex(text, f"{_skip_re(k)}(?P<m>(?:{pattern}))")
            length = pc.utf8_length(pc.struct_field(found, "m")).fill_null(-1)
            out[pos] = np.asarray(length.to_numpy(zero_copy_only=False), dtype=np.int64)
        except pa.ArrowInvalid:
            rx = _python_regex(pattern)
            matches = [rx.match(v, k) for v in text.to_pylist()]
            out[pos] = [-1 if m is None else m.end() - k for m in matches]
    return out


def _length_check(length: IntArray, rules: _Rules) -> npt.NDArray[np.int8]:
    out = np.full(len(length), _BAD_LENGTH, dtype=np.int8)
    if not rules.lengths:
        return out
    out[length > max(rules.lengths)] = _LONG
    out[length < min(rules.lengths)] = _SHORT
    out[np.isin(length, rules.lengths)] = _POSSIBLE
    if rules.local_lengths:
        out[np.isin(length, rules.local_lengths)] = _LOCAL_ONLY
    return out


def _strip_national_prefix(digits: _Digits, rules: _Rules) -> _Digits:
    """Drop the national (trunk) prefix where phonenumbers would drop it."""
    if rules.national_prefix is None or len(digits) == 0:
        return digits
    k = _prefix_length(digits, rules.national_prefix)
    rows = np.flatnonzero(k >= 0)
    if len(rows) == 0:
        return digits
    before = digits.take(rows)
    after = before.drop(k[rows])
    undo = _fullmatch(before, rules.general) & ~_fullmatch(after, rules.general)
    k = np.maximum(k, 0)
    k[rows[undo]] = 0
    return digits.drop(k)


def _invalid_reason(code: int) -> str:
    region = phonenumbers.region_code_for_country_code(code)
    if region in ("001", "ZZ"):
        return f"not a valid number for +{code}"
    return f"not a valid number for {region} (+{code})"


def _is_valid(code: int, nsn: _Digits) -> BoolArray:
    """Validity as ``phonenumbers.is_valid_number`` decides it, for one calling code."""
    valid = np.zeros(len(nsn), dtype=np.bool_)
    undecided = np.ones(len(nsn), dtype=np.bool_)
    for check in _validators(code):
        rows = np.flatnonzero(undecided)
        if len(rows) == 0:
            break
        sub = nsn.take(rows)
        if check.leading_digits is not None:
            claimed = _prefix_length(sub, check.leading_digits) >= 0
            valid[rows[claimed]] = _region_valid(sub.take(np.flatnonzero(claimed)), check)
            undecided[rows[claimed]] = False
        else:
            ok = _region_valid(sub, check)
            valid[rows[ok]] = True
            undecided[rows[ok]] = False
    return valid


def _region_valid(nsn: _Digits, check: _RegionCheck) -> BoolArray:
    general = check.general
    ok = np.isin(nsn.length, general.lengths) if general.lengths else np.ones(len(nsn), np.bool_)
    rows = np.flatnonzero(ok)
    ok[rows] = _fullmatch(nsn.take(rows), general.general)
    rows = np.flatnonzero(ok)
    sub = nsn.take(rows)
    typed = np.zeros(len(rows), dtype=np.bool_)
    for lengths, pattern in check.types:
        todo = ~typed & np.isin(sub.length, lengths) if lengths else ~typed
        idx = np.flatnonzero(todo)
        typed[idx] = _fullmatch(sub.take(idx), pattern)
    ok[rows] = typed
    return ok
