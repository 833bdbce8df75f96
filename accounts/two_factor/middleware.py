"""Nobody who must pass the second factor uses the site with a password alone."""

from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from accounts.two_factor.selectors import second_factor_enrolled, second_factor_required

# Set at sign-in: the user has a confirmed device, so this session must pass the second factor.
ENROLLED_SESSION_KEY = "cchc_second_factor_enrolled"
# Pages a signed-in but not yet verified person may open (public pages are marked login_not_required).
OPEN_VIEWS = frozenset({"two_factor:verify", "two_factor:setup", "logout", "admin:logout"})


def second_factor_pending(request) -> bool:
    """The session belongs to someone who must pass the second factor and has not passed it yet."""
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return False
    return bool(request.session.get(ENROLLED_SESSION_KEY)) or second_factor_required(user)


def mark_enrolment(sender, request, user, **kwargs):
    """At sign-in, remember whether the user has a device (unit people who opted in are asked for it too)."""
    if request is not None and hasattr(request, "session"):
        request.session[ENROLLED_SESSION_KEY] = second_factor_enrolled(user)


class SecondFactorMiddleware:
    """Sends a signed-in person who still owes the second factor to the code page (after OTPMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None  # public pages, the sign-in page, the language switch
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_VIEWS:
            return None
        if not second_factor_pending(request):
            return None
        return redirect_to_login(request.get_full_path(), reverse("two_factor:verify"))
