"""The council online: Home Affairs opens the review of a period, each member agrees or objects with a comment,
Home Affairs records the decision once every member has answered; all of it in the governance log, and nothing
changes after the decision."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import GovernanceAction, GovernanceEvent, Role
from assessment.models import CouncilAnswer, CouncilReview, Period
from assessment.services.council import council_answer, council_decide, council_review_open
from tests.assessment.conftest import approve_all, publish
from tests.conftest import make_user


@pytest.fixture
def second_member(db):
    return make_user("hoidong2", (Role.COUNCIL, None), full_name="Ngô Văn Bình")


@pytest.fixture
def review(assessment, coordinator):
    return council_review_open(period=assessment.period, actor=coordinator)


def log():
    events = GovernanceEvent.objects.filter(action__startswith="council_").order_by("id")
    return list(events.values_list("action", "actor__username", "changes"))


def test_home_affairs_opens_the_review_once(assessment, coordinator, council_member):
    review = council_review_open(period=assessment.period, actor=coordinator)
    assert (review.state, review.opened_by) == ("open", coordinator)
    assert log() == [("council_review_open", "noivu", {})]
    with pytest.raises(ValidationError) as refused:
        council_review_open(period=assessment.period, actor=coordinator)
    assert refused.value.messages == ["Hội đồng đã được mở để xem xét kỳ đánh giá này."]
    with pytest.raises(PermissionDenied):
        council_review_open(period=assessment.period, actor=council_member)
    assert CouncilReview.objects.count() == 1 and len(log()) == 1


def test_no_review_of_a_period_not_opened_or_already_published(assessment, coordinator):
    period = Period.objects.create(
        year=2030,
        name="Chỉ số CCHC năm 2030",
        self_assessment_opens=date(2030, 1, 1),
        self_assessment_closes=date(2030, 1, 31),
        appraisal_closes=date(2030, 2, 28),
        explanation_opens=date(2030, 3, 1),
        explanation_closes=date(2030, 3, 10),
        council_date=date(2030, 3, 20),
        publication_date=date(2030, 4, 1),
    )
    with pytest.raises(ValidationError) as refused:
        council_review_open(period=period, actor=coordinator)
    assert refused.value.messages == ["Kỳ đánh giá chưa được mở: Hội đồng chưa có gì để xem xét."]
    approve_all(assessment.period)
    publish(assessment.period, coordinator)
    with pytest.raises(ValidationError) as refused:
        council_review_open(period=assessment.period, actor=coordinator)
    assert refused.value.messages == [
        "Kết quả của kỳ đánh giá này đã được công bố: việc xem xét của Hội đồng đã kết thúc."
    ]
    assert not CouncilReview.objects.exists()


def test_members_agree_or_object_with_a_comment_and_may_change_their_answer(review, council_member, coordinator):
    with pytest.raises(ValidationError) as refused:
        council_answer(review=review, member=council_member, agrees=False, comment="  ")
    assert refused.value.message_dict == {"comment": ["Hãy nêu nội dung có ý kiến khác: ý kiến khác cần kèm nhận xét."]}
    council_answer(review=review, member=council_member, agrees=False, comment="Tiêu chí 1.2 chấm chưa thống nhất.")
    council_answer(review=review, member=council_member, agrees=True, comment="")
    assert list(CouncilAnswer.objects.values_list("member__username", "agrees", "comment")) == [("hoidong", True, "")]
    assert log()[1:] == [
        (
            "council_answer",
            "hoidong",
            {"agrees": [None, False], "comment": [None, "Tiêu chí 1.2 chấm chưa thống nhất."]},
        ),
        ("council_answer", "hoidong", {"agrees": [False, True], "comment": ["Tiêu chí 1.2 chấm chưa thống nhất.", ""]}),
    ]
    with pytest.raises(ValidationError) as refused:
        council_answer(review=review, member=coordinator, agrees=True, comment="")
    assert refused.value.messages == ["Chỉ thành viên Hội đồng trả lời trong việc xem xét của Hội đồng."]


def test_the_decision_waits_for_every_member_then_keeps_the_answers(review, council_member, second_member, coordinator):
    council_answer(review=review, member=council_member, agrees=True, comment="")
    with pytest.raises(ValidationError) as refused:
        council_decide(review=review, actor=coordinator, decision_number="15/QĐ-HĐTĐ", decision_date=date(2025, 3, 20))
    assert refused.value.messages == ["Tất cả thành viên phải trả lời trước khi quyết định; còn chờ: Ngô Văn Bình."]
    council_answer(review=review, member=second_member, agrees=False, comment="Đề nghị xem lại tiêu chí 2.1.")
    with pytest.raises(ValidationError) as refused:
        council_decide(review=review, actor=coordinator, decision_number=" ", decision_date=date(2025, 3, 20))
    assert refused.value.message_dict == {"decision_number": ["Hãy nhập số quyết định của Hội đồng."]}
    with pytest.raises(PermissionDenied):
        council_decide(
            review=review, actor=council_member, decision_number="15/QĐ-HĐTĐ", decision_date=date(2025, 3, 20)
        )
    decided = council_decide(
        review=review, actor=coordinator, decision_number="15/QĐ-HĐTĐ", decision_date=date(2025, 3, 20)
    )
    assert (decided.state, decided.decision_number, decided.decision_date, decided.decided_by) == (
        "decided",
        "15/QĐ-HĐTĐ",
        date(2025, 3, 20),
        coordinator,
    )
    action, actor, changes = log()[-1]
    assert (action, actor) == (GovernanceAction.COUNCIL_DECISION, "noivu")
    assert changes == {
        "decision": [None, "15/QĐ-HĐTĐ — 20/03/2025"],
        "answers": [
            None,
            [
                {"member": "Ngô Văn Bình", "agrees": False, "comment": "Đề nghị xem lại tiêu chí 2.1."},
                {"member": "Vũ Thị Lan", "agrees": True, "comment": ""},
            ],
        ],
    }
    # After the decision: no answer changes, no second decision.
    with pytest.raises(ValidationError) as refused:
        council_answer(review=review, member=council_member, agrees=False, comment="Muộn")
    assert refused.value.messages == ["Quyết định của Hội đồng đã được ghi nhận: không thể thay đổi ý kiến nữa."]
    with pytest.raises(ValidationError):
        council_decide(review=review, actor=coordinator, decision_number="16/QĐ-HĐTĐ", decision_date=date(2025, 3, 21))
    assert CouncilAnswer.objects.get(member=council_member).agrees is True
    assert CouncilReview.objects.get().decision_number == "15/QĐ-HĐTĐ"


def test_the_page_for_each_role(client, assessment, coordinator, council_member, appraiser, unit_staff, superuser):
    url = reverse("admin:assessment_period_council", args=[assessment.period.pk])
    for person, expected in [(coordinator, 200), (council_member, 200), (superuser, 200), (appraiser, 403)]:
        client.force_login(person)
        assert client.get(url).status_code == expected, person.username
    client.force_login(unit_staff)
    assert client.get(url).status_code == 302
    # Only Home Affairs opens it: a member's POST changes nothing.
    client.force_login(council_member)
    assert client.post(url, {"action": "open"}).status_code == 403
    assert not CouncilReview.objects.exists()


def test_the_whole_review_through_the_page(client, assessment, coordinator, council_member, second_member):
    url = reverse("admin:assessment_period_council", args=[assessment.period.pk])
    client.force_login(coordinator)
    assert 'data-testid="council-open"' in client.get(url).content.decode()
    client.post(url, {"action": "open"})
    html = client.get(url).content.decode()
    assert "2 thành viên chưa trả lời." in html
    assert 'data-testid="council-answer-form"' not in html  # Home Affairs does not answer
    client.force_login(council_member)
    response = client.post(url, {"action": "answer", "agrees": "no", "comment": ""})
    assert "Hãy nêu nội dung có ý kiến khác" in response.content.decode()
    assert not CouncilAnswer.objects.exists()
    client.post(url, {"action": "answer", "agrees": "no", "comment": "Xem lại tiêu chí 1.2"})
    client.force_login(second_member)
    client.post(url, {"action": "answer", "agrees": "yes", "comment": ""})
    client.force_login(coordinator)
    client.post(url, {"action": "decide", "decision_number": "15/QĐ-HĐTĐ", "decision_date": "20/03/2025"})
    html = client.get(url).content.decode()
    assert "Đã quyết định: quyết định số 15/QĐ-HĐTĐ ngày 20/03/2025." in html
    assert 'data-testid="council-decision-form"' not in html
    client.force_login(council_member)
    assert 'data-testid="council-answer-form"' not in client.get(url).content.decode()


def test_the_page_reads_in_a_constant_number_of_queries(
    client, django_assert_max_num_queries, review, coordinator, council_member
):
    for n in range(12):
        member = make_user(f"hoidong-{n}", (Role.COUNCIL, None), full_name=f"Thành viên {n}")
        council_answer(review=review, member=member, agrees=True, comment="")
    client.force_login(council_member)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:assessment_period_council", args=[review.period.pk]))
    assert len(response.context["page"].answers) == 13
