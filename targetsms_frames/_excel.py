"""Write results and reports to an Excel workbook that opens ready to read.

Each frame becomes one sheet: bold, frozen header with an auto filter, columns sized to their
content (capped), and cells typed so that Excel shows what the frame holds:

- phones and IDs (``phone``, ``phone_raw``, ``message_id``, ``request_id``, any column whose
  name contains ``phone``, is ``id`` or ends in ``_id``) are text cells, never numbers, so no
  digit is lost to scientific notation;
- timestamps are Excel date-times in the zone ``tz`` (by default the machine's own), written
  without a timezone (Excel has none); the header cell of such a column names the zone;
- rates (columns named ``rate`` or ending in ``_rate``) use a percentage format;
- missing values (``NA``, ``NaN``, ``NaT``, ``None``) are blank cells;
- strings are always written as text, so a value such as ``=1+1`` is never run as a formula.

Examples
--------
>>> import tempfile, pathlib
>>> import pandas as pd
>>> from openpyxl import load_workbook
>>> frame = pd.DataFrame({"phone": ["79000000001"], "delivery_rate": [0.875]})
>>> with tempfile.TemporaryDirectory() as folder:
...     path = write_excel({"report": frame}, pathlib.Path(folder) / "campaign.xlsx")
...     cell = load_workbook(path)["report"]["A2"]
...     cell.value, cell.data_type
('79000000001', 's')
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from ._cells import is_missing
from ._exceptions import ValidationError
from ._time import Zone, campaign_zone, local_times, zone_name

__all__ = ["write_excel"]

_MAX_ROWS: Final = 1_048_576
_MAX_COLUMNS: Final = 16_384
_SHEET_NAME_MAX: Final = 31
_BAD_SHEET_CHARS: Final = re.compile(r"[\[\]:*?/\\]")
# Control characters an .xlsx file cannot hold.
_ILLEGAL_CHARS: Final = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f]")

_PERCENT_FORMAT: Final = "0.0%"
_TEXT_FORMAT: Final = "@"
_DATETIME_WIDTH: Final = 19
_DATE_WIDTH: Final = 10
_PERCENT_WIDTH: Final = 7
_FILTER_ARROW: Final = 3  # room for the filter button beside the header text
_MIN_WIDTH: Final = 6
_ZONE_NOTE: Final = "Times are in {zone}, written without a timezone (Excel has none)."

_Convert = Callable[[Any], Any]


def _is_text_column(name: str) -> bool:
    lowered = name.lower()
    return (
        "phone" in lowered
        or lowered == "id"
        or lowered.endswith("_id")
        or lowered.startswith("id_")
    )


def _is_percent_column(name: str) -> bool:
    lowered = name.lower()
    return lowered == "rate" or lowered.endswith("_rate")


def _clean_text(value: str) -> str:
    return _ILLEGAL_CHARS.sub("", value)


def _as_text(value: Any) -> str | None:
    """Phones and IDs: digits as typed, never ``7.9e10`` or ``79000000001.0``."""
    if is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, np.generic):
        return _as_text(value.item())
    return _clean_text(str(value))


def _as_datetime(value: Any) -> Any:
    """Datetimes as naive UTC (aware ones not in a typed column); others via :func:`_as_value`."""
    if is_missing(value):
        return None
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return _as_value(value)


def _as_value(value: Any) -> Any:
    if is_missing(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, pd.Timestamp):
        # Excel keeps milliseconds at best; drop nanoseconds before leaving pandas.
        value = value.floor("us").to_pydatetime()
    if isinstance(value, bool | int | float | dt.date | dt.time | dt.timedelta):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return _as_datetime(value)
        if isinstance(value, float) and math.isinf(value):
            return str(value)
        return value
    if isinstance(value, str):
        return _clean_text(value)
    return _clean_text(str(value))


def _width_of(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return _DATETIME_WIDTH
    if isinstance(value, dt.date):
        return _DATE_WIDTH
    if isinstance(value, float):
        return len(f"{value:.6g}")
    text = str(value)
    return max(len(line) for line in text.splitlines()) if "\n" in text else len(text)


class _Column:
    """One column's header, cell values, number format and fitted width."""

    def __init__(
        self,
        header: str,
        series: pd.Series,
        *,
        text: bool,
        percent: bool,
        max_width: float,
        tz: Zone | None,
    ) -> None:
        self.header = header
        self.number_format: str | None = None
        self.note: str | None = None
        convert: _Convert = _as_value
        dtype = series.dtype
        if isinstance(dtype, pd.DatetimeTZDtype):
            series = local_times(series, tz).dt.tz_localize(None)
            self.note = _ZONE_NOTE.format(zone=zone_name(tz))
            convert = _as_datetime
        elif text:
            self.number_format = _TEXT_FORMAT
            convert = _as_text
        elif percent and pd.api.types.is_numeric_dtype(dtype):
            self.number_format = _PERCENT_FORMAT
        elif pd.api.types.is_datetime64_dtype(dtype):
            convert = _as_datetime
        raw = series.to_numpy(dtype=object)
        self.values: list[Any] = [convert(value) for value in raw]
        if self.note is None and any(
            isinstance(value, dt.datetime) and value.tzinfo is not None for value in raw
        ):
            self.note = _ZONE_NOTE.format(zone="UTC")
        content = (
            _PERCENT_WIDTH
            if self.number_format == _PERCENT_FORMAT
            else max((_width_of(value) for value in self.values), default=0)
        )
        wanted = max(len(header) + _FILTER_ARROW, content) + 2
        self.width = float(min(max(wanted, _MIN_WIDTH), max_width))

    def cell(self, sheet: WriteOnlyWorksheet, value: Any) -> Any:
        """What to append for ``value``: itself, or a cell carrying its type and format.

        Plain values are cheapest; openpyxl gives dates and times a date format itself.
        """
        if value is None:
            return None
        if isinstance(value, str):
            if self.number_format != _TEXT_FORMAT and not value.startswith("="):
                return value
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # text, never a formula, whatever it starts with
            if self.number_format == _TEXT_FORMAT:
                cell.number_format = _TEXT_FORMAT
            return cell
        if self.number_format == _PERCENT_FORMAT and isinstance(value, int | float):
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = _PERCENT_FORMAT
            return cell
        return value


def _header_text(name: Any) -> str:
    if isinstance(name, tuple):
        return " / ".join(str(part) for part in name if not is_missing(part) and part != "")
    return str(name)


def _sheet_names(keys: Iterable[Any]) -> list[str]:
    names: list[str] = []
    taken: set[str] = set()
    for key in keys:
        base = _BAD_SHEET_CHARS.sub("_", str(key)).strip("'")[:_SHEET_NAME_MAX] or "Sheet"
        name, number = base, 1
        while name.lower() in taken:
            number += 1
            suffix = f" ({number})"
            name = base[: _SHEET_NAME_MAX - len(suffix)] + suffix
        taken.add(name.lower())
        names.append(name)
    return names


def _with_index(frame: pd.DataFrame, index: bool | None) -> pd.DataFrame:
    keep = any(name is not None for name in frame.index.names) if index is None else index
    return frame.reset_index() if keep else frame


def _check_size(name: str, frame: pd.DataFrame) -> None:
    if len(frame) + 1 > _MAX_ROWS or frame.shape[1] > _MAX_COLUMNS:
        raise ValidationError(
            f"sheet {name!r}: {len(frame):,} rows x {frame.shape[1]:,} columns does not fit an "
            f"Excel sheet (at most {_MAX_ROWS - 1:,} rows and {_MAX_COLUMNS:,} columns); "
            "split the frame or write it with DataFrame.to_parquet",
            pd.DataFrame(
                {"index": [pd.NA], "column": [pd.NA], "rule": ["too large for one Excel sheet"]}
            ),
        )


def _write_sheet(
    sheet: WriteOnlyWorksheet,
    frame: pd.DataFrame,
    *,
    text_columns: frozenset[str],
    percent_columns: frozenset[str],
    max_width: float,
    tz: Zone | None,
) -> None:
    columns = []
    for position in range(frame.shape[1]):
        header = _header_text(frame.columns[position])
        columns.append(
            _Column(
                header,
                frame.iloc[:, position],
                text=header in text_columns or _is_text_column(header),
                percent=header in percent_columns or _is_percent_column(header),
                max_width=max_width,
                tz=tz,
            )
        )
    # A write-only sheet has these attributes at run time; the type stubs leave them out.
    dimensions = sheet.column_dimensions  # type: ignore[attr-defined]
    for number, column in enumerate(columns, start=1):
        dimensions[get_column_letter(number)].width = column.width
    if not columns:
        return
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A1:{last}{len(frame) + 1}"  # type: ignore[attr-defined]

    bold = Font(bold=True)
    header_cells = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=_clean_text(column.header))
        cell.data_type = "s"
        cell.font = bold
        if column.note is not None:
            cell.comment = Comment(column.note, "targetsms-frames")
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in zip(*(column.values for column in columns), strict=True):
        sheet.append(
            [column.cell(sheet, value) for column, value in zip(columns, row, strict=True)]
        )


def write_excel(
    frames: Mapping[str, pd.DataFrame] | pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    text_columns: Iterable[str] = (),
    percent_columns: Iterable[str] = (),
    index: bool | None = None,
    max_width: float = 60.0,
    tz: Zone | None = None,
) -> Path:
    """Write one or more frames to an ``.xlsx`` workbook, one sheet each.

    Parameters
    ----------
    frames : pandas.DataFrame or mapping of str to DataFrame
        A single frame (sheet ``Sheet1``) or ``{sheet name: frame}``, for example
        ``{"results": statuses, "by template": report}``. Sheet names are shortened to
        Excel's 31 characters and characters Excel refuses are replaced by ``_``.
    path : str or path-like
        The workbook to write; an existing file is replaced.
    text_columns : iterable of str, optional
        More columns to write as text, beyond phones and IDs.
    percent_columns : iterable of str, optional
        More columns to format as percentages (0.25 shows as 25.0%), beyond ``*_rate``.
    index : bool, optional
        Write the index as leading columns. By default only a named index is written.
    max_width : float, default 60
        Widest a column is sized to, in characters.
    tz : str or tzinfo, optional
        Zone to write timestamps in, such as ``"Europe/Moscow"`` (default: the campaign's,
        noted on the frames of ``send`` and ``read_journal``, else the machine's
        own zone).

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ValidationError
        When a frame has more rows or columns than an Excel sheet holds.

    Notes
    -----
    Timestamps are converted to ``tz`` and written without a timezone, which Excel does not
    support; a note on the header cell names the zone.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> results = pd.DataFrame({"phone": ["79000000001", "79000000002"],
    ...                         "message_id": ["1179038981", None]})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     written = write_excel(results, pathlib.Path(folder) / "results.xlsx")
    ...     written.name
    'results.xlsx'
    """
    named = {"Sheet1": frames} if isinstance(frames, pd.DataFrame) else dict(frames)
    target = Path(os.fspath(path))
    texts = frozenset(text_columns)
    percents = frozenset(percent_columns)
    workbook = Workbook(write_only=True)
    for name, frame in zip(_sheet_names(named), named.values(), strict=True):
        data = _with_index(frame, index)
        _check_size(name, data)
        sheet = workbook.create_sheet(name)
        _write_sheet(
            sheet,
            data,
            text_columns=texts,
            percent_columns=percents,
            max_width=max_width,
            tz=campaign_zone(frame, tz),
        )
    if not named:
        workbook.create_sheet("Sheet1")
    workbook.save(target)
    return target
