"""Background jobs as data: every job is written here before it is handed to the queue, and every e-mail is
recorded with its delivery, so a broker that is down or a mail server that fails loses nothing silently."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobState(models.TextChoices):
    PENDING = "pending", _("Waiting for the queue")
    SENT = "sent", _("Handed to the queue")


class Job(models.Model):
    """A background job (a Celery task and its arguments), written in the transaction that asks for it and handed
    to the broker after the commit; a job the broker refused stays pending until ``send_pending_jobs`` sends it."""

    task = models.CharField(_("task"), max_length=200)
    arguments = models.JSONField(_("arguments"), default=list, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=JobState.choices, default=JobState.PENDING)
    task_id = models.CharField(_("task id"), max_length=64, unique=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    send_attempts = models.PositiveIntegerField(_("attempts to reach the queue"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("handed to the queue at"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "created_at"], name="job_state_created")]
        constraints = [models.CheckConstraint(condition=models.Q(state__in=JobState.values), name="job_state_valid")]

    def __str__(self):
        return f"{self.task} [{self.task_id}]"


class EmailState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RETRYING = "retrying", _("Failed, will retry")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class EmailSend(models.Model):
    """One e-mail the system sends, its recipients and what became of it: each attempt, the last error, the
    task that carries it. Home Affairs reads them in the admin."""

    recipients = models.TextField(_("recipients"))
    subject = models.CharField(_("e-mail subject"), max_length=300)
    body = models.TextField(_("body"))
    html_body = models.TextField(_("HTML body"), blank=True)
    # A mail that carries a secret (a password-reset link): its text is never shown and is erased once delivered.
    confidential = models.BooleanField(_("confidential"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=EmailState.choices, default=EmailState.QUEUED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("e-mail sent")
        verbose_name_plural = _("e-mails sent")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(state__in=EmailState.values), name="email_send_state_valid")
        ]

    def __str__(self):
        return self.subject

    @property
    def recipient_list(self) -> list[str]:
        return [address for address in self.recipients.split(", ") if address]


class ImportState(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    CHECKED = "checked", _("Checked, waiting for confirmation")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """An admin import of a file above IMPORT_BACKGROUND_ROWS: the file is kept in the private storage and checked
    by a background job (the preview: every row validated, nothing saved; ``preview``), then, once the person who
    started it confirms, imported by another job, all or nothing, under that person; its state, the rows
    processed, the result or the row-numbered problems are kept here for the progress page."""

    target = models.CharField(_("imported into"), max_length=100)  # "app_label.model_name" of the admin list
    resource = models.CharField(_("resource"), max_length=200)  # the dotted path of the resource class
    options = models.JSONField(_("options"), default=dict, blank=True)  # the resource's keywords (a period's pk …)
    file_name = models.CharField(_("file name"), max_length=255)
    language = models.CharField(_("language"), max_length=10, blank=True)  # of the messages, as the person read
    stored_file = models.CharField(_("stored file"), max_length=300, blank=True)
    # True while the job only checks the file (dry run); False once confirmed (or confirmed on the preview page).
    preview = models.BooleanField(_("check only"), default=False)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("started by")
    )
    state = models.CharField(_("state"), max_length=10, choices=ImportState.choices, default=ImportState.QUEUED)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_processed = models.PositiveIntegerField(_("rows processed"), default=0)
    new_count = models.PositiveIntegerField(_("new"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    skipped_count = models.PositiveIntegerField(_("unchanged"), default=0)
    problems = models.JSONField(_("problems"), default=list, blank=True)  # [[row or null, message], …]
    attempts = models.PositiveIntegerField(_("attempts to run"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    job = models.ForeignKey(
        Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("background job")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("background import")
        verbose_name_plural = _("background imports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["started_by", "created_at"], name="import_job_user_created")]
        constraints = [
            models.CheckConstraint(condition=models.Q(state__in=ImportState.values), name="import_job_state_valid")
        ]

    def __str__(self):
        return self.file_name

    @property
    def finished(self) -> bool:
        return self.state in (ImportState.DONE, ImportState.FAILED)

    @property
    def awaiting_confirmation(self) -> bool:
        return self.state == ImportState.CHECKED

    @property
    def settled(self) -> bool:
        """Nothing happens until someone acts: the progress page asks no more."""
        return self.finished or self.awaiting_confirmation

    @property
    def percent(self) -> int:
        if self.state in (ImportState.DONE, ImportState.CHECKED):
            return 100
        if not self.rows_total:
            return 0
        return min(100, self.rows_processed * 100 // self.rows_total)
