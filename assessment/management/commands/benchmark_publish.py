import time
from datetime import date
from statistics import median

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Mod
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role, User
from accounts.services import membership_grant
from assessment.management.commands.benchmark_open_period import Command as OpenBenchmark
from assessment.management.commands.benchmark_open_period import peak_rss_mib
from assessment.models import Assessment, AssessmentStatus, PublishedUnit, Score
from assessment.services import period_open
from assessment.services.results import period_publish, period_results


class _Rollback(Exception):
    pass


def _no_wrapper(execute, sql, params, many, context):
    return execute(sql, params, many, context)


class _StatementTimer:
    """Times each statement (its first words) into ``timed``."""

    def __init__(self, timed: list[tuple[float, str]]):
        self.timed = timed

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.timed.append((time.perf_counter() - started, " ".join(sql.split())[:90]))


class Command(BaseCommand):
    help = (
        "Benchmark: compute and publish a national-size period (default 5,000 units × 100 leaves, every leaf graded) "
        "and serve its public pages; prints the times. Everything is rolled back."
    )

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, default=5000)
        parser.add_argument("--leaves", type=int, default=100)
        parser.add_argument(
            "--repeat", type=int, default=3, help="publications timed, each beside its anchor (the median is printed)"
        )
        parser.add_argument(
            "--statements",
            action="store_true",
            help="also print the last publication's statements that took at least 2%% of it, with their times",
        )

    def handle(self, *args, **options):
        units, leaves = options["units"], options["leaves"]
        self.stdout.write(f"database: {connection.vendor}; {units} units × {leaves} leaves")
        try:
            with transaction.atomic():
                started = time.perf_counter()
                period = OpenBenchmark()._setup(units, leaves)
                period_open(period=period, actor=None)
                # Every leaf graded 0 or 1 (by its id), every assessment approved: set-based, not part of the timing.
                Score.objects.filter(assessment__period=period).update(appraised_points=Mod(F("id"), Value(2)))
                Assessment.objects.filter(period=period).update(status=AssessmentStatus.APPROVED)
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:  # the planner's statistics, as autovacuum keeps them in use
                        cursor.execute("ANALYZE")
                    self._key_checks()  # the setup's own (500,000 score rows), so that each run times only its own
                coordinator = User.objects.create(username=f"bench-coordinator-{int(time.time())}", full_name="Bench")
                membership_grant(user=coordinator, role=Role.COORDINATOR, actor=None)
                self.stdout.write(f"setup (units, framework, graded period): {time.perf_counter() - started:.2f} s")

                started = time.perf_counter()
                blocks = period_results(period)
                computed = time.perf_counter() - started
                self.stdout.write(
                    f"compute (provisional ranking): {computed:.2f} s — {sum(len(b.units) for b in blocks)} units"
                )

                ratios, committed = [], []
                for run in range(1, options["repeat"] + 1):
                    # Each publication beside its anchor, in the same minute: this machine is shared and noisy.
                    anchor = self._anchor(period) if connection.vendor == "postgresql" else None
                    last = run == options["repeat"]
                    savepoint = None if last else transaction.savepoint()
                    timed: list[tuple[float, str]] = []
                    wrapper = _StatementTimer(timed) if last and options["statements"] else _no_wrapper
                    started = time.perf_counter()
                    with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(wrapper):
                        publication = period_publish(
                            period=period,
                            actor=coordinator,
                            decision_number="1/QĐ-BENCH",
                            decision_date=date(2030, 4, 15),
                        )
                    published = time.perf_counter() - started
                    checks = self._key_checks() if anchor is not None else None
                    rows = PublishedUnit.objects.filter(publication=publication).count()
                    line = (
                        f"run {run}: compute and publish: {published:.2f} s — {rows} units frozen, "
                        f"{len(queries.captured_queries)} SQL statements"
                    )
                    if anchor is not None:
                        ratios.append(published / anchor[0])
                        committed.append((published + checks) / anchor[0])
                        line += (
                            f"; anchor (one SQL statement: each unit's index and rank, {anchor[1]} rows): "
                            f"{anchor[0]:.2f} s; ratio {ratios[-1]:.2f}×; the foreign-key checks its commit runs: "
                            f"{checks:.2f} s, with them {committed[-1]:.2f}×"
                        )
                    self.stdout.write(line)
                    for seconds, sql in timed:
                        if seconds >= published / 50:
                            anchored = f" ({seconds / anchor[0]:.2f}× the anchor)" if anchor is not None else ""
                            self.stdout.write(f"  {seconds:.3f} s{anchored}: {sql}")
                    if savepoint is not None:
                        transaction.savepoint_rollback(savepoint)  # unpublished again for the next run
                if ratios:
                    self.stdout.write(
                        f"compute and publish / anchor, median of {len(ratios)}: {median(ratios):.2f}× "
                        f"(with the foreign-key checks of its commit: {median(committed):.2f}×)"
                    )
                self.stdout.write(f"peak RSS of this process: {peak_rss_mib():.0f} MiB")
                self._pages(period)
                raise _Rollback
        except _Rollback:
            self.stdout.write("rolled back")

    def _key_checks(self) -> float:
        """The seconds of the checks the commit would run and a rolled-back run never pays: Django makes every
        foreign key DEFERRABLE INITIALLY DEFERRED, so each written row's keys are checked one by one at the commit.
        Run now, in the order the commit runs them; then deferred again, as Django left them (no constraint here
        is deferrable but initially immediate)."""
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            seconds = time.perf_counter() - started
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            return seconds

    def _anchor(self, period) -> tuple[float, int]:
        """The baseline: one statement adding up each unit's counted leaves and ranking the units in their block
        (what the database alone needs to answer; no fields, weakest leaves or snapshot)."""
        sql = """
            SELECT a.id, u.block_id,
                   ROUND(100 * SUM(COALESCE(s.council_points, s.reappraised_points, s.appraised_points, 0))
                         / NULLIF(SUM(c.max_points), 0), 4) AS index,
                   RANK() OVER (PARTITION BY u.block_id ORDER BY ROUND(100 * SUM(
                       COALESCE(s.council_points, s.reappraised_points, s.appraised_points, 0))
                       / NULLIF(SUM(c.max_points), 0), 2) DESC NULLS LAST) AS rank
            FROM assessment_score s
            JOIN assessment_criterion c ON c.id = s.criterion_id
            JOIN assessment_assessment a ON a.id = s.assessment_id
            JOIN accounts_unit u ON u.id = a.unit_id
            WHERE a.period_id = %s AND c.method IN ('appraisal', 'survey')
              AND NOT (c.method = 'appraisal' AND s.is_na AND s.na_confirmed IS TRUE)
            GROUP BY a.id, u.block_id
        """
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(sql, [period.pk])
            rows = cursor.fetchall()
            return time.perf_counter() - started, len(rows)

    def _pages(self, period):
        client = Client(HTTP_HOST="localhost")
        unit = PublishedUnit.objects.filter(publication__period=period).order_by("rank").first()
        for label, url in [
            ("public ranking page", reverse("public:results-period", args=[period.year])),
            ("public unit page", reverse("public:results-unit", args=[period.year, unit.unit_code])),
            ("CSV download (first, made and stored)", reverse("public:results-download", args=[period.year, "csv"])),
            ("CSV download (again, stored)", reverse("public:results-download", args=[period.year, "csv"])),
        ]:
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            self.stdout.write(
                f"{label}: {(time.perf_counter() - started) * 1000:.0f} ms, {len(queries.captured_queries)} queries, "
                f"{len(response.content) // 1024} KiB"
            )
