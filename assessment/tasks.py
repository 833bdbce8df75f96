"""Background jobs (Celery): thin wrappers around the outbox and the services; no rule lives only here."""

import logging

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from assessment import exports, outbox
from assessment.models import Publication
from assessment.policy import today
from assessment.services import imports
from assessment.services.reminders import reminders_send

logger = logging.getLogger(__name__)


@shared_task(bind=True, name=outbox.SEND_EMAIL, max_retries=None)
def send_email(self, email_id: int) -> None:
    """Deliver one recorded e-mail; on failure retry with exponential backoff, EMAIL_MAX_RETRIES times."""
    retries = self.request.retries or 0
    error = outbox.email_deliver(email_id=email_id, last_attempt=retries >= settings.EMAIL_MAX_RETRIES)
    if error is not None and retries < settings.EMAIL_MAX_RETRIES:
        countdown = get_exponential_backoff_interval(
            factor=settings.EMAIL_RETRY_BACKOFF, retries=retries, maximum=3600, full_jitter=False
        )
        logger.info("e-mail %s: retry %s in %s s", email_id, retries + 1, countdown, extra={"email_id": email_id})
        raise self.retry(exc=error, countdown=countdown, max_retries=settings.EMAIL_MAX_RETRIES)


@shared_task(name=outbox.BUILD_PUBLICATION_FILES)
def build_publication_files(publication_id: int) -> list[str]:
    """Build and store every download of a publication, so its first reader never waits."""
    publication = Publication.objects.select_related("period").get(pk=publication_id)
    for file_format in exports.FORMATS:
        exports.publication_file(publication, file_format)
    return list(exports.FORMATS)


@shared_task(name=outbox.VERIFY_REPORT_SIGNATURE)
def verify_report_signature(signature_id: int) -> str:
    """Verify an uploaded digitally signed report (issue 15): its state afterwards (verified or refused)."""
    from assessment.services.signatures import report_signature_verify

    return report_signature_verify(signature_id=signature_id).state


@shared_task(name="assessment.tasks.send_pending_jobs")
def send_pending_jobs() -> tuple[int, int]:
    """Beat, every minute: hand to the queue the jobs a broker outage left pending."""
    return outbox.jobs_send_pending()


@shared_task(name="assessment.tasks.send_reminders")
def send_reminders() -> dict:
    """Beat, daily at REMINDERS_HOUR: today's reminders (the service of `manage.py send_reminders`), each sent once."""
    summary = reminders_send(today=today())
    logger.info(
        "reminders of %s: %s sent, %s already sent",
        summary.on,
        len(summary.sent),
        summary.already_sent,
        extra={"sent": len(summary.sent), "already_sent": summary.already_sent},
    )
    return {"on": summary.on.isoformat(), "sent": len(summary.sent), "already_sent": summary.already_sent}


@shared_task(bind=True, name=imports.RUN_IMPORT, max_retries=None)
def run_import(self, import_id: int) -> None:
    """An import above IMPORT_BACKGROUND_ROWS; a system error (not a bad row) is retried with exponential backoff,
    IMPORT_MAX_RETRIES times, then the import is marked failed for Home Affairs and the person who started it."""
    retries = self.request.retries or 0
    error = imports.import_run(import_id=import_id, last_attempt=retries >= settings.IMPORT_MAX_RETRIES)
    if error is not None and retries < settings.IMPORT_MAX_RETRIES:
        countdown = get_exponential_backoff_interval(
            factor=settings.IMPORT_RETRY_BACKOFF, retries=retries, maximum=3600, full_jitter=False
        )
        logger.info("import %s: retry %s in %s s", import_id, retries + 1, countdown, extra={"import_id": import_id})
        raise self.retry(exc=error, countdown=countdown, max_retries=settings.IMPORT_MAX_RETRIES)
