"""Each scoring rule the database computes (assessment/sql.py, the field code column) equals its pure Python twin.

Hypothesis draws whole periods: a few fields (some two-digit, some three levels deep) of appraisal and survey
leaves with random maxima, bonus and penalty leaves, 2–5 units with self scores, round 1, round 2, council
overrides, blanks, N/A confirmed, refused or undecided, survey points and bonus/penalty entries. The database
path (period_results, as the admin page and the publication read it; each leaf's final, scored and lost points
as SQL computes them; the field code column) must equal scoring.py and selectors.results.lost_points over the same rows
read one by one, exactly (Decimal equality), leaf by leaf and unit by unit. Each example runs in its own
transaction, rolled back at the end.
"""

import os
from dataclasses import dataclass
from decimal import Decimal as D

import pytest
from django.db import transaction
from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment import scoring
from assessment.models import (
    Adjustment,
    Assessment,
    AssessmentEvent,
    Criterion,
    Framework,
    PublishedBlock,
    PublishedUnit,
    Score,
)
from assessment.selectors.results import lost_points
from assessment.services import framework_activate
from assessment.services.results import WEAKEST, period_results
from assessment.sql import (
    counted_filter,
    final_points_expression,
    lost_points_expression,
    scored_points_expression,
)
from tests.assessment.conftest import approve_all, open_period, publish
from tests.factories import UnitFactory

EXAMPLES = int(os.environ.get("SQL_TWINS_EXAMPLES", "12"))  # a few seconds per backend; raise it to search longer
LEAVES = Q(criterion__method__in=["appraisal", "survey"])  # bonus and penalty leaves count by their entries


@dataclass(frozen=True)
class Row:
    """A criterion of the drawn framework, in file order; groups have no method."""

    code: str
    method: str
    max_points: D | None
    allows_na: bool = False


@dataclass(frozen=True)
class Grades:
    """One unit's row for one leaf."""

    self_points: D | None = None
    is_na: bool = False
    na_confirmed: bool | None = None
    appraised: D | None = None
    reappraised: D | None = None
    council: D | None = None
    survey: D | None = None


def points_up_to(maximum: D):
    return st.one_of(st.none(), st.decimals(min_value=0, max_value=maximum, places=2))


@st.composite
def frameworks(draw) -> list[Row]:
    maxima = st.decimals(min_value=D("0.25"), max_value=10, places=2)
    rows = []
    numbers = sorted(draw(st.sets(st.integers(min_value=1, max_value=12), min_size=1, max_size=3)))
    for number in numbers:
        field_rows = []
        for child in range(1, draw(st.integers(min_value=1, max_value=3)) + 1):
            code = f"{number}.{child}"
            if draw(st.integers(min_value=0, max_value=3)) == 0:  # a criterion with sub-criteria
                leaves = []
                for grandchild in range(1, draw(st.integers(min_value=1, max_value=2)) + 1):
                    method = draw(st.sampled_from(["appraisal", "appraisal", "survey"]))
                    leaves.append(
                        Row(f"{code}.{grandchild}", method, draw(maxima), method == "appraisal" and draw(st.booleans()))
                    )
                field_rows += [Row(code, "", sum(leaf.max_points for leaf in leaves)), *leaves]
            else:
                method = draw(st.sampled_from(["appraisal", "appraisal", "survey"]))
                field_rows.append(Row(code, method, draw(maxima), method == "appraisal" and draw(st.booleans())))
        total = sum(row.max_points for row in field_rows if row.method)
        rows += [Row(str(number), "", total), *field_rows]
    adjustments = str(numbers[-1] + 1)
    rows.append(Row(adjustments, "", None))
    for number, method in enumerate(draw(st.sampled_from([["bonus", "penalty"], ["bonus", "penalty", "bonus"]])), 1):
        rows.append(
            Row(f"{adjustments}.{number}", method, draw(st.decimals(min_value=D("0.5"), max_value=5, places=2)))
        )
    return rows


@st.composite
def grades(draw, row: Row) -> Grades:
    if row.method == "survey":
        return Grades(survey=draw(points_up_to(row.max_points)))
    is_na = row.allows_na and draw(st.booleans())
    return Grades(
        self_points=None if is_na else draw(points_up_to(row.max_points)),
        is_na=is_na,
        na_confirmed=draw(st.sampled_from([True, True, False, None])) if is_na else None,
        appraised=draw(points_up_to(row.max_points)),
        reappraised=draw(points_up_to(row.max_points)),
        council=draw(points_up_to(row.max_points)),
    )


@st.composite
def periods(draw):
    """(framework rows, per unit: {code: grades}, per unit: {code: [entries]})."""
    rows = draw(frameworks())
    units = draw(st.integers(min_value=2, max_value=5))
    leaves = [row for row in rows if row.method in ("appraisal", "survey")]
    adjustable = [row for row in rows if row.method in ("bonus", "penalty")]
    graded = [{row.code: draw(grades(row)) for row in leaves} for _unit in range(units)]
    entries = [
        {
            row.code: draw(st.lists(st.decimals(min_value=D("0.01"), max_value=row.max_points, places=2), max_size=3))
            for row in adjustable
        }
        for _unit in range(units)
    ]
    return rows, graded, entries


def build(block, agency, coordinator, rows, graded, entries):
    """The drawn period in the database, through the services that open it."""
    framework = Framework.objects.create(block=block, name="Bộ chỉ số ngẫu nhiên", first_year=2020)
    created = {}
    for order, row in enumerate(rows, 1):
        parent = created.get(row.code.rsplit(".", 1)[0]) if "." in row.code else None
        created[row.code] = Criterion.objects.create(
            framework=framework,
            code=row.code,
            parent=parent,
            title=f"Tiêu chí {row.code}",
            max_points=row.max_points,
            method=row.method,
            rule="manual" if row.method == "appraisal" else "",
            allows_na=row.allows_na,
            appraising_agency=agency if parent is None else None,
            order=order,
        )
    framework_activate(framework=framework, actor=None)
    units = [
        UnitFactory(code=f"ngau-nhien-{number}", name=f"Đơn vị ngẫu nhiên {number}", block=block)
        for number in range(len(graded))
    ]
    period = open_period(framework, year=2023, units=units)
    assessments = {a.unit_id: a for a in Assessment.objects.filter(period=period)}
    position = {assessments[unit.pk].pk: number for number, unit in enumerate(units)}
    scores = list(Score.objects.filter(LEAVES, assessment__period=period).select_related("criterion"))
    for score in scores:
        drawn = graded[position[score.assessment_id]][score.criterion.code]
        score.self_points, score.is_na, score.na_confirmed = drawn.self_points, drawn.is_na, drawn.na_confirmed
        score.na_reason = "Không phát sinh" if drawn.is_na else ""
        score.appraised_points, score.reappraised_points = drawn.appraised, drawn.reappraised
        score.council_points, score.council_reason = drawn.council, "Hội đồng" if drawn.council is not None else ""
        score.survey_points = drawn.survey
    Score.objects.bulk_update(
        scores,
        [
            "self_points",
            "is_na",
            "na_confirmed",
            "na_reason",
            "appraised_points",
            "reappraised_points",
            "council_points",
            "council_reason",
            "survey_points",
        ],
    )
    Adjustment.objects.bulk_create(
        Adjustment(
            assessment=assessments[unit.pk],
            criterion=created[code],
            points=points,
            reason="Quyết định",
            decision_reference="12/QĐ-UBND",
            created_by=coordinator,
        )
        for unit, unit_entries in zip(units, entries, strict=True)
        for code, values in unit_entries.items()
        for points in values
    )
    return period


# -- the pure Python path, leaf by leaf --------------------------------------------------------------------------


def python_points(score) -> D:
    """What scoring.py counts for one score row."""
    if score.criterion.method == "survey":
        return score.survey_points if score.survey_points is not None else D("0.00")
    return scoring.final_points(score.appraised_points, score.reappraised_points, score.council_points)


def python_counts(score) -> bool:
    return not (score.criterion.method == "appraisal" and score.is_na and score.na_confirmed)


def python_unit(assessment) -> scoring.UnitResult:
    leaves = []
    for score in Score.objects.filter(LEAVES, assessment=assessment).select_related("criterion"):
        leaves.append(
            scoring.LeafScore(
                score.criterion.code,
                score.criterion.method,
                score.max_points,
                python_points(score),
                not python_counts(score),
            )
        )
    for entry in assessment.adjustments.select_related("criterion"):
        leaves.append(
            scoring.LeafScore(entry.criterion.code, entry.criterion.method, entry.criterion.max_points, entry.points)
        )
    return scoring.unit_result(leaves)


# -- the property ------------------------------------------------------------------------------------------------


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(drawn=periods())
def test_the_sql_rules_equal_the_python_rules(drawn, departments, agencies, coordinator):
    rows, graded, entries = drawn
    with transaction.atomic():
        period = build(departments, agencies["so-noi-vu"], coordinator, rows, graded, entries)
        check_leaves(period)
        check_units(period)
        check_snapshot(period, coordinator)
        transaction.set_rollback(True)


def check_leaves(period):
    """Per leaf: the field code column, the final, scored and lost points, which rows count."""
    for code, field_code in Criterion.objects.filter(framework__period_blocks__period=period).values_list(
        "code", "field_code"
    ):
        assert field_code == scoring.LeafScore(code, "appraisal", D(1)).field
    scores = Score.objects.filter(LEAVES, assessment__period=period).select_related("criterion")
    sql = {
        pk: (final, scored)
        for pk, final, scored in scores.annotate(
            final=final_points_expression(), scored=scored_points_expression()
        ).values_list("pk", "final", "scored")
    }
    counted = set(scores.filter(counted_filter()).values_list("pk", flat=True))
    lost_sql = {
        (assessment_id, code): lost
        for assessment_id, code, lost in scores.filter(counted_filter())
        .annotate(lost=lost_points_expression())
        .filter(lost__gt=0)
        .values_list("assessment_id", "criterion__code", "lost")
    }
    lost_python = {}
    for score in scores:
        final = scoring.final_points(score.appraised_points, score.reappraised_points, score.council_points)
        assert sql[score.pk] == (final, python_points(score)), score.criterion.code
        assert (score.pk in counted) == python_counts(score), score.criterion.code
    for assessment in Assessment.objects.filter(period=period):
        for row in lost_points(assessment):
            if row.max_points is not None:  # penalty entries are not leaves
                lost_python[(assessment.pk, row.code)] = row.lost
    assert lost_sql == lost_python


def check_units(period):
    """Per unit: achieved, survey, bonus, penalty, total, maximum, fields, index, rank and weakest leaves."""
    (block,) = period_results(period)
    expected = {}
    for assessment in Assessment.objects.filter(period=period):
        losses = sorted(
            (row for row in lost_points(assessment) if row.max_points is not None), key=lambda row: -row.lost
        )
        expected[assessment.pk] = (
            python_unit(assessment),
            [(row.code, row.title, row.max_points, row.points) for row in losses[:WEAKEST]],
        )
    assert {row.assessment_id: (row.result, row.weakest) for row in block.units} == expected
    for row in block.units:
        python, _weakest = expected[row.assessment_id]
        assert (row.result.achieved, row.result.total, row.result.index) == (
            python.achieved,
            python.total,
            python.index,
        )
    ranks = scoring.competition_ranks([expected[row.assessment_id][0].shown_index for row in block.units])
    assert [row.rank for row in block.units] == ranks


def check_snapshot(period, coordinator):
    """The publication (its set-based writes; on PostgreSQL computed by the database, services.publication)
    freezes exactly the units' Python results, fields and weakest leaves, titles and order included."""
    (block,) = period_results(period)  # equal to the Python rules: check_units
    approve_all(period)
    publication = publish(period, coordinator)
    frozen = {
        unit.unit_id: unit
        for unit in PublishedUnit.objects.filter(publication=publication).prefetch_related("fields", "weaknesses")
    }
    assert len(frozen) == len(block.units)
    for row in block.units:
        unit, result = frozen[row.unit_id], row.result
        assert (unit.unit_code, unit.unit_name, unit.rank) == (row.unit_code, row.unit_name, row.rank)
        assert (
            unit.appraised,
            unit.survey,
            unit.bonus,
            unit.penalty,
            unit.total,
            unit.maximum,
            unit.index,
            unit.shown_index,
        ) == (
            result.appraised,
            result.survey,
            result.bonus,
            result.penalty,
            result.total,
            result.maximum,
            result.index,
            result.shown_index,
        )
        titles = dict(block.fields)
        assert [(f.code, f.title, f.achieved, f.maximum, f.index, f.order) for f in unit.fields.all()] == [
            (f.code, titles[f.code], f.achieved, f.maximum, f.index, order) for order, f in enumerate(result.fields)
        ]
        assert [(w.code, w.title, w.max_points, w.points, w.order) for w in unit.weaknesses.all()] == [
            (*weak, order) for order, weak in enumerate(row.weakest)
        ]
    (published_block,) = PublishedBlock.objects.filter(publication=publication)
    assert (published_block.average, published_block.units) == (block.average, len(block.units))
    expected_fields = []
    for code, title in block.fields:
        shown = [
            scoring.shown(f.index)
            for r in block.units
            for f in r.result.fields
            if f.code == code and f.index is not None
        ]
        expected_fields.append((code, title, scoring.average(shown), len(expected_fields)))
    assert [(f.code, f.title, f.average, f.order) for f in published_block.fields.all()] == expected_fields
    assert AssessmentEvent.objects.filter(assessment__period=period, to_status="published").count() == len(block.units)


@pytest.mark.parametrize(
    ("code", "field_code"), [("1", "1"), ("1.3", "1"), ("1.3.1", "1"), ("12", "12"), ("12.10.2", "12")]
)
def test_the_field_code_is_stored_by_the_database(draft_framework, code, field_code):
    criterion = Criterion.objects.create(framework=draft_framework, code=code, title="Tiêu chí", order=1)
    assert Criterion.objects.get(pk=criterion.pk).field_code == field_code
    assert Criterion.objects.filter(field_code=field_code).get() == criterion


def test_the_field_code_follows_a_changed_code(draft_framework):
    criterion = Criterion.objects.create(framework=draft_framework, code="2.1", title="Tiêu chí", order=1)
    Criterion.objects.filter(pk=criterion.pk).update(code="3.1")
    criterion.refresh_from_db()
    assert criterion.field_code == "3"
