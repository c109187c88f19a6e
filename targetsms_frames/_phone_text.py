"""Phone column values as digit arrays: conversion to text, cleaning, and ``_Digits``.

A column becomes one pyarrow string array (integers and whole floats as their digits; fractions
and booleans are flagged as not phones), and separators are dropped on its raw UTF-8 bytes with
numpy. The result is a ``_Digits``: the cleaned text with per-row offsets, so that prefixes are
dropped by moving ``skip`` rather than by building new strings. Values the byte cleaner cannot
handle (non-ASCII digits, letters, extensions, a misplaced ``+``) are flagged and cleaned one by
one in Python by ``_clean_python``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._arrow_text import large_strings, utf8_column
from ._cells import scalar_text

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

EMPTY = "empty"
NOT_A_PHONE = "not a phone number"
EXTENSION = "has an extension"

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
    if isinstance(dtype, pd.CategoricalDtype):
        return _as_text(values.astype(dtype.categories.dtype))
    if pd.api.types.is_string_dtype(dtype) and pd.api.types.infer_dtype(values) in (
        "string",
        "empty",
    ):
        return large_strings(values), bad
    texts: list[str | None] = []
    for i, v in enumerate(values.tolist()):
        if isinstance(v, bool | np.bool_) or (
            isinstance(v, float | np.floating) and np.isfinite(v) and not float(v).is_integer()
        ):
            bad[i] = True
        texts.append(None if bad[i] else scalar_text(v))
    return pa.array(texts, type=pa.large_string()), bad


def _clean_bytes(text: pa.LargeStringArray) -> tuple[_Digits, BoolArray, BoolArray]:
    """Drop separators: the digits, a leading-``+`` mask, and rows needing careful cleaning."""
    column = utf8_column(text.fill_null(""))
    text, data, offsets = column.array, column.data, column.offsets
    n = len(text)
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
