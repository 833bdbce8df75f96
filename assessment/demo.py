"""Demo: the sample framework for the departments and districts blocks; illustrative 2022 results; the 2023
period appraised and approved, ready for Home Affairs to publish; the 2024 period in self-assessment.

Idempotent: the frameworks, the 2022 results and the 2023 period are made once (a 2023 publication made in
the demo is kept); the 2024 calendar is moved so that self-assessment is open on the day the demo is loaded.
Every score is illustrative, derived from the unit and criterion codes so that each load gives the same numbers.
"""

import zlib
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from accounts.models import Block, Membership, Role, Unit, User
from assessment import scoring
from assessment.models import (
    Adjustment,
    Assessment,
    AssessmentEvent,
    AssessmentStatus,
    Criterion,
    EarlierResult,
    Framework,
    Method,
    Period,
    PeriodBlock,
    Score,
)
from assessment.resources import CriterionResource
from assessment.services import framework_activate, period_open
from cchc.imports import import_table, read_table

SAMPLE = Path(__file__).resolve().parent / "data" / "framework-sample.csv"
DEMO_YEAR = 2024  # the last year Hanoi still had districts
APPRAISED_YEAR = 2023  # appraised and approved: the year the demo publishes
EARLIER_YEAR = 2022  # imported as an earlier result, for the year-over-year comparison
LOSS_COMMENTS = [
    "Chưa cung cấp đủ tài liệu kiểm chứng.",
    "Văn bản ban hành chậm so với kế hoạch.",
    "Tỷ lệ đạt thấp hơn mức yêu cầu.",
    "Báo cáo không đúng thời hạn quy định.",
]
FRAMEWORK_NAMES = {
    "departments": "Bộ chỉ số CCHC khối Sở, ban, ngành (mẫu minh họa)",
    "districts": "Bộ chỉ số CCHC khối quận, huyện, thị xã (mẫu minh họa)",
}


def _framework(block: Block) -> Framework:
    framework, created = Framework.objects.get_or_create(
        block=block, name=FRAMEWORK_NAMES[block.code], version=1, defaults={"first_year": 2022, "last_year": 2025}
    )
    if created or not framework.criteria.exists():
        outcome = import_table(CriterionResource(framework), read_table(SAMPLE.read_bytes(), SAMPLE.name), commit=True)
        if not outcome.ok:
            raise ValueError("; ".join(str(problem) for problem in outcome.problems))
    if framework.state == Framework.State.DRAFT:
        framework_activate(framework=framework, actor=None)
    return framework


def _draw(*parts: str) -> int:
    """A number from 0 to 9999 fixed by the codes: the same illustrative score at every load."""
    return zlib.crc32("|".join(parts).encode()) % 10000


def _appraised(unit: str, criterion: Criterion, max_points: Decimal) -> Decimal:
    draw = _draw(unit, criterion.code) % 20
    if criterion.rule == "yes_no":
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
    for block in Block.objects.filter(code__in=FRAMEWORK_NAMES):
        units = list(Unit.objects.filter(block=block).order_by("code"))
        values = [Decimal(7500 + _draw(unit.code, str(EARLIER_YEAR)) % 2000) / 100 for unit in units]
        ranks = scoring.competition_ranks(values)
        EarlierResult.objects.bulk_create(
            EarlierResult(year=EARLIER_YEAR, block=block, unit=unit, index_percent=value, rank=rank)
            for unit, value, rank in zip(units, values, ranks, strict=True)
        )


def _appraised_year() -> Period | None:
    """The 2023 period: self-assessed, appraised, survey results in, a few bonus and penalty entries, approved."""
    if Period.objects.filter(year=APPRAISED_YEAR).exists():
        return None
    period = Period.objects.create(
        year=APPRAISED_YEAR,
        name=f"Chỉ số CCHC năm {APPRAISED_YEAR}",
        self_assessment_opens=date(2024, 1, 2),
        self_assessment_closes=date(2024, 1, 31),
        appraisal_closes=date(2024, 2, 29),
        explanation_opens=date(2024, 3, 1),
        explanation_closes=date(2024, 3, 10),
        council_date=date(2024, 3, 20),
        publication_date=date(2024, 4, 5),
    )
    for block in Block.objects.filter(code__in=FRAMEWORK_NAMES):
        PeriodBlock.objects.create(period=period, block=block, framework=_framework(block))
    period_open(period=period, actor=None)
    coordinator = User.objects.get(username="noivu")
    appraisers = {
        membership.unit_id: membership.user
        for membership in Membership.objects.filter(role=Role.APPRAISER).select_related("user")
    }
    appraised_at = timezone.make_aware(datetime(2024, 2, 20, 9, 0))
    scores = list(Score.objects.filter(assessment__period=period).select_related("assessment__unit", "criterion"))
    for score in scores:
        unit, criterion = score.assessment.unit.code, score.criterion
        if criterion.method == Method.SURVEY:
            share = Decimal(60 + _draw(unit, criterion.code) % 41) / 100
            score.survey_points = scoring.quantize_points(score.max_points * share)
            continue
        score.self_points = score.max_points
        score.appraised_points = _appraised(unit, criterion, score.max_points)
        score.appraised_by = appraisers.get(score.agency_id)
        score.appraised_at = appraised_at
        if score.appraised_points < score.max_points:
            score.appraised_comment = LOSS_COMMENTS[_draw(criterion.code, unit) % len(LOSS_COMMENTS)]
    Score.objects.bulk_update(
        scores,
        ["survey_points", "self_points", "appraised_points", "appraised_by", "appraised_at", "appraised_comment"],
        batch_size=2000,
    )
    assessments = {a.unit.code: a for a in Assessment.objects.filter(period=period).select_related("unit", "framework")}
    entries = [
        ("so-tu-phap", Method.BONUS, Decimal("1.50"), "Sáng kiến số hóa hồ sơ lý lịch tư pháp"),
        ("so-tai-chinh", Method.BONUS, Decimal("0.75"), "Mô hình một cửa điện tử liên thông"),
        ("quan-ba-dinh", Method.PENALTY, Decimal("1.00"), "Để xảy ra sai phạm trong giải quyết TTHC"),
    ]
    for unit_code, method, points, reason in entries:
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
    approved_at = timezone.make_aware(datetime(2024, 3, 25, 15, 0))
    Assessment.objects.filter(period=period).update(
        status=AssessmentStatus.APPROVED,
        submitted_at=appraised_at - timedelta(days=25),
        approved_at=approved_at,
        approved_by=coordinator,
        council_decision_number="Biên bản minh họa 02/BB-HĐTĐ",
        council_decision_date=date(2024, 3, 20),
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


@transaction.atomic
def demo_load() -> Period:
    _earlier_results()
    _appraised_year()
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
    for block in Block.objects.filter(code__in=FRAMEWORK_NAMES):
        PeriodBlock.objects.get_or_create(period=period, block=block, defaults={"framework": _framework(block)})
    period_open(period=period, actor=None)
    return period
