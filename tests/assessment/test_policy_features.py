"""The policy's answers for the later features, asked directly and stated to the day and to the role: the unit's
windows (the day before, the first day, the last day and the day after, with their exact refusals), what the unit
writes in now, "what if", the council's review, the improvement plan, where a unit stands, carrying last year over
and the digitally signed report. Another unit's people are refused by the policy itself, not only by the views."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.models import Role
from accounts.selectors import user_access
from assessment import policy
from assessment.models import AssessmentStatus
from assessment.models.council import CouncilReview
from tests.conftest import make_user

S = AssessmentStatus
DAY = timedelta(days=1)
ALL_STATUSES = list(S)


def shown(day) -> str:
    """A date as the Vietnamese pages write it (cchc/formats/vi: d/m/Y)."""
    return day.strftime("%d/%m/%Y")


@pytest.fixture
def other_unit_head(ba_dinh):
    return make_user("lanhdao-badinh", (Role.UNIT_HEAD, ba_dinh), full_name="Ngô Văn Bình")


@pytest.fixture
def people(unit_staff, unit_head, other_unit_staff, other_unit_head, appraiser, coordinator, council_member, superuser):
    """Everybody, in a fixed order: the unit's staff and head, another unit's staff and head, an appraiser, Home
    Affairs, a council member, a superuser and somebody not signed in."""
    return [
        unit_staff,
        unit_head,
        other_unit_staff,
        other_unit_head,
        appraiser,
        coordinator,
        council_member,
        superuser,
        AnonymousUser(),
    ]


F, T = False, True


# -- own unit and roles ---------------------------------------------------------------------------------


def test_only_the_units_own_people_are_its_members_and_only_its_head_is_its_head(assessment, people):
    assert [policy.is_member(p, assessment) for p in people] == [T, T, F, F, F, F, F, F, F]
    assert [policy.is_head(p, assessment) for p in people] == [F, T, F, F, F, F, F, F, F]


def test_who_reads_submitted_assessments_accuracy_the_council_review_and_the_plans(people):
    assert [policy.reads_submitted_assessments(user_access(p)) for p in people] == [F, F, F, F, T, F, T, F, F]
    assert [policy.reads_accuracy(p) for p in people] == [F, F, F, F, F, T, T, T, F]
    assert [policy.reads_council_review(p) for p in people] == [F, F, F, F, F, T, T, T, F]
    assert [policy.may_manage_council_review(p) for p in people] == [F, F, F, F, F, T, F, T, F]
    assert [policy.reads_improvement_progress(p) for p in people] == [F, F, F, F, F, T, F, T, F]


def test_today_is_the_local_date():
    assert policy.today() == timezone.localdate()


def test_a_window_counts_the_days_left_until_it_closes():
    today = timezone.localdate()
    assert policy.Window(True, closes=today + 3 * DAY).days_left == 3
    assert policy.Window(True, closes=today).days_left == 0
    assert policy.Window(False, "x", closes=today - 2 * DAY).days_left == -2
    assert policy.Window(False, "x").days_left is None


# -- the unit's windows ---------------------------------------------------------------------------------


def test_the_self_assessment_window_the_day_before_the_first_the_last_and_the_day_after(assessment):
    period = assessment.period
    opens, closes = period.self_assessment_opens, period.self_assessment_closes
    windows = [policy.self_assessment_window(assessment, on=day) for day in (opens - DAY, opens, closes, closes + DAY)]
    assert [w.open for w in windows] == [F, T, T, F]
    assert [w.closes for w in windows] == [closes] * 4
    assert [w.message for w in windows] == [
        f"Tự đánh giá bắt đầu từ ngày {shown(opens)}.",
        "",
        "",
        f"Tự đánh giá đã hết hạn ngày {shown(closes)}; chỉ Sở Nội vụ có thể mở lại.",
    ]


def test_an_extension_moves_the_last_day_of_the_self_assessment_and_never_shortens_it(assessment):
    closes = assessment.period.self_assessment_closes
    assessment.deadline_extended_to = closes + 5 * DAY
    windows = [policy.self_assessment_window(assessment, on=closes + d * DAY) for d in (1, 5, 6)]
    assert [w.open for w in windows] == [T, T, F]
    assert [w.closes for w in windows] == [closes + 5 * DAY] * 3
    assert windows[2].message == f"Tự đánh giá đã hết hạn ngày {shown(closes + 5 * DAY)}; chỉ Sở Nội vụ có thể mở lại."
    assessment.deadline_extended_to = closes - 3 * DAY
    windows = [policy.self_assessment_window(assessment, on=closes + d * DAY) for d in (0, 1)]
    assert [(w.open, w.closes) for w in windows] == [(T, closes), (F, closes)]


@pytest.mark.parametrize("status", [s for s in ALL_STATUSES if s != S.DRAFT])
def test_the_self_assessment_is_closed_once_submitted_even_inside_its_dates(assessment, status):
    assessment.status = status
    closes = assessment.period.self_assessment_closes
    window = policy.self_assessment_window(assessment, on=assessment.period.self_assessment_opens)
    assert window == policy.Window(False, "Hồ sơ tự đánh giá đã được gửi: không sửa được nữa.", closes)


def test_the_self_assessment_window_without_a_date_means_today(assessment):
    period = assessment.period
    assert policy.self_assessment_window(assessment).open is True
    period.self_assessment_closes = timezone.localdate() - DAY
    assert policy.self_assessment_window(assessment).open is False
    period.self_assessment_closes = timezone.localdate()
    period.self_assessment_opens = timezone.localdate() + DAY
    assert policy.self_assessment_window(assessment).open is False


def test_the_explanation_window_the_day_before_the_first_the_last_and_the_day_after(assessment):
    assessment.status = S.RETURNED
    period = assessment.period
    opens, closes = period.explanation_opens, period.explanation_closes
    windows = [policy.explanation_window(assessment, on=day) for day in (opens - DAY, opens, closes, closes + DAY)]
    assert [w.open for w in windows] == [F, T, T, F]
    assert [w.closes for w in windows] == [closes] * 4
    assert [w.message for w in windows] == [
        f"Thời gian giải trình bắt đầu từ ngày {shown(opens)}.",
        "",
        "",
        f"Thời gian giải trình đã kết thúc ngày {shown(closes)}.",
    ]


@pytest.mark.parametrize("status", [s for s in ALL_STATUSES if s != S.RETURNED])
def test_the_explanation_window_is_open_only_for_a_returned_assessment(assessment, status):
    assessment.status = status
    closes = assessment.period.explanation_closes
    window = policy.explanation_window(assessment, on=assessment.period.explanation_opens)
    assert window == policy.Window(False, "Hồ sơ không trong thời gian giải trình.", closes)


def test_the_explanation_window_without_a_date_means_today(assessment):
    assessment.status = S.RETURNED
    period = assessment.period
    assert policy.explanation_window(assessment).open is False  # it opens in 21 days
    period.explanation_opens = timezone.localdate()
    assert policy.explanation_window(assessment).open is True
    period.explanation_closes = timezone.localdate() - DAY
    assert policy.explanation_window(assessment).open is False


def test_the_unit_writes_in_the_self_assessment_then_in_the_explanation_and_otherwise_nowhere(assessment):
    period = assessment.period
    sa_opens, sa_closes = period.self_assessment_opens, period.self_assessment_closes
    ex_opens, ex_closes = period.explanation_opens, period.explanation_closes

    round_, window = policy.writable_window(assessment, on=sa_opens)
    assert (round_, window.open, window.closes) == (policy.SELF, T, sa_closes)
    round_, window = policy.writable_window(assessment, on=sa_closes + DAY)
    assert (round_, window.open) == (None, F)
    assert window.message == f"Tự đánh giá đã hết hạn ngày {shown(sa_closes)}; chỉ Sở Nội vụ có thể mở lại."

    assessment.status = S.SUBMITTED
    round_, window = policy.writable_window(assessment, on=sa_opens)
    assert (round_, window.message) == (None, "Hồ sơ tự đánh giá đã được gửi: không sửa được nữa.")

    assessment.status = S.RETURNED
    answers = [
        policy.writable_window(assessment, on=day) for day in (ex_opens - DAY, ex_opens, ex_closes, ex_closes + DAY)
    ]
    assert [(r, w.open, w.closes) for r, w in answers] == [
        (None, F, ex_closes),
        (policy.EXPLANATION, T, ex_closes),
        (policy.EXPLANATION, T, ex_closes),
        (None, F, ex_closes),
    ]
    assert answers[0][1].message == f"Thời gian giải trình bắt đầu từ ngày {shown(ex_opens)}."
    assert answers[3][1].message == f"Thời gian giải trình đã kết thúc ngày {shown(ex_closes)}."

    assessment.status = S.EXPLAINED
    round_, window = policy.writable_window(assessment, on=ex_opens)
    assert (round_, window.message) == (None, "Hồ sơ tự đánh giá đã được gửi: không sửa được nữa.")


# -- what if ------------------------------------------------------------------------------------------------------


def test_what_if_is_for_the_units_people_once_published_or_while_they_explain(assessment, people):
    period = assessment.period
    opens, closes = period.explanation_opens, period.explanation_closes
    members = [T, T, F, F, F, F, F, F, F]
    nobody = [F] * len(people)
    assessment.status = S.PUBLISHED
    assert [policy.may_see_what_if(p, assessment, published=True, on=opens) for p in people] == members
    assert [policy.may_see_what_if(p, assessment, published=False, on=opens) for p in people] == nobody
    assessment.status = S.RETURNED
    for day, expected in ((opens - DAY, nobody), (opens, members), (closes, members), (closes + DAY, nobody)):
        assert [policy.may_see_what_if(p, assessment, published=False, on=day) for p in people] == expected
    assessment.status = S.DRAFT
    assert [policy.may_see_what_if(p, assessment, published=False, on=opens) for p in people] == nobody
    # the date defaults to today: the explanation window of the fixture opens in 21 days
    assessment.status = S.RETURNED
    assert policy.may_see_what_if(people[0], assessment, published=False) is False
    period.explanation_opens = timezone.localdate()
    assert policy.may_see_what_if(people[0], assessment, published=False) is True


# -- the council's review, the improvement plan -------------------------------------------------------------------


def test_only_council_members_answer_and_only_before_the_decision(people):
    only_members = "Chỉ thành viên Hội đồng trả lời trong việc xem xét của Hội đồng."
    decided = "Quyết định của Hội đồng đã được ghi nhận: không thể thay đổi ý kiến nữa."
    open_review = CouncilReview(state=CouncilReview.State.OPEN)
    decided_review = CouncilReview(state=CouncilReview.State.DECIDED)
    council = [p for p in people if user_access(p).is_council]
    assert len(council) == 1
    assert [policy.council_answer_refusal(p, open_review) for p in people] == [
        None if p in council else only_members for p in people
    ]
    assert [policy.council_answer_refusal(p, decided_review) for p in people] == [
        decided if p in council else only_members for p in people
    ]


def test_the_units_people_keep_their_improvement_plan_once_published(assessment, people):
    assert [policy.may_plan_improvements(p, assessment, published=True) for p in people] == [T, T, F, F, F, F, F, F, F]
    assert [policy.may_plan_improvements(p, assessment, published=False) for p in people] == [F] * len(people)


# -- where a unit stands, carrying last year over, the signed report --------------------------------------------


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_where_a_unit_stands_is_read_by_its_people_once_the_appraisal_is_returned(assessment, people, status):
    assessment.status = status
    shown_to_unit = status in (S.RETURNED, S.EXPLAINED, S.REAPPRAISED, S.APPROVED, S.PUBLISHED)
    outsider = "Chỉ cán bộ của Sở Tài chính được xem kết quả so sánh của đơn vị."
    for person, member in zip(people, [T, T, F, F, F, F, F, F, F], strict=True):
        refusal = policy.standing_refusal(person, assessment)
        if not member:
            assert refusal == outsider
        elif shown_to_unit:
            assert refusal is None
        else:
            assert refusal == "Kết quả thẩm định chưa được trả về đơn vị."
        assert policy.reads_standing(person, assessment) is (refusal is None)
    assert policy.standing_shows_round_2(assessment) is (status in (S.REAPPRAISED, S.APPROVED, S.PUBLISHED))


def test_last_year_is_carried_over_by_the_units_people_while_the_self_assessment_is_open(assessment, people):
    period = assessment.period
    opens, closes = period.self_assessment_opens, period.self_assessment_closes
    outsider = "Chỉ cán bộ của Sở Tài chính mới sửa được hồ sơ này."
    before = f"Tự đánh giá bắt đầu từ ngày {shown(opens)}."
    after = f"Tự đánh giá đã hết hạn ngày {shown(closes)}; chỉ Sở Nội vụ có thể mở lại."
    members = [T, T, F, F, F, F, F, F, F]
    for day, member_refusal in ((opens - DAY, before), (opens, None), (closes, None), (closes + DAY, after)):
        refusals = [policy.carry_over_refusal(p, assessment, on=day) for p in people]
        assert refusals == [member_refusal if m else outsider for m in members]
        assert [policy.may_carry_over(p, assessment, on=day) for p in people] == [
            m and member_refusal is None for m in members
        ]
    assessment.status = S.SUBMITTED
    submitted = "Hồ sơ tự đánh giá đã được gửi: không sửa được nữa."
    assert [policy.carry_over_refusal(p, assessment, on=opens) for p in people] == [
        submitted if m else outsider for m in members
    ]
    # without a date: today, inside the fixture's window
    assessment.status = S.DRAFT
    assert policy.may_carry_over(people[0], assessment) is True
    period.self_assessment_closes = timezone.localdate() - DAY
    assert policy.carry_over_refusal(people[0], assessment) == (
        f"Tự đánh giá đã hết hạn ngày {shown(timezone.localdate() - DAY)}; chỉ Sở Nội vụ có thể mở lại."
    )


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_only_the_unit_head_uploads_the_signed_report_before_the_appraisal_starts(assessment, people, status):
    assessment.status = status
    not_head = "Chỉ lãnh đạo đơn vị tải lên báo cáo ký số."
    too_late = "Báo cáo ký số được tải lên cùng hồ sơ tự đánh giá, trước khi bắt đầu thẩm định."
    head_answer = None if status in (S.DRAFT, S.SUBMITTED) else too_late
    expected = [not_head, head_answer] + [not_head] * (len(people) - 2)
    assert [policy.signed_report_refusal(p, assessment) for p in people] == expected
