"""A delivery chart: one horizontal bar per group, split into outcomes.

Each bar spans 100% of the group's messages, split into outcomes (green for delivered, reds
and oranges for failures, neutral greys for messages with no delivery report and for what is
still open), so the green share is the reach rate (delivered out of all messages). The text at
the right end gives the delivery rate (delivered out of the messages with a final delivery
status) and the number of messages. Only the object-oriented matplotlib API is used, so
the chart draws headless and shows in a notebook as the returned figure.

Examples
--------
>>> import pandas as pd
>>> report = pd.DataFrame({"template": ["promo"], "messages": [10], "delivered": [8],
...                        "not_delivered": [2]})
>>> fig = plot_delivery(report)
>>> [label.get_text() for label in fig.axes[0].get_yticklabels()]
['promo']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Sequence
from typing import Final

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter
from matplotlib.transforms import ScaledTranslation

from ._cells import is_missing
from ._exceptions import ValidationError
from ._groups import SEND_HOUR
from ._report import (
    COUNT_COLUMNS,
    FINAL_OUTCOMES,
    OUTCOME_LABELS,
    OUTCOMES,
    VALUE_COLUMNS,
    delivery_report,
)
from ._time import Zone

__all__ = ["OUTCOME_COLORS", "OUTCOME_LABELS", "plot_delivery"]

#: Segment order along each bar: delivered first, then failures, then what is still open.
_SEGMENTS: Final = (
    "delivered",
    "not_delivered",
    "expired",
    "no_status",
    "not_found",
    "other_final",
    "failed",
    "unknown",
    "pending",
    "planned",
    "skipped",
)
OUTCOME_COLORS: Final = {
    "delivered": "#2e7d32",
    "not_delivered": "#d32f2f",
    "expired": "#fb8c00",
    "no_status": "#9e9e9e",
    "not_found": "#6d4c41",
    "other_final": "#8e24aa",
    "failed": "#7b1f1f",
    "unknown": "#fdd835",
    "pending": "#90a4ae",
    "planned": "#bbdefb",
    "skipped": "#d5d8dc",
}
# Dark segments carry white share labels, light ones black.
_DARK: Final = frozenset({"delivered", "not_delivered", "not_found", "other_final", "failed"})
_MIN_LABELLED_SHARE: Final = 0.07
_MISSING_LABEL: Final = "(missing)"


def _as_report(
    data: pd.DataFrame, by: Hashable | Sequence[Hashable] | None, tz: Zone | None
) -> pd.DataFrame:
    if "messages" in data.columns:
        report = data.copy()
        for name in OUTCOMES:
            if name not in report.columns:
                report[name] = 0
        return report
    return delivery_report(data, by=by, tz=tz)


def _group_columns(report: pd.DataFrame, by: Hashable | Sequence[Hashable] | None) -> list[str]:
    if by is None:
        return [str(column) for column in report.columns if column not in VALUE_COLUMNS]
    names = [by] if isinstance(by, str) or not isinstance(by, Sequence) else list(by)
    return [str(name) for name in names]


def _format_key(value: object) -> str:
    if is_missing(value):
        return _MISSING_LABEL
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _bar_labels(report: pd.DataFrame, columns: list[str]) -> list[str]:
    if not columns:
        return ["all messages"] * len(report)
    return [
        " · ".join(
            f"{int(value):02d}:00"
            if name == SEND_HOUR and not pd.isna(value)
            else _format_key(value)
            for name, value in zip(columns, row, strict=True)
        )
        for row in report[columns].itertuples(index=False, name=None)
    ]


def _annotation(row: pd.Series) -> str:
    finals = int(sum(int(row[name]) for name in FINAL_OUTCOMES))
    messages = int(row["messages"])
    if finals == 0:
        return f"n/a · {messages:,}"
    rate = int(row["delivered"]) / finals
    return f"{rate:.1%} · {messages:,}"


class DeliveryFigure(Figure):
    """A matplotlib ``Figure`` that shows itself in a notebook (no pyplot state needed)."""

    def _repr_png_(self) -> bytes:
        import io

        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(self)
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=110)
        return buffer.getvalue()


def plot_delivery(
    report_or_statuses: pd.DataFrame,
    by: Hashable | Sequence[Hashable] | None = None,
    *,
    ax: Axes | None = None,
    tz: Zone | None = None,
) -> Figure:
    """Draw delivery outcomes as one 100% stacked horizontal bar per group.

    Parameters
    ----------
    report_or_statuses : pandas.DataFrame
        A report from :func:`delivery_report` (it has a ``messages`` column), or a status
        frame, which is first turned into a report grouped by ``by``.
    by : str or list of str, optional
        For a status frame, the column(s) to group by. For a report, the column(s) that label
        the bars (default: every column that is not a count).
    ax : matplotlib.axes.Axes, optional
        Draw into this axes instead of a new figure.
    tz : str or tzinfo, optional
        For a status frame grouped by ``send_date`` or ``send_hour``: the zone of those
        keys (default: the campaign's, else the machine's own). ``by="send_hour"`` draws
        delivery by hour of day.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the chart (in a notebook it shows as the cell's output). Save it
        with ``fig.savefig("delivery.png")``.

    Examples
    --------
    >>> import pandas as pd
    >>> statuses = pd.DataFrame({"segment": ["a", "a", "b"], "send_state": ["sent"] * 3,
    ...                          "status": ["deliver", "expired", "send"]})
    >>> fig = plot_delivery(statuses, by="segment")
    >>> [label.get_text() for label in fig.axes[0].get_yticklabels()]
    ['a', 'b']
    """
    report = _as_report(report_or_statuses, by, tz)
    columns = _group_columns(report, by)
    missing = [column for column in [*columns, *COUNT_COLUMNS] if column not in report.columns]
    if missing:
        raise ValidationError(
            f"plot_delivery: the report has no column(s) {missing!r}; available columns: "
            + ", ".join(repr(column) for column in report.columns),
            pd.DataFrame(
                {
                    "index": [pd.NA] * len(missing),
                    "column": missing,
                    "rule": ["column is missing"] * len(missing),
                }
            ),
        )
    labels = _bar_labels(report, columns)
    n_bars = len(report)

    figure: Figure
    if ax is None:
        figure = DeliveryFigure(figsize=(10.0, 2.0 + 0.4 * max(n_bars, 1)), layout="constrained")
        ax = figure.add_subplot()
    else:
        parent = ax.get_figure(root=True)
        if not isinstance(parent, Figure):
            raise ValueError("plot_delivery: the axes given does not belong to a figure")
        figure = parent

    messages = report["messages"].to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = {
            name: np.where(messages > 0, report[name].to_numpy(dtype=np.float64) / messages, 0.0)
            for name in _SEGMENTS
        }
    positions = np.arange(n_bars)
    left = np.zeros(n_bars)
    for name in _SEGMENTS:
        if not (report[name].to_numpy() > 0).any():
            continue
        width = shares[name]
        ax.barh(
            positions,
            width,
            left=left,
            height=0.65,
            color=OUTCOME_COLORS[name],
            label=OUTCOME_LABELS[name],
            edgecolor="white",
            linewidth=0.6,
        )
        text_color = "white" if name in _DARK else "#222222"
        for y, (x0, w) in enumerate(zip(left, width, strict=True)):
            if w >= _MIN_LABELLED_SHARE:
                ax.text(
                    x0 + w / 2,
                    y,
                    f"{w:.0%}",
                    ha="center",
                    va="center",
                    color=text_color,
                    fontsize=8,
                )
        left = left + width

    for y, (_, row) in enumerate(report.iterrows()):
        ax.annotate(
            _annotation(row),
            xy=(1.0, y),
            xycoords=("axes fraction", "data"),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
        )

    ax.set_yticks(positions, labels)
    ax.set_ylim(max(n_bars, 1) - 0.5, -0.5)  # first group on top
    if n_bars == 0:
        ax.text(0.5, 0.5, "no messages", transform=ax.transAxes, ha="center", va="center")
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.annotate(
        "delivery rate · messages",
        xy=(1.0, 1.0),
        xycoords="axes fraction",
        xytext=(6, 4),
        textcoords="offset points",
        va="bottom",
        fontsize=9,
        fontweight="bold",
    )
    ax.set_xlabel(
        "share of messages (the green share is the reach rate: delivered ÷ messages)\n"
        "delivery rate = delivered ÷ (delivered + not delivered + expired + no status)",
        fontsize=9,
    )
    ax.set_ylabel(" · ".join(columns) if columns else "")
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="y", length=0)
    total = int(report["messages"].sum())
    title = f"Delivery by {' · '.join(columns)}" if columns else "Delivery"
    ax.set_title(f"{title} ({total:,} messages)", loc="left", fontsize=12, fontweight="bold")
    handles, legend_labels = ax.get_legend_handles_labels()
    if handles:
        # Below the axis label, a fixed distance in inches whatever the number of bars.
        below = ax.transAxes + ScaledTranslation(0, -0.62, figure.dpi_scale_trans)
        ax.legend(
            handles,
            legend_labels,
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            bbox_transform=below,
            ncols=min(len(handles), 5),
            frameon=False,
            fontsize=9,
        )
    return figure
