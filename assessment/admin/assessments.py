"""One unit's assessment in the admin: the grading page, the rounds (Home Affairs), the audit trail."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assessment.admin.scores import saved_grade
from assessment.admin.signatures import SignatureStatusFilter
from assessment.exceptions import ConflictError, ScoreErrors
from assessment.forms import fingerprint
from assessment.models import Assessment, Method, Score
from assessment.policy import COUNCIL, ROUND_1, ROUND_2, appraisal_round, grade_refusal, may_manage_rounds
from assessment.selectors.appraisal import grading_rows
from assessment.selectors.audit import assessment_audit
from assessment.selectors.signatures import report_signature_display
from assessment.selectors.visibility import assessments_visible_to
from assessment.services import (
    GradeInput,
    assessment_approve,
    assessment_finish_round_two,
    assessment_reopen,
    assessment_return,
    period_open,
    scores_grade,
)

ROUND_FIELDS = {
    ROUND_1: ("appraised_points", "appraised_comment"),
    ROUND_2: ("reappraised_points", "reappraised_comment"),
    COUNCIL: ("council_points", "council_reason"),
}
ROUND_LABELS = {ROUND_1: _("Round 1"), ROUND_2: _("Round 2 (explained criteria)"), COUNCIL: _("Council")}


class GradeForm(forms.Form):
    """One leaf's grade in the current round; the fingerprint tells which leaves the grader really changed."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    seen = forms.CharField(required=False, widget=forms.HiddenInput)
    points = forms.DecimalField(
        label=_("Score"),
        required=False,
        max_digits=7,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"size": 5, "inputmode": "decimal"}),
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 28}))
    na_confirmed = forms.NullBooleanField(
        label=_("N/A confirmed"),
        required=False,
        widget=forms.Select(choices=[("unknown", "—"), ("true", _("Yes")), ("false", _("No"))]),
    )

    def __init__(self, *args, score, round_, **kwargs):
        self.score, self.round = score, round_
        points_field, comment_field = ROUND_FIELDS[round_]
        initial = {
            "version": score.version,
            "points": getattr(score, points_field),
            "comment": getattr(score, comment_field),
            "na_confirmed": score.na_confirmed,
        }
        initial["seen"] = fingerprint(initial["points"], initial["comment"], initial["na_confirmed"])
        super().__init__(*args, prefix=f"g{score.pk}", initial=initial, **kwargs)
        if not score.is_na or round_ == COUNCIL:
            del self.fields["na_confirmed"]
        for name in ("points", "comment"):  # the column's header is the visible label; this names the leaf too
            self.fields[name].widget.attrs["aria-label"] = f"{self.fields[name].label} – {score.criterion.code}"

    def has_changed(self):
        data = getattr(self, "cleaned_data", {})
        now = fingerprint(data.get("points"), data.get("comment"), data.get("na_confirmed", self.score.na_confirmed))
        return self.is_bound and now != self.data.get(self.add_prefix("seen"))

    def to_input(self) -> GradeInput:
        data = self.cleaned_data
        return GradeInput(
            score_id=self.score.pk,
            version=data["version"],
            points=data.get("points"),
            comment=data.get("comment") or "",
            na_confirmed=data.get("na_confirmed", self.score.na_confirmed),
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))


class ApproveForm(forms.Form):
    decision_number = forms.CharField(label=_("Council decision number"), max_length=100)
    decision_date = forms.DateField(
        label=_("Council decision date"), widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"})
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))
    until = forms.DateField(
        label=_("Self-assessment open until"), widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"})
    )


# name → (label, form, service call)
ROUND_ACTIONS = {
    "return": (
        _("Return to the unit for explanation"),
        ReasonForm,
        lambda assessment, actor, data: assessment_return(assessment=assessment, actor=actor, reason=data["reason"]),
    ),
    "round2": (
        _("Close round 2"),
        ReasonForm,
        lambda assessment, actor, data: assessment_finish_round_two(
            assessment=assessment, actor=actor, reason=data["reason"]
        ),
    ),
    "approve": (
        _("Approve with the council's decision"),
        ApproveForm,
        lambda assessment, actor, data: assessment_approve(
            assessment=assessment,
            actor=actor,
            decision_number=data["decision_number"],
            decision_date=data["decision_date"],
        ),
    ),
    "reopen": (
        _("Reopen the self-assessment"),
        ReopenForm,
        lambda assessment, actor, data: assessment_reopen(
            assessment=assessment, actor=actor, reason=data["reason"], until=data["until"]
        ),
    ),
}
ACTIONS_BY_STATUS = {
    Assessment.Status.SUBMITTED: ["return", "reopen"],
    Assessment.Status.UNDER_APPRAISAL: ["return", "reopen"],
    Assessment.Status.RETURNED: ["round2", "reopen"],
    Assessment.Status.EXPLAINED: ["round2"],
    Assessment.Status.REAPPRAISED: ["approve"],
}


class AssessmentAddForm(forms.ModelForm):
    class Meta:
        model = Assessment
        fields = ["period", "unit"]

    def clean(self):
        cleaned = super().clean()
        period, unit = cleaned.get("period"), cleaned.get("unit")
        if period and unit and not period.blocks.filter(block_id=unit.block_id).exists():
            raise ValidationError(_("%(unit)s is not in a block of this period.") % {"unit": unit})
        return cleaned


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["unit", "block", "period", "status", "leaves", "submitted_at"]
    list_filter = ["period", "unit__block", "status", SignatureStatusFilter]
    search_fields = ["unit__name", "unit__code"]
    list_select_related = ["unit__block", "period", "framework"]
    autocomplete_fields = ["unit"]
    actions = ["return_for_explanation", "close_round_two", "approve"]

    def get_queryset(self, request):
        return assessments_visible_to(request.user).annotate(leaf_count=Count("scores"))

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = AssessmentAddForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return ["period", "unit"]

    def has_change_permission(self, request, obj=None):
        return False  # grades are written on the grading page, states change through the rounds

    def has_delete_permission(self, request, obj=None):
        return False

    def has_manage_permission(self, request):
        return may_manage_rounds(request.user)

    @admin.display(description=_("block"), ordering="unit__block__order")
    def block(self, obj):
        return obj.unit.block

    @admin.display(description=_("scored criteria"), ordering="leaf_count")
    def leaves(self, obj):
        return obj.leaf_count

    def save_model(self, request, obj, form, change):
        # Adding a unit to an open period is opening it for that unit: same rows, same checks.
        result = period_open(period=obj.period, units=[obj.unit], actor=request.user)
        created = Assessment.objects.get(period=obj.period, unit=obj.unit)
        obj.pk, obj.framework_id, obj.status = created.pk, created.framework_id, created.status
        self.message_user(
            request, gettext("%(count)s score rows created.") % {"count": result.scores_created}, messages.SUCCESS
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect("admin:assessment_assessment_grade", object_id)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/grade/", view(self.grade_view), name="assessment_assessment_grade"),
            path("<int:pk>/audit/", view(self.audit_view), name="assessment_assessment_audit"),
            path("<int:pk>/round/<str:action>/", view(self.round_view), name="assessment_assessment_round"),
            *super().get_urls(),
        ]

    def _get(self, request, pk) -> Assessment:
        if not self.has_view_permission(request):
            raise PermissionDenied
        assessment = self.get_queryset(request).filter(pk=pk).first()
        if assessment is None:
            raise Http404
        return assessment

    # -- the grading page -----------------------------------------------------------------------------

    def grade_view(self, request, pk):
        assessment = self._get(request, pk)
        round_ = appraisal_round(assessment)
        rows = grading_rows(assessment)
        forms_ = {}
        for criterion in rows:
            score = criterion.score
            if score is None or criterion.method != Method.APPRAISAL or round_ is None:
                continue
            criterion.refusal = grade_refusal(request.user, score, round_)
            if criterion.refusal is None and self.has_change_score(request):
                forms_[score.pk] = GradeForm(
                    request.POST if request.method == "POST" else None, score=score, round_=round_
                )
        status = 200
        if request.method == "POST":
            if not forms_:
                raise PermissionDenied
            if all(form.is_valid() for form in forms_.values()):
                changed = [form.to_input() for form in forms_.values() if form.has_changed()]
                try:
                    saved = scores_grade(actor=request.user, rows=changed)
                except ConflictError as conflict:
                    forms_ = self._rebased(request, forms_, conflict.conflicts, round_)
                    self.message_user(
                        request,
                        gettext(
                            "Nothing was saved: someone else graded %(codes)s meanwhile. "
                            "Their grade is shown in the marked rows; check it and save again."
                        )
                        % {"codes": ", ".join(c.code for c in conflict.conflicts)},
                        messages.ERROR,
                    )
                    status = 409
                except ScoreErrors as errors:
                    for score_id, fields in errors.by_score.items():
                        for name, problems in fields.items():
                            for problem in problems:
                                forms_[score_id].add_error(name if name in forms_[score_id].fields else None, problem)
                    self.message_user(request, gettext("Nothing was saved: correct the marked grades."), messages.ERROR)
                    status = 400
                else:
                    self.message_user(request, gettext("%(count)s grades saved.") % {"count": saved}, messages.SUCCESS)
                    return HttpResponseRedirect(request.path)
            else:
                self.message_user(request, gettext("Nothing was saved: correct the marked grades."), messages.ERROR)
                status = 400
        for criterion in rows:
            criterion.form = forms_.get(criterion.score.pk) if criterion.score else None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Appraisal of %(unit)s") % {"unit": assessment.unit},
            "assessment": assessment,
            "rows": rows,
            "round": round_,
            "round_label": ROUND_LABELS.get(round_),
            "editable": bool(forms_),
            "actions_available": [
                (name, ROUND_ACTIONS[name][0]) for name in ACTIONS_BY_STATUS.get(assessment.status, [])
            ]
            if self.has_manage_permission(request)
            else [],
            "queue_url": reverse("admin:assessment_score_changelist") + f"?assessment__id__exact={assessment.pk}",
            **report_signature_display(assessment),  # issue 15
        }
        return TemplateResponse(request, "admin/assessment/assessment/grade.html", context, status=status)

    def _rebased(self, request, forms_, conflicts, round_) -> dict:
        """The posted grades again, each refused row moved onto the saved one and marked with who saved it, when."""
        current = Score.objects.in_bulk([conflict.score_id for conflict in conflicts])
        data = request.POST.copy()
        for conflict in conflicts:
            fresh = GradeForm(score=current[conflict.score_id], round_=round_)
            data[fresh.add_prefix("version")] = str(fresh.initial["version"])
            data[fresh.add_prefix("seen")] = fresh.initial["seen"]
        rebased = {pk: GradeForm(data, score=form.score, round_=round_) for pk, form in forms_.items()}
        for form in rebased.values():
            form.is_valid()
        for conflict in conflicts:
            rebased[conflict.score_id].add_error(None, conflict.message)
            rebased[conflict.score_id].add_error(None, saved_grade(current[conflict.score_id], round_))
        return rebased

    def has_change_score(self, request) -> bool:
        return request.user.has_perm("assessment.change_score")

    # -- the rounds -------------------------------------------------------------------------------------

    def round_view(self, request, pk, action):
        assessment = self._get(request, pk)
        if action not in ROUND_ACTIONS or not self.has_manage_permission(request):
            raise PermissionDenied
        label, form_class, call = ROUND_ACTIONS[action]
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                call(assessment, request.user, form.cleaned_data)
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                self.message_user(
                    request,
                    gettext("%(unit)s: %(status)s.")
                    % {
                        "unit": assessment.unit,
                        "status": Assessment.objects.get(pk=assessment.pk).get_status_display(),
                    },
                    messages.SUCCESS,
                )
                return redirect("admin:assessment_assessment_grade", assessment.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": label,
            "assessments": [assessment],
            "form": form,
            "action": action,
        }
        return TemplateResponse(request, "admin/assessment/assessment/round.html", context)

    def _bulk(self, request, queryset, action):
        label, form_class, call = ROUND_ACTIONS[action]
        if "apply" in request.POST:
            form = form_class(request.POST)
            if form.is_valid():
                for assessment in queryset:
                    try:
                        call(assessment, request.user, form.cleaned_data)
                    except ValidationError as error:
                        for message in error.messages:
                            self.message_user(request, message, messages.ERROR)
                    else:
                        self.message_user(
                            request,
                            gettext("%(unit)s: %(status)s.")
                            % {
                                "unit": assessment.unit,
                                "status": Assessment.objects.get(pk=assessment.pk).get_status_display(),
                            },
                            messages.SUCCESS,
                        )
                return None
        else:
            form = form_class()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": label,
            "assessments": list(queryset),
            "form": form,
            "action": action,
            "bulk_action": request.POST.get("action"),
        }
        return TemplateResponse(request, "admin/assessment/assessment/round.html", context)

    @admin.action(description=_("Return to the unit for explanation"), permissions=["manage"])
    def return_for_explanation(self, request, queryset):
        return self._bulk(request, queryset, "return")

    @admin.action(description=_("Close round 2"), permissions=["manage"])
    def close_round_two(self, request, queryset):
        return self._bulk(request, queryset, "round2")

    @admin.action(description=_("Approve with the council's decision"), permissions=["manage"])
    def approve(self, request, queryset):
        return self._bulk(request, queryset, "approve")

    # -- the audit trail --------------------------------------------------------------------------------

    def audit_view(self, request, pk):
        """Every transition, every change of a score and every evidence added or removed, newest first."""
        assessment = self._get(request, pk)
        trail = assessment_audit(assessment)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Audit trail of %(unit)s") % {"unit": assessment.unit},
            "assessment": assessment,
            "events": trail.events,
            "changes": trail.changes,
            "evidence": trail.evidence,
            **report_signature_display(assessment),  # issue 15
        }
        return TemplateResponse(request, "admin/assessment/assessment/audit.html", context)
