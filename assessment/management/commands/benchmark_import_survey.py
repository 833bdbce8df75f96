import statistics
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from accounts.models import Role, User
from accounts.services import membership_grant
from assessment.management.commands.benchmark_open_period import Command as OpenBenchmark
from assessment.models import Criterion, Method, PeriodBlock, Score
from assessment.resources import SurveyResource
from assessment.services import period_open
from cchc.imports import SCORE_IMPORT_FORMATS, import_table, read_table

SURVEY_LEAVES = 8  # as the sample framework and the demo's: 8 survey criteria per unit


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Benchmark (issue 14): a survey file of N units × 8 survey criteria (default 5,000 units, 40,000 rows); "
        "times its preview (dry run, in the request) and its import (what the background job runs) beside the "
        "anchor, one SQL UPDATE writing the same rows' points; medians of --runs. Rolled back."
    )

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, default=5000)
        parser.add_argument("--runs", type=int, default=3)

    def handle(self, *args, **options):
        units, runs = options["units"], options["runs"]
        self.stdout.write(f"database: {connection.vendor}; {units} units × {SURVEY_LEAVES} survey criteria")
        try:
            with transaction.atomic():
                started = time.perf_counter()
                period, content, user = self._setup(units)
                rows = content.count(b"\n") - 1
                self.stdout.write(
                    f"setup (units, opened period, file of {rows} rows): {time.perf_counter() - started:.1f} s"
                )
                anchors, previews, imports = [], [], []
                for run in range(runs):
                    points = "1" if run % 2 == 0 else "0.5"
                    content = self._file(period, points)
                    anchors.append(self._anchor(period))
                    self._clear(period)
                    started = time.perf_counter()
                    dry = import_table(
                        SurveyResource(period=period),
                        read_table(content, "survey.csv", formats=SCORE_IMPORT_FORMATS),
                        user=user,
                        commit=False,
                    )
                    previews.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    outcome = import_table(
                        SurveyResource(period=period),
                        read_table(content, "survey.csv", formats=SCORE_IMPORT_FORMATS),
                        user=user,
                        commit=True,
                    )
                    imports.append(time.perf_counter() - started)
                    assert dry.ok and outcome.ok and outcome.updated == rows, [
                        str(p) for p in (dry.problems + outcome.problems)[:3]
                    ]
                    self._clear(period)
                    self.stdout.write(
                        f"run {run + 1}: anchor {anchors[-1]:.3f} s, preview {previews[-1]:.2f} s, "
                        f"import {imports[-1]:.2f} s"
                    )
                anchor, preview, imported = (statistics.median(values) for values in (anchors, previews, imports))
                self.stdout.write(f"anchor (one UPDATE of the {rows} rows), median: {anchor:.3f} s")
                self.stdout.write(
                    f"preview (dry run), median: {preview:.2f} s = {preview / anchor:.0f}× the anchor; "
                    f"{preview / rows * 1000:.2f} ms a row"
                )
                self.stdout.write(
                    f"import (the background job's work), median: {imported:.2f} s = {imported / anchor:.0f}× the "
                    f"anchor; {imported / rows * 1000:.2f} ms a row"
                )
                raise _Rollback
        except _Rollback:
            self.stdout.write("rolled back")

    def _setup(self, units: int):
        period = OpenBenchmark()._setup(units, 10)  # 10 fields of one leaf each; 8 of them become survey leaves
        framework = PeriodBlock.objects.get(period=period).framework
        Criterion.objects.filter(framework=framework, code__in=[f"{n}.1" for n in range(1, SURVEY_LEAVES + 1)]).update(
            method=Method.SURVEY, rule=""
        )
        period_open(period=period, actor=None)
        user = User.objects.create(username=f"bench-noivu-{int(time.time())}", full_name="Benchmark")
        membership_grant(user=user, role=Role.COORDINATOR, actor=None)
        return period, self._file(period, "1"), user

    @staticmethod
    def _survey_scores(period):
        return Score.objects.filter(assessment__period=period, criterion__method=Method.SURVEY)

    def _file(self, period, points: str) -> bytes:
        pairs = self._survey_scores(period).order_by("pk").values_list("assessment__unit__code", "criterion__code")
        lines = ["Mã đơn vị,Mã tiêu chí,Điểm", *(f"{unit},{code},{points}" for unit, code in pairs)]
        return ("\n".join(lines) + "\n").encode()

    def _anchor(self, period) -> float:
        ids = list(self._survey_scores(period).values_list("pk", flat=True))
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE assessment_score SET survey_points = 1 WHERE criterion_id IN (SELECT id FROM "
                "assessment_criterion WHERE method = 'survey') AND assessment_id IN (SELECT id FROM "
                "assessment_assessment WHERE period_id = %s)",
                [period.pk],
            )
            assert cursor.rowcount == len(ids)
        return time.perf_counter() - started

    def _clear(self, period) -> None:
        self._survey_scores(period).update(survey_points=None)
