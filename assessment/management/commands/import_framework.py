from datetime import datetime

from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Block
from assessment.formatting import compact
from assessment.models import Framework
from assessment.resources import CriterionResource
from assessment.services import framework_activate
from assessment.tree import totals as tree_totals
from cchc.commands import TableImportCommand


class _Rollback(Exception):
    pass


class Command(TableImportCommand):
    help = gettext_lazy(
        "Create a framework of a block from a spreadsheet (DOMAIN.md framework format) and print its totals."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--block", required=True, help=gettext_lazy("code of the block, such as departments"))
        parser.add_argument("--name", required=True, help=gettext_lazy("name of the framework"))
        parser.add_argument("--decision", default="", help=gettext_lazy("decision number, such as 5666/QĐ-UBND"))
        parser.add_argument("--decision-date", help=gettext_lazy("decision date, dd/mm/yyyy"))
        parser.add_argument("--first-year", type=int, help=gettext_lazy("first year it applies to"))
        parser.add_argument("--last-year", type=int, help=gettext_lazy("last year it applies to"))
        parser.add_argument("--activate", action="store_true", help=gettext_lazy("activate it at once"))

    def handle(self, *args, **options):
        try:
            self.block = Block.objects.get(code=options["block"])
        except Block.DoesNotExist as exc:
            raise CommandError(_("There is no block with code “%(code)s”.") % {"code": options["block"]}) from exc
        decision_date = None
        if options["decision_date"]:
            try:
                decision_date = datetime.strptime(options["decision_date"], "%d/%m/%Y").date()  # noqa: DTZ007
            except ValueError as exc:
                raise CommandError(
                    _("“%(value)s” is not a date (dd/mm/yyyy).") % {"value": options["decision_date"]}
                ) from exc
        first_year = options["first_year"] or (decision_date.year if decision_date else datetime.now().year)  # noqa: DTZ005
        try:
            with transaction.atomic():
                self.framework = Framework.objects.create(
                    block=self.block,
                    name=options["name"],
                    decision_number=options["decision"],
                    decision_date=decision_date,
                    first_year=first_year,
                    last_year=options["last_year"],
                )
                super().handle(*args, **options)
                if options["activate"] and not options["dry_run"]:
                    framework_activate(framework=self.framework, actor=None)
                if options["dry_run"]:
                    raise _Rollback
        except _Rollback:
            pass

    def get_resource(self, **options):
        self.resource = CriterionResource(self.framework)
        return self.resource

    def describe(self, outcome, **options):
        totals = tree_totals(self.resource.nodes)
        return _(
            "framework “%(name)s” of %(block)s: %(rows)s criteria, %(leaves)s scored; %(appraisal)s appraisal + "
            "%(survey)s survey = %(total)s points; bonus up to %(bonus)s, penalty up to %(penalty)s."
        ) % {
            "name": self.framework.name,
            "block": self.block.name,
            "rows": outcome.new + outcome.updated + outcome.unchanged,
            "leaves": totals.leaves,
            "appraisal": compact(totals.appraisal),
            "survey": compact(totals.survey),
            "total": compact(totals.total),
            "bonus": compact(totals.bonus),
            "penalty": compact(totals.penalty),
        }
