"""The provisional ranking in the shared cache: kept while nothing it reads changes, computed again after any grade,
survey point, bonus or penalty entry or state change, one key per period and fingerprint."""

from decimal import Decimal as D

from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from assessment.models import Adjustment, Assessment, AssessmentStatus, Criterion, Score
from assessment.services.results import (
    adjustment_delete,
    adjustment_save,
    period_results,
    provisional_results,
    provisional_version,
    survey_points_set,
)
from tests.assessment.conftest import open_period
from tests.assessment.test_results import table

BEFORE = [
    (1, "so-du-lich", D("22"), D("10"), D("0"), D("0"), D("32"), D("32"), D("100.0000"), D("100.00")),
    (2, "so-cong-thuong", D("17.71"), D("10"), D("0"), D("0"), D("27.71"), D("32"), D("86.5938"), D("86.59")),
    (2, "so-xay-dung", D("13.38"), D("10"), D("0"), D("0"), D("23.38"), D("27"), D("86.5926"), D("86.59")),
    (4, "so-y-te", D("8.45"), D("7.25"), D("2"), D("1"), D("16.70"), D("27"), D("61.8519"), D("61.85")),
]
# period_results: 6 queries, and on PostgreSQL the working memory of its one pass over the scores set first
COMPUTE_QUERIES = 7 if connection.vendor == "postgresql" else 6
MISS_QUERIES = 3 + COMPUTE_QUERIES  # the fingerprint (assessments, scores, entries' history), then period_results
HIT_QUERIES = 3  # the fingerprint only


def _survey_leaf(period, unit_code):
    return Score.objects.get(assessment__period=period, assessment__unit__code=unit_code, criterion__code="3.1")


def test_a_second_read_comes_from_the_cache_in_fewer_queries(graded_period, django_assert_num_queries):
    with django_assert_num_queries(COMPUTE_QUERIES):
        assert table(period_results(graded_period)) == BEFORE
    with django_assert_num_queries(MISS_QUERIES):
        assert table(provisional_results(graded_period)) == BEFORE
    with django_assert_num_queries(HIT_QUERIES):
        cached = provisional_results(graded_period)
    assert table(cached) == BEFORE
    (departments,) = cached
    assert departments.average == D("83.76")
    assert cache.get(f"provisional-results:{graded_period.pk}:{provisional_version(graded_period)}") is not None


def test_a_survey_grade_change_gives_the_new_rows_at_once(graded_period, coordinator, django_assert_num_queries):
    assert table(provisional_results(graded_period)) == BEFORE
    survey_points_set(actor=coordinator, rows=[(_survey_leaf(graded_period, "so-y-te").pk, D("10"))])
    with django_assert_num_queries(MISS_QUERIES):
        after = provisional_results(graded_period)
    assert table(after) == [
        (1, "so-du-lich", D("22"), D("10"), D("0"), D("0"), D("32"), D("32"), D("100.0000"), D("100.00")),
        (2, "so-cong-thuong", D("17.71"), D("10"), D("0"), D("0"), D("27.71"), D("32"), D("86.5938"), D("86.59")),
        (2, "so-xay-dung", D("13.38"), D("10"), D("0"), D("0"), D("23.38"), D("27"), D("86.5926"), D("86.59")),
        (4, "so-y-te", D("8.45"), D("10"), D("2"), D("1"), D("19.45"), D("27"), D("72.0370"), D("72.04")),
    ]


def test_an_entry_added_changed_or_removed_and_a_state_change_each_give_new_rows(graded_period, coordinator):
    y_te = Assessment.objects.get(period=graded_period, unit__code="so-y-te")
    versions = [provisional_version(graded_period)]
    penalty = adjustment_save(
        adjustment=Adjustment(
            assessment=y_te,
            criterion=Criterion.objects.get(framework=y_te.framework, code="9.2"),
            points=D("1"),
            reason="Bị phê bình lần hai",
            decision_reference="15/QĐ-UBND",
        ),
        actor=coordinator,
    )
    assert [row[:2] + row[5:7] for row in table(provisional_results(graded_period))][3] == (
        4,
        "so-y-te",
        D("2"),
        D("15.70"),
    )
    versions.append(provisional_version(graded_period))
    penalty.points = D("2")
    adjustment_save(adjustment=penalty, actor=coordinator)
    assert table(provisional_results(graded_period))[3][5:7] == (D("3"), D("14.70"))
    versions.append(provisional_version(graded_period))
    adjustment_delete(adjustment=penalty, actor=coordinator)
    assert table(provisional_results(graded_period)) == BEFORE
    versions.append(provisional_version(graded_period))
    Assessment.objects.filter(pk=y_te.pk).update(status=AssessmentStatus.RETURNED)
    assert [row.status for row in provisional_results(graded_period)[0].units][3] == AssessmentStatus.RETURNED
    versions.append(provisional_version(graded_period))
    assert len(set(versions)) == 5


def test_each_period_has_its_own_key(graded_period, results_units, coordinator, django_assert_num_queries):
    framework = Assessment.objects.filter(period=graded_period).first().framework
    other = open_period(framework, year=2024, units=list(results_units.values()))
    assert table(provisional_results(graded_period)) == BEFORE
    assert [(row[0], row[1], row[6]) for row in table(provisional_results(other))] == [
        (1, "so-cong-thuong", D("0")),
        (1, "so-du-lich", D("0")),
        (1, "so-xay-dung", D("0")),
        (1, "so-y-te", D("0")),
    ]
    survey_points_set(actor=coordinator, rows=[(_survey_leaf(graded_period, "so-y-te").pk, D("10"))])
    with django_assert_num_queries(HIT_QUERIES):  # the other period's rows are still those kept
        provisional_results(other)
    assert provisional_version(graded_period) != provisional_version(other)


def test_the_provisional_page_shows_the_new_grade(graded_period, coordinator, client):
    client.force_login(coordinator)
    url = reverse("admin:assessment_period_results", args=[graded_period.pk])
    assert "61,85" in client.get(url).content.decode()
    survey_points_set(actor=coordinator, rows=[(_survey_leaf(graded_period, "so-y-te").pk, D("10"))])
    page = client.get(url).content.decode()
    assert ("72,04" in page, "61,85" in page) == (True, False)
