"""Filling message templates per recipient: ``render``.

Each distinct template text is parsed once; its rows are then built by concatenating whole
columns (literal pieces and the recipients' values as text), so a million recipients over a
few templates take about a second.

Where a message column's value comes from, first non-blank wins:

1. the recipient's own column (a per-row override),
2. the recipient's template (matched on the key column, ``template`` by default),
3. the campaign-wide default given to :func:`render` as a keyword.

The resulting ``text_viber``, ``text_sms``, ``button_text``, ``button_url`` and ``image_url``
are then filled from the recipient's columns, whichever source they came from.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterator
from typing import Final, Literal, overload
from urllib.parse import quote

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._cells import as_text, blank_mask, blank_to_na, map_unique, parse_whole
from ._exceptions import RenderError
from ._render_problems import TEMPLATE_CHECKS, Problems, did_you_mean
from ._schema import (
    INT_COLUMNS,
    MESSAGE_COLUMNS,
    TEMPLATED_COLUMNS,
    URL_COLUMNS,
)
from ._validate import failure_frame, failure_message

__all__ = ["render"]

_Rows = npt.NDArray[np.intp]
_URL_SAFE: Final = r"[A-Za-z0-9_.~-]*"
_INT_SPEC_TYPES: Final = frozenset("bcdoxXn")
_BAD_FORMAT: Final = "\x00cannot format\x00"


def _template_rows(
    recipients: pd.DataFrame, templates: pd.DataFrame, on: str, problems: Problems
) -> _Rows:
    """Position in ``templates`` of each recipient's template (-1 where there is none)."""
    n = len(recipients)
    if on not in recipients.columns or on not in templates.columns:
        if len(templates) == 1:
            return np.zeros(n, dtype=np.intp)
        where = "recipients" if on not in recipients.columns else "templates"
        cases = pd.DataFrame(
            {"index": [None], "column": [on], "rule": [f"{where} have no {on!r} column"]}
        ).assign(value=None, check="no_key_column")
        raise RenderError(
            f"cannot match recipients to {len(templates)} templates: {where} have no {on!r} "
            f"column (pass on= to name the key column)",
            cases,
        )
    keys = blank_to_na(as_text(templates[on]).str.strip())
    bad = (keys.isna() | keys.duplicated(keep=False)).to_numpy(dtype=bool)
    if bad.any():
        rows = np.flatnonzero(bad)
        counts = keys.value_counts()
        words = [
            f"template key {k!r} appears {counts[k]} times" if k == k else "template key is blank"
            for k in keys.iloc[rows]
        ]
        cases, _ = failure_frame(
            templates.index,
            rows,
            [on] * len(rows),
            words,
            templates[on].iloc[rows].tolist(),
            ["duplicate_template"] * len(rows),
        )
        message = failure_message(cases, what="are unusable templates", total_rows=len(templates))
        raise RenderError(message, cases)
    wanted = blank_to_na(as_text(recipients[on]).str.strip())
    codes, uniques = pd.factorize(wanted, use_na_sentinel=True)
    lookup = np.append(pd.Index(keys).get_indexer(pd.Index(uniques, dtype="str")), -1)
    found: _Rows = np.asarray(lookup[codes], dtype=np.intp)
    missing = (found < 0) & wanted.notna().to_numpy(dtype=bool)
    known = ", ".join(repr(k) for k in keys.head(10))
    unknown = np.flatnonzero(missing)
    by_key = wanted.iloc[unknown].groupby(wanted.iloc[unknown], sort=False).indices
    for key, members in by_key.items():
        hint = did_you_mean(str(key), keys.tolist())
        rule = f"unknown template {key!r}{hint} (templates has: {known})"
        at = unknown[np.asarray(members, dtype=np.intp)]
        problems.add(at, on, rule, "unknown_template", recipients[on].iloc[at])
    blank = np.flatnonzero(wanted.isna())
    if len(blank):
        rule = f"no template chosen ({on} is blank)"
        problems.add(blank, on, rule, "no_template", recipients[on].iloc[blank])
    problems.template_keys = pd.Series(keys.array.take(found, allow_fill=True), dtype="str")
    return found


def _resolve(
    column: str,
    recipients: pd.DataFrame,
    templates: pd.DataFrame | None,
    rows: _Rows | None,
    default: object,
) -> pd.Series | None:
    """The column's text per recipient: own value, else template's, else the default."""
    in_templates = templates is not None and rows is not None and column in templates.columns
    if column not in recipients.columns and not in_templates and default is None:
        return None
    index = recipients.index
    if column in recipients.columns:
        result = blank_to_na(as_text(recipients[column]))
    else:
        result = pd.Series(np.nan, index=index, dtype="str")
    if templates is not None and rows is not None and in_templates:
        per_row = blank_to_na(as_text(templates[column])).array.take(rows, allow_fill=True)
        result = result.fillna(pd.Series(per_row, index=index, dtype="str"))
    if default is not None:
        result = result.fillna(as_text(pd.Series([default], dtype=object)).iloc[0])
    return result


def _as_int_if_whole(text: pd.Series) -> pd.Series:
    numbers = parse_whole(text)
    return numbers if bool((numbers.notna() | text.isna()).all()) else text


_Piece = tuple[str, str | None, str | None, str | None]


def _pieces(text: str) -> list[_Piece]:
    return list(string.Formatter().parse(text))


def _groups(
    codes: npt.NDArray[np.intp], where: npt.NDArray[np.bool_]
) -> Iterator[tuple[int, _Rows]]:
    """(code, positions) for each distinct code among the ``where`` rows, positions ascending."""
    chosen = np.flatnonzero(where)
    order = chosen[np.argsort(codes[chosen], kind="stable")]
    starts = np.flatnonzero(np.diff(codes[order], prepend=-1))
    for start, stop in zip(starts, [*starts[1:], len(order)], strict=True):
        yield int(codes[order[start]]), order[start:stop]


def _format_one(spec: str) -> Callable[[object], object]:
    def one(value: object) -> object:
        if isinstance(value, float) and value.is_integer() and spec[-1:] in _INT_SPEC_TYPES:
            value = int(value)
        try:
            return format(value, spec)
        except (ValueError, TypeError):
            return _BAD_FORMAT

    return one


def _formatted(values: pd.Series, spec: str) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
    text = map_unique(values, _format_one(spec))
    bad = text.eq(_BAD_FORMAT).to_numpy(dtype=bool)
    return text.mask(bad), bad


def _quoted(values: pd.Series) -> pd.Series:
    plain = values.str.fullmatch(_URL_SAFE).fillna(True).to_numpy(dtype=bool)
    if plain.all():
        return values
    quoted = map_unique(values[~plain], lambda v: quote(str(v), safe=""))
    return values.mask(~plain, quoted)


class _Filler:
    """Fills the placeholders of one message column, caching each field's text."""

    def __init__(self, column: str, recipients: pd.DataFrame, problems: Problems) -> None:
        self.column = column
        self.recipients = recipients
        self.problems = problems
        self.cache: dict[str, pd.Series] = {}

    def field_text(self, field: str, spec: str, rows: _Rows) -> pd.Series:
        """The field's text for ``rows``; NA (and a problem) where it cannot be filled."""
        source = self.recipients[field]
        bad = np.zeros(len(rows), dtype=bool)
        if spec:
            text, bad = _formatted(source.iloc[rows], spec)
            if bad.any():
                rule = f"placeholder {{{field}:{spec}}} cannot format this value"
                self.problems.add(
                    rows[bad], self.column, rule, "bad_format", source.iloc[rows[bad]]
                )
        else:
            if field not in self.cache:
                self.cache[field] = as_text(source).reset_index(drop=True)
            text = self.cache[field].iloc[rows]
        missing = blank_mask(text).to_numpy(dtype=bool) & ~bad
        if missing.any():
            rule = f"placeholder {{{field}}} has no value ({field} is blank)"
            values = source.iloc[rows[missing]]
            self.problems.add(rows[missing], self.column, rule, "missing_value", values)
            text = text.mask(missing)
        return _quoted(text) if self.column in URL_COLUMNS else text

    def group(self, template: str, rows: _Rows) -> pd.Series | None:
        """The texts for ``rows``, all sharing ``template``; None when a row failed."""
        try:
            pieces = _pieces(template)
        except ValueError:
            rule = "the text has an unmatched { or } (write {{ or }} for a literal brace)"
            self._fail(rows, rule, "unmatched_brace", template)
            return None
        usable = True
        for _, field, _, conversion in pieces:
            if field is None:
                continue
            if field == "" or field.isdigit():
                rule = f"placeholder {{{field}}} must name a column, like {{first_name}}"
            elif conversion is not None:
                rule = f"placeholder {{{field}!{conversion}}}: conversions are not supported"
            elif field not in self.recipients.columns:
                hint = did_you_mean(field, self.recipients.columns, "{{{}}}")
                rule = f"unknown placeholder {{{field}}}: recipients have no column {field!r}{hint}"
            else:
                continue
            self._fail(rows, rule, "unknown_placeholder", template)
            usable = False
        if not usable:
            return None
        text: pd.Series | None = None
        prefix = ""
        for literal, field, spec, _ in pieces:
            prefix += literal
            if field is None:
                continue
            values = self.field_text(field, spec or "", rows)
            text = (prefix + values) if text is None else (text + prefix + values)
            prefix = ""
        if text is None:
            return pd.Series(prefix, index=pd.RangeIndex(len(rows)), dtype="str").set_axis(rows)
        return (text + prefix if prefix else text).set_axis(rows)

    def _fail(self, rows: _Rows, rule: str, check: str, template: str) -> None:
        values = pd.Series([template] * len(rows), dtype=object)
        self.problems.add(rows, self.column, rule, check, values)

    def fill(self, source: pd.Series) -> pd.Series:
        codes, uniques = pd.factorize(source, use_na_sentinel=True)
        texts = [str(u) for u in uniques]
        braces = np.array([("{" in t or "}" in t) for t in texts] + [False], dtype=bool)
        todo = braces[codes]
        if not todo.any():
            return source
        plain = np.flatnonzero(~todo)
        positions = [plain]
        parts = [source.iloc[plain].reset_index(drop=True)]
        for code, rows in _groups(np.asarray(codes, dtype=np.intp), todo):
            rendered = self.group(texts[code], rows)
            if rendered is None:
                rendered = pd.Series(np.nan, index=rows, dtype="str")
            positions.append(rows)
            parts.append(rendered.reset_index(drop=True))
        order = np.empty(len(source), dtype=np.intp)
        order[np.concatenate(positions)] = np.arange(len(source))
        stacked = pd.concat(parts, ignore_index=True).astype("str")
        return pd.Series(stacked.array.take(order), index=source.index, dtype="str")


@overload
def render(
    recipients: pd.DataFrame,
    templates: pd.DataFrame | None = ...,
    *,
    on: str = ...,
    errors: Literal["raise"] = ...,
    **defaults: object,
) -> pd.DataFrame: ...
@overload
def render(
    recipients: pd.DataFrame,
    templates: pd.DataFrame | None = ...,
    *,
    on: str = ...,
    errors: Literal["split"],
    **defaults: object,
) -> tuple[pd.DataFrame, pd.DataFrame]: ...
def render(
    recipients: pd.DataFrame,
    templates: pd.DataFrame | None = None,
    *,
    on: str = "template",
    errors: Literal["raise", "split"] = "raise",
    **defaults: object,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Build one message per recipient from templates, their own columns and defaults.

    Parameters
    ----------
    recipients : pandas.DataFrame
        One row per recipient: ``phone``, the key column ``on`` and any columns used by
        placeholders. Message columns here override the template row by row.
    templates : pandas.DataFrame, optional
        One row per template: the key column and any message columns; texts and URLs may hold
        ``{column}`` placeholders (``{amount:.2f}`` format specs work, ``{{``/``}}`` are
        literal braces). A single template without a key column applies to everyone.
    on : str
        The key column shared by recipients and templates.
    errors : {"raise", "split"}
        ``"raise"``: raise :class:`RenderError` listing every row that cannot be rendered.
        ``"split"``: return ``(rendered, rejected)``; rows with a blank placeholder value,
        a value a format spec cannot take, or an unknown or blank template key go to
        ``rejected`` (the caller's columns plus ``reject_reason``). A mistake in a template
        itself (an unknown placeholder, an unmatched brace) is raised in both modes.
    **defaults
        Campaign-wide values for message columns (``sender_sms="Shop"``, ``send_sms=1``),
        used where neither the recipient nor the template has a value.

    Returns
    -------
    pandas.DataFrame or (pandas.DataFrame, pandas.DataFrame)
        The recipients' columns, rows and index unchanged, with the message columns filled:
        texts as text, integer columns as Int64 where their values are whole numbers.

    Raises
    ------
    RenderError
        Listing every row with an unknown template key, an unknown placeholder or a blank
        value for a placeholder, worded once per template, column and cause with the rows it
        hits (the file's lines when the recipients come from :func:`read_table`), the
        recipients' columns and the closest name for a typo. ``.failure_cases`` has one row
        per failure: ``index``, ``column``, ``rule``, ``value``, ``check``, ``template``,
        ``line``.
    TypeError
        When a default is not a message column.

    Examples
    --------
    >>> import pandas as pd
    >>> recipients = pd.DataFrame({
    ...     "phone": ["79000000001", "79000000002"], "template": ["promo", "promo"],
    ...     "name": ["Anna", "Boris"], "bonus": [10.0, 25.0], "code": ["A&1", "B 2"],
    ... })
    >>> templates = pd.DataFrame({
    ...     "template": ["promo"],
    ...     "text_sms": ["{name}, +{bonus} points!"],
    ...     "button_url": ["https://shop.ru/c?code={code}"],
    ... })
    >>> out = render(recipients, templates, sender_sms="Shop", send_sms=1)
    >>> out[["text_sms", "button_url", "sender_sms", "send_sms"]]
                 text_sms                    button_url sender_sms  send_sms
    0   Anna, +10 points!  https://shop.ru/c?code=A%261       Shop         1
    1  Boris, +25 points!  https://shop.ru/c?code=B%202       Shop         1
    >>> recipients.loc[1, "name"] = None
    >>> rendered, rejected = render(recipients, templates, sender_sms="Shop", send_sms=1,
    ...                             errors="split")
    >>> rejected["reject_reason"].tolist()
    ['text_sms: placeholder {name} has no value (name is blank)']
    """
    if errors not in ("raise", "split"):
        raise ValueError(f"errors must be 'raise' or 'split', not {errors!r}")
    unknown = sorted(set(defaults) - set(MESSAGE_COLUMNS))
    if unknown:
        raise TypeError(
            f"render() got unknown default(s) {', '.join(unknown)}; defaults are message "
            f"columns: {', '.join(MESSAGE_COLUMNS)}"
        )
    if not isinstance(recipients, pd.DataFrame):
        raise TypeError(f"recipients must be a pandas DataFrame, not {type(recipients).__name__}")
    if templates is not None and not isinstance(templates, pd.DataFrame):
        raise TypeError(f"templates must be a pandas DataFrame, not {type(templates).__name__}")
    work = recipients.reset_index(drop=True)
    problems = Problems(recipients)
    rows = None if templates is None else _template_rows(work, templates, on, problems)
    filled: dict[str, pd.Series] = {}
    for column in MESSAGE_COLUMNS:
        default = defaults.get(column)
        if default is not None and isinstance(default, str) and not default.strip():
            default = None
        values = _resolve(column, work, templates, rows, default)
        if values is None:
            continue
        if column in TEMPLATED_COLUMNS:
            values = _Filler(column, work, problems).fill(values)
        elif column in INT_COLUMNS:
            values = _as_int_if_whole(values)
        filled[column] = values
    problems.raise_if_any(only=TEMPLATE_CHECKS if errors == "split" else None)
    out = recipients.copy(deep=False)
    for column, values in filled.items():
        out[column] = values.set_axis(recipients.index)
    if errors == "raise":
        return out
    failing, reasons = problems.reasons()
    rejected = recipients.iloc[failing].copy()
    rejected["reject_reason"] = reasons.to_numpy(dtype=object)
    rejected["reject_reason"] = rejected["reject_reason"].astype("str")
    keep = np.ones(len(out), dtype=bool)
    keep[failing] = False
    return (out if keep.all() else out.iloc[np.flatnonzero(keep)]), rejected
