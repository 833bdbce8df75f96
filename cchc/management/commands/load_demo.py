import time

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.demo import demo_load as accounts_demo_load
from assessment.demo import PUBLISHED_YEARS
from assessment.demo import demo_load as assessment_demo_load
from assessment.models import Period
from cchc.commands import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy("Load the demo data (idempotent) and print the demo logins.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help=gettext_lazy("load even with DEBUG off (never in production)")
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(_("The demo creates users with known passwords: run it with DEBUG=1 (or --force)."))
        started = time.perf_counter()
        logins = accounts_demo_load()
        period = assessment_demo_load()
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo data loaded. %(period)s: %(count)s units in self-assessment until %(closes)s.")
                % {
                    "period": period.name,
                    "count": period.assessments.count(),
                    "closes": period.self_assessment_closes.strftime("%d/%m/%Y"),
                }
            )
        )
        for published in Period.objects.filter(year__in=PUBLISHED_YEARS, publications__isnull=False).distinct():
            self.stdout.write(
                self.style.SUCCESS(
                    _("%(period)s is published: %(url)s")
                    % {"period": published.name, "url": f"/results/{published.year}/"}
                )
            )
        self.stdout.write(
            self.style.SUCCESS(_("Demo logins (password for all: %(password)s):") % {"password": logins[0]["password"]})
        )
        width = max(len(login["username"]) for login in logins)
        for login in logins:
            self.stdout.write(f"  {login['username']:<{width}}  {login['full_name']} — {login['roles']}")
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Second factor of the staff logins: `python manage.py demo_otp_code USERNAME` prints the current "
                    "6-digit code; or add the key to an authenticator app (time-based, 6 digits, 30 s):"
                )
            )
        )
        for login in logins:
            if login["totp_secret"]:
                self.stdout.write(f"  {login['username']:<{width}}  {login['totp_secret']}")
        self.stdout.write(_("Loaded in %(seconds).1f s.") % {"seconds": time.perf_counter() - started})
