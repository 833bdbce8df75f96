"""Where a unit stands: its self scores against round 1 (and round 2 once closed), per field and per leaf."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from assessment.models import AssessmentStatus, Score
from assessment.selectors.standing import assessment_standing
from tests.assessment.conftest import score_of

pytestmark = pytest.mark.django_db

URL = "assessment:assessment-standing"


def _page(client, user, assessment):
    client.force_login(user)
    return client.get(reverse(URL, args=[assessment.pk]))


@pytest.fixture
def returned(explained):
    """The explained assessment seen back at "returned" (before the explanation was submitted)."""
    explained.status = AssessmentStatus.RETURNED
    explained.save(update_fields=["status"])
    return explained


def test_field_1_and_the_whole_self_against_round_1(returned):
    standing = assessment_standing(returned)
    assert standing.round_2_shown is False
    field = next(item for item in standing.fields if item.code == "1")
    leaf = next(item for item in field.leaves if item.code == "1.1.1")
    # Every leaf was self-scored at its maximum; 1.1.1 appraised 0,50 out of its maximum.
    assert leaf.self_points == leaf.max_points
    assert leaf.round_1 == D("0.50")
    assert leaf.difference == D("0.50") - leaf.max_points
    assert leaf.loses is True
    assert field.self_total == field.max_points
    assert field.round_1_total == field.max_points - leaf.max_points + D("0.50")
    assert field.round_2_total is None
    assert field.losing == 1
    assert standing.difference == D("0.50") - leaf.max_points
    assert all(item.difference == 0 for item in standing.fields if item.code != "1")


def test_round_2_is_shown_once_closed_and_where_not_regraded_round_1_stands(explained, coordinator):
    leaf = score_of(explained, "1.1.1")
    Score.objects.filter(pk=leaf.pk).update(reappraised_points=D("0.75"), reappraised_comment="Chấp nhận một phần")
    standing = assessment_standing(explained)
    assert standing.round_2_shown is False  # explained: round 2 is being graded
    assert next(item for item in standing.fields if item.code == "1").round_2_total is None
    explained.status = AssessmentStatus.REAPPRAISED
    standing = assessment_standing(explained)
    field = next(item for item in standing.fields if item.code == "1")
    shown = next(item for item in field.leaves if item.code == "1.1.1")
    assert (shown.round_1, shown.round_2, shown.round_2_comment) == (D("0.50"), D("0.75"), "Chấp nhận một phần")
    assert shown.difference == D("0.75") - shown.max_points
    assert field.round_2_total == field.max_points - shown.max_points + D("0.75")
    other = next(item for item in field.leaves if item.code != "1.1.1")
    assert other.round_2 is None and other.latest == other.round_1


def test_the_page_shows_each_leaf_with_its_comment_in_vietnamese(client, returned, unit_staff):
    Score.objects.filter(pk=score_of(returned, "1.1.1").pk).update(appraised_comment="Ban hành chậm 10 ngày")
    response = _page(client, unit_staff, returned)
    assert response.status_code == 200
    html = response.content.decode()
    leaf = score_of(returned, "1.1.1")
    assert 'data-leaf="1.1.1" class="table-warning"' in html
    assert "Ban hành chậm 10 ngày" in html
    assert "Ban hành đúng hạn." in html  # the unit's own explanation, beside it
    field = next(item for item in assessment_standing(returned).fields if item.code == "1")
    assert f"−{(leaf.max_points - D('0.50')):.2f}".replace(".", ",") in html
    assert f"{field.round_1_total:.2f}".replace(".", ",") in html
    assert "Vòng 1" in html
    assert "Sau vòng 2" not in html


def test_before_return_the_unit_is_refused_and_no_link_is_shown(client, submitted, unit_staff):
    response = _page(client, unit_staff, submitted)
    assert response.status_code == 403
    assert "Chênh lệch" not in response.content.decode()
    detail = client.get(reverse("assessment:assessment-detail", args=[submitted.pk])).content.decode()
    assert 'data-testid="go-standing"' not in detail


def test_a_draft_is_refused_too(client, assessment, unit_head):
    assert _page(client, unit_head, assessment).status_code == 403


def test_the_policy_says_why(submitted, returned, unit_staff, other_unit_staff):
    from assessment.policy import standing_refusal

    assert standing_refusal(unit_staff, returned) is None
    assert (
        standing_refusal(other_unit_staff, returned)
        == "Chỉ cán bộ của Sở Tài chính được xem kết quả so sánh của đơn vị."
    )


def test_after_return_the_detail_and_summary_link_to_it(client, returned, unit_head):
    client.force_login(unit_head)
    for name in ("assessment:assessment-detail", "assessment:assessment-summary"):
        html = client.get(reverse(name, args=[returned.pk])).content.decode()
        assert reverse(URL, args=[returned.pk]) in html


@pytest.mark.parametrize("who", ["other_unit_staff", "appraiser", "coordinator", "council_member"])
def test_nobody_outside_the_unit_reads_it(client, returned, who, request):
    assert _page(client, request.getfixturevalue(who), returned).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, returned):
    response = client.get(reverse(URL, args=[returned.pk]))
    assert response.status_code == 302 and "login" in response.url


def _framework_of(block, leaves: int):
    from assessment.models import Framework
    from assessment.services import framework_activate
    from tests.assessment.conftest import MINI_FRAMEWORK, import_rows

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
    from assessment.models import Assessment
    from tests.assessment.conftest import open_period

    period = open_period(_framework_of(departments, leaves), units=[finance])
    assessment = Assessment.objects.get(period=period)
    Score.objects.filter(assessment=assessment).update(self_points=1, appraised_points=D("0.5"), appraised_comment="x")
    Assessment.objects.filter(pk=assessment.pk).update(status=AssessmentStatus.RETURNED)
    client.force_login(unit_staff)
    url = reverse(URL, args=[assessment.pk])
    with django_assert_max_num_queries(9):
        response = client.get(url)
    assert response.status_code == 200
    total = response.context["standing"]
    assert (total.max_points, total.self_total, total.round_1_total) == (leaves, leaves, D("0.5") * leaves)
    assert response.content.decode().count('class="table-warning"') == leaves


def test_the_selector_reads_in_two_queries(returned, django_assert_num_queries):
    with django_assert_num_queries(2):
        assessment_standing(returned)
