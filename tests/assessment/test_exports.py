"""Every spreadsheet of the results and the admin is inert: each hostile text comes out as text, numbers as numbers.

The hostile texts are stored straight into the database, past the validators: whatever is stored, no cell of a
download is a formula (see tests/spreadsheets.py for the table of texts and how each is written).
"""

from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Role, Unit
from assessment.models import (
    Assessment,
    Criterion,
    EarlierResult,
    Period,
    PublicationFile,
    PublishedUnit,
    Score,
)
from tests.assessment.conftest import publish
from tests.conftest import make_user
from tests.factories import UnitFactory
from tests.spreadsheets import (
    CSV_CELL,
    HYPERLINK,
    PAYLOADS,
    TEXTS,
    XLSX_VALUE,
    assert_csv_text,
    assert_xlsx_text,
    csv_rows,
    xlsx_rows,
)

XLSX, CSV = "0", "1"  # the admin's export formats


# -- the public downloads and export_results ---------------------------------------------------------------------


@pytest.fixture
def hostile_publication(graded_period, coordinator):
    """The 2023 publication with one more published unit per hostile name; its "maximum" is 100 + its number."""
    publication = publish(graded_period, coordinator)
    block = publication.blocks.get()
    for number, payload in enumerate(TEXTS):
        PublishedUnit.objects.create(
            publication=publication,
            block=block,
            unit=UnitFactory(code=f"hostile-{number}", block=block.block),
            unit_code=f"hostile-{number}",
            unit_name=payload,
            appraised=D("-2.50"),
            survey=D("0"),
            bonus=D("0"),
            penalty=D("0"),
            total=D("-2.50"),
            maximum=D(100 + number),
        )
    return publication


def public_file(client, source, file_format, tmp_path) -> bytes:
    if source == "download":
        response = client.get(reverse("public:results-download", args=[2023, file_format]))
        assert response.status_code == 200
        return response.content
    path = tmp_path / f"results.{file_format}"
    call_command("export_results", "--period", "2023", "--format", file_format, "--output", str(path))
    return path.read_bytes()


@pytest.mark.parametrize("source", ["download", "command"])
def test_the_public_csv_is_inert(client, hostile_publication, source, tmp_path):
    header, *rows = csv_rows(public_file(client, source, "csv", tmp_path))
    assert header[1] == "Đơn vị" and header[8] == "Điểm tối đa"
    hostile = {int(row[8].split(",")[0]) - 100: row for row in rows if row[8].startswith("10")}
    assert sorted(hostile) == list(range(len(PAYLOADS)))
    for number, payload in enumerate(TEXTS):
        row = hostile[number]
        assert_csv_text(row[1], payload)
        assert row[0] == ""  # no rank
        assert row[2] == "Khối Sở, ban, ngành"
        assert row[3:8] == ["-2,50", "0,00", "0,00", "0,00", "-2,50"]  # numbers: no apostrophe
    assert [row[1] for row in rows if not row[8].startswith("10")] == [
        "Sở Du lịch",
        "Sở Công Thương",
        "Sở Xây dựng",
        "Sở Y tế",
    ]


@pytest.mark.parametrize("source", ["download", "command"])
def test_the_public_xlsx_is_inert(client, hostile_publication, source, tmp_path):
    header, *rows = xlsx_rows(public_file(client, source, "xlsx", tmp_path))
    assert (header[1].value, header[8].value) == ("Đơn vị", "Điểm tối đa")
    hostile = {row[8].value - 100: row for row in rows if row[8].value >= 100}
    assert sorted(hostile) == list(range(len(PAYLOADS)))
    for number, payload in enumerate(TEXTS):
        row = hostile[number]
        assert_xlsx_text(row[1], payload)
        assert [(cell.value, cell.data_type) for cell in row[3:8]] == [
            (-2.5, "n"),
            (0, "n"),
            (0, "n"),
            (0, "n"),
            (-2.5, "n"),
        ]
    du_lich = next(row for row in rows if row[1].value == "Sở Du lịch")
    assert [(cell.value, cell.data_type) for cell in du_lich[:4]] == [
        (1, "n"),
        ("Sở Du lịch", "s"),
        ("Khối Sở, ban, ngành", "s"),
        (22, "n"),
    ]


def test_a_stored_file_is_served_as_stored_and_a_new_version_is_built_inert(client, graded_period, coordinator):
    first = publish(graded_period, coordinator)
    # A file frozen before the inert writer, with a live formula: served byte for byte, never rebuilt.
    old = b'\xef\xbb\xbfX\xe1\xba\xbfp h\xe1\xba\xa1ng,\xc4\x90\xc6\xa1n v\xe1\xbb\x8b\r\n1,"=HYPERLINK(""x"")"\r\n'
    PublicationFile.objects.create(publication=first, format="csv", content=old)
    url = reverse("public:results-download", args=[2023, "csv"])
    assert client.get(url).content == old
    Unit.objects.filter(code="so-y-te").update(name=HYPERLINK)
    second = publish(graded_period, coordinator, decision_number="1300/QĐ-UBND", reason="Đổi tên đơn vị")
    rows = csv_rows(client.get(url).content)
    assert [row[1] for row in rows if row[1].endswith('"x")')] == ['\'=HYPERLINK("http://evil.example/","x")']
    assert PublicationFile.objects.get(publication=first, format="csv").content == old
    assert client.get(url + "?version=1").content == old
    assert PublicationFile.objects.filter(publication=second, format="csv").count() == 1


# -- the improvement plan ----------------------------------------------------------------------------------------


def test_the_improvement_plan_is_inert(client, graded_period, coordinator, results_units):
    assessment = Assessment.objects.get(period=graded_period, unit__code="so-y-te")
    publish(graded_period, coordinator)
    # Sở Y tế lost points on 1.1, 1.2, 2.2 (appraisal), 3.1 (survey) and has a penalty on 9.2.
    titles = dict(zip(["1.1", "1.2", "2.2", "3.1", "9.2"], TEXTS[:5], strict=True))
    for code, title in titles.items():
        Criterion.objects.filter(framework=assessment.framework, code=code).update(title=title)
    comments = dict(zip(["1.1", "1.2", "2.2"], TEXTS[5:8], strict=True))
    for code, comment in comments.items():
        Score.objects.filter(assessment=assessment, criterion__code=code).update(appraised_comment=comment)
    Criterion.objects.filter(framework=assessment.framework, code="1").update(title=TEXTS[8])
    Period.objects.filter(pk=graded_period.pk).update(name=TEXTS[0])
    client.force_login(make_user("canbo-yte", (Role.UNIT_STAFF, results_units["so-y-te"])))

    response = client.get(reverse("assessment:improvement-plan", args=[assessment.pk]))

    rows = xlsx_rows(response.content)
    title_row = rows[1][0]
    assert title_row.value.startswith(HYPERLINK + ": chỉ số 61,85%")
    assert (title_row.data_type, title_row.quotePrefix) == ("s", True)
    lost = {row[2].value: row for row in rows[4:]}
    assert sorted(lost) == ["1.1", "1.2", "2.2", "3.1", "9.2"]
    for code, title in titles.items():
        assert_xlsx_text(lost[code][3], title)
    for code, comment in comments.items():
        assert_xlsx_text(lost[code][8], comment)
    assert (lost["1.1"][1].value, lost["1.1"][1].quotePrefix) == ("1. - Kế hoạch", False)  # not at the start
    assert (lost["9.2"][6].value, lost["9.2"][6].data_type) == (-1, "n")  # a negative number stays a number
    assert (lost["2.2"][6].value, lost["2.2"][6].data_type) == (0, "n")


# -- the admin exports -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_framework_export_is_inert(client, coordinator, sample_framework, file_format):
    criteria = list(Criterion.objects.filter(framework=sample_framework).order_by("order")[: len(PAYLOADS)])
    for criterion, payload in zip(criteria, TEXTS, strict=True):
        Criterion.objects.filter(pk=criterion.pk).update(title=payload, guidance=payload)
    client.force_login(coordinator)

    response = client.get(reverse("admin:assessment_framework_export", args=[sample_framework.pk, file_format]))

    by_code = {criterion.code: payload for criterion, payload in zip(criteria, TEXTS, strict=True)}
    if file_format == "csv":
        assert response.content.startswith(b"\xef\xbb\xbf")
        header, *rows = csv_rows(response.content)
        assert (header[0], header[1], header[2], header[-1]) == ("Mã", "Tên tiêu chí", "Điểm tối đa", "Hướng dẫn chấm")
        for row in rows:
            if row[0] in by_code:
                assert_csv_text(row[1], by_code[row[0]])
                assert_csv_text(row[-1], by_code[row[0]])
        assert [row[2] for row in rows[:2]] == ["10", "2.5"]  # points are plain numbers, never escaped
    else:
        header, *rows = xlsx_rows(response.content)
        for row in rows:
            if row[0].value in by_code:
                assert_xlsx_text(row[1], by_code[row[0].value])
                assert_xlsx_text(row[-1], by_code[row[0].value])
        assert [(row[2].value, row[2].data_type) for row in rows[:2]] == [(10, "n"), (2.5, "n")]
    assert len([row for row in rows if (row[0] if file_format == "csv" else row[0].value) in by_code]) == len(PAYLOADS)


@pytest.fixture
def hostile_grades(graded_period):
    """A hostile comment on ten appraisal rows; one row graded 0,5, one 0 (the database refuses negative points)."""
    scores = list(
        Score.objects.filter(assessment__period=graded_period, criterion__method="appraisal").order_by(
            "assessment__unit__code", "criterion__order"
        )[: len(PAYLOADS)]
    )
    for score, payload in zip(scores, TEXTS, strict=True):
        Score.objects.filter(pk=score.pk).update(appraised_comment=payload)
    Score.objects.filter(pk=scores[0].pk).update(appraised_points=D("0.50"))
    Score.objects.filter(pk=scores[1].pk).update(appraised_points=D("0"))
    return {
        (score.assessment.unit.code, score.criterion.code): payload
        for score, payload in zip(scores, TEXTS, strict=True)
    }


GRADE_COLUMNS = ["unit", "unit_name", "criterion", "criterion_title", "max_points", "appraised_points", "comment"]


@pytest.mark.parametrize(("file_format", "index"), [("csv", CSV), ("xlsx", XLSX)])
def test_the_grades_export_is_inert(client, coordinator, hostile_grades, file_format, index):
    client.force_login(coordinator)
    response = client.post(
        reverse("admin:assessment_score_export"),
        {"resource": "0", "format": index, **{f"graderesource_{name}": "on" for name in GRADE_COLUMNS}},
    )
    points = {}
    if file_format == "csv":
        header, *rows = csv_rows(response.content)
        for row in rows:
            payload = hostile_grades.get((row[0], row[2]))
            if payload is not None:
                assert_csv_text(row[6], payload)
                points[payload] = row[5]
    else:
        header, *rows = xlsx_rows(response.content)
        for row in rows:
            payload = hostile_grades.get((row[0].value, row[2].value))
            if payload is not None:
                assert_xlsx_text(row[6], payload)
                assert row[5].quotePrefix is False
                points[payload] = row[5].value
    assert (header[6] if file_format == "csv" else header[6].value) == "Ý kiến thẩm định"
    assert sorted(points) == sorted(TEXTS)
    assert (points[TEXTS[0]], points[TEXTS[1]]) == ("0.5", "0")  # written as plain numbers, not escaped


def chunks(size):
    return [TEXTS[start : start + size] for start in range(0, len(TEXTS), size)]


@pytest.mark.parametrize("payloads", chunks(4))
@pytest.mark.parametrize(("file_format", "index"), [("csv", CSV), ("xlsx", XLSX)])
def test_the_survey_export_is_inert(client, coordinator, graded_period, payloads, file_format, index):
    codes = ["so-du-lich", "so-cong-thuong", "so-xay-dung", "so-y-te"][: len(payloads)]
    for code, payload in zip(codes, payloads, strict=True):
        Unit.objects.filter(code=code).update(code=payload)  # the survey file carries codes only
    Score.objects.filter(assessment__unit__code=payloads[0], criterion__code="3.1").update(survey_points=D("0"))
    client.force_login(coordinator)
    response = client.post(
        reverse("admin:assessment_surveyscore_export"),
        {
            "resource": "0",
            "format": index,
            **{f"surveyresource_{name}": "on" for name in ("unit", "criterion", "points")},
        },
    )
    if file_format == "csv":
        header, *rows = csv_rows(response.content)
        cells = {row[0]: (row[0], row[1], row[2]) for row in rows}
        for payload in payloads:
            assert_csv_text(cells[CSV_CELL[payload]][0], payload)
    else:
        header, *rows = xlsx_rows(response.content)
        cells = {row[0].value: (row[0], row[1].value, row[2].value) for row in rows}
        for payload in payloads:
            assert_xlsx_text(cells[XLSX_VALUE[payload]][0], payload)
    first = CSV_CELL[payloads[0]] if file_format == "csv" else XLSX_VALUE[payloads[0]]
    assert cells[first][1:] == ("3.1", "0")  # a plain number, not escaped
    assert len(rows) == 4


@pytest.mark.parametrize(("file_format", "index"), [("csv", CSV), ("xlsx", XLSX)])
def test_the_earlier_results_export_is_inert(client, coordinator, departments, file_format, index):
    for number, payload in enumerate(TEXTS):
        EarlierResult.objects.create(
            year=2022,
            block=departments,
            unit=Unit.objects.create(code=payload, name=f"Đơn vị {number}", block=departments),
            index_percent=D("86.59") if number % 2 else D("0"),  # never negative (a database check)
            rank=number + 1,
        )
    client.force_login(coordinator)
    columns = ("year", "block", "unit", "index_percent", "rank")
    response = client.post(
        reverse("admin:assessment_earlierresult_export"),
        {"resource": "0", "format": index, **{f"earlierresultresource_{name}": "on" for name in columns}},
    )
    if file_format == "csv":
        header, *rows = csv_rows(response.content)
        assert header == ["Năm", "Khối", "Mã đơn vị", "Chỉ số (%)", "Xếp hạng"]
        by_rank = {int(row[4]): row for row in rows}
        for number, payload in enumerate(TEXTS):
            row = by_rank[number + 1]
            assert_csv_text(row[2], payload)
            assert row[:2] == ["2022", "departments"]
            assert row[3] == ("86.59" if number % 2 else "0")
    else:
        header, *rows = xlsx_rows(response.content)
        by_rank = {int(row[4].value): row for row in rows}
        for number, payload in enumerate(TEXTS):
            row = by_rank[number + 1]
            assert_xlsx_text(row[2], payload)
            assert row[3].value == ("86.59" if number % 2 else "0") and row[3].quotePrefix is False
    assert len(rows) == len(PAYLOADS)


# -- what the files say (issue 10: tests that mirror exports.py) --------------------------------------------------


def test_the_public_csv_holds_the_published_table_with_vietnamese_numbers(graded_period, coordinator):
    from assessment.exports import publication_file

    publication = publish(graded_period, coordinator)
    content = publication_file(publication, "csv")
    assert content.startswith("\ufeff".encode())  # Excel reads the accents right
    block = "Khối Sở, ban, ngành"
    assert csv_rows(content) == [
        [
            "Xếp hạng",
            "Đơn vị",
            "Khối",
            "Điểm thẩm định",
            "Điểm điều tra XHH",
            "Điểm thưởng",
            "Điểm trừ",
            "Tổng điểm",
            "Điểm tối đa",
            "Chỉ số (%)",
            "Lĩnh vực 1 (%)",
            "Lĩnh vực 2 (%)",
            "Lĩnh vực 3 (%)",
        ],
        [
            "1",
            "Sở Du lịch",
            block,
            "22,00",
            "10,00",
            "0,00",
            "0,00",
            "32,00",
            "32,00",
            "100,00",
            "100,00",
            "100,00",
            "100,00",
        ],
        [
            "2",
            "Sở Công Thương",
            block,
            "17,71",
            "10,00",
            "0,00",
            "0,00",
            "27,71",
            "32,00",
            "86,59",
            "97,58",
            "60,00",
            "100,00",
        ],
        [
            "2",
            "Sở Xây dựng",
            block,
            "13,38",
            "10,00",
            "0,00",
            "0,00",
            "23,38",
            "27,00",
            "86,59",
            "69,83",
            "100,00",
            "100,00",
        ],
        ["4", "Sở Y tế", block, "8,45", "7,25", "2,00", "1,00", "16,70", "27,00", "61,85", "70,42", "0,00", "72,50"],
    ]


def test_the_json_names_its_schema_version_and_earlier_versions(graded_period, coordinator):
    import json

    from assessment.exports import SCHEMA_VERSION, file_name, publication_file

    first = publish(graded_period, coordinator)
    Unit.objects.filter(code="so-y-te").update(name="Sở Y tế Hà Nội")  # a second version must change something
    second = publish(graded_period, coordinator, decision_number="1300/QĐ-UBND", reason="Sửa theo kết luận Hội đồng")
    data = json.loads(publication_file(second, "json"))
    assert (data["schema_version"], SCHEMA_VERSION) == (1, 1)
    assert data["period"] == {"year": 2023, "name": graded_period.name}
    assert {key: data["publication"][key] for key in ("version", "decision_number", "correction_reason")} == {
        "version": 2,
        "decision_number": "1300/QĐ-UBND",
        "correction_reason": "Sửa theo kết luận Hội đồng",
    }
    assert data["publication"]["earlier_versions"] == [{"version": 1, "published_at": first.published_at.isoformat()}]
    (block,) = data["blocks"]
    assert (block["code"], block["units_count"], block["average_percent"]) == ("departments", 4, 83.76)
    health = block["units"][-1]
    assert {key: health[key] for key in ("rank", "code", "total_points", "max_points", "index_percent")} == {
        "rank": 4,
        "code": "so-y-te",
        "total_points": 16.7,
        "max_points": 27.0,
        "index_percent": 61.85,
    }
    assert [(item["code"], item["achieved_points"], item["max_points"]) for item in health["fields"]] == [
        ("1", 8.45, 12.0),
        ("2", 0.0, 5.0),
        ("3", 7.25, 10.0),
    ]
    assert [file_name(second, name) for name in ("csv", "pdf")] == [
        "chi-so-cchc-2023-v2.csv",
        "chi-so-cchc-2023-v2.pdf",
    ]


def test_the_improvement_plan_lists_the_lost_points_with_blank_columns_for_the_plan(graded_period, coordinator):
    from assessment.exports import PLAN_HEADERS, improvement_plan_xlsx
    from assessment.selectors.results import lost_points, unit_published_result

    publish(graded_period, coordinator)
    health = Assessment.objects.select_related("period", "unit").get(period=graded_period, unit__code="so-y-te")
    plan = improvement_plan_xlsx(health, unit_published_result(health), lost_points(health))
    rows = [[cell.value for cell in row] for row in xlsx_rows(plan)]
    assert rows[0][0] == "KẾ HOẠCH KHẮC PHỤC HẠN CHẾ — SỞ Y TẾ"
    assert rows[1][0] == (
        "Chỉ số CCHC năm 2023: chỉ số 61,85%, xếp hạng 4/4 Khối Sở, ban, ngành (công bố theo quyết định 1234/QĐ-UBND)"
    )
    assert rows[3] == PLAN_HEADERS
    blank = [None, None, None, None]
    assert rows[4:] == [
        [1, "1. Công tác chỉ đạo, điều hành", "1.1", "Kế hoạch CCHC", 4, None, 3.5, 0.5, None, *blank],
        [2, "1. Công tác chỉ đạo, điều hành", "1.2", "Kiểm tra CCHC", 8, None, 4.95, 3.05, None, *blank],
        [3, "2. Cải cách thủ tục hành chính", "2.2", "Công khai thủ tục", 5, None, 0, 5, None, *blank],
        [
            4,
            "3. Sự hài lòng của người dân",
            "3.1",
            "Khảo sát sự hài lòng",
            10,
            None,
            7.25,
            2.75,
            "Kết quả điều tra xã hội học",
            *blank,
        ],
        [5, "9. Điểm thưởng, điểm trừ", "9.2", "Điểm trừ", None, None, -1, 1, "Bị phê bình (12/QĐ-UBND)", *blank],
    ]
