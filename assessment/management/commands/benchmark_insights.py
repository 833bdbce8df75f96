import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Mod

from assessment.management.commands.benchmark_open_period import Command as OpenBenchmark
from assessment.management.commands.benchmark_open_period import peak_rss_mib
from assessment.models import Score
from assessment.selectors.insights import period_accuracy, period_consistency
from assessment.services import period_open


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Benchmark: the accuracy of self-assessment and the consistency report for a national-size period "
        "(default 5,000 units × 100 leaves, every leaf self-scored and graded, a tenth graded again in round 2), "
        "beside one SQL statement reading the same rows; prints the times. Everything is rolled back."
    )

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, default=5000)
        parser.add_argument("--leaves", type=int, default=100)
        parser.add_argument("--runs", type=int, default=3)

    def handle(self, *args, **options):
        units, leaves = options["units"], options["leaves"]
        self.stdout.write(f"database: {connection.vendor}; {units} units × {leaves} leaves")
        try:
            with transaction.atomic():
                started = time.perf_counter()
                period = OpenBenchmark()._setup(units, leaves)
                period_open(period=period, actor=None)
                scores = Score.objects.filter(assessment__period=period)
                # Self 1 everywhere; graded 0 or 1 by the row's id; every tenth row graded again in round 2.
                scores.update(self_points=Value(1), appraised_points=Mod(F("id"), Value(2)))
                scores.annotate(tenth=Mod(F("id"), Value(10))).filter(tenth=0).update(reappraised_points=Value(1))
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("ANALYZE")
                self.stdout.write(f"setup: {time.perf_counter() - started:.2f} s")
                for run in range(1, options["runs"] + 1):
                    anchor = self._anchor(period.pk)
                    started = time.perf_counter()
                    accuracy = period_accuracy(period)
                    accuracy_time = time.perf_counter() - started
                    started = time.perf_counter()
                    consistency = period_consistency(period)
                    consistency_time = time.perf_counter() - started
                    self.stdout.write(
                        f"run {run}: anchor (one statement summing the period's graded leaves per unit) "
                        f"{anchor:.2f} s; accuracy {accuracy_time:.2f} s ({len(accuracy)} units, "
                        f"{accuracy_time / anchor:.2f}×); consistency {consistency_time:.2f} s "
                        f"({len(consistency.criteria)} criteria, {consistency_time / anchor:.2f}×)"
                    )
                self.stdout.write(f"peak RSS of this process: {peak_rss_mib():.0f} MiB")
                raise _Rollback
        except _Rollback:
            pass

    def _anchor(self, period_id: int) -> float:
        """One SQL statement reading the same rows: each assessment's sums of self and round-1 points."""
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT s.assessment_id, SUM(s.self_points), SUM(s.appraised_points) FROM assessment_score s "
                "JOIN assessment_assessment a ON a.id = s.assessment_id WHERE a.period_id = %s "
                "GROUP BY s.assessment_id",
                [period_id],
            )
            cursor.fetchall()
        return time.perf_counter() - started
