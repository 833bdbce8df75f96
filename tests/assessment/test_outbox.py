"""assessment/outbox.py and assessment/tasks.py: every e-mail is recorded and sent by a job with retries and
backoff; a broker that is down never fails the request and never loses the job; publishing builds the files."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Role
from assessment import notifications, outbox
from assessment.models import EmailSend, EmailState, Job, JobState, PublicationFile
from tests.assessment.conftest import publish
from tests.conftest import make_user
from tests.factories import AssessmentFactory, PeriodFactory
from tests.jobs import CLOSED_PORT_BROKER, broker
from tests.mail_backends import FlakyBackend

HOME_AFFAIRS = "noivu@example.vn"


@pytest.fixture(autouse=True)
def mail_settings(settings):
    settings.SITE_URL = "https://cchc.hanoi.gov.vn/"
    settings.DEFAULT_FROM_EMAIL = "cchc@hanoi.gov.vn"
    settings.EMAIL_MAX_RETRIES = 3
    settings.EMAIL_RETRY_BACKOFF = 30
    settings.JOBS_PENDING_GRACE_SECONDS = 60
    FlakyBackend.calls = 0
    FlakyBackend.failures = 0


@pytest.fixture
def submitted(finance, coordinator):
    return AssessmentFactory(unit=finance, period=PeriodFactory(year=2024), scores=False)


@pytest.fixture
def retries(caplog):
    """The retries the e-mail task asked for, as it logs them (the countdowns are not waited for in eager mode)."""

    def logged():
        return [record.getMessage() for record in caplog.records if record.name == "assessment.tasks"]

    return logged


def test_an_e_mail_is_recorded_then_sent_by_its_job_after_the_commit(django_capture_on_commit_callbacks, submitted):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notifications.assessment_submitted(submitted)
        record = EmailSend.objects.get()
        job = Job.objects.get()
        # Before the commit: recorded and waiting, nothing sent.
        assert (record.state, record.attempts, record.task_id, mail.outbox) == (EmailState.QUEUED, 0, job.task_id, [])
        assert (job.task, job.arguments, job.state) == ("assessment.tasks.send_email", [record.pk], JobState.PENDING)
    for callback in callbacks:
        callback()
    record.refresh_from_db()
    job.refresh_from_db()
    assert (record.state, record.attempts, record.last_error, record.recipients) == (
        EmailState.SENT,
        1,
        "",
        HOME_AFFAIRS,
    )
    assert record.sent_at is not None
    assert (job.state, job.send_attempts, job.last_error) == (JobState.SENT, 1, "")
    assert [(message.subject, message.to) for message in mail.outbox] == [
        ("[CCHC] Sở Tài chính đã gửi hồ sơ tự đánh giá", [HOME_AFFAIRS])
    ]


def test_a_rolled_back_transaction_sends_nothing(django_capture_on_commit_callbacks, submitted):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notifications.assessment_submitted(submitted)
    assert len(callbacks) == 1  # run only on commit; a rollback drops the callback with the rows
    assert mail.outbox == []


def test_a_failing_mail_server_is_retried_with_backoff_until_it_answers(
    django_capture_on_commit_callbacks, submitted, settings, retries
):
    settings.EMAIL_BACKEND = "tests.mail_backends.FlakyBackend"
    FlakyBackend.failures = 2
    with django_capture_on_commit_callbacks(execute=True):
        notifications.assessment_submitted(submitted)
    record = EmailSend.objects.get()
    assert (record.state, record.attempts, record.last_error) == (EmailState.SENT, 3, "TimeoutError: smtp timeout 2")
    # EMAIL_RETRY_BACKOFF, doubling
    assert retries() == [f"e-mail {record.pk}: retry 1 in 30 s", f"e-mail {record.pk}: retry 2 in 60 s"]
    assert len(mail.outbox) == 1


def test_a_mail_server_that_never_answers_ends_failed_after_the_last_retry(
    django_capture_on_commit_callbacks, submitted, settings, retries
):
    settings.EMAIL_BACKEND = "tests.mail_backends.DownBackend"
    with django_capture_on_commit_callbacks(execute=True):
        notifications.assessment_submitted(submitted)
    record = EmailSend.objects.get()
    assert (record.state, record.attempts, record.last_error) == (
        EmailState.FAILED,
        4,  # the first attempt and EMAIL_MAX_RETRIES = 3 retries
        "ConnectionRefusedError: smtp down",
    )
    assert retries() == [
        f"e-mail {record.pk}: retry {n} in {countdown} s" for n, countdown in [(1, 30), (2, 60), (3, 120)]
    ]
    assert mail.outbox == []


def test_a_delivered_e_mail_is_never_sent_twice(django_capture_on_commit_callbacks, submitted):
    with django_capture_on_commit_callbacks(execute=True):
        notifications.assessment_submitted(submitted)
    record = EmailSend.objects.get()
    assert outbox.email_deliver(email_id=record.pk, last_attempt=False) is None
    record.refresh_from_db()
    assert (record.state, record.attempts, len(mail.outbox)) == (EmailState.SENT, 1, 1)


def test_the_password_reset_e_mail_is_confidential_its_link_erased_once_sent(client, finance, settings):
    make_user("canbo", (Role.UNIT_STAFF, finance), email="an@hanoi.example")
    with time_machine.travel("2026-03-02 08:00 +0700", tick=False):
        from django.test import TestCase

        with TestCase.captureOnCommitCallbacks(execute=True):
            response = client.post(reverse("password_reset"), {"email": "an@hanoi.example"})
    assert response.status_code == 302
    record = EmailSend.objects.get()
    assert (record.recipients, record.state, record.confidential, record.body, record.html_body) == (
        "an@hanoi.example",
        EmailState.SENT,
        True,
        "",
        "",
    )
    assert "https://cchc.hanoi.gov.vn/accounts/reset/" in mail.outbox[0].body


# -- the broker down ----------------------------------------------------------------------------------------------


def test_with_the_broker_down_the_request_succeeds_and_the_job_waits(client, finance, settings):
    make_user("canbo", (Role.UNIT_STAFF, finance), email="an@hanoi.example")
    from django.test import TestCase

    with broker(CLOSED_PORT_BROKER), TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "an@hanoi.example"})
    assert (response.status_code, response["Location"]) == (302, reverse("password_reset_done"))
    job = Job.objects.get()
    record = EmailSend.objects.get()
    assert (job.state, job.send_attempts, job.sent_at) == (JobState.PENDING, 1, None)
    assert job.last_error == "OperationalError: Error 111 connecting to 127.0.0.1:9. Connection refused."
    assert (record.state, record.attempts, mail.outbox) == (EmailState.QUEUED, 0, [])


def test_send_pending_jobs_hands_them_over_when_the_broker_is_back(django_capture_on_commit_callbacks, submitted):
    with broker(CLOSED_PORT_BROKER), django_capture_on_commit_callbacks(execute=True):
        notifications.assessment_submitted(submitted)
    job = Job.objects.get()
    assert job.state == JobState.PENDING

    output = io.StringIO()
    with broker(CLOSED_PORT_BROKER), pytest.raises(SystemExit) as still_down:
        call_command("send_pending_jobs", "--all", stdout=output)
    assert (still_down.value.code, output.getvalue()) == (1, "0 việc đã gửi, 1 việc còn chờ.\n")

    output = io.StringIO()
    with time_machine.travel(job.created_at + timedelta(seconds=30)):
        call_command("send_pending_jobs", stdout=output)  # within the grace period: left to its own request
    assert output.getvalue() == "0 việc đã gửi, 0 việc còn chờ.\n"

    output = io.StringIO()
    with time_machine.travel(job.created_at + timedelta(seconds=61)):
        call_command("send_pending_jobs", stdout=output)  # the broker is back (eager here): sent
    assert output.getvalue() == "1 việc đã gửi, 0 việc còn chờ.\n"
    job.refresh_from_db()
    assert (job.state, job.send_attempts) == (JobState.SENT, 3)
    assert EmailSend.objects.get().state == EmailState.SENT
    assert [message.to for message in mail.outbox] == [[HOME_AFFAIRS]]


# -- the publication files ----------------------------------------------------------------------------------------


def test_publishing_builds_every_download_after_the_commit(
    django_capture_on_commit_callbacks, graded_period, coordinator
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        publication = publish(graded_period, coordinator)
    assert PublicationFile.objects.count() == 0
    job = Job.objects.get()
    assert (job.task, job.arguments) == ("assessment.tasks.build_publication_files", [publication.pk])
    for callback in callbacks:
        callback()
    assert sorted(PublicationFile.objects.filter(publication=publication).values_list("format", flat=True)) == [
        "csv",
        "json",
        "pdf",
        "xlsx",
    ]
    assert Job.objects.get().state == JobState.SENT
