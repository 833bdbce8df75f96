"""assessment/selectors/appraisal.py: the grading queue, the grading page's rows and a period's progress, on the
factories' small tree (appraisal leaves 1.1 and 1.2 of Sở Nội vụ, 2.1 of Sở Tư pháp; survey 2.2; field 3 bonus
and penalty)."""

from decimal import Decimal

import pytest

from assessment.models import Assessment, AssessmentStatus, EvidenceRound, Score
from assessment.selectors.appraisal import (
    AgencyProgress,
    BlockProgress,
    appraisal_progress,
    grading_rows,
    period_progress,
    scores_for_appraisal,
)
from tests.factories import AssessmentFactory, EvidenceFactory, UnitFactory


@pytest.fixture
def period_of_three(finance, departments):
    """Finance submitted, a second department explained (1.1 with a written explanation, 2.1 with evidence of the
    explanation round), a third still a draft; all in one period."""
    submitted = AssessmentFactory(unit=finance)
    Assessment.objects.filter(pk=submitted.pk).update(status=AssessmentStatus.SUBMITTED)
    explained = AssessmentFactory(
        unit=UnitFactory(code="so-y-te", name="Sở Y tế", block=departments),
        period=submitted.period,
        framework=submitted.framework,
    )
    Assessment.objects.filter(pk=explained.pk).update(status=AssessmentStatus.EXPLAINED)
    Score.objects.filter(assessment=explained, criterion__code__in=["1.1", "1.2"]).update(appraised_points=Decimal("1"))
    Score.objects.filter(assessment=explained, criterion__code="1.1").update(explanation="Đã ban hành đúng hạn")
    Score.objects.filter(assessment=explained, criterion__code="2.1").update(
        appraised_points=Decimal("2"), reappraised_points=Decimal("4")
    )
    EvidenceFactory(
        score=Score.objects.get(assessment=explained, criterion__code="2.1"), round=EvidenceRound.EXPLANATION
    )
    draft = AssessmentFactory(
        unit=UnitFactory(code="so-xay-dung", name="Sở Xây dựng", block=departments),
        period=submitted.period,
        framework=submitted.framework,
    )
    return submitted, explained, draft


def _queue(user):
    return sorted((score.assessment.unit.code, score.criterion.code) for score in scores_for_appraisal(user))


def test_the_queue_holds_the_submitted_appraisal_leaves_of_the_users_worklist(
    period_of_three, appraiser, justice_appraiser, coordinator, council_member, unit_staff, private_storage
):
    assert _queue(appraiser) == [
        ("so-tai-chinh", "1.1"),
        ("so-tai-chinh", "1.2"),
        ("so-y-te", "1.1"),
        ("so-y-te", "1.2"),
    ]
    assert _queue(justice_appraiser) == [("so-tai-chinh", "2.1"), ("so-y-te", "2.1")]
    everything = [(unit, code) for unit in ("so-tai-chinh", "so-y-te") for code in ("1.1", "1.2", "2.1")]
    assert _queue(coordinator) == _queue(council_member) == everything
    assert _queue(unit_staff) == []


def test_the_grading_rows_are_the_whole_tree_in_three_queries(period_of_three, django_assert_num_queries):
    _submitted, explained, _draft = period_of_three
    with django_assert_num_queries(3):
        rows = grading_rows(explained)
        evidence = {row.code: [item.round for item in row.score.evidence.all()] for row in rows if row.score}
    assert [row.code for row in rows] == ["1", "1.1", "1.2", "2", "2.1", "2.2", "3", "3.1", "3.2"]
    assert [row.code for row in rows if row.score is None] == ["1", "2", "3"]
    assert evidence == {"1.1": [], "1.2": [], "2.1": ["explanation"], "2.2": [], "3.1": [], "3.2": []}
    leaf = rows[1].score
    assert (leaf.criterion is rows[1], leaf.assessment is explained, leaf.agency.name) == (True, True, "Sở Nội vụ")


def test_the_progress_of_a_period_per_agency_and_per_block_in_two_queries(
    period_of_three, django_assert_num_queries, private_storage
):
    submitted, _explained, _draft = period_of_three
    with django_assert_num_queries(2):
        agencies, blocks = appraisal_progress(submitted.period)
    assert agencies == [
        AgencyProgress(submitted.scores.get(criterion__code="1.1").agency_id, "Sở Nội vụ", 4, 2, 1, 0),
        AgencyProgress(submitted.scores.get(criterion__code="2.1").agency_id, "Sở Tư pháp", 2, 1, 1, 1),
    ]
    assert [agency.to_grade for agency in agencies] == [2, 1]
    assert blocks == [BlockProgress(submitted.unit.block_id, "Khối Sở, ban, ngành", 3, 2, 1, 0)]


def test_the_period_counts_every_status(period_of_three):
    submitted, _explained, _draft = period_of_three
    assert period_progress(submitted.period) == {
        "draft": 1,
        "submitted": 1,
        "under_appraisal": 0,
        "returned": 0,
        "explained": 1,
        "reappraised": 0,
        "approved": 0,
        "published": 0,
    }
