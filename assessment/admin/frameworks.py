from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.forms import ConfirmImportForm

from assessment.formatting import compact
from assessment.models import (
    CRITERION_FIELDS,
    SCORED_METHODS,
    Assessment,
    Criterion,
    Framework,
    FrameworkState,
    Period,
    PeriodBlock,
)
from assessment.policy import (
    may_publish,
    reads_accuracy,
    reads_council_review,
    reads_improvement_progress,
    reads_provisional_results,
)
from assessment.resources import CriterionResource
from assessment.selectors.appraisal import period_progress
from assessment.selectors.frameworks import framework_is_in_use, framework_totals, framework_tree
from assessment.services import (
    framework_activate,
    framework_archive,
    framework_back_to_draft,
    framework_copy,
    period_open,
)
from assessment.services.frameworks import (
    criterion_delete,
    criterion_save,
    framework_delete,
    framework_save,
    period_save,
)
from cchc.admin import TableImportExportAdmin, TableImportForm
from cchc.spreadsheets import CSVExport, XLSXExport


def _report(modeladmin, request, service, queryset, done_message):
    for obj in queryset:
        try:
            service(obj)
        except ValidationError as exc:
            for message in exc.messages:
                modeladmin.message_user(request, f"{obj}: {message}", messages.ERROR)
        else:
            modeladmin.message_user(request, done_message % {"object": obj}, messages.SUCCESS)


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin):
    list_display = ["name", "block", "decision", "years", "version", "state", "scale", "criteria_count"]
    list_filter = ["block", "state"]
    search_fields = ["name", "decision_number"]
    list_select_related = ["block"]
    actions = ["activate", "back_to_draft", "archive", "copy_as_new_version"]
    readonly_fields = ["state", "version", "copied_from", "totals"]
    fieldsets = (
        (None, {"fields": ("block", "name", "decision_number", "decision_date", "first_year", "last_year")}),
        (_("State"), {"fields": ("state", "version", "copied_from", "totals")}),
    )
    change_form_template = "admin/assessment/framework/change_form.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                scored_points=Sum("criteria__max_points", filter=Q(criteria__method__in=SCORED_METHODS)),
                leaf_count=Count("criteria", filter=~Q(criteria__method="")),
            )
        )

    def has_change_permission(self, request, obj=None):
        # Only drafts change; an active framework is fixed (copy it as a new version to change it).
        if obj is not None and obj.state != FrameworkState.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (obj.state != FrameworkState.DRAFT or framework_is_in_use(obj)):
            return False
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["state", "version", "copied_from"]
        return self.readonly_fields

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.fieldsets[:1]
        return self.fieldsets

    @admin.display(description=_("decision"))
    def decision(self, obj):
        if obj.decision_date:
            return f"{obj.decision_number} ({obj.decision_date:%d/%m/%Y})"
        return obj.decision_number

    @admin.display(description=_("years"))
    def years(self, obj):
        return f"{obj.first_year}–{obj.last_year or ''}"

    @admin.display(description=_("points"), ordering="scored_points")
    def scale(self, obj):
        return compact(obj.scored_points or 0)

    @admin.display(description=_("scored criteria"), ordering="leaf_count")
    def criteria_count(self, obj):
        return obj.leaf_count

    @admin.display(description=_("points of the framework"))
    def totals(self, obj):
        if obj is None or obj.pk is None:
            return ""
        totals = framework_totals(obj)
        return format_html(
            '<span data-testid="framework-totals">{}</span>',
            gettext(
                "%(appraisal)s appraisal + %(survey)s survey = %(total)s points; bonus up to %(bonus)s, "
                "penalty up to %(penalty)s; %(leaves)s scored criteria."
            )
            % {
                "appraisal": compact(totals.appraisal),
                "survey": compact(totals.survey),
                "total": compact(totals.total),
                "bonus": compact(totals.bonus),
                "penalty": compact(totals.penalty),
                "leaves": totals.leaves,
            },
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        framework = self.get_object(request, object_id)
        if framework is not None:
            extra_context = {
                **(extra_context or {}),
                "criteria": framework_tree(framework),
                "import_url": reverse("admin:assessment_criterion_import") + f"?framework={framework.pk}",
                "editable": framework.state == FrameworkState.DRAFT and self.has_change_permission(request, framework),
                "export_xlsx": reverse("admin:assessment_framework_export", args=[framework.pk, "xlsx"]),
                "export_csv": reverse("admin:assessment_framework_export", args=[framework.pk, "csv"]),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        framework_save(framework=obj, actor=request.user)

    def delete_model(self, request, obj):
        framework_delete(framework=obj, actor=request.user)

    @transaction.atomic  # all or none of the selection
    def delete_queryset(self, request, queryset):
        for framework in queryset:
            framework_delete(framework=framework, actor=request.user)

    # -- actions ------------------------------------------------------------------------------------

    @admin.action(description=_("Activate (check the whole tree)"), permissions=["change_state"])
    def activate(self, request, queryset):
        _report(
            self,
            request,
            lambda f: framework_activate(framework=f, actor=request.user),
            queryset,
            gettext("“%(object)s” is active."),
        )

    @admin.action(description=_("Back to draft (only if no period uses it)"), permissions=["change_state"])
    def back_to_draft(self, request, queryset):
        _report(
            self,
            request,
            lambda f: framework_back_to_draft(framework=f, actor=request.user),
            queryset,
            gettext("“%(object)s” is a draft again."),
        )

    @admin.action(description=_("Archive"), permissions=["change_state"])
    def archive(self, request, queryset):
        _report(
            self,
            request,
            lambda f: framework_archive(framework=f, actor=request.user),
            queryset,
            gettext("“%(object)s” is archived."),
        )

    @admin.action(description=_("Copy as a new version (an editable draft)"), permissions=["add"])
    def copy_as_new_version(self, request, queryset):
        _report(
            self,
            request,
            lambda f: framework_copy(framework=f, actor=request.user),
            queryset,
            gettext("A new draft version of “%(object)s” was made."),
        )

    def has_change_state_permission(self, request):
        return request.user.has_perm("assessment.change_framework")

    # -- export ------------------------------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "<int:pk>/export/<str:file_format>/",
                self.admin_site.admin_view(self.export_view),
                name="assessment_framework_export",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request, pk, file_format):
        if not self.has_view_permission(request):
            raise PermissionDenied
        framework = get_object_or_404(self.get_queryset(request), pk=pk)
        formats = {"xlsx": XLSXExport, "csv": CSVExport}
        if file_format not in formats:
            raise PermissionDenied
        exporter = formats[file_format]()
        dataset = CriterionResource(framework).export(
            Criterion.objects.filter(framework=framework).select_related("appraising_agency").order_by("order", "id"),
            force_native_type=file_format == "xlsx",
        )
        # Excel opens UTF-8 CSV correctly with a BOM
        content = exporter.export_data(dataset, bom=True) if file_format == "csv" else exporter.export_data(dataset)
        response = HttpResponse(content, content_type=exporter.get_content_type())
        filename = f"{slugify(framework.name) or 'bo-chi-so'}-v{framework.version}.{file_format}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class CriterionImportForm(TableImportForm):
    framework = forms.ModelChoiceField(
        queryset=Framework.objects.filter(state=FrameworkState.DRAFT).select_related("block"),
        label=_("Framework (draft)"),
        help_text=_("The file replaces the criteria of this framework; rows missing from the file are removed."),
    )
    field_order = ["framework", "resource", "import_file", "format"]


class CriterionConfirmImportForm(ConfirmImportForm):
    framework = forms.ModelChoiceField(
        queryset=Framework.objects.filter(state=FrameworkState.DRAFT), widget=forms.HiddenInput
    )


@admin.register(Criterion)
class CriterionAdmin(TableImportExportAdmin):
    resource_classes = [CriterionResource]
    import_form_class = CriterionImportForm
    confirm_form_class = CriterionConfirmImportForm
    list_display = ["indented_code", "title", "max_points", "method", "rule", "allows_na", "appraising_agency"]
    list_filter = ["framework", "method", "rule", "appraising_agency"]
    search_fields = ["code", "title"]
    list_select_related = ["framework", "appraising_agency"]
    ordering = ["framework", "order", "id"]
    autocomplete_fields = ["appraising_agency"]
    fields = ["framework", *CRITERION_FIELDS]
    list_per_page = 200

    @admin.display(description=_("code"), ordering="order")
    def indented_code(self, obj):
        return format_html('<span style="padding-left:{}em">{}</span>', obj.depth * 1.5, obj.code)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.framework.state != FrameworkState.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.framework.state != FrameworkState.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "framework":
            kwargs["queryset"] = Framework.objects.filter(state=FrameworkState.DRAFT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        criterion_save(criterion=obj, actor=request.user)

    def delete_model(self, request, obj):
        criterion_delete(criterion=obj, actor=request.user)

    @transaction.atomic  # all or none of the selection
    def delete_queryset(self, request, queryset):
        for criterion in queryset.order_by("-order"):
            if Criterion.objects.filter(pk=criterion.pk).exists():  # not already removed with its parent
                criterion_delete(criterion=criterion, actor=request.user)

    # -- import into one framework ------------------------------------------------------------------

    def get_import_form_initial(self, request):
        initial = super().get_import_form_initial(request)
        if request.GET.get("framework"):
            initial["framework"] = request.GET["framework"]
        return initial

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["framework"] = import_form.cleaned_data["framework"].pk
        return initial

    def get_import_resource_kwargs(self, request, **kwargs):
        resource_kwargs = super().get_import_resource_kwargs(request, **kwargs)
        form = kwargs.get("form")
        if form is not None and getattr(form, "cleaned_data", None) and form.cleaned_data.get("framework"):
            resource_kwargs["framework"] = form.cleaned_data["framework"]
        return resource_kwargs

    def process_result(self, result, request):
        response = super().process_result(result, request)
        if not getattr(result, "problems", []):
            framework = getattr(result, "framework", None)
            if framework is not None:
                return redirect("admin:assessment_framework_change", framework.pk)
        return response


class PeriodBlockInline(admin.TabularInline):
    model = PeriodBlock
    extra = 0
    fields = ["block", "framework"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "framework":
            kwargs["queryset"] = Framework.objects.filter(state=FrameworkState.ACTIVE).select_related("block")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        # Once the period is open, its assessments keep the framework they were opened with.
        if obj is not None and obj.opened_at:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.opened_at:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    change_form_template = "admin/assessment/period/change_form.html"
    inlines = [PeriodBlockInline]
    list_display = [
        "year",
        "name",
        "self_assessment_opens",
        "self_assessment_closes",
        "appraisal_closes",
        "explanation_closes",
        "publication_date",
        "participants",
        "opened_at",
    ]
    readonly_fields = ["opened_at", "progress", "results"]
    actions = ["open_period"]
    fieldsets = (
        (None, {"fields": ("year", "name")}),
        (
            _("Calendar"),
            {
                "fields": (
                    ("self_assessment_opens", "self_assessment_closes"),
                    "appraisal_closes",
                    ("explanation_opens", "explanation_closes"),
                    "council_date",
                    "publication_date",
                )
            },
        ),
        (_("Progress"), {"fields": ("opened_at", "progress")}),
        (_("Results"), {"fields": ("results",)}),
    )

    def get_urls(self):
        from assessment.admin.insights import council_urls, insights_urls
        from assessment.admin.results import results_urls

        return [*results_urls(self), *insights_urls(self), *council_urls(self), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_see_results": reads_provisional_results(request.user),
            "can_see_accuracy": reads_accuracy(request.user),
            "can_see_council": reads_council_review(request.user),
            "can_see_plans": reads_improvement_progress(request.user),
            "can_publish": may_publish(request.user),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        pass  # saved with its blocks, by one service, in save_related

    def save_related(self, request, form, formsets, change):
        blocks = None
        for formset in formsets:
            if formset.model is PeriodBlock:
                formset.save(commit=False)  # writes nothing; fills the lists the admin's change message reads
                blocks = [
                    (row.instance.block_id, row.instance.framework_id)
                    for row in formset.forms
                    if (row.instance.pk or row.has_changed()) and not formset._should_delete_form(row)
                ]
        period_save(period=form.instance, blocks=blocks, actor=request.user)
        form.save_m2m()

    @admin.display(description=_("publications"))
    def results(self, obj):
        if obj is None or obj.pk is None:
            return ""
        return render_to_string(
            "admin/assessment/period/publications.html",
            {"period": obj, "publications": list(obj.publications.select_related("published_by").order_by("version"))},
        )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(assessment_count=Count("assessments"))

    @admin.display(description=_("units"), ordering="assessment_count")
    def participants(self, obj):
        url = reverse("admin:assessment_assessment_changelist") + f"?period__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj.assessment_count)

    @admin.display(description=_("assessments by status"))
    def progress(self, obj):
        if obj is None or obj.pk is None:
            return ""
        counts = period_progress(obj)
        base = reverse("admin:assessment_assessment_changelist") + f"?period__id__exact={obj.pk}"
        return render_to_string(
            "admin/assessment/period/progress.html",
            {
                "rows": [
                    (label, counts[status], f"{base}&status__exact={status}")
                    for status, label in Assessment.Status.choices
                ],
                "total": sum(counts.values()),
                "all_url": base,
            },
        )

    @admin.action(
        description=_("Open the period: create the assessments of the participating units"), permissions=["change"]
    )
    def open_period(self, request, queryset):
        for period in queryset:
            try:
                result = period_open(period=period, actor=request.user)
            except ValidationError as exc:
                for message in exc.messages:
                    self.message_user(request, f"{period}: {message}", messages.ERROR)
                continue
            self.message_user(
                request,
                gettext("%(period)s: %(new)s new assessments, %(scores)s new score rows; %(total)s units take part.")
                % {
                    "period": period,
                    "new": result.assessments_created,
                    "scores": result.scores_created,
                    "total": result.assessments_total,
                },
                messages.SUCCESS,
            )
