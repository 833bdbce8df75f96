from django.utils.translation import gettext_lazy as _

from accounts.resources import UnitResource
from cchc.commands import TableImportCommand


class Command(TableImportCommand):
    help = _("Import units from a spreadsheet (columns code, name, block; Vietnamese or English headers).")

    def get_resource(self, **options):
        return UnitResource()
