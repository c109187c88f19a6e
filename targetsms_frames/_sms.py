"""SMS encoding, length and part counting (GSM 03.38 / UCS-2), one text or a whole column.

A text made only of GSM 03.38 characters is sent as GSM-7: 160 septets in one part, 153 per
part when split, where each character of the extension table (``^{}\\[~]|€`` and form feed)
takes two septets that are never split across parts. Any other character (Cyrillic, « », emoji)
makes the whole text UCS-2: 70 UTF-16 code units in one part, 67 per part, a surrogate pair
never split. The provider bills per part.
"""

from __future__ import annotations

import math
import re
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._arrow_text import large_strings, utf8_column

__all__ = [
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "sms_encoding",
    "sms_info",
    "sms_length",
    "sms_parts",
    "ucs2_characters",
    "viber_length",
]

#: GSM 03.38 basic character set (the escape code 0x1B left out: it is not a character).
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: GSM 03.38 extension table: each character costs two septets (escape + code).
GSM7_EXTENSION = "\f^{}\\[~]|€"

VIBER_MAX_LENGTH = 1000

_STR_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)

_GSM_SINGLE, _GSM_PART = 160, 153
_UCS2_SINGLE, _UCS2_PART = 70, 67

_GSM7 = frozenset(GSM7_BASIC + GSM7_EXTENSION)
_NOT_GSM = re.compile("[^" + re.escape(GSM7_BASIC + GSM7_EXTENSION) + "]")
_EXTENSION = re.compile("[" + re.escape(GSM7_EXTENSION) + "]")


def _re2_class(chars: str, negate: bool = False) -> str:
    return "[" + ("^" if negate else "") + "".join(f"\\x{{{ord(c):x}}}" for c in chars) + "]"


_RE2_NOT_GSM = _re2_class(GSM7_BASIC + GSM7_EXTENSION, negate=True)

#: ASCII bytes that are not GSM-7 characters (controls other than LF, CR, FF; "`"; DEL).
_ASCII_NOT_GSM = np.zeros(256, dtype=np.bool_)
_ASCII_NOT_GSM[[b for b in range(128) if chr(b) not in _GSM7]] = True


def _special_ascii(data: npt.NDArray[np.uint8]) -> tuple[IntArray, IntArray]:
    """Positions of ASCII extension characters and of ASCII characters outside GSM-7."""
    low = np.flatnonzero(data < 0x20)
    low_byte = data[low]
    form_feed = low[low_byte == 0x0C]
    bad_low = low[(low_byte != 0x0A) & (low_byte != 0x0D) & (low_byte != 0x0C)]
    # "[\\]^" are 0x5B-0x5E and "{|}~" 0x7B-0x7E: equal once bit 0x20 is cleared.
    folded = data & np.uint8(0xDF)
    ext = np.flatnonzero((folded - np.uint8(0x5B)) < 4)
    bad_high = np.flatnonzero((data == 0x60) | (data == 0x7F))
    return np.concatenate([ext, form_feed]), np.concatenate([bad_low, bad_high])


Encoding = Literal["GSM-7", "UCS-2"]
IntArray = npt.NDArray[np.int64]


def sms_encoding(text: str) -> Encoding:
    """The encoding an SMS with this text is sent in.

    Parameters
    ----------
    text : str
        Message text.

    Returns
    -------
    {"GSM-7", "UCS-2"}

    Examples
    --------
    >>> sms_encoding("Your code is 1234 [valid 5 min]")
    'GSM-7'
    >>> sms_encoding("Ваш код 1234")
    'UCS-2'
    """
    return "UCS-2" if _NOT_GSM.search(text) else "GSM-7"


def _costs(text: str, encoding: Encoding) -> list[int]:
    """Per character: septets (GSM-7) or UTF-16 code units (UCS-2)."""
    if encoding == "GSM-7":
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def sms_length(text: str) -> int:
    """Length of the text in its encoding's units.

    Septets for GSM-7 (an extension character counts twice), UTF-16 code units for UCS-2
    (a character outside the Basic Multilingual Plane, such as most emoji, counts twice).

    Parameters
    ----------
    text : str
        Message text.

    Returns
    -------
    int

    Examples
    --------
    >>> sms_length("Price: 10€")
    11
    >>> sms_length("Привет 👋")
    9
    """
    if sms_encoding(text) == "GSM-7":
        return len(text) + len(_EXTENSION.findall(text))
    return len(text.encode("utf-16-le")) // 2


def _split_parts(costs: list[int], per_part: int) -> int:
    parts, used = 1, 0
    for cost in costs:
        if used + cost > per_part:
            parts += 1
            used = 0
        used += cost
    return parts


def sms_parts(text: str) -> int:
    """Number of SMS parts (billed messages) the text is sent as.

    Parameters
    ----------
    text : str
        Message text.

    Returns
    -------
    int
        ``0`` for an empty text.

    Examples
    --------
    >>> sms_parts("a" * 160), sms_parts("a" * 161)
    (1, 2)
    >>> sms_parts("Ж" * 70), sms_parts("Ж" * 71)
    (1, 2)
    >>> sms_parts("")
    0
    """
    if not text:
        return 0
    encoding = sms_encoding(text)
    length = sms_length(text)
    single, per_part = (
        (_GSM_SINGLE, _GSM_PART) if encoding == "GSM-7" else (_UCS2_SINGLE, _UCS2_PART)
    )
    if length <= single:
        return 1
    if length == len(text):  # every character costs one unit: nothing to keep together
        return math.ceil(length / per_part)
    return _split_parts(_costs(text, encoding), per_part)


def ucs2_characters(text: str) -> str:
    """The distinct characters that force UCS-2, in order of first appearance.

    Parameters
    ----------
    text : str
        Message text.

    Returns
    -------
    str
        Empty when the text is GSM-7.

    Examples
    --------
    >>> ucs2_characters("Sale «today»: 50% off")
    '«»'
    >>> ucs2_characters("Plain text")
    ''
    """
    return "".join(dict.fromkeys(_NOT_GSM.findall(text)))


def viber_length(text: str) -> int:
    """Length of a Viber text in characters (the limit is 1,000).

    Examples
    --------
    >>> viber_length("Привет 👋")
    8
    """
    return len(text)


def _utf8(arr: pa.LargeStringArray) -> tuple[npt.NDArray[np.uint8], IntArray]:
    """The UTF-8 bytes of ``arr`` and each row's start offset into them (plus the end)."""
    column = utf8_column(arr)
    return column.data, column.offsets


def _per_row(hits: IntArray, offsets: IntArray) -> IntArray:
    """Count byte positions ``hits`` per row."""
    rows = np.searchsorted(offsets, hits, side="right") - 1
    return np.bincount(rows, minlength=len(offsets) - 1)


def _ucs2_chars_column(arr: pa.LargeStringArray) -> npt.NDArray[np.object_]:
    """``ucs2_characters`` of every (UCS-2) text, working on bytes and distinct leftovers."""
    if len(arr) == 0:
        return np.zeros(0, dtype=object)
    data, offsets = _utf8(arr)
    # Keep non-ASCII bytes and ASCII characters outside GSM-7; GSM-7 letters such as "é"
    # survive this byte filter and are dropped after decoding the (few) distinct leftovers.
    keep = (data >= 0x80) | _ASCII_NOT_GSM[data]
    counts = np.zeros(len(arr), dtype=np.int64)
    nonempty = np.flatnonzero(np.diff(offsets) > 0)
    if len(nonempty):
        counts[nonempty] = np.add.reduceat(keep.view(np.uint8), offsets[nonempty], dtype=np.int32)
    new_offsets = np.zeros(len(arr) + 1, dtype=np.int64)
    np.cumsum(counts, out=new_offsets[1:])
    kept = data[keep]
    left = pa.Array.from_buffers(
        pa.large_binary(), len(arr), [None, pa.py_buffer(new_offsets), pa.py_buffer(kept)]
    )
    encoded = pc.dictionary_encode(left)
    distinct = np.array(
        [
            "".join(ch for ch in dict.fromkeys(v.decode("utf-8")) if ch not in _GSM7)
            for v in encoded.dictionary.to_pylist()
        ],
        dtype=object,
    )
    chars: npt.NDArray[np.object_] = distinct[encoded.indices.to_numpy(zero_copy_only=False)]
    return chars


def _str_series(arr: pa.Array, index: pd.Index) -> pd.Series:
    text = pc.cast(arr, pa.large_string()).to_pandas(types_mapper=lambda _t: _STR_DTYPE)
    return pd.Series(text.array, index=index, dtype=_STR_DTYPE)


def sms_info(texts: pd.Series) -> pd.DataFrame:
    """Encoding, length and part count for a column of SMS texts.

    Parameters
    ----------
    texts : pandas.Series
        Message texts; missing values are allowed.

    Returns
    -------
    pandas.DataFrame
        Same index as ``texts``, with ``sms_encoding`` (``"GSM-7"``/``"UCS-2"``, NA for a
        missing text), ``sms_length`` (Int64, NA for a missing text), ``sms_parts`` (Int64,
        ``0`` for a missing or empty text) and ``sms_ucs2_chars`` (the characters that forced
        UCS-2, ``""`` for GSM-7 or missing texts).

    Examples
    --------
    >>> import pandas as pd
    >>> info = sms_info(pd.Series(["Hi {name}", "Привет", "«Sale»", None]))
    >>> info[["sms_encoding", "sms_length", "sms_parts"]]
      sms_encoding  sms_length  sms_parts
    0        GSM-7          11          1
    1        UCS-2           6          1
    2        UCS-2           6          1
    3          NaN        <NA>          0
    >>> info["sms_ucs2_chars"].tolist()
    ['', 'Привет', '«»', '']
    """
    arr = large_strings(texts)
    missing = np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=np.bool_)
    arr = arr.fill_null("")
    n_chars = np.asarray(pc.utf8_length(arr).to_numpy(zero_copy_only=False), dtype=np.int64)
    n_bytes = np.asarray(pc.binary_length(arr).to_numpy(zero_copy_only=False), dtype=np.int64)
    data, offsets = _utf8(arr)
    ext_at, bad_at = _special_ascii(data)
    n_ext = _per_row(ext_at, offsets)
    n_astral = _per_row(np.flatnonzero(data >= 0xF0), offsets)
    ascii_bad = _per_row(bad_at, offsets) > 0
    ucs2 = ascii_bad.copy()
    rows = np.flatnonzero((n_bytes > n_chars) & ~ascii_bad)
    if len(rows):
        sub = arr.take(pa.array(rows))
        found = pc.match_substring_regex(sub, _RE2_NOT_GSM).to_numpy(zero_copy_only=False)
        ucs2[rows] = found
        euro = rows[~np.asarray(found, dtype=np.bool_)]
        if len(euro):
            n_ext[euro] += pc.count_substring(arr.take(pa.array(euro)), "€").to_numpy(
                zero_copy_only=False
            )
    length = np.where(ucs2, n_chars + n_astral, n_chars + n_ext)
    extra = np.where(ucs2, n_astral, n_ext)
    single = np.where(ucs2, _UCS2_SINGLE, _GSM_SINGLE)
    per_part = np.where(ucs2, _UCS2_PART, _GSM_PART)
    parts = np.where(length <= single, 1, -(-length // per_part))
    parts[n_chars == 0] = 0
    for i in np.flatnonzero((length > single) & (extra > 0)):
        parts[i] = sms_parts(str(arr[i]))
    chars = np.full(len(arr), "", dtype=object)
    rows = np.flatnonzero(ucs2)
    if len(rows):
        chars[rows] = _ucs2_chars_column(arr.take(pa.array(rows)))

    encoding = pa.DictionaryArray.from_arrays(
        pa.array(ucs2.astype(np.int8), mask=missing), pa.array(["GSM-7", "UCS-2"])
    )
    out_length = pd.array(length, dtype="Int64")
    out_length[missing] = pd.NA
    return pd.DataFrame(
        {
            "sms_encoding": _str_series(encoding, texts.index),
            "sms_length": pd.Series(out_length, index=texts.index),
            "sms_parts": pd.Series(parts, index=texts.index, dtype="Int64"),
            "sms_ucs2_chars": _str_series(pa.array(chars, type=pa.large_string()), texts.index),
        },
        index=texts.index,
    )
