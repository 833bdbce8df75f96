import statistics
import time
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.decorators import login_not_required
from django.core.management.base import BaseCommand
from django.db import connection, reset_queries, transaction
from django.http import HttpResponse
from django.test import Client
from django.test.utils import override_settings
from django.urls import path, reverse
from django.utils import timezone

from accounts.models import Block, Role, Unit, User
from accounts.services import membership_grant
from assessment.models import Assessment, Criterion, Framework, Method, Period, PeriodBlock
from assessment.policy import SELF
from assessment.services import framework_activate, period_open


class _Rollback(Exception):
    pass


@login_not_required
def ping(request):
    """The anchor: the smallest view, through the same middleware and client (as tools/loadtest_urls.py's)."""
    return HttpResponse("ok", content_type="text/plain")


def _urlpatterns():
    from cchc.urls import urlpatterns as site

    return [path("-/ping/", ping), *site]


urlpatterns = _urlpatterns()  # this module is the URL configuration while it runs: the site plus /-/ping/


class Command(BaseCommand):
    help = "Benchmark: server time of the assessment page with N leaves in one field, and of saving that field."

    def add_arguments(self, parser):
        parser.add_argument("--leaves", type=int, default=100)
        parser.add_argument("--runs", type=int, default=20)

    def handle(self, *args, **options):
        with override_settings(ROOT_URLCONF=__name__):
            self._handle(options)

    def _handle(self, options):
        leaves, runs = options["leaves"], options["runs"]
        self.stdout.write(f"database: {connection.vendor}; one field of {leaves} leaves; {runs} runs each")
        try:
            with transaction.atomic():
                assessment, user = self._setup(leaves)
                client = Client(HTTP_HOST="localhost")
                client.force_login(user)
                url = reverse("assessment:assessment-detail", args=[assessment.pk]) + "?field=1"
                client.get(url)  # warm up templates and caches
                client.get("/-/ping/")
                page_times, anchor_times = [], []
                for _ in range(runs):  # interleaved: the same load on the machine for both
                    started = time.perf_counter()
                    response = client.get(url)
                    page_times.append(time.perf_counter() - started)
                    assert response.status_code == 200, response.status_code
                    started = time.perf_counter()
                    response = client.get("/-/ping/")
                    anchor_times.append(time.perf_counter() - started)
                    assert response.status_code == 200, response.status_code
                reset_queries()
                with _count_queries() as queries:
                    client.get(url)
                save_times, save_queries = [], set()
                for run in range(runs):
                    data = self._post_data(assessment, run)
                    started = time.perf_counter()
                    with _count_queries() as counted:
                        saved = client.post(reverse("assessment:section-save", args=[assessment.pk, "1"]), data)
                    save_times.append(time.perf_counter() - started)
                    save_queries.add(counted["count"])
                    assert saved.status_code == 302, saved.status_code
                page, anchor = statistics.median(page_times), statistics.median(anchor_times)
                self.stdout.write(
                    f"page: median {page * 1000:.1f} ms, max {max(page_times) * 1000:.1f} ms, "
                    f"{queries['count']} SQL queries"
                )
                self.stdout.write(
                    f"anchor (the smallest view, same middleware and client): median {anchor * 1000:.1f} ms; "
                    f"page − anchor: {(page - anchor) * 1000:.1f} ms; page / anchor: {page / anchor:.1f}×"
                )
                self.stdout.write(
                    f"save of all {leaves} leaves: median {statistics.median(save_times) * 1000:.1f} ms, "
                    f"max {max(save_times) * 1000:.1f} ms, {'/'.join(map(str, sorted(save_queries)))} SQL queries"
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
