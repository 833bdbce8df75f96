from django.utils.translation import gettext_lazy as _

from assessment.resources import EarlierResultResource
from cchc.commands import TableImportCommand


class Command(TableImportCommand):
    help = _(
        "Import the results of years run before this system (columns year, block, unit, index_percent, rank), "
        "for the year-over-year comparison."
    )

    def get_resource(self, **options):
        return EarlierResultResource()
