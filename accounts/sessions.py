"""How long a signed-in session lives: by role, ended by inactivity, for staff also by closing the browser.

Two mechanisms, because Django has one expiry per session and staff need two:

- at sign-in (``user_logged_in``), ``set_expiry(0)`` for staff roles makes the session cookie a browser
  session cookie (no ``Max-Age``): closing the browser ends it. A unit person's session gets
  ``set_expiry(SESSION_UNIT_IDLE_HOURS)``, a cookie that survives a browser restart.
- a browser-session cookie has no server-side lifetime of its own (Django then keeps the session for
  ``SESSION_COOKIE_AGE``), and ``SESSION_SAVE_EVERY_REQUEST`` would only push that lifetime forward. So
  :class:`SessionIdleTimeoutMiddleware` records the time of the last request in the session and signs out
  a person whose last request is older than their role's limit (8 hours for staff, 12 for unit people).
  Recording it at most once a minute also renews the unit person's cookie and the session row, without a
  database write on every request.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.policy import is_staff_role

IDLE_LIMIT_KEY = "cchc_idle_limit"
LAST_ACTIVITY_KEY = "cchc_last_activity"
# Recording the last request more often than this gains nothing and costs a session write.
ACTIVITY_RESOLUTION_SECONDS = 60


@dataclass(frozen=True)
class SessionPolicy:
    idle_seconds: int
    ends_with_browser: bool


def session_policy_for(user) -> SessionPolicy:
    """Staff roles (Home Affairs, appraisers, council, superusers, anyone in the admin) get the stricter rule."""
    if is_staff_role(user):
        return SessionPolicy(settings.SESSION_STAFF_IDLE_HOURS * 3600, ends_with_browser=True)
    return SessionPolicy(settings.SESSION_UNIT_IDLE_HOURS * 3600, ends_with_browser=False)


def _now() -> int:
    return int(timezone.now().timestamp())


def session_apply_policy(request, user) -> None:
    policy = session_policy_for(user)
    request.session.set_expiry(0 if policy.ends_with_browser else policy.idle_seconds)
    request.session[IDLE_LIMIT_KEY] = policy.idle_seconds
    request.session[LAST_ACTIVITY_KEY] = _now()


def session_expiry_on_login(sender, request, user, **kwargs):
    """Signal receiver (``user_logged_in``): the session takes the lifetime of the person's roles."""
    if request is not None and hasattr(request, "session"):
        session_apply_policy(request, user)


class SessionIdleTimeoutMiddleware:
    """Signs out a person whose previous request is older than their role's idle limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self._check(request, user)
        return self.get_response(request)

    def _check(self, request, user) -> None:
        session = request.session
        limit = session.get(IDLE_LIMIT_KEY)
        last = session.get(LAST_ACTIVITY_KEY)
        if limit is None or last is None:
            # A session from before this rule: it takes the rule now.
            session_apply_policy(request, user)
            return
        now = _now()
        if now - last > limit:
            logout(request)
            messages.info(
                request,
                _("You were signed out after %(hours)s hours without activity. Please sign in again.")
                % {"hours": limit // 3600},
            )
            return
        if now - last >= ACTIVITY_RESOLUTION_SECONDS:
            session[LAST_ACTIVITY_KEY] = now
