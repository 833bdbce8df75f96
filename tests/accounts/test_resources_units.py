"""Units import: the shipped Hanoi file, then each bad file with its exact row-numbered problem."""

import io
from datetime import date

import openpyxl
import pytest

from accounts.models import Unit
from accounts.resources import UnitResource
from cchc.imports import TableFileError, import_table, read_table
from tests.factories import UnitFactory

HANOI_UNITS = "accounts/data/units-hanoi-2021.csv"


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def run(content: bytes, name: str = "units.csv", commit: bool = True):
    return import_table(UnitResource(), read_table(content, name), commit=commit)


def problems(outcome) -> list[str]:
    return [str(problem) for problem in outcome.problems]


@pytest.fixture
def blocks(departments, districts):
    return departments, districts


def test_the_hanoi_2021_file_imports_all_52_units(blocks):
    with open(HANOI_UNITS, "rb") as handle:
        outcome = run(handle.read(), "units-hanoi-2021.csv")

    assert problems(outcome) == []
    assert (outcome.new, outcome.updated, outcome.unchanged) == (52, 0, 0)
    assert Unit.objects.filter(block__code="departments").count() == 22
    assert Unit.objects.filter(block__code="districts").count() == 30
    unit = Unit.objects.get(code="so-lao-dong-thuong-binh-va-xa-hoi")
    assert (unit.name, unit.block.code, unit.active) == ("Sở Lao động - Thương binh và Xã hội", "departments", True)


def test_importing_the_same_file_again_changes_nothing(blocks):
    with open(HANOI_UNITS, "rb") as handle:
        content = handle.read()
    run(content)
    outcome = run(content)
    assert (outcome.new, outcome.updated, outcome.unchanged) == (0, 0, 52)
    assert Unit.objects.count() == 52


def test_vietnamese_headers_and_a_changed_name_update_the_unit(blocks):
    UnitFactory(code="so-y-te", name="Sở Y tế cũ", block=blocks[0])
    outcome = run(
        csv_bytes("Mã đơn vị,Tên đơn vị,Khối", "so-y-te,Sở Y tế,departments", "so-du-lich,Sở Du lịch,departments")
    )
    assert problems(outcome) == []
    assert (outcome.new, outcome.updated) == (1, 1)
    assert Unit.objects.get(code="so-y-te").name == "Sở Y tế"


def test_xlsx_with_english_headers_history_and_successors(blocks):
    UnitFactory(code="huyen-a", name="Huyện A", block=blocks[1])
    UnitFactory(code="huyen-b", name="Huyện B", block=blocks[1])
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["code", "name", "block", "valid_from", "valid_to", "active", "predecessors"])
    sheet.append(["xa-moi", "Xã Mới", "districts", date(2025, 7, 1), None, "có", "huyen-a; huyen-b"])
    sheet.append(["huyen-a", "Huyện A", "districts", None, "30/06/2025", "không", None])
    buffer = io.BytesIO()
    book.save(buffer)

    outcome = run(buffer.getvalue(), "units.xlsx")

    assert problems(outcome) == []
    new_unit = Unit.objects.get(code="xa-moi")
    assert new_unit.valid_from == date(2025, 7, 1)
    assert sorted(new_unit.predecessors.values_list("code", flat=True)) == ["huyen-a", "huyen-b"]
    old_unit = Unit.objects.get(code="huyen-a")
    assert (old_unit.valid_to, old_unit.active) == (date(2025, 6, 30), False)
    assert list(old_unit.successors.values_list("code", flat=True)) == ["xa-moi"]


def test_export_then_import_gives_the_same_units(blocks):
    first = UnitFactory(code="huyen-a", name="Huyện A", block=blocks[1], valid_to=date(2025, 6, 30), active=False)
    second = UnitFactory(code="xa-moi", name="Xã Mới", block=blocks[1], valid_from=date(2025, 7, 1))
    second.predecessors.set([first])

    exported = UnitResource().export(Unit.objects.order_by("code"))
    assert exported.headers == [
        "Mã đơn vị",
        "Tên đơn vị",
        "Khối",
        "Đang hoạt động",
        "Hiệu lực từ",
        "Hiệu lực đến",
        "Kế thừa từ",
    ]
    assert list(exported[0]) == ["huyen-a", "Huyện A", "districts", "không", "", "30/06/2025", ""]
    assert list(exported[1]) == ["xa-moi", "Xã Mới", "districts", "có", "01/07/2025", "", "huyen-a"]

    outcome = run(exported.export("csv").encode("utf-8"))
    assert (outcome.new, outcome.updated, outcome.unchanged) == (0, 0, 2)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param(
            ["code,name,block", "so-y-te,Sở Y tế,departments", "so-moi,Sở Mới,khoi-la"],
            ["Dòng 3: Khối: không có khối nào có mã “khoi-la”."],
            id="unknown block",
        ),
        pytest.param(
            [
                "code,name,block",
                "so-y-te,Sở Y tế,departments",
                "so-du-lich,Sở Du lịch,departments",
                "so-y-te,Sở Y tế (lặp),departments",
            ],
            ["Dòng 4: Mã đơn vị: “so-y-te” đã có ở dòng 2."],
            id="duplicate code",
        ),
        pytest.param(
            ["code,name,block", "so-y-te,Sở Y tế,departments", "so-du-lich,,departments"],
            ["Dòng 3: Tên đơn vị: Trường này không được để trống."],
            id="empty name",
        ),
        pytest.param(
            ["ma,ten,khoi", "so-y-te,Sở Y tế,departments"],
            [
                "Cột “ma” không được nhận diện.",
                "Cột “ten” không được nhận diện.",
                "Cột “khoi” không được nhận diện.",
                "Thiếu cột “Mã đơn vị” (hoặc “code”).",
                "Thiếu cột “Tên đơn vị” (hoặc “name”).",
                "Thiếu cột “Khối” (hoặc “block”).",
            ],
            id="wrong header",
        ),
        pytest.param(
            ["code,name,block", "so y te,Sở Y tế,departments"],
            ["Dòng 2: Mã đơn vị: Nhập một mã hợp lệ chỉ gồm chữ cái không dấu, chữ số, dấu gạch dưới hoặc gạch nối."],
            id="code with spaces",
        ),
        pytest.param(
            ["code,name,block,valid_from,valid_to", "so-y-te,Sở Y tế,departments,01/07/2025,30/06/2025"],
            ["Dòng 2: Ngày hết hiệu lực không được trước ngày bắt đầu hiệu lực."],
            id="validity reversed",
        ),
        pytest.param(
            ["code,name,block,valid_from", "so-y-te,Sở Y tế,departments,31/02/2025"],
            ["Dòng 2: Hiệu lực từ: “31/02/2025” không phải là ngày (dd/mm/yyyy)."],
            id="impossible date",
        ),
        pytest.param(
            ["code,name,block,predecessors", "so-y-te,Sở Y tế,departments,so-y-te"],
            ["Dòng 2: Kế thừa từ: một đơn vị không thể kế thừa chính nó."],
            id="succeeds itself",
        ),
        pytest.param(
            ["code,name,block,predecessors", "so-y-te,Sở Y tế,departments,khong-co; so-du-lich"],
            ["Dòng 2: Kế thừa từ: không có đơn vị nào có mã khong-co, so-du-lich."],
            id="unknown predecessor",
        ),
        pytest.param(["code,name,block"], ["Tệp có tiêu đề cột nhưng không có dòng dữ liệu nào."], id="no rows"),
    ],
)
def test_a_bad_file_is_refused_with_its_row_and_saves_nothing(blocks, lines, expected):
    outcome = run(csv_bytes(*lines))
    assert problems(outcome) == expected
    assert Unit.objects.count() == 0


def test_a_csv_that_is_not_utf8_is_refused_before_reading(blocks):
    # "Sở Y tế" in Windows-1258, the legacy Vietnamese code page Excel still offers.
    content = "code,name,block\nso-y-te,Sơ\u0309 Y tê\u0301,departments\n".encode("cp1258")
    with pytest.raises(TableFileError) as error:
        read_table(content, "units.csv")
    assert str(error.value) == (
        "Tệp CSV không dùng bảng mã UTF-8 (không đọc được byte ở vị trí 26). "
        "Hãy lưu tệp dưới dạng “CSV UTF-8” rồi thử lại."
    )


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"", "units.csv", "Tệp trống: dòng đầu tiên phải là tiêu đề các cột."),
        (b"not a zip", "units.xlsx", "Tệp không phải là bảng tính Excel (.xlsx) đọc được."),
        (b"code,name,block\n", "units.xls", "Loại tệp không được hỗ trợ: hãy dùng tệp .csv (UTF-8) hoặc .xlsx."),
        (b"code,name\na,b,c\n", "units.csv", "Dòng 2 có nhiều ô hơn số cột tiêu đề."),
    ],
)
def test_unreadable_files_get_a_clear_message(content, name, expected):
    with pytest.raises(TableFileError) as error:
        read_table(content, name)
    assert str(error.value) == expected


def test_blank_rows_keep_the_spreadsheet_row_numbers(blocks):
    outcome = run(csv_bytes("code,name,block", "so-y-te,Sở Y tế,departments", ",,", "so-moi,Sở Mới,khoi-la"))
    assert problems(outcome) == ["Dòng 4: Khối: không có khối nào có mã “khoi-la”."]


def test_a_dry_run_checks_and_saves_nothing(blocks):
    outcome = run(csv_bytes("code,name,block", "so-y-te,Sở Y tế,departments"), commit=False)
    assert (outcome.ok, outcome.new) == (True, 1)
    assert Unit.objects.count() == 0


FORMULA = "Không được bắt đầu bằng “{}”: bảng tính sẽ hiểu đó là công thức. Hãy bỏ dấu này."


def test_a_name_a_spreadsheet_would_compute_is_refused_with_its_row_and_nothing_is_saved(blocks):
    outcome = run(
        csv_bytes(
            "code,name,block",
            "so-y-te,Sở Y tế,departments",
            'so-moi,"=HYPERLINK(""http://evil.example/"",""x"")",departments',
            "so-khac,\uff0b1,departments",
            "so-ba,@SUM(A1),departments",
            "=so-bon,Sở Bốn,departments",
        )
    )
    assert problems(outcome) == [
        "Dòng 3: Tên đơn vị: " + FORMULA.format("="),
        "Dòng 4: Tên đơn vị: " + FORMULA.format("\uff0b"),
        "Dòng 5: Tên đơn vị: " + FORMULA.format("@"),
        "Dòng 6: Mã đơn vị: Nhập một mã hợp lệ chỉ gồm chữ cái không dấu, chữ số, dấu gạch dưới hoặc gạch nối.",
    ]
    assert Unit.objects.count() == 0


def test_a_name_beginning_with_a_dash_is_accepted_and_our_csv_apostrophe_is_read_away(blocks):
    outcome = run(
        csv_bytes("code,name,block", "so-a,- Phòng Kế hoạch,departments", "so-b,'- Phòng Tổng hợp,departments")
    )
    assert problems(outcome) == []
    assert sorted(Unit.objects.values_list("name", flat=True)) == ["- Phòng Kế hoạch", "- Phòng Tổng hợp"]
