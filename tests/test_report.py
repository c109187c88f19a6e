"""Delivery reports: outcome counts per group that always add up."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from targetsms_frames import TargetSMSError, ValidationError
from targetsms_frames._report import COUNT_COLUMNS, OUTCOMES, REPORT_COLUMNS, delivery_report

STATES = ["sent", "failed", "unknown", "skipped", "planned"]
STATUS_WORDS = ["send", "deliver", "read", "not_deliver", "expired", "partly_deliver", "seen"]


def status_frame(rows: list[tuple[str, str | None]], **columns: list[object]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "send_state": [state for state, _ in rows],
            "status": pd.array([status for _, status in rows], dtype="str"),
        }
    )
    for name, values in columns.items():
        frame[name] = values
    return frame


def test_report_has_group_columns_then_counts_then_rate() -> None:
    frame = status_frame([("sent", "deliver")], template=["promo"])

    report = delivery_report(frame, by="template")

    assert list(report.columns) == ["template", *REPORT_COLUMNS]
    assert list(REPORT_COLUMNS) == [
        "messages",
        "delivered",
        "not_delivered",
        "expired",
        "no_status",
        "not_found",
        "other_final",
        "pending",
        "failed",
        "unknown",
        "skipped",
        "planned",
        "delivery_rate",
        "reach_rate",
    ]


def test_whole_campaign_is_one_row_without_group_columns() -> None:
    frame = status_frame([("sent", "deliver"), ("failed", None), ("sent", None)])

    report = delivery_report(frame)

    assert list(report.columns) == list(REPORT_COLUMNS)
    assert report.to_dict("records") == [
        {
            "messages": 3,
            "delivered": 1,
            "not_delivered": 0,
            "expired": 0,
            "no_status": 0,
            "not_found": 0,
            "other_final": 0,
            "pending": 1,
            "failed": 1,
            "unknown": 0,
            "skipped": 0,
            "planned": 0,
            "delivery_rate": 1.0,
            "reach_rate": 1 / 3,
        }
    ]


def test_read_counts_as_delivered() -> None:
    frame = status_frame([("sent", "read"), ("sent", "deliver"), ("sent", "not_deliver")])

    report = delivery_report(frame)

    assert report.loc[0, "delivered"] == 2
    assert report.loc[0, "delivery_rate"] == pytest.approx(2 / 3)


def test_unknown_status_words_land_in_other_final_and_stay_out_of_the_rate() -> None:
    frame = status_frame([("sent", "seen_by_robot"), ("sent", "DELIVER"), ("sent", "deliver")])

    report = delivery_report(frame)

    assert report.loc[0, "other_final"] == 2
    assert report.loc[0, "delivered"] == 1
    assert report.loc[0, "delivery_rate"] == 1.0


def test_each_final_word_has_its_own_column() -> None:
    frame = status_frame(
        [
            ("sent", "not_deliver"),
            ("sent", "expired"),
            ("sent", "expired"),
            ("sent", "partly_deliver"),
        ]
    )

    row = delivery_report(frame).iloc[0]

    assert (row["not_delivered"], row["expired"], row["no_status"]) == (1, 2, 1)
    assert row["delivery_rate"] == 0.0


def test_rate_is_nan_not_zero_while_nothing_is_final() -> None:
    frame = status_frame([("sent", "send"), ("sent", None), ("failed", None), ("planned", None)])

    row = delivery_report(frame).iloc[0]

    assert np.isnan(row["delivery_rate"])
    assert row["pending"] == 2


def test_send_states_are_counted_for_rows_without_status() -> None:
    rows = [("failed", None), ("unknown", None), ("skipped", None), ("planned", None)]

    row = delivery_report(status_frame(rows)).iloc[0]

    assert (row["failed"], row["unknown"], row["skipped"], row["planned"]) == (1, 1, 1, 1)


def test_frame_without_status_column_counts_sent_rows_as_pending() -> None:
    frame = pd.DataFrame({"send_state": ["sent", "sent", "failed"]})

    row = delivery_report(frame).iloc[0]

    assert (row["pending"], row["failed"]) == (2, 1)


def test_counts_are_integers() -> None:
    report = delivery_report(status_frame([("sent", "deliver")], segment=["a"]), by="segment")

    for column in COUNT_COLUMNS:
        assert pd.api.types.is_integer_dtype(report[column]), column
    assert report["delivery_rate"].dtype == np.float64


def test_groups_by_several_columns_sorted_by_key() -> None:
    frame = status_frame(
        [("sent", "deliver"), ("sent", "expired"), ("sent", "deliver"), ("failed", None)],
        segment=["b", "a", "a", "a"],
        sender_sms=["Shop", "Shop", "Info", "Info"],
    )

    report = delivery_report(frame, by=["segment", "sender_sms"])

    assert report[["segment", "sender_sms", "messages"]].to_dict("records") == [
        {"segment": "a", "sender_sms": "Info", "messages": 2},
        {"segment": "a", "sender_sms": "Shop", "messages": 1},
        {"segment": "b", "sender_sms": "Shop", "messages": 1},
    ]
    assert report["failed"].tolist() == [1, 0, 0]


def test_missing_group_keys_form_their_own_group() -> None:
    frame = status_frame(
        [("sent", "deliver"), ("sent", "not_deliver"), ("sent", "deliver")],
        template=["promo", None, None],
    )

    report = delivery_report(frame, by="template")

    assert len(report) == 2
    assert report.loc[0, "template"] == "promo"
    assert pd.isna(report.loc[1, "template"])
    assert report.loc[1, "messages"] == 2
    assert report.loc[1, "delivery_rate"] == 0.5


def test_send_date_is_derived_from_sent_at_in_the_zone_asked_for() -> None:
    sent_at = pd.to_datetime(
        ["2024-05-01 23:30+00:00", "2024-05-02 01:00+03:00", "2024-05-02 08:00+00:00", None],
        utc=True,
    )
    frame = status_frame(
        [("sent", "deliver"), ("sent", "deliver"), ("sent", "expired"), ("skipped", None)],
        sent_at=list(sent_at),
    )

    report = delivery_report(frame, by="send_date", tz="UTC")

    assert report["send_date"].iloc[:2].tolist() == [dt.date(2024, 5, 1), dt.date(2024, 5, 2)]
    assert pd.isna(report["send_date"].iloc[2])
    assert report["messages"].tolist() == [2, 1, 1]
    assert report["skipped"].tolist() == [0, 0, 1]


def test_existing_send_date_column_is_used_as_is() -> None:
    frame = status_frame([("sent", "deliver")], send_date=["campaign day 1"])

    report = delivery_report(frame, by="send_date")

    assert report["send_date"].tolist() == ["campaign day 1"]


def test_missing_group_column_is_an_error_naming_it_and_the_available_ones() -> None:
    frame = status_frame([("sent", "deliver")], template=["promo"])

    with pytest.raises(ValidationError) as caught:
        delivery_report(frame, by=["template", "segmnet"])

    assert isinstance(caught.value, TargetSMSError)
    message = str(caught.value)
    assert "'segmnet'" in message
    assert "'template'" in message and "'send_state'" in message
    assert caught.value.failure_cases["column"].tolist() == ["segmnet"]


def test_send_date_without_sent_at_is_an_error() -> None:
    with pytest.raises(ValidationError, match="sent_at"):
        delivery_report(status_frame([("sent", "deliver")]), by="send_date")


def test_rows_without_status_or_known_send_state_are_reported_at_once() -> None:
    frame = pd.DataFrame({"send_state": ["sent", "oops", None], "status": [None, None, None]})

    with pytest.raises(ValidationError) as caught:
        delivery_report(frame)

    assert caught.value.failure_cases["index"].tolist() == [1, 2]


def test_input_is_not_mutated() -> None:
    frame = status_frame(
        [("sent", "deliver"), ("failed", None)],
        template=["a", None],
        sent_at=list(pd.to_datetime(["2024-05-01 10:00", None], utc=True)),
    )
    before = frame.copy(deep=True)

    delivery_report(frame, by=["template", "send_date"])

    pd.testing.assert_frame_equal(frame, before)


def test_empty_frame_gives_zero_row_with_nan_rate_or_no_groups() -> None:
    frame = status_frame([], template=[])

    overall = delivery_report(frame)
    grouped = delivery_report(frame, by="template")

    assert overall["messages"].tolist() == [0]
    assert np.isnan(overall.loc[0, "delivery_rate"])
    assert len(grouped) == 0
    assert list(grouped.columns) == ["template", *REPORT_COLUMNS]


rows_strategy = st.lists(
    st.tuples(
        st.sampled_from(STATES),
        st.none() | st.sampled_from(STATUS_WORDS),
        st.none() | st.sampled_from(["x", "y", "z"]),
    ),
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(rows=rows_strategy)
def test_counts_add_up_for_any_mix_of_states_and_statuses(
    rows: list[tuple[str, str | None, str | None]],
) -> None:
    # A status only ever comes back for a row that was sent.
    cleaned = [(state, status if state == "sent" else None) for state, status, _ in rows]
    frame = status_frame(cleaned, segment=[segment for *_, segment in rows])

    for by in (None, "segment"):
        report = delivery_report(frame, by=by)
        outcome_total = report[list(OUTCOMES)].sum(axis=1)
        assert (report["messages"] == outcome_total).all()
        assert report["messages"].sum() == len(frame)
        finals = report[["delivered", "not_delivered", "expired", "no_status"]].sum(axis=1)
        expected_rate = report["delivered"] / finals.where(finals > 0)
        pd.testing.assert_series_equal(
            report["delivery_rate"], expected_rate, check_names=False, check_dtype=False
        )

    overall = delivery_report(frame).iloc[0]
    statuses = [status for _, status in cleaned]
    states = [state for state, _ in cleaned]
    assert overall["delivered"] == statuses.count("deliver") + statuses.count("read")
    assert overall["other_final"] == statuses.count("seen")
    assert overall["pending"] == sum(
        1 for state, status in cleaned if state == "sent" and status in (None, "send")
    )
    for state in ("failed", "unknown", "skipped", "planned"):
        assert overall[state] == states.count(state)
