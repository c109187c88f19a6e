"""Excel output: typed cells, frozen bold header, filter and fitted widths."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from targetsms_frames import ValidationError
from targetsms_frames._excel import write_excel
from targetsms_frames._report import delivery_report


def results() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "phone": ["79000000001", "79000000002", None],
            "phone_raw": [79000000001.0, np.nan, 89000000003.0],
            "message_id": pd.array([1179038981, None, 1179038983], dtype="Int64"),
            "customer": ['=HYPERLINK("http://x")', "Анна", "Bob"],
            "sent_at": pd.to_datetime(
                ["2024-05-01 12:00:00+03:00", None, "2024-05-02 08:30:15+00:00"], utc=True
            ),
            "delivery_rate": [0.875, np.nan, 1.0],
            "parts": [1, 2, 3],
        }
    )


def sheet(path: Path, name: str) -> Worksheet:
    worksheet = load_workbook(path)[name]
    assert isinstance(worksheet, Worksheet)
    return worksheet


def column(worksheet: Worksheet, header: str) -> list[Any]:
    headers = [cell.value for cell in worksheet[1]]
    index = headers.index(header)
    return [row[index] for row in worksheet.iter_rows(min_row=2)]


def test_returns_the_path_and_writes_one_sheet_per_frame(tmp_path: Path) -> None:
    report = delivery_report(pd.DataFrame({"send_state": ["sent"], "status": ["read"]}))

    path = write_excel({"results": results(), "report": report}, tmp_path / "c.xlsx")

    assert path == tmp_path / "c.xlsx"
    assert load_workbook(path).sheetnames == ["results", "report"]


def test_single_frame_goes_to_sheet1(tmp_path: Path) -> None:
    path = write_excel(results(), str(tmp_path / "c.xlsx"))

    assert load_workbook(path).sheetnames == ["Sheet1"]


def test_phones_and_ids_are_text_cells_with_every_digit(tmp_path: Path) -> None:
    path = write_excel({"r": results()}, tmp_path / "c.xlsx")
    worksheet = sheet(path, "r")

    phones = column(worksheet, "phone")
    raws = column(worksheet, "phone_raw")
    ids = column(worksheet, "message_id")
    assert [(c.value, c.data_type) for c in phones[:2]] == [
        ("79000000001", "s"),
        ("79000000002", "s"),
    ]
    assert [c.value for c in raws] == ["79000000001", None, "89000000003"]
    assert raws[0].data_type == "s"
    assert [c.value for c in ids] == ["1179038981", None, "1179038983"]
    assert all(c.data_type == "s" for c in ids if c.value is not None)
    assert phones[0].number_format == "@"


def test_extra_text_columns_can_be_named(tmp_path: Path) -> None:
    frame = pd.DataFrame({"contract": [12345]})

    path = write_excel({"r": frame}, tmp_path / "c.xlsx", text_columns=["contract"])

    cell = column(sheet(path, "r"), "contract")[0]
    assert (cell.value, cell.data_type) == ("12345", "s")


def test_timestamps_are_naive_utc_datetimes(tmp_path: Path) -> None:
    path = write_excel({"r": results()}, tmp_path / "c.xlsx", tz="UTC")
    worksheet = sheet(path, "r")

    cells = column(worksheet, "sent_at")
    assert [c.value for c in cells] == [
        dt.datetime(2024, 5, 1, 9, 0),
        None,
        dt.datetime(2024, 5, 2, 8, 30, 15),
    ]
    assert cells[0].is_date
    header = worksheet.cell(row=1, column=5)
    assert header.value == "sent_at"
    assert header.comment is not None and "UTC" in header.comment.text


def test_timestamps_are_written_in_the_zone_asked_for_and_the_header_names_it(
    tmp_path: Path,
) -> None:
    path = write_excel({"r": results()}, tmp_path / "c.xlsx", tz="Asia/Yekaterinburg")
    worksheet = sheet(path, "r")

    cells = column(worksheet, "sent_at")
    assert cells[0].value == dt.datetime(2024, 5, 1, 14, 0)
    assert cells[2].value == dt.datetime(2024, 5, 2, 13, 30, 15)
    header = worksheet.cell(row=1, column=5)
    assert header.comment is not None and "Asia/Yekaterinburg" in header.comment.text


def test_report_dates_are_excel_dates(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "send_state": ["sent"],
            "status": ["deliver"],
            "sent_at": pd.to_datetime(["2024-05-01 10:00"], utc=True),
        }
    )

    path = write_excel({"r": delivery_report(frame, by="send_date")}, tmp_path / "c.xlsx")

    cell = column(sheet(path, "r"), "send_date")[0]
    assert cell.is_date
    assert cell.value == dt.datetime(2024, 5, 1)


def test_rates_are_percentages_and_missing_values_are_blank(tmp_path: Path) -> None:
    path = write_excel({"r": results()}, tmp_path / "c.xlsx")

    rates = column(sheet(path, "r"), "delivery_rate")
    assert [c.value for c in rates] == [0.875, None, 1]
    assert rates[0].number_format == "0.0%"
    assert rates[0].data_type == "n"


def test_numbers_stay_numbers(tmp_path: Path) -> None:
    path = write_excel({"r": results()}, tmp_path / "c.xlsx")

    parts = column(sheet(path, "r"), "parts")
    assert [(c.value, c.data_type) for c in parts] == [(1, "n"), (2, "n"), (3, "n")]


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    path = write_excel({"r": results()}, tmp_path / "c.xlsx")

    cell = column(sheet(path, "r"), "customer")[0]
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://x")'


def test_header_is_bold_frozen_and_filtered(tmp_path: Path) -> None:
    path = write_excel({"r": results()}, tmp_path / "c.xlsx")
    worksheet = sheet(path, "r")

    assert all(cell.font.b for cell in worksheet[1])
    assert worksheet.freeze_panes == "A2"
    assert worksheet.auto_filter.ref == "A1:G4"


def test_column_widths_fit_content_and_are_capped(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": ["1"], "note": ["x" * 500], "customer_name": ["Al"]})

    path = write_excel({"r": frame}, tmp_path / "c.xlsx", max_width=40)
    widths = {k: v.width for k, v in sheet(path, "r").column_dimensions.items()}

    assert widths["B"] == 40
    # Header plus room for the filter button outweighs the short values.
    assert widths["C"] > len("customer_name")
    assert widths["A"] < widths["C"]


def test_sheet_names_are_made_valid_and_unique(tmp_path: Path) -> None:
    frames = {"by template/day": results(), "By template/day": results(), "x" * 40: results()}

    path = write_excel(frames, tmp_path / "c.xlsx")

    names = load_workbook(path).sheetnames
    assert names == ["by template_day", "By template_day (2)", "x" * 31]


def test_named_index_is_written_as_columns(tmp_path: Path) -> None:
    frame = pd.DataFrame({"messages": [3]}, index=pd.Index(["promo"], name="template"))

    path = write_excel({"r": frame}, tmp_path / "c.xlsx")

    assert [cell.value for cell in sheet(path, "r")[1]] == ["template", "messages"]


def test_frames_are_not_mutated(tmp_path: Path) -> None:
    frame = results()
    before = frame.copy(deep=True)

    write_excel({"r": frame}, tmp_path / "c.xlsx")

    pd.testing.assert_frame_equal(frame, before)


def test_too_many_rows_for_excel_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("targetsms_frames._excel._MAX_ROWS", 3)

    with pytest.raises(ValidationError, match="does not fit"):
        write_excel({"r": results()}, tmp_path / "c.xlsx")
