"""What if: the unit ticks criteria where it lost points and sees its index and rank had it not lost them.

Six departments on the mini framework (32 points): Sở A 32 (100,00), Sở B 28 (87,50), Sở C 27,50 (85,94),
Sở D 26 (81,25), Sở Tài chính 25 − penalty 1 = 24 (75,00, rank 5), Sở F 20 (62,50)."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from assessment import policy, scoring
from assessment.models import Assessment, AssessmentStatus, PublishedUnit, Score
from assessment.selectors.insights import published_others, unit_leaves, what_if
from assessment.services.results import period_results
from tests.assessment.conftest import FULL, approve_all, mini_framework, open_period, publish, set_scores
from tests.conftest import make_user
from tests.factories import UnitFactory


def explaining(assessment):
    """Returned, inside the explanation window."""
    today = timezone.localdate()
    period = assessment.period
    period.self_assessment_opens, period.self_assessment_closes = today - timedelta(days=40), today - timedelta(days=30)
    period.appraisal_closes, period.explanation_opens = today - timedelta(days=10), today - timedelta(days=1)
    period.explanation_closes = today + timedelta(days=5)
    period.save()
    Assessment.objects.filter(period=period).update(status=AssessmentStatus.RETURNED)
    assessment.refresh_from_db()
    return assessment


def finance_result(assessment):
    return PublishedUnit.objects.get(publication__period=assessment.period, unit_id=assessment.unit_id)


def test_the_unit_s_leaves_are_read_as_the_index_counts_them(finance_assessment):
    leaves, titles = unit_leaves(finance_assessment)
    assert [(leaf.code, leaf.method, leaf.max_points, leaf.points) for leaf in leaves] == [
        ("1.1", "appraisal", D("4.00"), D("2.00")),
        ("1.2", "appraisal", D("8.00"), D("6.00")),
        ("2.1", "appraisal", D("5.00"), D("5.00")),
        ("2.2", "appraisal", D("5.00"), D("3.00")),
        ("3.1", "survey", D("10.00"), D("9.00")),
        ("9.2", "penalty", D("3.00"), D("1.00")),
    ]
    assert titles["9.2"][0] == "Điểm trừ"
    assert scoring.unit_result(leaves).index == D("75.0000")


def test_two_criteria_fixed_move_the_unit_from_rank_5_to_a_tie_at_rank_2(finance_assessment, published):
    others = published_others(finance_result(finance_assessment))
    assert sorted(others, reverse=True) == [D("100.00"), D("87.50"), D("85.94"), D("81.25"), D("62.50")]

    nothing = what_if(finance_assessment, set(), others)
    assert (nothing.now.shown_index, nothing.now_rank, nothing.units) == (D("75.00"), 5, 6)
    assert (nothing.then.shown_index, nothing.then_rank, nothing.gain) == (D("75.00"), 5, D("0.00"))
    # Most points at stake first; ties in framework order; the index each would add alone.
    assert [(s.code, s.points, s.lost, s.index_gain, s.fixed) for s in nothing.stakes] == [
        ("1.1", D("2.00"), D("2.00"), D("6.25"), False),
        ("1.2", D("6.00"), D("2.00"), D("6.25"), False),
        ("2.2", D("3.00"), D("2.00"), D("6.25"), False),
        ("3.1", D("9.00"), D("1.00"), D("3.13"), False),
        ("9.2", D("1.00"), D("1.00"), D("3.13"), False),
    ]

    two = what_if(finance_assessment, {"1.1", "1.2"}, others)
    assert (two.then.total, two.then.maximum, two.then.shown_index) == (D("28.00"), D("32.00"), D("87.50"))
    assert (two.then_rank, two.gain) == (2, D("12.50"))  # tied with Sở B at 87,50
    assert [s.code for s in two.fixed] == ["1.1", "1.2"]

    three = what_if(finance_assessment, {"1.1", "1.2", "9.2"}, others)
    assert (three.then.shown_index, three.then.penalty, three.then_rank) == (D("90.63"), D("0"), 2)


def test_the_what_if_equals_a_full_recomputation_of_the_block(finance_assessment, published):
    figures = what_if(finance_assessment, {"1.1", "1.2"}, published_others(finance_result(finance_assessment)))
    # Grade the two criteria at their maximum for real and compute the whole block again.
    Score.objects.filter(assessment=finance_assessment, criterion__code="1.1").update(appraised_points=D("4"))
    Score.objects.filter(assessment=finance_assessment, criterion__code="1.2").update(appraised_points=D("8"))
    (block,) = period_results(finance_assessment.period)
    row = next(row for row in block.units if row.assessment_id == finance_assessment.pk)
    assert (row.result.index, row.rank) == (figures.then.index, figures.then_rank)
    assert row.result == figures.then


def test_nothing_is_saved_and_the_published_figures_do_not_change(client, finance_assessment, published, finance):
    staff = make_user("canbo", (Role.UNIT_STAFF, finance))
    before = list(PublishedUnit.objects.order_by("pk").values_list(*PublishedUnit.FIGURES))
    scores = list(Score.objects.order_by("pk").values_list("appraised_points", "survey_points"))
    client.force_login(staff)
    url = reverse("assessment:assessment-what-if", args=[finance_assessment.pk])
    response = client.get(url, {"fix": ["1.1", "1.2"]})
    assert response.status_code == 200
    assert list(PublishedUnit.objects.order_by("pk").values_list(*PublishedUnit.FIGURES)) == before
    assert list(Score.objects.order_by("pk").values_list("appraised_points", "survey_points")) == scores


def test_the_page_shows_the_figures_in_vietnamese(client, finance_assessment, published, finance):
    client.force_login(make_user("canbo", (Role.UNIT_STAFF, finance)))
    url = reverse("assessment:assessment-what-if", args=[finance_assessment.pk])
    html = client.get(url, {"fix": ["1.1", "1.2", "7.7"]}).content.decode()
    assert 'data-testid="what-if-now">75,00%<' in html
    assert 'data-testid="what-if-then">87,50% <span class="fs-5">(+12,50)</span><' in html
    assert "Xếp thứ 5/6" in html and "Xếp thứ 2/6" in html
    assert "Tiêu chí 7.7 không phải là tiêu chí đơn vị bị mất điểm" in html
    assert html.count('name="fix"') == 5
    assert html.count(" checked>") == 2
    assert "không có gì được lưu" in html


def test_during_the_explanation_the_current_grades_of_the_block_are_used(client, finance_assessment, finance):
    explaining(finance_assessment)
    client.force_login(make_user("canbo", (Role.UNIT_STAFF, finance)))
    url = reverse("assessment:assessment-what-if", args=[finance_assessment.pk])
    response = client.get(url, {"fix": ["1.1", "1.2", "9.2"]})
    assert response.status_code == 200
    what = response.context["what"]
    assert (what.now.shown_index, what.now_rank, what.then.shown_index, what.then_rank, what.units) == (
        D("75.00"),
        5,
        D("90.63"),
        2,
        6,
    )
    assert response.context["result"] is None


@pytest.mark.parametrize("status", [AssessmentStatus.DRAFT, AssessmentStatus.SUBMITTED, AssessmentStatus.APPROVED])
def test_before_publication_and_outside_the_explanation_window_there_is_no_what_if(
    client, finance_assessment, finance, status
):
    Assessment.objects.filter(pk=finance_assessment.pk).update(status=status)
    client.force_login(make_user("canbo", (Role.UNIT_STAFF, finance)))
    url = reverse("assessment:assessment-what-if", args=[finance_assessment.pk])
    assert client.get(url).status_code == 404


def test_after_the_explanation_window_closes_there_is_no_what_if_until_publication(client, finance_assessment, finance):
    explaining(finance_assessment)
    period = finance_assessment.period
    period.explanation_closes = timezone.localdate() - timedelta(days=1)
    period.explanation_opens = period.explanation_closes - timedelta(days=3)
    period.save(update_fields=["explanation_opens", "explanation_closes"])
    client.force_login(make_user("canbo", (Role.UNIT_STAFF, finance)))
    assert client.get(reverse("assessment:assessment-what-if", args=[finance_assessment.pk])).status_code == 404


def test_only_the_unit_s_own_people_see_its_what_if(
    client, finance_assessment, published, finance, appraiser, coordinator, council_member, other_unit_staff
):
    url = reverse("assessment:assessment-what-if", args=[finance_assessment.pk])
    head = make_user("lanhdao", (Role.UNIT_HEAD, finance))
    for person, expected in [
        (head, 200),
        (other_unit_staff, 404),
        (appraiser, 404),
        (coordinator, 404),
        (council_member, 404),
    ]:
        client.force_login(person)
        assert client.get(url).status_code == expected, person.username
    client.logout()
    assert client.get(url).status_code == 302  # to the sign-in page


def test_the_policy_answers_to_the_day(finance_assessment, finance):
    staff = make_user("canbo", (Role.UNIT_STAFF, finance))
    explaining(finance_assessment)
    period = finance_assessment.period
    days = [period.explanation_opens - timedelta(days=1), period.explanation_opens, period.explanation_closes]
    days.append(period.explanation_closes + timedelta(days=1))
    assert [policy.may_see_what_if(staff, finance_assessment, published=False, on=day) for day in days] == [
        False,
        True,
        True,
        False,
    ]
    assert policy.may_see_what_if(staff, finance_assessment, published=True, on=days[-1]) is True


@pytest.mark.parametrize("others", [4, 50])
def test_the_page_reads_in_a_constant_number_of_queries(
    client, django_assert_max_num_queries, departments, agencies, finance, coordinator, others
):
    framework = mini_framework(departments)
    units = [finance] + [UnitFactory(block=departments) for _ in range(others)]
    period = open_period(framework, year=2023, units=units)
    for assessment in Assessment.objects.filter(period=period):
        set_scores(assessment, {**FULL, "1.2": D("5")})
    approve_all(period)
    publish(period, coordinator)
    assessment = Assessment.objects.get(period=period, unit=finance)
    client.force_login(make_user("canbo", (Role.UNIT_STAFF, finance)))
    url = reverse("assessment:assessment-what-if", args=[assessment.pk])
    with django_assert_max_num_queries(14):
        assert client.get(url, {"fix": ["1.2"]}).status_code == 200
