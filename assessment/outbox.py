"""The way every background job leaves the application: written to the database in the transaction that asks
for it, handed to the broker after the commit, and handed again later if the broker was down (never lost
silently). E-mails are recorded with their delivery (EmailSend), readable by Home Affairs in the admin."""

import importlib
import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from assessment.models import EmailSend, EmailState, Job, JobState
from cchc.request_ids import current_request_id

logger = logging.getLogger(__name__)

ERROR_LENGTH = 2000
SEND_EMAIL = "assessment.tasks.send_email"
BUILD_PUBLICATION_FILES = "assessment.tasks.build_publication_files"
VERIFY_REPORT_SIGNATURE = "assessment.tasks.verify_report_signature"


def _task(name: str):
    module, _, attribute = name.rpartition(".")
    return getattr(importlib.import_module(module), attribute)


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:ERROR_LENGTH]


def job_enqueue(task: str, *arguments) -> Job:
    """Record a job now; hand it to the queue once the current transaction commits."""
    job = Job.objects.create(
        task=task, arguments=list(arguments), task_id=str(uuid.uuid4()), request_id=current_request_id()
    )
    transaction.on_commit(lambda: job_send(job_id=job.pk))
    return job


def job_send(*, job_id: int) -> bool:
    """Hand one pending job to the broker; a broker that refuses leaves it pending with the error. True if sent."""
    job = Job.objects.filter(pk=job_id, state=JobState.PENDING).first()
    if job is None:
        return False
    Job.objects.filter(pk=job.pk).update(send_attempts=F("send_attempts") + 1)
    try:
        _task(job.task).apply_async(
            args=job.arguments, task_id=job.task_id, headers={"request_id": job.request_id}, retry=False
        )
    except Exception as error:  # the broker is unreachable: the job waits for send_pending_jobs
        Job.objects.filter(pk=job.pk).update(last_error=_error_text(error))
        logger.warning(
            "job %s %s could not reach the queue: %s", job.task, job.task_id, error, extra={"task_id": job.task_id}
        )
        return False
    Job.objects.filter(pk=job.pk, state=JobState.PENDING).update(state=JobState.SENT, sent_at=timezone.now())
    return True


def jobs_send(*, job_ids: list[int]) -> int:
    """Hand many pending jobs to the broker in a fixed number of statements (a reminders run's e-mails); the first
    refusal of the broker leaves that job and the rest pending with the error, for ``send_pending_jobs``. The
    number handed over."""
    jobs = list(Job.objects.filter(pk__in=job_ids, state=JobState.PENDING).order_by("pk"))
    if not jobs:
        return 0
    Job.objects.filter(pk__in=[job.pk for job in jobs]).update(send_attempts=F("send_attempts") + 1)
    sent = []
    for job in jobs:
        try:
            _task(job.task).apply_async(
                args=job.arguments, task_id=job.task_id, headers={"request_id": job.request_id}, retry=False
            )
        except Exception as error:  # the broker is unreachable: these jobs wait for send_pending_jobs
            waiting = [other.pk for other in jobs[len(sent) :]]
            Job.objects.filter(pk__in=waiting).update(last_error=_error_text(error))
            logger.warning("%s jobs could not reach the queue: %s", len(waiting), error)
            break
        sent.append(job.pk)
    if sent:
        Job.objects.filter(pk__in=sent, state=JobState.PENDING).update(state=JobState.SENT, sent_at=timezone.now())
    return len(sent)


def jobs_send_pending(*, older_than: timedelta | None = None) -> tuple[int, int]:
    """Hand again every job still pending after ``older_than`` (JOBS_PENDING_GRACE_SECONDS): (sent, still pending)."""
    if older_than is None:
        older_than = timedelta(seconds=settings.JOBS_PENDING_GRACE_SECONDS)
    pending = list(
        Job.objects.filter(state=JobState.PENDING, created_at__lte=timezone.now() - older_than)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    sent = sum(1 for job_id in pending if job_send(job_id=job_id))
    return sent, len(pending) - sent


def email_queue(
    *, subject: str, body: str, recipients: list[str], html_body: str = "", confidential: bool = False
) -> EmailSend | None:
    """Record an e-mail and send it by a background job after the commit (with retries); None without recipients."""
    if not recipients:
        return None
    record = EmailSend.objects.create(
        recipients=", ".join(recipients),
        subject=subject[: EmailSend._meta.get_field("subject").max_length],
        body=body,
        html_body=html_body or "",
        confidential=confidential,
        request_id=current_request_id(),
    )
    job = job_enqueue(SEND_EMAIL, record.pk)
    EmailSend.objects.filter(pk=record.pk).update(task_id=job.task_id)
    record.task_id = job.task_id
    return record


def emails_queue(emails: list[tuple[str, str, list[str]]], *, batch_size: int = 1000) -> list[EmailSend]:
    """Record many e-mails ((subject, body, recipients) each, every one with recipients) and their jobs in a fixed
    number of statements, handed to the queue after the commit: as ``email_queue`` does for one."""
    request_id = current_request_id()
    max_subject = EmailSend._meta.get_field("subject").max_length
    records = EmailSend.objects.bulk_create(
        [
            EmailSend(
                recipients=", ".join(recipients),
                subject=subject[:max_subject],
                body=body,
                task_id=str(uuid.uuid4()),
                request_id=request_id,
            )
            for subject, body, recipients in emails
        ],
        batch_size=batch_size,
    )
    jobs = Job.objects.bulk_create(
        [
            Job(task=SEND_EMAIL, arguments=[record.pk], task_id=record.task_id, request_id=request_id)
            for record in records
        ],
        batch_size=batch_size,
    )
    job_ids = [job.pk for job in jobs]
    transaction.on_commit(lambda: jobs_send(job_ids=job_ids))
    return records


@transaction.atomic
def email_deliver(*, email_id: int, last_attempt: bool) -> Exception | None:
    """One attempt at one recorded e-mail: sent, or the error kept (final on the last attempt). Sent twice never."""
    record = EmailSend.objects.select_for_update().get(pk=email_id)
    if record.state in (EmailState.SENT, EmailState.FAILED):
        return None
    record.attempts += 1
    message = EmailMultiAlternatives(
        record.subject, record.body, settings.DEFAULT_FROM_EMAIL, record.recipient_list, headers=_headers(record)
    )
    if record.html_body:
        message.attach_alternative(record.html_body, "text/html")
    try:
        message.send()
    except Exception as error:  # any failure of the mail server: recorded, retried by the task
        record.state = EmailState.FAILED if last_attempt else EmailState.RETRYING
        record.last_error = _error_text(error)
        if last_attempt:
            _erase_if_confidential(record)
        record.save(update_fields=["attempts", "state", "last_error", "body", "html_body"])
        logger.warning(
            "e-mail %s attempt %s failed: %s",
            record.pk,
            record.attempts,
            error,
            extra={"email_id": record.pk, "attempt": record.attempts},
        )
        return error
    record.state = EmailState.SENT
    record.sent_at = timezone.now()
    _erase_if_confidential(record)
    record.save(update_fields=["attempts", "state", "sent_at", "body", "html_body"])
    logger.info(
        "e-mail %s sent to %s recipient(s)",
        record.pk,
        len(record.recipient_list),
        extra={"email_id": record.pk, "attempt": record.attempts},
    )
    return None


def _headers(record: EmailSend) -> dict:
    return {"X-CCHC-Request-ID": record.request_id} if record.request_id else {}


def _erase_if_confidential(record: EmailSend) -> None:
    if record.confidential:
        record.body = record.html_body = ""
