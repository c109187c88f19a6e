"""Message frames in the shapes pandas gives: chunked Arrow text, float and Int64 phones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import targetsms_frames as tsf
from targetsms_frames._arrow_text import large_strings, utf8_column
from targetsms_frames._prepare import fingerprint


def _sms(phones: object, **extra: object) -> pd.DataFrame:
    return pd.DataFrame(
        {"phone": phones, "send_sms": 1, "sender_sms": "Shop", "text_sms": "Скидка 10%", **extra}
    )


def _chunked(frame: pd.DataFrame) -> pd.DataFrame:
    half = len(frame) // 2
    out = pd.concat([frame.iloc[:half], frame.iloc[half:]])
    assert isinstance(out["phone"].array._pa_array, pa.ChunkedArray)  # type: ignore[attr-defined]
    assert out["phone"].array._pa_array.num_chunks == 2  # type: ignore[attr-defined]
    return out


def test_utf8_column_reads_a_chunked_array_as_one() -> None:
    chunked = pa.chunked_array([pa.array(["ab", None]), pa.array(["", "Жж"])])
    column = utf8_column(chunked)
    assert column.offsets.tolist() == [0, 2, 2, 2, 6]
    assert bytes(column.data).decode() == "abЖж"
    assert column.null.tolist() == [False, True, False, False]
    assert large_strings(chunked).to_pylist() == ["ab", None, "", "Жж"]


def test_utf8_column_of_a_sliced_array_starts_at_its_first_row() -> None:
    column = utf8_column(pa.array(["xx", "yy", "Жz"]).slice(1))
    assert column.offsets.tolist() == [0, 2, 5]
    assert bytes(column.data).decode() == "yyЖz"


def test_preview_of_a_concatenated_frame_plans_every_row(tmp_path: Path) -> None:
    frame = _chunked(_sms([f"7900100000{i}" for i in range(6)]))
    out = tsf.preview(frame)
    assert out["send_state"].tolist() == ["planned"] * 6
    assert out["sms_parts"].tolist() == [1] * 6
    assert out.index.tolist() == frame.index.tolist()


def test_send_of_a_concatenated_frame_sends_each_row_once(
    client: tsf.Client, sandbox: tsf.Sandbox, tmp_path: Path
) -> None:
    frame = _chunked(_sms([f"7900100000{i}" for i in range(6)]))
    sent = tsf.send(frame, client, journal=tmp_path / "j.sqlite", progress=False)
    assert sent["send_state"].tolist() == ["sent"] * 6
    assert sorted(sandbox.messages["phone"]) == sorted(frame["phone"])


def test_fingerprint_does_not_depend_on_how_the_text_is_chunked() -> None:
    frame = _sms([f"7900100000{i}" for i in range(4)])
    assert fingerprint(_chunked(frame).reset_index(drop=True)) == fingerprint(frame)


@pytest.mark.parametrize(
    "phones",
    [
        pd.Series([79001000001.0, np.nan, 79001000003.0]),
        pd.Series([79001000001, None, 79001000003], dtype="Int64"),
    ],
    ids=["float-nan", "Int64-na"],
)
def test_a_blank_phone_is_skipped_with_a_reason_in_preview_and_send(
    phones: pd.Series, client: tsf.Client, sandbox: tsf.Sandbox, tmp_path: Path
) -> None:
    frame = _sms(phones)
    shown = tsf.preview(frame)
    assert shown["send_state"].tolist() == ["planned", "skipped", "planned"]
    assert shown["send_error"].iloc[1] == "phone is missing"
    assert shown["phone"].tolist()[::2] == ["79001000001", "79001000003"]
    sent = tsf.send(frame, client, journal=tmp_path / "j.sqlite", progress=False)
    assert sent["send_state"].tolist() == ["sent", "skipped", "sent"]
    assert sent["send_error"].iloc[1] == "phone is missing"
    assert sorted(sandbox.messages["phone"]) == ["79001000001", "79001000003"]


def test_rejected_float_phones_are_shown_as_their_digits_next_to_blanks() -> None:
    out = tsf.preview(_sms([79001000001.0, 12345.0, np.nan]))
    assert out["phone"].tolist()[:2] == ["79001000001", "12345"]
    assert pd.isna(out["phone"].iloc[2])
    assert out["send_state"].tolist() == ["planned", "skipped", "skipped"]
    assert out["send_error"].tolist()[1:] == [
        "phone is not a valid phone number (too short)",
        "phone is missing",
    ]
