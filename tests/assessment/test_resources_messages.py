"""Every import answers a bad cell in Vietnamese, with its row: no English message from Django or the library."""

import csv
import io
import logging
from decimal import Decimal as D

from accounts.models import Unit
from accounts.resources import UnitResource
from assessment.models import Criterion, EarlierResult, Score
from assessment.resources import EarlierResultResource, GradeResource, SurveyResource
from cchc.imports import import_table, read_table
from tests.assessment.conftest import import_rows, sample_rows


def table_csv(header, *rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def problems(outcome) -> list[str]:
    return [str(problem) for problem in outcome.problems]


def run(resource, content, user=None):
    return import_table(resource, read_table(content, "file.csv"), user=user, commit=True)


def test_earlier_results_year_abc_and_other_numbers(graded_period, results_units, departments):
    """The year and the unit find the row, so their problems are reported first and alone (see the resource)."""
    outcome = run(
        EarlierResultResource(),
        table_csv(
            ["year", "block", "unit", "index_percent", "rank"],
            ["abc", "departments", "so-y-te", "88", "1"],
            ["2022.5", "departments", "so-y-te", "88", "1"],
            ["99999999999", "departments", "so-y-te", "88", "1"],
            ["2022", "departments", "so-khong-co", "88", "1"],
            ["2022", "departments", "so-xay-dung", "1e400", "x"],
            ["2022", "khoi-khac", "so-du-lich", "88", "99999999"],
            ["2022", "departments", "so-cong-thuong", "88", "1,5"],
        ),
    )
    assert problems(outcome) == [
        "Dòng 2: Năm: “abc” không phải là số nguyên.",
        "Dòng 3: Năm: “2022.5” không phải là số nguyên.",
        "Dòng 4: Năm: “99999999999” không nằm trong khoảng từ 0 đến 32.767.",
        "Dòng 5: Mã đơn vị: không có đơn vị nào có mã “so-khong-co”.",
        "Dòng 6: Chỉ số (%): “1e400” là số quá lớn.",
        "Dòng 6: Xếp hạng: “x” không phải là số nguyên.",
        "Dòng 7: Khối: không có khối nào có mã “khoi-khac”.",
        "Dòng 7: Xếp hạng: “99999999” không nằm trong khoảng từ 0 đến 32.767.",
        "Dòng 8: Xếp hạng: “1,5” không phải là số nguyên.",
    ]
    assert not EarlierResult.objects.exists()


def test_earlier_results_still_read_whole_numbers_from_excel_cells(graded_period, results_units, departments):
    outcome = run(
        EarlierResultResource(),
        table_csv(["year", "block", "unit", "index_percent", "rank"], ["2022.0", "departments", "so-y-te", "88", "1"]),
    )
    assert problems(outcome) == []
    assert list(EarlierResult.objects.values_list("year", "rank")) == [(2022, 1)]


def test_units_bad_boolean_date_and_codes(departments):
    outcome = run(
        UnitResource(),
        table_csv(
            ["code", "name", "block", "active", "valid_from", "valid_to", "predecessors"],
            ["so-a", "Sở A", "zz", "có lẽ", "31/02/2024", "mai", ""],
            ["so-b", "Sở B", "departments", "", "", "", "so-khong-co"],
        ),
    )
    assert problems(outcome) == [
        "Dòng 2: Khối: không có khối nào có mã “zz”.",
        "Dòng 2: Đang hoạt động: “có lẽ” không phải là có/không.",
        "Dòng 2: Hiệu lực từ: “31/02/2024” không phải là ngày (dd/mm/yyyy).",
        "Dòng 2: Hiệu lực đến: “mai” không phải là ngày (dd/mm/yyyy).",
        "Dòng 3: Kế thừa từ: không có đơn vị nào có mã so-khong-co.",
    ]
    assert not Unit.objects.filter(code__in=["so-a", "so-b"]).exists()


def test_framework_bad_number_boolean_and_agency(draft_framework):
    rows = sample_rows()
    header = rows[0]
    changes = {
        "1.1.1": {"max_points": "1e400"},
        "1.1.2": {"allows_na": "có lẽ"},
    }
    for row in rows[1:]:
        for column, value in changes.get(row[0], {}).items():
            row[header.index(column)] = value
        if row[0] == "1":
            row[header.index("appraising_agency")] = "so-khong-co"
    outcome = import_rows(draft_framework, rows)
    assert problems(outcome)[:3] == [
        "Dòng 2: Cơ quan thẩm định: không có đơn vị nào có mã “so-khong-co”.",
        "Dòng 4: Điểm tối đa: “1e400” là số quá lớn.",
        "Dòng 5: Cho phép không áp dụng: “có lẽ” không phải là có/không.",
    ]
    assert not Criterion.objects.filter(framework=draft_framework).exists()


def test_survey_results_huge_and_unknown(graded_period, coordinator):
    outcome = run(
        SurveyResource(period=graded_period),
        table_csv(["unit", "criterion", "points"], ["so-y-te", "3.1", "1e999"], ["so-khong-co", "3.1", "abc"]),
        user=coordinator,
    )
    assert problems(outcome) == [
        "Dòng 2: Điểm: “1e999” là số quá lớn.",
        "Dòng 3: Mã đơn vị: so-khong-co không có hồ sơ trong Chỉ số CCHC năm 2023.",
    ]
    assert Score.objects.get(assessment__unit__code="so-y-te", criterion__code="3.1").survey_points == D("7.25")


def test_grades_huge_and_unknown(submitted, appraiser):
    outcome = run(
        GradeResource(period=submitted.period),
        table_csv(
            ["unit", "criterion", "appraised_points", "comment"],
            ["so-tai-chinh", "1.1.1", "1e400", ""],
            ["so-tai-chinh", "1.4", "abc", ""],
            ["so-tai-chinh", "1.9", "1", ""],
        ),
        user=appraiser,
    )
    assert problems(outcome) == [
        "Dòng 2: Điểm thẩm định: “1e400” là số quá lớn.",
        "Dòng 3: Điểm thẩm định: “abc” không phải là số.",
        "Dòng 4: Mã tiêu chí: không có tiêu chí 1.9.",
    ]
    assert not Score.objects.filter(assessment=submitted, appraised_points__isnull=False).exists()


def test_an_unexpected_english_error_is_replaced_and_logged(
    graded_period, results_units, departments, monkeypatch, caplog
):
    def fails(self, *args, **kwargs):
        raise ValueError("Field 'year' expected a number but got 'abc'.")

    monkeypatch.setattr(EarlierResult, "save", fails)
    with caplog.at_level(logging.WARNING, logger="cchc.imports"):
        outcome = run(
            EarlierResultResource(),
            table_csv(
                ["year", "block", "unit", "index_percent", "rank"], ["2022", "departments", "so-y-te", "88", "1"]
            ),
        )
    assert problems(outcome) == [
        "Dòng 2: không đọc được một giá trị trong dòng này: hãy kiểm tra số, ngày và mã có được viết đúng như "
        "tệp mẫu không."
    ]
    assert "expected a number but got 'abc'" in caplog.text
    assert not EarlierResult.objects.exists()
