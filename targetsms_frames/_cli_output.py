"""What the command line prints and writes: one-line errors, scrubbed text, tables, files.

Every line goes through :func:`say`, which replaces the password from the environment, should
it ever appear, by ``***``. :func:`user_errors` turns a mistake the user can fix into one
``error:`` line and exit code 2, with no traceback.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pandas as pd
import typer

from ._config import ENV_PASSWORD
from ._exceptions import TargetSMSError
from ._report import OUTCOMES, SUMMED_COLUMNS
from ._time import Zone, campaign_zone, local_times
from ._wire import is_status_word

__all__ = [
    "INTERRUPTED",
    "OUT_SUFFIXES",
    "USER_ERROR",
    "UserError",
    "check_suffix",
    "count_lines",
    "for_people",
    "report_table",
    "save_plot",
    "say",
    "scrub",
    "status_problems",
    "user_errors",
    "write_csv",
    "write_frame",
]

USER_ERROR: Final = 2
INTERRUPTED: Final = 130
OUT_SUFFIXES: Final = (".csv", ".xlsx", ".parquet")
_CSV_TIME: Final = "%Y-%m-%d %H:%M:%S"
_ALWAYS_SHOWN: Final = ("messages", "delivered", "delivery_rate", "reach_rate")
_COUNT_NAMES: Final = frozenset(OUTCOMES) - {"delivered"}


class UserError(Exception):
    """A mistake the user can fix: printed as one ``error:`` line, exit code 2."""


# -- output ------------------------------------------------------------------------------


def scrub(text: str) -> str:
    """Replace the password from the environment, should it ever appear, by ``***``.

    >>> os.environ["TARGETSMS_PASSWORD"] = "pa55word"
    >>> scrub("login=me&password=pa55word")
    'login=me&password=***'
    >>> del os.environ["TARGETSMS_PASSWORD"]
    """
    secret = os.environ.get(ENV_PASSWORD, "")
    return text.replace(secret, "***") if len(secret) >= 3 else text


def say(text: str = "", *, err: bool = False) -> None:
    """Print ``text`` (password scrubbed) to stdout, or stderr with ``err``."""
    typer.echo(scrub(text), err=err)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn user-facing errors into one ``error:`` line and exit code 2."""
    try:
        yield
    except (UserError, TargetSMSError, FileNotFoundError) as exc:
        text = str(exc).strip() or type(exc).__name__
        if isinstance(exc, FileNotFoundError) and exc.filename is not None:
            text = f"no such file: {exc.filename!s}"
        say(f"error: {text}", err=True)
        raise typer.Exit(USER_ERROR) from None
    except BrokenPipeError:
        # the reader went away (``| head``): stop quietly, as shell tools do
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(1) from None
    except OSError as exc:
        say(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
        raise typer.Exit(USER_ERROR) from None
    except KeyboardInterrupt:
        say("interrupted: the journal keeps every outcome so far; run again to resume", err=True)
        raise typer.Exit(INTERRUPTED) from None


def check_suffix(path: Path | None, allowed: tuple[str, ...], what: str) -> None:
    """Refuse an output path whose extension is not one of ``allowed`` (before any work)."""
    if path is not None and path.suffix.lower() not in allowed:
        raise UserError(
            f"cannot write {what} to {str(path)!r}: unknown file type "
            f"{path.suffix or '(no extension)'!r}; use {', '.join(allowed)}"
        )


def for_people(frame: pd.DataFrame, tz: Zone | None) -> pd.DataFrame:
    """Times as ``YYYY-MM-DD HH:MM:SS`` in ``tz`` (text a spreadsheet reads as it is)."""
    out = frame.copy()
    for name in out.columns:
        if isinstance(out[name].dtype, pd.DatetimeTZDtype):
            out[name] = local_times(out[name], tz).dt.strftime(_CSV_TIME)
    return out


def write_csv(frame: pd.DataFrame, path: Path, tz: Zone | None = None) -> Path:
    """A CSV for people: ``;``-separated, decimal comma, UTF-8 with a byte-order mark.

    That is what Excel with a Russian locale opens correctly by double-click (a comma
    separator and no BOM give one garbled column). Times are in ``tz``.

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "r.csv"
    >>> _ = write_csv(pd.DataFrame({"name": ["Анна"], "rate": [0.5]}), path)
    >>> path.read_bytes()[:3] == "\ufeff".encode()
    True
    >>> path.read_text(encoding="utf-8-sig").splitlines()
    ['name;rate', 'Анна;0,5']
    """
    for_people(frame, tz).to_csv(path, index=False, sep=";", decimal=",", encoding="utf-8-sig")
    return path


def write_frame(
    frame: pd.DataFrame,
    path: Path,
    sheet: str,
    *,
    tz: Zone | None = None,
    campaign: pd.DataFrame | None = None,
) -> Path:
    """Write ``frame`` as CSV (for people), Excel or Parquet, by extension.

    An Excel file gets the ``campaign`` sheet first when one is given (``summarize``'s
    figures, to set beside the provider's bill).
    """
    from ._excel import write_excel

    check_suffix(path, OUT_SUFFIXES, sheet)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    tz = campaign_zone(frame, tz)  # --tz, else the campaign's, else this computer's
    if suffix == ".csv":
        write_csv(frame, path, tz)
    elif suffix == ".xlsx":
        sheets = {"campaign": campaign} if campaign is not None else {}
        write_excel({**sheets, sheet: frame}, path, tz=tz)
    else:
        frame.to_parquet(path, index=False)
    return path


def save_plot(report: pd.DataFrame, by: list[str] | None, path: Path) -> Path:
    """Draw ``plot_delivery(report, by)`` into ``path`` (a plain Figure: no display needed)."""
    from ._plot import plot_delivery

    fig = plot_delivery(report, by or None)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    return path


def report_table(report: pd.DataFrame) -> str:
    """A report as text: counts that are zero everywhere are left out, rates in percent.

    >>> report = pd.DataFrame({"template": ["a"], "messages": [2], "delivered": [1],
    ...                        "expired": [1], "failed": [0], "delivery_rate": [0.5],
    ...                        "reach_rate": [0.5], "cost": [9.0]})
    >>> print(report_table(report))
    template  messages  delivered  expired delivery_rate reach_rate cost
           a         2          1        1         50.0%      50.0% 9.00
    """
    shown = report.copy()
    for column in report.columns:
        if column in _ALWAYS_SHOWN or not pd.api.types.is_integer_dtype(report[column]):
            continue
        if column in _COUNT_NAMES and not report[column].any():
            shown = shown.drop(columns=column)
    for name in ("delivery_rate", "reach_rate"):
        if name in shown:
            rate = pd.to_numeric(shown[name], errors="coerce")
            shown[name] = ["n/a" if pd.isna(value) else f"{value:.1%}" for value in rate.tolist()]
    for name in SUMMED_COLUMNS:
        if name in shown:
            shown[name] = [f"{value:,.2f}" for value in shown[name].tolist()]
    return shown.to_string(index=False)


def count_lines(values: pd.Series, indent: str = "  ") -> list[str]:
    """``value  count`` lines, most frequent first, missing values shown as ``(none)``."""
    counts = values.astype("object").where(values.notna(), "(none)").value_counts()
    width = max((len(str(key)) for key in counts.index), default=0)
    return [f"{indent}{str(key).ljust(width)}  {int(n):>6,}" for key, n in counts.items()]


def _row_lines(frame: pd.DataFrame, rows: pd.Series, column: str, limit: int) -> list[str]:
    picked = frame[rows]
    lines = [
        f"  row {label}: message_id {mid}, phone {phone}: {why}"
        for label, mid, phone, why in zip(
            picked.index[:limit],
            picked["message_id"].iloc[:limit],
            picked.get("phone", pd.Series("?", index=picked.index)).iloc[:limit],
            picked[column].iloc[:limit],
            strict=True,
        )
    ]
    if len(picked) > limit:
        lines.append(f"  ... and {len(picked) - limit:,} more")
    return lines


def status_problems(frame: pd.DataFrame, limit: int = 10) -> list[str]:
    """Lines naming the rows whose ID the provider does not know, and rows left unanswered.

    >>> frame = pd.DataFrame({"message_id": ["11", "12"], "phone": ["79000000001", "79000000002"],
    ...                       "send_state": "sent", "status": ["deliver", "Сообщение не найдено."],
    ...                       "is_final": True, "status_error": None})
    >>> for line in status_problems(frame):
    ...     print(line)
    the provider does not know 1 message ID(s): final, not asked again
      row 1: message_id 12, phone 79000000002: Сообщение не найдено.
    """
    sent = frame["send_state"] == "sent"
    status = frame["status"].astype("object")
    refused = sent & status.map(lambda s: isinstance(s, str) and not is_status_word(s))
    unanswered = sent & ~frame["is_final"] & frame["status_error"].notna()
    lines = []
    if refused.any():
        lines.append(
            f"the provider does not know {int(refused.sum()):,} message ID(s): final, not "
            "asked again"
        )
        lines += _row_lines(frame, refused, "status", limit)
    if unanswered.any():
        lines.append(
            f"{int(unanswered.sum()):,} status check(s) got no clear answer; they stay open: "
            "run status again later"
        )
        lines += _row_lines(frame, unanswered, "status_error", limit)
    return lines


# -- clients -----------------------------------------------------------------------------
