"""SMS encoding, length and part counting, one text and a whole column."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from targetsms_frames._sms import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    sms_encoding,
    sms_info,
    sms_length,
    sms_parts,
    ucs2_characters,
    viber_length,
)


def reference_parts(text: str) -> int:
    """Slow, obviously right: fill parts unit by unit, never splitting a character."""
    if not text:
        return 0
    gsm = all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)
    if gsm:
        units = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
        single, per_part = 160, 153
    else:
        units = [len(ch.encode("utf-16-le")) // 2 for ch in text]
        single, per_part = 70, 67
    if sum(units) <= single:
        return 1
    parts = [0]
    for unit in units:
        if parts[-1] + unit > per_part:
            parts.append(0)
        parts[-1] += unit
    return len(parts)


def test_the_gsm_tables_have_the_standard_sizes() -> None:
    assert len(GSM7_BASIC) == 127  # 128 codes, the escape code is not a character
    assert len(set(GSM7_BASIC)) == 127
    assert set(GSM7_EXTENSION) == set("\f^{}\\[~]|€")


@pytest.mark.parametrize("char", list(GSM7_BASIC))
def test_every_basic_character_is_one_septet(char: str) -> None:
    assert sms_encoding(char) == "GSM-7"
    assert sms_length(char) == 1


@pytest.mark.parametrize("char", list(GSM7_EXTENSION))
def test_every_extension_character_is_two_septets(char: str) -> None:
    assert sms_encoding(char) == "GSM-7"
    assert sms_length(char) == 2


@pytest.mark.parametrize("char", ["Ж", "«", "`", "\t", "ç", "ё", "👋", "á"])
def test_characters_outside_gsm_force_ucs2(char: str) -> None:
    assert sms_encoding("Hello " + char) == "UCS-2"
    assert ucs2_characters("Hello " + char) == char


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("", 0),
        ("a", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("{" * 80, 1),
        ("{" * 81, 2),
        ("Ж" * 70, 1),
        ("Ж" * 71, 2),
        ("Ж" * 134, 2),
        ("Ж" * 135, 3),
        ("👋" * 35, 1),
        ("👋" * 36, 2),
    ],
)
def test_part_limits(text: str, parts: int) -> None:
    assert sms_parts(text) == parts


def test_an_escape_pair_is_never_split_across_parts() -> None:
    text = "a" * 152 + "€" + "a" * 10  # the euro would straddle septets 153 and 154
    assert sms_length(text) == 164
    assert sms_parts(text) == 2
    assert sms_parts("a" * 152 + "€" + "a" * 152) == 3  # 306 septets, but the pair moves


def test_a_surrogate_pair_is_never_split_across_parts() -> None:
    text = "Ж" * 66 + "👋" + "Ж" * 66  # 134 units, the emoji would straddle 67 and 68
    assert sms_length(text) == 134
    assert sms_parts(text) == 3


def test_ucs2_characters_are_distinct_and_in_order_of_appearance() -> None:
    assert ucs2_characters("«Скидка» на «всё»") == "«Скида»нвсё"
    assert ucs2_characters("Only GSM: {curly} €5") == ""


def test_viber_length_counts_characters() -> None:
    assert viber_length("Привет 👋") == 8
    assert viber_length("") == 0


TEXTS = st.text(
    alphabet=st.sampled_from([*GSM7_BASIC, *GSM7_EXTENSION, "Ж", "«", "👋", "`", "é", "ç"]),
    max_size=400,
)
GSM_TEXTS = st.text(alphabet=st.sampled_from(list(GSM7_BASIC + GSM7_EXTENSION)), max_size=400)


@settings(max_examples=300, deadline=None)
@given(st.one_of(TEXTS, GSM_TEXTS))
def test_parts_match_the_reference(text: str) -> None:
    assert sms_parts(text) == reference_parts(text)


@settings(max_examples=300, deadline=None)
@given(st.one_of(TEXTS, GSM_TEXTS))
def test_length_bounds_parts(text: str) -> None:
    length, parts = sms_length(text), sms_parts(text)
    per_part = 153 if sms_encoding(text) == "GSM-7" else 67
    if parts > 1:
        assert math.ceil(length / per_part) <= parts <= math.ceil(length / (per_part - 1))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(TEXTS, GSM_TEXTS, st.none()), max_size=30))
def test_column_agrees_with_single_texts(texts: list[str | None]) -> None:
    info = sms_info(pd.Series(texts, dtype=object))
    for text, row in zip(texts, info.itertuples(index=False), strict=True):
        if text is None:
            assert pd.isna(row.sms_encoding)
            assert pd.isna(row.sms_length)
            assert row.sms_parts == 0
            assert row.sms_ucs2_chars == ""
        else:
            assert row.sms_encoding == sms_encoding(text)
            assert row.sms_length == sms_length(text)
            assert row.sms_parts == reference_parts(text)
            assert row.sms_ucs2_chars == ucs2_characters(text)


def test_column_keeps_the_index_and_dtypes() -> None:
    texts = pd.Series(["Hi", "Привет", None, ""], index=[10, 20, 30, 40], dtype="str")
    info = sms_info(texts)
    assert list(info.index) == [10, 20, 30, 40]
    assert info.dtypes.astype(str).tolist() == ["str", "Int64", "Int64", "str"]
    assert info["sms_parts"].tolist() == [1, 1, 0, 0]
    assert info.loc[40, "sms_encoding"] == "GSM-7"


def test_column_of_repeated_personalised_texts() -> None:
    texts = pd.Series([f"Dear {name}, {{code}} {i}" for i in range(300) for name in ("Ann", "Аня")])
    info = sms_info(texts)
    assert (info["sms_encoding"] == ["GSM-7", "UCS-2"] * 300).all()
    assert set(info["sms_ucs2_chars"]) == {"", "Аня"}


def test_empty_column() -> None:
    info = sms_info(pd.Series([], dtype="str"))
    assert info.empty
    assert list(info.columns) == ["sms_encoding", "sms_length", "sms_parts", "sms_ucs2_chars"]
