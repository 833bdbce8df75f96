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


def test_the_appraisal_progress_and_each_agencys_work_are_read_by_whom(
    home_affairs, justice, unit_staff, unit_head, appraiser, justice_appraiser, coordinator, council_member, superuser
):
    people = [
        unit_staff,
        unit_head,
        appraiser,
        justice_appraiser,
        coordinator,
        council_member,
        superuser,
        AnonymousUser(),
    ]
    assert [policy.reads_appraisal_progress(p) for p in people] == [False, False, True, True, True, True, True, False]
    assert [policy.reads_agency_work(p, home_affairs.pk) for p in people] == [
        False,
        False,
        True,
        False,
        True,
        True,
        True,
        False,
    ]
    assert [policy.reads_agency_work(p, justice.pk) for p in people] == [
        False,
        False,
        False,
        True,
        True,
        True,
        True,
        False,
    ]
    assert [policy.reads_agency_work(p, None) for p in people] == [False, False, False, False, True, True, True, False]


def test_a_prefetched_leaf_is_explained_without_a_query(explained, django_assert_num_queries):
    ids = [score_of(explained, code).pk for code in ("1.1.1", "2.2", "1.4")]
    rows = list(Score.objects.filter(pk__in=ids).prefetch_related("evidence").order_by("criterion__code"))
    assert [row.criterion.code for row in Score.objects.filter(pk__in=ids).order_by("criterion__code")] == [
        "1.1.1",
        "1.4",
        "2.2",
    ]
    with django_assert_num_queries(0):
        assert [policy.is_explained(row) for row in rows] == [True, False, True]
    read = list(Score.objects.filter(pk__in=ids).order_by("criterion__code"))
    with django_assert_num_queries(2):  # 1.1.1 is answered by its text; 1.4 and 2.2 ask for their evidence
        assert [policy.is_explained(row) for row in read] == [True, False, True]


def insider(home_affairs, finance):
    """An appraiser of Home Affairs who also works at Sở Tài chính (the unit of the assessment)."""
    from accounts.models import Role
    from accounts.services import membership_grant
    from tests.conftest import make_user

    user = make_user("thamdinh-tc", (Role.APPRAISER, home_affairs))
    membership_grant(user=user, role=Role.UNIT_STAFF, unit=finance, actor=None)
    user.refresh_from_db()
    return user


def test_grade_refusal_gives_each_reason_in_order(
    submitted, home_affairs, finance, unit_staff, council_member, appraiser, justice_appraiser, coordinator
):
    own_leaf, other_leaf, survey_leaf = (score_of(submitted, code) for code in ("1.1.1", "2.2", "1.6"))
    assert policy.grade_refusal(appraiser, own_leaf, None) == "Hồ sơ của Sở Tài chính không ở vòng thẩm định."
    only = "Chỉ thẩm định viên và Sở Nội vụ mới chấm điểm thẩm định."
    assert [policy.grade_refusal(p, own_leaf, policy.ROUND_1) for p in (unit_staff, council_member)] == [only, only]
    assert policy.grade_refusal(appraiser, survey_leaf, policy.ROUND_1) == "Tiêu chí 1.6 không chấm thẩm định."
    own_unit = "Không ai thẩm định hồ sơ của chính đơn vị mình: thẩm định viên khác của cơ quan sẽ chấm."
    member = insider(home_affairs, finance)
    for round_ in (policy.ROUND_1, policy.ROUND_2, policy.COUNCIL):
        assert policy.grade_refusal(member, own_leaf, round_) == own_unit
        assert policy.grade_refusal(justice_appraiser, own_leaf, round_) == (
            "Quyết định của Hội đồng do Sở Nội vụ cập nhật."
            if round_ == policy.COUNCIL
            else "Tiêu chí 1.1.1 do cơ quan khác thẩm định."
        )
    assert policy.grade_refusal(appraiser, other_leaf, policy.ROUND_1) == "Tiêu chí 2.2 do cơ quan khác thẩm định."
    assert policy.grade_refusal(appraiser, own_leaf, policy.ROUND_1) is None
    assert policy.grade_refusal(coordinator, other_leaf, policy.ROUND_1) is None
    assert policy.grade_refusal(coordinator, other_leaf, policy.COUNCIL) is None


def test_in_round_2_only_explained_leaves_are_graded_again(explained, appraiser, coordinator):
    leaves = [score_of(explained, code) for code in ("1.1.1", "2.2", "1.4")]
    assert [policy.grade_refusal(coordinator, leaf, policy.ROUND_2) for leaf in leaves] == [
        None,
        None,
        "Tiêu chí 1.4 không có giải trình: giữ điểm vòng 1.",
    ]
    assert [policy.grade_refusal(coordinator, leaf, policy.ROUND_1) for leaf in leaves] == [None, None, None]
    assert policy.grade_refusal(appraiser, leaves[0], policy.ROUND_2) is None


def test_an_appraiser_who_is_also_a_unit_member_reads_their_units_draft(
    assessment, home_affairs, finance, appraiser, unit_staff
):
    from assessment.models import Assessment

    both = insider(home_affairs, finance)
    assert assessment.status == AssessmentStatus.DRAFT
    for reader, expected in ((both, [assessment.pk]), (unit_staff, [assessment.pk]), (appraiser, [])):
        assert list(Assessment.objects.filter(policy.assessment_scope(reader)).values_list("pk", flat=True)) == expected
        scores = Score.objects.filter(policy.assessment_scope(reader, "assessment__"))
        assert set(scores.values_list("assessment_id", flat=True)) == set(expected)


# -- reminders and who to chase (issue 13) -------------------------------------------------------------------


def test_only_home_affairs_follows_who_to_chase(
    coordinator, superuser, appraiser, council_member, unit_staff, unit_head
):
    readers = {
        "coordinator": coordinator,
        "superuser": superuser,
        "appraiser": appraiser,
        "council": council_member,
        "unit_staff": unit_staff,
        "unit_head": unit_head,
        "anonymous": AnonymousUser(),
    }
    assert {name for name, user in readers.items() if policy.reads_chase_list(user)} == {"coordinator", "superuser"}
