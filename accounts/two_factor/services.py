"""Every write on second-factor devices: enrolment, backup codes, verification, turning it off."""

import re
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.two_factor.selectors import second_factor_required

BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup"
_TOTP_TOKEN = re.compile(r"\d{6}")
_BACKUP_TOKEN = re.compile(r"[a-z2-7]{8}")


def totp_secret(device: TOTPDevice) -> str:
    """The key as people type it into an app: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(data: str, *, label: str, size: int = 220) -> str:
    """An inline SVG QR code drawn on the server (no image request, no script, no CDN)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg = image.to_string(encoding="unicode")
    svg = re.sub(r'width="[^"]*" height="[^"]*"', f'width="{size}" height="{size}"', svg, count=1)
    label = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" shape-rendering="crispEdges" ', 1)


@transaction.atomic
def totp_device_pending(*, user: User) -> TOTPDevice:
    """The not yet confirmed authenticator of ``user``: the same key on every reload of the enrolment page."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def _token_normalised(token: str) -> str:
    return re.sub(r"[\s\-]", "", token or "").lower()


def _throttled_message(device: Device) -> str | None:
    allowed, data = device.verify_is_allowed()
    if allowed:
        return None
    seconds = max(1, int((data["locked_until"] - timezone.now()).total_seconds() + 0.999))
    return ngettext(
        "Too many wrong codes. Wait %(seconds)s second and try again.",
        "Too many wrong codes. Wait %(seconds)s seconds and try again.",
        seconds,
    ) % {"seconds": seconds}


def totp_device_confirm(*, device: TOTPDevice, token: str) -> list[str]:
    """Confirm an authenticator with its first code; return the new backup codes (shown once).

    A wrong code changes nothing but the device's throttling counter.
    """
    token = _token_normalised(token)
    if not _TOTP_TOKEN.fullmatch(token):
        raise ValidationError(_("Enter the 6-digit code your authenticator app shows."), code="format")
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        throttled = _throttled_message(device)
        verified = throttled is None and device.verify_token(token)
        if verified:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
    # Raised outside the transaction: the failure counter of the throttle must stay written.
    if throttled:
        raise ValidationError(throttled, code="throttled")
    if not verified:
        raise ValidationError(
            _("This code is wrong or has expired. Check the time on your phone and enter the current code."),
            code="invalid",
        )
    return backup_codes_generate(user=device.user)


@transaction.atomic
def backup_codes_generate(*, user: User) -> list[str]:
    """Replace the backup codes of ``user`` by ten new one-time codes; the old ones stop working."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def second_factor_verify(*, user: User, token: str) -> Device:
    """The device that accepts ``token`` (a 6-digit code or a backup code, each usable once); else a clear error."""
    token = _token_normalised(token)
    if _TOTP_TOKEN.fullmatch(token):
        model = TOTPDevice
    elif _BACKUP_TOKEN.fullmatch(token):
        model = StaticDevice
    else:
        raise ValidationError(
            _("Enter the 6-digit code from your authenticator app, or one of your 8-character backup codes."),
            code="format",
        )
    throttled, verified = None, None
    with transaction.atomic():
        for device in model.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk"):
            throttled = _throttled_message(device)
            if throttled:
                break
            if device.verify_token(token):
                verified = device
                break
    if verified is not None:
        return verified
    if throttled:
        raise ValidationError(throttled, code="throttled")
    raise ValidationError(
        _("This code is wrong, expired or already used. Nothing was changed; try again with the current code."),
        code="invalid",
    )


@transaction.atomic
def second_factor_disable(*, user: User) -> None:
    """Remove the authenticator and backup codes of a unit person who opted in; those who must keep it cannot."""
    if second_factor_required(user):
        raise ValidationError(
            _("Your role requires two-factor authentication: it cannot be turned off."), code="required"
        )
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
