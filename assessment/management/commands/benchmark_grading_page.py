import statistics
import time
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role, User
from accounts.services import membership_grant
from assessment.management.commands.benchmark_assessment_page import Command as PageBenchmark
from assessment.models import Assessment, AssessmentStatus, Score


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Benchmark: open one unit's grading page with N leaves, and save a grade on every leaf (rolled back)."

    def add_arguments(self, parser):
        parser.add_argument("--leaves", type=int, default=100)
        parser.add_argument("--runs", type=int, default=10)

    def handle(self, *args, **options):
        leaves, runs = options["leaves"], options["runs"]
        self.stdout.write(f"database: {connection.vendor}; one unit, {leaves} leaves; {runs} runs each")
        try:
            with transaction.atomic():
                assessment, _staff = PageBenchmark()._setup(leaves)
                Assessment.objects.filter(pk=assessment.pk).update(status=AssessmentStatus.SUBMITTED)
                agency = Score.objects.filter(assessment=assessment).values_list("agency", flat=True).first()
                appraiser = User.objects.create(username=f"bench-appraiser-{int(time.time())}", full_name="Bench")
                from accounts.models import Unit

                membership_grant(user=appraiser, role=Role.APPRAISER, unit=Unit.objects.get(pk=agency), actor=None)
                client = Client(HTTP_HOST="localhost")
                client.force_login(appraiser)
                url = reverse("admin:assessment_assessment_grade", args=[assessment.pk])
                client.get(url)
                times = []
                for _ in range(runs):
                    started = time.perf_counter()
                    assert client.get(url).status_code == 200
                    times.append(time.perf_counter() - started)
                with CaptureQueriesContext(connection) as queries:
                    client.get(url)
                saves = []
                for run in range(runs):
                    data = self._post_data(assessment, Decimal(run % 2))
                    started = time.perf_counter()
                    response = client.post(url, data)
                    saves.append(time.perf_counter() - started)
                    assert response.status_code == 302, response.status_code
                self.stdout.write(
                    f"grading page: median {statistics.median(times) * 1000:.1f} ms, "
                    f"{len(queries.captured_queries)} SQL queries"
                )
                self.stdout.write(f"save of {leaves} grades: median {statistics.median(saves) * 1000:.1f} ms")
                raise _Rollback
        except _Rollback:
            self.stdout.write("rolled back")

    def _post_data(self, assessment, points):
        from assessment.admin.assessments import GradeForm
        from assessment.policy import appraisal_round

        data = {}
        round_ = None
        for score in Score.objects.filter(assessment=assessment).select_related("criterion", "assessment__period"):
            round_ = round_ or appraisal_round(score.assessment)
            form = GradeForm(score=score, round_=round_)
            data[form.add_prefix("version")] = str(score.version)
            data[form.add_prefix("seen")] = form.initial["seen"]
            data[form.add_prefix("points")] = str(points)
            data[form.add_prefix("comment")] = f"Lần {points}"
        return data
