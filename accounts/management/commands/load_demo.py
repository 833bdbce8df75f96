from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.demo import demo_load


class Command(BaseCommand):
    help = gettext_lazy("Load the demo data (idempotent) and print the demo logins.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help=gettext_lazy("load even with DEBUG off (never in production)")
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(_("The demo creates users with known passwords: run it with DEBUG=1 (or --force)."))
        logins = demo_load()
        width = max(len(login["username"]) for login in logins)
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo data loaded. Demo logins (password for all: %(password)s):")
                % {"password": logins[0]["password"]}
            )
        )
        for login in logins:
            self.stdout.write(f"  {login['username']:<{width}}  {login['full_name']} — {login['roles']}")
