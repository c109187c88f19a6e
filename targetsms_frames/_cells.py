"""Cell values as people write them: when a value is blank, and how any value reads as text.

Every step that turns a user's value into text (rendering a placeholder, validating a column,
building a request, reading a file, exporting a phone) asks this module, so that a float column
with blanks reads ``10`` and not ``10.0`` everywhere, and "blank" means one thing everywhere:

- *missing*: ``None``, ``NaN``, ``pd.NA``, ``pd.NaT``;
- *blank*: missing, or text that is empty or only whitespace;
- in files read by :func:`read_table`, the usual markers of an empty cell
  (:data:`MISSING_MARKERS`: ``NULL``, ``None``, ``#N/A``, ``nan``, ``NA``...) are missing too.

Examples
--------
>>> import pandas as pd
>>> as_text(pd.Series([10.0, None, 2.5])).tolist()
['10', nan, '2.5']
>>> [is_blank(v) for v in (None, float("nan"), "  ", "0", 0)]
[True, True, True, False, False]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Final

import numpy as np
import pandas as pd

__all__ = [
    "MISSING_MARKERS",
    "as_text",
    "blank_mask",
    "blank_to_na",
    "is_blank",
    "is_missing",
    "map_unique",
    "parse_whole",
    "scalar_text",
]

#: Cell texts that mean "no value" in files (pandas' and Excel's markers for an empty cell).
MISSING_MARKERS: Final = frozenset(
    {
        "",
        "#N/A",
        "#N/A N/A",
        "#NA",
        "-1.#IND",
        "-1.#QNAN",
        "-NaN",
        "-nan",
        "1.#IND",
        "1.#QNAN",
        "<NA>",
        "N/A",
        "NA",
        "NULL",
        "NaN",
        "None",
        "n/a",
        "nan",
        "null",
    }
)
_MAX_WHOLE: Final = 2.0**53


def is_missing(value: object) -> bool:
    """True for ``None``, ``NaN``, ``pd.NA`` and ``pd.NaT``.

    >>> [is_missing(v) for v in (None, float("nan"), pd.NA, pd.NaT, "", 0)]
    [True, True, True, True, False, False]
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return bool(value != value)
    return isinstance(value, np.datetime64) and bool(np.isnat(value))


def is_blank(value: object) -> bool:
    """True for a missing value and for text that is empty or only whitespace.

    >>> [is_blank(v) for v in ("", " \\t", "x", None)]
    [True, True, False, True]
    """
    if isinstance(value, str):
        return not value.strip()
    return is_missing(value)


def scalar_text(value: object) -> str | None:
    """One value as a person writes it; ``None`` when it is missing.

    >>> [scalar_text(v) for v in (10.0, 2.5, 7, None, pd.Timestamp("2026-11-27 09:30"))]
    ['10', '2.5', '7', None, '2026-11-27 09:30']
    """
    if is_missing(value):
        return None
    if isinstance(value, float | np.floating):
        number = float(value)
        if number.is_integer() and abs(number) < _MAX_WHOLE:
            return str(int(number))
        return str(number)
    if isinstance(value, np.generic):
        return scalar_text(value.item())
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
    """Turn any column into text (``str`` dtype) the way a person writes it; NA stays NA.

    Whole floats lose their ``.0`` (an integer column with blanks reads as float), integers
    print as integers, dates as ``2026-11-27`` (with ``HH:MM`` when there is a time), text is
    kept verbatim. Vectorised for typed columns; object columns convert each distinct value once.

    Examples
    --------
    >>> import pandas as pd
    >>> as_text(pd.Series([1, None], dtype="Int64")).tolist()
    ['1', nan]
    >>> as_text(pd.Series([pd.Timestamp("2026-11-27"), pd.Timestamp("2026-11-27 09:30")])).tolist()
    ['2026-11-27', '2026-11-27 09:30']
    >>> as_text(pd.Series(["a", 1, None, 2.0], dtype=object)).tolist()
    ['a', '1', nan, '2']
    """
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return as_text(values.astype(dtype.categories.dtype))
    if isinstance(dtype, pd.StringDtype) or (
        isinstance(dtype, pd.ArrowDtype) and pd.api.types.is_string_dtype(dtype)
    ):
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
    return map_unique(values, scalar_text)


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
    """True where a text column is NA or only whitespace.

    >>> blank_mask(pd.Series(["a", " ", None], dtype="str")).tolist()
    [False, True, True]
    """
    return text.isna() | text.str.strip().eq("")


def blank_to_na(text: pd.Series) -> pd.Series:
    """A text column with its blank cells (NA, empty, whitespace) as NA.

    >>> blank_to_na(pd.Series(["a", " ", ""], dtype="str")).tolist()
    ['a', nan, nan]
    """
    return text.where(~blank_mask(text))
