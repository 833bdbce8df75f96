"""Home Affairs' and the council's insights on a period: how accurate each unit's self-assessment was, and how
consistently the agencies graded (the council's report, on the page and as XLSX)."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext

from assessment.exports import FORMATS, consistency_xlsx
from assessment.models import Period
from assessment.policy import reads_accuracy
from assessment.selectors.insights import ACCURACY_ORDERS, SHARP_DIFFERENCE, period_accuracy, period_consistency
from assessment.selectors.visibility import results_visible_to


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

    return [
        path("<int:pk>/accuracy/", view(accuracy), name="assessment_period_accuracy"),
        path("<int:pk>/consistency/", view(consistency), name="assessment_period_consistency"),
    ]
