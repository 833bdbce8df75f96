"""assessment/workflow.py: the windows in which a unit writes, who is a member, who may move an assessment where.

Each window is checked on the day before it opens, its first day, its last day and the day after it closes:
on dates given to the workflow itself, through the services (today) and through the pages (today).
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from assessment.models import Assessment, AssessmentEvent, Evidence, Period, Score
from assessment.services import (
    ScoreInput,
    assessment_submit,
    assessment_submit_explanation,
    evidence_upload,
    score_explain,
    score_save,
)
from assessment.workflow import (
    TRANSITIONS,
    Window,
    assert_can_transition,
    explanation_window,
    is_head,
    is_member,
    self_assessment_window,
    transition,
    writable_window,
)
from tests.assessment.conftest import PDF_BYTES, complete, score_of
from tests.assessment.helpers import edit, open_field, page_data, save_field
from tests.conftest import make_user

# -- the windows on given dates --------------------------------------------------------------------------------

SELF_OPENS, SELF_CLOSES = date(2024, 3, 1), date(2024, 3, 31)
EXPLANATION_OPENS, EXPLANATION_CLOSES = date(2024, 5, 2), date(2024, 5, 10)

SELF_NOT_YET = "Tự đánh giá bắt đầu từ ngày 01/03/2024."
SELF_CLOSED = "Tự đánh giá đã hết hạn ngày 31/03/2024; chỉ Sở Nội vụ có thể mở lại."
SUBMITTED = "Hồ sơ tự đánh giá đã được gửi: không sửa được nữa."
EXPLANATION_NOT_YET = "Thời gian giải trình bắt đầu từ ngày 02/05/2024."
EXPLANATION_CLOSED = "Thời gian giải trình đã kết thúc ngày 10/05/2024."
NOT_RETURNED = "Hồ sơ không trong thời gian giải trình."


def _assessment(status="draft", extended_to=None) -> Assessment:
    """An assessment of the 2024 calendar above, in memory (the windows read nothing else)."""
    period = Period(
        year=2024,
        self_assessment_opens=SELF_OPENS,
        self_assessment_closes=SELF_CLOSES,
        appraisal_closes=date(2024, 4, 20),
        explanation_opens=EXPLANATION_OPENS,
        explanation_closes=EXPLANATION_CLOSES,
        council_date=date(2024, 5, 20),
        publication_date=date(2024, 6, 1),
    )
    return Assessment(period=period, status=status, deadline_extended_to=extended_to)


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2024, 2, 29), Window(False, SELF_NOT_YET, SELF_CLOSES)),  # the day before it opens
        (date(2024, 3, 1), Window(True, "", SELF_CLOSES)),  # its first day
        (date(2024, 3, 31), Window(True, "", SELF_CLOSES)),  # its last day
        (date(2024, 4, 1), Window(False, SELF_CLOSED, SELF_CLOSES)),  # the day after
    ],
)
def test_the_self_assessment_window_includes_its_first_and_its_last_day(on, expected):
    assert self_assessment_window(_assessment(), on) == expected


def test_an_extension_moves_the_last_day_and_an_earlier_date_does_not_shorten_the_window():
    extended = _assessment(extended_to=date(2024, 4, 5))
    assert self_assessment_window(extended, date(2024, 4, 5)) == Window(True, "", date(2024, 4, 5))
    assert self_assessment_window(extended, date(2024, 4, 6)) == Window(
        False, "Tự đánh giá đã hết hạn ngày 05/04/2024; chỉ Sở Nội vụ có thể mở lại.", date(2024, 4, 5)
    )
    earlier = _assessment(extended_to=date(2024, 3, 20))
    assert self_assessment_window(earlier, date(2024, 3, 31)) == Window(True, "", SELF_CLOSES)


@pytest.mark.parametrize("status", ["submitted", "under_appraisal", "returned", "approved"])
def test_only_a_draft_is_written_in_the_self_assessment_window(status):
    assert self_assessment_window(_assessment(status), date(2024, 3, 15)) == Window(False, SUBMITTED, SELF_CLOSES)


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2024, 5, 1), Window(False, EXPLANATION_NOT_YET, EXPLANATION_CLOSES)),
        (date(2024, 5, 2), Window(True, "", EXPLANATION_CLOSES)),
        (date(2024, 5, 10), Window(True, "", EXPLANATION_CLOSES)),
        (date(2024, 5, 11), Window(False, EXPLANATION_CLOSED, EXPLANATION_CLOSES)),
    ],
)
def test_the_explanation_window_includes_its_first_and_its_last_day(on, expected):
    assert explanation_window(_assessment("returned"), on) == expected


@pytest.mark.parametrize("status", ["draft", "submitted", "under_appraisal", "explained", "reappraised"])
def test_only_a_returned_assessment_is_explained_even_inside_the_window(status):
    assert explanation_window(_assessment(status), date(2024, 5, 5)) == Window(False, NOT_RETURNED, EXPLANATION_CLOSES)


@pytest.mark.parametrize(
    ("status", "on", "expected"),
    [
        ("draft", date(2024, 3, 15), ("self", Window(True, "", SELF_CLOSES))),
        ("draft", date(2024, 4, 1), (None, Window(False, SELF_CLOSED, SELF_CLOSES))),
        ("draft", date(2024, 5, 5), (None, Window(False, SELF_CLOSED, SELF_CLOSES))),
        ("submitted", date(2024, 5, 5), (None, Window(False, SUBMITTED, SELF_CLOSES))),
        ("returned", date(2024, 3, 15), (None, Window(False, EXPLANATION_NOT_YET, EXPLANATION_CLOSES))),
        ("returned", date(2024, 5, 5), ("explanation", Window(True, "", EXPLANATION_CLOSES))),
        ("returned", date(2024, 5, 11), (None, Window(False, EXPLANATION_CLOSED, EXPLANATION_CLOSES))),
        ("explained", date(2024, 5, 5), (None, Window(False, SUBMITTED, SELF_CLOSES))),
    ],
)
def test_the_round_the_unit_writes_in(status, on, expected):
    assert writable_window(_assessment(status), on) == expected


def test_days_left_count_from_today():
    assert Window(True, closes=timezone.localdate() + timedelta(days=3)).days_left == 3
    assert Window(True, closes=timezone.localdate()).days_left == 0
    assert Window(False, "x").days_left is None


# -- members and heads -----------------------------------------------------------------------------------------


@pytest.fixture
def other_head(ba_dinh):
    return make_user("lanhdao-badinh", (Role.UNIT_HEAD, ba_dinh), full_name="Ngô Văn Bình")


def test_members_are_the_staff_and_the_head_of_the_unit_only(
    assessment, unit_staff, unit_head, other_unit_staff, other_head, appraiser, coordinator
):
    from django.contrib.auth.models import AnonymousUser

    people = [unit_staff, unit_head, other_unit_staff, other_head, appraiser, coordinator, AnonymousUser()]
    assert [is_member(user, assessment) for user in people] == [True, True, False, False, False, False, False]
    assert [is_head(user, assessment) for user in people] == [False, True, False, False, False, False, False]


# -- the table of moves ----------------------------------------------------------------------------------------

# (from, to, who): "head" is the unit's head; "appraiser" is any appraiser or Home Affairs; "coordinator" Home Affairs.
MOVES = [
    ("draft", "submitted", "head"),
    ("submitted", "under_appraisal", "appraiser"),
    ("submitted", "returned", "coordinator"),
    ("under_appraisal", "returned", "coordinator"),
    ("returned", "explained", "head"),
    ("returned", "reappraised", "coordinator"),
    ("explained", "reappraised", "coordinator"),
    ("reappraised", "approved", "coordinator"),
    ("approved", "published", "coordinator"),
    ("submitted", "draft", "coordinator"),  # reopening, always with a reason
    ("under_appraisal", "draft", "coordinator"),
    ("returned", "draft", "coordinator"),
]
MAY = {
    "head": {"unit_head"},
    "appraiser": {"appraiser", "coordinator"},
    "coordinator": {"coordinator"},
}
NOT_ALLOWED = "Đồng chí không có quyền thực hiện thay đổi này."
NEEDS_A_REASON = "Hãy ghi lý do của thay đổi này."


def test_the_table_holds_exactly_these_moves():
    assert set(TRANSITIONS) == {(from_status, to) for from_status, to, _who in MOVES}


@pytest.mark.parametrize(("from_status", "to", "who"), MOVES)
def test_who_may_make_each_move(
    assessment, from_status, to, who, unit_head, unit_staff, other_head, appraiser, coordinator
):
    actors = {
        "unit_head": unit_head,
        "unit_staff": unit_staff,
        "other_head": other_head,
        "appraiser": appraiser,
        "coordinator": coordinator,
    }
    assessment.status = from_status
    reason = "Đơn vị đề nghị bổ sung" if to == "draft" else ""
    outcome = {}
    for name, actor in actors.items():
        try:
            assert_can_transition(assessment, to, actor, reason)
            outcome[name] = "yes"
        except PermissionDenied as refusal:
            outcome[name] = str(refusal)
    assert outcome == {name: "yes" if name in MAY[who] else NOT_ALLOWED for name in actors}


@pytest.mark.parametrize(("from_status", "to"), [("submitted", "draft"), ("under_appraisal", "draft")])
def test_a_reopening_needs_a_reason_other_moves_do_not(assessment, coordinator, appraiser, from_status, to):
    assessment.status = from_status
    with pytest.raises(ValidationError) as error:
        assert_can_transition(assessment, to, coordinator)  # no reason given at all
    assert error.value.messages == [NEEDS_A_REASON]
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as error:
            assert_can_transition(assessment, to, coordinator, reason)
        assert error.value.messages == [NEEDS_A_REASON]
    assert_can_transition(assessment, "returned", coordinator, "")
    assert_can_transition(assessment, "returned", coordinator, "   ")


def test_a_move_outside_the_table_is_refused_with_both_states(assessment, coordinator):
    statuses = [s for s, _label in Assessment.Status.choices]
    refused = [(a, b) for a in statuses for b in statuses if (a, b) not in TRANSITIONS]
    for from_status, to in refused:
        assessment.status = from_status
        with pytest.raises(ValidationError):
            assert_can_transition(assessment, to, coordinator, "Lý do")
    assessment.status = "draft"
    with pytest.raises(ValidationError) as error:
        assert_can_transition(assessment, "approved", coordinator, "Lý do")
    assert error.value.messages == ["Hồ sơ đang ở trạng thái “Nháp” không chuyển sang “Đã phê duyệt” được."]


def test_a_move_is_saved_with_its_fields_and_recorded(assessment, unit_head, coordinator):
    assessment.submitted_by = unit_head
    transition(assessment, "submitted", unit_head, fields=("submitted_by",))
    until = timezone.localdate() + timedelta(days=4)
    assessment.deadline_extended_to = until
    transition(assessment, "draft", coordinator, reason="Bổ sung hồ sơ", fields=("deadline_extended_to",))
    stored = Assessment.objects.get(pk=assessment.pk)
    assert (stored.status, stored.submitted_by, stored.deadline_extended_to) == ("draft", unit_head, until)
    assert list(
        AssessmentEvent.objects.order_by("pk").values_list("from_status", "to_status", "actor__username", "reason")
    ) == [("draft", "submitted", "lanhdao", ""), ("submitted", "draft", "noivu", "Bổ sung hồ sơ")]


def test_a_move_saves_the_status_and_the_named_fields_only(assessment, unit_head):
    assessment.deadline_extended_to = timezone.localdate() + timedelta(days=4)  # changed, but not named
    transition(assessment, "submitted", unit_head)
    stored = Assessment.objects.get(pk=assessment.pk)
    assert (stored.status, stored.deadline_extended_to) == ("submitted", None)


def test_a_refused_move_changes_and_records_nothing(assessment, unit_staff):
    with pytest.raises(PermissionDenied):
        transition(assessment, "submitted", unit_staff)
    assert Assessment.objects.get(pk=assessment.pk).status == "draft"
    assert not AssessmentEvent.objects.exists()


# -- the windows through the services and the pages, today ------------------------------------------------------


def _calendar(period, **days):
    """Move the period's dates to today + the given number of days."""
    today = timezone.localdate()
    for name, offset in days.items():
        setattr(period, name, today + timedelta(days=offset))
    period.save()
    return period


def _day(offset) -> str:
    return f"{timezone.localdate() + timedelta(days=offset):%d/%m/%Y}"


# (self_assessment_opens, self_assessment_closes) in days from today, and the refusal (None: open).
SELF_DAYS = {
    "the day before it opens": (1, 10, lambda: f"Tự đánh giá bắt đầu từ ngày {_day(1)}."),
    "its first day": (0, 10, None),
    "its last day": (-10, 0, None),
    "the day after it closes": (
        -10,
        -1,
        lambda: f"Tự đánh giá đã hết hạn ngày {_day(-1)}; chỉ Sở Nội vụ có thể mở lại.",
    ),
}


def _row_state(score):
    score.refresh_from_db()
    return (score.declared_value, score.self_points, score.note, score.version)


@pytest.mark.parametrize("case", SELF_DAYS)
def test_the_self_assessment_services_write_only_inside_the_window(assessment, unit_head, unit_staff, case):
    opens, closes, refusal = SELF_DAYS[case]
    complete(assessment, unit_head)  # the fixture's window is open
    _calendar(assessment.period, self_assessment_opens=opens, self_assessment_closes=closes)
    leaf = score_of(assessment, "1.4")
    before = _row_state(leaf)
    save = lambda: score_save(  # noqa: E731
        assessment=assessment,
        user=unit_staff,
        rows=[ScoreInput(score_id=leaf.pk, version=leaf.version, self_points=Decimal("0"), note="Chưa làm")],
    )
    upload = lambda: evidence_upload(  # noqa: E731
        score=leaf, user=unit_staff, upload=SimpleUploadedFile("kh.pdf", PDF_BYTES + b"w")
    )
    submit = lambda: assessment_submit(  # noqa: E731
        assessment=assessment, user=unit_head, signed_scan=SimpleUploadedFile("ky.pdf", PDF_BYTES)
    )
    if refusal is None:
        assert save() == 1
        assert _row_state(leaf) == (before[0], Decimal("0.00"), "Chưa làm", before[3] + 1)
        assert upload().round == "self"
        submit()
        assert Assessment.objects.get(pk=assessment.pk).status == "submitted"
        return
    for attempt in (save, upload, submit):
        with pytest.raises(PermissionDenied) as error:
            attempt()
        assert str(error.value) == refusal()
    assert _row_state(leaf) == before
    assert not Evidence.objects.exists()
    assert Assessment.objects.get(pk=assessment.pk).status == "draft"
    assert not AssessmentEvent.objects.exists()


@pytest.mark.parametrize("case", SELF_DAYS)
def test_the_self_assessment_page_writes_only_inside_the_window(client, assessment, unit_staff, case):
    opens, closes, refusal = SELF_DAYS[case]
    _calendar(assessment.period, self_assessment_opens=opens, self_assessment_closes=closes)
    leaf = score_of(assessment, "1.4")
    client.force_login(unit_staff)
    opened = open_field(client, assessment, "1")
    page = opened.content.decode()
    data = {f"s{leaf.pk}-version": "0", f"s{leaf.pk}-declared_value": "1"}
    if refusal is None:
        data = edit(page_data(opened), leaf, declared_value="1")  # the whole section, as the browser sends it
    response = save_field(client, assessment, "1", data)
    if refusal is None:
        assert f"Tự đánh giá đến hết ngày {_day(closes)}." in page
        assert response.status_code == 302
        assert _row_state(leaf)[:2] == (Decimal("1.00"), Decimal("1.00"))
    else:
        assert refusal() in page
        assert "Tự đánh giá đến hết ngày" not in page
        assert response.status_code == 403
        assert _row_state(leaf) == (None, None, "", 0)


@pytest.fixture
def returned(assessment, unit_head, coordinator):
    """Submitted, 1.1.1 appraised at 0,5, returned; self-assessment and appraisal are over."""
    complete(assessment, unit_head)
    assessment_submit(assessment=assessment, user=unit_head, signed_scan=SimpleUploadedFile("ky.pdf", PDF_BYTES))
    Score.objects.filter(assessment=assessment, criterion__code="1.1.1").update(appraised_points=Decimal("0.50"))
    _calendar(
        assessment.period,
        self_assessment_opens=-40,
        self_assessment_closes=-30,
        appraisal_closes=-10,
        explanation_opens=-1,
        explanation_closes=5,
    )
    assessment.refresh_from_db()
    transition(assessment, "returned", coordinator)
    return assessment


# (explanation_opens, explanation_closes) in days from today, and the refusal (None: open).
EXPLANATION_DAYS = {
    "the day before it opens": (1, 5, lambda: f"Thời gian giải trình bắt đầu từ ngày {_day(1)}."),
    "its first day": (0, 5, None),
    "its last day": (-5, 0, None),
    "the day after it closes": (-5, -1, lambda: f"Thời gian giải trình đã kết thúc ngày {_day(-1)}."),
}


@pytest.mark.parametrize("case", EXPLANATION_DAYS)
def test_the_explanation_services_write_only_inside_the_window(returned, unit_head, unit_staff, case):
    opens, closes, refusal = EXPLANATION_DAYS[case]
    _calendar(returned.period, explanation_opens=opens, explanation_closes=closes)
    leaf = score_of(returned, "1.1.1")
    version = leaf.version
    explain = lambda: score_explain(  # noqa: E731
        assessment=returned, user=unit_staff, rows=[(leaf.pk, version, "Ban hành đúng hạn.")]
    )
    upload = lambda: evidence_upload(  # noqa: E731
        score=leaf, user=unit_staff, upload=SimpleUploadedFile("bs.pdf", PDF_BYTES + b"x")
    )
    submit = lambda: assessment_submit_explanation(assessment=returned, user=unit_head)  # noqa: E731
    if refusal is None:
        assert explain() == 1
        assert score_of(returned, "1.1.1").explanation == "Ban hành đúng hạn."
        assert upload().round == "explanation"
        submit()
        assert Assessment.objects.get(pk=returned.pk).status == "explained"
        return
    for attempt in (explain, upload, submit):
        with pytest.raises(PermissionDenied) as error:
            attempt()
        assert str(error.value) == refusal()
    assert (score_of(returned, "1.1.1").explanation, score_of(returned, "1.1.1").version) == ("", version)
    assert not Evidence.objects.exists()
    assert Assessment.objects.get(pk=returned.pk).status == "returned"


def test_no_explanation_before_the_assessment_is_returned(assessment, unit_head, unit_staff):
    """A submitted assessment inside the explanation dates: nothing to explain yet."""
    complete(assessment, unit_head)
    assessment_submit(assessment=assessment, user=unit_head, signed_scan=SimpleUploadedFile("ky.pdf", PDF_BYTES))
    _calendar(
        assessment.period,
        self_assessment_opens=-40,
        self_assessment_closes=-30,
        appraisal_closes=-10,
        explanation_opens=-1,
        explanation_closes=5,
    )
    leaf = score_of(assessment, "1.1.1")
    with pytest.raises(PermissionDenied) as error:
        score_explain(assessment=assessment, user=unit_staff, rows=[(leaf.pk, leaf.version, "Sớm")])
    assert str(error.value) == NOT_RETURNED
    with pytest.raises(PermissionDenied) as error:
        assessment_submit_explanation(assessment=assessment, user=unit_head)
    assert str(error.value) == NOT_RETURNED
    assert score_of(assessment, "1.1.1").explanation == ""
    assert Assessment.objects.get(pk=assessment.pk).status == "submitted"


@pytest.mark.parametrize("case", EXPLANATION_DAYS)
def test_the_explanation_page_writes_only_inside_the_window(client, returned, unit_head, case):
    opens, closes, refusal = EXPLANATION_DAYS[case]
    _calendar(returned.period, explanation_opens=opens, explanation_closes=closes)
    leaf = score_of(returned, "1.1.1")
    client.force_login(unit_head)
    opened = open_field(client, returned, "1")
    page = opened.content.decode()
    data = {f"s{leaf.pk}-version": str(leaf.version), f"s{leaf.pk}-explanation": "Ban hành đúng hạn."}
    if refusal is None:
        data = edit(page_data(opened), leaf, explanation="Ban hành đúng hạn.")
    saved = save_field(client, returned, "1", data)
    submitted = client.post(reverse("assessment:explanation-submit", args=[returned.pk]))
    if refusal is None:
        assert f"đến hết ngày {_day(closes)}." in page and "Kết quả thẩm định đã được gửi về" in page
        assert (saved.status_code, submitted.status_code) == (302, 302)
        assert score_of(returned, "1.1.1").explanation == "Ban hành đúng hạn."
        assert Assessment.objects.get(pk=returned.pk).status == "explained"
    else:
        assert refusal() in page
        assert "Kết quả thẩm định đã được gửi về" not in page
        assert (saved.status_code, submitted.status_code) == (403, 403)
        assert score_of(returned, "1.1.1").explanation == ""
        assert Assessment.objects.get(pk=returned.pk).status == "returned"


# -- another unit's people, refused by the services themselves ------------------------------------------------

OTHER_UNIT = "Chỉ cán bộ của Sở Tài chính mới sửa được hồ sơ này."


def test_the_services_refuse_another_units_staff_in_the_self_assessment(assessment, other_unit_staff, other_head):
    leaf = score_of(assessment, "1.4")
    attempts = [
        lambda: score_save(
            assessment=assessment,
            user=other_unit_staff,
            rows=[ScoreInput(score_id=leaf.pk, version=0, self_points=Decimal("1"))],
        ),
        lambda: evidence_upload(
            score=leaf, user=other_unit_staff, upload=SimpleUploadedFile("kh.pdf", PDF_BYTES + b"o")
        ),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied) as error:
            attempt()
        assert str(error.value) == OTHER_UNIT
    with pytest.raises(PermissionDenied) as error:
        assessment_submit(assessment=assessment, user=other_head, signed_scan=SimpleUploadedFile("k.pdf", PDF_BYTES))
    assert str(error.value) == "Chỉ lãnh đạo đơn vị mới gửi hồ sơ tự đánh giá."
    assert _row_state(leaf) == (None, None, "", 0)
    assert not Evidence.objects.exists()
    assert Assessment.objects.get(pk=assessment.pk).status == "draft"


def test_the_services_refuse_another_units_staff_in_the_explanation(returned, other_unit_staff, other_head):
    leaf = score_of(returned, "1.1.1")
    with pytest.raises(PermissionDenied) as error:
        score_explain(assessment=returned, user=other_unit_staff, rows=[(leaf.pk, leaf.version, "Không phải đơn vị")])
    assert str(error.value) == OTHER_UNIT
    with pytest.raises(PermissionDenied) as error:
        assessment_submit_explanation(assessment=returned, user=other_head)
    assert str(error.value) == "Chỉ lãnh đạo đơn vị mới gửi giải trình."
    assert score_of(returned, "1.1.1").explanation == ""
    assert Assessment.objects.get(pk=returned.pk).status == "returned"
