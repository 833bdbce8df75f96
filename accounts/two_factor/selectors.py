"""Who must pass the second factor, and what a user has enrolled."""

from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.policy import is_staff_role


def second_factor_required(user: User) -> bool:
    """Those who grade, approve and publish (and anyone who may enter the admin) must use a second factor."""
    return is_staff_role(user)


def totp_device_confirmed(user: User) -> TOTPDevice | None:
    """The authenticator app the user confirmed with a code, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def second_factor_enrolled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def backup_device(user: User) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).first()
