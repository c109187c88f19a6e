"""The sample campaign in data/samples: messy but usable, with exactly the intended flaws."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

import targetsms_frames as tsf

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
INVALID_PHONES = {"12345", "+7 900 12", "нет", "8 (916) abc-45-67"}
STOP_LISTED = "79000000000"


@pytest.fixture(scope="module")
def recipients() -> pd.DataFrame:
    return tsf.read_table(SAMPLES / "recipients.csv")


@pytest.fixture(scope="module")
def templates() -> pd.DataFrame:
    return tsf.read_table(SAMPLES / "templates.csv")


@pytest.fixture(scope="module")
def messages(recipients: pd.DataFrame, templates: pd.DataFrame) -> pd.DataFrame:
    return tsf.render(recipients, templates)


@pytest.fixture(scope="module")
def plan(messages: pd.DataFrame) -> pd.DataFrame:
    return tsf.preview(messages, price_sms=4.5, price_viber=2.2)


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_samples", SAMPLES / "make_samples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_samples", module)
    spec.loader.exec_module(module)
    return module


def test_recipients_have_the_documented_columns(recipients: pd.DataFrame) -> None:
    assert list(recipients.columns) == [
        "customer_id",
        "name",
        "phone",
        "segment",
        "city",
        "timezone",
        "template",
        "bonus",
        "promo_code",
    ]
    assert len(recipients) == 300
    assert set(recipients["segment"]) == {"new", "loyal", "vip", "lapsed"}
    assert set(recipients["template"]) == {"sms_promo", "viber_cascade", "reminder_gsm"}
    assert recipients["customer_id"].str.fullmatch(r"C\d{5}").all()


def test_bonus_is_whole_numbers_with_blanks(recipients: pd.DataFrame) -> None:
    assert recipients["bonus"].dtype == "Int64"
    assert recipients["bonus"].isna().any()
    raw = pd.read_csv(SAMPLES / "recipients.csv")
    assert raw["bonus"].dtype == "float64"  # what plain pandas makes of it


def test_excel_and_csv_hold_the_same_recipients(recipients: pd.DataFrame) -> None:
    from_excel = tsf.read_table(SAMPLES / "recipients.xlsx")
    pd.testing.assert_frame_equal(from_excel, recipients)


def test_phones_are_read_as_text_in_both_files(recipients: pd.DataFrame) -> None:
    from_excel = tsf.read_table(SAMPLES / "recipients.xlsx")
    for frame in (recipients, from_excel):
        phones = frame["phone"]
        assert all(isinstance(phone, str) for phone in phones)
        assert not phones.str.contains(r"\.0$|[eE]\+", regex=True).any()


def test_excel_stores_digit_only_phones_as_numbers() -> None:
    from openpyxl import load_workbook

    book = load_workbook(SAMPLES / "recipients.xlsx", read_only=True)
    sheet = book.active
    assert sheet is not None
    kinds = {
        type(row[0]) for row in sheet.iter_rows(min_row=2, min_col=3, max_col=3, values_only=True)
    }
    book.close()
    assert kinds == {int, str}


def test_phones_come_in_many_formats(recipients: pd.DataFrame) -> None:
    phones = recipients["phone"]
    assert phones.str.startswith("+7 (").any()
    assert phones.str.fullmatch(r"8 9\d\d \d{3} \d\d \d\d").any()
    assert phones.str.fullmatch(r"89\d{9}").any()
    assert phones.str.fullmatch(r"9\d{9}").any()
    assert phones.str.contains("-").any()
    assert phones.str.fullmatch(r"380\d{9}").sum() == 1


def test_exactly_one_row_is_exported_twice(recipients: pd.DataFrame) -> None:
    assert int(recipients.duplicated().sum()) == 1
    assert int(recipients["customer_id"].duplicated().sum()) == 1


def test_templates_keep_the_provider_rules(templates: pd.DataFrame) -> None:
    by_key = templates.set_index("template")
    assert set(by_key.index) == {"sms_promo", "viber_cascade", "reminder_gsm"}
    for column in ("sender_sms", "sender_viber"):
        senders = by_key[column].dropna()
        assert (senders.str.len() <= 11).all()
    cascade = by_key.loc["viber_cascade"]
    assert (cascade["send_viber"], cascade["send_sms"]) == (1, 2)
    assert len(cascade["button_text"]) <= 19
    assert "{promo_code}" in cascade["button_url"]
    assert cascade["image_url"].startswith("https://")
    assert cascade["validity_period_viber"] > 0
    promo = by_key.loc["sms_promo"]
    assert "{name}" in promo["text_sms"] and "{bonus}" in promo["text_sms"]
    assert pd.isna(promo["send_viber"]) and promo["send_sms"] == 1


def test_only_the_broken_phones_are_rejected(messages: pd.DataFrame) -> None:
    valid, rejected = tsf.validate(messages, errors="split")
    assert set(rejected["phone"]) == INVALID_PHONES
    assert len(rejected) == len(INVALID_PHONES)
    assert rejected["reject_reason"].str.startswith("phone ").all()
    assert len(valid) == len(messages) - len(INVALID_PHONES)


def test_every_failure_is_about_the_phone(messages: pd.DataFrame) -> None:
    with pytest.raises(tsf.ValidationError) as caught:
        tsf.validate(messages)
    cases = caught.value.failure_cases
    assert set(cases["column"]) == {"phone"}
    assert set(cases["value"]) == INVALID_PHONES


def test_preview_skips_the_broken_phones_and_the_duplicate(plan: pd.DataFrame) -> None:
    skipped = plan[plan["send_state"] == "skipped"]
    assert len(skipped) == len(INVALID_PHONES) + 1
    assert int(plan["duplicate"].sum()) == 1
    assert not bool(plan["same_phone"].any())
    assert (plan["url_length"].dropna() <= 2000).all()


def test_templates_use_the_intended_encodings(plan: pd.DataFrame) -> None:
    live = plan[plan["send_state"] == "planned"]
    encodings = live.groupby("template")["sms_encoding"].unique().map(set).to_dict()
    assert encodings == {
        "sms_promo": {"UCS-2"},
        "viber_cascade": {"UCS-2"},
        "reminder_gsm": {"GSM-7"},
    }
    assert (live.loc[live["template"] == "reminder_gsm", "sms_parts"] == 1).all()
    assert (live["viber_length"].dropna() <= 1000).all()


def test_the_stop_listed_phone_validates_once(messages: pd.DataFrame) -> None:
    valid = tsf.validate(messages, errors="split")[0]
    assert int((valid["phone"] == STOP_LISTED).sum()) == 1


def test_rendered_urls_carry_the_promo_code(messages: pd.DataFrame) -> None:
    cascade = messages[messages["template"] == "viber_cascade"]
    expected = "https://shop.example/promo?code=" + cascade["promo_code"]
    assert cascade["button_url"].equals(expected)


def test_the_generator_reproduces_the_files(tmp_path: Path) -> None:
    make_samples = _load_generator()
    rows = make_samples.make_recipients()
    make_samples.write_csv(rows, make_samples.RECIPIENT_COLUMNS, tmp_path / "recipients.csv")
    make_samples.write_csv(
        make_samples.TEMPLATES, make_samples.TEMPLATE_COLUMNS, tmp_path / "t.csv"
    )
    make_samples.write_xlsx(rows, make_samples.RECIPIENT_COLUMNS, tmp_path / "recipients.xlsx")
    recipients_csv = (SAMPLES / "recipients.csv").read_bytes()
    assert (tmp_path / "recipients.csv").read_bytes() == recipients_csv
    assert (tmp_path / "t.csv").read_bytes() == (SAMPLES / "templates.csv").read_bytes()
    pd.testing.assert_frame_equal(
        tsf.read_table(tmp_path / "recipients.xlsx"),
        tsf.read_table(SAMPLES / "recipients.xlsx"),
    )
