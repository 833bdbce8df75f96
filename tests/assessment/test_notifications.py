"""assessment/notifications.py: who gets which e-mail, its subject and body in Vietnamese, its link; sent only
after the transaction commits, and a mail server that fails breaks nothing."""

from datetime import date

import pytest
from django.core import mail

from accounts.models import Role
from assessment import notifications
from assessment.models import EmailSend, EmailState
from tests.conftest import make_user
from tests.factories import AssessmentFactory, PeriodFactory

SITE = "https://cchc.hanoi.gov.vn"


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE + "/"
    settings.DEFAULT_FROM_EMAIL = "cchc@hanoi.gov.vn"


@pytest.fixture
def people(finance, ba_dinh, unit_staff, unit_head, other_unit_staff, coordinator, appraiser):
    """Finance's two people and Home Affairs' coordinator have e-mails; plus people who must not get any."""
    make_user("canbo-nghi", (Role.UNIT_STAFF, finance), is_active=False)  # left: inactive
    make_user("canbo-khongmail", (Role.UNIT_STAFF, finance), email="")
    make_user("noivu-2", (Role.COORDINATOR, None))
    return finance


@pytest.fixture
def assessment(people):
    assessment = AssessmentFactory(unit=people, period=PeriodFactory(year=2024), scores=False)
    # what the e-mails quote, set on the objects they read (not saved: the calendar's checks are not the point)
    assessment.period.explanation_opens, assessment.period.explanation_closes = date(2025, 3, 2), date(2025, 3, 9)
    assessment.council_decision_number, assessment.council_decision_date = "15/QĐ-HĐ", date(2025, 4, 1)
    assessment.deadline_extended_to = date(2025, 1, 20)
    return assessment


def sent(django_capture_on_commit_callbacks, notify, assessment):
    with django_capture_on_commit_callbacks(execute=True):
        notify(assessment)
    return [(message.subject, message.body, sorted(message.to), message.from_email) for message in mail.outbox]


UNIT = ["canbo@example.vn", "lanhdao@example.vn"]
HOME_AFFAIRS = ["noivu-2@example.vn", "noivu@example.vn"]


def test_a_submission_tells_every_active_coordinator_with_an_e_mail_with_the_grading_link(
    django_capture_on_commit_callbacks, assessment
):
    grading = f"{SITE}/admin/assessment/assessment/{assessment.pk}/grade/"
    assert sent(django_capture_on_commit_callbacks, notifications.assessment_submitted, assessment) == [
        (
            "[CCHC] Sở Tài chính đã gửi hồ sơ tự đánh giá",
            f"Sở Tài chính đã gửi hồ sơ tự đánh giá Chỉ số CCHC năm 2024.\n\nThẩm định: {grading}\n",
            HOME_AFFAIRS,
            "cchc@hanoi.gov.vn",
        )
    ]


def test_an_explanation_tells_home_affairs_to_grade_round_two(django_capture_on_commit_callbacks, assessment):
    grading = f"{SITE}/admin/assessment/assessment/{assessment.pk}/grade/"
    assert sent(django_capture_on_commit_callbacks, notifications.assessment_explained, assessment) == [
        (
            "[CCHC] Sở Tài chính đã gửi giải trình",
            f"Sở Tài chính đã gửi giải trình Chỉ số CCHC năm 2024.\n\nThẩm định vòng 2: {grading}\n",
            HOME_AFFAIRS,
            "cchc@hanoi.gov.vn",
        )
    ]


def test_a_return_tells_the_units_people_the_explanation_window_and_links_the_portal(
    django_capture_on_commit_callbacks, assessment
):
    assert sent(django_capture_on_commit_callbacks, notifications.assessment_returned, assessment) == [
        (
            "[CCHC] Kết quả thẩm định của Sở Tài chính được gửi về để giải trình",
            "Kết quả thẩm định Chỉ số CCHC năm 2024 của Sở Tài chính đã được gửi về. Đơn vị có thể giải trình bất kỳ "
            "tiêu chí nào và bổ sung tài liệu từ ngày 02/03/2025 đến hết ngày 09/03/2025.\n\n"
            f"{SITE}/assessments/{assessment.pk}/\n",
            UNIT,
            "cchc@hanoi.gov.vn",
        )
    ]


def test_an_approval_quotes_the_councils_decision_and_links_the_summary(django_capture_on_commit_callbacks, assessment):
    assert sent(django_capture_on_commit_callbacks, notifications.assessment_approved, assessment) == [
        (
            "[CCHC] Hồ sơ của Sở Tài chính đã được phê duyệt",
            "Hội đồng thẩm định đã phê duyệt kết quả Chỉ số CCHC năm 2024 của Sở Tài chính (quyết định số 15/QĐ-HĐ "
            f"ngày 01/04/2025).\n\n{SITE}/assessments/{assessment.pk}/summary/\n",
            UNIT,
            "cchc@hanoi.gov.vn",
        )
    ]


def test_a_reopening_gives_the_new_deadline(django_capture_on_commit_callbacks, assessment):
    assert sent(django_capture_on_commit_callbacks, notifications.assessment_reopened, assessment) == [
        (
            "[CCHC] Hồ sơ tự đánh giá của Sở Tài chính được mở lại",
            "Sở Nội vụ đã mở lại hồ sơ tự đánh giá Chỉ số CCHC năm 2024 của Sở Tài chính đến hết ngày 20/01/2025.\n\n"
            f"{SITE}/assessments/{assessment.pk}/\n",
            UNIT,
            "cchc@hanoi.gov.vn",
        )
    ]


def test_nothing_is_sent_before_the_commit(django_capture_on_commit_callbacks, assessment):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notifications.assessment_submitted(assessment)
    assert (len(callbacks), mail.outbox) == (1, [])


def test_nobody_to_tell_sends_nothing(django_capture_on_commit_callbacks, coordinator):
    lonely = AssessmentFactory(scores=False)  # a unit without people
    assert sent(django_capture_on_commit_callbacks, notifications.assessment_returned, lonely) == []


def test_a_mail_server_that_fails_is_recorded_retried_and_breaks_nothing(
    django_capture_on_commit_callbacks, assessment, settings, caplog
):
    settings.EMAIL_BACKEND = "tests.mail_backends.DownBackend"
    settings.EMAIL_MAX_RETRIES = 2
    with django_capture_on_commit_callbacks(execute=True):
        notifications.assessment_submitted(assessment)
    assert mail.outbox == []
    record = EmailSend.objects.get()
    assert (record.subject, record.recipients, record.state, record.attempts, record.last_error) == (
        "[CCHC] Sở Tài chính đã gửi hồ sơ tự đánh giá",
        ", ".join(HOME_AFFAIRS),
        EmailState.FAILED,
        3,
        "ConnectionRefusedError: smtp down",
    )
    assert [record.getMessage() for record in caplog.records if record.name == "assessment.outbox"] == [
        f"e-mail {record.pk} attempt {attempt} failed: smtp down" for attempt in (1, 2, 3)
    ]
