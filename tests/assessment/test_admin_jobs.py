"""assessment/admin/jobs.py: Home Affairs reads the e-mails sent (failures included) and the background jobs;
nobody adds, changes or deletes them; a confidential e-mail's text is never shown."""

import pytest
from django.urls import reverse

from assessment.models import EmailSend, EmailState, Job, JobState

OK, LOGIN, FORBIDDEN = 200, 302, 403


@pytest.fixture
def users(appraiser, unit_staff, coordinator, council_member, superuser):
    return {
        "coordinator": coordinator,
        "superuser": superuser,
        "appraiser": appraiser,
        "council": council_member,
        "unit_staff": unit_staff,
        "anonymous": None,
    }


@pytest.fixture
def records(db):
    failed = EmailSend.objects.create(
        recipients="noivu@example.vn",
        subject="[CCHC] Sở Tài chính đã gửi hồ sơ tự đánh giá",
        body="Thẩm định: https://cchc.hanoi.gov.vn/admin/",
        state=EmailState.FAILED,
        attempts=6,
        last_error="ConnectionRefusedError: smtp down",
        task_id="t-1",
    )
    reset = EmailSend.objects.create(
        recipients="an@hanoi.example",
        subject="Đặt lại mật khẩu",
        body="https://cchc.hanoi.gov.vn/accounts/reset/MQ/secret-token/",
        confidential=True,
        task_id="t-2",
    )
    job = Job.objects.create(task="assessment.tasks.send_email", arguments=[failed.pk], task_id="t-1")
    Job.objects.create(
        task="assessment.tasks.build_publication_files",
        arguments=[7],
        task_id="t-3",
        state=JobState.PENDING,
        send_attempts=2,
        last_error="OperationalError: Error 111 connecting to 127.0.0.1:6379. Connection refused.",
    )
    return failed, reset, job


def pages(records):
    failed, reset, job = records
    return {
        "emails": reverse("admin:assessment_emailsend_changelist"),
        "email": reverse("admin:assessment_emailsend_change", args=[failed.pk]),
        "jobs": reverse("admin:assessment_job_changelist"),
        "job": reverse("admin:assessment_job_change", args=[job.pk]),
    }


EXPECTED = {
    "coordinator": OK,
    "superuser": OK,
    "appraiser": FORBIDDEN,
    "council": FORBIDDEN,
    "unit_staff": LOGIN,
    "anonymous": LOGIN,
}


@pytest.mark.parametrize("role", list(EXPECTED))
@pytest.mark.parametrize("page", ["emails", "email", "jobs", "job"])
def test_who_reads_the_e_mails_and_jobs(client, users, records, role, page):
    if users[role] is not None:
        client.force_login(users[role])
    response = client.get(pages(records)[page])
    assert response.status_code == EXPECTED[role]
    if EXPECTED[role] == LOGIN:  # not staff: the admin's sign-in; nobody signed in: the site's
        assert response["Location"].startswith(reverse("admin:login" if role == "unit_staff" else "login"))


def test_home_affairs_sees_the_failure_and_never_a_confidential_text(client, coordinator, records):
    failed, reset, _job = records
    client.force_login(coordinator)
    listing = client.get(reverse("admin:assessment_emailsend_changelist")).content.decode()
    assert "ConnectionRefusedError: smtp down" in listing
    assert "Thất bại" in listing
    detail = client.get(reverse("admin:assessment_emailsend_change", args=[reset.pk])).content.decode()
    assert "secret-token" not in detail
    assert "(bảo mật: không hiển thị)" in detail
    detail = client.get(reverse("admin:assessment_emailsend_change", args=[failed.pk])).content.decode()
    assert "Thẩm định: https://cchc.hanoi.gov.vn/admin/" in detail


@pytest.mark.parametrize("action", ["add", "delete"])
def test_nobody_adds_or_deletes_records(client, superuser, records, action):
    failed, _reset, _job = records
    client.force_login(superuser)
    url = (
        reverse("admin:assessment_emailsend_add")
        if action == "add"
        else reverse("admin:assessment_emailsend_delete", args=[failed.pk])
    )
    assert client.post(url, {"post": "yes"}).status_code == FORBIDDEN
    assert EmailSend.objects.count() == 2


def test_the_lists_cost_the_same_queries_for_many_rows(client, coordinator, records, django_assert_max_num_queries):
    client.force_login(coordinator)
    for number in range(30):
        EmailSend.objects.create(recipients=f"a{number}@example.vn", subject=f"s{number}", body="b")
        Job.objects.create(task="assessment.tasks.send_email", arguments=[number], task_id=f"bulk-{number}")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("admin:assessment_emailsend_changelist")).status_code == OK
    with django_assert_max_num_queries(12):
        assert client.get(reverse("admin:assessment_job_changelist")).status_code == OK
