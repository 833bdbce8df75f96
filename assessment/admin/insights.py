"""Home Affairs' and the council's insights on a period: how accurate each unit's self-assessment was, and how
consistently the agencies graded (the council's report, on the page and as XLSX)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assessment.exports import FORMATS, consistency_xlsx
from assessment.models import CouncilReview, Period
from assessment.policy import (
    council_answer_refusal,
    may_manage_council_review,
    reads_accuracy,
    reads_council_review,
    reads_improvement_progress,
)
from assessment.selectors.council import council_page
from assessment.selectors.insights import (
    ACCURACY_ORDERS,
    SHARP_DIFFERENCE,
    period_accuracy,
    period_consistency,
    period_plan_progress,
)
from assessment.selectors.visibility import results_visible_to
from assessment.services.council import council_answer, council_decide, council_review_open


def insights_urls(period_admin):
    """The accuracy table and the consistency report of a period, added to the period's admin."""
    view = period_admin.admin_site.admin_view

    def accuracy(request, pk):
        if not reads_accuracy(request.user):
            raise PermissionDenied
        period = get_object_or_404(results_visible_to(request.user), pk=pk)
        order = request.GET.get("o", "gap")
        if order not in ACCURACY_ORDERS:
            order = "gap"
        context = {
            **period_admin.admin_site.each_context(request),
            "opts": Period._meta,
            "title": gettext("Accuracy of the self-assessments of %(period)s") % {"period": period},
            "period": period,
            "rows": period_accuracy(period, order),
            "order": order,
        }
        return TemplateResponse(request, "admin/assessment/period/accuracy.html", context)

    def consistency(request, pk):
        if not reads_accuracy(request.user):
            raise PermissionDenied
        period = get_object_or_404(results_visible_to(request.user), pk=pk)
        report = period_consistency(period)
        if request.GET.get("format") == "xlsx":
            response = HttpResponse(consistency_xlsx(period, report), content_type=FORMATS["xlsx"])
            response["Content-Disposition"] = f'attachment; filename="tinh-nhat-quan-tham-dinh-{period.year}.xlsx"'
            return response
        context = {
            **period_admin.admin_site.each_context(request),
            "opts": Period._meta,
            "title": gettext("Consistency of the appraisal of %(period)s") % {"period": period},
            "period": period,
            "report": report,
            "sharp": SHARP_DIFFERENCE,
        }
        return TemplateResponse(request, "admin/assessment/period/consistency.html", context)

    def plans(request, pk):
        if not reads_improvement_progress(request.user):
            raise PermissionDenied
        period = get_object_or_404(Period, pk=pk)
        context = {
            **period_admin.admin_site.each_context(request),
            "opts": Period._meta,
            "title": gettext("Improvement plans after %(period)s") % {"period": period},
            "period": period,
            "rows": period_plan_progress(period, timezone.localdate()),
        }
        return TemplateResponse(request, "admin/assessment/period/plans.html", context)

    return [
        path("<int:pk>/plans/", view(plans), name="assessment_period_plans"),
        path("<int:pk>/accuracy/", view(accuracy), name="assessment_period_accuracy"),
        path("<int:pk>/consistency/", view(consistency), name="assessment_period_consistency"),
    ]


# -- the council's review, online ---------------------------------------------------------------------------------


class CouncilAnswerForm(forms.Form):
    agrees = forms.TypedChoiceField(
        label=_("Your answer"),
        choices=[("yes", _("I agree with the provisional results")), ("no", _("I object"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Your comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class CouncilDecisionForm(forms.Form):
    decision_number = forms.CharField(label=_("Decision number"), max_length=100)
    decision_date = forms.DateField(
        label=_("Decision date"), widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"})
    )


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def council_urls(period_admin):
    """The council's review of a period: members answer, Home Affairs opens it and records the decision."""
    view = period_admin.admin_site.admin_view

    def council(request, pk):
        if not reads_council_review(request.user):
            raise PermissionDenied
        period = get_object_or_404(results_visible_to(request.user), pk=pk)
        page = council_page(period)
        answer_form = decision_form = None
        own = None
        if page.review is not None:
            own = next((answer for member, answer in page.answers if member.pk == request.user.pk), None)
            if council_answer_refusal(request.user, page.review) is None:
                initial = {} if own is None else {"agrees": "yes" if own.agrees else "no", "comment": own.comment}
                answer_form = CouncilAnswerForm(initial=initial)
            if may_manage_council_review(request.user) and page.review.state == CouncilReview.State.OPEN:
                decision_form = CouncilDecisionForm()
        if request.method == "POST":
            action = request.POST.get("action")
            try:
                if action == "open":
                    council_review_open(period=period, actor=request.user)
                    messages.success(request, gettext("The council's review is open: each member can now answer."))
                    return redirect(request.path)
                if action == "answer" and page.review is not None:
                    answer_form = CouncilAnswerForm(request.POST)
                    if answer_form.is_valid():
                        council_answer(review=page.review, member=request.user, **answer_form.cleaned_data)
                        messages.success(request, gettext("Your answer is recorded."))
                        return redirect(request.path)
                elif action == "decide" and page.review is not None:
                    decision_form = CouncilDecisionForm(request.POST)
                    if decision_form.is_valid():
                        council_decide(review=page.review, actor=request.user, **decision_form.cleaned_data)
                        messages.success(request, gettext("The council's decision is recorded."))
                        return redirect(request.path)
                elif action not in ("answer", "decide"):
                    raise PermissionDenied
            except ValidationError as error:
                if action == "open":
                    for message in error.messages:
                        messages.error(request, message)
                    return redirect(request.path)
                _form_errors(answer_form if action == "answer" else decision_form, error)
        context = {
            **period_admin.admin_site.each_context(request),
            "opts": Period._meta,
            "title": gettext("Council review of %(period)s") % {"period": period},
            "period": period,
            "page": page,
            "own": own,
            "answer_form": answer_form,
            "decision_form": decision_form,
            "can_manage": may_manage_council_review(request.user),
        }
        return TemplateResponse(request, "admin/assessment/period/council.html", context)

    return [path("<int:pk>/council/", view(council), name="assessment_period_council")]
