"""The second-factor pages: the code after the password, enrolment, backup codes, the user's settings page."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from accounts.two_factor.forms import EnrolmentForm, SecondFactorForm
from accounts.two_factor.middleware import ENROLLED_SESSION_KEY
from accounts.two_factor.selectors import backup_codes_left, second_factor_enrolled, second_factor_required
from accounts.two_factor.services import (
    backup_codes_generate,
    qr_code_svg,
    second_factor_disable,
    second_factor_verify,
    totp_device_confirm,
    totp_device_pending,
    totp_secret,
)

# Backup codes are shown once: kept in the session between the POST that made them and the page showing them.
NEW_CODES_SESSION_KEY = "cchc_new_backup_codes"


def _next_url(request, default: str = "home") -> str:
    url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    allowed = {request.get_host()}
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts=allowed, require_https=request.is_secure()):
        return url
    return reverse(default)


def _with_next(view_name: str, next_url: str) -> str:
    return f"{reverse(view_name)}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"


def _verified(request, device) -> None:
    request.session.cycle_key()  # a new session id once the second factor is passed
    otp_login(request, device)
    request.session[ENROLLED_SESSION_KEY] = True


@never_cache
@sensitive_post_parameters("token")
def otp_verify(request):
    """Second step of the sign-in: a 6-digit code or a backup code."""
    next_url = _next_url(request)
    if request.user.is_verified():
        return redirect(next_url)
    if not second_factor_enrolled(request.user):
        if second_factor_required(request.user):
            return redirect(_with_next("two_factor:setup", next_url))
        request.session[ENROLLED_SESSION_KEY] = False  # the device was removed meanwhile
        return redirect(next_url)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = second_factor_verify(user=request.user, token=form.cleaned_data["token"])
        except ValidationError as error:
            form.add_error("token", error)
        else:
            _verified(request, device)
            if isinstance(device, StaticDevice):
                left = backup_codes_left(request.user)
                messages.warning(
                    request,
                    ngettext(
                        "You used a backup code; %(count)s is left.",
                        "You used a backup code; %(count)s are left.",
                        left,
                    )
                    % {"count": left},
                )
            return redirect(next_url)
    return render(request, "accounts/otp_verify.html", {"form": form, "next": next_url})


@never_cache
@sensitive_post_parameters("token")
def otp_setup(request):
    """Enrolment: scan the QR code (or type the key), confirm with a first code, then see the backup codes."""
    next_url = _next_url(request)
    if second_factor_enrolled(request.user):
        # A second device only after passing the first: a stolen password must not enrol a new phone.
        return redirect("two_factor:settings" if request.user.is_verified() else "two_factor:verify")
    device = totp_device_pending(user=request.user)
    form = EnrolmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = totp_device_confirm(device=device, token=form.cleaned_data["token"])
        except ValidationError as error:
            form.add_error("token", error)
        else:
            device.refresh_from_db()
            _verified(request, device)
            request.session[NEW_CODES_SESSION_KEY] = codes
            messages.success(request, _("Two-factor authentication is on."))
            return redirect(_with_next("two_factor:backup-codes", next_url))
    context = {
        "form": form,
        "next": next_url,
        "secret": totp_secret(device),
        "qr_svg": qr_code_svg(device.config_url, label=_("QR code to scan with the authenticator app")),
        "issuer": settings.OTP_TOTP_ISSUER,
        "required": second_factor_required(request.user),
    }
    return render(request, "accounts/otp_setup.html", context)


@never_cache
def otp_backup_codes(request):
    """The new backup codes, shown once; afterwards only how many are left and a way to make new ones."""
    if not second_factor_enrolled(request.user):
        return redirect("two_factor:settings")
    if request.method == "POST":
        request.session[NEW_CODES_SESSION_KEY] = backup_codes_generate(user=request.user)
        messages.success(request, _("New backup codes were made; the old ones no longer work."))
        return redirect("two_factor:backup-codes")
    codes = request.session.pop(NEW_CODES_SESSION_KEY, None)
    context = {"codes": codes, "left": backup_codes_left(request.user), "next": _next_url(request, "home")}
    return render(request, "accounts/otp_backup_codes.html", context)


@never_cache
def otp_settings(request):
    """The "two-factor security" page of the user menu: status, backup codes, on/off for unit people."""
    context = {
        "enrolled": second_factor_enrolled(request.user),
        "required": second_factor_required(request.user),
        "left": backup_codes_left(request.user),
    }
    return render(request, "accounts/otp_settings.html", context)


@require_POST
def otp_disable(request):
    """A unit person turns the second factor off, from a session that passed it."""
    if not request.user.is_verified():
        return redirect("two_factor:verify")
    try:
        second_factor_disable(user=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        request.session[ENROLLED_SESSION_KEY] = False
        messages.success(request, _("Two-factor authentication is off."))
    return redirect("two_factor:settings")
