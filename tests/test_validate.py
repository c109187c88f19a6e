"""validate: every provider rule, failure reporting, split mode and output types."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames, range_indexes

from targetsms_frames._exceptions import TargetSMSError, ValidationError
from targetsms_frames._validate import validate


def sms(**changes: object) -> pd.DataFrame:
    """One valid SMS-only message, with ``changes`` applied."""
    row: dict[str, object] = {
        "customer": "C-1",
        "phone": "79000000001",
        "send_sms": 1,
        "sender_sms": "Shop",
        "text_sms": "Hello",
    }
    row.update(changes)
    return pd.DataFrame([row], index=["r1"])


def viber(**changes: object) -> pd.DataFrame:
    """One valid Viber-only message, with ``changes`` applied."""
    row: dict[str, object] = {
        "phone": "79000000001",
        "send_viber": 1,
        "sender_viber": "Shop",
        "text_viber": "Hello",
    }
    row.update(changes)
    return pd.DataFrame([row], index=["r1"])


def checks_of(frame: pd.DataFrame) -> list[str]:
    with pytest.raises(ValidationError) as info:
        validate(frame)
    return info.value.failure_cases["check"].tolist()


def rule_of(frame: pd.DataFrame) -> str:
    with pytest.raises(ValidationError) as info:
        validate(frame)
    return str(info.value.failure_cases["rule"].iloc[0])


# --- passing rows --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "frame",
    [
        sms(),
        viber(),
        viber(button_text="Open", button_url="https://shop.ru/x"),
        viber(button_text="Open", button_url="http://shop.ru", image_url="https://i.ru/a.png"),
        viber(validity_period_viber=30, finale_viber_read=1),
        viber(text_viber="x" * 1000, button_text="y" * 19, button_url="https://a.ru"),
        sms(sender_sms="123456789012345"),
        sms(sender_sms="ShopShop123"),
        sms(send_viber=2, sender_viber="Shop", text_viber="Hi"),
        sms(send_sms=9),
    ],
)
def test_valid_rows_pass(frame: pd.DataFrame) -> None:
    assert len(validate(frame)) == 1


# --- each rule failing --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "check", "words"),
    [
        (sms(phone=None), "phone_missing", "phone is missing"),
        (sms(phone="  "), "phone_missing", "phone is missing"),
        (sms(phone="hello"), "phone_invalid", "phone is not a valid phone number"),
        (sms(send_sms="x"), "send_sms_invalid", "send_sms must be a whole number from 0 to 9"),
        (sms(send_sms=10), "send_sms_invalid", "(got '10')"),
        (sms(send_sms=1.5), "send_sms_invalid", "(got '1.5')"),
        (sms(send_viber=-1), "send_viber_invalid", "send_viber must be a whole number"),
        (sms(send_sms=0), "no_channel", "no channel is on"),
        (sms(sender_sms=None), "sender_sms_required", "sender_sms is required when send_sms"),
        (sms(text_sms=""), "text_sms_required", "text_sms is required when send_sms is on"),
        (viber(sender_viber=None), "sender_viber_required", "sender_viber is required"),
        (viber(text_viber=" "), "text_viber_required", "text_viber is required"),
        (viber(text_viber="x" * 1001), "text_viber_too_long", "longer than 1000 characters (1001)"),
        (sms(sender_sms="ShopShop1234"), "sender_sms_too_long", "longer than 11 characters (12)"),
        (sms(sender_sms="1234567890123456"), "sender_sms_too_long", "longer than 15 digits (16)"),
        (
            viber(button_text="b" * 23, button_url="https://a.ru"),
            "button_text_too_long",
            "button_text is longer than 19 characters (23)",
        ),
        (viber(button_text="Open"), "button_text_without_url", "button_url is missing"),
        (viber(button_url="https://a.ru"), "button_url_without_text", "button_text is missing"),
        (viber(image_url="https://a.ru/i.png"), "image_url_without_button", "needs button_text"),
        (
            viber(button_text="Open", button_url="www.shop.ru"),
            "button_url_not_a_link",
            "button_url is not an http(s) link with a host ('www.shop.ru')",
        ),
        (
            viber(button_text="Open", button_url="https://a.ru", image_url="ftp://x/i.png"),
            "image_url_not_a_link",
            "image_url is not an http(s) link",
        ),
        (viber(validity_period_viber=0), "validity_period_viber_invalid", "above 0 (got '0')"),
        (viber(validity_period_viber="soon"), "validity_period_viber_invalid", "minutes"),
        (viber(finale_viber_read=2), "finale_viber_read_invalid", "0 or 1 (got '2')"),
    ],
)
def test_each_rule_fails_with_plain_words(frame: pd.DataFrame, check: str, words: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate(frame)
    cases = info.value.failure_cases
    assert cases["check"].tolist() == [check]
    assert words in cases["rule"].iloc[0]
    assert cases["index"].tolist() == ["r1"]


def test_phone_of_fifteen_digits_is_too_long_for_the_provider() -> None:
    with pytest.raises(ValidationError) as info:
        validate(sms(phone="+" + "8" * 2 + "1" * 13))
    assert set(info.value.failure_cases["check"]) <= {"phone_invalid", "phone_too_long"}


def test_failure_value_is_the_callers_value() -> None:
    with pytest.raises(ValidationError) as info:
        validate(sms(send_sms="seven"))
    assert info.value.failure_cases["value"].tolist() == ["seven"]


def test_disabled_channels_columns_are_not_checked() -> None:
    frame = sms(button_text="b" * 40, image_url="not a url", sender_viber=None)
    out = validate(frame)
    assert out["button_text"].iloc[0] == "b" * 40


def test_required_rule_mentions_a_missing_column() -> None:
    frame = sms().drop(columns="sender_sms")
    assert "there is no sender_sms column" in rule_of(frame)


def test_missing_phone_column_is_a_clear_validation_error() -> None:
    with pytest.raises(ValidationError, match=r"no 'phone' column.*Phone"):
        validate(sms().rename(columns={"phone": "Phone"}))
    with pytest.raises(ValidationError, match="no 'phone' column"):
        validate(sms().rename(columns={"phone": "phone_number"}), errors="split")


def test_no_channel_column_is_a_clear_validation_error() -> None:
    with pytest.raises(ValidationError, match="no send_viber or send_sms column"):
        validate(sms().drop(columns="send_sms"))


def test_repeated_message_column_is_refused() -> None:
    frame = pd.concat([sms(), sms()[["text_sms"]]], axis=1)
    with pytest.raises(ValidationError, match="appears more than once"):
        validate(frame)


# --- reporting ----------------------------------------------------------------------------


def test_every_failing_row_and_rule_is_reported_at_once() -> None:
    frame = pd.concat(
        [
            sms(),
            sms(phone="nope", sender_sms=None),
            sms(),
            viber(button_text="b" * 23, button_url="www.x.ru"),
        ],
        ignore_index=True,
    ).set_axis(["a", "b", "c", "d"])
    with pytest.raises(ValidationError) as info:
        validate(frame)
    cases = info.value.failure_cases
    assert list(cases.columns[:4]) == ["index", "column", "rule", "value"]
    got = set(zip(cases["index"], cases["column"], strict=True))
    assert got == {
        ("b", "phone"),
        ("b", "sender_sms"),
        ("d", "button_text"),
        ("d", "button_url"),
    }
    message = str(info.value)
    assert "2 of 4 rows break a rule" in message
    assert "row 'b'" in message and "row 'd'" in message


def test_duplicate_row_labels_are_reported_per_row() -> None:
    frame = pd.concat([sms(sender_sms=None), sms(), sms(text_sms=None)])
    with pytest.raises(ValidationError) as info:
        validate(frame)
    assert info.value.failure_cases["index"].tolist() == ["r1", "r1"]


def test_split_returns_valid_rows_and_rejected_rows_with_all_reasons() -> None:
    frame = pd.concat(
        [sms(), sms(sender_sms=None, text_sms=None), sms(customer="C-3")], ignore_index=True
    )
    valid, rejected = validate(frame, errors="split")
    assert valid.index.tolist() == [0, 2]
    assert valid["customer"].tolist() == ["C-1", "C-3"]
    assert rejected.index.tolist() == [1]
    assert rejected.columns.tolist() == [*frame.columns, "reject_reason"]
    assert rejected["reject_reason"].iloc[0] == (
        "sender_sms is required when send_sms is on; text_sms is required when send_sms is on"
    )
    assert rejected["sender_sms"].isna().all()


def test_split_with_nothing_wrong_gives_an_empty_rejected_frame() -> None:
    valid, rejected = validate(sms(), errors="split")
    assert len(valid) == 1 and len(rejected) == 0
    assert "reject_reason" in rejected.columns


# --- output -------------------------------------------------------------------------------


def test_channel_blanks_after_concat_of_sms_and_viber_frames_mean_off() -> None:
    frame = pd.concat([sms(), viber()], ignore_index=True)
    assert frame["send_viber"].dtype == "float64"
    out = validate(frame)
    assert out["send_viber"].tolist() == [0, 1]
    assert out["send_sms"].tolist() == [1, 0]
    assert out["send_viber"].dtype == "Int64" and out["send_sms"].dtype == "Int64"


def test_phones_are_normalised_and_the_original_kept_in_phone_raw() -> None:
    frame = pd.concat([sms(phone="+7 (900) 000-00-01"), sms(phone="79000000002")])
    out = validate(frame)
    assert out["phone"].tolist() == ["79000000001", "79000000002"]
    assert out["phone_raw"].tolist() == ["+7 (900) 000-00-01", "79000000002"]
    assert out.columns.tolist().index("phone_raw") == out.columns.tolist().index("phone") + 1


def test_no_phone_raw_when_no_phone_changed() -> None:
    assert "phone_raw" not in validate(sms()).columns


def test_integer_phones_are_accepted() -> None:
    out = validate(sms(phone=79000000001))
    assert out["phone"].tolist() == ["79000000001"]
    assert out["phone"].dtype == "str"


def test_output_types_and_user_columns() -> None:
    frame = viber(
        customer=np.int64(5),
        validity_period_viber=30.0,
        finale_viber_read=None,
        button_text=7,
        button_url="https://a.ru",
    )
    out = validate(frame)
    assert out["customer"].tolist() == [5]
    assert out["validity_period_viber"].dtype == "Int64"
    assert out["finale_viber_read"].dtype == "Int64"
    assert out["button_text"].tolist() == ["7"] and out["button_text"].dtype == "str"
    assert out["send_sms"].tolist() == [0]


def test_validate_does_not_mutate_its_input() -> None:
    frame = pd.concat([sms(phone="8 900 000 00 01"), viber()], ignore_index=True)
    before = frame.copy(deep=True)
    validate(frame, errors="split")
    pd.testing.assert_frame_equal(frame, before)


def test_validation_runs_even_when_pandera_is_switched_off() -> None:
    from pandera.config import config_context

    with config_context(validation_enabled=False), pytest.raises(ValidationError):
        validate(sms(sender_sms=None))


def test_unknown_errors_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="errors"):
        validate(sms(), errors="ignore")  # type: ignore[call-overload]


names = st.sampled_from(
    ["phone", "send_sms", "send_viber", "sender_sms", "text_sms", "sender_viber", "text_viber",
     "button_text", "button_url", "image_url", "validity_period_viber", "finale_viber_read",
     "other"]
)  # fmt: skip
cells = st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["1", "0", "79000000001"]))


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.lists(names, min_size=0, max_size=6, unique=True).flatmap(
        lambda cols: data_frames(
            [column(c, elements=cells, dtype=object) for c in cols],
            index=range_indexes(max_size=5),
        )
    )
)
def test_any_frame_of_strings_gives_a_result_or_a_targetsms_error(frame: pd.DataFrame) -> None:
    try:
        result = validate(frame, errors="split")
    except TargetSMSError:
        return
    valid, rejected = result
    assert len(valid) + len(rejected) == len(frame)
