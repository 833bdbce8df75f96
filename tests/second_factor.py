"""Passing the second factor in tests: a known TOTP key, its current code, and a client whose force_login is verified.

Staff roles must pass the second factor (accounts/two_factor). Tests that are not about it use the ``client``
fixture of tests/conftest.py: its ``force_login`` gives such users a confirmed device with ``TEST_TOTP_KEY`` and
marks the session verified, exactly as a correct code would (django_otp's session key).
"""

import time

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor.selectors import second_factor_enrolled, second_factor_required

TEST_TOTP_KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test key, hex


def totp_device_for(user, *, key: str = TEST_TOTP_KEY) -> TOTPDevice:
    """The user's confirmed authenticator (made with ``key`` if they have none), ready for a fresh code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", key=key, confirmed=True)
    # Each code is accepted once: tests that sign the same person in twice within 30 s start afresh.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
    device.refresh_from_db()
    return device


def totp_code(device: TOTPDevice, *, offset: int = 0) -> str:
    """The code the person's phone shows now (``offset`` steps of 30 s later or earlier)."""
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits, 0)
    generator.time = time.time() + offset * device.step
    return f"{generator.token():0{device.digits}d}"


def login_verified(client: Client, user, backend=None) -> None:
    """Sign ``user`` in on any client as if they had typed their password and, if they need one, a correct code."""
    Client.force_login(client, user, backend)
    if second_factor_required(user) or second_factor_enrolled(user):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = totp_device_for(user).persistent_id
        session.save()


class VerifiedClient(Client):
    """A test client whose ``force_login`` also passes the second factor (see the module docstring)."""

    def force_login(self, user, backend=None):
        login_verified(self, user, backend)
