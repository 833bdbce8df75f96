"""The command-line face of the spreadsheet imports: same checks, same messages as the admin."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cchc.imports import (
    ImportOutcome,
    TableFileError,
    TableResource,
    check_import_size,
    import_table,
    read_table,
)


class TranslatedCommand(BaseCommand):
    """A command whose help is translated: argparse needs the text itself, not a lazy translation."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        self.help = str(self.help)
        return super().create_parser(prog_name, subcommand, **kwargs)


class TableImportCommand(TranslatedCommand):
    """Reads FILE (.csv in UTF-8 or .xlsx), reports every problem with its row, saves all or nothing."""

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("a .csv (UTF-8) or .xlsx file"))
        parser.add_argument("--dry-run", action="store_true", help=_("check the file and save nothing"))

    def get_resource(self, **options) -> TableResource:
        raise NotImplementedError

    def get_user(self, **options):
        """The person the import is recorded under, for imports that keep an audit trail."""
        return None

    def describe(self, outcome: ImportOutcome, **options) -> str:
        return _("%(new)s new, %(updated)s changed, %(unchanged)s unchanged.") % {
            "new": outcome.new,
            "updated": outcome.updated,
            "unchanged": outcome.unchanged,
        }

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("File not found: %(path)s") % {"path": path})
        resource = self.get_resource(**options)
        try:
            check_import_size(path.stat().st_size)  # before the file is read into memory
            dataset = read_table(path.read_bytes(), path.name, formats=resource.import_formats)
        except TableFileError as exc:
            raise CommandError(str(exc)) from exc
        outcome = import_table(resource, dataset, user=self.get_user(**options), commit=not options["dry_run"])
        if not outcome.ok:
            for problem in outcome.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                _("Nothing was imported: %(count)s problem(s) to correct.") % {"count": len(outcome.problems)}
            )
        prefix = _("Checked, nothing saved (dry run): ") if options["dry_run"] else _("Imported: ")
        self.stdout.write(self.style.SUCCESS(prefix + self.describe(outcome, **options)))
