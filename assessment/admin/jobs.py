"""Home Affairs reads what the system sent and what waits for the queue: the e-mails (each attempt, the last
error) and the background jobs. Read-only: the records are written by the outbox alone."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from assessment.models import EmailSend, Job


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
