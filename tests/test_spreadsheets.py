"""The inert spreadsheet writer: each hostile text as text, numbers as numbers; and the admin's units export."""

import io
import re
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
import tablib
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Unit
from cchc.imports import EXPORT_FORMATS
from cchc.spreadsheets import (
    CSVExport,
    XLSXExport,
    csv_bytes,
    csv_cell,
    is_formula_like,
    no_formula_start,
    unescape,
    xlsx_append,
)
from tests.factories import UnitFactory
from tests.spreadsheets import PAYLOADS, TEXTS, assert_csv_text, assert_xlsx_text, csv_rows, xlsx_rows


@pytest.mark.parametrize(("payload", "expected", "_value", "_quoted"), PAYLOADS)
def test_a_csv_cell_begins_with_an_apostrophe_only_when_a_spreadsheet_would_compute_it(
    payload, expected, _value, _quoted
):
    assert csv_cell(payload) == expected
    assert unescape(csv_cell(payload)) == payload  # our imports read it back as it was


@pytest.mark.parametrize(
    "text",
    ["\uff0b1", "\uff0d1", "\uff201", "-", "+", "=", "@"],
)
def test_full_width_and_lone_signs_are_escaped(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", [D("-2.50"), -3, -1.5, 0, D("0"), None, date(2024, 4, 5), "-2", "-1,5", "86.59"])
def test_numbers_and_plain_numbers_are_not_formulas(value):
    assert not is_formula_like(value)
    assert csv_cell(value) == value


def test_an_apostrophe_the_writer_did_not_add_stays():
    assert unescape("'quoted") == "'quoted"
    assert unescape("''=1") == "''=1"
    assert unescape("'-2") == "'-2"


def test_csv_bytes_keep_numbers_and_format_decimals_the_callers_way():
    content = csv_bytes(
        [["Đơn vị", "Điểm"], [TEXTS[0], D("-2.50")], ["- Kế hoạch", D("0")], [None, 7]],
        decimal=lambda value: format(value, "f").replace(".", ","),
    )
    assert content.startswith(b"\xef\xbb\xbf")
    assert content.endswith(b"\r\n")
    assert csv_rows(content) == [
        ["Đơn vị", "Điểm"],
        ['\'=HYPERLINK("http://evil.example/","x")', "-2,50"],
        ["'- Kế hoạch", "0"],
        ["", "7"],
    ]
    assert not csv_bytes([["a"]], bom=False).startswith(b"\xef\xbb\xbf")


def test_xlsx_rows_hold_text_as_string_cells_and_numbers_as_numbers():
    book = openpyxl.Workbook()
    for payload in TEXTS:
        xlsx_append(book.active, [payload, D("-2.50"), 0, date(2024, 4, 5)])
    buffer = io.BytesIO()
    book.save(buffer)
    rows = xlsx_rows(buffer.getvalue())
    assert len(rows) == len(PAYLOADS)
    for payload, (text, negative, zero, day) in zip(TEXTS, rows, strict=True):
        assert_xlsx_text(text, payload)
        assert (negative.value, negative.data_type) == (-2.5, "n")
        assert (zero.value, zero.data_type) == (0, "n")
        assert (day.value.date(), day.data_type) == (date(2024, 4, 5), "d")


def test_the_admin_export_formats_write_a_dataset_inertly():
    assert list(EXPORT_FORMATS) == [XLSXExport, CSVExport]
    dataset = tablib.Dataset(headers=["Tên", "Điểm"])
    for payload in TEXTS:
        dataset.append([payload, "-2.5"])
    csv_content = CSVExport().export_data(dataset)
    assert isinstance(csv_content, bytes) and not csv_content.startswith(b"\xef\xbb\xbf")
    rows = csv_rows(csv_content)
    assert rows[0] == ["Tên", "Điểm"]
    for payload, row in zip(TEXTS, rows[1:], strict=True):
        assert_csv_text(row[0], payload)
        assert row[1] == "-2.5"
    cells = xlsx_rows(XLSXExport().export_data(dataset))
    assert [cell.value for cell in cells[0]] == ["Tên", "Điểm"]
    assert cells[0][0].font.bold
    for payload, row in zip(TEXTS, cells[1:], strict=True):
        assert_xlsx_text(row[0], payload)
        assert (row[1].value, row[1].data_type, row[1].quotePrefix) == ("-2.5", "s", False)


@pytest.mark.parametrize("text", ["=1+1", "+84 24", "@SUM(A1)", "\uff1d1", "\uff0b1", "\uff20x"])
def test_the_validator_refuses_a_formula_start(text):
    with pytest.raises(ValidationError) as error:
        no_formula_start(text)
    assert error.value.messages == [
        f"Không được bắt đầu bằng “{text[0]}”: bảng tính sẽ hiểu đó là công thức. Hãy bỏ dấu này."
    ]


@pytest.mark.parametrize("text", ["- Kế hoạch", "Sở Y tế", "1. Công tác chỉ đạo", "-2", "\t=1"])
def test_the_validator_lets_lists_and_names_through(text):
    assert no_formula_start(text) is None


# -- the admin's units export ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("file_format", "index"), [("xlsx", "0"), ("csv", "1")])
def test_the_units_export_is_inert_whatever_is_stored(client, coordinator, departments, file_format, index):
    for payload in TEXTS:  # stored straight into the database, past the validators
        Unit.objects.create(code=payload, name=payload, block=departments, valid_from=date(2024, 1, 1))
    UnitFactory(code="so-y-te", name="Sở Y tế", block=departments)
    client.force_login(coordinator)
    columns = ["code", "name", "block", "valid_from"]
    response = client.post(
        reverse("admin:accounts_unit_export"),
        {"resource": "0", "format": index, **{f"unitresource_{column}": "on" for column in columns}},
    )
    assert response.status_code == 200
    if file_format == "csv":
        header, *rows = csv_rows(response.content)
        assert header == ["Mã đơn vị", "Tên đơn vị", "Khối", "Hiệu lực từ"]
        by_name = {row[1]: row for row in rows}
        assert by_name["Sở Y tế"] == ["so-y-te", "Sở Y tế", "departments", ""]
        for payload, csv_text, _value, _quoted in PAYLOADS:
            row = by_name[csv_text]
            assert_csv_text(row[0], payload)
            assert row[2:] == ["departments", "01/01/2024"]
        assert len(rows) == len(PAYLOADS) + 1
    else:
        header, *rows = xlsx_rows(response.content)
        assert [cell.value for cell in header] == ["Mã đơn vị", "Tên đơn vị", "Khối", "Hiệu lực từ"]
        by_name = {row[1].value: row for row in rows}
        for payload, _csv, value, _quoted in PAYLOADS:
            code, name, block, valid_from = by_name[value]
            assert_xlsx_text(code, payload)
            assert_xlsx_text(name, payload)
            assert (block.value, valid_from.value) == ("departments", "01/01/2024")
        assert len(rows) == len(PAYLOADS) + 1


# -- anything added later ----------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
# Writing CSV or a tablib export directly, anywhere but the writer.
DIRECT_WRITE = re.compile(
    r"csv\.(writer|DictWriter)\(|\.export_set\(|\.export\(\s*[\"'](csv|xlsx)[\"']"
    r"|export_formats\s*=(?!\s*EXPORT_FORMATS)"
)
# In a module that makes a workbook: a row or a cell written past xlsx_append (an empty row is harmless).
RAW_CELL = re.compile(r"\.append\((?!\[\]\))|\.value\s*=(?!=)|\]\s*=\s*(?!=)|\.cell\([^)]*value=")


def test_every_spreadsheet_is_written_through_the_one_writer():
    offenders = []
    for app in ("accounts", "assessment", "cchc"):
        for path in sorted((ROOT / app).rglob("*.py")):
            if path.name == "spreadsheets.py" or "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            workbook = "Workbook(" in text
            for number, line in enumerate(text.splitlines(), start=1):
                code = line.split("#", 1)[0]
                if DIRECT_WRITE.search(code) or (workbook and "sheet" in code and RAW_CELL.search(code)):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
