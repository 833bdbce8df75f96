from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment.formatting import decimal2
from assessment.models import Period
from assessment.services.results import PUBLISHABLE, period_results
from cchc.commands import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Compute the provisional index of a period now and print each block's ranking (nothing is saved or published)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--period", type=int, required=True, help=gettext_lazy("year of the period"))

    def handle(self, *args, **options):
        with translation.override("vi"):
            try:
                period = Period.objects.get(year=options["period"])
            except Period.DoesNotExist as exc:
                raise CommandError(_("There is no period %(year)s.") % {"year": options["period"]}) from exc
            blocks = period_results(period)
            if not blocks:
                raise CommandError(_("The period has no assessment yet."))
            for rows in blocks:
                self._block(rows)

    def _block(self, rows):
        def number(value):
            return "—" if value is None else decimal2(value)

        self.stdout.write(f"\n{rows.block.name} — {_('block average')} {number(rows.average)}%")
        headers = [
            _("Rank"),
            _("Unit"),
            _("Appraised"),
            _("Survey"),
            _("Bonus"),
            _("Penalty"),
            _("Total"),
            _("Maximum"),
            _("Index (%)"),
            _("Exact index"),
        ]
        lines = []
        for row in rows.units:
            result = row.result
            lines.append(
                [
                    str(row.rank or "—"),
                    row.unit_name,
                    number(result.appraised),
                    number(result.survey),
                    number(result.bonus),
                    number(result.penalty),
                    number(result.total),
                    number(result.maximum),
                    number(result.index),
                    "—" if result.index is None else str(result.index).replace(".", ","),
                    "" if row.status in PUBLISHABLE else f"({row.status_label})",
                ]
            )
        widths = [max(len(headers[column]), *(len(line[column]) for line in lines)) for column in range(len(headers))]
        self.stdout.write(self._line(headers, widths))
        for line in lines:
            self.stdout.write(self._line(line, widths))

    @staticmethod
    def _line(cells, widths):
        parts = [
            f"{cell:<{width}}" if column == 1 else f"{cell:>{width}}"
            for column, (cell, width) in enumerate(zip(cells, widths, strict=False))
        ]
        return "  ".join(parts + list(cells[len(widths) :])).rstrip()
