"""Grading in two rounds and the council, each write by the right person in the right round, all audited."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assessment.exceptions import ScoreErrors
from assessment.models import AssessmentEvent, Score
from assessment.scoring import final_points
from assessment.services import (
    ConflictError,
    GradeInput,
    agency_reassign,
    assessment_approve,
    assessment_finish_round_two,
    assessment_reopen,
    assessment_return,
    assessment_submit,
    scores_grade,
)
from tests.assessment.conftest import PDF_BYTES, complete, grade, grade_all, score_of


def test_the_final_score_is_council_else_round_two_else_round_one():
    assert final_points(Decimal("1.00"), None, None) == Decimal("1.00")
    assert final_points(Decimal("1.00"), Decimal("0.50"), None) == Decimal("0.50")
    assert final_points(Decimal("1.00"), Decimal("0.50"), Decimal("0.75")) == Decimal("0.75")
    assert final_points(Decimal("0.00"), None, None) == Decimal("0.00")
    assert final_points(None, None, None) == Decimal("0.00")


def test_an_appraiser_grades_a_leaf_of_their_agency_and_starts_the_appraisal(submitted, appraiser):
    leaf = score_of(submitted, "1.1.1")
    grade(appraiser, leaf, points=Decimal("0.5"), comment="Ban hành muộn 5 ngày.")

    leaf.refresh_from_db()
    assert (leaf.appraised_points, leaf.appraised_comment, leaf.appraised_by, leaf.version) == (
        Decimal("0.50"),
        "Ban hành muộn 5 ngày.",
        appraiser,
        2,
    )
    submitted.refresh_from_db()
    assert submitted.status == "under_appraisal"
    event = AssessmentEvent.objects.get(to_status="under_appraisal")
    assert (event.from_status, event.actor, event.reason) == ("submitted", appraiser, "Bắt đầu thẩm định.")
    record = leaf.history.first()
    assert (record.appraised_points, record.history_user, record.history_change_reason) == (
        Decimal("0.50"),
        appraiser,
        "appraisal",
    )


@pytest.mark.parametrize(
    ("who", "code", "message"),
    [
        ("justice_appraiser", "1.1.1", "Tiêu chí 1.1.1 do cơ quan khác thẩm định."),
        ("appraiser", "2.2", "Tiêu chí 2.2 do cơ quan khác thẩm định."),
        ("council_member", "1.1.1", "Chỉ thẩm định viên và Sở Nội vụ mới chấm điểm thẩm định."),
        ("unit_head", "1.1.1", "Chỉ thẩm định viên và Sở Nội vụ mới chấm điểm thẩm định."),
        ("appraiser", "1.6", "Tiêu chí 1.6 không chấm thẩm định."),
    ],
)
def test_grading_someone_elses_leaf_is_refused_and_changes_nothing(request, submitted, who, code, message):
    leaf = score_of(submitted, code)
    with pytest.raises(PermissionDenied) as error:
        grade(request.getfixturevalue(who), leaf, points=Decimal("0"))
    assert str(error.value) == message
    leaf.refresh_from_db()
    assert (leaf.appraised_points, leaf.version) == (None, 1 if code != "1.6" else 0)
    assert not AssessmentEvent.objects.filter(to_status="under_appraisal").exists()


def test_an_appraiser_does_not_grade_their_own_unit(submitted, finance, home_affairs):
    from accounts.models import Role
    from tests.conftest import make_user

    insider = make_user("thamdinh-tc", (Role.APPRAISER, home_affairs))
    from accounts.services import membership_grant

    membership_grant(user=insider, role=Role.UNIT_STAFF, unit=finance, actor=None)
    with pytest.raises(PermissionDenied) as error:
        grade(insider, score_of(submitted, "1.1.1"), points=Decimal("1"))
    assert str(error.value) == (
        "Không ai thẩm định hồ sơ của chính đơn vị mình: thẩm định viên khác của cơ quan sẽ chấm."
    )


def test_drafts_are_not_graded(assessment, appraiser):
    with pytest.raises(PermissionDenied) as error:
        grade(appraiser, score_of(assessment, "1.1.1"), points=Decimal("1"))
    assert str(error.value) == "Hồ sơ của Sở Tài chính không ở vòng thẩm định."


@pytest.mark.parametrize(
    ("points", "na", "message"),
    [
        (Decimal("1.5"), None, {"points": ["Điểm phải từ 0 đến 1, tối đa hai chữ số thập phân."]}),
        (Decimal("-1"), None, {"points": ["Điểm phải từ 0 đến 1, tối đa hai chữ số thập phân."]}),
        (Decimal("0.125"), None, {"points": ["Điểm phải từ 0 đến 1, tối đa hai chữ số thập phân."]}),
        (None, True, {"na_confirmed": ["Đơn vị không đánh dấu tiêu chí này “không áp dụng”."]}),
    ],
)
def test_a_bad_grade_is_refused_with_its_reason(submitted, appraiser, points, na, message):
    leaf = score_of(submitted, "1.1.1")
    with pytest.raises(ScoreErrors) as error:
        grade(appraiser, leaf, points=points, na=na)
    assert error.value.by_score == {leaf.pk: message}
    leaf.refresh_from_db()
    assert leaf.appraised_points is None


def test_confirming_a_units_not_applicable(assessment, unit_head, appraiser):
    leaf = score_of(assessment, "1.3.2")
    from assessment.services import ScoreInput, score_save

    complete(assessment, unit_head)
    leaf.refresh_from_db()
    score_save(
        assessment=assessment,
        user=unit_head,
        rows=[ScoreInput(score_id=leaf.pk, version=leaf.version, is_na=True, na_reason="Không phát hiện vấn đề")],
    )
    assessment_submit(assessment=assessment, user=unit_head, signed_scan=SimpleUploadedFile("ky.pdf", PDF_BYTES))
    with pytest.raises(ScoreErrors) as error:
        grade(appraiser, leaf, points=Decimal("1"), na=True)
    assert error.value.by_score == {leaf.pk: {"points": ["Tiêu chí đã xác nhận “không áp dụng” thì không có điểm."]}}
    grade(appraiser, leaf, na=True)
    leaf.refresh_from_db()
    assert (leaf.na_confirmed, leaf.appraised_points) == (True, None)


def test_two_appraisers_saving_the_same_leaf_the_later_gets_a_conflict(submitted, appraiser, coordinator):
    leaf = score_of(submitted, "1.1.1")
    stale = leaf.version
    scores_grade(actor=appraiser, rows=[GradeInput(score_id=leaf.pk, version=stale, points=Decimal("1"))])
    with pytest.raises(ConflictError) as error:
        scores_grade(actor=coordinator, rows=[GradeInput(score_id=leaf.pk, version=stale, points=Decimal("0"))])
    assert [(c.code, c.by) for c in error.value.conflicts] == [("1.1.1", "Lê Văn Minh")]
    leaf.refresh_from_db()
    assert (leaf.appraised_points, leaf.appraised_by) == (Decimal("1.00"), appraiser)


def test_return_needs_every_leaf_graded_then_mails_the_unit(
    submitted, appraisers, coordinator, unit_staff, unit_head, mailoutbox, django_capture_on_commit_callbacks
):
    grade(appraisers["so-noi-vu"], score_of(submitted, "1.1.1"), points=Decimal("1"))
    with pytest.raises(ValidationError) as error:
        assessment_return(assessment=submitted, actor=coordinator)
    assert error.value.messages[0].startswith("Sở Tài chính: các tiêu chí sau chưa được chấm: 1.1.2, 1.2, 1.3.1,")
    grade_all(appraisers, submitted)
    with django_capture_on_commit_callbacks(execute=True):
        assessment_return(assessment=submitted, actor=coordinator, reason="Đủ điểm vòng 1")
    submitted.refresh_from_db()
    assert submitted.status == "returned"
    mail = mailoutbox[-1]
    assert mail.subject == "[CCHC] Kết quả thẩm định của Sở Tài chính được gửi về để giải trình"
    assert sorted(mail.to) == sorted([unit_staff.email, unit_head.email])


def test_only_home_affairs_returns(submitted, appraisers, appraiser):
    grade_all(appraisers, submitted)
    with pytest.raises(PermissionDenied):
        assessment_return(assessment=submitted, actor=appraiser)
    submitted.refresh_from_db()
    assert submitted.status == "under_appraisal"


def test_round_two_regrades_only_explained_leaves(explained, appraiser, justice_appraiser, coordinator):
    with pytest.raises(PermissionDenied) as error:
        grade(appraiser, score_of(explained, "1.2"), points=Decimal("0"))
    assert str(error.value) == "Tiêu chí 1.2 không có giải trình: giữ điểm vòng 1."
    with pytest.raises(ValidationError) as error:
        assessment_finish_round_two(assessment=explained, actor=coordinator)
    assert error.value.messages == ["Sở Tài chính: các tiêu chí có giải trình sau chưa có điểm vòng 2: 1.1.1, 2.2."]

    grade(appraiser, score_of(explained, "1.1.1"), points=Decimal("1"), comment="Chấp nhận giải trình.")
    grade(justice_appraiser, score_of(explained, "2.2"), points=Decimal("2"))
    assessment_finish_round_two(assessment=explained, actor=coordinator)
    explained.refresh_from_db()
    leaf = score_of(explained, "1.1.1")
    assert (explained.status, leaf.appraised_points, leaf.reappraised_points) == (
        "reappraised",
        Decimal("0.50"),
        Decimal("1.00"),
    )


def test_a_return_left_unexplained_closes_once_the_window_has_passed(submitted, appraisers, coordinator):
    grade_all(appraisers, submitted)
    assessment_return(assessment=submitted, actor=coordinator)
    with pytest.raises(ValidationError) as error:
        assessment_finish_round_two(assessment=submitted, actor=coordinator)
    closes = submitted.period.explanation_closes
    assert error.value.messages == [f"Sở Tài chính: thời gian giải trình còn đến hết ngày {closes:%d/%m/%Y}."]
    period = submitted.period
    today = timezone.localdate()
    period.self_assessment_opens, period.self_assessment_closes = today - timedelta(days=40), today - timedelta(days=30)
    period.appraisal_closes, period.explanation_opens = today - timedelta(days=20), today - timedelta(days=10)
    period.explanation_closes = today - timedelta(days=1)
    period.save()
    assessment_finish_round_two(assessment=submitted, actor=coordinator)
    submitted.refresh_from_db()
    assert submitted.status == "reappraised"


def test_the_council_overrides_with_a_reason_then_approval_closes_the_rounds(
    explained, appraiser, justice_appraiser, coordinator, council_member, mailoutbox, django_capture_on_commit_callbacks
):
    grade(appraiser, score_of(explained, "1.1.1"), points=Decimal("1"))
    grade(justice_appraiser, score_of(explained, "2.2"), points=Decimal("2"))
    assessment_finish_round_two(assessment=explained, actor=coordinator)
    leaf = score_of(explained, "1.1.1")
    with pytest.raises(PermissionDenied) as error:
        grade(council_member, leaf, points=Decimal("0.75"), comment="Hội đồng")
    assert str(error.value) == "Chỉ thẩm định viên và Sở Nội vụ mới chấm điểm thẩm định."
    with pytest.raises(PermissionDenied) as error:
        grade(appraiser, leaf, points=Decimal("0.75"), comment="Hội đồng")
    assert str(error.value) == "Quyết định của Hội đồng do Sở Nội vụ cập nhật."
    with pytest.raises(ScoreErrors) as error:
        grade(coordinator, leaf, points=Decimal("0.75"))
    assert error.value.by_score == {leaf.pk: {"comment": ["Hãy ghi lý do Hội đồng thay đổi điểm."]}}
    grade(coordinator, leaf, points=Decimal("0.75"), comment="Ban hành muộn so với hướng dẫn.")
    leaf.refresh_from_db()
    assert (leaf.council_points, leaf.council_reason) == (Decimal("0.75"), "Ban hành muộn so với hướng dẫn.")
    assert final_points(leaf.appraised_points, leaf.reappraised_points, leaf.council_points) == Decimal("0.75")

    with pytest.raises(ValidationError):
        assessment_approve(assessment=explained, actor=coordinator, decision_number="", decision_date=None)
    with django_capture_on_commit_callbacks(execute=True):
        assessment_approve(
            assessment=explained, actor=coordinator, decision_number="123/QĐ-HĐTĐ", decision_date=timezone.localdate()
        )
    explained.refresh_from_db()
    assert (explained.status, explained.council_decision_number, explained.approved_by) == (
        "approved",
        "123/QĐ-HĐTĐ",
        coordinator,
    )
    assert mailoutbox[-1].subject == "[CCHC] Hồ sơ của Sở Tài chính đã được phê duyệt"
    # Approved: the appraisers' rounds are closed; only a later decision of the council corrects a score,
    # recorded by Home Affairs with its reason (and published as a new version).
    with pytest.raises(PermissionDenied) as error:
        grade(appraiser, score_of(explained, "1.1.1"), points=Decimal("0"))
    assert str(error.value) == "Quyết định của Hội đồng do Sở Nội vụ cập nhật."
    with pytest.raises(ScoreErrors):
        grade(coordinator, score_of(explained, "1.1.1"), points=Decimal("0"))
    assert score_of(explained, "1.1.1").council_points == Decimal("0.75")
    grade(coordinator, score_of(explained, "1.1.1"), points=Decimal("1"), comment="Quyết định điều chỉnh số 5/QĐ")
    leaf = score_of(explained, "1.1.1")
    assert (leaf.council_points, leaf.council_reason) == (Decimal("1"), "Quyết định điều chỉnh số 5/QĐ")
    assert leaf.history.first().history_user == coordinator


def test_reopen_needs_a_reason_and_gives_the_unit_its_draft_back(submitted, coordinator, unit_staff):
    with pytest.raises(ValidationError) as error:
        assessment_reopen(assessment=submitted, actor=coordinator, reason="", until=timezone.localdate())
    assert error.value.messages == ["Hãy ghi lý do của thay đổi này."]
    until = timezone.localdate() + timedelta(days=5)
    assessment_reopen(assessment=submitted, actor=coordinator, reason="Đơn vị đề nghị bổ sung minh chứng", until=until)
    submitted.refresh_from_db()
    assert (submitted.status, submitted.deadline_extended_to) == ("draft", until)
    event = AssessmentEvent.objects.get(to_status="draft")
    assert (event.from_status, event.actor, event.reason) == (
        "submitted",
        coordinator,
        "Đơn vị đề nghị bổ sung minh chứng",
    )


def test_home_affairs_reassigns_a_leaf_to_another_agency_for_the_period(
    submitted, coordinator, appraiser, justice_appraiser
):
    leaf = score_of(submitted, "1.4")
    count = agency_reassign(
        period=submitted.period,
        criterion=leaf.criterion,
        agency=justice_appraiser.memberships.get().unit,
        actor=coordinator,
        reason="Sở Tư pháp phụ trách tuyên truyền pháp luật",
    )
    assert count == 1
    with pytest.raises(PermissionDenied):
        grade(appraiser, leaf, points=Decimal("1"))
    grade(justice_appraiser, leaf, points=Decimal("1"))
    record = Score.history.filter(id=leaf.pk, history_change_reason="Sở Tư pháp phụ trách tuyên truyền pháp luật").get()
    assert (record.agency.code, record.history_user) == ("so-tu-phap", coordinator)
    with pytest.raises(PermissionDenied):
        agency_reassign(
            period=submitted.period, criterion=leaf.criterion, agency=leaf.agency, actor=appraiser, reason="x"
        )
