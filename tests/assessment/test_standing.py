"""Where a unit stands: its self scores against round 1 (and round 2 once closed), per field and per leaf."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from assessment.models import Assessment, AssessmentStatus, Framework, Score
from assessment.policy import standing_refusal
from assessment.selectors.standing import assessment_standing
from assessment.services import framework_activate
from tests.assessment.conftest import MINI_FRAMEWORK, import_rows, mini_framework, open_period

pytestmark = pytest.mark.django_db

URL = "assessment:assessment-standing"


def _set(assessment, code, **values):
    Score.objects.filter(assessment=assessment, criterion__code=code).update(**values)


@pytest.fixture
def opened(departments, agencies, finance):
    """Sở Tài chính's 2024 assessment of the mini framework (1.1: 4, 1.2: 8, 2.1: 5 N/A allowed, 2.2: 5)."""
    period = open_period(mini_framework(departments), units=[finance])
    return Assessment.objects.select_related("period", "unit").get(period=period)


@pytest.fixture
def returned(opened):
    """Self-scored at the maximum, 2.1 N/A (confirmed); round 1 took 2,50 off 1.2; returned to the unit."""
    for code, points in [("1.1", D("4")), ("1.2", D("8")), ("2.2", D("5"))]:
        _set(opened, code, self_points=points)
    _set(opened, "2.1", is_na=True, na_reason="Không phát sinh thủ tục", na_confirmed=True)
    _set(opened, "1.1", appraised_points=D("4"))
    _set(opened, "1.2", appraised_points=D("5.50"), appraised_comment="Chưa kiểm tra đủ 8 phòng chuyên môn")
    _set(opened, "2.2", appraised_points=D("5"), explanation="Đã công khai trên cổng")
    opened.status = AssessmentStatus.RETURNED
    opened.save(update_fields=["status"])
    return opened


def _page(client, user, assessment):
    client.force_login(user)
    return client.get(reverse(URL, args=[assessment.pk]))


def _rows(standing):
    return [
        (item.code, item.max_points, item.self_total, item.round_1_total, item.round_2_total, item.difference)
        for item in standing.fields
    ]


def test_per_field_and_in_all_self_against_round_1(returned):
    standing = assessment_standing(returned)
    assert standing.round_2_shown is False
    assert _rows(standing) == [
        ("1", D("12.00"), D("12.00"), D("9.50"), None, D("-2.50")),
        ("2", D("5.00"), D("5.00"), D("5.00"), None, D("0.00")),  # 2.1 N/A, confirmed: out of the maximum
    ]
    assert (standing.max_points, standing.self_total, standing.round_1_total, standing.difference) == (
        D("17.00"),
        D("17.00"),
        D("14.50"),
        D("-2.50"),
    )
    leaves = {leaf.code: leaf for field in standing.fields for leaf in field.leaves}
    assert (leaves["1.2"].difference, leaves["1.2"].loses, leaves["1.2"].round_1_comment) == (
        D("-2.50"),
        True,
        "Chưa kiểm tra đủ 8 phòng chuyên môn",
    )
    assert leaves["2.1"].difference is None and leaves["1.1"].difference == 0
    assert [field.losing for field in standing.fields] == [1, 0]


def test_a_refused_not_applicable_counts_with_its_appraised_score(returned):
    _set(returned, "2.1", na_confirmed=False, appraised_points=D("0"))
    assert _rows(assessment_standing(returned))[1] == ("2", D("10.00"), D("5.00"), D("5.00"), None, D("0.00"))


def test_round_2_is_shown_once_closed_and_where_not_regraded_round_1_stands(returned):
    _set(returned, "1.2", reappraised_points=D("7"), reappraised_comment="Đã bổ sung biên bản kiểm tra")
    for status in (AssessmentStatus.RETURNED, AssessmentStatus.EXPLAINED):  # round 2 is still being graded
        returned.status = status
        standing = assessment_standing(returned)
        assert standing.round_2_shown is False
        assert {leaf.round_2 for field in standing.fields for leaf in field.leaves} == {None}
    for status in (AssessmentStatus.REAPPRAISED, AssessmentStatus.APPROVED, AssessmentStatus.PUBLISHED):
        returned.status = status
        standing = assessment_standing(returned)
        assert _rows(standing) == [
            ("1", D("12.00"), D("12.00"), D("9.50"), D("11.00"), D("-1.00")),
            ("2", D("5.00"), D("5.00"), D("5.00"), D("5.00"), D("0.00")),
        ]
        assert standing.round_2_total == D("16.00")
        leaf = standing.fields[0].leaves[1]
        assert (leaf.round_1, leaf.round_2, leaf.round_2_comment, leaf.difference) == (
            D("5.50"),
            D("7.00"),
            "Đã bổ sung biên bản kiểm tra",
            D("-1.00"),
        )


def test_the_page_shows_the_numbers_and_the_comments_in_vietnamese(client, returned, unit_staff):
    response = _page(client, unit_staff, returned)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<tr data-leaf="1.2" class="table-warning">' in html
    assert "Chưa kiểm tra đủ 8 phòng chuyên môn" in html
    assert "Đã công khai trên cổng" in html  # the unit's own explanation, beside the grade
    assert "mất điểm ở 1 tiêu chí" in html
    for text in ("9,50", "−2,50", "14,50", "±0,00", "không áp dụng", "Vòng 1"):
        assert text in html
    assert "Sau vòng 2" not in html


def test_after_round_2_the_page_has_its_column(client, returned, unit_head):
    _set(returned, "1.2", reappraised_points=D("7"), reappraised_comment="Đã bổ sung biên bản kiểm tra")
    Assessment.objects.filter(pk=returned.pk).update(status=AssessmentStatus.REAPPRAISED)
    html = _page(client, unit_head, returned).content.decode()
    for text in ("Sau vòng 2", "Đã bổ sung biên bản kiểm tra", "11,00", "−1,00", "giữ điểm vòng 1"):
        assert text in html


@pytest.mark.parametrize(
    "status", [AssessmentStatus.DRAFT, AssessmentStatus.SUBMITTED, AssessmentStatus.UNDER_APPRAISAL]
)
def test_before_return_it_is_refused_and_not_linked(client, returned, unit_staff, status):
    Assessment.objects.filter(pk=returned.pk).update(status=status)
    response = _page(client, unit_staff, returned)
    assert response.status_code == 403
    assert "Chưa kiểm tra đủ" not in response.content.decode()
    for name in ("assessment:assessment-detail", "assessment:assessment-summary"):
        assert 'data-testid="go-standing"' not in client.get(reverse(name, args=[returned.pk])).content.decode()


def test_after_return_the_detail_and_the_summary_link_to_it(client, returned, unit_head):
    client.force_login(unit_head)
    for name in ("assessment:assessment-detail", "assessment:assessment-summary"):
        html = client.get(reverse(name, args=[returned.pk])).content.decode()
        assert f'href="{reverse(URL, args=[returned.pk])}" data-testid="go-standing"' in html


@pytest.mark.parametrize("who", ["other_unit_staff", "appraiser", "coordinator", "council_member"])
def test_nobody_outside_the_unit_reads_it(client, returned, who, request):
    assert _page(client, request.getfixturevalue(who), returned).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, returned):
    response = client.get(reverse(URL, args=[returned.pk]))
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_the_policy_says_why(returned, unit_staff, other_unit_staff, coordinator):
    assert standing_refusal(unit_staff, returned) is None
    assert (
        standing_refusal(other_unit_staff, returned)
        == "Chỉ cán bộ của Sở Tài chính được xem kết quả so sánh của đơn vị."
    )
    assert standing_refusal(coordinator, returned) == "Chỉ cán bộ của Sở Tài chính được xem kết quả so sánh của đơn vị."
    returned.status = AssessmentStatus.UNDER_APPRAISAL
    assert standing_refusal(unit_staff, returned) == "Kết quả thẩm định chưa được trả về đơn vị."


def _framework_of(block, leaves: int):
    header = MINI_FRAMEWORK[0]
    half = leaves // 2
    rows = [header]
    for field, count in (("1", half), ("2", leaves - half)):
        rows.append([field, f"Lĩnh vực {field}", str(count), "", "", "", "", "", "so-noi-vu", ""])
        rows += [
            [f"{field}.{n}", f"Tiêu chí {field}.{n}", "1", "appraisal", "manual", "", "no", "no", "so-noi-vu", ""]
            for n in range(1, count + 1)
        ]
    framework = Framework.objects.create(block=block, name=f"Bộ {leaves}", first_year=2020)
    outcome = import_rows(framework, rows)
    assert outcome.ok, outcome.problems
    framework_activate(framework=framework, actor=None)
    return framework


@pytest.mark.parametrize("leaves", [10, 100])
def test_the_page_reads_in_a_constant_number_of_queries(
    client, departments, agencies, finance, unit_staff, leaves, django_assert_max_num_queries
):
    period = open_period(_framework_of(departments, leaves), units=[finance])
    assessment = Assessment.objects.get(period=period)
    Score.objects.filter(assessment=assessment).update(self_points=1, appraised_points=D("0.5"), appraised_comment="x")
    Assessment.objects.filter(pk=assessment.pk).update(status=AssessmentStatus.RETURNED)
    client.force_login(unit_staff)
    url = reverse(URL, args=[assessment.pk])
    with django_assert_max_num_queries(6):  # session, user, roles, the assessment, then the selector (2)
        response = client.get(url)
    assert response.status_code == 200
    total = response.context["standing"]
    assert (total.max_points, total.self_total, total.round_1_total) == (leaves, leaves, D("0.5") * leaves)
    assert response.content.decode().count('class="table-warning"') == leaves


def test_the_selector_reads_in_two_queries(returned, django_assert_num_queries):
    with django_assert_num_queries(2):
        assessment_standing(returned)
