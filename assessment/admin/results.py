"""Home Affairs' side of the results: survey import, bonus and penalty entries, earlier years, provisional
ranking and publication."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assessment.admin.imports import PeriodImportMixin
from assessment.models import (
    Adjustment,
    Criterion,
    EarlierResult,
    FrameworkState,
    Method,
    Period,
    Publication,
    SurveyScore,
)
from assessment.policy import may_publish, reads_provisional_results
from assessment.resources import EarlierResultResource, SurveyResource
from assessment.selectors.visibility import results_visible_to
from assessment.services.results import (
    PUBLISHABLE,
    adjustment_check,
    adjustment_delete,
    adjustment_save,
    period_publish,
    provisional_results,
    publish_blockers,
    publish_preview,
)
from cchc.admin import TableImportExportAdmin


@admin.register(SurveyScore)
class SurveyScoreAdmin(PeriodImportMixin, TableImportExportAdmin):
    resource_classes = [SurveyResource]
    list_display = ["unit", "code", "title", "max_points", "survey_points"]
    list_filter = [
        ("assessment__period", admin.RelatedOnlyFieldListFilter),
        ("assessment__unit__block", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["assessment__unit__name", "assessment__unit__code", "criterion__code"]
    list_select_related = ["assessment__unit", "criterion"]
    ordering = ["assessment__unit__code", "criterion__order"]

    def get_queryset(self, request):
        scores = super().get_queryset(request).filter(criterion__method=Method.SURVEY)
        return scores.filter(assessment__period__in=results_visible_to(request.user))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # survey points come in through the import, which is audited

    def has_import_permission(self, request):
        return request.user.has_perm("assessment.change_surveyscore")

    @admin.display(description=_("unit"))
    def unit(self, obj):
        return obj.assessment.unit

    @admin.display(description=_("code"))
    def code(self, obj):
        return obj.criterion.code

    @admin.display(description=_("criterion"))
    def title(self, obj):
        return obj.criterion.title


class AdjustmentForm(forms.ModelForm):
    class Meta:
        model = Adjustment
        fields = ["assessment", "criterion", "points", "reason", "decision_reference"]
        localized_fields = ["points"]  # 1,5 as people type it

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "criterion" in self.fields:  # the council reads an entry: every field is read only, none in the form
            self.fields["criterion"].queryset = Criterion.objects.filter(
                method__in=[Method.BONUS, Method.PENALTY], framework__state=FrameworkState.ACTIVE
            ).select_related("framework")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("assessment") and cleaned.get("criterion"):
            self.instance.assessment = cleaned["assessment"]
            self.instance.criterion = cleaned["criterion"]
            self.instance.points = cleaned.get("points")
            adjustment_check(self.instance)
        return cleaned


@admin.register(Adjustment)
class AdjustmentAdmin(admin.ModelAdmin):
    form = AdjustmentForm
    list_display = ["assessment", "criterion", "points", "decision_reference", "created_by", "created_at"]
    list_filter = [("assessment__period", admin.RelatedOnlyFieldListFilter), "criterion__method"]
    search_fields = ["assessment__unit__name", "decision_reference", "reason"]
    list_select_related = ["assessment__unit", "assessment__period", "criterion", "created_by"]
    autocomplete_fields = ["assessment"]

    def save_model(self, request, obj, form, change):
        adjustment_save(adjustment=obj, actor=request.user)

    def delete_model(self, request, obj):
        adjustment_delete(adjustment=obj, actor=request.user)

    @transaction.atomic  # all or none of the selection
    def delete_queryset(self, request, queryset):
        for adjustment in queryset:
            adjustment_delete(adjustment=adjustment, actor=request.user)


@admin.register(EarlierResult)
class EarlierResultAdmin(TableImportExportAdmin):
    resource_classes = [EarlierResultResource]
    list_display = ["year", "block", "rank", "unit", "index_percent"]
    list_filter = ["year", "block"]
    search_fields = ["unit__name", "unit__code"]
    list_select_related = ["block", "unit"]
    autocomplete_fields = ["unit"]


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    list_display = [
        "period",
        "version",
        "decision_number",
        "decision_date",
        "published_at",
        "published_by",
        "public_link",
    ]
    list_filter = ["period"]
    readonly_fields = [
        "period",
        "version",
        "decision_number",
        "decision_date",
        "reason",
        "published_at",
        "published_by",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("public page"))
    def public_link(self, obj):
        url = reverse("public:results-period", args=[obj.period.year]) + f"?version={obj.version}"
        return format_html('<a href="{}">{}</a>', url, url)


class PublishForm(forms.Form):
    required_css_class = "required"  # the admin's bold label
    decision_number = forms.CharField(
        label=_("Decision number"),
        max_length=100,
        widget=forms.TextInput(attrs={"class": "vTextField"}),
    )
    decision_date = forms.DateField(
        label=_("Decision date"),
        widget=forms.DateInput(attrs={"class": "vDateField", "placeholder": "dd/mm/yyyy"}, format="%d/%m/%Y"),
        help_text=_("The date the decision was signed: the public pages show it."),
    )
    reason = forms.CharField(
        label=_("Reason (for a corrected version)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60, "class": "vLargeTextField"}),
    )

    def __init__(self, *args, correction=False, **kwargs):
        super().__init__(*args, **kwargs)
        if correction:
            reason = self.fields["reason"]
            reason.required = True
            reason.label = _("Reason for the corrected version")
            reason.error_messages["required"] = gettext("Give the reason for this corrected version.")


def results_urls(period_admin):
    """The provisional ranking and the publication of a period, added to the period's admin."""
    view = period_admin.admin_site.admin_view

    def provisional(request, pk):
        if not reads_provisional_results(request.user):
            raise PermissionDenied
        period = get_object_or_404(results_visible_to(request.user), pk=pk)
        blocks = []
        for rows in provisional_results(period):
            codes = [code for code, _title in rows.fields]
            blocks.append(
                {
                    "rows": rows,
                    "fields": [(code, title, rows.field_average(code)) for code, title in rows.fields],
                    "units": [(unit, unit.field_indices(codes)) for unit in rows.units],
                }
            )
        waiting = sum(1 for block in blocks for unit, _ in block["units"] if unit.status not in PUBLISHABLE)
        context = {
            **period_admin.admin_site.each_context(request),
            "opts": Period._meta,
            "title": gettext("Provisional results of %(period)s") % {"period": period},
            "period": period,
            "blocks": blocks,
            "waiting": waiting,
            "can_publish": may_publish(request.user, period),
            "publications": list(period.publications.order_by("version")),
        }
        return TemplateResponse(request, "admin/assessment/period/provisional.html", context)

    def publish(request, pk):
        """The confirmation page: what will be frozen (blocks, units, averages, and for a new version what moves
        against the last one), the decision, then a second click to publish."""
        if not may_publish(request.user):
            raise PermissionDenied
        period = get_object_or_404(Period, pk=pk)
        form = PublishForm(request.POST or None, correction=period.publications.exists())
        confirming = False
        if request.method == "POST" and form.is_valid() and "confirm" in request.POST:
            try:
                publication = period_publish(period=period, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(
                    request,
                    gettext("%(period)s published (version %(version)s).")
                    % {"period": period, "version": publication.version},
                )
                return redirect(reverse("public:results-period", args=[period.year]))
        preview = publish_preview(period=period)  # after a publication the page is not shown: computed once
        blocked = publish_blockers(preview)
        if request.method == "POST" and form.is_valid() and "confirm" not in request.POST:
            confirming = not blocked
            for message in blocked:
                form.add_error(None, message)
        context = {
            **period_admin.admin_site.each_context(request),
            "opts": Period._meta,
            "title": gettext("Publish the results of %(period)s") % {"period": period},
            "period": period,
            "form": form,
            "preview": preview,
            "version": (preview.last.version if preview.last else 0) + 1,
            "blocked": blocked,
            "confirming": confirming,
            "published": list(period.publications.order_by("version")),
        }
        return TemplateResponse(request, "admin/assessment/period/publish.html", context)

    return [
        path("<int:pk>/results/", view(provisional), name="assessment_period_results"),
        path("<int:pk>/publish/", view(publish), name="assessment_period_publish"),
    ]
