from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from assessment.models import Period
from assessment.policy import may_import_survey
from assessment.resources import SurveyResource
from cchc.commands import TableImportCommand


class Command(TableImportCommand):
    help = gettext_lazy(
        "Import survey results of a period (columns unit, criterion, points; survey criteria only, "
        "points within their maximum)."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--period", type=int, required=True, help=gettext_lazy("year of the period"))
        parser.add_argument(
            "--user",
            required=True,
            help=gettext_lazy("username of the Home Affairs officer the import is recorded under"),
        )

    def get_resource(self, **options):
        try:
            period = Period.objects.get(year=options["period"])
        except Period.DoesNotExist as exc:
            raise CommandError(_("There is no period %(year)s.") % {"year": options["period"]}) from exc
        return SurveyResource(period=period)

    def get_user(self, **options):
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None or not may_import_survey(user):
            raise CommandError(_("“%(user)s” is not an active Home Affairs coordinator.") % {"user": options["user"]})
        return user
