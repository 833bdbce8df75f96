"""Start from last year: notes and evidence links (never scores) carried into the leaves that keep their code."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from assessment.models import Assessment, CarryOver, Document, Evidence, Score
from assessment.selectors.carry_over import CarryOverOffer, carry_over_offer, with_carry_over
from assessment.services import (
    ScoreInput,
    assessment_carry_over,
    evidence_upload,
    score_confirm_carried,
    score_save,
)
from tests.assessment.carry_over_helpers import last_year, state, this_year
from tests.assessment.conftest import PDF_BYTES, score_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def years(departments, agencies, finance, unit_staff, private_storage):
    """(2024, 2025) of Sở Tài chính; 2025's self-assessment is open."""
    return last_year(departments, finance, unit_staff), this_year(departments, finance)


def test_notes_and_links_of_the_continuing_leaves_are_carried_and_marked(years, unit_staff):
    before, current = years
    documents = Document.objects.count()
    record = assessment_carry_over(assessment=current, actor=unit_staff)
    scores, evidence = state(current)
    assert [(code, note, year) for code, note, year, *_rest in scores] == [
        ("1.1", "Kế hoạch 224/KH-UBND", 2024),
        ("1.3", "", None),  # was 1.2: the code changed, nothing of it continues
        ("2.1", "Rà soát 40 thủ tục", 2024),  # a new title, the same code: it continues
        ("2.2", "", None),
        ("3.1", "", None),
        ("9.1", "", None),
        ("9.2", "", None),
    ]
    assert evidence == [("1.1", "kh.pdf", "tr. 2", 2024), ("2.2", "bc.pdf", "", 2024)]
    assert Document.objects.count() == documents  # the same documents of the unit's library, never copies
    last = {e.score.criterion.code: e.document_id for e in Evidence.objects.filter(score__assessment=before)}
    now = {e.score.criterion.code: e.document_id for e in Evidence.objects.filter(score__assessment=current)}
    assert now == {"1.1": last["1.1"], "2.2": last["2.2"]}
    assert (record.from_year, record.source, record.actor, record.criteria, record.notes, record.evidence) == (
        2024,
        before,
        unit_staff,
        3,
        2,
        2,
    )


def test_scores_are_never_carried(years, unit_staff):
    _before, current = years
    assessment_carry_over(assessment=current, actor=unit_staff)
    rows = Score.objects.filter(assessment=current).values_list("self_points", "declared_value", "is_na")
    assert set(rows) == {(None, None, False)}


def test_it_is_audited_in_the_history_of_each_row(years, unit_staff):
    _before, current = years
    assessment_carry_over(assessment=current, actor=unit_staff)
    note = Score.history.filter(criterion__code="1.1", assessment_id=current.pk).latest("history_date")
    assert (note.history_change_reason, note.history_user, note.note) == (
        "carry-over",
        unit_staff,
        "Kế hoạch 224/KH-UBND",
    )
    link = Evidence.history.get(score__assessment=current, document__original_name="bc.pdf")
    assert (link.history_type, link.history_change_reason, link.history_user) == ("+", "carry-over", unit_staff)


def test_what_the_unit_already_wrote_this_year_stays(years, unit_staff):
    _before, current = years
    leaf = score_of(current, "1.1")
    score_save(assessment=current, user=unit_staff, rows=[ScoreInput(leaf.pk, leaf.version, note="Kế hoạch mới")])
    evidence_upload(
        score=score_of(current, "2.2"), user=unit_staff, upload=SimpleUploadedFile("b.pdf", PDF_BYTES + b"bc")
    )
    record = assessment_carry_over(assessment=current, actor=unit_staff)
    scores, evidence = state(current)
    assert scores[0][1:3] == ("Kế hoạch mới", None)
    assert evidence == [("1.1", "kh.pdf", "tr. 2", 2024), ("2.2", "bc.pdf", "", None)]  # already attached this year
    assert (record.criteria, record.notes, record.evidence) == (2, 1, 1)


def test_carrying_over_twice_changes_nothing(years, unit_staff, unit_head):
    _before, current = years
    first = assessment_carry_over(assessment=current, actor=unit_staff)
    after_first = state(current)
    assert assessment_carry_over(assessment=current, actor=unit_head) == first
    assert state(current) == after_first
    assert CarryOver.objects.count() == 1


def test_refused_to_another_unit_with_nothing_changed(years, other_unit_staff, appraiser, coordinator):
    _before, current = years
    untouched = state(current)
    for who in (other_unit_staff, appraiser, coordinator):
        with pytest.raises(PermissionDenied, match="Chỉ cán bộ của Sở Tài chính"):
            assessment_carry_over(assessment=current, actor=who)
    assert state(current) == untouched
    assert not CarryOver.objects.exists()


def test_refused_outside_the_self_assessment_window_with_nothing_changed(
    departments, agencies, finance, unit_staff, private_storage
):
    last_year(departments, finance, unit_staff)
    today = timezone.localdate()
    current = this_year(
        departments,
        finance,
        self_assessment_opens=today - timedelta(days=20),
        self_assessment_closes=today - timedelta(days=1),
    )
    untouched = state(current)
    with pytest.raises(PermissionDenied, match="Tự đánh giá đã hết hạn ngày"):
        assessment_carry_over(assessment=current, actor=unit_staff)
    assert state(current) == untouched
    assert not CarryOver.objects.exists()


def test_refused_without_a_last_year_with_nothing_changed(departments, agencies, finance, unit_staff):
    current = this_year(departments, finance)
    untouched = state(current)
    with pytest.raises(ValidationError) as error:
        assessment_carry_over(assessment=current, actor=unit_staff)
    assert error.value.messages == ["Sở Tài chính không có hồ sơ năm 2024 trong khối này để chuyển sang."]
    assert state(current) == untouched


def test_the_offer_read_with_the_assessment_skips_the_carry_over_until_one_is_made(
    years, unit_staff, django_assert_num_queries
):
    """Issue 12: the page's assessment read with_carry_over says whether a carry-over was made; until one is, the
    offer reads only whether last year exists (one query instead of two), then as before (two)."""
    _before, current = years
    carry_over_offer(unit_staff, current)  # the user's memberships, read once per user
    with django_assert_num_queries(2):  # the carry-over made (none), whether last year exists
        assert carry_over_offer(unit_staff, current) == CarryOverOffer(None, 2024, True, 0)
    read = with_carry_over(Assessment.objects.select_related("period", "unit", "framework")).get(pk=current.pk)
    with django_assert_num_queries(1):  # whether last year exists
        assert carry_over_offer(unit_staff, read) == CarryOverOffer(None, 2024, True, 0)
    record = assessment_carry_over(assessment=current, actor=unit_staff)
    score_confirm_carried(score=score_of(current, "1.1"), actor=unit_staff)
    read = with_carry_over(Assessment.objects.select_related("period", "unit", "framework")).get(pk=current.pk)
    with django_assert_num_queries(2):  # the carry-over made with its actor, the leaves still marked
        offer = carry_over_offer(unit_staff, read)
    with django_assert_num_queries(0):
        assert (offer.made, offer.made.actor, offer.source_year, offer.pending) == (record, unit_staff, 2024, 2)
    assert carry_over_offer(unit_staff, current) == offer


def test_without_a_last_year_nothing_is_offered(departments, agencies, finance, unit_staff, django_assert_num_queries):
    current = this_year(departments, finance)
    carry_over_offer(unit_staff, current)
    read = with_carry_over(Assessment.objects.select_related("period", "unit", "framework")).get(pk=current.pk)
    with django_assert_num_queries(1):
        assert carry_over_offer(unit_staff, read) == CarryOverOffer(None, None, True, 0)
    assert carry_over_offer(unit_staff, current) == CarryOverOffer(None, None, True, 0)


def test_editing_a_note_confirms_it_and_adding_evidence_confirms_the_links(years, unit_staff):
    _before, current = years
    assessment_carry_over(assessment=current, actor=unit_staff)
    leaf = score_of(current, "1.1")
    score_save(assessment=current, user=unit_staff, rows=[ScoreInput(leaf.pk, leaf.version, note="Kế hoạch 2025")])
    evidence_upload(
        score=score_of(current, "2.2"), user=unit_staff, upload=SimpleUploadedFile("m.pdf", PDF_BYTES + b"m")
    )
    scores, evidence = state(current)
    assert [(row[0], row[2]) for row in scores if row[0] in ("1.1", "2.1")] == [("1.1", None), ("2.1", 2024)]
    assert evidence == [("1.1", "kh.pdf", "tr. 2", 2024), ("2.2", "bc.pdf", "", None), ("2.2", "m.pdf", "", None)]


def test_saving_a_leaf_without_touching_its_note_keeps_the_mark(years, unit_staff):
    _before, current = years
    assessment_carry_over(assessment=current, actor=unit_staff)
    leaf = score_of(current, "2.1")
    row = ScoreInput(leaf.pk, leaf.version, self_points=leaf.max_points, note=leaf.note)
    score_save(assessment=current, user=unit_staff, rows=[row])
    assert score_of(current, "2.1").note_from_year == 2024


def test_confirm_clears_the_marks_of_one_leaf_only(years, unit_staff, other_unit_staff):
    _before, current = years
    assessment_carry_over(assessment=current, actor=unit_staff)
    with pytest.raises(PermissionDenied):
        score_confirm_carried(score=score_of(current, "1.1"), actor=other_unit_staff)
    assert score_confirm_carried(score=score_of(current, "1.1"), actor=unit_staff) is True
    assert score_confirm_carried(score=score_of(current, "1.1"), actor=unit_staff) is False
    scores, evidence = state(current)
    assert [(row[0], row[1], row[2]) for row in scores[:3]] == [
        ("1.1", "Kế hoạch 224/KH-UBND", None),
        ("1.3", "", None),
        ("2.1", "Rà soát 40 thủ tục", 2024),
    ]
    assert evidence == [("1.1", "kh.pdf", "tr. 2", None), ("2.2", "bc.pdf", "", 2024)]


# -- the portal --------------------------------------------------------------------------------------------------


def test_the_portal_offers_it_carries_it_shows_the_marks_and_confirms(client, years, unit_staff):
    _before, current = years
    client.force_login(unit_staff)
    detail = reverse("assessment:assessment-detail", args=[current.pk])
    html = client.get(detail).content.decode()
    assert "Chuyển từ năm 2024" in html
    response = client.post(reverse("assessment:carry-over", args=[current.pk]), follow=True)
    html = response.content.decode()
    assert (
        "Đã chuyển từ năm 2024 vào 3 tiêu chí: 2 ghi chú và 2 liên kết tài liệu kiểm chứng. "
        "Hãy kiểm tra từng mục rồi xác nhận hoặc thay thế." in html
    )
    assert html.count('data-testid="carried-note"') == 1  # field 1: the note of 1.1
    assert html.count('data-testid="carried-evidence"') == 1
    assert "3 tiêu chí còn nội dung chuyển từ năm 2024" in html
    assert 'data-testid="carry-over-button"' not in html
    leaf = score_of(current, "1.1")
    response = client.post(reverse("assessment:carried-confirm", args=[current.pk, leaf.pk]), follow=True)
    assert "Tiêu chí 1.1: đã xác nhận cho năm nay." in response.content.decode()
    assert 'data-testid="carried-note"' not in response.content.decode()
    assert score_of(current, "1.1").note_from_year is None
    summary = client.get(reverse("assessment:assessment-summary", args=[current.pk])).content.decode()
    assert "2 tiêu chí còn nội dung chuyển từ năm 2024: hãy xác nhận hoặc thay thế." in summary


def test_another_unit_gets_404_and_nothing_changes(client, years, other_unit_staff):
    _before, current = years
    untouched = state(current)
    client.force_login(other_unit_staff)
    assert client.post(reverse("assessment:carry-over", args=[current.pk])).status_code == 404
    leaf = score_of(current, "1.1")
    assert client.post(reverse("assessment:carried-confirm", args=[current.pk, leaf.pk])).status_code == 404
    assert state(current) == untouched


def test_outside_the_window_the_button_is_not_offered_and_the_post_is_refused(
    client, departments, agencies, finance, unit_staff, private_storage
):
    last_year(departments, finance, unit_staff)
    today = timezone.localdate()
    current = this_year(
        departments,
        finance,
        self_assessment_opens=today + timedelta(days=1),
        self_assessment_closes=today + timedelta(days=9),
    )
    client.force_login(unit_staff)
    assert (
        "carry-over-button"
        not in client.get(reverse("assessment:assessment-detail", args=[current.pk])).content.decode()
    )
    assert client.post(reverse("assessment:carry-over", args=[current.pk])).status_code == 403
    assert not CarryOver.objects.exists()
