"""Home Affairs' reminder schedule (editable) and the record of every reminder sent (read only)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from assessment.models import ReminderSchedule, ReminderSend
from assessment.services.reminders import reminder_schedule_save


@admin.register(ReminderSchedule)
class ReminderScheduleAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "days_before", "overdue_days", "enabled"]
    list_select_related = ["period"]
    fields = ["period", "days_before", "overdue_days", "enabled"]

    def save_model(self, request, obj, form, change):
        reminder_schedule_save(schedule=obj, actor=request.user)


@admin.register(ReminderSend)
class ReminderSendAdmin(admin.ModelAdmin):
    list_display = ["sent_on", "window", "unit_link", "period", "closes", "days", "pending", "recipients"]
    list_filter = [
        ("period", admin.RelatedOnlyFieldListFilter),
        "window",
        ("unit__block", admin.RelatedOnlyFieldListFilter),
        "sent_on",
    ]
    search_fields = ["unit__name", "unit__code", "recipients"]
    list_select_related = ["period", "unit", "assessment"]
    date_hierarchy = "sent_on"
    ordering = ["-sent_on", "window", "unit__code"]

    @admin.display(description=_("unit or agency"), ordering="unit__name")
    def unit_link(self, obj):
        if obj.assessment_id is None:
            return obj.unit.name
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:assessment_assessment_change", args=[obj.assessment_id]), obj.unit
        )

    @admin.display(description=_("days left"), ordering="offset")
    def days(self, obj):
        return obj.offset

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
