"""Framework import/export: the sample file, every validation error with its row, and the round trip."""

import io
from decimal import Decimal

import openpyxl
import pytest

from accounts.models import Unit
from assessment.models import Criterion, Framework
from assessment.resources import CriterionResource
from assessment.selectors.frameworks import framework_totals
from cchc.imports import import_table, read_table
from cchc.spreadsheets import CSVExport, XLSXExport
from tests.assessment.conftest import import_rows, sample_rows, to_csv


def problems(outcome) -> list[str]:
    return [str(problem) for problem in outcome.problems]


def edited(target: str, **changes) -> list[list[str]]:
    """The sample file with one row changed (columns by their English names)."""
    rows = sample_rows()
    header = rows[0]
    for row in rows[1:]:
        if row[0] == target:
            for column, value in changes.items():
                row[header.index(column)] = value
    return rows


def test_the_sample_framework_imports_with_70_appraisal_and_30_survey_points(draft_framework):
    outcome = import_rows(draft_framework, sample_rows())

    assert problems(outcome) == []
    assert (outcome.new, outcome.updated, outcome.unchanged) == (54, 0, 0)
    totals = framework_totals(draft_framework)
    assert (totals.appraisal, totals.survey, totals.total) == (Decimal("70.00"), Decimal("30.00"), Decimal("100.00"))
    assert (totals.bonus, totals.penalty, totals.leaves) == (Decimal("2.00"), Decimal("3.00"), 43)


def test_the_tree_is_linked_ordered_and_typed(sample_framework):
    criterion = Criterion.objects.get(framework=sample_framework, code="1.1.2")
    assert criterion.parent.code == "1.1"
    assert criterion.parent.parent.code == "1"
    assert (criterion.max_points, criterion.method, criterion.rule) == (Decimal("1.50"), "appraisal", "tiers")
    assert criterion.rule_params == {"tiers": [{"min": 100, "points": 1.5}, {"min": 80, "points": 0.75}]}
    assert (criterion.allows_na, criterion.evidence_required) == (False, True)
    assert criterion.appraising_agency.code == "so-noi-vu"
    field_nine = Criterion.objects.get(framework=sample_framework, code="9")
    assert field_nine.max_points is None  # bonus and penalty sit outside the 100
    codes = list(Criterion.objects.filter(framework=sample_framework).order_by("order").values_list("code", flat=True))
    assert codes[:5] == ["1", "1.1", "1.1.1", "1.1.2", "1.2"]
    assert codes[-3:] == ["9", "9.1", "9.2"]


def test_the_agencies_named_by_the_framework_become_appraising_agencies(draft_framework, agencies):
    assert not Unit.objects.filter(is_appraising_agency=True).exists()
    import_rows(draft_framework, sample_rows())
    assert set(Unit.objects.filter(is_appraising_agency=True).values_list("code", flat=True)) == set(agencies)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_then_import_gives_the_same_tree(sample_framework, file_format):
    exported = CriterionResource(sample_framework).export(
        Criterion.objects.filter(framework=sample_framework).order_by("order"),
        force_native_type=file_format == "xlsx",
    )
    assert exported.headers == [
        "Mã",
        "Tên tiêu chí",
        "Điểm tối đa",
        "Phương thức",
        "Quy tắc chấm",
        "Tham số quy tắc",
        "Cho phép không áp dụng",
        "Yêu cầu tài liệu kiểm chứng",
        "Cơ quan thẩm định",
        "Hướng dẫn chấm",
    ]
    content = exported.export(file_format)
    content = content.encode("utf-8") if isinstance(content, str) else content

    outcome = import_table(CriterionResource(sample_framework), read_table(content, f"x.{file_format}"), commit=True)
    assert problems(outcome) == []
    assert (outcome.new, outcome.updated, outcome.unchanged) == (0, 0, 54)

    copy = Framework.objects.create(block=sample_framework.block, name="Bản sao", first_year=2024)
    outcome = import_table(CriterionResource(copy), read_table(content, f"x.{file_format}"), commit=True)
    assert outcome.new == 54

    def tree(framework):
        return list(
            Criterion.objects.filter(framework=framework)
            .order_by("order")
            .values_list(
                "code",
                "parent__code",
                "title",
                "max_points",
                "method",
                "rule",
                "rule_params",
                "allows_na",
                "evidence_required",
                "appraising_agency__code",
                "guidance",
                "order",
            )
        )

    assert tree(copy) == tree(sample_framework)


@pytest.mark.parametrize("export_format", [CSVExport, XLSXExport])
def test_lists_in_titles_and_guidance_survive_the_inert_export_and_import_back(sample_framework, export_format):
    Criterion.objects.filter(framework=sample_framework, code="1.4").update(
        title="- Kế hoạch kiểm tra", guidance="+ thêm hồ sơ\n- nộp bản chính"
    )
    Criterion.objects.filter(framework=sample_framework, code="1.5").update(guidance="=1+1 là một ví dụ")
    exporter = export_format()
    dataset = CriterionResource(sample_framework).export(
        Criterion.objects.filter(framework=sample_framework).order_by("order"),
        force_native_type=export_format is XLSXExport,
    )
    content = exporter.export_data(dataset)
    if export_format is CSVExport:
        assert "\r\n1.4,'- Kế hoạch kiểm tra," in content.decode()  # escaped in the file …

    outcome = import_table(
        CriterionResource(sample_framework), read_table(content, f"x.{exporter.get_extension()}"), commit=True
    )

    assert problems(outcome) == []
    assert (outcome.new, outcome.updated, outcome.unchanged) == (0, 0, 54)  # … and read back as it was
    assert Criterion.objects.get(framework=sample_framework, code="1.4").title == "- Kế hoạch kiểm tra"


def test_reimport_reports_changes_and_removes_what_is_gone(sample_framework):
    rows = edited("2.3", title="Theo dõi tình hình thi hành pháp luật", guidance="Sửa hướng dẫn")
    rows = [row for row in rows if row[0] != "7.5"]
    rows[[row[0] for row in rows].index("7")][2] = "14"

    preview = import_table(CriterionResource(sample_framework), read_table(to_csv(rows), "f.csv"), commit=False)
    assert problems(preview) == []
    assert (preview.new, preview.updated) == (0, 2)
    assert Criterion.objects.filter(framework=sample_framework).count() == 54  # preview saves nothing

    import_rows(sample_framework, rows)
    assert not Criterion.objects.filter(framework=sample_framework, code="7.5").exists()
    assert Criterion.objects.get(framework=sample_framework, code="2.3").guidance == "Sửa hướng dẫn"


def test_the_removed_rows_are_announced_in_the_preview(sample_framework):
    rows = [row for row in sample_rows() if row[0] != "7.5"]
    rows[[row[0] for row in rows].index("7")][2] = "14"
    resource = CriterionResource(sample_framework)
    result = resource.import_data(read_table(to_csv(rows), "f.csv"), dry_run=True)
    assert result.removed_codes == ["7.5"]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        pytest.param(
            edited("1.1.1", max_points="1.25"),
            ["Dòng 3: Tiêu chí 1.1: điểm tối đa 2,5 khác tổng điểm các tiêu chí con (2,75)."],
            id="parent is not the sum of its children",
        ),
        pytest.param(
            [*sample_rows(), ["2.2", "Lặp lại", "1", "appraisal", "yes_no", "", "no", "yes", "so-tu-phap", ""]],
            ["Dòng 56: Mã: “2.2” đã có ở dòng 15."],
            id="duplicate code",
        ),
        pytest.param(
            [*sample_rows(), ["10.1", "Mồ côi", "1", "survey", "", "", "no", "no", "", ""]],
            ["Dòng 56: Tiêu chí 10.1: tiêu chí cha 10 không có trong bộ chỉ số."],
            id="orphan",
        ),
        pytest.param(
            edited("1.6", max_points="0"),
            [
                "Dòng 2: Tiêu chí 1: điểm tối đa 10 khác tổng điểm các tiêu chí con (8).",
                "Dòng 12: Điểm tối đa phải lớn hơn 0.",
            ],
            id="max not above zero",
        ),
        pytest.param(
            edited("1.1.1", max_points="0.125"),
            ["Dòng 4: Điểm tối đa: “0.125” có quá 2 chữ số thập phân."],
            id="three decimals",
        ),
        pytest.param(
            edited("1.1.1", max_points="một"),
            ["Dòng 4: Điểm tối đa: “một” không phải là số."],
            id="max not a number",
        ),
        pytest.param(
            edited("1.6", rule="yes_no"),
            ["Dòng 12: Quy tắc chấm: Tiêu chí Điều tra xã hội học không có quy tắc chấm."],
            id="survey leaf with a rule",
        ),
        pytest.param(
            edited("9.1", rule="count", rule_params='{"per_item": 1}'),
            ["Dòng 54: Quy tắc chấm: Tiêu chí Điểm thưởng không có quy tắc chấm."],
            id="bonus leaf with a rule",
        ),
        pytest.param(
            edited("1.4", rule=""),
            ["Dòng 10: Quy tắc chấm: Tiêu chí thẩm định phải có quy tắc chấm (dùng “manual” nếu chấm thủ công)."],
            id="appraisal leaf without rule",
        ),
        pytest.param(
            edited("1.1.2", rule_params='{"tiers": [{"min": 80, "points": 0.75}, {"min": 100, "points": 1.5}]}'),
            ["Dòng 5: Tham số quy tắc: Các mức phải xếp từ tỷ lệ tối thiểu cao nhất đến thấp nhất."],
            id="tiers not sorted",
        ),
        pytest.param(
            edited("1.1.2", rule_params='{"tiers": [{"min": 100, "points": 2}, {"min": 80, "points": 0.75}]}'),
            ["Dòng 5: Tham số quy tắc: Mức 1 cho 2 điểm, nhiều hơn điểm tối đa 1,5."],
            id="tier above max",
        ),
        pytest.param(
            edited("1.3.1", rule_params='{"target": 0}'),
            ["Dòng 8: Tham số quy tắc: Chỉ tiêu (target) phải lớn hơn 0."],
            id="ratio target zero",
        ),
        pytest.param(
            edited("1.5", rule_params='{"per_item": 0.75, "cap": 2}'),
            ["Dòng 11: Tham số quy tắc: Quy tắc “count” không có tham số: cap."],
            id="unknown parameter",
        ),
        pytest.param(
            edited("1.2", rule_params=""),
            ["Dòng 6: Tham số quy tắc: Quy tắc “deduction” cần tham số: per_item."],
            id="missing parameter",
        ),
        pytest.param(
            edited("1.1.1", rule_params='{"target": 1}'),
            ["Dòng 4: Tham số quy tắc: Quy tắc “yes_no” không có tham số."],
            id="parameters on yes_no",
        ),
        pytest.param(
            edited("1.3.1", rule_params="{target: 30}"),
            ["Dòng 8: Tham số quy tắc: không phải JSON hợp lệ (Expecting property name enclosed in double quotes)."],
            id="invalid JSON",
        ),
        pytest.param(
            edited("1.4", method="thẩm tra"),
            ["Dòng 10: Phương thức: “thẩm tra” không phải là phương thức hợp lệ (appraisal, survey, bonus, penalty)."],
            id="unknown method",
        ),
        pytest.param(
            edited("1.4", rule="average"),
            [
                "Dòng 10: Quy tắc chấm: “average” không phải là quy tắc chấm hợp lệ "
                "(yes_no, tiers, ratio, count, deduction, manual)."
            ],
            id="unknown rule",
        ),
        pytest.param(
            edited("1.1", method="survey"),
            ["Dòng 3: Tiêu chí 1.1 có tiêu chí con nên không được chấm trực tiếp: để trống phương thức."],
            id="group with a method",
        ),
        pytest.param(
            edited("1.6", method=""),
            ["Dòng 12: Tiêu chí 1.6 không có tiêu chí con nên được chấm điểm: hãy ghi phương thức."],
            id="leaf without method",
        ),
        pytest.param(
            edited("9", max_points="5"),
            ["Dòng 53: Tiêu chí 9 là nhóm điểm thưởng, điểm trừ nằm ngoài thang điểm: để trống điểm tối đa."],
            id="bonus group with a maximum",
        ),
        pytest.param(
            [*sample_rows(), ["1.7", "Thưởng lạc chỗ", "1", "bonus", "", "", "no", "yes", "so-noi-vu", ""]],
            ["Dòng 2: Tiêu chí 1 lẫn điểm thưởng hoặc điểm trừ với tiêu chí được chấm; hãy tách thành lĩnh vực riêng."],
            id="bonus mixed into a scored field",
        ),
        pytest.param(
            edited("1.4", appraising_agency="so-khong-co"),
            ["Dòng 10: Cơ quan thẩm định: không có đơn vị nào có mã “so-khong-co”."],
            id="unknown agency",
        ),
        pytest.param(
            edited("1.4", code="1.a"),
            ["Dòng 10: Mã: Mã tiêu chí gồm các số cách nhau bởi dấu chấm, ví dụ 1, 1.1 hoặc 1.1.2."],
            id="bad code",
        ),
        pytest.param(
            edited("1.4", title='=HYPERLINK("http://evil.example/","x")'),
            ["Dòng 10: Tên tiêu chí: Không được bắt đầu bằng “=”: bảng tính sẽ hiểu đó là công thức. Hãy bỏ dấu này."],
            id="formula title",
        ),
        pytest.param(
            edited("1.4", title="＠SUM(A1)"),
            ["Dòng 10: Tên tiêu chí: Không được bắt đầu bằng “＠”: bảng tính sẽ hiểu đó là công thức. Hãy bỏ dấu này."],
            id="full-width at sign title",
        ),
        pytest.param(
            edited("1.4", allows_na="có thể"),
            ["Dòng 10: Cho phép không áp dụng: “có thể” không phải là có/không."],
            id="yes/no unreadable",
        ),
    ],
)
def test_a_bad_framework_file_is_refused_with_the_row_and_reason_and_saves_nothing(draft_framework, rows, expected):
    outcome = import_rows(draft_framework, rows)
    assert problems(outcome) == expected
    assert not Criterion.objects.filter(framework=draft_framework).exists()


def test_several_problems_are_all_reported_in_row_order(draft_framework):
    rows = edited("1.1.1", max_points="1.25")
    rows = [row if row[0] != "1.4" else [*row[:3], "thẩm tra", *row[4:]] for row in rows]
    outcome = import_rows(draft_framework, rows)
    assert problems(outcome) == [
        "Dòng 3: Tiêu chí 1.1: điểm tối đa 2,5 khác tổng điểm các tiêu chí con (2,75).",
        "Dòng 10: Phương thức: “thẩm tra” không phải là phương thức hợp lệ (appraisal, survey, bonus, penalty).",
    ]
    assert not Criterion.objects.filter(framework=draft_framework).exists()


def test_a_wrong_header_names_the_missing_columns(draft_framework):
    rows = sample_rows()
    rows[0] = ["ma", *rows[0][1:]]
    outcome = import_rows(draft_framework, rows)
    assert problems(outcome) == ["Cột “ma” không được nhận diện.", "Thiếu cột “Mã” (hoặc “code”)."]


def test_a_framework_that_is_not_a_draft_refuses_imports(sample_framework):
    sample_framework.state = Framework.State.ACTIVE
    sample_framework.save()
    outcome = import_rows(sample_framework, edited("2.3", title="Đổi tên"))
    assert problems(outcome) == ["Chỉ sửa được bộ chỉ số nháp; muốn sửa, hãy sao chép thành phiên bản mới."]
    assert Criterion.objects.get(framework=sample_framework, code="2.3").title == "Theo dõi thi hành pháp luật"


def test_vietnamese_labels_and_decimal_commas_are_accepted(draft_framework):
    rows = sample_rows()
    rows[0] = [
        "Mã",
        "Tên tiêu chí",
        "Điểm tối đa",
        "Phương thức",
        "Quy tắc chấm",
        "Tham số quy tắc",
        "Cho phép không áp dụng",
        "Yêu cầu tài liệu kiểm chứng",
        "Cơ quan thẩm định",
        "Hướng dẫn chấm",
    ]
    for row in rows[1:]:
        row[2] = row[2].replace(".", ",")
        row[3] = {"appraisal": "Thẩm định", "survey": "Điều tra xã hội học"}.get(row[3], row[3])
        row[6] = {"yes": "có", "no": "không"}.get(row[6], row[6])
    outcome = import_rows(draft_framework, rows)
    assert problems(outcome) == []
    assert framework_totals(draft_framework).total == Decimal("100.00")
    assert Criterion.objects.get(framework=draft_framework, code="1.5").max_points == Decimal("1.50")


def test_an_xlsx_with_number_cells_imports(draft_framework):
    book = openpyxl.Workbook()
    for number, row in enumerate(sample_rows()):
        if number and row[2]:
            row[2] = float(row[2])
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    outcome = import_table(CriterionResource(draft_framework), read_table(buffer.getvalue(), "f.xlsx"), commit=True)
    assert problems(outcome) == []
    assert framework_totals(draft_framework).appraisal == Decimal("70.00")
