"""What ``render`` could not fill: gathered over the whole frame, worded once per cause.

Failures are collected as ``render`` goes (one entry per row and cause) and reported together:
as one :class:`RenderError` whose message has a line per template, column and cause with the
rows it hits (the file's line numbers when the recipients came from :func:`read_table`), or, in
``errors="split"`` mode, as a ``reject_reason`` per row. A mistake in a template itself (an
unknown placeholder, an unmatched brace) is never split off row by row: it is raised, since
it would reject every recipient of that template.

Examples
--------
>>> import numpy as np, pandas as pd
>>> recipients = pd.DataFrame({"name": ["Anna", None]}, index=[10, 20])
>>> problems = Problems(recipients)
>>> problems.add(np.array([1]), "text_sms", "placeholder {name} has no value (name is blank)",
...              "missing_value", recipients["name"].iloc[[1]])
>>> print(problems.message())
1 of 2 rows could not be rendered:
  text_sms: placeholder {name} has no value (name is blank): row 20
(.failure_cases lists every one)
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._exceptions import RenderError
from ._table_text import source_lines
from ._validate import failure_frame

__all__ = ["TEMPLATE_CHECKS", "Problems", "did_you_mean"]

_Rows = npt.NDArray[np.intp]
#: Failures of a template itself: raised in every mode, never split off row by row.
TEMPLATE_CHECKS: Final = frozenset({"unknown_placeholder", "unmatched_brace", "no_key_column"})
_SHOWN_ROWS: Final = 10
_SHOWN_GROUPS: Final = 20


def did_you_mean(word: str, choices: Iterable[object], template: str = "{!r}") -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices``, or ``""``.

    >>> did_you_mean("nmae", ["phone", "name"])
    " (did you mean 'name'?)"
    >>> did_you_mean("zzz", ["phone", "name"])
    ''
    """
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {template.format(close[0])}?)" if close else ""


def _row_list(labels: pd.Series, lines: pd.Series | None, file: str | None) -> str:
    shown = labels.head(_SHOWN_ROWS)
    if lines is not None and file is not None:
        words = ", ".join(str(int(v)) for v in lines.head(_SHOWN_ROWS))
        text = f"{'line' if len(labels) == 1 else 'lines'} {words} of {file}"
    else:
        words = ", ".join(repr(v) if isinstance(v, str) else str(v) for v in shown)
        text = f"{'row' if len(labels) == 1 else 'rows'} {words}"
    if len(labels) > _SHOWN_ROWS:
        text += f" and {len(labels) - _SHOWN_ROWS} more"
    return text


class Problems:
    """Failures gathered over a render, by row position of ``recipients``."""

    def __init__(self, recipients: pd.DataFrame) -> None:
        self.recipients = recipients
        self.template_keys: pd.Series | None = None
        self.positions: list[_Rows] = []
        self.columns: list[object] = []
        self.rules: list[str] = []
        self.values: list[object] = []
        self.checks: list[str] = []

    def add(self, rows: _Rows, column: str, rule: str, check: str, values: pd.Series) -> None:
        """Record that ``rows`` (positions) fail ``rule`` for ``column``."""
        self.positions.append(np.asarray(rows, dtype=np.intp))
        self.columns.extend([column] * len(rows))
        self.rules.extend([rule] * len(rows))
        self.values.extend(values.tolist())
        self.checks.extend([check] * len(rows))

    def __bool__(self) -> bool:
        return bool(self.positions)

    def cases(self, *, only: frozenset[str] | None = None) -> pd.DataFrame:
        """One row per failure: ``index``, ``column``, ``rule``, ``value``, ``check``, plus
        ``template`` (the row's template key, when it has one) and ``line`` (in its file)."""
        positions = np.concatenate(self.positions) if self.positions else np.zeros(0, np.intp)
        keep = np.ones(len(positions), dtype=bool)
        if only is not None:
            keep = np.isin(np.asarray(self.checks, dtype=object), list(only))
        cases, pos = failure_frame(
            self.recipients.index,
            positions[keep],
            np.asarray(self.columns, dtype=object)[keep].tolist(),
            np.asarray(self.rules, dtype=object)[keep].tolist(),
            np.asarray(self.values, dtype=object)[keep].tolist(),
            np.asarray(self.checks, dtype=object)[keep].tolist(),
        )
        keys = self.template_keys
        cases["template"] = (
            pd.Series(np.nan, index=cases.index, dtype="str")
            if keys is None
            else pd.Series(keys.to_numpy(dtype=object)[pos], index=cases.index, dtype="str")
        )
        source = source_lines(self.recipients)
        cases["line"] = pd.array(
            [pd.NA] * len(cases) if source is None else source[1].to_numpy()[pos], dtype="Int64"
        )
        cases.attrs["file"] = None if source is None else source[0]
        return cases

    def message(self, cases: pd.DataFrame | None = None) -> str:
        """Every failure, worded once per template, column and cause, with the rows it hits."""
        cases = self.cases() if cases is None else cases
        failing = cases["index"].nunique(dropna=False)
        if cases["line"].notna().all():
            failing = int(cases["line"].nunique())
        lines = [f"{failing} of {len(self.recipients)} rows could not be rendered:"]
        file = cases.attrs.get("file")
        keys = ["template", "column", "rule"]
        grouped = cases.assign(template=cases["template"].fillna("")).groupby(
            keys, sort=False, dropna=False
        )
        for shown, ((template, column, rule), group) in enumerate(grouped):
            if shown == _SHOWN_GROUPS:
                lines.append(f"  and {grouped.ngroups - _SHOWN_GROUPS} more causes")
                break
            where = f"{column} of template {template!r}" if template else str(column)
            extra = ""
            if group["check"].iloc[0] == "unknown_placeholder":
                names = ", ".join(str(c) for c in self.recipients.columns)
                extra = f"; recipients have: {names}"
            rows = group.drop_duplicates("index")
            line_numbers = rows["line"] if rows["line"].notna().all() else None
            listed = _row_list(rows["index"], line_numbers, file)
            lines.append(f"  {where}: {rule}{extra}: {listed}")
        lines.append("(.failure_cases lists every one)")
        return "\n".join(lines)

    def raise_if_any(self, *, only: frozenset[str] | None = None) -> None:
        """Raise one :class:`RenderError` for every failure (or those of the ``only`` checks)."""
        if not self:
            return
        cases = self.cases(only=only)
        if len(cases):
            raise RenderError(self.message(cases), cases)

    def reasons(self) -> tuple[_Rows, pd.Series]:
        """The failing row positions, ascending, and each one's reasons joined with ``"; "``."""
        if not self:
            return np.zeros(0, dtype=np.intp), pd.Series([], dtype="str")
        positions = np.concatenate(self.positions)
        words = [f"{c}: {r}" for c, r in zip(self.columns, self.rules, strict=True)]
        table = pd.DataFrame({"pos": positions, "reason": words}).drop_duplicates()
        joined = table.groupby("pos", sort=True)["reason"].agg("; ".join)
        return joined.index.to_numpy(dtype=np.intp), joined.astype("str").reset_index(drop=True)
