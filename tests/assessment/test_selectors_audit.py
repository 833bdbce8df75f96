"""assessment/selectors/audit.py: the audit trail of one assessment, its score changes computed with
simple-history's ``diff_against``. Opening a period assigns each leaf its agency without writing history: that
initial assignment is not anybody's change (issue 11, item 10)."""

from decimal import Decimal

from django.urls import reverse

from assessment.selectors.audit import assessment_audit, score_changes
from assessment.services import ScoreInput, agency_reassign, score_save
from tests.factories import AGENCY_A, AGENCY_B, AssessmentFactory, agency


def _score(assessment, code):
    return assessment.scores.select_related("criterion").get(criterion__code=code)


def _rows(changes):
    return [
        (
            change["user"].username if change["user"] else None,
            change["code"],
            str(change["field"]),
            change["old"],
            change["new"],
            change["reason"],
        )
        for change in changes
    ]


def test_an_opened_assessment_has_no_changes_and_its_agencies_are_the_trees(finance):
    assessment = AssessmentFactory(unit=finance)
    agencies = {score.criterion.code: score.agency.code if score.agency else None for score in assessment.scores.all()}
    assert agencies == {"1.1": AGENCY_A, "1.2": AGENCY_A, "2.1": AGENCY_B, "2.2": None, "3.1": None, "3.2": None}
    assert score_changes(assessment) == []


def test_the_first_save_of_a_leaf_shows_what_the_unit_typed_not_the_agency_the_opening_gave(finance, unit_staff):
    assessment = AssessmentFactory(unit=finance)
    rows = [
        ScoreInput(score_id=_score(assessment, "1.1").pk, version=0, self_points=Decimal("2")),
        ScoreInput(score_id=_score(assessment, "1.2").pk, version=0, is_na=True, na_reason="Không tổ chức kiểm tra"),
    ]
    score_save(assessment=assessment, user=unit_staff, rows=rows)
    # rows in leaf order, a record's fields in the trail's order; "not applicable" was "no" when the period opened
    assert _rows(score_changes(assessment)) == [
        ("canbo", "1.1", "điểm tự đánh giá", "—", "2,00", "Tự đánh giá"),
        ("canbo", "1.2", "không áp dụng", "không", "có", "Tự đánh giá"),
        ("canbo", "1.2", "lý do không áp dụng", "—", "Không tổ chức kiểm tra", "Tự đánh giá"),
    ]


def test_a_reassignment_shows_the_agency_before_and_after_with_its_reason(finance, coordinator):
    assessment = AssessmentFactory(unit=finance)
    leaf = _score(assessment, "2.1")
    agency_reassign(
        period=assessment.period,
        criterion=leaf.criterion,
        agency=agency(AGENCY_A),
        actor=coordinator,
        reason="Đổi đầu mối",
    )
    assert _rows(score_changes(assessment)) == [
        ("noivu", "2.1", "cơ quan thẩm định", "Sở Tư pháp", "Sở Nội vụ", "Đổi đầu mối")
    ]


def test_the_trail_lists_each_kind_newest_first(finance, unit_staff):
    assessment = AssessmentFactory(unit=finance)
    leaf = _score(assessment, "1.1")
    score_save(
        assessment=assessment, user=unit_staff, rows=[ScoreInput(score_id=leaf.pk, version=0, self_points=Decimal("1"))]
    )
    score_save(
        assessment=assessment, user=unit_staff, rows=[ScoreInput(score_id=leaf.pk, version=1, self_points=Decimal("2"))]
    )
    trail = assessment_audit(assessment)
    assert [(row[3], row[4]) for row in _rows(trail.changes)] == [("1,00", "2,00"), ("—", "1,00")]
    assert (trail.events, trail.evidence) == ([], [])


def test_the_admin_audit_page_does_not_show_the_opening_as_a_change(client, finance, unit_staff, coordinator):
    assessment = AssessmentFactory(unit=finance)
    rows = [
        ScoreInput(score_id=score.pk, version=0, self_points=score.max_points, no_evidence_reason="Lưu bản giấy")
        for score in assessment.scores.filter(criterion__method="appraisal")
    ]
    score_save(assessment=assessment, user=unit_staff, rows=rows)
    client.force_login(coordinator)
    response = client.get(reverse("admin:assessment_assessment_audit", args=[assessment.pk]))
    assert response.status_code == 200
    assert sorted((row[1], row[2], row[4]) for row in _rows(response.context["changes"])) == [
        ("1.1", "điểm tự đánh giá", "2,00"),
        ("1.2", "điểm tự đánh giá", "3,00"),
        ("2.1", "điểm tự đánh giá", "4,00"),
    ]
    assert "Sở Nội vụ</td>" not in response.content.decode()
