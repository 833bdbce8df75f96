"""The hostile texts every export is tried with, and how an export is read back (the csv module, openpyxl)."""

import csv
import io
import zipfile

import openpyxl

HYPERLINK = '=HYPERLINK("http://evil.example/","x")'

# (stored text, its CSV cell, its XLSX cell value, whether the XLSX cell carries the quote prefix)
PAYLOADS = [
    (HYPERLINK, '\'=HYPERLINK("http://evil.example/","x")', HYPERLINK, True),
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0", "=cmd|' /C calc'!A0", True),
    ("+1+1", "'+1+1", "+1+1", True),
    ("-2+3", "'-2+3", "-2+3", True),
    ("@SUM(A1)", "'@SUM(A1)", "@SUM(A1)", True),
    ("\t=1", "'\t=1", "\t=1", True),
    # openpyxl writes with lxml (which pyHanko needs): the carriage return is kept as &#13;, the text exactly
    ("\r=1", "'\r=1", "\r=1", True),
    ("\uff1d1", "'\uff1d1", "\uff1d1", True),
    ("- Kế hoạch", "'- Kế hoạch", "- Kế hoạch", True),  # the XLSX keeps the text exactly
    ("Sở Tài nguyên và Môi trường", "Sở Tài nguyên và Môi trường", "Sở Tài nguyên và Môi trường", False),
]
TEXTS = [payload for payload, *_rest in PAYLOADS]
CSV_CELL = {payload: cell for payload, cell, _value, _quoted in PAYLOADS}
XLSX_VALUE = {payload: value for payload, _cell, value, _quoted in PAYLOADS}


def csv_rows(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def xlsx_rows(content: bytes) -> list[list]:
    """The cells of the first sheet, after checking that no sheet of the workbook holds a formula."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name).decode()
                assert "<f>" not in xml and "<f " not in xml and 't="e"' not in xml, name
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    cells = [list(row) for row in sheet.iter_rows()]
    assert not [cell.coordinate for row in cells for cell in row if cell.data_type == "f"]
    return cells


def assert_csv_text(cell: str, payload: str):
    assert cell == CSV_CELL[payload], (payload, cell)


def assert_xlsx_text(cell, payload: str):
    expected = {text: (value, "s", quoted) for text, _csv, value, quoted in PAYLOADS}[payload]
    assert (cell.value, cell.data_type, cell.quotePrefix) == expected, payload
