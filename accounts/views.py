"""Sign-in pages the project adds to Django's: the lockout page, and password reset by e-mail link, throttled."""

import hashlib

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts.forms import QueuedPasswordResetForm
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
    form_class = QueuedPasswordResetForm  # issue 14: recorded and sent by a background job

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
