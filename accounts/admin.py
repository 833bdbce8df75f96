import json

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import (
    AdminPasswordChangeForm,
    AdminUserCreationForm,
    SetUnusablePasswordMixin,
    UserChangeForm,
)
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import admin_lockouts  # noqa: F401 - registers the lockouts page
from accounts.models import UNIT_MEMBER_ROLES, Block, GovernanceEvent, Membership, Unit, User
from accounts.policy import manages_superusers
from accounts.resources import PersonResource, UnitResource
from accounts.selectors import units_visible_to
from accounts.services import membership_grant, membership_revoke, person_deactivate, user_sync_access
from assessment.formatting import percent
from assessment.selectors.results import unit_predecessors
from cchc.admin import TableImportExportAdmin
from cchc.db import vi_order


class MembershipInlineFormSet(forms.BaseInlineFormSet):
    """The rows of one user together: each role once, one unit membership (staff or head)."""

    def clean(self):
        super().clean()
        roles, unit_roles = set(), 0
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            role = form.cleaned_data.get("role")
            if role in roles:
                raise ValidationError(_("Each role can be given only once."))
            roles.add(role)
            unit_roles += role in UNIT_MEMBER_ROLES
        if unit_roles > 1:
            raise ValidationError(_("A user is staff or head of one unit only."))


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipInlineFormSet
    extra = 0
    autocomplete_fields = ["unit"]
    fields = ["role", "unit", "created_at"]
    readonly_fields = ["created_at"]


class UserCreateForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "full_name", "email", "phone")


class UserEditForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


class PasswordChangeForm(AdminPasswordChangeForm):
    """Django's form, with its warning translated: Django joins it to the help text in English, untranslatable."""

    usable_password_help_text = format_lazy(
        '{}<ul id="id_unusable_warning" class="messagelist"><li class="warning">{}</li></ul>',
        SetUnusablePasswordMixin.usable_password_help_text,
        _("If disabled, the current password for this user will be lost."),
    )


@admin.register(User)
class UserAdmin(TableImportExportAdmin, DjangoUserAdmin):
    """People: created one by one or imported in bulk (import_people), deactivated when they leave, never deleted."""

    resource_classes = [PersonResource]  # people: onboarding in bulk
    actions = ["deactivate_people"]
    form = UserEditForm
    add_form = UserCreateForm
    change_password_form = PasswordChangeForm
    inlines = [MembershipInline]
    list_display = ["username", "full_name", "email", "roles", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "memberships__role", "memberships__unit__block"]
    search_fields = ["username", "full_name", "email", "phone", "memberships__unit__name"]
    ordering = ["username"]
    readonly_fields = ["is_staff", "last_login", "date_joined"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("full_name", "email", "phone")}),
        (_("Status"), {"fields": ("is_active", "is_staff", "last_login", "date_joined")}),
    )
    superuser_fieldsets = ((_("Superuser"), {"fields": ("is_superuser", "groups", "user_permissions")}),)
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "full_name", "email", "phone", "usable_password", "password1", "password2"),
            },
        ),
    )

    def get_inlines(self, request, obj):
        # Roles are given on the change page, where the new user lands after "Save".
        return self.inlines if obj is not None else []

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and manages_superusers(request.user):
            return (*fieldsets, *self.superuser_fieldsets)
        return fieldsets

    def get_queryset(self, request):
        users = super().get_queryset(request).prefetch_related("memberships__unit")
        if not manages_superusers(request.user):
            # Home Affairs manages people, not the technical superusers.
            users = users.filter(is_superuser=False)
        return users

    @admin.display(description=_("roles"))
    def roles(self, obj):
        return "; ".join(str(membership) for membership in obj.memberships.all())

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user_sync_access(user=form.instance)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        # Each role given or taken goes through the role services, which log who gave what to whom.
        formset.save(commit=False)
        user = form.instance
        old_roles = dict(Membership.objects.filter(user=user).values_list("pk", "role"))
        for membership in formset.deleted_objects:
            membership_revoke(user=user, role=old_roles[membership.pk], actor=request.user)
        changed = [membership for membership, _fields in formset.changed_objects]
        for membership in changed:
            membership_revoke(user=user, role=old_roles[membership.pk], actor=request.user)
        for membership in [*changed, *formset.new_objects]:
            granted = membership_grant(user=user, role=membership.role, unit=membership.unit, actor=request.user)
            membership.pk, membership.created_at = granted.pk, granted.created_at

    # people: those who leave are deactivated, never deleted (their history stays); the import has no export.

    def has_delete_permission(self, request, obj=None):
        return False

    def has_export_permission(self, request):
        return False

    @admin.action(description=_("Deactivate the selected people (they left)"), permissions=["change"])
    def deactivate_people(self, request, queryset):
        count = sum(person_deactivate(user=user, actor=request.user) for user in queryset)
        self.message_user(
            request,
            ngettext("%(count)d person deactivated.", "%(count)d people deactivated.", count) % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "unit", "created_at"]
    list_filter = ["role", "unit__block"]
    search_fields = ["user__username", "user__full_name", "unit__name", "unit__code"]
    list_select_related = ["user", "unit"]
    autocomplete_fields = ["user", "unit"]

    def get_queryset(self, request):
        memberships = super().get_queryset(request)
        if not manages_superusers(request.user):
            memberships = memberships.filter(user__is_superuser=False)
        return memberships

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        previous = Membership.objects.filter(pk=obj.pk).select_related("user").first()
        if previous is not None and (previous.user_id, previous.role, previous.unit_id) == (
            obj.user_id,
            obj.role,
            obj.unit_id,
        ):
            return
        if previous is not None:
            membership_revoke(user=previous.user, role=previous.role, actor=request.user)
        granted = membership_grant(user=obj.user, role=obj.role, unit=obj.unit, actor=request.user)
        obj.pk, obj.created_at = granted.pk, granted.created_at

    def delete_model(self, request, obj):
        membership_revoke(user=obj.user, role=obj.role, actor=request.user)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("user"):
            membership_revoke(user=membership.user, role=membership.role, actor=request.user)


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "order", "active_units"]
    search_fields = ["code", "name"]
    ordering = ["order", "code"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(active_unit_count=Count("units", filter=Q(units__active=True)))

    @admin.display(description=_("active units"), ordering="active_unit_count")
    def active_units(self, obj):
        return obj.active_unit_count


@admin.register(Unit)
class UnitAdmin(TableImportExportAdmin):
    resource_classes = [UnitResource]
    list_display = ["code", "name", "block", "active", "is_appraising_agency", "valid_from", "valid_to"]
    list_filter = ["block", "active", "is_appraising_agency"]
    search_fields = ["code", "name"]
    list_select_related = ["block"]
    autocomplete_fields = ["predecessors"]
    fields = [
        "code",
        "name",
        "block",
        "active",
        "is_appraising_agency",
        "valid_from",
        "valid_to",
        "predecessors",
        "formed_from",
        "replaced_by",
    ]
    readonly_fields = ["formed_from", "replaced_by"]

    def get_queryset(self, request):
        return units_visible_to(request.user).order_by("block__order", vi_order("name").asc())

    # -- predecessors shown honestly (issue 13): where the unit came from, with its predecessors' own results
    @admin.display(description=_("formed from"))
    def formed_from(self, obj):
        predecessors = unit_predecessors(obj.pk) if obj.pk else []
        if not predecessors:
            return "—"
        items = format_html_join(
            "",
            "<li>{}</li>",
            (
                (
                    _("%(unit)s: %(index)s, rank %(rank)s in %(year)s (its own result)")
                    % {
                        "unit": item.name,
                        "index": percent(item.index),
                        "rank": f"{item.rank}/{item.units}" if item.rank and item.units else (item.rank or "—"),
                        "year": item.year,
                    }
                    if item.year
                    else _("%(unit)s: no published result") % {"unit": item.name},
                )
                for item in predecessors
            ),
        )
        return format_html(
            '<p data-testid="formed-from">{} ← {}</p><p class="help">{}</p><ul>{}</ul>',
            obj.name,
            ", ".join(item.name for item in predecessors),
            _("Last published results of the units it replaced, for reference: theirs, not this unit's."),
            items,
        )

    @admin.display(description=_("replaced by"))
    def replaced_by(self, obj):
        successors = (
            list(obj.successors.order_by(vi_order("name").asc()).values_list("name", flat=True)) if obj.pk else []
        )
        if not successors:
            return "—"
        return format_html('<p data-testid="replaced-by">{} → {}</p>', obj.name, ", ".join(successors))

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).select_related("block").prefetch_related("predecessors")


@admin.register(GovernanceEvent)
class GovernanceEventAdmin(admin.ModelAdmin):
    """The governance log, read only: Home Affairs and superusers see who changed frameworks, periods and roles."""

    list_display = ["at", "actor", "action", "kind", "label", "changes_text"]
    list_filter = ["action", ("actor", admin.RelatedOnlyFieldListFilter), "at"]
    search_fields = ["label"]
    date_hierarchy = "at"
    list_select_related = ["actor", "content_type"]
    fields = ["at", "actor", "action", "kind", "object_id", "label", "changes_text", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("kind of object"), ordering="content_type")
    def kind(self, obj):
        return capfirst(obj.content_type.name)

    @admin.display(description=_("changes"))
    def changes_text(self, obj):
        return format_html(
            '<code style="white-space:pre-wrap">{}</code>', json.dumps(obj.changes, ensure_ascii=False, indent=1)
        )
