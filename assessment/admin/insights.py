"""Home Affairs' and the council's insights on a period: how accurate each unit's self-assessment was."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext

from assessment.models import Period
from assessment.policy import reads_accuracy
from assessment.selectors.insights import ACCURACY_ORDERS, period_accuracy
from assessment.selectors.visibility import results_visible_to


def insights_urls(period_admin):
    """The accuracy table of a period, added to the period's admin."""
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

    return [path("<int:pk>/accuracy/", view(accuracy), name="assessment_period_accuracy")]
