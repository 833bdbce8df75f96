"""The insights a unit gets in its portal beyond its scores: "what if" it had not lost some criteria's points."""

from django.http import Http404
from django.shortcuts import render

from assessment.policy import may_see_what_if
from assessment.selectors.insights import published_others, what_if
from assessment.selectors.portal import unit_assessments
from assessment.selectors.results import unit_published_result
from assessment.services.results import period_results


def _provisional_others(assessment) -> list:
    """The other units' shown indices in the unit's block, from the current grades (during the explanation)."""
    for block_rows in period_results(assessment.period):
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
