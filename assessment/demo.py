"""Demo: Hanoi today, with its history.

- 2022: illustrative results of the 22 departments and 30 districts, imported as earlier results;
- 2023 and 2024 (the last year with districts): appraised, approved and published;
- 2025: Hanoi's 16 departments after the consolidation and its 126 communes and wards, appraised, approved and
  published (the communes and wards' block is assessed for the first time);
- 2026: open for self-assessment, its calendar moved so that it is open on the day the demo is loaded.

Frameworks: the sample framework for departments and districts (2022–2024), the same with the 2025 agencies for
departments from 2025, and a commune framework adapted from it (all "(mẫu minh họa)", illustrations only).
Idempotent: what exists is kept; every score is illustrative, derived from the unit and criterion codes so that
each load gives the same numbers.
"""

import zlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from accounts.models import Block, Membership, Role, User
from assessment import scoring
from assessment.models import (
    Adjustment,
    Assessment,
    AssessmentEvent,
    AssessmentStatus,
    EarlierResult,
    Framework,
    Method,
    Period,
    PeriodBlock,
    Score,
)
from assessment.resources import CriterionResource
from assessment.selectors.frameworks import units_taking_part
from assessment.services import framework_activate, period_open
from assessment.services.results import period_publish
from cchc.imports import import_table, read_table

DATA = Path(__file__).resolve().parent / "data"
SAMPLE = DATA / "framework-sample.csv"
COMMUNES_SAMPLE = DATA / "framework-communes-sample.csv"
DEMO_YEAR = 2026  # open for self-assessment
PUBLISHED_YEARS = (2023, 2024, 2025)
EARLIER_YEAR = 2022  # imported as an earlier result, for the year-over-year comparison
LOSS_COMMENTS = [
    "Chưa cung cấp đủ tài liệu kiểm chứng.",
    "Văn bản ban hành chậm so với kế hoạch.",
    "Tỷ lệ đạt thấp hơn mức yêu cầu.",
    "Báo cáo không đúng thời hạn quy định.",
]
# Since 1/3/2025 the fields of the absorbed departments are appraised by the departments that absorbed them.
AGENCIES_2025 = {"so-ke-hoach-va-dau-tu": "so-tai-chinh", "so-thong-tin-va-truyen-thong": "so-khoa-hoc-va-cong-nghe"}


@dataclass(frozen=True)
class DemoFramework:
    block: str
    version: int
    name: str
    first_year: int
    last_year: int | None
    path: Path
    agencies: dict


FRAMEWORKS = [
    DemoFramework("departments", 1, "Bộ chỉ số CCHC khối Sở, ban, ngành (mẫu minh họa)", 2022, 2024, SAMPLE, {}),
    DemoFramework("districts", 1, "Bộ chỉ số CCHC khối quận, huyện, thị xã (mẫu minh họa)", 2022, 2024, SAMPLE, {}),
    DemoFramework(
        "departments",
        2,
        "Bộ chỉ số CCHC khối Sở, ban, ngành từ năm 2025 (mẫu minh họa)",
        2025,
        None,
        SAMPLE,
        AGENCIES_2025,
    ),
    DemoFramework("communes", 1, "Bộ chỉ số CCHC khối xã, phường (mẫu minh họa)", 2025, None, COMMUNES_SAMPLE, {}),
]
# Blocks assessed each year: the districts until 2024, the communes and wards from 2025.
BLOCKS_OF_YEAR = {
    year: ("departments", "districts") if year <= 2024 else ("departments", "communes") for year in range(2022, 2027)
}
# The calendar of each published year: (self-assessment opens, publication); the rest follows from these.
PUBLISHED = {
    2023: (date(2024, 1, 2), date(2024, 4, 5), "1234/QĐ-UBND"),
    2024: (date(2025, 1, 2), date(2025, 4, 4), "1180/QĐ-UBND"),
    2025: (date(2026, 1, 5), date(2026, 4, 3), "1402/QĐ-UBND"),
}
ADJUSTMENTS = {
    2023: [
        ("so-tu-phap", Method.BONUS, Decimal("1.50"), "Sáng kiến số hóa hồ sơ lý lịch tư pháp"),
        ("so-tai-chinh", Method.BONUS, Decimal("0.75"), "Mô hình một cửa điện tử liên thông"),
        ("quan-ba-dinh", Method.PENALTY, Decimal("1.00"), "Để xảy ra sai phạm trong giải quyết TTHC"),
    ],
    2024: [
        ("quan-hoan-kiem", Method.BONUS, Decimal("1.00"), "Mô hình phố đi bộ thông minh"),
        ("so-noi-vu", Method.PENALTY, Decimal("0.50"), "Báo cáo chậm so với quy định"),
    ],
    2025: [
        ("phuong-ba-dinh", Method.BONUS, Decimal("1.00"), "Mô hình Bộ phận Một cửa không giấy tờ"),
        ("xa-soc-son", Method.PENALTY, Decimal("0.50"), "Để xảy ra hồ sơ quá hạn không có văn bản xin lỗi"),
    ],
}


def _framework(block: Block, year: int) -> Framework:
    """The demo framework of ``block`` valid in ``year`` (made, filled from its file and activated once)."""
    spec = next(
        spec
        for spec in FRAMEWORKS
        if spec.block == block.code and spec.first_year <= year and (spec.last_year is None or year <= spec.last_year)
    )
    framework, created = Framework.objects.get_or_create(
        block=block,
        version=spec.version,
        defaults={"name": spec.name, "first_year": spec.first_year, "last_year": spec.last_year},
    )
    if created or not framework.criteria.exists():
        text = spec.path.read_bytes()
        for old, new in spec.agencies.items():
            text = text.replace(f",{old},".encode(), f",{new},".encode())
        outcome = import_table(CriterionResource(framework), read_table(text, spec.path.name), commit=True)
        if not outcome.ok:
            raise ValueError("; ".join(str(problem) for problem in outcome.problems))
    if framework.state == Framework.State.DRAFT:
        framework_activate(framework=framework, actor=None)
    return framework


def _blocks(year: int) -> list[Block]:
    return list(Block.objects.filter(code__in=BLOCKS_OF_YEAR[year]).order_by("order"))


def _draw(*parts: str) -> int:
    """A number from 0 to 9999 fixed by the codes: the same illustrative score at every load."""
    return zlib.crc32("|".join(parts).encode()) % 10000


def _appraised(draw: int, rule: str, max_points: Decimal) -> Decimal:
    draw %= 20
    if rule == "yes_no":
        return max_points if draw < 16 else Decimal("0.00")
    if draw < 11:
        return max_points
    if draw < 16:
        return scoring.quantize_points(max_points * Decimal("0.75"))
    if draw < 19:
        return scoring.quantize_points(max_points / 2)
    return Decimal("0.00")


def _earlier_results() -> None:
    """Illustrative 2022 results of the departments and districts (before this system: imported)."""
    if EarlierResult.objects.filter(year=EARLIER_YEAR).exists():
        return
    for block in _blocks(EARLIER_YEAR):
        units = list(units_taking_part([block], EARLIER_YEAR).order_by("code"))
        values = [Decimal(7500 + _draw(unit.code, str(EARLIER_YEAR)) % 2000) / 100 for unit in units]
        ranks = scoring.competition_ranks(values)
        EarlierResult.objects.bulk_create(
            EarlierResult(year=EARLIER_YEAR, block=block, unit=unit, index_percent=value, rank=rank)
            for unit, value, rank in zip(units, values, ranks, strict=True)
        )


def _appraised_year(year: int) -> Period:
    """A past year: self-assessed, appraised, survey results in, a few bonus and penalty entries, approved (once)."""
    existing = Period.objects.filter(year=year).first()
    if existing is not None:
        return existing
    opens, publication_date, _decision = PUBLISHED[year]
    period = Period.objects.create(
        year=year,
        name=f"Chỉ số CCHC năm {year}",
        self_assessment_opens=opens,
        self_assessment_closes=opens + timedelta(days=29),
        appraisal_closes=opens + timedelta(days=55),
        explanation_opens=opens + timedelta(days=56),
        explanation_closes=opens + timedelta(days=66),
        council_date=publication_date - timedelta(days=16),
        publication_date=publication_date,
    )
    for block in _blocks(year):
        PeriodBlock.objects.create(period=period, block=block, framework=_framework(block, year))
    period_open(period=period, actor=None)
    coordinator = User.objects.get(username="noivu")
    appraisers = {
        membership.unit_id: membership.user_id for membership in Membership.objects.filter(role=Role.APPRAISER)
    }
    appraised_at = timezone.make_aware(datetime.combine(opens + timedelta(days=49), datetime.min.time())) + timedelta(
        hours=9
    )
    # Scores take few distinct values: one UPDATE per set of values is much faster than bulk_update's CASE.
    groups: dict[tuple, list[int]] = defaultdict(list)
    scores = Score.objects.filter(assessment__period=period).values_list(
        "pk",
        "assessment__unit__code",
        "criterion__code",
        "criterion__method",
        "criterion__rule",
        "max_points",
        "agency_id",
    )
    for pk, unit, code, method, rule, max_points, agency_id in scores:
        draw = _draw(unit, code) if year == 2023 else _draw(unit, code, str(year))
        if method == Method.SURVEY:
            share = Decimal(60 + draw % 41) / 100
            groups[(scoring.quantize_points(max_points * share), None, None, None, "")].append(pk)
            continue
        appraised = _appraised(draw, rule, max_points)
        comment = LOSS_COMMENTS[_draw(code, unit) % len(LOSS_COMMENTS)] if appraised < max_points else ""
        groups[(None, max_points, appraised, appraisers.get(agency_id), comment)].append(pk)
    for (survey, self_points, appraised, appraiser, comment), ids in groups.items():
        for start in range(0, len(ids), 500):
            Score.objects.filter(pk__in=ids[start : start + 500]).update(
                survey_points=survey,
                self_points=self_points,
                appraised_points=appraised,
                appraised_by_id=appraiser,
                appraised_at=appraised_at if appraised is not None else None,
                appraised_comment=comment,
            )
    assessments = {a.unit.code: a for a in Assessment.objects.filter(period=period).select_related("unit", "framework")}
    for unit_code, method, points, reason in ADJUSTMENTS.get(year, []):
        assessment = assessments.get(unit_code)
        criterion = assessment and assessment.framework.criteria.filter(method=method).order_by("order").first()
        if criterion is not None:
            Adjustment.objects.create(
                assessment=assessment,
                criterion=criterion,
                points=min(points, criterion.max_points),
                reason=reason,
                decision_reference="Quyết định minh họa số 01/QĐ-SNV",
                created_by=coordinator,
            )
    approved_at = timezone.make_aware(datetime.combine(period.council_date, datetime.min.time())) + timedelta(days=5)
    Assessment.objects.filter(period=period).update(
        status=AssessmentStatus.APPROVED,
        submitted_at=appraised_at - timedelta(days=25),
        approved_at=approved_at,
        approved_by=coordinator,
        council_decision_number="Biên bản minh họa 02/BB-HĐTĐ",
        council_decision_date=period.council_date,
    )
    AssessmentEvent.objects.bulk_create(
        AssessmentEvent(
            assessment=assessment,
            from_status=AssessmentStatus.DRAFT,
            to_status=AssessmentStatus.APPROVED,
            actor=coordinator,
            reason="Dữ liệu minh họa",
        )
        for assessment in assessments.values()
    )
    return period


def _published_year(year: int) -> Period:
    """A past year, appraised and approved as above, then published by Home Affairs (once)."""
    period = _appraised_year(year)
    if not period.publications.exists():
        _opens, publication_date, decision = PUBLISHED[year]
        period_publish(
            period=period,
            actor=User.objects.get(username="noivu"),
            decision_number=decision,
            decision_date=publication_date,
        )
    return period


@transaction.atomic
def demo_load() -> Period:
    """Load the demo's history and its open period (after accounts.demo.demo_load); return the open period."""
    _earlier_results()
    for year in PUBLISHED_YEARS:
        _published_year(year)
    today = timezone.localdate()
    calendar = {
        "self_assessment_opens": today - timedelta(days=14),
        "self_assessment_closes": today + timedelta(days=30),
        "appraisal_closes": today + timedelta(days=60),
        "explanation_opens": today + timedelta(days=61),
        "explanation_closes": today + timedelta(days=75),
        "council_date": today + timedelta(days=90),
        "publication_date": today + timedelta(days=100),
    }
    period, _ = Period.objects.update_or_create(
        year=DEMO_YEAR, defaults={"name": f"Chỉ số CCHC năm {DEMO_YEAR}", **calendar}
    )
    for block in _blocks(DEMO_YEAR):
        PeriodBlock.objects.get_or_create(
            period=period, block=block, defaults={"framework": _framework(block, DEMO_YEAR)}
        )
    period_open(period=period, actor=None)
    return period
