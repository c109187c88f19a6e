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
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import cache

import numpy as np
import numpy.typing as npt
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from phonenumbers import PhoneMetadata

__all__ = ["normalize_phone", "normalize_phones"]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_STR_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)
_MIN_NSN, _MAX_NSN = 2, 17

EMPTY = "empty"
NOT_A_PHONE = "not a phone number"
EXTENSION = "has an extension"
TOO_SHORT = "too short"
TOO_LONG = "too long"

# Byte classes for the fast cleaner.
_DIGIT, _PLUS, _SEP, _ODD = 0, 1, 2, 3
_BYTE_CLASS = np.full(256, _ODD, dtype=np.int8)
_BYTE_CLASS[ord("0") : ord("9") + 1] = _DIGIT
_BYTE_CLASS[ord("+")] = _PLUS
for _ch in " \t-.()/":
    _BYTE_CLASS[ord(_ch)] = _SEP
# Multi-byte separators that spreadsheets put into phones: no-break spaces, thin spaces, dashes.
_UTF8_SEPARATORS = tuple(
    ch.encode() for ch in "\u00a0\u2007\u2009\u200a\u202f\u2010\u2011\u2012\u2013\u2014\u2212"
)

_EXTENSION_RE = re.compile(r"(?:ext\.?|x|#|доб\.?|;ext=)\s*\d+\s*$", re.IGNORECASE)
_SEPARATOR_CHARS = re.compile(r"[\s\-‐‑‒–—−.()/]+")

_HEAD = 8
_POW10 = 10 ** np.arange(19, dtype=np.int64)

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
# Digit strings: a number is a row of the cleaned text minus ``skip`` leading digits, so
# prefixes are dropped without building new strings; regexes skip them with ``^\d{k}``.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Digits:
    text: pa.LargeStringArray
    data: npt.NDArray[np.uint8]
    base: IntArray
    row: IntArray
    skip: IntArray
    length: IntArray
    #: The first ``_HEAD`` digits of each text row as an int, zero-padded on the right.
    head: IntArray

    def __len__(self) -> int:
        return len(self.row)

    def take(self, rows: IntArray) -> _Digits:
        return replace(self, row=self.row[rows], skip=self.skip[rows], length=self.length[rows])

    def drop(self, k: IntArray) -> _Digits:
        return replace(self, skip=self.skip + k, length=self.length - k)

    def digit(self, j: int) -> IntArray:
        """The ``j``-th digit of each number, ``-1`` where the number is shorter."""
        return self.prefix_value(j + 1, at=j)

    def prefix_value(self, k: int, at: int = 0) -> IntArray:
        """Digits ``at`` to ``k`` as an int, ``-1`` where the number is shorter than ``k``."""
        first = self.skip + at
        width = k - at
        near = first + width <= _HEAD
        out = np.empty(len(self), dtype=np.int64)
        shift = _POW10[np.maximum(_HEAD - first - width, 0)]
        out[near] = self.head[self.row[near]] // shift[near] % 10**width
        far = np.flatnonzero(~near)
        if len(far):
            start = self.base[self.row[far]] + first[far]
            value = np.zeros(len(far), dtype=np.int64)
            last = len(self.data) - 1
            for j in range(width):
                value = value * 10 + self.data[np.minimum(start + j, last)] - ord("0")
            out[far] = value
        out[self.length < k] = -1
        return out

    def by_skip(self) -> Iterator[tuple[int, IntArray, pa.LargeStringArray]]:
        """Groups of numbers sharing a ``skip``: (skip, positions, their full text)."""
        if len(self) == 0:
            return
        counts = np.bincount(self.skip)
        for k in np.flatnonzero(counts):
            pos = np.flatnonzero(self.skip == k) if counts[k] < len(self) else np.arange(len(self))
            yield int(k), pos, self.text.take(pa.array(self.row[pos]))

    def with_prefix(self, prefix: str) -> tuple[IntArray, pa.Array]:
        """``prefix`` + each number, as text; returns (positions, text) in group order."""
        parts, order = [], []
        for k, pos, text in self.by_skip():
            parts.append(pc.utf8_replace_slice(text, 0, k, prefix))
            order.append(pos)
        if not parts:
            return np.zeros(0, dtype=np.int64), pa.array([], type=pa.large_string())
        return np.concatenate(order), pa.concat_arrays(parts)


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


# --------------------------------------------------------------------------------------------
# Input conversion and cleaning.
# --------------------------------------------------------------------------------------------


def _as_text(values: pd.Series) -> tuple[pa.LargeStringArray, BoolArray]:
    """The column as text, plus a mask of values that cannot be phones (fractions, booleans)."""
    n = len(values)
    bad = np.zeros(n, dtype=np.bool_)
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return pa.nulls(n, pa.large_string()), values.notna().to_numpy()
    if pd.api.types.is_integer_dtype(dtype):
        return pc.cast(pa.array(values, from_pandas=True), pa.large_string()), bad
    if pd.api.types.is_float_dtype(dtype):
        floats = values.to_numpy(dtype=np.float64, na_value=np.nan)
        finite = np.isfinite(floats)
        whole = finite & (np.floor(floats) == floats) & (np.abs(floats) < 1e18)
        ints = pa.array(np.where(whole, floats, 0).astype(np.int64), mask=~whole)
        return pc.cast(ints, pa.large_string()), finite & ~whole
    if isinstance(dtype, pd.StringDtype) or pd.api.types.infer_dtype(values) in ("string", "empty"):
        return pa.array(values, type=pa.large_string(), from_pandas=True), bad
    texts: list[str | None] = []
    for i, v in enumerate(values.tolist()):
        if isinstance(v, bool | np.bool_) or (
            isinstance(v, float | np.floating) and np.isfinite(v) and not float(v).is_integer()
        ):
            bad[i] = True
        texts.append(None if bad[i] else _text_of(v))
    return pa.array(texts, type=pa.large_string()), bad


def _text_of(value: object) -> str | None:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        f = float(value)
        return str(int(f)) if np.isfinite(f) else None
    return str(value)


def _clean_bytes(text: pa.LargeStringArray) -> tuple[_Digits, BoolArray, BoolArray]:
    """Drop separators: the digits, a leading-``+`` mask, and rows needing careful cleaning."""
    text = text.fill_null("")
    n = len(text)
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[text.offset : text.offset + n + 1]
    buf = text.buffers()[2]
    data = np.frombuffer(buf, dtype=np.uint8) if buf is not None else np.zeros(0, np.uint8)
    data = data[int(offsets[0]) : int(offsets[-1])]
    offsets = offsets - offsets[0]
    cls = _BYTE_CLASS[data]
    odd_at = np.flatnonzero(cls == _ODD)
    if len(odd_at):
        for seq in _UTF8_SEPARATORS:
            at = odd_at[data[odd_at] == seq[0]]
            at = at[at + len(seq) <= len(data)]
            for j in range(1, len(seq)):
                at = at[data[at + j] == seq[j]]
            for j in range(len(seq)):
                cls[at + j] = _SEP
        odd_at = np.flatnonzero(cls == _ODD)
    dropped = np.flatnonzero(cls != _DIGIT)
    new_offsets = offsets - np.searchsorted(dropped, offsets)
    odd = np.zeros(n, dtype=np.bool_)
    odd[np.searchsorted(offsets, odd_at, side="right") - 1] = True
    # "+" is allowed once, before any digit.
    plus_at = np.flatnonzero(cls == _PLUS)
    plus_row = np.searchsorted(offsets, plus_at, side="right") - 1
    plus_count = np.bincount(plus_row, minlength=n)
    digits_before = plus_at - np.searchsorted(dropped, plus_at)
    odd[plus_row[digits_before > new_offsets[plus_row]]] = True
    odd |= plus_count > 1
    kept = data[cls == _DIGIT]
    digit_text = pa.LargeStringArray.from_buffers(n, pa.py_buffer(new_offsets), pa.py_buffer(kept))
    base = new_offsets[:-1]
    length = np.diff(new_offsets)
    head = np.zeros(n, dtype=np.int64)
    last = max(len(kept) - 1, 0)
    padded = kept if len(kept) else np.zeros(1, dtype=np.uint8)
    for j in range(_HEAD):
        digit = padded[np.minimum(base + j, last)].astype(np.int64) - ord("0")
        head = head * 10 + np.where(length > j, digit, 0)
    digits = _Digits(
        digit_text, kept, base, np.arange(n), np.zeros(n, dtype=np.int64), length, head
    )
    return digits, plus_count == 1, odd


def _clean_python(text: str | None) -> tuple[str | None, str | None]:
    """Careful cleaning of one odd value: ``(ascii form, None)`` or ``(None, reason)``."""
    if text is None:
        return None, EMPTY
    value = unicodedata.normalize("NFKC", text).strip()
    if value[:4].lower() == "tel:":
        value = value[4:]
    value = _SEPARATOR_CHARS.sub("", value)
    if not value:
        return None, EMPTY
    if _EXTENSION_RE.search(value):
        return None, EXTENSION
    plus = value.startswith("+")
    body = value[1:] if plus else value
    if not body or not all(ch.isdecimal() for ch in body):
        return None, NOT_A_PHONE
    ascii_digits = "".join(str(unicodedata.decimal(ch)) for ch in body)
    return ("+" if plus else "") + ascii_digits, None


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
