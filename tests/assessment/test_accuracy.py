"""Accuracy of self-assessment: per unit, field and year, the gap between self and final scores, the share of
criteria claimed above the final score, the city table ordered by gap, each unit's own trend, and the appraisers'
queue starting with the units whose claims were least reliable the year before.

Mini framework (appraisal leaves 1.1 /4, 1.2 /8, 2.1 /5 N/A allowed, 2.2 /5; survey 3.1 never compared)."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from accounts.models import Role
from assessment.models import Assessment, AssessmentStatus, Score
from assessment.selectors.insights import period_accuracy, unit_accuracy
from tests.assessment.conftest import approve_all, mini_framework, open_period, publish
from tests.conftest import make_user
from tests.factories import UnitFactory


def grade(assessment, rows: dict, na=()):
    """{code: (self, appraised, reappraised, council)}; None leaves the value blank."""
    for code, (self_points, appraised, reappraised, council) in rows.items():
        Score.objects.filter(assessment=assessment, criterion__code=code).update(
            self_points=self_points,
            appraised_points=appraised,
            reappraised_points=reappraised,
            council_points=council,
            council_reason="Hội đồng thẩm định quyết định" if council is not None else "",
            is_na=code in na,
            na_reason="Không phát sinh" if code in na else "",
            na_confirmed=code in na,
        )


@pytest.fixture
def units(departments, agencies, finance):
    return {
        "so-tai-chinh": finance,
        "so-y-te": UnitFactory(code="so-y-te", name="Sở Y tế", block=departments),
        "so-xay-dung": UnitFactory(code="so-xay-dung", name="Sở Xây dựng", block=departments),
    }


@pytest.fixture
def framework(departments, agencies):
    return mini_framework(departments)


def period_of(framework, units, year):
    period = open_period(framework, year=year, units=list(units.values()))
    return period, {a.unit.code: a for a in Assessment.objects.filter(period=period).select_related("unit")}


@pytest.fixture
def year_2023(framework, units):
    period, by_unit = period_of(framework, units, 2023)
    # Sở Tài chính claims 4 + 8 + 5 + 5 = 22; granted 2 + 6 (round 2 over 5) + 5 + 3 = 16: gap +6 on 4 leaves,
    # 3 claimed above (1.1, 1.2, 2.2); 3.1 is a survey leaf, never compared.
    grade(
        by_unit["so-tai-chinh"],
        {
            "1.1": (D("4"), D("2"), None, None),
            "1.2": (D("8"), D("5"), D("6"), None),
            "2.1": (D("5"), D("5"), None, None),
            "2.2": (D("5"), D("3"), None, None),
        },
    )
    # Sở Y tế: 2.1 N/A (confirmed) left out; 2.2 without a self score left out; the council's 3 over 1 on 1.2;
    # claims 4 + 6 = 10, granted 4 + 3 = 7: gap +3 on 2 leaves, 1 above (1.2); a claim below (1.1 none).
    grade(
        by_unit["so-y-te"],
        {
            "1.1": (D("4"), D("4"), None, None),
            "1.2": (D("6"), D("1"), None, D("3")),
            "2.1": (None, None, None, None),
            "2.2": (None, D("5"), None, None),
        },
        na=["2.1"],
    )
    # Sở Xây dựng claims below what it got on 1.1 (2 for 3) and has 1.2 not graded yet (left out): gap −1,00.
    grade(
        by_unit["so-xay-dung"],
        {
            "1.1": (D("2"), D("3"), None, None),
            "1.2": (D("8"), None, None, None),
            "2.1": (D("1"), D("1"), None, None),
        },
    )
    return period


def rows(accuracy):
    return [
        (r.unit_code, r.compared, r.self_total, r.final_total, r.gap, r.mean_gap, r.above, r.share_above)
        for r in accuracy
    ]


def test_the_city_table_orders_the_units_by_their_gap(year_2023):
    assert rows(period_accuracy(year_2023)) == [
        ("so-tai-chinh", 4, D("22.00"), D("16.00"), D("6.00"), D("1.50"), 3, D("75.00")),
        ("so-y-te", 2, D("10.00"), D("7.00"), D("3.00"), D("1.50"), 1, D("50.00")),
        ("so-xay-dung", 2, D("3.00"), D("4.00"), D("-1.00"), D("-0.50"), 0, D("0.00")),
    ]
    assert [r.unit_code for r in period_accuracy(year_2023, "share")] == ["so-tai-chinh", "so-y-te", "so-xay-dung"]
    # equal mean gaps: by unit code
    assert [r.unit_code for r in period_accuracy(year_2023, "mean")] == ["so-tai-chinh", "so-y-te", "so-xay-dung"]
    assert [r.unit_code for r in period_accuracy(year_2023, "unit")] == ["so-tai-chinh", "so-xay-dung", "so-y-te"]


def test_a_unit_s_accuracy_by_field_and_over_the_years(year_2023, framework, units):
    period_2024, by_unit = period_of(framework, units, 2024)
    grade(by_unit["so-tai-chinh"], {"1.1": (D("4"), D("3.50"), None, None), "2.2": (D("4"), D("4"), None, None)})
    years, fields = unit_accuracy(units["so-tai-chinh"].pk)
    assert [(r.year, r.compared, r.gap, r.mean_gap, r.share_above) for r in years] == [
        (2023, 4, D("6.00"), D("1.50"), D("75.00")),
        (2024, 2, D("0.50"), D("0.25"), D("50.00")),
    ]
    assert [(r.year, r.field, r.compared, r.self_total, r.final_total, r.above) for r in fields] == [
        (2023, "1", 2, D("12.00"), D("8.00"), 2),
        (2023, "2", 2, D("10.00"), D("8.00"), 1),
        (2024, "1", 1, D("4.00"), D("3.50"), 1),
        (2024, "2", 1, D("4.00"), D("4.00"), 0),
    ]


def test_the_accuracy_page_is_for_home_affairs_and_the_council(
    client, year_2023, coordinator, council_member, appraiser, unit_staff
):
    url = reverse("admin:assessment_period_accuracy", args=[year_2023.pk])
    for person, expected in [(coordinator, 200), (council_member, 200), (appraiser, 403)]:
        client.force_login(person)
        assert client.get(url).status_code == expected, person.username
    client.force_login(unit_staff)
    assert client.get(url).status_code == 302  # not staff: the admin's sign-in page
    client.force_login(coordinator)
    html = client.get(url, {"o": "share"}).content.decode()
    assert "Độ chính xác tự đánh giá" in html
    first = html.index("Sở Tài chính")
    assert first < html.index("Sở Y tế") < html.index("Sở Xây dựng")
    assert '<td class="num">+6,00</td>' in html and '<td class="num">−1,00</td>' in html
    assert "75,00% <span" in html


@pytest.mark.parametrize("count", [4, 50])
def test_the_accuracy_page_reads_in_a_constant_number_of_queries(
    client, django_assert_max_num_queries, framework, departments, coordinator, count
):
    units = {str(n): UnitFactory(block=departments) for n in range(count)}
    period, by_unit = period_of(framework, units, 2023)
    for assessment in by_unit.values():
        grade(assessment, {"1.1": (D("4"), D("2"), None, None)})
    client.force_login(coordinator)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("admin:assessment_period_accuracy", args=[period.pk]))
    assert len(response.context["rows"]) == count


def test_the_unit_reads_its_own_accuracy_on_its_results_page(client, year_2023, coordinator, finance):
    approve_all(year_2023)
    publish(year_2023, coordinator)
    assessment = Assessment.objects.get(period=year_2023, unit=finance)
    client.force_login(make_user("canbo", (Role.UNIT_STAFF, finance)))
    response = client.get(reverse("assessment:assessment-results", args=[assessment.pk]))
    assert [(r.unit_code, r.field, r.gap) for r in response.context["accuracy_fields"]] == [
        ("so-tai-chinh", "1", D("4.00")),
        ("so-tai-chinh", "2", D("2.00")),
    ]
    assert [(r.year, r.gap) for r in response.context["accuracy_years"]] == [(2023, D("6.00"))]
    html = response.content.decode()
    assert "Độ chính xác của việc tự đánh giá" in html


def test_the_queue_can_start_with_the_units_least_reliable_the_year_before(
    client, year_2023, framework, units, appraiser
):
    period_2024, by_unit = period_of(framework, units, 2024)
    Assessment.objects.filter(period=period_2024).update(status=AssessmentStatus.SUBMITTED)
    client.force_login(appraiser)
    queue = reverse("admin:assessment_score_changelist")
    usual = client.get(queue, {"assessment__period__id__exact": period_2024.pk})
    units_in = [row.assessment.unit.code for row in usual.context["cl"].result_list]
    assert units_in[0] == "so-tai-chinh" and units_in[-1] == "so-y-te"  # by code
    by_gap = client.get(queue, {"assessment__period__id__exact": period_2024.pk, "order": "gap"})
    order = list(dict.fromkeys(row.assessment.unit.code for row in by_gap.context["cl"].result_list))
    assert order == ["so-tai-chinh", "so-y-te", "so-xay-dung"]  # gaps +6, +3, −1 in 2023
    html = by_gap.content.decode()
    assert "Chênh lệch năm trước: +6,00" in html
    # The choice stays for the next pages, until switched back.
    again = client.get(queue, {"assessment__period__id__exact": period_2024.pk})
    assert list(dict.fromkeys(row.assessment.unit.code for row in again.context["cl"].result_list)) == order
    client.get(queue, {"order": "usual"})
    back = client.get(queue, {"assessment__period__id__exact": period_2024.pk})
    assert [row.assessment.unit.code for row in back.context["cl"].result_list] == units_in
