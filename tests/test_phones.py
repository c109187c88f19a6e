"""Phone normalisation: accepted formats, reasons, dtypes, and agreement with phonenumbers."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from targetsms_frames._phones import normalize_phone, normalize_phones

RU_MOBILE = "79001234567"


@pytest.mark.parametrize(
    "raw",
    [
        "+7 (900) 123-45-67",
        "8 900 123 45 67",
        "8(900)1234567",
        "9001234567",
        "79001234567",
        "+79001234567",
        "8-900-123-45-67",
        "8.900.123.45.67",
        "+7\u00a0900\u00a0123\u00a045\u00a067",
        "+7\u202f900\u2009123–45–67",
        "tel:+7-900-123-45-67",
        "TEL:89001234567",
        "  +7 900 123 45 67  ",
        "810 7 900 123 45 67",
        "007 900 123 45 67",
        "+7 8 900 123 45 67",
    ],
)
def test_russian_formats_people_export_normalise_to_international_digits(raw: str) -> None:
    assert normalize_phone(raw) == RU_MOBILE


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+380 44 258 9632", "380442589632"),
        ("380442589632", "380442589632"),
        ("0044 20 7946 0958", "442079460958"),
        ("810 44 20 7946 0958", "442079460958"),
        ("+44 (0) 20 7946 0958", "442079460958"),
        ("+1 650 253 0000", "16502530000"),
        ("+7 701 234 5678", "77012345678"),
        ("8 701 234 56 78", "77012345678"),
        ("+39 06 1234 5678", "390612345678"),
        ("+54 9 11 1234 5678", "5491112345678"),
    ],
)
def test_international_forms_keep_their_country(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


def test_default_region_changes_how_national_numbers_are_read() -> None:
    assert normalize_phone("020 7946 0958", region="GB") == "442079460958"
    assert normalize_phone("(650) 253-0000", region="us") == "16502530000"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("abc", "not a phone number"),
        ("8 900 CALL-ME", "not a phone number"),
        ("+7 900 123+45 67", "not a phone number"),
        ("+", "not a phone number"),
        ("8 900 123 45 67 доб. 12", "has an extension"),
        ("+7 900 123 45 67 ext. 3", "has an extension"),
        ("+7 900 123 45 67 x3", "has an extension"),
        ("123", "too short"),
        ("+7 900 123 45", "too short"),
        ("+7 900 123 45 67 89012", "too long"),
        ("+999 123 456 789", "unknown country code 999"),
        ("+7 100 123 45 67", "not a valid number for RU (+7)"),
        ("1001234567", "not a valid number for RU (+7)"),
    ],
)
def test_invalid_values_get_a_plain_reason(raw: str, reason: str) -> None:
    result = normalize_phones(pd.Series([raw]))
    assert pd.isna(result.loc[0, "phone"])
    assert result.loc[0, "phone_error"] == reason
    with pytest.raises(ValueError, match=re.escape(reason)):
        normalize_phone(raw)


def test_missing_values_are_reported_as_empty() -> None:
    result = normalize_phones(pd.Series([None, np.nan, pd.NA], dtype=object))
    assert result["phone"].isna().all()
    assert result["phone_error"].tolist() == ["empty"] * 3


def test_result_keeps_the_index_and_uses_str_columns() -> None:
    values = pd.Series(["+7 900 123 45 67", "bad"], index=["b", "a"])
    result = normalize_phones(values)
    assert list(result.index) == ["b", "a"]
    assert list(result.columns) == ["phone", "phone_error"]
    assert result["phone"].dtype == "str"
    assert result["phone_error"].dtype == "str"
    assert result.loc["b", "phone"] == RU_MOBILE
    assert pd.isna(result.loc["b", "phone_error"])


def test_empty_series_gives_empty_frame() -> None:
    result = normalize_phones(pd.Series([], dtype="str"))
    assert result.empty
    assert list(result.columns) == ["phone", "phone_error"]


@pytest.mark.parametrize(
    "values",
    [
        pd.Series([79001234567, 380442589632], dtype="int64"),
        pd.Series([79001234567, 380442589632], dtype="Int64"),
        pd.Series([79001234567.0, 3.80442589632e11], dtype="float64"),
        pd.Series([7.9001234567e10, 380442589632.0]),
        pd.Series([79001234567, "380442589632"], dtype=object),
        pd.Series([79001234567.0, "+380 44 258 9632"], dtype=object),
    ],
)
def test_numeric_columns_from_csv_are_read_as_digits(values: pd.Series) -> None:
    assert normalize_phones(values)["phone"].tolist() == [RU_MOBILE, "380442589632"]


def test_numeric_blanks_and_fractions() -> None:
    result = normalize_phones(pd.Series([np.nan, 1.5, 79001234567.0]))
    assert result["phone_error"].tolist()[:2] == ["empty", "not a phone number"]
    assert result["phone"].iloc[2] == RU_MOBILE
    ints = normalize_phones(pd.Series([None, 79001234567], dtype="Int64"))
    assert ints["phone_error"].iloc[0] == "empty"


def test_non_ascii_digits_are_read() -> None:
    assert normalize_phone("+７ ９００ １２３ ４５ ６７") == RU_MOBILE


def test_unknown_region_is_refused() -> None:
    with pytest.raises(ValueError):
        normalize_phones(pd.Series(["1"]), region="XX")


def test_many_mixed_rows_agree_with_one_by_one() -> None:
    raw = [
        "+7 (900) 123-45-67",
        "8 900 123 45 67",
        "380442589632",
        "bad",
        None,
        "0044 20 7946 0958",
        "+54 9 11 1234 5678",
        "+7 900",
    ] * 50
    column = normalize_phones(pd.Series(raw, dtype=object))
    for value, phone, error in zip(raw, column["phone"], column["phone_error"], strict=True):
        single = normalize_phones(pd.Series([value], dtype=object))
        assert single["phone"].iloc[0] == phone or (pd.isna(phone) and pd.isna(single["phone"][0]))
        assert single["phone_error"].iloc[0] == error or pd.isna(error)


# --------------------------------------------------------------------------------------------
# Agreement with phonenumbers on generated numbers.
# --------------------------------------------------------------------------------------------

REGIONS = ["RU", "KZ", "UA", "BY", "UZ", "GB", "DE", "US", "IN", "TR", "FR", "IT", "BR", "CN"]
TYPES = [
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.VOIP,
]


def reference(raw: str, region: str) -> str | None:
    """What the module promises: phonenumbers, then the same digits read as international."""
    try:
        number = phonenumbers.parse(raw, region)
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, PhoneNumberFormat.E164)[1:]
    except phonenumbers.NumberParseException:
        pass
    if raw.lstrip().startswith("+"):
        return None
    digits = re.sub(r"\D", "", raw)
    digits = digits[2:] if digits.startswith("00") else digits
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, PhoneNumberFormat.E164)[1:]
    return None


@st.composite
def written_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """A number from an example of a region and type, with some digits changed, as written."""
    region = draw(st.sampled_from(REGIONS))
    kind = draw(st.sampled_from(TYPES))
    example = phonenumbers.example_number_for_type(region, kind)
    if example is None:
        example = phonenumbers.example_number(region)
    nsn = phonenumbers.national_significant_number(example)
    keep = draw(st.integers(min_value=max(1, len(nsn) - 5), max_value=len(nsn)))
    tail = draw(st.text("0123456789", min_size=len(nsn) - keep, max_size=len(nsn) - keep + 1))
    number = phonenumbers.parse("+" + str(example.country_code) + nsn[:keep] + tail, None)
    style = draw(st.sampled_from(["e164", "intl", "national", "bare", "00", "rfc3966"]))
    default = region if style == "national" else draw(st.sampled_from(["RU", region]))
    if style == "national":
        raw = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    elif style == "intl":
        raw = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    elif style == "rfc3966":
        raw = phonenumbers.format_number(number, PhoneNumberFormat.RFC3966)
    else:
        e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
        raw = {"e164": e164, "bare": e164[1:], "00": "00" + e164[1:]}[style]
    return raw, default


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(written_numbers(), min_size=1, max_size=20))
def test_normalisation_agrees_with_phonenumbers(cases: list[tuple[str, str]]) -> None:
    by_region: dict[str, list[str]] = {}
    for raw, default in cases:
        by_region.setdefault(default, []).append(raw)
    for default, raws in by_region.items():
        result = normalize_phones(pd.Series(raws), region=default)
        got = [None if pd.isna(p) else p for p in result["phone"]]
        assert got == [reference(raw, default) for raw in raws], (default, raws)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["", "+", "8", "00", "810", "+7", "7"]),
    st.text("0123456789", min_size=1, max_size=16),
    st.sampled_from(["RU", "KZ", "GB", "US", "DE"]),
)
def test_random_digits_are_valid_exactly_when_phonenumbers_says_so(
    prefix: str, digits: str, region: str
) -> None:
    raw = prefix + digits
    result = normalize_phones(pd.Series([raw]), region=region)
    phone = result["phone"].iloc[0]
    assert (None if pd.isna(phone) else phone) == reference(raw, region)
    assert pd.isna(phone) != pd.isna(result["phone_error"].iloc[0])
