"""The grading queue: one criterion across all units, graded in the list; grades in and out of spreadsheets."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Prefetch, Q
from django.forms.models import BaseModelFormSet
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import Unit
from assessment.admin.imports import PeriodImportMixin
from assessment.exceptions import Conflict, ConflictError, ScoreErrors
from assessment.formatting import compact, signed
from assessment.models import Criterion, Evidence, FrameworkState, Score
from assessment.policy import COUNCIL, ROUND_1, ROUND_2, appraisal_round, explained_filter, grade_refusal
from assessment.resources import GradeResource
from assessment.selectors.appraisal import scores_for_appraisal
from assessment.selectors.insights import unit_gap_the_year_before
from assessment.services import GradeInput, scores_grade
from assessment.services.appraisal import grade_problems
from cchc.admin import TableImportExportAdmin


class FieldFilter(admin.SimpleListFilter):
    title = _("field")
    parameter_name = "field"

    def lookups(self, request, model_admin):
        fields = Criterion.objects.filter(parent__isnull=True, framework__state=FrameworkState.ACTIVE).values_list(
            "code", "title"
        )
        seen = {}
        for code, title in fields.order_by("code"):
            seen.setdefault(code, f"{code}. {title}")
        return sorted(seen.items(), key=lambda item: int(item[0]) if item[0].isdigit() else 0)

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(Q(criterion__code=self.value()) | Q(criterion__code__startswith=f"{self.value()}."))
        return queryset


class UnitFilter(admin.SimpleListFilter):
    """Units of the chosen block (a national list of 5,000 units is searched, not scrolled)."""

    title = _("unit")
    parameter_name = "unit"

    def lookups(self, request, model_admin):
        block = request.GET.get("assessment__unit__block__id__exact")
        if not block:
            return []
        return [(unit.pk, unit.name) for unit in Unit.objects.filter(block_id=block)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(assessment__unit_id=self.value())
        return queryset


class GradingStateFilter(admin.SimpleListFilter):
    title = _("grading state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("ungraded", _("Ungraded")),
            ("graded", _("Graded")),
            ("explained", _("Explained")),
            ("regraded", _("Regraded")),
        ]

    def queryset(self, request, queryset):
        graded = Q(appraised_points__isnull=False) | Q(na_confirmed__isnull=False)
        value = self.value()
        if value == "ungraded":
            return queryset.exclude(graded)
        if value == "graded":
            return queryset.filter(graded)
        if value == "explained":
            return queryset.filter(explained=True)
        if value == "regraded":
            return queryset.filter(reappraised_points__isnull=False)
        return queryset


class QueueForm(forms.ModelForm):
    """One row of the queue: only the current round's grade, only where the user may grade, version-checked."""

    user = None  # set per request by the admin

    class Meta:
        model = Score
        fields = [
            "appraised_points",
            "appraised_comment",
            "na_confirmed",
            "reappraised_points",
            "reappraised_comment",
            "version",
        ]
        widgets = {
            "appraised_comment": forms.TextInput(attrs={"size": 24}),
            "reappraised_comment": forms.TextInput(attrs={"size": 24}),
            "appraised_points": forms.TextInput(attrs={"size": 5, "inputmode": "decimal"}),
            "reappraised_points": forms.TextInput(attrs={"size": 5, "inputmode": "decimal"}),
            "version": forms.HiddenInput,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("appraised_points", "reappraised_points"):
            self.fields[name].localize = True
            self.fields[name].widget.is_localized = True
        score = self.instance
        self.round = appraisal_round(score.assessment) if score.pk else None
        self.refusal = grade_refusal(self.user, score, self.round) if score.pk else None
        writable = set()
        if self.refusal is None and self.round == ROUND_1:
            writable = {"appraised_points", "appraised_comment", "na_confirmed"}
        elif self.refusal is None and self.round == ROUND_2:
            writable = {"reappraised_points", "reappraised_comment", "na_confirmed"}
        if not score.is_na:
            writable.discard("na_confirmed")
        for name, field in self.fields.items():
            if name != "version" and name not in writable:
                field.disabled = True
            if name != "version" and score.pk:  # the column's header, with the row it is in, for screen readers
                label = f"{capfirst(field.label)} – {score.assessment.unit.name}, {score.criterion.code}"
                field.widget.attrs["aria-label"] = label

    def has_changed(self):
        """What the user typed differs from what the page showed (the row at the posted version), not from the row
        as saved now: a row someone else graded after the page was opened, left untouched, is no change."""
        if not hasattr(self, "_typed"):
            names = [name for name in self.changed_data if name != "version"]
            shown = self.shown() if names else None
            if shown is not None:
                names = [name for name in names if self.fields[name].has_changed(getattr(shown, name), self[name].data)]
            self._typed = bool(names)
        return self._typed

    def shown(self):
        """The row as the page showed it, from its history; None when the page showed the row as saved now."""
        try:
            posted = int(self["version"].data)
        except (TypeError, ValueError):
            return None
        if posted == self.instance.version or self.instance.pk is None:
            return None
        record = (
            Score.history.filter(id=self.instance.pk, version=posted).order_by("-history_date", "-history_id").first()
        )
        return record if record is not None or posted else Score()  # version 0: as created, nothing graded

    def clean(self):
        data = super().clean()
        self.conflict = None
        if not self.has_changed():
            return data
        if self.instance.pk is None:  # a row the user may not see: the list only edits the rows it shows
            raise ValidationError(gettext("These criteria do not exist."))
        if self.refusal:
            raise ValidationError(self.refusal)
        current = Score.objects.select_related("criterion", "updated_by", "assessment__unit").get(pk=self.instance.pk)
        if data.get("version") != current.version:
            self.conflict = Conflict.of(current)
            raise ValidationError([self.conflict.message, saved_grade(current, self.round)])
        self.add_problems(grade_problems(self.instance, self.round, self.grade_input(data)))
        return data

    def add_problems(self, problems: dict[str, list[str]]) -> None:
        """The service's per-field problems (points, comment, N/A) on this row's fields."""
        for key, messages_ in problems.items():
            name = {
                "points": "appraised_points" if self.round == ROUND_1 else "reappraised_points",
                "comment": "appraised_comment" if self.round == ROUND_1 else "reappraised_comment",
            }.get(key, key)
            for message in messages_:
                self.add_error(name if name in self.fields else None, message)

    def grade_input(self, data) -> GradeInput:
        prefix = "appraised" if self.round == ROUND_1 else "reappraised"
        return GradeInput(
            score_id=self.instance.pk,
            version=data.get("version"),
            points=data.get(f"{prefix}_points"),
            comment=data.get(f"{prefix}_comment") or "",
            na_confirmed=data.get("na_confirmed", self.instance.na_confirmed),
        )


def saved_grade(score: Score, round_: str | None) -> str:
    """The grade stored now for the round, as the row shows it beside a conflict."""
    if round_ == ROUND_2:
        points, comment = score.reappraised_points, score.reappraised_comment
    elif round_ == COUNCIL:
        points, comment = score.council_points, score.council_reason
    else:
        points, comment = score.appraised_points, score.appraised_comment
    if points is not None:
        shown = number_format(points, 2)
    elif score.na_confirmed and round_ != COUNCIL:
        shown = gettext("N/A confirmed")
    else:
        shown = "—"
    if comment:
        return gettext("Saved grade: %(points)s (“%(comment)s”).") % {"points": shown, "comment": comment}
    return gettext("Saved grade: %(points)s.") % {"points": shown}


class QueueFormSet(BaseModelFormSet):
    """The page's changed rows go to the service in one call while validating: all saved, or none and the rows marked.

    Saving here rather than row by row in ``save_model`` lets a refusal of the service (a grade saved by someone
    else between the form's version check and the save) come back as a form error on its row, with the page
    re-displayed and no success message, instead of an error beside Django's "changed successfully".
    """

    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            self.rebase([form.conflict for form in self.forms if getattr(form, "conflict", None)])
            raise ValidationError(NOTHING_SAVED)
        changed = {form.instance.pk: form for form in self.forms if form.instance.pk and form.has_changed()}
        if not changed:
            return
        user = next(iter(changed.values())).user
        try:
            scores_grade(actor=user, rows=[form.grade_input(form.cleaned_data) for form in changed.values()])
        except ConflictError as error:
            current = Score.objects.in_bulk([conflict.score_id for conflict in error.conflicts])
            for conflict in error.conflicts:
                form = changed[conflict.score_id]
                form.add_error(None, conflict.message)
                form.add_error(None, saved_grade(current[conflict.score_id], form.round))
            self.rebase(error.conflicts)
            raise ValidationError(NOTHING_SAVED) from error
        except ScoreErrors as error:
            for score_id, problems in error.by_score.items():
                changed[score_id].add_problems(problems)
            raise ValidationError(NOTHING_SAVED) from error
        except PermissionDenied as error:
            raise ValidationError([str(error), NOTHING_SAVED]) from error

    def rebase(self, conflicts) -> None:
        """The refused rows carry the version saved now: saving them again is a deliberate overwrite."""
        if not conflicts:
            return
        versions = dict(Score.objects.filter(pk__in=[c.score_id for c in conflicts]).values_list("pk", "version"))
        data = self.data.copy()
        for form in self.forms:
            if form.instance.pk in versions:
                data[form.add_prefix("version")] = str(versions[form.instance.pk])
        self.data = data
        for form in self.forms:
            form.data = data


NOTHING_SAVED = _(
    "Nothing was saved: the marked rows were refused, so the other changes of this list were not saved either. "
    "Check the marked rows and save again."
)


@admin.register(Score)
class ScoreAdmin(PeriodImportMixin, TableImportExportAdmin, SimpleHistoryAdmin):
    resource_classes = [GradeResource]
    list_display = [
        "unit",
        "code",
        "title",
        "self_assessment",
        "evidence_links",
        "explanation_short",
        "appraised_points",
        "appraised_comment",
        "na_confirmed",
        "reappraised_points",
        "reappraised_comment",
        "council_points",
        "version",
    ]
    list_display_links = None
    list_editable = [
        "appraised_points",
        "appraised_comment",
        "na_confirmed",
        "reappraised_points",
        "reappraised_comment",
        "version",
    ]
    list_filter = [
        ("assessment__period", admin.RelatedOnlyFieldListFilter),
        ("assessment__unit__block", admin.RelatedOnlyFieldListFilter),
        UnitFilter,
        FieldFilter,
        ("agency", admin.RelatedOnlyFieldListFilter),
        GradingStateFilter,
    ]
    search_fields = ["assessment__unit__name", "assessment__unit__code", "criterion__code", "criterion__title"]
    list_per_page = 50
    change_list_template = "admin/assessment/score/change_list.html"
    ordering = ["assessment__unit__block__order", "assessment__unit__code", "criterion__order"]
    history_list_display = ["appraised_points", "reappraised_points", "council_points", "self_points", "is_na"]

    class Media:
        css = {"all": ["css/admin-queue.css"]}

    def get_queryset(self, request):
        return (
            scores_for_appraisal(request.user)
            .select_related("assessment__unit__block", "assessment__period", "criterion", "agency")
            .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.select_related("document")))
            .annotate(explained=explained_filter(), gap_before=unit_gap_the_year_before())
        )

    # "Largest gap first": the units whose self scores were furthest above their final scores the year before
    # come first, so appraisers start where the claims were least reliable. A link above the list switches it
    # (?order=gap or ?order=usual); the choice stays in the session, so paging and filtering keep it.
    GAP_ORDER, SESSION_KEY = "gap", "queue_order"

    def changelist_view(self, request, extra_context=None):
        request.GET = request.GET.copy()
        chosen = request.GET.pop("order", [None])[0]
        if chosen is not None:
            request.session[self.SESSION_KEY] = chosen
        request.queue_by_gap = request.session.get(self.SESSION_KEY) == self.GAP_ORDER
        extra_context = {**(extra_context or {}), "queue_by_gap": request.queue_by_gap}
        return super().changelist_view(request, extra_context)

    def get_ordering(self, request):
        if getattr(request, "queue_by_gap", False):
            return [F("gap_before").desc(nulls_last=True), *self.ordering]
        return super().get_ordering(request)

    def get_export_queryset(self, request):
        return super().get_export_queryset(request)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_import_permission(self, request):
        return self.has_change_permission(request)

    def get_changelist_form(self, request, **kwargs):
        return type("QueueFormForUser", (QueueForm,), {"user": request.user})

    def _visible_or_404(self, request, object_id):
        # The history pages would otherwise fall back on the history of rows the user may not see.
        if not self.get_queryset(request).filter(pk=object_id).exists():
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        score = self.get_queryset(request).filter(pk=object_id).first()
        if score is None:
            raise PermissionDenied
        url = reverse("admin:assessment_assessment_grade", args=[score.assessment_id])
        return redirect(f"{url}#leaf-{score.criterion.code}")

    def get_changelist_formset(self, request, **kwargs):
        return super().get_changelist_formset(request, formset=QueueFormSet, **kwargs)

    def save_model(self, request, obj, form, change):
        """Nothing to do: ``QueueFormSet`` saved the page's rows through the service (all or none) when validating."""

    def log_change(self, request, obj, message):
        return None  # the audit trail records the grade itself, with its history

    # -- columns ------------------------------------------------------------------------------------------

    @admin.display(description=_("unit"), ordering="assessment__unit__code")
    def unit(self, obj):
        if obj.gap_before is None:
            return obj.assessment.unit
        return format_html(
            '{}<div class="queue-note" title="{}">{}</div>',
            obj.assessment.unit,
            gettext("Self scores minus final scores of the unit, the year before"),
            gettext("Gap the year before: %(gap)s") % {"gap": signed(obj.gap_before)},
        )

    @admin.display(description=_("code"), ordering="criterion__order")
    def code(self, obj):
        url = reverse("admin:assessment_assessment_grade", args=[obj.assessment_id])
        return format_html('<a href="{}#leaf-{}">{}</a>', url, obj.criterion.code, obj.criterion.code)

    @admin.display(description=_("criterion"))
    def title(self, obj):
        return _shortened(obj.criterion.title, 70)

    @admin.display(description=_("self score"))
    def self_assessment(self, obj):
        if obj.is_na:
            return format_html("<strong>{}</strong>: {}", gettext("N/A"), _shortened(obj.na_reason, 60))
        if obj.self_points is None:
            return "—"
        return format_html("{} / {}", number_format(obj.self_points, 2), compact(obj.max_points))

    @admin.display(description=_("evidence and notes"))
    def evidence_links(self, obj):
        """The evidence, the unit's reason for having none and its notes (each shortened, the rest on demand)."""
        links = format_html_join(
            " ",
            '<a href="{}">{}</a>',
            (
                (
                    reverse("assessment:document-download", args=[item.document_id]),
                    item.document.number or item.document.original_name,
                )
                for item in obj.evidence.all()
            ),
        )
        parts = [links] if links else []
        for label, text in (
            (gettext("Reason for no evidence"), obj.no_evidence_reason),
            (gettext("Note"), obj.note),
        ):
            if text:
                parts.append(
                    format_html('<div class="queue-note"><strong>{}:</strong> {}</div>', label, _shortened(text, 60))
                )
        return format_html_join("", "{}", ((part,) for part in parts)) if parts else "—"

    @admin.display(description=_("explanation"))
    def explanation_short(self, obj):
        return _shortened(obj.explanation, 60) if obj.explanation else ("✓" if obj.explained else "")


def _shortened(text: str, length: int):
    """A long text cut on a word, the whole text one click (or Enter) away; a short one as it is."""
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    short = text[:length].rsplit(" ", 1)[0].rstrip(",;:.") + "…"
    return format_html('<details class="queue-more"><summary title="{}">{}</summary>{}</details>', text, short, text)
