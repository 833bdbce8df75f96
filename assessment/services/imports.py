"""Imports above IMPORT_BACKGROUND_ROWS (issue 14): the uploaded file is kept in the private storage and its preview
(every row validated, nothing saved) runs as a background job through the outbox; the progress page then shows
what the import would do, and once the person who started it confirms, a second job imports it, all or nothing,
under that person. The state, the rows processed and the result (or the row-numbered problems) are kept on the
ImportJob for the progress page, which survives a reload."""

import logging
import uuid

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from assessment import outbox
from assessment.models import ImportJob, ImportState
from assessment.storage import storage_save
from cchc.imports import TableFileError, import_outcome, read_table

logger = logging.getLogger(__name__)

RUN_IMPORT = "assessment.tasks.run_import"
# The rows processed are written every this many rows (through a connection of their own, see _Progress).
PROGRESS_EVERY = 200


def import_options(resource_kwargs: dict) -> dict:
    """The resource's keywords as JSON: a model instance (the period, the framework) as its label and pk."""
    options = {}
    for name, value in resource_kwargs.items():
        if isinstance(value, models.Model):
            options[name] = {"model": value._meta.label_lower, "pk": value.pk}
        else:
            options[name] = value
    return options


def _resource_kwargs(options: dict) -> dict:
    kwargs = {}
    for name, value in options.items():
        if isinstance(value, dict) and set(value) == {"model", "pk"}:
            kwargs[name] = apps.get_model(value["model"]).objects.get(pk=value["pk"])
        else:
            kwargs[name] = value
    return kwargs


@transaction.atomic
def import_queue(
    *,
    actor,
    target: str,
    resource_class: type,
    resource_kwargs: dict,
    file_name: str,
    content: bytes,
    extension: str,
    rows_total: int,
    preview: bool = False,
) -> ImportJob:
    """Keep the file in the private storage and queue its import (``preview``: its check only, nothing saved);
    sent to the broker after the commit (and again by send_pending_jobs if the broker is down). A store that
    cannot be reached refuses it all."""
    job = ImportJob.objects.create(
        target=target,
        resource=f"{resource_class.__module__}.{resource_class.__qualname__}",
        options=import_options(resource_kwargs),
        file_name=file_name[: ImportJob._meta.get_field("file_name").max_length],
        started_by=actor,
        rows_total=rows_total,
        language=translation.get_language() or "",
        preview=preview,
    )
    job.stored_file = storage_save(
        default_storage, f"imports/{job.pk}-{uuid.uuid4().hex}.{extension}", ContentFile(content)
    )
    job.job = outbox.job_enqueue(RUN_IMPORT, job.pk)
    job.save(update_fields=["stored_file", "job"])
    logger.info(
        "import %s queued%s: %s rows into %s by user %s",
        job.pk,
        " (check only)" if preview else "",
        rows_total,
        target,
        actor.pk,
        extra={"import_id": job.pk, "task_id": job.job.task_id},
    )
    return job


@transaction.atomic
def import_confirm(*, import_id: int, actor) -> ImportJob:
    """The person who started a checked import confirms it: the same kept file is imported by a job (all or
    nothing, every row validated again). Refused for anyone else, or an import not waiting for confirmation."""
    job = ImportJob.objects.select_for_update().filter(pk=import_id, started_by=actor).first()
    if job is None or job.state != ImportState.CHECKED:
        raise ValidationError(_("This import is not waiting for your confirmation."))
    job.job = outbox.job_enqueue(RUN_IMPORT, job.pk)
    ImportJob.objects.filter(pk=job.pk).update(
        preview=False,
        state=ImportState.QUEUED,
        rows_processed=0,
        new_count=0,
        updated_count=0,
        skipped_count=0,
        attempts=0,
        job=job.job,
    )
    logger.info("import %s confirmed by user %s", job.pk, actor.pk, extra={"import_id": job.pk})
    job.refresh_from_db()
    return job


class _Progress:
    """Writes the rows processed while the import's own transaction is still open, so that the progress page
    sees them: through a second connection, committed at once. SQLite allows one writer at a time (the import
    holds it), so there the counts are written at the start and at the end only."""

    def __init__(self, import_id: int):
        self.import_id = import_id
        self.connection = None
        if connections[DEFAULT_DB_ALIAS].vendor != "sqlite":
            self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
        self.written = 0

    def __call__(self, processed: int) -> None:
        if processed - self.written < PROGRESS_EVERY:
            return
        self.write(processed)

    def write(self, processed: int) -> None:
        self.written = processed
        if self.connection is None:
            return
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportJob._meta.db_table} SET rows_processed = %s WHERE id = %s",  # noqa: S608 - our table
                [processed, self.import_id],
            )

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def import_run(*, import_id: int, last_attempt: bool) -> Exception | None:
    """One attempt at a queued import. Its rows' problems fail it at once (nothing saved); any other error
    (database, file store) is kept and returned for the task to retry, and fails it on the last attempt."""
    job = ImportJob.objects.select_related("started_by").filter(pk=import_id).first()
    if job is None or job.settled:
        return None
    with translation.override(job.language or settings.LANGUAGE_CODE):  # the messages in the person's language
        return _run(job, last_attempt=last_attempt)


def _run(job: ImportJob, *, last_attempt: bool) -> Exception | None:
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportState.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1, rows_processed=0
    )
    progress = _Progress(job.pk)
    try:
        with default_storage.open(job.stored_file, "rb") as handle:
            content = handle.read()
        resource_class = import_string(job.resource)
        dataset = read_table(content, job.stored_file, formats=resource_class.import_formats)
        resource = resource_class(**_resource_kwargs(job.options))
        result = resource.import_data(
            dataset,
            dry_run=job.preview,
            use_transactions=True,
            rollback_on_validation_errors=True,
            user=job.started_by,
            progress=progress,
        )
        outcome = import_outcome(result)
    except TableFileError as error:
        _finish(job, ImportState.FAILED, problems=[[None, str(error)]])
        return None
    except Exception as error:  # the database or the store failed: retried by the task, failed on the last try
        logger.exception("import %s attempt failed", job.pk, extra={"import_id": job.pk})
        failed = last_attempt
        ImportJob.objects.filter(pk=job.pk).update(
            state=ImportState.FAILED if failed else ImportState.QUEUED,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            rows_processed=0,
            finished_at=timezone.now() if failed else None,
            problems=[[None, _("The import could not be completed because of a system error; nothing was saved.")]]
            if failed
            else [],
        )
        if failed:
            _remove_file(job)
        return error
    finally:
        progress.close()
    if outcome.problems:
        _finish(
            job,
            ImportState.FAILED,
            rows_processed=len(dataset),  # every row was checked; nothing was saved
            problems=[[problem.row, problem.message] for problem in outcome.problems],
        )
    elif job.preview:  # checked: the file stays for the confirmation
        ImportJob.objects.filter(pk=job.pk, state=ImportState.RUNNING).update(
            state=ImportState.CHECKED,
            rows_processed=len(dataset),
            new_count=outcome.new,
            updated_count=outcome.updated,
            skipped_count=outcome.unchanged,
            last_error="",
        )
        logger.info("import %s checked", job.pk, extra={"import_id": job.pk})
    else:
        _finish(
            job,
            ImportState.DONE,
            rows_processed=len(dataset),
            new_count=outcome.new,
            updated_count=outcome.updated,
            skipped_count=outcome.unchanged,
        )
    return None


def _finish(job: ImportJob, state: str, **fields) -> None:
    if state == ImportState.FAILED:
        fields.setdefault("rows_processed", 0)  # all or nothing: nothing of it was saved
    # A job handed over twice (a worker lost, the broker's redelivery) never turns a finished import into a failure.
    ImportJob.objects.filter(pk=job.pk).exclude(state=ImportState.DONE).update(
        state=state, finished_at=timezone.now(), last_error="", **fields
    )
    _remove_file(job)
    logger.info("import %s %s", job.pk, state, extra={"import_id": job.pk})


def _remove_file(job: ImportJob) -> None:
    """The kept file is needed no more once the import is over (its data is saved, or refused)."""
    try:
        default_storage.delete(job.stored_file)
    except Exception:  # the store is unreachable: the file stays; it is private and the import is over
        logger.warning("import %s: the kept file %s could not be deleted", job.pk, job.stored_file)
