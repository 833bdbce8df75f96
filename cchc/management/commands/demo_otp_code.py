from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.demo import DEMO_TOTP_DEVICE_NAME, demo_totp_key
from cchc.commands import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy("Print the current second-factor code of a demo user (the demo's fixed keys only).")

    def add_arguments(self, parser):
        parser.add_argument("username", help=gettext_lazy("a demo login, e.g. noivu"))
        parser.add_argument(
            "--uri", action="store_true", help=gettext_lazy("print the otpauth:// address for an authenticator app")
        )
        parser.add_argument(
            "--force", action="store_true", help=gettext_lazy("run even with DEBUG off (never in production)")
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(_("Demo codes are for the demo: run it with DEBUG=1 (or --force)."))
        username = options["username"]
        # Only the demo's own devices, whose keys are public anyway: never a real person's code.
        device = TOTPDevice.objects.filter(
            user__username=username, name=DEMO_TOTP_DEVICE_NAME, key=demo_totp_key(username), confirmed=True
        ).first()
        if device is None:
            raise CommandError(
                _(
                    "%(username)s has no demo authenticator: only the staff logins have one, "
                    "once `python manage.py load_demo` has run."
                )
                % {"username": username}
            )
        if options["uri"]:
            self.stdout.write(device.config_url)
            return
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
