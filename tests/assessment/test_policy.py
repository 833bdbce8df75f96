"""The policy's answers, each asked directly: the round of an assessment, whether a leaf was explained (from the
database or from rows already read, the same answer), who acts for the workflow, whose queue holds a leaf."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch

from assessment import policy
from assessment.models import AssessmentStatus, Evidence, EvidenceRound, Score
from tests.assessment.conftest import score_of


@pytest.mark.parametrize(
    ("status", "after_window", "expected"),
    [
        (AssessmentStatus.DRAFT, False, None),
        (AssessmentStatus.SUBMITTED, False, policy.ROUND_1),
        (AssessmentStatus.UNDER_APPRAISAL, False, policy.ROUND_1),
        (AssessmentStatus.RETURNED, False, None),
        (AssessmentStatus.RETURNED, True, policy.ROUND_2),
        (AssessmentStatus.EXPLAINED, False, policy.ROUND_2),
        (AssessmentStatus.REAPPRAISED, False, policy.COUNCIL),
        (AssessmentStatus.APPROVED, False, policy.COUNCIL),
        (AssessmentStatus.PUBLISHED, False, policy.COUNCIL),
    ],
)
def test_the_appraisal_round_follows_the_state_and_the_explanation_window(assessment, status, after_window, expected):
    assessment.status = status
    closes = assessment.period.explanation_closes
    on = closes + timedelta(days=1) if after_window else closes
    assert policy.appraisal_round(assessment, on=on) == expected


def explained_both_ways(score_id) -> tuple[bool, bool]:
    read = Score.objects.get(pk=score_id)
    prefetched = Score.objects.prefetch_related(
        Prefetch("evidence", queryset=Evidence.objects.filter(round=EvidenceRound.EXPLANATION))
    ).get(pk=score_id)
    return policy.is_explained(read), policy.is_explained(prefetched)


def test_a_leaf_is_explained_by_text_or_by_explanation_evidence_read_either_way(explained, submitted):
    assert explained_both_ways(score_of(explained, "1.1.1").pk) == (True, True)  # written explanation
    assert explained_both_ways(score_of(explained, "2.2").pk) == (True, True)  # evidence of the explanation round
    assert explained_both_ways(score_of(explained, "1.4").pk) == (False, False)
    explained_ids = set(
        Score.objects.filter(assessment=explained).filter(policy.explained_filter()).values_list("pk", flat=True)
    )
    assert explained_ids == {score_of(explained, "1.1.1").pk, score_of(explained, "2.2").pk}


def test_evidence_of_the_self_assessment_does_not_explain_a_leaf(assessment, unit_staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessment.services import evidence_upload
    from tests.assessment.conftest import PDF_BYTES

    leaf = score_of(assessment, "1.4")
    evidence = evidence_upload(score=leaf, user=unit_staff, upload=SimpleUploadedFile("kh.pdf", PDF_BYTES))
    assert evidence.round == EvidenceRound.SELF_ASSESSMENT
    assert explained_both_ways(leaf.pk) == (False, False)


def test_who_acts_for_each_move(submitted, unit_staff, unit_head, appraiser, coordinator, council_member):
    people = [unit_staff, unit_head, appraiser, coordinator, council_member, AnonymousUser()]
    assert [policy.may_act_as(p, submitted, policy.UNIT_HEAD) for p in people] == [
        False,
        True,
        False,
        False,
        False,
        False,
    ]
    assert [policy.may_act_as(p, submitted, policy.APPRAISER) for p in people] == [
        False,
        False,
        True,
        True,
        False,
        False,
    ]
    assert [policy.may_act_as(p, submitted, policy.COORDINATOR) for p in people] == [
        False,
        False,
        False,
        True,
        False,
        False,
    ]


def test_the_queue_holds_an_appraisers_agency_and_everything_for_home_affairs_and_the_council(
    submitted, unit_staff, appraiser, coordinator, council_member
):
    assert policy.queue_scope(unit_staff) is None
    assert policy.queue_scope(AnonymousUser()) is None
    everything = Score.objects.filter(assessment=submitted).count()
    for reader in (coordinator, council_member):
        assert Score.objects.filter(assessment=submitted).filter(policy.queue_scope(reader)).count() == everything
    mine = Score.objects.filter(assessment=submitted).filter(policy.queue_scope(appraiser))
    assert set(mine.values_list("agency__code", flat=True)) == {"so-noi-vu"}
    assert 0 < mine.count() < everything


def test_who_publishes_imports_the_survey_moves_rounds_and_reads_the_overview(
    assessment, unit_staff, unit_head, appraiser, coordinator, council_member, superuser
):
    period = assessment.period
    people = [unit_staff, unit_head, appraiser, coordinator, council_member, superuser, AnonymousUser()]
    assert [policy.may_publish(p, period) for p in people] == [False, False, False, True, False, True, False]
    assert [policy.may_publish(p) for p in people] == [False, False, False, True, False, True, False]
    assert [policy.may_import_survey(p) for p in people] == [False, False, False, True, False, True, False]
    assert [policy.may_manage_rounds(p) for p in people] == [False, False, False, True, False, True, False]
    assert [policy.reads_block_overview(p) for p in people] == [False, False, False, True, True, True, False]
    assert [policy.reads_provisional_results(p) for p in people] == [False, False, False, True, True, True, False]
