"""Files as analysts have them: Russian Excel CSVs, BOMs, NULL cells, shifted rows, .xls."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlwt
from typer.testing import CliRunner

import targetsms_frames as tsf
from targetsms_frames._cli import app
from targetsms_frames._io import TableReadError, read_table
from targetsms_frames._table_text import source_lines

MARKERS = ["NULL", "None", "#N/A", "nan", "NA", "null", "N/A", " NULL "]


def test_a_row_with_more_fields_than_the_header_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "templates.csv"
    path.write_text("text_sms\nПривет, {name}! Скидка 10%\n", encoding="utf-8")
    with pytest.raises(TableReadError, match=r"line 2 has 2 fields but the header has 1"):
        read_table(path)


def test_a_shifted_row_further_down_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("phone;name\n79001000001;Anna\n\n79001000002;Boris;extra\n", encoding="utf-8")
    with pytest.raises(TableReadError, match=r"line 4 has 3 fields"):
        read_table(path)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_two_columns_with_one_name_are_an_error_naming_it(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"r{suffix}"
    rows = [["phone", "text_sms", "text_sms "], ["79001000001", "a", "b"]]
    if suffix == ".csv":
        path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    else:
        pd.DataFrame(rows[1:], columns=["phone", "text_sms", "x"]).set_axis(
            rows[0], axis=1
        ).to_excel(path, index=False)
    with pytest.raises(TableReadError, match=r"two columns are named 'text_sms'"):
        read_table(path)


def test_missing_value_markers_are_blank_in_csv_excel_and_parquet(tmp_path: Path) -> None:
    phones = [f"7900100000{i}" for i in range(len(MARKERS))]
    frame = pd.DataFrame({"phone": phones, "name": MARKERS, "bonus": MARKERS})
    csv, xlsx, parquet = tmp_path / "r.csv", tmp_path / "r.xlsx", tmp_path / "r.parquet"
    frame.to_csv(csv, index=False)
    frame.to_excel(xlsx, index=False)
    frame.to_parquet(parquet)
    for path in (csv, xlsx, parquet):
        read = read_table(path)
        assert read["phone"].tolist() == phones, path.suffix
        assert read["name"].isna().all(), (path.suffix, read["name"].tolist())
        assert read["bonus"].isna().all(), (path.suffix, read["bonus"].tolist())


def test_null_cells_are_never_rendered_into_texts(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("phone,name\n79001000001,Anna\n79001000002,NULL\n79001000003,#N/A\n")
    templates = pd.DataFrame({"text_sms": ["Здравствуйте, {name}!"]})
    rendered, rejected = tsf.render(
        read_table(path), templates, send_sms=1, sender_sms="Shop", errors="split"
    )
    assert rendered["text_sms"].tolist() == ["Здравствуйте, Anna!"]
    assert rejected.index.tolist() == [1, 2]
    assert rejected["reject_reason"].str.contains(r"\{name\}").all()


def test_russian_excel_csv_with_a_telefon_column(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes("Телефон;Имя\n8 (900) 100-00-01;Анна\n+79001000002;NULL\n".encode("cp1251"))
    read = read_table(path, phone="Телефон")
    assert read.columns.tolist() == ["phone", "Имя"]
    assert read["phone"].tolist() == ["8 (900) 100-00-01", "+79001000002"]
    assert read["Имя"].tolist()[0] == "Анна" and pd.isna(read["Имя"].iloc[1])
    assert len(read_table(path, phone="Телефон", nrows=1, sep=";")) == 1  # after UTF-8 failed
    with pytest.raises(tsf.ValidationError, match=r"'Телефон' looks like one.*phone='Телефон'"):
        tsf.validate(read_table(path).assign(send_sms=1, sender_sms="S", text_sms="x"))


def test_phone_keyword_names_a_missing_column_with_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("Телефон,name\n79001000001,Anna\n", encoding="utf-8")
    with pytest.raises(TableReadError, match=r"no column 'Телфон'.*did you mean 'Телефон'"):
        read_table(path, phone="Телфон")


def test_a_utf8_bom_does_not_stick_to_the_first_header(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes("\ufeffPhone,name\n79001000001,None\n".encode())
    read = read_table(path, phone="Phone")
    assert read.columns.tolist() == ["phone", "name"]
    assert pd.isna(read["name"].iloc[0])


def test_a_formula_without_a_cached_value_is_blank(tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["phone", "name"])
    sheet.append([79001000001, "Anna"])
    sheet.append(["=A2+1", "Boris"])
    book.save(path)
    read = read_table(path)
    assert read["phone"].tolist()[0] == "79001000001"
    assert pd.isna(read["phone"].iloc[1]) and read["name"].iloc[1] == "Boris"
    shown = tsf.preview(read.assign(send_sms=1, sender_sms="Shop", text_sms="Hi"))
    assert shown["send_state"].tolist() == ["planned", "skipped"]
    assert shown["send_error"].iloc[1] == "phone is missing"


def test_an_xls_file_is_read_with_phones_as_digits(tmp_path: Path) -> None:
    path = tmp_path / "r.xls"
    book = xlwt.Workbook()
    sheet = book.add_sheet("Клиенты")
    for col, value in enumerate(["Телефон", "name", "bonus"]):
        sheet.write(0, col, value)
    for row, values in enumerate([[79001000001, "Anna", 10], ["+7 900 100-00-02", "NULL", ""]]):
        for col, value in enumerate(values):
            sheet.write(row + 1, col, value)
    book.save(str(path))
    read = read_table(path, phone="Телефон", sheet_name="Клиенты")
    assert read["phone"].tolist() == ["79001000001", "+7 900 100-00-02"]
    assert read["name"].tolist()[0] == "Anna" and pd.isna(read["name"].iloc[1])
    assert read["bonus"].tolist()[0] == 10 and pd.isna(read["bonus"].iloc[1])


def test_blank_rows_are_dropped_and_rows_keep_their_file_lines(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text('phone,note\n79001000001,a\n\n,\n79001000002,"two\nlines"\n79001000003,c\n')
    read = read_table(path)
    assert read["phone"].tolist() == ["79001000001", "79001000002", "79001000003"]
    found = source_lines(read)
    assert found is not None
    assert found[0] == "r.csv" and found[1].tolist() == [2, 5, 7]
    assert source_lines(read.iloc[[2, 0]])[1].tolist() == [7, 2]  # type: ignore[index]


def test_a_csv_longer_than_one_arrow_chunk_previews(tmp_path: Path) -> None:
    n = 300_000
    path = tmp_path / "r.csv"
    phones = pd.Series(np.arange(79001000000, 79001000000 + n)).astype(str)
    pd.DataFrame({"phone": phones, "text_sms": "Скидка " + phones.str[-3:]}).to_csv(
        path, index=False
    )
    read = read_table(path)
    shown = tsf.preview(read.assign(send_sms=1, sender_sms="Shop"))
    assert int((shown["send_state"] == "planned").sum()) == n


def test_cli_send_reads_the_phone_column_and_sheet_it_is_told(tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="Notes", index=False)
        pd.DataFrame({"Телефон": ["+7 900 100-00-01", "NULL"], "name": ["Anna", "Boris"]}).to_excel(
            writer, sheet_name="Клиенты", index=False
        )
    journal = tmp_path / "j.sqlite"
    args = [
        "send", str(path), "--journal", str(journal), "--sandbox", "--no-progress",
        "-d", "send_sms=1", "-d", "sender_sms=Shop", "-d", "text_sms=Hi",
    ]  # fmt: skip
    result = CliRunner().invoke(app, [*args, "--phone-column", "Телефон", "--sheet", "Клиенты"])
    assert result.exit_code == 0, result.output
    journal_rows = tsf.read_journal(journal)
    assert journal_rows["send_state"].tolist() == ["sent", "skipped"]
    assert journal_rows["phone"].tolist()[0] == "79001000001"
    missing = CliRunner().invoke(app, [*args, "--phone-column", "Tel"])
    assert missing.exit_code != 0
    assert "no column 'Tel'" in missing.output


def test_excels_unicode_text_export_is_read_as_utf16(tmp_path: Path) -> None:
    # Excel's "Save as Unicode Text": UTF-16 with a byte-order mark, tab-separated
    path = tmp_path / "list.txt"
    path.write_bytes("phone\tname\r\n+7 916 123-45-67\tАнна\r\n".encode("utf-16"))
    frame = tsf.read_table(path)
    assert list(frame.columns) == ["phone", "name"]
    assert frame.loc[0, "name"] == "Анна" and frame.loc[0, "phone"] == "+7 916 123-45-67"
