"""read_table: phones stay text; CSV, Excel and Parquet round trips."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from targetsms_frames._exceptions import TargetSMSError
from targetsms_frames._io import TableNotFoundError, TableReadError, read_table


def test_csv_keeps_phones_as_written_with_leading_plus(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "phone,name\n+7 900 000-00-01,Anna\n79000000002,Boris\n8 (900) 000-00-03,Vera\n",
        encoding="utf-8",
    )
    frame = read_table(path)
    assert frame["phone"].tolist() == ["+7 900 000-00-01", "79000000002", "8 (900) 000-00-03"]
    assert frame["phone"].dtype == "str"


def test_csv_long_digit_strings_are_not_mangled(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("phone,contract\n380442589632,12345678901234567890\n", encoding="utf-8")
    frame = read_table(path)
    assert frame["phone"].iloc[0] == "380442589632"
    assert frame["contract"].iloc[0] == "12345678901234567890"


def test_csv_whole_number_columns_become_int64_and_others_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "phone,bonus,code,price,send_sms\n79000000001,10,007,12.50,1\n79000000002,,012,3,2\n",
        encoding="utf-8",
    )
    frame = read_table(path)
    assert frame["bonus"].dtype == "Int64"
    assert frame["bonus"].tolist()[0] == 10 and pd.isna(frame["bonus"].iloc[1])
    assert frame["code"].tolist() == ["007", "012"]
    assert frame["price"].tolist() == ["12.50", "3"]
    assert frame["send_sms"].tolist() == [1, 2]


def test_csv_blanks_and_missing_value_markers_are_na(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("phone,name\n79000000001,\n79000000002,NA\n", encoding="utf-8")
    frame = read_table(path)
    assert pd.isna(frame["name"].iloc[0])
    assert pd.isna(frame["name"].iloc[1])


def test_semicolon_and_tab_separators_are_detected(tmp_path: Path) -> None:
    semi = tmp_path / "r.csv"
    semi.write_text("phone;name\n79000000001;Anna\n", encoding="utf-8")
    tab = tmp_path / "r.tsv"
    tab.write_text("phone\tname\n79000000001\tAnna\n", encoding="utf-8")
    for path in (semi, tab):
        assert read_table(path).columns.tolist() == ["phone", "name"]


def test_windows_1251_csv_is_read(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes("Телефон;Имя\n79000000001;Анна\n".encode("cp1251"))
    frame = read_table(path)
    assert frame.columns.tolist() == ["Телефон", "Имя"]
    assert frame["Телефон"].iloc[0] == "79000000001"


def test_text_columns_keyword_keeps_more_columns_as_text(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("phone,card\n79000000001,1234\n", encoding="utf-8")
    assert read_table(path, text_columns=["card"])["card"].tolist() == ["1234"]


def test_phone_like_column_names_are_text(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("Mobile Phone,tel,MSISDN\n79000000001,79000000002,79000000003\n")
    frame = read_table(path)
    assert all(frame[c].dtype == "str" for c in frame.columns)


def test_kwargs_pass_through_to_pandas(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("phone,name\n79000000001,Anna\n79000000002,Boris\n")
    assert len(read_table(path, nrows=1)) == 1
    assert read_table(path, usecols=["name"]).columns.tolist() == ["name"]


def test_excel_numeric_phones_become_integer_digits(tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["phone", "name", "bonus", "code", "since"])
    sheet.append([79000000001, "Anna", 10, "007", pd.Timestamp("2026-11-27").to_pydatetime()])
    sheet.append([79000000002.0, "Boris", None, "012", None])
    sheet.append(["+7 900 000-00-03", "Vera", 5, "x", None])
    book.save(path)
    frame = read_table(path)
    assert frame["phone"].tolist() == ["79000000001", "79000000002", "+7 900 000-00-03"]
    assert frame["bonus"].dtype == "Int64"
    assert frame["code"].tolist() == ["007", "012", "x"]
    assert frame["since"].iloc[0] == pd.Timestamp("2026-11-27")


def test_excel_round_trip_from_pandas(tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    pd.DataFrame({"phone": [79000000001, 380442589632], "n": [1, 2]}).to_excel(path, index=False)
    frame = read_table(path)
    assert frame["phone"].tolist() == ["79000000001", "380442589632"]
    assert frame["n"].tolist() == [1, 2]


def test_parquet_round_trip_keeps_types_and_makes_phones_text(tmp_path: Path) -> None:
    path = tmp_path / "r.parquet"
    original = pd.DataFrame(
        {"phone": [79000000001, 79000000002], "name": ["Anna", "Boris"], "x": [1.5, 2.0]}
    )
    original.to_parquet(path)
    frame = read_table(path)
    assert frame["phone"].tolist() == ["79000000001", "79000000002"]
    assert frame["x"].tolist() == [1.5, 2.0]
    assert frame["name"].tolist() == ["Anna", "Boris"]


def test_missing_file_is_a_clear_error_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.csv"
    with pytest.raises(TableNotFoundError, match=r"nowhere\.csv") as info:
        read_table(path)
    assert isinstance(info.value, TargetSMSError)
    assert isinstance(info.value, FileNotFoundError)


def test_unknown_extension_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "r.docx"
    path.write_text("x")
    with pytest.raises(TableReadError, match=r"r\.docx.*\.csv"):
        read_table(path)


def test_unreadable_content_is_a_table_read_error(tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    path.write_text("not a spreadsheet")
    with pytest.raises(TableReadError, match=r"r\.xlsx"):
        read_table(path)
