"""Delivery chart: a figure with one labelled bar per group."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from targetsms_frames import ValidationError
from targetsms_frames._plot import OUTCOME_LABELS, plot_delivery
from targetsms_frames._report import delivery_report


def statuses(segments: list[str]) -> pd.DataFrame:
    states = ["sent", "sent", "sent", "failed", "skipped"]
    words = ["deliver", "read", "expired", None, None]
    rows = [
        (segment, state, word)
        for segment in segments
        for state, word in zip(states, words, strict=True)
    ]
    return pd.DataFrame(rows, columns=["segment", "send_state", "status"])


def bar_count(figure: Figure) -> int:
    return sum(isinstance(patch, Rectangle) for patch in figure.axes[0].patches)


def test_plot_from_status_frame_returns_a_figure_with_a_bar_per_group() -> None:
    figure = plot_delivery(statuses(["b", "a", "c"]), by="segment")

    assert isinstance(figure, Figure)
    labels = [label.get_text() for label in figure.axes[0].get_yticklabels()]
    assert labels == ["a", "b", "c"]
    # Four outcomes present (delivered, expired, failed, skipped), one segment each per bar.
    assert bar_count(figure) == 3 * 4


def test_legend_lists_only_outcomes_present() -> None:
    figure = plot_delivery(statuses(["a"]), by="segment")

    legend = figure.axes[0].get_legend()
    assert legend is not None
    assert [text.get_text() for text in legend.get_texts()] == [
        OUTCOME_LABELS["delivered"],
        OUTCOME_LABELS["expired"],
        OUTCOME_LABELS["failed"],
        OUTCOME_LABELS["skipped"],
    ]


def test_each_bar_is_annotated_with_rate_and_count() -> None:
    report = pd.DataFrame(
        {
            "template": ["promo", "news"],
            "messages": [1204, 10],
            "delivered": [1050, 0],
            "not_delivered": [150, 0],
            "pending": [4, 10],
        }
    )

    figure = plot_delivery(report)

    texts = [text.get_text() for text in figure.axes[0].texts]
    assert "87.5% · 1,204" in texts
    assert "n/a · 10" in texts


def test_plot_accepts_a_report_and_labels_bars_by_its_group_columns() -> None:
    report = delivery_report(statuses(["x", "y"]).assign(day="mon"), by=["segment", "day"])

    figure = plot_delivery(report)

    labels = [label.get_text() for label in figure.axes[0].get_yticklabels()]
    assert labels == ["x · mon", "y · mon"]
    assert "segment · day" in figure.axes[0].get_title(loc="left")


def test_whole_campaign_is_a_single_bar() -> None:
    figure = plot_delivery(statuses(["a", "b"]))

    assert [label.get_text() for label in figure.axes[0].get_yticklabels()] == ["all messages"]


def test_missing_group_keys_get_a_visible_label() -> None:
    frame = statuses(["a"])
    frame.loc[0, "segment"] = None

    figure = plot_delivery(frame, by="segment")

    labels = [label.get_text() for label in figure.axes[0].get_yticklabels()]
    assert labels == ["a", "(missing)"]


def test_figure_grows_with_the_number_of_groups() -> None:
    small = plot_delivery(statuses(["a"]), by="segment")
    large = plot_delivery(statuses([f"s{i:02d}" for i in range(30)]), by="segment")

    assert large.get_figheight() > small.get_figheight() * 3


def test_draws_into_a_given_axes() -> None:
    figure = Figure()
    ax = figure.add_subplot()

    returned = plot_delivery(statuses(["a"]), by="segment", ax=ax)

    assert returned is figure
    assert bar_count(figure) == 4


def test_figure_saves_as_png(tmp_path: Path) -> None:
    path = tmp_path / "delivery.png"

    plot_delivery(statuses(["a", "b"]), by="segment").savefig(path)

    assert path.read_bytes().startswith(b"\x89PNG")


def test_empty_frame_draws_an_empty_chart() -> None:
    frame = pd.DataFrame({"segment": [], "send_state": []}, dtype="str")

    figure = plot_delivery(frame, by="segment")

    assert "no messages" in [text.get_text() for text in figure.axes[0].texts]
    assert bar_count(figure) == 0


def test_report_without_the_named_group_column_is_an_error() -> None:
    with pytest.raises(ValidationError, match="'template'"):
        plot_delivery(pd.DataFrame({"messages": [1]}), by="template")
