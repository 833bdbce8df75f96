"""Benchmark: the guidance of earlier years on a field page (selectors.guidance.criteria_guidance), computed (the first
unit of the block to open the field) and from the cache (every other unit), beside its anchor, the rows of the same
field (selectors.portal.field_rows), timed interleaved in the same run; rolled back."""

import statistics
import time
import zlib
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.db.models import Max
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Block, Unit, User
from assessment.models import (
    Assessment,
    AssessmentStatus,
    Criterion,
    Document,
    Evidence,
    Framework,
    ImprovementItem,
    Method,
    Period,
    PeriodBlock,
    Publication,
    Score,
)
from assessment.selectors.guidance import cache_key, criteria_guidance
from assessment.selectors.portal import field_rows
from assessment.services import framework_activate, period_open

COMMENTS = [
    "Chưa cung cấp đủ tài liệu kiểm chứng.",
    "Văn bản ban hành chậm so với kế hoạch.",
    "Tỷ lệ đạt thấp hơn mức yêu cầu.",
    "Báo cáo không đúng thời hạn quy định.",
    "Thiếu phụ lục kèm theo báo cáo.",
    "Chưa công khai trên cổng thông tin.",
]
NUMBERS = ["1/KH-UBND", "2/BC-UBND", "3/QĐ-UBND", ""]


class _Rollback(Exception):
    pass


def _draw(*parts) -> int:
    return zlib.crc32("|".join(map(str, parts)).encode()) % 10000


class Command(BaseCommand):
    help = "Benchmark: the guidance of earlier years beside each criterion of a field page, beside its anchor."

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, default=150)
        parser.add_argument("--leaves", type=int, default=30)
        parser.add_argument("--years", type=int, default=3)
        parser.add_argument("--runs", type=int, default=20)

    def handle(self, *args, **options):
        units, leaves, years, runs = options["units"], options["leaves"], options["years"], options["runs"]
        self.stdout.write(
            f"database: {connection.vendor}; {units} units, one field of {leaves} leaves, {years} earlier published "
            f"years; {runs} runs each"
        )
        try:
            with transaction.atomic():
                started = time.perf_counter()
                assessment = self._setup(units, leaves, years)
                self.stdout.write(f"set up in {time.perf_counter() - started:.1f} s")
                codes = [f"1.{n}" for n in range(1, leaves + 1)]
                newest = Publication.objects.filter(period__year__lt=assessment.period.year).aggregate(
                    newest=Max("pk")
                )["newest"]
                key = cache_key(assessment, newest, codes)
                criteria_guidance(assessment, codes)  # warm up
                field_rows(assessment, "1")
                cold_times, warm_times, anchor_times = [], [], []
                for _ in range(runs):  # interleaved: the same load on the machine for all three
                    cache.delete(key)
                    began = time.perf_counter()
                    guidance = criteria_guidance(assessment, codes)
                    cold_times.append(time.perf_counter() - began)
                    began = time.perf_counter()
                    criteria_guidance(assessment, codes)
                    warm_times.append(time.perf_counter() - began)
                    began = time.perf_counter()
                    list(field_rows(assessment, "1"))
                    anchor_times.append(time.perf_counter() - began)
                cache.delete(key)
                with CaptureQueriesContext(connection) as cold_queries:
                    criteria_guidance(assessment, codes)
                with CaptureQueriesContext(connection) as warm_queries:
                    criteria_guidance(assessment, codes)
                cache.delete(key)
                cold, warm = statistics.median(cold_times), statistics.median(warm_times)
                anchor = statistics.median(anchor_times)
                graded = sum(item.graded for item in guidance.values())
                self.stdout.write(
                    f"guidance, first unit of the block (computed): median {cold * 1000:.1f} ms, "
                    f"max {max(cold_times) * 1000:.1f} ms, {len(cold_queries.captured_queries)} SQL queries, "
                    f"over {graded} graded leaves of earlier years"
                )
                self.stdout.write(
                    f"guidance, every other unit (earlier years from the cache): median {warm * 1000:.1f} ms, "
                    f"max {max(warm_times) * 1000:.1f} ms, {len(warm_queries.captured_queries)} SQL queries"
                )
                self.stdout.write(
                    f"anchor (the rows of the same field, selectors.portal.field_rows): median {anchor * 1000:.1f} ms; "
                    f"computed / anchor: {cold / anchor:.1f}×; cached / anchor: {warm / anchor:.1f}×"
                )
                raise _Rollback
        except _Rollback:
            self.stdout.write("rolled back")

    def _setup(self, units: int, leaves: int, years: int) -> Assessment:
        tag = f"bench-guidance-{int(time.time())}"
        block = Block.objects.create(code=tag, name=tag, order=999)
        agency = Unit.objects.create(code=f"{tag}-agency", name="Cơ quan", block=block, is_appraising_agency=True)
        members = [Unit(code=f"{tag}-{n}", name=f"Đơn vị {n}", block=block) for n in range(units)]
        Unit.objects.bulk_create(members)
        members = list(Unit.objects.filter(block=block).exclude(pk=agency.pk).order_by("code")) + [agency]
        user = User.objects.create(username=tag, full_name="Benchmark")
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
                rule="manual",
                appraising_agency=agency,
                order=n + 1,
            )
            for n in range(1, leaves + 1)
        )
        framework_activate(framework=framework, actor=None)
        documents = {}
        for unit in members:
            for position, number in enumerate(NUMBERS):
                documents[(unit.pk, position)] = Document(
                    unit=unit,
                    file=f"evidence/{unit.pk}/{tag}-{position}.pdf",
                    original_name=f"{position}.pdf",
                    kind="pdf" if number else "jpg",
                    size=1,
                    sha256=f"{tag}-{unit.pk}-{position}",
                    number=number,
                    uploaded_by=user,
                )
        Document.objects.bulk_create(documents.values())
        first = (Period.objects.order_by("-year").values_list("year", flat=True).first() or 2999) + 1
        for year in range(first, first + years + 1):
            today = timezone.localdate()
            period = Period.objects.create(
                year=year,
                name=f"{tag} {year}",
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
            if year == first + years:
                break  # the open year: the page
            groups, links = defaultdict(list), []
            for pk, unit_id, code in Score.objects.filter(assessment__period=period).values_list(
                "pk", "assessment__unit_id", "criterion__code"
            ):
                draw = _draw(unit_id, code, year)
                if draw % 5 < 3:  # full points, with one or two documents
                    groups[(Decimal(1), "")].append(pk)
                    links.append(Evidence(score_id=pk, document=documents[(unit_id, draw % 4)], added_by=user))
                    if draw % 2:
                        links.append(
                            Evidence(score_id=pk, document=documents[(unit_id, (draw + 1) % 4)], added_by=user)
                        )
                else:
                    groups[(Decimal("0.5"), COMMENTS[draw % len(COMMENTS)])].append(pk)
            for (points, comment), ids in groups.items():
                for start in range(0, len(ids), 500):
                    Score.objects.filter(pk__in=ids[start : start + 500]).update(
                        appraised_points=points, appraised_comment=comment
                    )
            Evidence.objects.bulk_create(links, batch_size=500)
            Assessment.objects.filter(period=period).update(status=AssessmentStatus.PUBLISHED)
            Publication.objects.create(
                period=period,
                version=1,
                decision_number="1/QĐ-UBND",
                decision_date=today,
                published_at=timezone.now(),
                published_by=user,
            )
        previous = Assessment.objects.get(period__year=first + years - 1, unit=members[0]) if years else None
        if previous is not None:
            ImprovementItem.objects.bulk_create(
                ImprovementItem(
                    assessment=previous,
                    criterion=criterion,
                    cause="Chậm",
                    action="Sửa",
                    lead="Văn phòng",
                    starts=date(first, 5, 1),
                    due=date(first, 12, 1),
                    updated_by=user,
                )
                for criterion in Criterion.objects.filter(framework=framework, method=Method.APPRAISAL)[:5]
            )
        return Assessment.objects.select_related("period", "framework").get(period__year=first + years, unit=members[0])
