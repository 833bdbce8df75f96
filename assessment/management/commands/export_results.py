import sys
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment.exports import FORMATS, file_name, publication_file
from assessment.selectors.results import publication_for
from assessment.storage import StorageUnavailable
from cchc.commands import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Write a published period's results (the same file as the public download) to a file or to standard output."
    )

    def add_base_argument(self, parser, *args, **kwargs):
        if "--version" not in args:  # here --version is the publication's version, not Django's
            super().add_base_argument(parser, *args, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--period", type=int, required=True, help=gettext_lazy("year of the period"))
        parser.add_argument("--format", choices=list(FORMATS), required=True, dest="file_format")
        parser.add_argument(
            "--version",
            type=int,
            dest="publication_version",
            help=gettext_lazy("publication version (default: the latest)"),
        )
        parser.add_argument(
            "--output",
            help=gettext_lazy(
                "file to write; '-' for standard output (default: the download's own name in the current folder)"
            ),
        )

    def handle(self, *args, **options):
        publication = publication_for(options["period"], options["publication_version"])
        if publication is None:
            raise CommandError(
                _("The results of %(year)s are not published.") % {"year": options["period"]}
                if options["publication_version"] is None
                else _("Version %(version)s of %(year)s does not exist.")
                % {"version": options["publication_version"], "year": options["period"]}
            )
        try:
            content = publication_file(publication, options["file_format"])
        except StorageUnavailable as error:  # storage: the bucket cannot be reached
            raise CommandError(error.messages[0]) from error
        output = options["output"] or file_name(publication, options["file_format"])
        if output == "-":
            sys.stdout.buffer.write(content)
            sys.stdout.buffer.flush()
            return
        Path(output).write_bytes(content)
        self.stderr.write(_("Written %(path)s (%(size)s bytes).") % {"path": output, "size": len(content)})
