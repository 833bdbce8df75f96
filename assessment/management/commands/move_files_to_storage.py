from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment.services.storage import documents_move_to_storage, publication_files_move_to_storage
from assessment.storage import STORAGE_ERRORS
from cchc.commands import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Copy the evidence files of a local folder into the configured storage (an S3 bucket), each checked by its "
        "SHA-256, and move the publication files kept in the database there. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source",
            default=str(settings.PRIVATE_MEDIA_ROOT),
            help=gettext_lazy("the local folder the files are in (default: PRIVATE_MEDIA_ROOT)"),
        )
        parser.add_argument("--dry-run", action="store_true", help=gettext_lazy("check and count, copy nothing"))

    def handle(self, *args, **options):
        try:
            documents = documents_move_to_storage(source=options["source"], dry_run=options["dry_run"])
            publications = publication_files_move_to_storage(dry_run=options["dry_run"])
        except STORAGE_ERRORS as exc:
            raise CommandError(
                _(
                    "The storage cannot be reached (%(error)s). "
                    "The files copied so far stay copied; run the command again."
                )
                % {"error": exc}
            ) from exc
        line = (
            _("%(what)s: %(moved)s to copy, %(present)s already in the storage, %(problems)s with a problem.")
            if options["dry_run"]
            else _("%(what)s: %(moved)s copied, %(present)s already in the storage, %(problems)s with a problem.")
        )
        for what, report in ((_("Evidence files"), documents), (_("Publication files"), publications)):
            self.stdout.write(
                line
                % {"what": what, "moved": report.moved, "present": report.present, "problems": len(report.problems)}
            )
        problems = documents.problems + publications.problems
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(_("%(count)s file(s) were not copied: see above.") % {"count": len(problems)})
