"""render: joining templates, filling placeholders, defaults and error aggregation."""

from __future__ import annotations

import contextlib

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames, range_indexes

from targetsms_frames._exceptions import RenderError, TargetSMSError
from targetsms_frames._render import render


def _recipients(**extra: object) -> pd.DataFrame:
    base: dict[str, object] = {
        "phone": ["79000000001", "79000000002", "79000000003"],
        "template": ["promo", "news", "promo"],
        "name": ["Anna", "Boris", "Vera"],
    }
    base.update(extra)
    return pd.DataFrame(base, index=[10, 20, 30])


TEMPLATES = pd.DataFrame(
    {
        "template": ["promo", "news"],
        "text_sms": ["Hi {name}, sale!", "News for {name}"],
        "sender_sms": ["Shop", "Shop News"],
        "send_sms": [1, 1],
    }
)


def test_join_fills_each_recipients_template_text() -> None:
    out = render(_recipients(), TEMPLATES)
    assert out["text_sms"].tolist() == ["Hi Anna, sale!", "News for Boris", "Hi Vera, sale!"]
    assert out["sender_sms"].tolist() == ["Shop", "Shop News", "Shop"]
    assert out["send_sms"].dtype == "Int64"


def test_row_order_index_and_user_columns_are_preserved() -> None:
    recipients = _recipients(customer_id=[7, 8, 9])
    out = render(recipients, TEMPLATES)
    assert list(out.index) == [10, 20, 30]
    assert out.columns[: len(recipients.columns)].tolist() == recipients.columns.tolist()
    pd.testing.assert_series_equal(out["customer_id"], recipients["customer_id"])
    pd.testing.assert_series_equal(out["name"], recipients["name"])


def test_without_templates_renders_recipients_own_message_columns() -> None:
    recipients = _recipients(text_sms=["Hello {name}", "Plain text", "{name}!"])
    out = render(recipients)
    assert out["text_sms"].tolist() == ["Hello Anna", "Plain text", "Vera!"]


def test_escaped_braces_stay_literal() -> None:
    recipients = _recipients(text_sms=["{{code}} for {name}", "{{}}", "x"])
    out = render(recipients)
    assert out["text_sms"].tolist() == ["{code} for Anna", "{}", "x"]


def test_whole_floats_from_a_column_with_blanks_render_without_decimal_point() -> None:
    recipients = _recipients(bonus=[10.0, None, 2.5], text_sms=["+{bonus}", "none", "+{bonus}"])
    assert render(recipients)["text_sms"].tolist() == ["+10", "none", "+2.5"]


def test_int64_and_dates_render_as_people_write_them() -> None:
    recipients = _recipients(
        points=pd.array([1000, 5, 0], dtype="Int64"),
        until=pd.to_datetime(["2026-11-27", "2026-12-01", "2026-12-31"]),
        text_sms=["{points} until {until}"] * 3,
    )
    assert render(recipients)["text_sms"].tolist() == [
        "1000 until 2026-11-27",
        "5 until 2026-12-01",
        "0 until 2026-12-31",
    ]


def test_format_spec_is_applied() -> None:
    recipients = _recipients(amount=[10.0, 2.5, 3.14159], text_sms=["{amount:.2f}"] * 3)
    assert render(recipients)["text_sms"].tolist() == ["10.00", "2.50", "3.14"]


def test_values_placed_into_urls_are_quoted_but_the_template_url_is_not() -> None:
    recipients = _recipients(code=["A&B", "x y", "Ключ/1"])
    templates = pd.DataFrame(
        {
            "template": ["promo", "news"],
            "button_url": ["https://shop.ru/p?a=1&code={code}"] * 2,
            "image_url": ["https://img.ru/{code}.png"] * 2,
            "button_text": ["Open {code}"] * 2,
        }
    )
    out = render(recipients, templates)
    assert out["button_url"].tolist() == [
        "https://shop.ru/p?a=1&code=A%26B",
        "https://shop.ru/p?a=1&code=x%20y",
        "https://shop.ru/p?a=1&code=%D0%9A%D0%BB%D1%8E%D1%87%2F1",
    ]
    assert out["image_url"].iloc[0] == "https://img.ru/A%26B.png"
    assert out["button_text"].iloc[0] == "Open A&B"


def test_defaults_fill_absent_columns() -> None:
    out = render(_recipients(text_sms=["a", "b", "c"]), sender_sms="Shop", send_sms=1)
    assert out["sender_sms"].tolist() == ["Shop"] * 3
    assert out["send_sms"].tolist() == [1, 1, 1]


def test_precedence_is_recipient_then_template_then_default() -> None:
    templates = pd.DataFrame(
        {"template": ["promo", "news"], "sender_sms": ["TplShop", None], "text_sms": ["t", "t"]}
    )
    recipients = _recipients(sender_sms=["Mine", None, "  "])
    out = render(recipients, templates, sender_sms="Default")
    assert out["sender_sms"].tolist() == ["Mine", "Default", "TplShop"]


def test_unknown_default_is_a_type_error_naming_it() -> None:
    with pytest.raises(TypeError, match="sendr_sms"):
        render(_recipients(), TEMPLATES, sendr_sms="Shop")


def test_unknown_template_key_lists_every_such_row() -> None:
    recipients = _recipients(template=["promo", "nope", "gone"])
    with pytest.raises(RenderError) as info:
        render(recipients, TEMPLATES)
    cases = info.value.failure_cases
    assert cases["index"].tolist() == [20, 30]
    assert set(cases["column"]) == {"template"}
    assert cases["value"].tolist() == ["nope", "gone"]
    assert "unknown template" in cases["rule"].iloc[0]


def test_duplicate_template_keys_are_refused() -> None:
    templates = pd.concat([TEMPLATES, TEMPLATES.iloc[[0]]], ignore_index=True)
    with pytest.raises(RenderError, match="appears 2 times"):
        render(_recipients(), templates)


def test_single_template_without_key_applies_to_everyone() -> None:
    recipients = _recipients().drop(columns="template")
    out = render(recipients, pd.DataFrame({"text_sms": ["Hi {name}"]}))
    assert out["text_sms"].tolist() == ["Hi Anna", "Hi Boris", "Hi Vera"]


def test_keys_match_across_number_and_text_columns() -> None:
    recipients = _recipients(template=[1, 2, 1])
    templates = TEMPLATES.assign(template=["1", "2"])
    assert render(recipients, templates)["text_sms"].iloc[1] == "News for Boris"


def test_all_render_failures_are_reported_at_once() -> None:
    recipients = _recipients(
        template=["promo", "news", "missing"],
        name=["Anna", None, "  "],
    )
    templates = pd.DataFrame(
        {
            "template": ["promo", "news"],
            "text_sms": ["Hi {name} {surname}", "Hi {name}"],
            "text_viber": ["{name", "ok"],
        }
    )
    with pytest.raises(RenderError) as info:
        render(recipients, templates)
    cases = info.value.failure_cases
    assert {"index", "column", "rule", "value"} <= set(cases.columns)
    rows = set(zip(cases["index"], cases["column"], cases["check"], strict=True))
    assert (10, "text_sms", "unknown_placeholder") in rows
    assert (10, "text_viber", "unmatched_brace") in rows
    assert (20, "text_sms", "missing_value") in rows
    assert (30, "template", "unknown_template") in rows
    assert "rows could not be rendered" in str(info.value)


def test_error_message_shows_first_rows_and_how_many_more() -> None:
    n = 25
    recipients = pd.DataFrame({"phone": ["79000000001"] * n, "text_sms": ["{nobody}"] * n})
    with pytest.raises(RenderError) as info:
        render(recipients)
    assert len(info.value.failure_cases) == n
    assert "and 15 more" in str(info.value)
    assert "unknown placeholder {nobody}" in str(info.value)


def test_positional_placeholder_is_an_error() -> None:
    with pytest.raises(RenderError, match="must name a column"):
        render(_recipients(text_sms=["{}", "a", "b"]))


def test_render_error_is_a_validation_error_and_value_error() -> None:
    with pytest.raises(ValueError):
        render(_recipients(text_sms=["{x}", "a", "b"]))


def test_empty_recipients_give_an_empty_frame() -> None:
    out = render(_recipients().iloc[:0], TEMPLATES)
    assert len(out) == 0 and "text_sms" in out.columns


text = st.text(alphabet=st.characters(codec="utf-8"), max_size=8)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    data_frames(
        [
            column("phone", elements=text),
            column("name", elements=st.one_of(st.none(), text)),
            column("amount", elements=st.one_of(st.none(), st.floats(allow_nan=True))),
            column("text_sms", elements=st.sampled_from(["Hi {name}", "{amount}", "x", "{"])),
        ],
        index=range_indexes(max_size=6),
    )
)
def test_render_never_mutates_its_input(frame: pd.DataFrame) -> None:
    before = frame.copy(deep=True)
    with contextlib.suppress(TargetSMSError):
        render(frame, send_sms=1)
    pd.testing.assert_frame_equal(frame, before)
