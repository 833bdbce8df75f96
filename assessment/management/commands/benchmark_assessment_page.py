import statistics
import time
from datetime import timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import connection, reset_queries, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Block, Role, Unit, User
from accounts.services import membership_grant
from assessment.models import Assessment, Criterion, Framework, Method, Period, PeriodBlock
from assessment.policy import SELF
from assessment.services import framework_activate, period_open


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Benchmark: server time of the assessment page with N leaves in one field, and of saving that field."

    def add_arguments(self, parser):
        parser.add_argument("--leaves", type=int, default=100)
        parser.add_argument("--runs", type=int, default=20)

    def handle(self, *args, **options):
        leaves, runs = options["leaves"], options["runs"]
        self.stdout.write(f"database: {connection.vendor}; one field of {leaves} leaves; {runs} runs each")
        try:
            with transaction.atomic():
                assessment, user = self._setup(leaves)
                client = Client(HTTP_HOST="localhost")
                client.force_login(user)
                url = reverse("assessment:assessment-detail", args=[assessment.pk]) + "?field=1"
                client.get(url)  # warm up templates and caches
                page_times = []
                for _ in range(runs):
                    started = time.perf_counter()
                    response = client.get(url)
                    page_times.append(time.perf_counter() - started)
                    assert response.status_code == 200, response.status_code
                reset_queries()
                with _count_queries() as queries:
                    client.get(url)
                save_times = []
                for run in range(runs):
                    data = self._post_data(assessment, run)
                    started = time.perf_counter()
                    saved = client.post(reverse("assessment:section-save", args=[assessment.pk, "1"]), data)
                    save_times.append(time.perf_counter() - started)
                    assert saved.status_code == 302, saved.status_code
                self.stdout.write(
                    f"page: median {statistics.median(page_times) * 1000:.1f} ms, "
                    f"max {max(page_times) * 1000:.1f} ms, {queries['count']} SQL queries"
                )
                self.stdout.write(
                    f"save of all {leaves} leaves: median {statistics.median(save_times) * 1000:.1f} ms, "
                    f"max {max(save_times) * 1000:.1f} ms"
                )
                raise _Rollback
        except _Rollback:
            self.stdout.write("rolled back")

    def _post_data(self, assessment, run: int) -> dict:
        """Every leaf of the field changed, posted as the browser would."""
        from assessment.selectors.portal import field_rows
        from assessment.views import _field_forms

        data = {}
        for form in _field_forms(assessment, field_rows(assessment, "1"), SELF).values():
            data[form.add_prefix("version")] = str(form.score.version)
            data[form.add_prefix("seen")] = form.initial["seen"]
            data[form.add_prefix("declared_value")] = str(run % 2)
            data[form.add_prefix("no_evidence_reason")] = f"Lần {run}"
        return data

    def _setup(self, leaves: int):
        tag = f"bench-page-{int(time.time())}"
        block = Block.objects.create(code=tag, name=tag, order=999)
        agency = Unit.objects.create(code=f"{tag}-agency", name="Cơ quan", block=block, is_appraising_agency=True)
        unit = Unit.objects.create(code=f"{tag}-unit", name="Đơn vị", block=block)
        framework = Framework.objects.create(block=block, name=tag, first_year=2000)
        field = Criterion.objects.create(framework=framework, code="1", title="Lĩnh vực", max_points=leaves, order=1)
        Criterion.objects.bulk_create(
            Criterion(
                framework=framework,
                parent=field,
                code=f"1.{n}",
                title=f"Tiêu chí {n}",
                max_points=Decimal(1),
                method=Method.APPRAISAL,
                rule="yes_no",
                evidence_required=True,
                appraising_agency=agency,
                order=n + 1,
            )
            for n in range(1, leaves + 1)
        )
        framework_activate(framework=framework, actor=None)
        today = timezone.localdate()
        year = (Period.objects.order_by("-year").values_list("year", flat=True).first() or 2999) + 1
        period = Period.objects.create(
            year=year,
            name=tag,
            self_assessment_opens=today - timedelta(days=1),
            self_assessment_closes=today + timedelta(days=1),
            appraisal_closes=today + timedelta(days=2),
            explanation_opens=today + timedelta(days=3),
            explanation_closes=today + timedelta(days=4),
            council_date=today + timedelta(days=5),
            publication_date=today + timedelta(days=6),
        )
        PeriodBlock.objects.create(period=period, block=block, framework=framework)
        period_open(period=period, actor=None)
        user = User.objects.create(username=tag, full_name="Benchmark")
        membership_grant(user=user, role=Role.UNIT_STAFF, unit=unit, actor=None)
        return Assessment.objects.get(period=period, unit=unit), user


class _count_queries:
    """Count the SQL statements of a block (works with DEBUG off too)."""

    def __enter__(self):
        from django.test.utils import CaptureQueriesContext

        self.context = CaptureQueriesContext(connection)
        self.context.__enter__()
        self.result = {"count": 0}
        return self.result

    def __exit__(self, *exc):
        self.context.__exit__(*exc)
        self.result["count"] = len(self.context.captured_queries)
