"""A table read as text cells: its header, its blank rows, its missing values, its line numbers.

CSV and Excel files are first read as a grid of text (no header, nothing guessed), so that one
set of rules applies to both:

- the first row is the header; header names are stripped of surrounding spaces; two columns
  with one name, or a column with values but no name, are a :class:`TableReadError`;
- a text cell that is blank or one of :data:`._cells.MISSING_MARKERS` (``NULL``, ``None``,
  ``#N/A``, ``nan``, ``NA``...) is missing, in every column;
- rows with no value at all are dropped; each kept row remembers the line of the file it came
  from (CSV line, or spreadsheet row), so errors can name the line a person sees.

Examples
--------
>>> grid = pd.DataFrame([["phone", "name"], ["7900", "NULL"], ["", ""], ["7901", "Anna"]])
>>> table = from_grid(grid, "r.csv", lines=np.arange(1, 5))
>>> table.frame.to_dict("list"), table.lines.tolist()
({'phone': ['7900', '7901'], 'name': [nan, 'Anna']}, [2, 4])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._cells import MISSING_MARKERS, scalar_text
from ._exceptions import TableReadError

__all__ = ["SOURCE_ATTR", "Table", "from_grid", "missing_to_na", "source_lines", "with_source"]

#: ``DataFrame.attrs`` key under which :func:`read_table` notes the file and its line numbers.
SOURCE_ATTR: Final = "targetsms_source"


@dataclass(frozen=True)
class Table:
    """The data rows of a file, as text cells, and the line each row came from."""

    frame: pd.DataFrame
    lines: npt.NDArray[np.int64]


def missing_to_na(values: pd.Series) -> pd.Series:
    """A column with its blank text cells and missing-value markers as NA; numbers kept.

    >>> missing_to_na(pd.Series(["Anna", " NULL ", "#N/A", "", "None", "0"], dtype="str")).tolist()
    ['Anna', nan, nan, nan, nan, '0']
    >>> missing_to_na(pd.Series([7, "nan", 2.5, "n/a"], dtype=object)).tolist()
    [7, nan, 2.5, nan]
    """
    if not pd.api.types.is_string_dtype(values.dtype) or len(values) == 0:
        return values
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if isinstance(values.dtype, pd.StringDtype):
        stripped = pd.Series(uniques, dtype="str").str.strip()
        marker = stripped.isin(list(MISSING_MARKERS)).to_numpy(dtype=bool)
    else:
        marker = np.array([isinstance(u, str) and u.strip() in MISSING_MARKERS for u in uniques])
    gone = np.append(marker, True).astype(bool)
    if not gone[:-1].any():
        return values
    return values.mask(gone[codes])


def _header(values: list[Any], path: str) -> list[str | None]:
    names: list[str | None] = []
    for value in values:
        text = scalar_text(value)
        names.append(text.strip() or None if text is not None else None)
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if name is None:
            continue
        if name in seen:
            raise TableReadError(
                f"cannot read {path!r}: two columns are named {name!r} (columns {seen[name]} "
                f"and {position}); rename one so that no value is silently ignored"
            )
        seen[name] = position
    return names


def from_grid(grid: pd.DataFrame, path: str, lines: npt.NDArray[np.int64]) -> Table:
    """Split a headerless grid of cells into named text columns and data rows.

    ``lines`` holds the file line (or sheet row) of each grid row, the header's included.
    """
    if grid.shape[0] == 0:
        raise TableReadError(f"cannot read {path!r}: the file is empty (no header row)")
    names = _header(grid.iloc[0].tolist(), path)
    body = grid.iloc[1:]
    columns: dict[str, pd.Series] = {}
    filled = np.zeros(len(body), dtype=bool)
    for position, name in enumerate(names):
        cells = missing_to_na(body.iloc[:, position])
        present = cells.notna().to_numpy(dtype=bool)
        if name is None:
            if present.any():
                row = int(lines[1:][present][0])
                raise TableReadError(
                    f"cannot read {path!r}: column {position + 1} has values (first on line "
                    f"{row}) but no header; give it a name or delete it"
                )
            continue
        filled |= present
        columns[name] = cells
    keep = np.flatnonzero(filled)
    frame = pd.DataFrame(
        {name: values.iloc[keep].reset_index(drop=True) for name, values in columns.items()},
        index=pd.RangeIndex(len(keep)),
    )
    return Table(frame, np.asarray(lines[1:][keep], dtype=np.int64))


def with_source(frame: pd.DataFrame, path: str, lines: npt.NDArray[np.int64]) -> pd.DataFrame:
    """Note in ``frame.attrs`` which file the rows came from and on which lines.

    The usual case (line = first line + row number) is kept as two numbers, so that the
    ``attrs`` pandas copies along with the frame stay small.
    """
    first = int(lines[0]) if len(lines) else 2
    trivial = bool(np.array_equal(lines, np.arange(first, first + len(lines))))
    frame.attrs[SOURCE_ATTR] = {
        "file": path,
        "rows": len(frame),
        "first_line": first,
        "lines": None if trivial else tuple(int(x) for x in lines),
    }
    return frame


def source_lines(frame: pd.DataFrame) -> tuple[str, pd.Series] | None:
    """The file a frame was read from and the line of each of its rows, when still known.

    Known while the rows keep the labels :func:`read_table` gave them (filtering and sorting
    keep them); a frame whose index was reset or replaced has no lines.

    >>> frame = with_source(pd.DataFrame({"a": [1, 2, 3]}), "r.csv", np.array([2, 3, 5]))
    >>> source_lines(frame.iloc[[2, 0]])
    ('r.csv', 2    5
    0    2
    dtype: int64)
    >>> source_lines(frame.iloc[[2, 0]].reset_index(drop=True)) is None
    True
    """
    source = frame.attrs.get(SOURCE_ATTR)
    if not isinstance(source, dict) or "rows" not in source:
        return None
    rows = int(source["rows"])
    index = frame.index
    if not pd.api.types.is_integer_dtype(index.dtype) or not index.is_unique:
        return None
    labels = index.to_numpy(dtype=np.int64)
    if len(labels) and (labels.min() < 0 or labels.max() >= rows):
        return None
    fresh = np.array_equal(labels, np.arange(len(labels)))
    if fresh and len(labels) != rows:
        return None  # filtered, then renumbered: the labels no longer say which row it was
    if source.get("lines") is None:
        lines = labels + int(source["first_line"])
    else:
        lines = np.asarray(source["lines"], dtype=np.int64)[labels]
    return str(source["file"]), pd.Series(lines, index=index)
