from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.resources import PersonResource
from cchc.commands import TableImportCommand


class Command(TableImportCommand):
    help = gettext_lazy(
        "Import people and their roles from a spreadsheet (username, full_name, email, phone, unit, role, agency, "
        "active; one row per role). New people get an e-mail with a link to choose their password."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--actor", help=gettext_lazy("username recorded as the one who added the people (default: the system)")
        )

    def get_resource(self, **options):
        return PersonResource()

    def get_user(self, **options):
        if not options.get("actor"):
            return None
        try:
            return User.objects.get(username=options["actor"], is_active=True)
        except User.DoesNotExist as exc:
            raise CommandError(_("There is no active person “%(value)s”.") % {"value": options["actor"]}) from exc
