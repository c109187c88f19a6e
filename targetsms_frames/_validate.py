"""Checking a message frame against every provider rule: ``validate``.

The frame is first read into a working frame of plain types (see :mod:`._schema`), the pandera
schema runs on it lazily, and each failing (row, rule) becomes one line of ``failure_cases``
with the caller's row label, the column, the rule in plain words and the offending value.

Rules about a channel's own columns apply only on rows where that channel is on: a Viber button
on an SMS-only row is ignored, as the provider ignores it. ``validity_period_viber`` and
``finale_viber_read`` are typed columns and must be valid wherever they are filled in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal, overload

import numpy as np
import numpy.typing as npt
import pandas as pd
import pandera.pandas as pa
from pandera.config import ValidationDepth, config_context

from ._cells import as_text, blank_to_na, parse_whole
from ._exceptions import ValidationError
from ._phones import normalize_phones
from ._schema import (
    CASCADE,
    CHANNEL_COLUMNS,
    INT_COLUMNS,
    MESSAGE_SCHEMA,
    RULES,
    TEXT_COLUMNS,
    Rule,
    is_phone_column,
)

__all__ = ["FAILURE_COLUMNS", "failure_frame", "failure_message", "validate"]

#: Columns of every ``failure_cases`` frame (``check`` is the rule's short name).
FAILURE_COLUMNS: Final = ("index", "column", "rule", "value", "check")
_SHOWN: Final = 10
_RULES_BY_NAME: Final = {rule.name: rule for rule in RULES}


def failure_frame(
    labels: pd.Index,
    positions: Sequence[int] | npt.NDArray[np.intp],
    columns: Sequence[object],
    rules: Sequence[str],
    values: Sequence[object],
    checks: Sequence[str],
) -> tuple[pd.DataFrame, npt.NDArray[np.intp]]:
    """One row per failure, ordered by row then as given; ``index`` holds the row labels.

    Also returns the row positions of the frame's lines (labels may repeat; positions do not).
    """
    order = np.argsort(np.asarray(positions, dtype=np.intp), kind="stable")
    pos = np.asarray(positions, dtype=np.intp)[order]
    frame = pd.DataFrame(
        {
            "index": labels.take(pos).to_numpy(dtype=object) if len(pos) else [],
            "column": pd.Series(np.asarray(columns, dtype=object)[order], dtype="str"),
            "rule": pd.Series(np.asarray(rules, dtype=object)[order], dtype="str"),
            "value": pd.Series(np.asarray(values, dtype=object)[order], dtype=object),
            "check": pd.Series(np.asarray(checks, dtype=object)[order], dtype="str"),
        }
    )
    return frame, pos


def failure_message(
    failures: pd.DataFrame, *, what: str, total_rows: int, failing_rows: int | None = None
) -> str:
    """A readable summary: counts per rule, then the first failures and "and N more"."""
    rows = failures["index"].nunique(dropna=False) if failing_rows is None else failing_rows
    lines = [f"{rows} of {total_rows} rows {what}:"]
    for check, count in failures["check"].value_counts(sort=True).items():
        lines.append(f"  {count} x {check}")
    lines.append("first failures:")
    for label, rule in failures[["index", "rule"]].head(_SHOWN).itertuples(index=False):
        lines.append(f"  row {label!r}: {rule}")
    if len(failures) > _SHOWN:
        lines.append(f"  and {len(failures) - _SHOWN} more")
    lines.append("(.failure_cases lists every one)")
    return "\n".join(lines)


def _structural(column: str, rule: str) -> ValidationError:
    cases = pd.DataFrame(
        {"index": [None], "column": [column], "rule": [rule], "value": [None], "check": ["columns"]}
    )
    return ValidationError(f"the messages cannot be checked: {rule}", cases)


def _check_columns(messages: pd.DataFrame) -> None:
    names = ("phone", *INT_COLUMNS, *TEXT_COLUMNS)
    repeated = [c for c in names if int((messages.columns == c).sum()) > 1]
    if repeated:
        raise _structural(repeated[0], f"the column {repeated[0]!r} appears more than once")
    if "phone" not in messages.columns:
        close = [c for c in messages.columns if is_phone_column(c)]
        hint = (
            f" ({close[0]!r} looks like one: rename it to 'phone', or read the file with "
            f"read_table(path, phone={close[0]!r}), on the command line --phone-column "
            f"{close[0]!r})"
            if close
            else ""
        )
        raise _structural("phone", f"there is no 'phone' column{hint}")
    if not any(c in messages.columns for c in CHANNEL_COLUMNS):
        raise _structural(
            "send_viber/send_sms",
            "there is no send_viber or send_sms column; set at least one channel "
            "(1 = tried first), for example render(..., send_sms=1)",
        )


def _column_text(messages: pd.DataFrame, column: str, index: pd.Index) -> pd.Series:
    if column not in messages.columns:
        return pd.Series(np.nan, index=index, dtype="str")
    return blank_to_na(as_text(messages[column]).set_axis(index))


def _working_frame(messages: pd.DataFrame, region: str) -> pd.DataFrame:
    index = pd.RangeIndex(len(messages))
    phone_text = _column_text(messages, "phone", index)
    normal = normalize_phones(phone_text, region=region)
    columns: dict[str, pd.Series] = {
        "phone_text": phone_text,
        "phone": normal["phone"].astype("str").set_axis(index),
        "phone_error": normal["phone_error"].astype("str").set_axis(index),
    }
    for column in INT_COLUMNS:
        raw = _column_text(messages, column, index)
        parsed = parse_whole(raw)
        if column in CHANNEL_COLUMNS:
            parsed = parsed.where(parsed.between(*CASCADE)).mask(raw.isna(), 0)
        columns[column] = parsed
        columns[f"{column}_raw"] = raw
    for column in TEXT_COLUMNS:
        columns[column] = _column_text(messages, column, index)
    return pd.DataFrame(columns, index=index)


def _failing_rules(work: pd.DataFrame) -> list[tuple[Rule, npt.NDArray[np.intp]]]:
    depth = ValidationDepth.SCHEMA_AND_DATA
    with config_context(validation_enabled=True, validation_depth=depth):
        try:
            MESSAGE_SCHEMA.validate(work, lazy=True)
        except pa.errors.SchemaErrors as exc:
            errors = exc.schema_errors
        else:
            return []
    failing = []
    for error in errors:
        name = getattr(error.check, "name", None)
        rule = _RULES_BY_NAME.get(str(name))
        if rule is None or error.check_output is None:
            raise RuntimeError(f"unexpected schema failure on the working frame: {error}")
        passed = np.asarray(error.check_output, dtype=bool)
        failing.append((rule, np.flatnonzero(~passed)))
    return failing


def _failures(
    messages: pd.DataFrame, work: pd.DataFrame
) -> tuple[pd.DataFrame, npt.NDArray[np.intp]]:
    positions: list[npt.NDArray[np.intp]] = []
    columns: list[object] = []
    rules: list[str] = []
    values: list[object] = []
    checks: list[str] = []
    for rule, rows in _failing_rules(work):
        texts = rule.describe(work.iloc[rows]).tolist()
        if rule.name.endswith("_required") and rule.column not in messages.columns:
            texts = [f"{t} (there is no {rule.column} column)" for t in texts]
        if rule.column in messages.columns:
            values.extend(messages[rule.column].iloc[rows].tolist())
        else:
            values.extend([None] * len(rows))
        positions.append(rows)
        columns.extend([rule.column] * len(rows))
        rules.extend(texts)
        checks.extend([rule.name] * len(rows))
    all_positions = np.concatenate(positions) if positions else np.array([], dtype=np.intp)
    return failure_frame(messages.index, all_positions, columns, rules, values, checks)


def _clean(
    messages: pd.DataFrame,
    work: pd.DataFrame,
    keep: npt.NDArray[np.bool_],
    *,
    subset: bool = True,
) -> pd.DataFrame:
    out = messages.copy(deep=False)
    phone = work["phone"].set_axis(messages.index)
    changed = (phone != work["phone_text"].set_axis(messages.index)).to_numpy(dtype=bool)
    out["phone"] = phone
    if "phone_raw" not in out.columns and bool((changed & keep).any()):
        out.insert(list(out.columns).index("phone") + 1, "phone_raw", messages["phone"])
    for column in INT_COLUMNS:
        if column in CHANNEL_COLUMNS or column in messages.columns:
            out[column] = work[column].set_axis(messages.index)
    for column in TEXT_COLUMNS:
        if column in messages.columns:
            out[column] = work[column].set_axis(messages.index)
    return out.iloc[np.flatnonzero(keep)] if subset and not keep.all() else out


def check_rows(
    messages: pd.DataFrame, *, region: str = "RU"
) -> tuple[pd.DataFrame, npt.NDArray[np.bool_], pd.Series]:
    """Every row cleaned as :func:`validate` cleans valid ones, without taking a subset.

    Returns the cleaned frame (same rows; ``phone`` is NA where it is invalid), which rows
    pass every rule, and each failing row's reasons (positional, NA for passing rows). For
    callers that go on with all rows (``send``, ``preview``): no copy of the valid rows.
    """
    _check_columns(messages)
    work = _working_frame(messages, region)
    failures, positions = _failures(messages, work)
    keep = np.ones(len(messages), dtype=bool)
    keep[positions] = False
    cleaned = _clean(messages, work, keep, subset=False)
    return cleaned, keep, _reasons(failures, positions, len(messages))


def _reasons(failures: pd.DataFrame, positions: npt.NDArray[np.intp], n: int) -> pd.Series:
    """Every reason of a row, joined with ``"; "``; rows with one reason need no joining."""
    rules = failures["rule"].to_numpy(dtype=object)
    order = np.argsort(positions, kind="stable")
    pos, rules = positions[order], rules[order]
    out = np.full(n, None, dtype=object)
    single = np.bincount(pos, minlength=n)[pos] == 1
    out[pos[single]] = rules[single]
    multiple = ~single
    if multiple.any():
        joined = pd.Series(rules[multiple]).groupby(pos[multiple], sort=True).agg("; ".join)
        out[joined.index.to_numpy()] = joined.to_numpy(dtype=object)
    return pd.Series(out, dtype="str")


@overload
def validate(
    messages: pd.DataFrame, *, errors: Literal["raise"] = ..., region: str = ...
) -> pd.DataFrame: ...
@overload
def validate(
    messages: pd.DataFrame, *, errors: Literal["split"], region: str = ...
) -> tuple[pd.DataFrame, pd.DataFrame]: ...
def validate(
    messages: pd.DataFrame, *, errors: Literal["raise", "split"] = "raise", region: str = "RU"
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Check every row against the provider's rules; normalise phones and channel columns.

    Parameters
    ----------
    messages : pandas.DataFrame
        A message frame (``phone``, ``send_viber``/``send_sms``, senders, texts...). Other
        columns are the caller's and pass through untouched.
    errors : {"raise", "split"}
        ``"raise"``: raise :class:`ValidationError` listing every failing row and rule at once.
        ``"split"``: return ``(valid, rejected)``; ``rejected`` keeps the caller's columns and
        values plus ``reject_reason`` (every reason of the row, joined with ``"; "``).
    region : str
        Country assumed for phones written without a country code (``8 900 ...``).

    Returns
    -------
    pandas.DataFrame or (pandas.DataFrame, pandas.DataFrame)
        The valid rows in the caller's order and index: ``phone`` as international digits
        (the original in ``phone_raw`` when any phone changed), ``send_viber``/``send_sms``
        as Int64 with blanks as 0, ``validity_period_viber``/``finale_viber_read`` as Int64,
        text columns as text.

    Raises
    ------
    ValidationError
        With ``errors="raise"``, when any row breaks a rule; and in both modes when the
        frame has no ``phone`` column or no channel column. ``.failure_cases`` has the columns
        ``index``, ``column``, ``rule``, ``value`` and ``check``.

    Examples
    --------
    >>> import pandas as pd
    >>> messages = pd.DataFrame({
    ...     "customer": ["A-1", "A-2"],
    ...     "phone": ["+7 (900) 000-00-01", "8 900 000 00 02"],
    ...     "send_sms": [1, 1], "sender_sms": "Shop", "text_sms": "Hello",
    ... })
    >>> validate(messages)[["customer", "phone", "phone_raw", "send_viber", "send_sms"]]
      customer        phone           phone_raw  send_viber  send_sms
    0      A-1  79000000001  +7 (900) 000-00-01           0         1
    1      A-2  79000000002     8 900 000 00 02           0         1
    >>> messages.loc[1, "sender_sms"] = "A-very-long-sender"
    >>> valid, rejected = validate(messages, errors="split")
    >>> rejected["reject_reason"].tolist()
    ['sender_sms is longer than 11 characters (18); only a digits-only sender may have up to 15']
    """
    if not isinstance(messages, pd.DataFrame):
        raise TypeError(f"messages must be a pandas DataFrame, not {type(messages).__name__}")
    if errors not in ("raise", "split"):
        raise ValueError(f"errors must be 'raise' or 'split', not {errors!r}")
    _check_columns(messages)
    work = _working_frame(messages, region)
    failures, positions = _failures(messages, work)
    n = len(messages)
    if errors == "raise":
        if len(failures):
            message = failure_message(
                failures,
                what="break a rule",
                total_rows=n,
                failing_rows=len(np.unique(positions)),
            )
            raise ValidationError(message, failures)
        return _clean(messages, work, np.ones(n, dtype=bool))
    keep = np.ones(n, dtype=bool)
    keep[positions] = False
    rejected = messages.iloc[np.flatnonzero(~keep)].copy()
    rejected["reject_reason"] = (
        _reasons(failures, positions, n).iloc[np.flatnonzero(~keep)].to_numpy(dtype=object)
    )
    rejected["reject_reason"] = rejected["reject_reason"].astype("str")
    return _clean(messages, work, keep), rejected
