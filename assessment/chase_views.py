"""Home Affairs' "who to chase" page: where each unit of a period stands, and its XLSX export (thin views)."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from tablib import Dataset

from accounts.models import Block
from assessment.exports import FORMATS
from assessment.models import AssessmentStatus
from assessment.policy import reads_chase_list
from assessment.selectors.reminders import chase_periods, chase_rows
from cchc.spreadsheets import dataset_xlsx


def _choices(request):
    """The period (the one asked for, else the newest opened one), the block and the state filtered on."""
    if not reads_chase_list(request.user):
        raise PermissionDenied(_("Only Home Affairs follows the units' progress."))
    periods = list(chase_periods())
    period = None
    if request.GET.get("period", "").isdigit():
        period = get_object_or_404(chase_periods(), pk=int(request.GET["period"]))
    elif periods:
        period = periods[0]
    block_id = int(request.GET["block"]) if request.GET.get("block", "").isdigit() else None
    status = request.GET.get("state") if request.GET.get("state") in AssessmentStatus.values else None
    return periods, period, block_id, status


@require_GET
def chase(request):
    """Units by state with last activity, completion, missing required evidence and reminders sent."""
    periods, period, block_id, status = _choices(request)
    rows = chase_rows(period, block_id=block_id, status=status) if period else []
    return render(
        request,
        "assessment/chase.html",
        {
            "periods": periods,
            "period": period,
            "blocks": list(Block.objects.order_by("order", "code")),
            "block_id": block_id,
            "states": AssessmentStatus.choices,
            "state": status,
            "rows": rows,
            "query": request.GET.urlencode(),
        },
    )


HEADERS = [
    "Đơn vị",
    "Khối",
    "Trạng thái",
    "Hoạt động gần nhất",
    "Tiêu chí đã nhập",
    "Tổng số tiêu chí",
    "Thiếu tài liệu kiểm chứng bắt buộc",
    "Số lần nhắc",
    "Lần nhắc gần nhất",
]


@require_GET
def chase_xlsx(request):
    """The page's rows as a workbook (texts never formulas; numbers stay numbers; Vietnamese dates)."""
    periods, period, block_id, status = _choices(request)
    if period is None:
        raise PermissionDenied(_("No period has been opened yet."))
    dataset = Dataset(headers=HEADERS, title=_("Who to chase"))
    for row in chase_rows(period, block_id=block_id, status=status):
        assessment = row.assessment
        dataset.append(
            [
                assessment.unit.name,
                assessment.unit.block.name,
                str(assessment.get_status_display()),
                date_format(localtime(row.last_activity), "d/m/Y H:i") if row.last_activity else "",
                row.answered,
                row.total,
                row.missing_evidence,
                row.reminders,
                date_format(row.last_reminder, "d/m/Y") if row.last_reminder else "",
            ]
        )
    response = HttpResponse(dataset_xlsx(dataset), content_type=FORMATS["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="don-vi-can-nhac-{period.year}.xlsx"'
    return response
