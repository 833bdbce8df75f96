"""Home Affairs reads what the system sent and what waits for the queue: the e-mails (each attempt, the last
error) and the background jobs. Read-only: the records are written by the outbox alone."""

from django.apps import apps
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from assessment.formatting import count
from assessment.models import EmailSend, ImportJob, ImportState, Job, JobState
from assessment.selectors.visibility import imports_visible_to


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EmailSend)
class EmailSendAdmin(_ReadOnly):
    list_display = ["created_at", "subject", "recipients", "state", "attempts", "sent_at", "short_error"]
    list_filter = ["state", "created_at"]
    search_fields = ["recipients", "subject", "task_id", "request_id"]
    date_hierarchy = "created_at"
    fields = [
        "recipients",
        "subject",
        "shown_body",
        "state",
        "attempts",
        "last_error",
        "task_id",
        "request_id",
        "created_at",
        "sent_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("body"))
    def shown_body(self, obj: EmailSend) -> str:
        return _("(confidential: not shown)") if obj.confidential else obj.body

    @admin.display(description=_("last error"))
    def short_error(self, obj: EmailSend) -> str:
        return obj.last_error[:80]


@admin.register(Job)
class JobAdmin(_ReadOnly):
    list_display = ["created_at", "task", "state", "send_attempts", "sent_at", "task_id"]
    list_filter = ["state", "task"]
    search_fields = ["task_id", "request_id", "task"]
    date_hierarchy = "created_at"
    fields = [
        "task",
        "arguments",
        "state",
        "send_attempts",
        "last_error",
        "task_id",
        "request_id",
        "created_at",
        "sent_at",
    ]
    readonly_fields = fields


# -- imports above IMPORT_BACKGROUND_ROWS: their progress page and, for Home Affairs, the list of them ------------

RECENT_IMPORTS = 10
POLL_SECONDS = 3  # how often the progress page asks for the state while the import waits or runs


def rows_text(job: ImportJob) -> str:
    return _("%(processed)s of %(total)s rows processed") % {
        "processed": count(job.rows_processed),
        "total": count(job.rows_total),
    }


def import_target_label(job: ImportJob) -> str:
    """What the file was imported into, as the admin names the list (Điểm, Người dùng …)."""
    try:
        return str(apps.get_model(job.target)._meta.verbose_name_plural).capitalize()
    except (LookupError, ValueError):
        return job.target


def import_target_url(job: ImportJob) -> str:
    app_label, _dot, model_name = job.target.partition(".")
    try:
        return reverse(f"admin:{app_label}_{model_name}_changelist")
    except NoReverseMatch:
        return ""


@admin.register(ImportJob)
class ImportJobAdmin(_ReadOnly):
    """Home Affairs sees every background import and its failures; each row leads to its progress page, which the
    person who started the import sees too (and nobody else)."""

    list_display = ["created_at", "progress_link", "target_label", "started_by", "state", "rows", "short_error"]
    list_display_links = None
    list_filter = ["state", "target"]
    search_fields = ["file_name", "started_by__username", "started_by__full_name"]
    date_hierarchy = "created_at"
    list_select_related = ["started_by"]

    class Media:
        css = {"all": ["css/admin-imports.css"]}

    def get_queryset(self, request):
        return imports_visible_to(request.user).select_related("started_by")

    def get_urls(self):
        progress = path(
            "<int:import_id>/progress/",
            self.admin_site.admin_view(self.progress_view),
            name="assessment_importjob_progress",
        )
        status = path(
            "<int:import_id>/progress/status/",
            self.admin_site.admin_view(self.status_view),
            name="assessment_importjob_status",
        )
        confirm = path(
            "<int:import_id>/progress/confirm/",
            self.admin_site.admin_view(self.confirm_view),
            name="assessment_importjob_confirm",
        )
        return [progress, status, confirm, *super().get_urls()]

    def confirm_view(self, request, import_id):
        """The person who started a checked import confirms it (POST): its import is queued as a job."""
        from assessment.services.imports import import_confirm

        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        job = get_object_or_404(imports_visible_to(request.user), pk=import_id)
        try:
            import_confirm(import_id=job.pk, actor=request.user)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        return HttpResponseRedirect(reverse("admin:assessment_importjob_progress", args=[job.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = get_object_or_404(imports_visible_to(request.user), pk=object_id)
        return self.progress_view(request, job.pk)

    def progress_view(self, request, import_id):
        """The state of one import, read from the database (a reload shows the same); while it waits or runs, a
        small script (static/js/admin-import-progress.js) asks status_view every few seconds."""
        job = get_object_or_404(imports_visible_to(request.user).select_related("started_by", "job"), pk=import_id)
        recent = imports_visible_to(request.user).filter(started_by=request.user)[:RECENT_IMPORTS]
        queue_down = job.job is not None and job.job.state == JobState.PENDING  # the broker refused it so far
        waiting_for_queue = job.state == ImportState.QUEUED and queue_down
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import of %(file)s") % {"file": job.file_name},
            "import_job": job,
            "target_label": import_target_label(job),
            "target_url": import_target_url(job),
            "problems": [{"row": row, "message": message} for row, message in job.problems],
            "waiting_for_queue": waiting_for_queue,
            "recent": [(item, import_target_label(item)) for item in recent],
            "may_confirm": job.awaiting_confirmation and job.started_by_id == request.user.pk,
            "rows_text": rows_text(job),
            "poll_seconds": POLL_SECONDS,
        }
        return TemplateResponse(request, "admin/assessment/importjob/progress.html", context)

    def status_view(self, request, import_id):
        """What the progress page's script asks every few seconds: the state and the rows processed."""
        job = get_object_or_404(imports_visible_to(request.user), pk=import_id)
        return JsonResponse(
            {
                "state": job.state,
                "state_label": job.get_state_display(),
                "finished": job.settled,
                "rows_processed": job.rows_processed,
                "rows_total": job.rows_total,
                "percent": job.percent,
                "rows_text": rows_text(job),
            }
        )

    @admin.display(description=_("file"), ordering="file_name")
    def progress_link(self, obj: ImportJob) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:assessment_importjob_progress", args=[obj.pk]), obj.file_name
        )

    @admin.display(description=_("imported into"))
    def target_label(self, obj: ImportJob) -> str:
        return import_target_label(obj)

    @admin.display(description=_("rows processed"))
    def rows(self, obj: ImportJob) -> str:
        return f"{count(obj.rows_processed)}/{count(obj.rows_total)}"

    @admin.display(description=_("last error"))
    def short_error(self, obj: ImportJob) -> str:
        if obj.problems:
            row, message = obj.problems[0]
            return (_("Row %(row)s: %(message)s") % {"row": row, "message": message} if row else message)[:120]
        return obj.last_error[:120]
