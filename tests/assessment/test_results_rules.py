"""The rules of services/results.py that mutation testing found unstated (issue 18): the refusals listed before
publishing, the provisional ranking's fingerprint and lifetime, and the counted leaves the database adds up for the
snapshot."""

import time
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal as D
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from accounts.models import Unit
from assessment.models import Assessment, AssessmentStatus, Criterion, Framework, Period, PeriodBlock, Score
from assessment.services import framework_activate, period_open
from assessment.services.results import (
    _leaf_rows,
    _leaf_scan_rows,
    period_results,
    provisional_results,
    provisional_version,
    publish_blockers,
    publish_preview,
    survey_points_set,
)
from tests.assessment.conftest import (
    MINI_FRAMEWORK,
    approve_all,
    import_rows,
    mini_framework,
    open_period,
    publish,
    set_scores,
)
from tests.assessment.test_results import table
from tests.factories import UnitFactory

NO_ASSESSMENT = "Kỳ đánh giá không có bản đánh giá nào để công bố."


def waiting(names: str) -> str:
    return f"Các đơn vị sau chưa được phê duyệt: {names}."


# -- what stops a publication: the same words before (the confirmation page) and when publishing --------------------


def test_the_blockers_name_the_units_not_approved_and_a_period_without_assessments(
    graded_period, departments, coordinator
):
    assert publish_blockers(publish_preview(period=graded_period)) == []
    Assessment.objects.filter(period=graded_period, unit__code__in=["so-y-te", "so-du-lich"]).update(
        status=AssessmentStatus.UNDER_APPRAISAL
    )
    assert publish_blockers(publish_preview(period=graded_period)) == [waiting("Sở Du lịch, Sở Y tế")]

    empty = Period.objects.create(
        **{
            name: getattr(graded_period, name) + timedelta(days=366)
            for name in ("self_assessment_opens", "self_assessment_closes", "appraisal_closes")
            + ("explanation_opens", "explanation_closes", "council_date", "publication_date")
        },
        year=2024,
        name="Chỉ số CCHC năm 2024",
    )
    PeriodBlock.objects.create(period=empty, block=departments, framework=mini_framework(departments, "Bộ 2024"))
    assert not Assessment.objects.filter(period=empty).exists()
    assert publish_blockers(publish_preview(period=empty)) == [NO_ASSESSMENT]
    with pytest.raises(ValidationError) as error:
        publish(empty, coordinator)
    assert error.value.messages == [NO_ASSESSMENT]


def test_the_waiting_list_names_twenty_units_and_marks_the_rest_with_an_ellipsis(departments, agencies, coordinator):
    units = [UnitFactory(code=f"so-{n:02d}", name=f"Sở {n:02d}", block=departments) for n in range(1, 22)]
    period = open_period(mini_framework(departments), year=2023, units=units)
    twenty = ", ".join(f"Sở {n:02d}" for n in range(1, 21))
    Assessment.objects.filter(period=period, unit__code="so-21").update(status=AssessmentStatus.APPROVED)
    # Exactly twenty: all named, no ellipsis.
    assert publish_blockers(publish_preview(period=period)) == [waiting(twenty)]
    with pytest.raises(ValidationError) as error:
        publish(period, coordinator)
    assert error.value.messages == [waiting(twenty)]
    # Twenty-one: the first twenty by name, then an ellipsis.
    Assessment.objects.filter(period=period, unit__code="so-21").update(status=AssessmentStatus.SUBMITTED)
    assert publish_blockers(publish_preview(period=period)) == [waiting(twenty) + " …"]
    with pytest.raises(ValidationError) as error:
        publish(period, coordinator)
    assert error.value.messages == [waiting(twenty) + " …"]


def test_the_preview_names_each_moved_unit_and_the_waiting_units_in_alphabetical_order_whatever_the_case(
    graded_period, coordinator
):
    publish(graded_period, coordinator)
    set_scores(Assessment.objects.get(period=graded_period, unit__code="so-y-te"), {"2.2": D("5")})
    preview = publish_preview(period=graded_period)
    assert [
        (c.unit_code, c.unit_name, c.block_name, c.old_index, c.new_index, c.old_rank, c.new_rank)
        for c in preview.changes
    ] == [("so-y-te", "Sở Y tế", "Khối Sở, ban, ngành", D("61.85"), D("80.37"), 4, 4)]
    assert (preview.waiting, preview.unchanged, preview.units) == ([], False, 4)
    # A name typed in lower case still sorts by its letters: "sở Công Thương" before "Sở Xây dựng".
    Unit.objects.filter(code="so-cong-thuong").update(name="sở Công Thương")
    Assessment.objects.filter(period=graded_period, unit__code__in=["so-cong-thuong", "so-xay-dung"]).update(
        status=AssessmentStatus.SUBMITTED
    )
    preview = publish_preview(period=graded_period)
    assert preview.waiting == ["sở Công Thương", "Sở Xây dựng"]
    assert publish_blockers(preview) == [waiting("sở Công Thương, Sở Xây dựng")]


# -- the provisional ranking: a new fingerprint for every change it reads, kept for the configured time ----------


def _row(period, unit_code):
    return next(row for rows in provisional_results(period) for row in rows.units if row.unit_code == unit_code)


def test_a_unit_renamed_recoded_or_moved_to_another_block_gives_new_rows(graded_period, districts):
    assert _row(graded_period, "so-y-te").unit_name == "Sở Y tế"
    Unit.objects.filter(code="so-y-te").update(name="Sở Y tế Hà Nội")
    assert _row(graded_period, "so-y-te").unit_name == "Sở Y tế Hà Nội"
    Unit.objects.filter(code="so-y-te").update(code="so-y-te-ha-noi")
    assert _row(graded_period, "so-y-te-ha-noi").unit_name == "Sở Y tế Hà Nội"
    Unit.objects.filter(code="so-du-lich").update(block=districts)
    assert [
        (rows.block.code, [row.unit_code for row in rows.units]) for rows in provisional_results(graded_period)
    ] == [
        ("departments", ["so-cong-thuong", "so-xay-dung", "so-y-te-ha-noi"]),
        ("districts", ["so-du-lich"]),
    ]


def test_a_change_of_framework_gives_the_new_fields_titles(graded_period, departments):
    renamed = [list(row) for row in MINI_FRAMEWORK]
    (field_one,) = [row for row in renamed if row[0] == "1"]
    field_one[1] = "Chỉ đạo, điều hành CCHC"
    framework = Framework.objects.create(block=departments, name="Bộ chỉ số sửa tên lĩnh vực", first_year=2020)
    outcome = import_rows(framework, renamed)
    assert outcome.ok, outcome.problems
    framework_activate(framework=framework, actor=None)
    assert provisional_results(graded_period)[0].fields[0] == ("1", "Công tác chỉ đạo, điều hành")
    Assessment.objects.filter(period=graded_period).update(framework=framework)
    assert provisional_results(graded_period)[0].fields[0] == ("1", "Chỉ đạo, điều hành CCHC")


def test_a_unit_taken_out_and_opened_again_links_to_its_new_assessment(graded_period, results_units):
    """The same unit, name, block, framework, state and scores, and still the last one opened: only the
    assessment is another one."""
    full = {"1.1": D("4"), "1.2": D("8"), "2.1": D("5"), "2.2": D("5"), "3.1": D("10")}

    def reopen_du_lich():
        Assessment.objects.get(period=graded_period, unit__code="so-du-lich").delete()
        period_open(period=graded_period, units=[results_units["so-du-lich"]], actor=None)
        approve_all(graded_period)
        reopened = Assessment.objects.get(period=graded_period, unit__code="so-du-lich")
        set_scores(reopened, full)
        return reopened.pk

    first = reopen_du_lich()
    assert _row(graded_period, "so-du-lich").assessment_id == first
    second = reopen_du_lich()
    assert Assessment.objects.filter(period=graded_period).latest("pk").pk == second != first
    row = _row(graded_period, "so-du-lich")
    assert (row.assessment_id, row.rank, row.result.shown_index) == (second, 1, D("100.00"))


def test_a_missing_score_row_and_its_return_each_give_new_rows(graded_period, results_units):
    """Sở Y tế's blank 2.2 (5 points): without its row the unit has 16,70 of 22; opening again brings it back."""
    before = table(provisional_results(graded_period))
    Score.objects.filter(
        assessment__period=graded_period, assessment__unit__code="so-y-te", criterion__code="2.2"
    ).delete()
    y_te = _row(graded_period, "so-y-te").result
    assert (y_te.total, y_te.maximum, y_te.index) == (D("16.70"), D("22"), D("75.9091"))
    period_open(period=graded_period, units=[results_units["so-y-te"]], actor=None)
    assert table(provisional_results(graded_period)) == before


def _survey_leaf(period, unit_code):
    return Score.objects.get(assessment__period=period, assessment__unit__code=unit_code, criterion__code="3.1")


def test_two_survey_writes_at_the_same_instant_each_give_new_rows(graded_period, coordinator):
    """A second write stamped with the same time (or by a node whose clock is behind) is still seen."""
    instant = timezone.now()
    with mock.patch("django.utils.timezone.now", return_value=instant):
        survey_points_set(actor=coordinator, rows=[(_survey_leaf(graded_period, "so-y-te").pk, D("10"))])
        assert _row(graded_period, "so-y-te").result.survey == D("10")
        survey_points_set(actor=coordinator, rows=[(_survey_leaf(graded_period, "so-du-lich").pk, D("5"))])
        assert _row(graded_period, "so-du-lich").result.survey == D("5")


def test_a_leaf_replaced_and_another_written_gives_new_rows(graded_period, coordinator, results_units):
    """Same number of rows and same sum of versions as before, but a later write: the fingerprint follows it."""
    survey_points_set(actor=coordinator, rows=[(_survey_leaf(graded_period, "so-y-te").pk, D("10"))])
    assert _row(graded_period, "so-y-te").result.survey == D("10")
    _survey_leaf(graded_period, "so-y-te").delete()
    period_open(period=graded_period, units=[results_units["so-y-te"]], actor=None)  # back, empty, version 0
    later = timezone.now() + timedelta(seconds=5)
    with mock.patch("django.utils.timezone.now", return_value=later):
        survey_points_set(actor=coordinator, rows=[(_survey_leaf(graded_period, "so-du-lich").pk, D("9"))])
    assert (_row(graded_period, "so-y-te").result.survey, _row(graded_period, "so-du-lich").result.survey) == (
        D("0"),
        D("9"),
    )


@override_settings(PROVISIONAL_RESULTS_CACHE_SECONDS=60)
def test_the_provisional_rows_are_kept_for_the_configured_time_only(graded_period):
    provisional_results(graded_period)
    key = f"provisional-results:{graded_period.pk}:{provisional_version(graded_period)}"
    if hasattr(cache, "ttl"):  # the shared cache (django-redis) says it itself
        assert 55 <= cache.ttl(key) <= 60
        return
    now = time.time()
    with mock.patch("time.time", return_value=now + 58):
        assert table(cache.get(key)) == table(period_results(graded_period))
    with mock.patch("time.time", return_value=now + 61):
        assert cache.get(key) is None


# -- the snapshot's counted leaves (the database adds them up when it publishes) -------------------------------------


def test_the_snapshots_leaves_are_each_counted_leaf_once_and_add_up_to_the_results(
    graded_period, results_units, departments
):
    """Sở Y tế: 1.1 3,50/4, 1.2 4,95/8, blank 2.2 0/5, survey 3.1 7,25/10; its N/A 2.1 and its entries are not
    leaves of the sums. Every unit's leaves add up to its fields in period_results; another period's are not read."""
    other = open_period(mini_framework(departments, name="Bộ chỉ số 2024"), year=2024, units=[results_units["so-y-te"]])
    assert Score.objects.filter(assessment__period=other).count() == 7  # its 5 scored leaves, bonus and penalty
    sql, params = _leaf_scan_rows(graded_period)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    leaves = [
        (assessment_id, field, method, D(str(maximum)), D(str(points or 0)))
        for assessment_id, field, method, _criterion, _order, maximum, points in found
    ]
    # each leaf with its criterion and that criterion's framework order (the weakest leaves' ties)
    criteria = dict(Criterion.objects.values_list("pk", "order"))
    assert all(criteria[criterion] == order for _a, _f, _m, criterion, order, _max, _points in found)
    y_te = Assessment.objects.get(period=graded_period, unit__code="so-y-te").pk
    assert sorted((field, method, maximum, points) for a, field, method, maximum, points in leaves if a == y_te) == [
        ("1", "appraisal", D("4"), D("3.50")),
        ("1", "appraisal", D("8"), D("4.95")),
        ("2", "appraisal", D("5"), D("0")),
        ("3", "survey", D("10"), D("7.25")),
    ]
    sums = defaultdict(lambda: [D("0"), D("0")])
    survey = defaultdict(lambda: D("0"))
    for assessment_id, field, method, maximum, points in leaves:
        sums[assessment_id, field][0] += points
        sums[assessment_id, field][1] += maximum
        if method == "survey":
            survey[assessment_id] += points
    (block,) = period_results(graded_period)
    assert {key: tuple(value) for key, value in sums.items()} == {
        (row.assessment_id, item.code): (item.achieved, item.maximum)
        for row in block.units
        for item in row.result.fields
    }
    assert dict(survey) == {row.assessment_id: row.result.survey for row in block.units}
    assert len(leaves) == 4 + 4 + 5 + 5  # Sở Y tế and Sở Xây dựng have one N/A leaf each


def test_the_losing_leaves_come_first_with_their_place_among_the_units_losses(graded_period):
    """Sở Y tế lost 5 on 2.2, 3,05 on 1.2, 2,75 on 3.1 and 0,50 on 1.1 (places 1 to 4); Sở Du lịch lost nothing."""
    sql, params = _leaf_rows(graded_period)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = [row for row in cursor.fetchall() if row[7] > 0]  # the leaves that lost points, first in place
    codes = dict(Criterion.objects.filter(pk__in={row[3] for row in found}).values_list("pk", "code"))
    units = dict(Assessment.objects.filter(period=graded_period).values_list("pk", "unit__code"))
    losses = sorted(
        (units[assessment_id], position, codes[criterion], D(str(lost)), cents)
        for assessment_id, _field, _method, criterion, _max, _points, lost, cents, position in found
    )
    assert [row for row in losses if row[0] == "so-y-te"] == [
        ("so-y-te", 1, "2.2", D("5"), 500),
        ("so-y-te", 2, "1.2", D("3.05"), 305),
        ("so-y-te", 3, "3.1", D("2.75"), 275),
        ("so-y-te", 4, "1.1", D("0.50"), 50),
    ]
    assert {row[0] for row in losses} == {"so-y-te", "so-xay-dung", "so-cong-thuong"}
