"""Results and reports by the provider's own definitions, in the analyst's zone, with money.

Expected figures are computed here from the sandbox's own record of each message, row by row
in plain Python, never by the code under test.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import phonenumbers
import pytest
from phonenumbers import carrier

import targetsms_frames as tsf
from targetsms_frames._operator import operators
from targetsms_frames._plot import OUTCOME_COLORS, OUTCOME_LABELS

TIME = "datetime64[ms, UTC]"
WORDS = {
    "deliver": "delivered",
    "read": "delivered",
    "not_deliver": "not_delivered",
    "expired": "expired",
    "partly_deliver": "no_status",
}


def campaign(n: int = 60) -> pd.DataFrame:
    """SMS and Viber-then-SMS rows; one stop-listed phone (failed), one bad phone (skipped)."""
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:03d}" for i in range(n)],
            "phone": [str(79031000000 + i) for i in range(n)],
            "segment": [("new", "loyal", "vip")[i % 3] for i in range(n)],
            "send_viber": [1 if i % 2 else 0 for i in range(n)],
            "sender_viber": "Shop",
            "text_viber": "Скидка 10% сегодня",
            "send_sms": [2 if i % 2 else 1 for i in range(n)],
            "sender_sms": "Shop",
            "text_sms": [("Скидка " * 12) if i % 4 == 0 else "Sale today" for i in range(n)],
        }
    )
    frame.loc[3, "phone"] = "79000000000"  # on the sandbox's stop list
    frame.loc[5, "phone"] = "12345"
    return frame


@pytest.fixture
def polled(
    sandbox: tsf.Sandbox, client: tsf.Client
) -> tuple[pd.DataFrame, pd.DataFrame, tsf.Sandbox]:
    sent = tsf.send(campaign(), client, progress=False, price_sms=4.5, price_viber=2.0)
    statuses = tsf.poll_statuses(sent, client, until_final=True, progress=False)
    return sent, statuses, sandbox


# -- counts and rates --------------------------------------------------------------------


def test_report_counts_and_rates_match_the_sandboxs_own_outcomes(
    polled: tuple[pd.DataFrame, pd.DataFrame, tsf.Sandbox],
) -> None:
    _, statuses, sandbox = polled
    truth = dict(zip(sandbox.messages["message_id"], sandbox.messages["final_status"], strict=True))
    expected: dict[str, Counter[str]] = {}
    for segment, state, message_id in zip(
        statuses["segment"], statuses["send_state"], statuses["message_id"], strict=True
    ):
        outcome = WORDS[truth[message_id]] if state == "sent" else state
        expected.setdefault(segment, Counter())[outcome] += 1
        expected[segment]["messages"] += 1

    report = tsf.delivery_report(statuses, by="segment").set_index("segment")

    assert {"no_status", "reach_rate"} <= set(report.columns)
    assert "partly_delivered" not in report.columns
    for segment, counts in expected.items():
        row = report.loc[segment]
        for column in ("messages", "delivered", "not_delivered", "expired", "no_status"):
            assert row[column] == counts[column], (segment, column)
        assert (row["failed"], row["skipped"]) == (counts["failed"], counts["skipped"])
        finals = sum(counts[k] for k in ("delivered", "not_delivered", "expired", "no_status"))
        assert row["delivery_rate"] == pytest.approx(counts["delivered"] / finals)
        assert row["reach_rate"] == pytest.approx(counts["delivered"] / counts["messages"])
    assert report["failed"].sum() == 1 and report["skipped"].sum() == 1


def test_rows_that_can_never_get_a_status_are_final(
    sandbox: tsf.Sandbox, client: tsf.Client
) -> None:
    sandbox.inject("timeout_after", count=1)  # the first request: sent, but no answer came
    sent = tsf.send(campaign(8), client, progress=False, max_phones_per_request=1)

    states = dict(zip(sent["send_state"], sent["is_final"], strict=False))
    assert set(sent["send_state"]) == {"unknown", "sent", "failed", "skipped"}
    assert states["unknown"] and states["failed"] and states["skipped"]
    assert not sent.loc[sent["send_state"] == "sent", "is_final"].any()
    polled = tsf.poll_statuses(sent, client, progress=False)
    never = polled["send_state"].isin(["unknown", "failed", "skipped"])
    assert polled.loc[never, "is_final"].all() and polled.loc[never, "status"].isna().all()


# -- time --------------------------------------------------------------------------------


def test_every_time_column_is_utc_milliseconds_and_status_at_is_when_final_was_first_seen(
    tmp_path: Path, sandbox: tsf.Sandbox, clock: tsf.ManualClock
) -> None:
    journal = tmp_path / "c.sqlite"
    slow = tsf.Sandbox(clock=clock, status_delay=(90.0, 90.0))
    client = tsf.Client.sandbox(slow)
    sent = tsf.send(campaign(4), client, journal=journal, progress=False)
    assert sent["sent_at"].dtype == TIME

    first = tsf.poll_statuses(sent, client, journal=journal, progress=False)
    clock.advance(120)
    seen = clock()
    final = tsf.poll_statuses(first, client, journal=journal, progress=False)
    clock.advance(600)
    later = tsf.poll_statuses(final, client, journal=journal, progress=False)
    stored = tsf.read_journal(journal)

    for frame in (first, final, later, stored):
        for column in ("sent_at", "status_at", "status_checked_at"):
            assert frame[column].dtype == TIME, column
    open_ = first["send_state"] == "sent"
    assert first.loc[open_, "status_at"].isna().all()
    assert first.loc[open_, "status_checked_at"].notna().all()
    done = final["send_state"] == "sent"
    moment = pd.Timestamp(seen, unit="s", tz="UTC")
    assert ((final.loc[done, "status_at"] - moment).abs() < pd.Timedelta(seconds=1)).all()
    assert later.loc[done, "status_at"].equals(final.loc[done, "status_at"])
    assert stored.loc[done, "status_at"].equals(final.loc[done, "status_at"])
    assert (later.loc[done, "status_checked_at"] == final.loc[done, "status_checked_at"]).all()


def test_send_date_and_hour_are_in_the_zone_asked_for() -> None:
    frame = pd.DataFrame(
        {
            "send_state": ["sent", "sent", "sent", "skipped"],
            "status": ["deliver", "deliver", "expired", None],
            "sent_at": pd.to_datetime(
                ["2024-05-01 20:30", "2024-05-01 21:10", "2024-05-02 06:00", None], utc=True
            ),
        }
    )

    moscow = tsf.delivery_report(frame, by=["send_date", "send_hour"], tz="Europe/Moscow")
    utc = tsf.delivery_report(frame, by="send_hour", tz="UTC")

    assert moscow[["send_date", "send_hour"]].iloc[:3].values.tolist() == [
        [dt.date(2024, 5, 1), 23],
        [dt.date(2024, 5, 2), 0],
        [dt.date(2024, 5, 2), 9],
    ]
    assert utc["send_hour"].iloc[:3].tolist() == [6, 20, 21]
    assert pd.isna(moscow["send_hour"].iloc[3]) and moscow["skipped"].iloc[3] == 1


# -- operators ---------------------------------------------------------------------------


def test_operator_comes_from_the_number_range_where_the_data_knows_it() -> None:
    phones = pd.Series(["79031234567", "79261234567", "79001234567", "74951234567", "bad"])

    names = operators(phones).tolist()

    assert names[:2] == ["Beeline", "MegaFon"]
    assert names[2] == carrier.name_for_number(phonenumbers.parse("+79001234567"), "en")
    assert pd.isna(names[3]) and pd.isna(names[4])  # a landline; not a phone


def test_operator_agrees_with_phonenumbers_for_mobile_numbers() -> None:
    rng = np.random.default_rng(7)
    phones = [f"79{n:09d}" for n in rng.integers(0, 10**9, 400)]
    parsed = [phonenumbers.parse("+" + phone) for phone in phones]
    mobile = [
        phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE for number in parsed
    ]
    found = operators(pd.Series(phones))
    expected = [carrier.name_for_number(number, "en") or None for number in parsed]
    checked = [
        (got if isinstance(got, str) else None, want)
        for got, want, keep in zip(found, expected, mobile, strict=True)
        if keep
    ]
    assert len(checked) > 100
    assert all(got == want for got, want in checked)


def test_a_report_by_operator_counts_each_operators_messages(
    polled: tuple[pd.DataFrame, pd.DataFrame, tsf.Sandbox],
) -> None:
    _, statuses, _ = polled
    report = tsf.delivery_report(statuses, by="operator")
    expected = Counter(
        carrier.name_for_number(phonenumbers.parse("+" + phone), "en") or None
        if phone.isdigit()
        else None
        for phone in statuses["phone"]
    )
    got = {
        (None if pd.isna(name) else name): int(n)
        for name, n in zip(report["operator"], report["messages"], strict=True)
    }
    assert got == dict(expected)


# -- money -------------------------------------------------------------------------------


def test_send_carries_parts_and_cost_and_reports_sum_them(
    polled: tuple[pd.DataFrame, pd.DataFrame, tsf.Sandbox],
) -> None:
    sent, statuses, _ = polled
    costs, most = [], []
    for viber, state, text in zip(
        sent["send_viber"], sent["send_state"], sent["text_sms"], strict=True
    ):
        parts = 2 if text.startswith("Скидка") else 1
        sms = 4.5 * parts
        free = state in ("failed", "skipped")
        costs.append(0.0 if free else (2.0 if viber else sms))
        most.append(0.0 if free else (2.0 + sms if viber else sms))

    assert sent["sms_parts"].tolist() == [2 if i % 4 == 0 else 1 for i in range(len(sent))]
    assert sent["cost"].tolist() == pytest.approx(costs)
    assert sent["max_cost"].tolist() == pytest.approx(most)
    report = tsf.delivery_report(statuses, by="segment")
    assert report["cost"].sum() == pytest.approx(sum(costs))
    assert report["max_cost"].sum() == pytest.approx(sum(most))
    summary = tsf.summarize(statuses)
    assert (summary.cost, summary.max_cost) == (pytest.approx(sum(costs)), pytest.approx(sum(most)))
    live = ~sent["send_state"].isin(["failed", "skipped"])
    assert summary.sms_parts == int(sent.loc[live, "sms_parts"].sum())
    assert summary.viber_messages == int((live & (sent["send_viber"] > 0)).sum())


def test_summarize_returns_numbers_with_a_readable_table(
    polled: tuple[pd.DataFrame, pd.DataFrame, tsf.Sandbox],
) -> None:
    _, statuses, sandbox = polled
    summary = tsf.summarize(statuses, tz="Europe/Moscow")
    delivered = sum(
        sandbox.messages.set_index("message_id")["final_status"]
        .loc[statuses.loc[statuses["send_state"] == "sent", "message_id"]]
        .isin(["deliver", "read"])
    )

    assert (summary.messages, summary.sent, summary.failed, summary.skipped) == (60, 58, 1, 1)
    assert summary.delivered == delivered
    assert summary.reach_rate == pytest.approx(delivered / 60)
    sheet = summary.to_frame().set_index("item")["value"]
    assert sheet["delivered"] == delivered and sheet["cost"] == round(summary.cost or 0, 2)
    assert sheet["reach rate, %"] == pytest.approx(round(100 * delivered / 60, 1))
    html = summary._repr_html_()
    assert html.startswith("<table>") and "reach rate" in html and "Europe/Moscow" in html


def test_the_excel_campaign_sheet_sits_beside_the_bill(
    tmp_path: Path, polled: tuple[pd.DataFrame, pd.DataFrame, tsf.Sandbox]
) -> None:
    _, statuses, _ = polled
    summary = tsf.summarize(statuses)
    path = tsf.write_excel(
        {"campaign": summary.to_frame(), "results": statuses}, tmp_path / "c.xlsx", tz="UTC"
    )

    sheet = openpyxl.load_workbook(path)["campaign"]
    values = {row[0].value: row[1].value for row in sheet.iter_rows(min_row=2)}
    assert values["sent"] == 58 and values["delivered"] == summary.delivered
    assert values["cost"] == pytest.approx(summary.cost)
    assert values["cost at most"] == pytest.approx(summary.max_cost)
    assert values["SMS parts"] == summary.sms_parts


# -- charts ------------------------------------------------------------------------------


def test_no_status_is_drawn_in_a_neutral_colour_not_beside_delivered() -> None:
    red, green, blue = (int(OUTCOME_COLORS["no_status"][i : i + 2], 16) for i in (1, 3, 5))
    assert max(red, green, blue) - min(red, green, blue) < 16  # a grey
    assert "no delivery report" in OUTCOME_LABELS["no_status"]
    frame = pd.DataFrame({"send_state": ["sent"] * 2, "status": ["deliver", "partly_deliver"]})
    figure = tsf.plot_delivery(frame)
    legend = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert legend == [OUTCOME_LABELS["delivered"], OUTCOME_LABELS["no_status"]]


def test_delivery_by_hour_has_a_bar_per_hour_labelled_by_clock_time(
    make_messages: Callable[..., pd.DataFrame],
) -> None:
    frame = pd.DataFrame(
        {
            "send_state": ["sent"] * 3,
            "status": ["deliver", "expired", "deliver"],
            "sent_at": pd.to_datetime(
                ["2024-05-01 06:10", "2024-05-01 06:50", "2024-05-01 15:00"], utc=True
            ),
        }
    )

    figure = tsf.plot_delivery(frame, by="send_hour", tz="Europe/Moscow")

    labels = [label.get_text() for label in figure.axes[0].get_yticklabels()]
    assert labels == ["09:00", "18:00"]


# -- what polling and the sandbox client say ---------------------------------------------


def test_the_progress_bar_says_when_the_next_check_is_due_and_why(
    clock: tsf.ManualClock,
    make_messages: Callable[..., pd.DataFrame],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a bar not on a terminal takes its width from the environment: a wide one, so the
    # postfix is whole whatever the runner's settings
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.setenv("LINES", "50")
    client = tsf.Client.sandbox(tsf.Sandbox(clock=clock, status_delay=(100.0, 100.0)))
    sent = tsf.send(make_messages(2), client, progress=False)

    tsf.poll_statuses(sent, client, until_final=True)

    err = capsys.readouterr().err
    assert "next check in 61s" in err and "one check per message a minute" in err


def test_a_sandbox_client_never_shows_the_providers_address() -> None:
    with tsf.Client.sandbox() as client:
        assert "targetsms.ru" not in repr(client)
        assert "sandbox" in client.base_url
