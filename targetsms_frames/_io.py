"""Reading recipient and template tables: ``read_table``.

Spreadsheets and CSV files mangle phone numbers when read naively (``79000000001.0``,
``7.9e+10``, a lost ``+``). Here phone columns always come back as the text the person wrote
(an Excel number cell becomes its integer digits), and a CSV is read as text first: a column
becomes Int64 only when every filled cell is a plain whole number without leading zeros, so
``00123`` and ``12.50`` stay exactly as written.

CSV and Excel files are read as a grid of text cells first (:mod:`._table_text`): one header
and missing-value policy for both, a clear error for a row with too many fields or two columns
with one name, and each row's line in the file remembered for error messages.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Collection
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._cells import as_text
from ._exceptions import TableNotFoundError, TableReadError
from ._schema import is_phone_column
from ._table_text import Table, from_grid, missing_to_na, with_source

__all__ = ["TableNotFoundError", "TableReadError", "is_phone_column", "read_table"]

_CSV: Final = frozenset({".csv", ".txt", ".tsv"})
_EXCEL: Final = frozenset({".xlsx", ".xlsm", ".xls"})
_PARQUET: Final = frozenset({".parquet", ".pq"})
_WHOLE_RE: Final = r"-?(?:0|[1-9][0-9]{0,17})"
_TOO_MANY_RE: Final = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_SEPARATORS: Final = (",", ";", "\t", "|")
_GRID_OPTIONS: Final = frozenset({"header", "names", "index_col", "dtype", "converters"})


def _sniff_separator(path: Path, encoding: str) -> str:
    """The separator the header line uses most (``,`` ``;`` tab ``|``); rows may disagree."""
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        header = next((line for line in handle if line.strip()), "")
    header = re.sub(r'"[^"]*"', "", header)  # a quoted header may hold any separator
    counts = {sep: header.count(sep) for sep in _SEPARATORS}
    best = max(counts, key=lambda sep: counts[sep])
    if counts[best]:
        return best
    return "\t" if path.suffix.lower() == ".tsv" else ","


def _csv_grid(path: Path, encoding: str, options: dict[str, Any]) -> pd.DataFrame:
    options = dict(options)
    if "sep" not in options and "delimiter" not in options:
        options["sep"] = _sniff_separator(path, encoding)
    if options.get("nrows") is not None:
        options["nrows"] = int(options["nrows"]) + 1  # the header is a row of the grid
    try:
        grid: pd.DataFrame = pd.read_csv(
            path,
            encoding=encoding,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_values=[],
            skip_blank_lines=False,
            **options,
        )
    except pd.errors.ParserError as exc:
        found = _TOO_MANY_RE.search(str(exc))
        if found is None:
            raise
        expected, line, saw = found.groups()
        raise TableReadError(
            f"cannot read {str(path)!r}: line {line} has {saw} fields but the header has "
            f"{expected}; a value holding the separator "
            f"{options.get('sep', options.get('delimiter'))!r} must be in quotes"
        ) from exc
    return grid


def _csv_lines(grid: pd.DataFrame) -> npt.NDArray[np.int64]:
    """The file line of each grid row: 1, 2, 3... plus the line breaks inside quoted cells."""
    breaks = np.zeros(len(grid), dtype=np.int64)
    for name in grid.columns:
        cells = grid[name]
        if bool(cells.str.contains("\n", regex=False).any()):
            breaks += cells.str.count("\n").fillna(0).to_numpy(dtype=np.int64)
    before = np.zeros(len(grid), dtype=np.int64)
    np.cumsum(breaks[:-1], out=before[1:])
    lines: npt.NDArray[np.int64] = 1 + np.arange(len(grid), dtype=np.int64) + before
    return lines


def _read_csv(path: Path, kwargs: dict[str, Any]) -> Table:
    options = dict(kwargs)
    encodings = [options.pop("encoding")] if "encoding" in options else ["utf-8-sig", "cp1251"]
    if "encoding" not in kwargs:
        with path.open("rb") as head:
            if head.read(2) in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode Text": UTF-16
                encodings = ["utf-16"]
    for encoding in encodings[:-1]:
        try:
            grid = _csv_grid(path, encoding, options)
            break
        except UnicodeDecodeError:
            continue
    else:
        grid = _csv_grid(path, encodings[-1], options)
    return from_grid(grid, str(path), _csv_lines(grid))


def _read_excel(path: Path, kwargs: dict[str, Any]) -> Table:
    engine = "calamine" if path.suffix.lower() == ".xls" else "openpyxl"
    options = {"engine": engine, **kwargs}
    grid = pd.read_excel(
        path, header=None, dtype=object, keep_default_na=False, na_values=[], **options
    )
    if isinstance(grid, dict):
        raise TableReadError(f"cannot read {str(path)!r}: pass one sheet_name, not several")
    return from_grid(grid, str(path), np.arange(1, len(grid) + 1, dtype=np.int64))


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
        text = frame[name]
        whole = None if name in text_columns else _whole_numbers(text)
        out[name] = text if whole is None else whole
    return pd.DataFrame(out, index=frame.index)[list(frame.columns)]


def _tidy_parquet(frame: pd.DataFrame, text_columns: Collection[object]) -> pd.DataFrame:
    """Parquet keeps its own types; phone and text columns become text; markers are missing."""
    out = frame.copy(deep=False)
    for name in frame.columns:
        if name in text_columns:
            out[name] = missing_to_na(as_text(frame[name]))
        elif pd.api.types.is_string_dtype(frame[name].dtype):
            out[name] = missing_to_na(frame[name])
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


def _with_phone(frame: pd.DataFrame, phone: str, path: str) -> pd.DataFrame:
    """``frame`` with the column ``phone`` names as its ``phone`` column."""
    if phone == "phone":
        return frame
    columns = [str(c) for c in frame.columns]
    if phone not in frame.columns:
        close = difflib.get_close_matches(phone, columns, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise TableReadError(
            f"cannot read {path!r}: there is no column {phone!r} to use as the phone{hint}; "
            f"columns: {', '.join(columns)}"
        )
    if "phone" in frame.columns:
        raise TableReadError(
            f"cannot read {path!r}: it has a 'phone' column already, so {phone!r} cannot "
            "become the phone column; drop or rename one of them"
        )
    return frame.rename(columns={phone: "phone"})


def read_table(
    path: str | os.PathLike[str],
    *,
    phone: str | None = None,
    text_columns: Collection[str] = (),
    **kwargs: Any,
) -> pd.DataFrame:
    """Read recipients or templates from ``.csv``/``.txt``/``.tsv``, Excel or Parquet.

    One policy for every format: blank cells and the usual missing-value markers (``NULL``,
    ``None``, ``#N/A``, ``nan``, ``NA``, ``N/A``...) are missing, in every column, so they are
    never sent as text. Phone columns (``phone`` and headers such as ``Телефон``, ``тел``,
    ``Mobile``, ``MSISDN``, ``номер``) are always text: no ``.0``, no scientific notation, the
    leading ``+`` kept. A CSV is read as text; its columns become Int64 only when every filled
    cell is a plain whole number (``10``), never when one has a leading zero (``007``) or a
    decimal point. Rows with no value at all are dropped.

    Parameters
    ----------
    path : str or path-like
        The file. CSV separators (``,``, ``;``, tab, ``|``) are detected; a CSV that is not
        UTF-8 (with or without a BOM) is read as Windows-1251 (Russian Excel's export).
        ``.xlsx``/``.xlsm`` are read with openpyxl (a formula reads as the value Excel saved
        with it, blank when it has none), ``.xls`` with python-calamine.
    phone : str, optional
        The column that holds the phones, under any header (``phone="Телефон"``); it is
        returned as ``phone``.
    text_columns : collection of str
        More columns to keep as text (promo codes, contract numbers...).
    **kwargs
        Passed through to :func:`pandas.read_csv`, :func:`pandas.read_excel` (for example
        ``sheet_name=``) or :func:`pandas.read_parquet`; ``dtype=`` is applied after reading.
        The first row is always the header (``header``, ``names`` and ``index_col`` are not
        taken).

    Returns
    -------
    pandas.DataFrame
        Rows numbered from 0; ``.attrs`` remembers the file and the line of each row, so that
        :func:`render` can name the lines of rows it cannot fill.

    Raises
    ------
    TableNotFoundError
        The file does not exist (also a ``FileNotFoundError``).
    TableReadError
        The extension is not one of the supported ones; the file cannot be read; a row has
        more fields than the header (naming the line); two columns have one name, or a column
        has values but no name (naming the column); ``phone=`` names no column.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "recipients.csv"
    >>> _ = path.write_text("Телефон;name;bonus;code\\n+7 900 000-00-01;NULL;10;007\\n")
    >>> read_table(path, phone="Телефон").iloc[0].to_dict()
    {'phone': '+7 900 000-00-01', 'name': nan, 'bonus': 10, 'code': '007'}
    """
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in _CSV | _EXCEL | _PARQUET:
        raise TableReadError(
            f"cannot read {str(file)!r}: unknown file type {suffix or '(no extension)'!r}; "
            "use .csv, .txt, .tsv, .xlsx, .xlsm, .xls or .parquet"
        )
    if not file.is_file():
        raise TableNotFoundError(f"no such file: {str(file)!r}")
    unsupported = sorted(_GRID_OPTIONS.intersection(kwargs) - {"dtype"})
    if unsupported:
        raise TypeError(f"read_table() reads the first row as the header; drop {unsupported}")
    dtype = kwargs.pop("dtype", None)
    usecols = None if suffix in _PARQUET else kwargs.pop("usecols", None)
    lines = None
    try:
        if suffix in _PARQUET:
            frame = pd.read_parquet(file, **kwargs)
        else:
            table = _read_csv(file, kwargs) if suffix in _CSV else _read_excel(file, kwargs)
            frame, lines = table.frame, table.lines
    except TableReadError:
        raise
    except Exception as exc:  # whatever the parser says of a bad file: one line, no traceback
        raise TableReadError(f"cannot read {str(file)!r}: {exc}") from exc
    if usecols is not None:
        wanted = [usecols] if isinstance(usecols, str) else list(usecols)
        absent = [c for c in wanted if c not in frame.columns]
        if absent:
            raise TableReadError(f"cannot read {str(file)!r}: no column(s) {absent}")
        frame = frame[wanted]
    if phone is not None:
        frame = _with_phone(frame, phone, str(file))
    keep_text = set(text_columns) | {c for c in frame.columns if is_phone_column(c)}
    tidy = _tidy_csv if suffix in _CSV else _tidy_excel if suffix in _EXCEL else _tidy_parquet
    out = tidy(frame, keep_text)
    out = out if dtype is None else out.astype(dtype)
    if lines is None:
        lines = np.arange(len(out), dtype=np.int64) + 1
    return with_source(out, file.name, lines)
