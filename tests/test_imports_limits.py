"""No import can hold a worker: size, row and archive limits, for the admin and the command line alike.

The timings are printed (run with -s); the tests assert what keeps them short: how many rows were read.
"""

import io
import time

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

import cchc.imports
from accounts.models import Unit
from assessment.models import Score
from cchc.imports import IMPORT_FORMATS, SCORE_IMPORT_FORMATS, TableFileError, read_table
from tests.archive_files import bomb_xlsx, units_xlsx, xlsx_with_cell_styles, xlsx_with_shared_strings

IMPORT_URL = reverse("admin:accounts_unit_import")
TOO_MANY = "Tệp có hơn 20.000 dòng, vượt giới hạn cho phép của một lần nhập. Hãy chia thành các tệp nhỏ hơn."
BOMB = "Khi giải nén, tệp sẽ chiếm hơn 50 MB: tệp bị từ chối vì nghi là bom nén."


@pytest.fixture(scope="module")
def million_rows() -> bytes:
    """Like the file of the report: a million rows of units in about 600 KB."""
    return units_xlsx(1_000_000)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """A workbook whose one cell inflates to 200 MB, in under 1 MB."""
    return bomb_xlsx(200)


@pytest.fixture
def rows_read(monkeypatch):
    """How many rows the reader took from the file (the header included)."""
    counted = {"rows": 0}
    original = cchc.imports._capped_rows

    def counting(rows, max_rows):
        def each():
            for row in rows:
                counted["rows"] += 1
                yield row

        return original(each(), max_rows)

    monkeypatch.setattr(cchc.imports, "_capped_rows", counting)
    return counted


def timed(label, call):
    start = time.perf_counter()
    try:
        call()
    except (TableFileError, CommandError) as exc:
        outcome = str(exc)
    else:
        outcome = "accepted"
    print(f"\n[timing] {label}: {time.perf_counter() - start:.3f} s: {outcome}")
    return outcome


def csv_rows(count: int, columns: int = 3) -> bytes:
    lines = [",".join(["code", "name", "block"][:columns])] + [f"so-{n},Sở {n},departments" for n in range(count)]
    return ("\n".join(lines) + "\n").encode()


# -- the reader -------------------------------------------------------------------------------------------------


def test_the_million_row_workbook_is_refused_before_a_row_is_read(million_rows, rows_read):
    assert len(million_rows) < 1024 * 1024
    assert timed("1,000,000 rows, default limits", lambda: read_table(million_rows, "units.xlsx")) == BOMB
    assert rows_read["rows"] == 0


def test_with_the_archive_limits_raised_the_row_limit_stops_the_reading(million_rows, rows_read, settings):
    settings.IMPORT_MAX_UNCOMPRESSED_MB = 1000
    settings.ARCHIVE_MAX_RATIO = 1000
    assert timed("1,000,000 rows, archive limits raised", lambda: read_table(million_rows, "units.xlsx")) == TOO_MANY
    assert rows_read["rows"] == 1 + 20_000 + 1  # the header, the limit, and the one row that passes it


def test_the_bomb_is_refused_before_it_inflates(bomb, rows_read):
    assert len(bomb) < 1024 * 1024
    assert timed("200 MB bomb", lambda: read_table(bomb, "units.xlsx")) == BOMB
    assert rows_read["rows"] == 0


def test_a_bomb_under_the_size_limit_is_refused_for_its_ratio(settings):
    settings.IMPORT_MAX_UNCOMPRESSED_MB = 1000
    with pytest.raises(TableFileError) as refused:
        read_table(bomb_xlsx(20), "units.xlsx")
    assert str(refused.value) == ("Một phần của tệp được nén với tỉ lệ hơn 100:1: tệp bị từ chối vì nghi là bom nén.")


def test_a_sheet_that_declares_no_dimension_is_not_scanned_whole(rows_read, settings, monkeypatch):
    """openpyxl would parse all of such a sheet to find its size before the first row; the reader skips that."""
    from openpyxl.worksheet._reader import WorkSheetParser

    monkeypatch.setattr(WorkSheetParser, "parse_dimensions", lambda self: pytest.fail("the sheet was scanned"))
    settings.IMPORT_MAX_ROWS = 5
    settings.ARCHIVE_MAX_RATIO = 1000
    with pytest.raises(TableFileError) as refused:
        read_table(units_xlsx(100_000), "units.xlsx")
    assert str(refused.value) == (
        "Tệp có hơn 5 dòng, vượt giới hạn cho phép của một lần nhập. Hãy chia thành các tệp nhỏ hơn."
    )
    assert rows_read["rows"] == 7


@pytest.mark.parametrize("name", ["units.csv", "units.xlsx"])
def test_a_file_over_the_size_limit_is_refused(settings, name):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    with pytest.raises(TableFileError) as refused:
        read_table(b"x" * (1024 * 1024 + 1), name)
    assert str(refused.value) == (
        "Tệp lớn hơn 1 MB, vượt giới hạn cho phép của một lần nhập. Hãy chia thành các tệp nhỏ hơn."
    )


def test_a_csv_stops_at_the_row_limit(settings, rows_read):
    settings.IMPORT_MAX_ROWS = 3
    assert len(read_table(csv_rows(3), "units.csv")) == 3
    rows_read["rows"] = 0
    with pytest.raises(TableFileError) as refused:
        read_table(csv_rows(1000), "units.csv")
    assert str(refused.value) == (
        "Tệp có hơn 3 dòng, vượt giới hạn cho phép của một lần nhập. Hãy chia thành các tệp nhỏ hơn."
    )
    assert rows_read["rows"] == 5


def test_grades_and_survey_results_have_their_own_row_limit(settings):
    settings.IMPORT_MAX_ROWS = 3
    settings.IMPORT_MAX_ROWS_SCORES = 10
    content = csv_rows(8)
    with pytest.raises(TableFileError):
        read_table(content, "units.csv", formats=IMPORT_FORMATS)
    assert len(read_table(content, "grades.csv", formats=SCORE_IMPORT_FORMATS)) == 8
    with pytest.raises(TableFileError):
        read_table(csv_rows(11), "grades.csv", formats=SCORE_IMPORT_FORMATS)


def test_the_score_imports_use_the_score_formats_in_the_admin():
    from assessment.models import EarlierResult, SurveyScore

    assert admin.site._registry[Score].get_import_formats() == SCORE_IMPORT_FORMATS
    assert admin.site._registry[SurveyScore].get_import_formats() == SCORE_IMPORT_FORMATS
    assert admin.site._registry[Unit].get_import_formats() == IMPORT_FORMATS
    assert admin.site._registry[EarlierResult].get_import_formats() == IMPORT_FORMATS


def test_a_cell_far_to_the_right_is_refused_without_building_wide_rows():
    content = ("code,name,block\n" + "so-y-te,Sở Y tế,departments" + "," * 60 + "x\n").encode()
    with pytest.raises(TableFileError) as refused:
        read_table(content, "units.csv")
    assert str(refused.value) == "Dòng 2 có ô nằm sau cột thứ 50: tệp nhập không có nhiều cột như vậy."


# -- the admin and the command line ------------------------------------------------------------------------------


def test_the_admin_refuses_the_million_row_workbook_and_changes_nothing(client, coordinator, departments, million_rows):
    client.force_login(coordinator)
    start = time.perf_counter()
    response = client.post(
        IMPORT_URL,
        {"resource": "0", "format": "1", "import_file": SimpleUploadedFile("units.xlsx", million_rows)},
    )
    print(f"\n[timing] admin units import, 1,000,000 rows: {time.perf_counter() - start:.3f} s")
    assert response.status_code == 200
    assert response.context["form"].errors["import_file"] == [BOMB]
    assert Unit.objects.count() == 0


def test_the_admin_refuses_a_file_over_the_size_limit_before_reading_it(client, coordinator, departments, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    client.force_login(coordinator)
    response = client.post(
        IMPORT_URL,
        {"resource": "0", "format": "0", "import_file": SimpleUploadedFile("units.csv", csv_rows(40_000))},
    )
    assert response.context["form"].errors["import_file"] == [
        "Tệp lớn hơn 1 MB, vượt giới hạn cho phép của một lần nhập. Hãy chia thành các tệp nhỏ hơn."
    ]
    assert Unit.objects.count() == 0


def test_the_admin_refuses_too_many_rows(client, coordinator, departments, settings):
    settings.IMPORT_MAX_ROWS = 2
    client.force_login(coordinator)
    response = client.post(
        IMPORT_URL,
        {"resource": "0", "format": "0", "import_file": SimpleUploadedFile("units.csv", csv_rows(3))},
    )
    assert response.context["form"].errors["import_file"] == [
        "Tệp có hơn 2 dòng, vượt giới hạn cho phép của một lần nhập. Hãy chia thành các tệp nhỏ hơn."
    ]
    assert Unit.objects.count() == 0


def test_the_command_refuses_the_million_rows_and_the_bomb(departments, tmp_path, million_rows, bomb):
    for name, content in [("million.xlsx", million_rows), ("bomb.xlsx", bomb)]:
        path = tmp_path / name
        path.write_bytes(content)
        outcome = timed(f"import_units {name}", lambda path=path: call_command("import_units", str(path)))
        assert outcome == BOMB
    assert Unit.objects.count() == 0


def test_the_command_checks_the_size_before_reading_the_file(departments, tmp_path, settings, monkeypatch):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    path = tmp_path / "units.csv"
    path.write_bytes(csv_rows(40_000))
    monkeypatch.setattr(type(path), "read_bytes", lambda self: pytest.fail("the file was read"))
    with pytest.raises(CommandError) as refused:
        call_command("import_units", str(path))
    assert str(refused.value) == (
        "Tệp lớn hơn 1 MB, vượt giới hạn cho phép của một lần nhập. Hãy chia thành các tệp nhỏ hơn."
    )
    assert Unit.objects.count() == 0


def test_a_workbook_with_more_shared_texts_than_its_rows_could_hold_is_refused(settings):
    """Ten texts a row at most: openpyxl would read millions of tiny texts at 80 µs each."""
    settings.IMPORT_MAX_ROWS = 5
    header = ["Mã đơn vị", "Tên đơn vị", "Khối"]
    assert read_table(xlsx_with_shared_strings(header + [f"t{n}" for n in range(57)]), "units.xlsx").headers == header
    with pytest.raises(TableFileError) as refused:
        read_table(xlsx_with_shared_strings(header + [f"t{n}" for n in range(58)]), "units.xlsx")
    assert str(refused.value) == ("Tệp Excel chứa hơn 60 đoạn văn bản khác nhau, nhiều hơn mức một lần nhập có thể có.")


def test_shared_texts_read_as_openpyxl_reads_them():
    from openpyxl.reader.strings import read_string_table

    xml = """<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
    <si><t>Sở Y tế</t></si>
    <si><t xml:space="preserve">  có khoảng  </t></si>
    <si><r><rPr><b/></rPr><t>Đậm</t></r><r><t xml:space="preserve"> thường</t></r></si>
    <si><t>abc</t><rPh sb="0" eb="1"><t>phiên âm</t></rPh></si>
    <si><t/></si>
    <si><t>a_x005F_x000D_b</t></si>
    </sst>""".encode()
    texts = cchc.imports._shared_strings(io.BytesIO(xml), 100)
    assert texts == ["Sở Y tế", "  có khoảng  ", "Đậm thường", "abc", "", "a_x000D_b"]
    assert texts == list(read_string_table(io.BytesIO(xml)))


def test_a_workbook_whose_styles_openpyxl_would_read_for_seconds_is_refused():
    """100,000 cell styles (450 KB zipped) took openpyxl 43 s to read; parts it reads whole are kept small."""
    assert read_table(xlsx_with_cell_styles(1_000), "units.xlsx").headers == ["Mã đơn vị", "Tên đơn vị", "Khối"]
    content = xlsx_with_cell_styles(10_000)
    assert len(content) < 100 * 1024
    with pytest.raises(TableFileError) as refused:
        read_table(content, "units.xlsx")
    assert str(refused.value) == (
        "Phần “xl/styles.xml” của tệp Excel lớn hơn 1 MB, trong khi việc nhập chỉ cần dữ liệu: "
        "hãy chép dữ liệu sang một tệp Excel mới rồi thử lại."
    )
