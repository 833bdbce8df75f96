from django.conf import settings
from django.contrib.auth.decorators import login_not_required, login_required
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from accounts.models import Block
from accounts.policy import is_unit_member
from accounts.selectors import user_access
from assessment.policy import SELF, reads_block_overview, writable_window
from assessment.selectors.appraisal import appraiser_queue, cycle_dashboard
from assessment.selectors.portal import assessment_missing, assessments_progress, unit_assessments

MISSING_SHOWN = 5


# A visitor is sent to the published results, not to the login form. The view stays login-required (not
# login_not_required), so that the second-factor middleware still stops a person who typed only the password.
@login_required(login_url="public:results-index", redirect_field_name=None)
def home(request):
    """Each person's next step: the unit's assessments with what is missing, an appraiser's waiting grades,
    Home Affairs' cycle."""
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
        # The assessment being filled in now: what still stops its submission (the first few, linked).
        current = next((row for row in context["assessment_rows"] if row["round"] == SELF), None)
        if current is not None:
            missing = assessment_missing(current["assessment"])
            current["missing"], current["missing_count"] = missing[:MISSING_SHOWN], len(missing)
    queue = appraiser_queue(request.user)
    if queue is not None:
        context["queue"] = queue
        context["queue_url"] = (
            reverse("admin:assessment_score_changelist") + f"?assessment__period__id__exact={queue.period.pk}"
        )
    cycle = cycle_dashboard(request.user)
    if cycle is not None:
        context["cycle"] = cycle
        if cycle.period is not None:
            context["queue_url"] = (
                reverse("admin:assessment_score_changelist") + f"?assessment__period__id__exact={cycle.period.pk}"
            )
            context["assessments_url"] = (
                reverse("admin:assessment_assessment_changelist") + f"?period__id__exact={cycle.period.pk}"
            )
    if reads_block_overview(request.user):
        context["blocks"] = Block.objects.annotate(
            active_units=Count("units", filter=Q(units__active=True)),
            agencies=Count("units", filter=Q(units__active=True, units__is_appraising_agency=True)),
        ).order_by("order", "code")
    return render(request, "home.html", context)


@login_not_required
@require_GET
def language_choose(request, code):
    """The language switch as a plain link: sets the language cookie (as Django's set_language does) and returns to
    ``next`` when it is an address of this site, else to the home page. A link rather than a form with a CSRF token,
    so that a public page is the same bytes for every anonymous reader (issue 12); choosing a language is harmless."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("home")
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
