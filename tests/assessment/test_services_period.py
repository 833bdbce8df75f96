"""Periods: a calendar in order, one framework per block, and opening that creates every row once."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from assessment.models import Assessment, Criterion, Framework, Period, PeriodBlock, Score
from assessment.services import framework_activate, framework_copy, period_open
from tests.assessment.test_services_framework import make_period
from tests.factories import UnitFactory


@pytest.fixture
def active_framework(sample_framework):
    return framework_activate(framework=sample_framework, actor=None)


@pytest.fixture
def period(active_framework):
    period = make_period(2024)
    PeriodBlock.objects.create(period=period, block=active_framework.block, framework=active_framework)
    return period


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"self_assessment_closes": date(2025, 1, 4)}, "Ngày mở tự đánh giá phải trước hạn tự đánh giá."),
        ({"appraisal_closes": date(2025, 1, 30)}, "Hạn thẩm định không được trước hạn tự đánh giá."),
        ({"explanation_opens": date(2025, 2, 27)}, "Không được mở giải trình trước hạn thẩm định."),
        ({"explanation_closes": date(2025, 2, 28)}, "Ngày mở giải trình phải trước hạn giải trình."),
        ({"council_date": date(2025, 3, 9)}, "Hội đồng không họp trước hạn giải trình."),
        ({"publication_date": date(2025, 3, 19)}, "Không công bố kết quả trước ngày họp Hội đồng."),
    ],
)
def test_the_calendar_must_be_in_order(db, changes, message):
    calendar = {
        "self_assessment_opens": date(2025, 1, 5),
        "self_assessment_closes": date(2025, 1, 31),
        "appraisal_closes": date(2025, 2, 28),
        "explanation_opens": date(2025, 3, 1),
        "explanation_closes": date(2025, 3, 10),
        "council_date": date(2025, 3, 20),
        "publication_date": date(2025, 4, 1),
        **changes,
    }
    period = Period(year=2024, name="2024", **calendar)
    with pytest.raises(ValidationError) as error:
        period.full_clean()
    assert error.value.messages == [message]
    with pytest.raises(IntegrityError), transaction.atomic():
        period.save()
    assert not Period.objects.exists()


def test_opening_creates_one_assessment_per_unit_and_one_row_per_leaf(period, agencies, finance):
    result = period_open(period=period, actor=None)
    # the six agencies of the sample and Sở Tài chính (already one of them): 6 departments
    assert (result.assessments_created, result.scores_created, result.assessments_total) == (6, 6 * 43, 6)
    assert Assessment.objects.filter(period=period, status="draft").count() == 6
    assert set(Assessment.objects.values_list("framework_id", flat=True)) == {period.blocks.get().framework_id}
    period.refresh_from_db()
    assert period.opened_at is not None


def test_opening_again_creates_nothing_new(period, agencies):
    period_open(period=period, actor=None)
    rows = Score.objects.count()
    result = period_open(period=period, actor=None)
    assert (result.assessments_created, result.scores_created) == (0, 0)
    assert Score.objects.count() == rows


def test_opening_for_an_empty_list_of_units_creates_nothing(period, agencies):
    result = period_open(period=period, units=[], actor=None)
    assert (result.assessments_created, result.scores_created, result.assessments_total) == (0, 0, 0)
    assert not Assessment.objects.exists() and not Score.objects.exists()


def test_a_unit_added_later_gets_its_assessment_and_rows(period, agencies, departments):
    period_open(period=period, actor=None)
    newcomer = UnitFactory(code="so-moi", name="Sở Mới", block=departments)
    result = period_open(period=period, units=[newcomer], actor=None)
    assert (result.assessments_created, result.scores_created) == (1, 43)
    assert Score.objects.filter(assessment__unit=newcomer).count() == 43
    assert period_open(period=period, units=[newcomer], actor=None).assessments_created == 0


def test_missing_rows_are_completed(period, agencies):
    period_open(period=period, actor=None)
    assessment = Assessment.objects.first()
    assessment.scores.filter(criterion__code__in=["1.1.1", "8.3"]).delete()
    result = period_open(period=period, actor=None)
    assert result.scores_created == 2
    assert assessment.scores.count() == 43


def test_default_participants_are_the_units_existing_at_the_end_of_the_year(active_framework, departments):
    UnitFactory(code="so-het-2024", name="Sở đã giải thể", block=departments, active=False, valid_to=date(2024, 6, 30))
    UnitFactory(
        code="so-den-2025", name="Sở tồn tại đến 2025", block=departments, active=False, valid_to=date(2025, 6, 30)
    )
    UnitFactory(code="so-tu-2024", name="Sở mới giữa năm", block=departments, valid_from=date(2024, 7, 1))
    UnitFactory(code="so-tu-2025", name="Sở của năm sau", block=departments, valid_from=date(2025, 1, 1))
    UnitFactory(code="so-tam-dung", name="Sở ngừng hoạt động", block=departments, active=False)
    period = make_period(2024)
    PeriodBlock.objects.create(period=period, block=departments, framework=active_framework)
    period_open(period=period, actor=None)
    codes = set(Assessment.objects.filter(period=period).values_list("unit__code", flat=True))
    assert {"so-den-2025", "so-tu-2024"} <= codes
    assert not codes & {"so-het-2024", "so-tu-2025", "so-tam-dung"}


def test_a_period_needs_a_block_with_a_framework(db):
    period = make_period(2024)
    with pytest.raises(ValidationError) as error:
        period_open(period=period, actor=None)
    assert error.value.messages == ["Hãy chọn bộ chỉ số cho ít nhất một khối trước khi mở kỳ đánh giá."]


def test_only_an_active_framework_of_the_block_covering_the_year_can_be_used(active_framework, districts):
    draft = framework_copy(framework=active_framework, actor=None)
    period = make_period(2024)
    cases = [
        (
            PeriodBlock(period=period, block=active_framework.block, framework=draft),
            "Chỉ dùng được bộ chỉ số đang áp dụng.",
        ),
        (PeriodBlock(period=period, block=districts, framework=active_framework), "Bộ chỉ số này thuộc khối khác."),
    ]
    for period_block, message in cases:
        with pytest.raises(ValidationError) as error:
            period_block.full_clean()
        assert error.value.message_dict == {"framework": [message]}
    Framework.objects.filter(pk=active_framework.pk).update(first_year=2025)
    active_framework.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        PeriodBlock(period=period, block=active_framework.block, framework=active_framework).full_clean()
    assert error.value.message_dict == {"framework": ["Bộ chỉ số này không áp dụng cho năm 2024."]}


def test_units_outside_the_blocks_of_the_period_are_refused(period, districts):
    outsider = UnitFactory(code="quan-ba-dinh", name="Quận Ba Đình", block=districts)
    with pytest.raises(ValidationError) as error:
        period_open(period=period, units=[outsider], actor=None)
    assert error.value.messages == ["Các đơn vị sau không thuộc khối nào của kỳ đánh giá: Quận Ba Đình."]
    assert not Assessment.objects.exists()


def test_one_assessment_per_unit_and_period_in_the_database(period, agencies):
    period_open(period=period, actor=None)
    assessment = Assessment.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(period=period, unit=assessment.unit, framework=assessment.framework)


def test_opened_rows_carry_the_leaf_maximum_its_agency_and_the_model_defaults(period, agencies):
    """The set-based insert (PostgreSQL) writes what a model instance would: every leaf, its maximum, its
    appraising agency (its own, else the nearest ancestor's, none on survey leaves) and each column's default."""
    period_open(period=period, actor=None)
    assessment = Assessment.objects.get(unit=agencies["so-tu-phap"], period=period)
    criteria = {c.code: c for c in Criterion.objects.filter(framework=period.blocks.get().framework)}

    def agency_of(code):
        while code:
            if criteria[code].appraising_agency_id:
                return criteria[code].appraising_agency_id
            code = code.rsplit(".", 1)[0] if "." in code else None
        return None

    expected = {
        (c.code, c.max_points, None if c.method == "survey" else agency_of(c.code))
        for c in criteria.values()
        if c.method
    }
    rows = assessment.scores.select_related("criterion")
    assert {(s.criterion.code, s.max_points, s.agency_id) for s in rows} == expected
    assert len(expected) == 43
    blank = Score()
    defaults = [f.attname for f in Score._meta.concrete_fields if f.name not in ("id", "assessment", "criterion")]
    defaults = [name for name in defaults if name not in ("max_points", "agency_id")]
    assert {tuple(getattr(s, name) for name in defaults) for s in rows} == {
        tuple(getattr(blank, name) for name in defaults)
    }
    survey = {s.criterion.code for s in rows if s.criterion.method == "survey"}
    assert survey and all(s.agency_id is None for s in rows if s.criterion.code in survey)


def test_opening_again_completes_missing_assessments_and_rows_together(period, agencies):
    """A lost assessment and two lost rows of another: opening again adds exactly those, counted by the inserts."""
    period_open(period=period, actor=None)
    gone, kept = Assessment.objects.filter(period=period).order_by("pk")[:2]
    gone_unit = gone.unit_id
    gone.delete()
    kept.scores.filter(criterion__code__in=["1.1.1", "8.3"]).delete()
    result = period_open(period=period, actor=None)
    assert (result.assessments_created, result.scores_created, result.assessments_total) == (1, 43 + 2, 6)
    assert Assessment.objects.get(period=period, unit_id=gone_unit).scores.count() == 43
    assert kept.scores.count() == 43
    assert Score.objects.filter(assessment__period=period).count() == 6 * 43


def test_opened_assessments_carry_the_model_defaults(period, agencies):
    """The set-based insert (PostgreSQL) writes what a model instance would: the unit, its block's framework, a
    draft with its creation time and each other column's default."""
    period_open(period=period, actor=None)
    framework_id = period.blocks.get().framework_id
    blank = Assessment()
    defaults = [
        f.attname
        for f in Assessment._meta.concrete_fields
        if f.name not in ("id", "period", "unit", "framework", "created_at")
    ]
    rows = list(Assessment.objects.filter(period=period))
    assert {(a.unit_id, a.framework_id) for a in rows} == {(unit.pk, framework_id) for unit in agencies.values()}
    assert {tuple(getattr(a, name) for name in defaults) for a in rows} == {
        tuple(getattr(blank, name) for name in defaults)
    }
    assert {a.status for a in rows} == {"draft"}
    period.refresh_from_db()
    assert all(abs((a.created_at - period.opened_at).total_seconds()) < 60 for a in rows)
