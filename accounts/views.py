from django.db.models import Count, Q
from django.shortcuts import render

from accounts.models import Block
from accounts.selectors import user_access


def home(request):
    """Each role's starting page: what the user is and where their work is."""
    access = user_access(request.user)
    context = {"access": access}
    if access.is_coordinator or access.is_council:
        context["blocks"] = Block.objects.annotate(
            active_units=Count("units", filter=Q(units__active=True)),
            agencies=Count("units", filter=Q(units__active=True, units__is_appraising_agency=True)),
        ).order_by("order", "code")
    return render(request, "accounts/home.html", context)
