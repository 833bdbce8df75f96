"""Failed sign-ins and lockouts (django-axes) in the admin: Home Affairs and the superuser see and lift them."""

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class LockedFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return [("yes", _("Locked")), ("no", _("Not locked"))]

    def queryset(self, request, queryset):
        locked = Q(
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
            attempt_time__gt=timezone.now() - settings.AXES_COOLOFF_TIME,
        )
        if self.value() == "yes":
            return queryset.filter(locked)
        if self.value() == "no":
            return queryset.exclude(locked)
        return queryset


@admin.register(AccessAttempt)
class AccessAttemptAdmin(admin.ModelAdmin):
    """One row per (username, address, browser) with recent failures; deleting it lifts the lockout."""

    list_display = ["username", "ip_address", "failures_since_start", "attempt_time", "status", "locked_until"]
    list_filter = [LockedFilter, "attempt_time"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "attempt_time"
    actions = ["unlock"]
    fields = ["username", "ip_address", "user_agent", "path_info", "failures_since_start", "attempt_time"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # "Unlock" says what deleting these rows does
        return actions

    def _locked(self, obj: AccessAttempt) -> bool:
        return obj.failures_since_start >= settings.AXES_FAILURE_LIMIT and self._until(obj) > timezone.now()

    def _until(self, obj: AccessAttempt):
        return obj.attempt_time + settings.AXES_COOLOFF_TIME

    @admin.display(description=_("status"))
    def status(self, obj):
        if self._until(obj) <= timezone.now():
            return _("Expired")  # no longer counted; axes deletes it at the next sign-in
        if self._locked(obj):
            return _("Locked")
        remaining = max(settings.AXES_FAILURE_LIMIT - obj.failures_since_start, 0)
        return ngettext("%(count)d attempt left", "%(count)d attempts left", remaining) % {"count": remaining}

    @admin.display(description=_("locked until"))
    def locked_until(self, obj):
        return self._until(obj) if self._locked(obj) else "–"

    @admin.action(description=_("Unlock"), permissions=["delete"])
    def unlock(self, request, queryset):
        _total, per_model = queryset.delete()
        count = per_model.get(AccessAttempt._meta.label, 0)
        self.message_user(
            request,
            ngettext("Unlocked %(count)d sign-in.", "Unlocked %(count)d sign-ins.", count) % {"count": count},
        )
