from django.db.models import Count, Q
from django.shortcuts import render

from accounts.models import Block
from accounts.policy import is_unit_member
from accounts.selectors import user_access
from assessment.policy import reads_block_overview, writable_window
from assessment.selectors.portal import assessments_progress, unit_assessments


def home(request):
    """Each role's starting page: who they are and where their work is."""
    access = user_access(request.user)
    context = {"access": access}
    if is_unit_member(request.user):
        assessments = list(unit_assessments(request.user))
        progress = assessments_progress(a.pk for a in assessments)
        context["assessment_rows"] = [
            {
                "assessment": a,
                "progress": progress.get(a.pk),
                "round": writable_window(a)[0],
                "window": writable_window(a)[1],
            }
            for a in assessments
        ]
    if reads_block_overview(request.user):
        context["blocks"] = Block.objects.annotate(
            active_units=Count("units", filter=Q(units__active=True)),
            agencies=Count("units", filter=Q(units__active=True, units__is_appraising_agency=True)),
        ).order_by("order", "code")
    return render(request, "home.html", context)
