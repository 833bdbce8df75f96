"""The insights a unit gets in its portal beyond its scores: "what if" it had not lost some criteria's points, and
its improvement plan followed to the end."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from assessment.models import Document, PlanStatus
from assessment.policy import may_plan_improvements, may_see_what_if
from assessment.selectors.insights import improvement_items, published_others, what_if
from assessment.selectors.portal import unit_assessments, unit_documents
from assessment.selectors.results import lost_points, unit_published_result
from assessment.services.plans import improvement_item_save
from assessment.services.results import provisional_results


def _provisional_others(assessment) -> list:
    """The other units' shown indices in the unit's block, from the current grades (during the explanation)."""
    for block_rows in provisional_results(assessment.period):
        ids = [row.assessment_id for row in block_rows.units]
        if assessment.pk in ids:
            return [row.result.shown_index for row in block_rows.units if row.assessment_id != assessment.pk]
    return []


def assessment_what_if(request, pk):
    """What if: the unit ticks criteria where it lost points and sees its index and the rank it would hold in its
    block; computed by the scoring rules from the published figures (or the current grades while it explains).
    A GET form: nothing is saved, the published figures never change."""
    assessment = unit_assessments(request.user).filter(pk=pk).first()
    if assessment is None:
        raise Http404
    result = unit_published_result(assessment)
    if not may_see_what_if(request.user, assessment, published=result is not None):
        raise Http404
    others = published_others(result) if result is not None else _provisional_others(assessment)
    fixed = {code.strip() for code in request.GET.getlist("fix") if code.strip()}
    figures = what_if(assessment, fixed, others)
    return render(
        request,
        "assessment/assessment_what_if.html",
        {"assessment": assessment, "result": result, "what": figures, "asked": bool(fixed)},
    )


# -- the improvement plan in the portal ---------------------------------------------------------------------------


class ImprovementItemForm(forms.Form):
    cause = forms.CharField(label=_("Cause"), widget=forms.Textarea(attrs={"rows": 2}))
    action = forms.CharField(label=_("What will be done"), widget=forms.Textarea(attrs={"rows": 2}))
    lead = forms.CharField(label=_("Who leads"), max_length=200)
    starts = forms.DateField(label=_("Start date"), widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}))
    due = forms.DateField(label=_("By"), widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}))
    status = forms.ChoiceField(label=_("Status"), choices=PlanStatus.choices)
    evidence = forms.ModelChoiceField(
        label=_("Evidence of completion"),
        queryset=Document.objects.none(),
        required=False,
        help_text=_("A document of the unit's library (upload it with any criterion's evidence first)."),
    )

    def __init__(self, *args, unit_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = unit_documents(unit_id)


def _plan_assessment(request, pk):
    assessment = unit_assessments(request.user).filter(pk=pk).first()
    if assessment is None:
        raise Http404
    published = unit_published_result(assessment) is not None
    if not may_plan_improvements(request.user, assessment, published=published):
        raise Http404
    return assessment


def assessment_plan(request, pk):
    """The unit's improvement plan: each criterion where it lost points, with its planned fix and status."""
    assessment = _plan_assessment(request, pk)
    items = {item.criterion.code: item for item in improvement_items(assessment)}
    lost = {}
    for row in lost_points(assessment):
        lost.setdefault(row.code, row)  # a penalty leaf with several entries is one criterion to fix
    rows = [(row, items.get(code)) for code, row in lost.items()]
    return render(request, "assessment/assessment_plan.html", {"assessment": assessment, "rows": rows})


def assessment_plan_item(request, pk, code):
    """Plan (or update) the fix of one criterion where the unit lost points."""
    assessment = _plan_assessment(request, pk)
    lost = next((row for row in lost_points(assessment) if row.code == code), None)
    if lost is None:
        raise Http404
    item = next((item for item in improvement_items(assessment) if item.criterion.code == code), None)
    initial = {"status": PlanStatus.PLANNED}
    if item is not None:
        initial = {
            "cause": item.cause,
            "action": item.action,
            "lead": item.lead,
            "starts": item.starts,
            "due": item.due,
            "status": item.status,
            "evidence": item.evidence_id,
        }
    form = ImprovementItemForm(request.POST or None, initial=initial, unit_id=assessment.unit_id)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        evidence = data.pop("evidence")
        try:
            improvement_item_save(
                assessment=assessment,
                code=code,
                actor=request.user,
                evidence_id=evidence.pk if evidence else None,
                **data,
            )
        except ValidationError as error:
            for field, messages_ in (
                error.message_dict.items() if hasattr(error, "error_dict") else [(None, error.messages)]
            ):
                for message in messages_:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("The plan for criterion %(code)s is saved.") % {"code": code})
            return redirect("assessment:assessment-plan", assessment.pk)
    return render(
        request,
        "assessment/assessment_plan_item.html",
        {"assessment": assessment, "lost": lost, "item": item, "form": form},
    )
