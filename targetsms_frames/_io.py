"""Reading recipient and template tables: ``read_table``.

Spreadsheets and CSV files mangle phone numbers when read naively (``79000000001.0``,
``7.9e+10``, a lost ``+``). Here phone columns always come back as the text the person wrote
(an Excel number cell becomes its integer digits), and a CSV is read as text first: a column
becomes Int64 only when every filled cell is a plain whole number without leading zeros, so
``00123`` and ``12.50`` stay exactly as written.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Collection
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from ._cells import as_text, blank_mask
from ._exceptions import TableNotFoundError, TableReadError

__all__ = ["TableNotFoundError", "TableReadError", "is_phone_column", "read_table"]

_PHONE_WORDS: Final = ("phone", "tel", "msisdn", "mobile", "телефон", "мобил")
_CSV: Final = frozenset({".csv", ".txt", ".tsv"})
_EXCEL: Final = frozenset({".xlsx", ".xlsm", ".xls"})
_PARQUET: Final = frozenset({".parquet", ".pq"})
_WHOLE_RE: Final = r"-?(?:0|[1-9][0-9]{0,17})"


def is_phone_column(name: object) -> bool:
    """Whether a column name looks like it holds phone numbers.

    >>> [is_phone_column(n) for n in ["phone", "Mobile_Phone", "MSISDN", "Телефон", "name"]]
    [True, True, True, True, False]
    """
    return isinstance(name, str) and any(word in name.lower() for word in _PHONE_WORDS)


def _sniff_separator(path: Path, encoding: str) -> str:
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        sample = handle.read(64 * 1024)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return "\t" if path.suffix.lower() == ".tsv" else ","


def _read_csv_as(path: Path, encoding: str, options: dict[str, Any]) -> pd.DataFrame:
    if "sep" not in options and "delimiter" not in options:
        options = {**options, "sep": _sniff_separator(path, encoding)}
    frame: pd.DataFrame = pd.read_csv(path, encoding=encoding, dtype=str, **options)
    return frame


def _read_csv(path: Path, kwargs: dict[str, Any]) -> pd.DataFrame:
    options: dict[str, Any] = {"keep_default_na": False, "na_values": [""], **kwargs}
    encodings = [options.pop("encoding")] if "encoding" in options else ["utf-8-sig", "cp1251"]
    for encoding in encodings[:-1]:
        try:
            return _read_csv_as(path, encoding, options)
        except UnicodeDecodeError:
            continue
    return _read_csv_as(path, encodings[-1], options)


def _whole_numbers(text: pd.Series) -> pd.Series | None:
    """The column as Int64 when every filled cell is a plain whole number, else None."""
    filled = text.dropna()
    if filled.empty or not bool(filled.str.fullmatch(_WHOLE_RE).all()):
        return None
    return pd.to_numeric(text).astype("Int64")


def _numbers_are_whole(values: pd.Series) -> bool:
    numbers = values.dropna().astype("float64")
    return bool((np.isfinite(numbers) & (numbers == np.floor(numbers))).all())


def _tidy_csv(frame: pd.DataFrame, text_columns: Collection[object]) -> pd.DataFrame:
    out = {}
    for name in frame.columns:
        text = frame[name].astype("str")
        text = text.where(~blank_mask(text))
        whole = None if name in text_columns else _whole_numbers(text)
        out[name] = text if whole is None else whole
    return pd.DataFrame(out, index=frame.index)[list(frame.columns)]


def _tidy_parquet(frame: pd.DataFrame, text_columns: Collection[object]) -> pd.DataFrame:
    """Parquet keeps its own types; only phone and text columns become text."""
    out = frame.copy(deep=False)
    for name in frame.columns:
        if name in text_columns:
            out[name] = as_text(frame[name])
    return out


def _tidy_excel(frame: pd.DataFrame, text_columns: Collection[object]) -> pd.DataFrame:
    """Phones as digits, whole numbers as Int64, dates as datetimes, the rest as text."""
    out = frame.copy(deep=False)
    for name in frame.columns:
        values = frame[name]
        if name in text_columns:
            out[name] = as_text(values)
        elif pd.api.types.is_float_dtype(values.dtype) and _numbers_are_whole(values):
            out[name] = values.astype("Int64")
        elif pd.api.types.is_object_dtype(values.dtype):
            kind = pd.api.types.infer_dtype(values, skipna=True)
            if kind == "integer":
                out[name] = values.astype("Int64")
            elif kind in ("floating", "mixed-integer-float"):
                out[name] = values.astype("float64")
                if _numbers_are_whole(out[name]):
                    out[name] = out[name].astype("Int64")
            elif kind in ("datetime", "datetime64"):
                out[name] = pd.to_datetime(values)
            elif kind != "empty":
                out[name] = as_text(values)
    return out


def read_table(
    path: str | os.PathLike[str], *, text_columns: Collection[str] = (), **kwargs: Any
) -> pd.DataFrame:
    """Read recipients or templates from ``.csv``/``.txt``/``.tsv``, Excel or Parquet.

    Phone columns (``phone`` and names containing phone, tel, msisdn, mobile, телефон) are
    always text: no ``.0``, no scientific notation, the leading ``+`` kept. A CSV is read as
    text; its columns become Int64 only when every filled cell is a plain whole number
    (``10``), never when one has a leading zero (``007``) or a decimal point.

    Parameters
    ----------
    path : str or path-like
        The file. CSV separators (``,``, ``;``, tab, ``|``) are detected; a CSV that is not
        UTF-8 is read as Windows-1251 (Russian Excel's export).
    text_columns : collection of str
        More columns to keep as text (promo codes, contract numbers...).
    **kwargs
        Passed through to :func:`pandas.read_csv`, :func:`pandas.read_excel` (for example
        ``sheet_name=``) or :func:`pandas.read_parquet`; ``dtype=`` is applied after reading.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    TableNotFoundError
        The file does not exist (also a ``FileNotFoundError``).
    TableReadError
        The extension is not one of the supported ones, or the file cannot be read.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "recipients.csv"
    >>> _ = path.write_text("phone;name;bonus;code\\n+7 900 000-00-01;Anna;10;007\\n")
    >>> read_table(path).iloc[0].to_dict()
    {'phone': '+7 900 000-00-01', 'name': 'Anna', 'bonus': 10, 'code': '007'}
    """
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in _CSV | _EXCEL | _PARQUET:
        raise TableReadError(
            f"cannot read {str(file)!r}: unknown file type {suffix or '(no extension)'!r}; "
            "use .csv, .txt, .tsv, .xlsx, .xls or .parquet"
        )
    if not file.is_file():
        raise TableNotFoundError(f"no such file: {str(file)!r}")
    dtype = kwargs.pop("dtype", None)
    try:
        if suffix in _CSV:
            frame = _read_csv(file, kwargs)
        elif suffix in _EXCEL:
            frame = pd.read_excel(file, dtype=object, **kwargs)
        else:
            frame = pd.read_parquet(file, **kwargs)
    except (ValueError, ImportError, OSError, UnicodeDecodeError) as exc:
        raise TableReadError(f"cannot read {str(file)!r}: {exc}") from exc
    if isinstance(frame, dict):
        raise TableReadError(f"cannot read {str(file)!r}: pass one sheet_name, not several")
    keep_text = set(text_columns) | {c for c in frame.columns if is_phone_column(c)}
    tidy = _tidy_csv if suffix in _CSV else _tidy_excel if suffix in _EXCEL else _tidy_parquet
    out = tidy(frame, keep_text)
    return out if dtype is None else out.astype(dtype)
