"""The policy's remaining answers stated to the day and to the role: which assessments are overdue (the SQL
filter, on the closing day and the day after, with and without an extension), who writes the difficulties
text and when, which leaves the SQL filter counts as explained, and who lands on which page."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assessment import policy
from assessment.models import Assessment, AssessmentStatus, Score
from assessment.services import evidence_upload
from tests.assessment.conftest import PDF_BYTES, score_of


def overdue(assessment, on=None) -> bool:
    return Assessment.objects.filter(pk=assessment.pk).filter(policy.overdue_filter(on)).exists()


def set_status(assessment, status, extended_to=None):
    Assessment.objects.filter(pk=assessment.pk).update(status=status, deadline_extended_to=extended_to)
    assessment.refresh_from_db()


def test_a_draft_is_overdue_from_the_day_after_its_closing_date(assessment):
    closes = assessment.period.self_assessment_closes
    assert [overdue(assessment, closes + timedelta(days=d)) for d in (-1, 0, 1, 2)] == [False, False, True, True]


def test_an_extension_moves_the_day_a_draft_becomes_overdue(assessment):
    closes = assessment.period.self_assessment_closes
    set_status(assessment, AssessmentStatus.DRAFT, extended_to=closes + timedelta(days=5))
    days = (1, 5, 6)
    assert [overdue(assessment, closes + timedelta(days=d)) for d in days] == [False, False, True]


def test_an_extension_that_already_passed_leaves_the_draft_overdue(assessment):
    closes = assessment.period.self_assessment_closes
    set_status(assessment, AssessmentStatus.DRAFT, extended_to=closes + timedelta(days=2))
    assert overdue(assessment, closes + timedelta(days=3)) is True
    # an "extension" earlier than the closing date never shortens the window
    set_status(assessment, AssessmentStatus.DRAFT, extended_to=closes - timedelta(days=3))
    assert overdue(assessment, closes) is False
    assert overdue(assessment, closes + timedelta(days=1)) is True


def test_a_returned_assessment_is_overdue_from_the_day_after_the_explanation_window(assessment):
    set_status(assessment, AssessmentStatus.RETURNED)
    closes = assessment.period.explanation_closes
    assert [overdue(assessment, closes + timedelta(days=d)) for d in (-1, 0, 1)] == [False, False, True]
    # a returned assessment is not judged by the self-assessment dates
    assert overdue(assessment, assessment.period.self_assessment_closes + timedelta(days=1)) is False


@pytest.mark.parametrize(
    "status",
    [
        AssessmentStatus.SUBMITTED,
        AssessmentStatus.UNDER_APPRAISAL,
        AssessmentStatus.EXPLAINED,
        AssessmentStatus.REAPPRAISED,
        AssessmentStatus.APPROVED,
        AssessmentStatus.PUBLISHED,
    ],
)
def test_assessments_handed_in_are_never_overdue(assessment, status):
    set_status(assessment, status)
    late = assessment.period.explanation_closes + timedelta(days=30)
    assert overdue(assessment, late) is False


def test_overdue_without_a_date_means_today(assessment):
    period = assessment.period
    today = timezone.localdate()
    assert overdue(assessment) is False
    period.self_assessment_opens = today - timedelta(days=20)
    period.self_assessment_closes = today - timedelta(days=1)
    period.save(update_fields=["self_assessment_opens", "self_assessment_closes"])
    assessment.refresh_from_db()
    assert overdue(assessment) is True


def test_the_units_people_write_the_difficulties_only_while_the_self_assessment_is_open(
    assessment, unit_staff, unit_head, other_unit_staff, appraiser, coordinator
):
    period = assessment.period
    opens, closes = period.self_assessment_opens, period.self_assessment_closes
    days = [opens - timedelta(days=1), opens, closes, closes + timedelta(days=1)]
    assert [policy.may_write_difficulties(unit_staff, assessment, on=day) for day in days] == [
        False,
        True,
        True,
        False,
    ]
    assert [policy.may_write_difficulties(unit_head, assessment, on=day) for day in days] == [
        False,
        True,
        True,
        False,
    ]
    for outsider in (other_unit_staff, appraiser, coordinator, AnonymousUser()):
        assert policy.may_write_difficulties(outsider, assessment, on=opens) is False
    set_status(assessment, AssessmentStatus.SUBMITTED)
    assert policy.may_write_difficulties(unit_head, assessment, on=opens) is False


def test_evidence_of_the_self_assessment_does_not_put_a_leaf_in_the_explained_filter(assessment, unit_staff):
    leaf = score_of(assessment, "1.4")
    evidence_upload(score=leaf, user=unit_staff, upload=SimpleUploadedFile("kh.pdf", PDF_BYTES))
    assert not Score.objects.filter(assessment=assessment).filter(policy.explained_filter()).exists()
    Score.objects.filter(pk=leaf.pk).update(explanation="Đã bổ sung kế hoạch.")
    explained = Score.objects.filter(assessment=assessment).filter(policy.explained_filter())
    assert list(explained.values_list("pk", flat=True)) == [leaf.pk]


def test_who_lands_where(unit_staff, unit_head, appraiser, coordinator, council_member, superuser):
    people = [unit_staff, unit_head, appraiser, coordinator, council_member, superuser, AnonymousUser()]
    assert [policy.is_coordinator(p) for p in people] == [False, False, False, True, False, True, False]
    assert [policy.reads_cycle_dashboard(p) for p in people] == [False, False, False, True, False, True, False]
    assert [policy.reads_own_queue(p) for p in people] == [False, False, True, False, False, False, False]
