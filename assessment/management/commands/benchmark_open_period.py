import resource
import time
from datetime import date
from decimal import Decimal
from statistics import median

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from accounts.models import Block, Unit
from assessment.models import Assessment, Criterion, Framework, Method, Period, PeriodBlock, Score
from assessment.services import framework_activate, period_open


class _Rollback(Exception):
    pass


def peak_rss_mib() -> float:
    """The process's peak resident memory so far (Linux reports it in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Command(BaseCommand):
    help = "Benchmark: open a national-size period (default 5,000 units × 100 leaves) and print the time."

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, default=5000)
        parser.add_argument("--leaves", type=int, default=100)
        parser.add_argument(
            "--runs", type=int, default=3, help="openings timed, each beside its anchor (the median is printed)"
        )
        parser.add_argument("--keep", action="store_true", help="keep the data (default: roll everything back)")

    def handle(self, *args, **options):
        units, leaves = options["units"], options["leaves"]
        self.stdout.write(f"database: {connection.vendor}; {units} units × {leaves} leaves")
        postgresql = connection.vendor == "postgresql"
        ratios = []
        try:
            with transaction.atomic():
                for run in range(1, options["runs"] + 1):
                    last = run == options["runs"]
                    # Each run undone but the last, so that every opening and anchor writes into the same tables.
                    savepoint = None if last else transaction.savepoint()
                    started = time.perf_counter()
                    period = self._setup(units, leaves)
                    setup = time.perf_counter() - started
                    # The anchor first in odd runs, second in even ones: the second insert finds bigger indexes.
                    anchor = self._anchor(period) if postgresql and run % 2 else None
                    started = time.perf_counter()
                    result = period_open(period=period, actor=None)
                    first = time.perf_counter() - started
                    if postgresql and anchor is None:
                        anchor = self._anchor(period)
                    line = (
                        f"run {run}: setup {setup:.2f} s; open period: {first:.2f} s — "
                        f"{result.assessments_created} assessments, {result.scores_created} score rows"
                    )
                    if anchor is not None:
                        ratios.append(first / anchor[0])
                        line += (
                            f"; anchor (one raw INSERT … SELECT of the same rows for a twin period, "
                            f"{'before' if run % 2 else 'after'}): {anchor[0]:.2f} s — {anchor[1]} rows; "
                            f"ratio {ratios[-1]:.2f}×"
                        )
                    self.stdout.write(line)
                    if savepoint is not None:
                        transaction.savepoint_rollback(savepoint)
                if ratios:
                    self.stdout.write(f"open period / anchor, median of {len(ratios)}: {median(ratios):.2f}×")

                started = time.perf_counter()
                again = period_open(period=period, actor=None)
                second = time.perf_counter() - started
                rows = Score.objects.filter(assessment__period=period).count()
                self.stdout.write(
                    f"open again (idempotent): {second:.2f} s — {again.assessments_created} assessments, "
                    f"{again.scores_created} score rows created ({rows} in the table)"
                )
                self.stdout.write(f"peak RSS of this process: {peak_rss_mib():.0f} MiB")
                if not options["keep"]:
                    raise _Rollback
        except _Rollback:
            self.stdout.write("rolled back (use --keep to keep the data)")

    def _anchor(self, period: Period) -> tuple[float, int]:
        """The same score rows written by one plain INSERT … SELECT (assessment × leaf, every other column a
        constant), for a twin period of the next year with the same units; the baseline of the product."""
        twin = Period.objects.create(
            **{
                f.name: getattr(period, f.name)
                for f in Period._meta.concrete_fields
                if not f.primary_key and f.name not in ("year", "name", "opened_at")
            },
            year=period.year + 1,
            name=f"{period.name} (anchor)",
        )
        block = PeriodBlock.objects.get(period=period)
        PeriodBlock.objects.create(period=twin, block=block.block, framework=block.framework)
        Assessment.objects.bulk_create(
            [
                Assessment(period=twin, unit_id=unit_id, framework=block.framework)
                for unit_id in Unit.objects.filter(block=block.block).values_list("id", flat=True)
            ],
            batch_size=5000,
        )
        quote = connection.ops.quote_name
        given = {"assessment", "criterion", "max_points", "agency"}
        constants = [f for f in Score._meta.concrete_fields if not f.primary_key and f.name not in given and not f.null]
        columns = ", ".join(
            [quote(Score._meta.get_field(name).column) for name in ("assessment", "criterion", "max_points", "agency")]
            + [quote(f.column) for f in constants]
        )
        sql = (
            f"INSERT INTO {quote(Score._meta.db_table)} ({columns}) "  # noqa: S608 (names from the models)
            f"SELECT a.id, c.id, c.max_points, c.appraising_agency_id{', %s' * len(constants)} "
            f"FROM {quote(Assessment._meta.db_table)} a JOIN {quote(Criterion._meta.db_table)} c "
            "ON c.framework_id = a.framework_id AND c.method <> '' WHERE a.period_id = %s"
        )
        params = [f.get_db_prep_save(f.get_default(), connection) for f in constants] + [twin.pk]
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(sql, params)
            return time.perf_counter() - started, cursor.rowcount

    def _setup(self, units: int, leaves: int) -> Period:
        tag = f"bench-{int(time.time())}"
        block = Block.objects.create(code=tag, name=f"Benchmark {tag}", order=999)
        agency = Unit.objects.create(
            code=f"{tag}-agency", name="Benchmark agency", block=block, is_appraising_agency=True
        )
        Unit.objects.bulk_create(
            [Unit(code=f"{tag}-{number:05d}", name=f"Đơn vị {number:05d}", block=block) for number in range(units - 1)],
            batch_size=5000,
        )
        framework = Framework.objects.create(block=block, name=f"Benchmark {tag}", first_year=2000)
        fields = 10
        per_field = max(leaves // fields, 1)
        criteria, order = [], 0
        for field in range(1, fields + 1):
            order += 1
            criteria.append(
                Criterion(
                    framework=framework,
                    code=str(field),
                    title=f"Lĩnh vực {field}",
                    order=order,
                    max_points=Decimal(per_field),
                    appraising_agency=agency,
                )
            )
            for leaf in range(1, per_field + 1):
                order += 1
                criteria.append(
                    Criterion(
                        framework=framework,
                        code=f"{field}.{leaf}",
                        title=f"Tiêu chí {field}.{leaf}",
                        order=order,
                        max_points=Decimal(1),
                        method=Method.APPRAISAL,
                        rule="yes_no",
                        appraising_agency=agency,
                    )
                )
        Criterion.objects.bulk_create(criteria)
        parents = {c.code: c for c in Criterion.objects.filter(framework=framework, method="")}
        children = list(Criterion.objects.filter(framework=framework).exclude(method=""))
        for child in children:
            child.parent = parents[child.field_code]
        Criterion.objects.bulk_update(children, ["parent"], batch_size=1000)
        framework_activate(framework=framework, actor=None)
        year = (Period.objects.order_by("-year").values_list("year", flat=True).first() or 2999) + 1
        period = Period.objects.create(
            year=year,
            name=f"Benchmark {year}",
            self_assessment_opens=date(2030, 1, 1),
            self_assessment_closes=date(2030, 1, 31),
            appraisal_closes=date(2030, 2, 28),
            explanation_opens=date(2030, 3, 1),
            explanation_closes=date(2030, 3, 15),
            council_date=date(2030, 3, 31),
            publication_date=date(2030, 4, 15),
        )
        PeriodBlock.objects.create(period=period, block=block, framework=framework)
        return period
