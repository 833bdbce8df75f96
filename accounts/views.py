"""Sign-in pages the project adds to Django's: the lockout page, and password reset by e-mail link, throttled."""

import hashlib

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.forms import QueuedPasswordResetForm
from accounts.policy import may_see_people
from accounts.selectors import unit_people_rows
from accounts.services import invitation_send
from cchc.site import site_url

_WINDOW_SECONDS = 3600


def _over_limit(key: str, limit: int) -> bool:
    """Count one request under ``key`` for an hour (from the first one); True past ``limit``."""
    cache.add(key, 0, timeout=_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=_WINDOW_SECONDS)
        count = 1
    return count > limit


def password_reset_throttled(request, email: str) -> bool:
    """At most N reset requests an hour per e-mail address and per client address, known or not."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    ip = get_client_ip_address(request) or "unknown"
    # Both counters move on every request, so neither limit can be dodged by varying the other value.
    over_email = _over_limit(f"cchc:pwreset:email:{digest}", settings.PASSWORD_RESET_PER_EMAIL_PER_HOUR)
    over_ip = _over_limit(f"cchc:pwreset:ip:{ip}", settings.PASSWORD_RESET_PER_IP_PER_HOUR)
    return over_email or over_ip


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset view: the same answer for any address; links to the site's address (cchc/site.py); throttled."""

    email_template_name = "registration/password_reset_email.txt"
    form_class = QueuedPasswordResetForm  # sent by a background job (issue 14); invited people may ask too

    def get_extra_email_context(self):
        return {"site_url": site_url(self.request), "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600}

    def form_valid(self, form):
        if password_reset_throttled(self.request, form.cleaned_data["email"]):
            form.add_error(
                None,
                _("Too many password reset requests for this address or from this computer. Try again in an hour."),
            )
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        self.extra_email_context = self.get_extra_email_context()
        return super().form_valid(form)


def lockout(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the same page for any username, known or not, within the site's layout."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request, "registration/lockout.html", {"cooloff_minutes": minutes}, status=settings.AXES_HTTP_RESPONSE_CODE
    )


# --- people: the invitation to choose a password, and the people of each unit ---


class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """A new person chooses their password from the link of their invitation (Django's one-time token).

    A dead link says why: already used (a password is set: sign in) or expired (a new one can be sent)."""

    template_name = "registration/invitation_accept.html"
    success_url = reverse_lazy("password_reset_complete")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["uidb64"] = self.kwargs["uidb64"]
        if self.user is not None:
            context["user"] = self.user
        if not self.validlink and self.user is not None:
            context["link_state"] = "used" if self.user.has_usable_password() else "expired"
        return context


@require_POST
def invitation_renew(request, uidb64):
    """Send a new invitation to a person who never chose a password; the same answer whatever the link held."""
    user = InvitationAcceptView().get_user(uidb64)
    if user is not None and not user.has_usable_password() and user.email:
        if password_reset_throttled(request, user.email):
            response = render(request, "registration/invitation_renewed.html")
            response.status_code = 429
            return response
        invitation_send(user=user)
    return render(request, "registration/invitation_renewed.html")


def people_overview(request):
    """Home Affairs: who holds each role in every active unit, and which units lack a head or staff."""
    if not may_see_people(request.user):
        raise PermissionDenied
    rows = unit_people_rows()
    only_missing = request.GET.get("missing") == "1"
    context = {
        "rows": [row for row in rows if row.lacks_head or row.lacks_staff] if only_missing else rows,
        "only_missing": only_missing,
        "unit_count": len(rows),
        "lacking_head": sum(row.lacks_head for row in rows),
        "lacking_staff": sum(row.lacks_staff for row in rows),
    }
    return render(request, "accounts/people_overview.html", context)
