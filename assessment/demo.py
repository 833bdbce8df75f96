"""Demo: Hanoi today, with its history.

- 2022: illustrative results of the 22 departments and 30 districts, imported as earlier results;
- 2023 and 2024 (the last year with districts): appraised, approved and published;
- 2025: Hanoi's 16 departments after the consolidation and its 126 communes and wards, appraised, approved and
  published (the communes and wards' block is assessed for the first time);
- 2026: open for self-assessment, its calendar moved so that it is open on the day the demo is loaded.

In the published years the departments and the communes attached their documents (plans, reports, decisions,
notices: small illustrative PDFs) to the criteria that got full points, and Sở Tài chính planned the fix of three
criteria it lost points on in 2025: the 2026 self-assessment shows both beside each criterion, with the appraisers'
comments of those years.

Frameworks: the sample framework for departments and districts (2022–2024), the same with the 2025 agencies for
departments from 2025, and a commune framework adapted from it (all "(mẫu minh họa)", illustrations only).
Idempotent: what exists is kept; every score is illustrative, derived from the unit and criterion codes so that
each load gives the same numbers.
"""

import hashlib
import zlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Block, Membership, Role, User
from assessment import scoring
from assessment.models import (
    Adjustment,
    Assessment,
    AssessmentEvent,
    AssessmentStatus,
    Document,
    EarlierResult,
    Evidence,
    Framework,
    ImprovementItem,
    Method,
    Period,
    PeriodBlock,
    PlanStatus,
    Score,
)
from assessment.models.evidence import evidence_path
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
# The documents each unit of these blocks attached in a published year: (type in the number, title); each criterion
# is proved by the type its code draws (and, on some leaves, one more).
EVIDENCE_BLOCKS = ("departments", "communes")
EVIDENCE_KINDS = [
    ("KH", "Kế hoạch cải cách hành chính năm {year}"),
    ("BC", "Báo cáo kết quả cải cách hành chính năm {year}"),
    ("QĐ", "Quyết định ban hành quy chế, quy trình nội bộ năm {year}"),
    ("TB", "Thông báo kết luận kiểm tra công vụ năm {year}"),
]
# Sở Tài chính's improvement plan of 2025 (made after the publication of 3/4/2026) on the first criteria it lost
# points on: (status, starts, due).
PLAN_2025 = [
    (PlanStatus.DONE, date(2026, 4, 15), date(2026, 6, 30)),
    (PlanStatus.IN_PROGRESS, date(2026, 5, 1), date(2026, 12, 31)),
    (PlanStatus.PLANNED, date(2026, 7, 1), date(2027, 3, 31)),
]
PLAN_TEXTS = [
    (
        "Tài liệu kiểm chứng chưa đầy đủ, lưu rải rác ở các phòng.",
        "Lập danh mục tài liệu kiểm chứng và giao một đầu mối lưu trữ.",
    ),
    (
        "Văn bản triển khai ban hành chậm so với kế hoạch của Thành phố.",
        "Ban hành văn bản triển khai trong 15 ngày từ khi có kế hoạch.",
    ),
    ("Chưa theo dõi tiến độ hằng quý.", "Báo cáo tiến độ hằng quý tại giao ban của Sở."),
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


def _demo_pdf(text: str) -> bytes:
    """A one-page PDF, unique to ``text`` (kept in a comment, ASCII)."""
    tag = text.encode("ascii", "replace")
    return (
        b"%PDF-1.4\n% "
        + tag
        + b"\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
        b"endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def _demo_document(unit, user, number: str, title: str, issued_on: date, tag: str) -> Document:
    """An illustrative PDF of ``unit``, stored once under its content's name (a second load writes nothing)."""
    content = _demo_pdf(tag)
    document = Document(
        unit=unit,
        original_name=f"{slugify(title.replace('Đ', 'D').replace('đ', 'd'))}.pdf",
        kind="pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        number=number,
        issued_on=issued_on,
        issuer=unit.name,
        uploaded_by=user,
    )
    name = evidence_path(document, document.original_name)
    storage = Document._meta.get_field("file").storage
    if not storage.exists(name):
        storage.save(name, ContentFile(content))
    document.file.name = name
    return document


def _sign(unit) -> str:
    """The issuer's part of a document number: UBND for a commune or ward, the initials of a department."""
    if unit.block.code == "communes":
        return "UBND"
    return "".join(word[0] for word in unit.name.split()).upper()


def _earlier_evidence(year: int) -> None:
    """The documents of a published year (once): four per unit of the departments and communes, attached to the
    leaves that got full points."""
    period = Period.objects.get(year=year)
    if Evidence.objects.filter(score__assessment__period=period).exists():
        return
    users = {user.username: user for user in User.objects.filter(username__in=["canbo", "noivu"])}
    scores = (
        Score.objects.filter(
            assessment__period=period,
            assessment__unit__block__code__in=EVIDENCE_BLOCKS,
            criterion__method=Method.APPRAISAL,
            appraised_points=F("max_points"),
        )
        .select_related("assessment__unit__block", "criterion")
        .order_by("assessment__unit__code", "criterion__order")
    )
    documents: dict[tuple[int, str], Document] = {}
    links = []
    for score in scores:
        unit = score.assessment.unit
        user = users["canbo"] if unit.code == "so-tai-chinh" else users["noivu"]
        if (unit.pk, "KH") not in documents:
            made = [
                _demo_document(
                    unit,
                    user,
                    f"{10 + _draw(unit.code, str(year), kind) % 400}/{kind}-{_sign(unit)}",
                    title.format(year=year),
                    date(year, 1 + 3 * position, 10),
                    f"{unit.code} {year} {position}",
                )
                for position, (kind, title) in enumerate(EVIDENCE_KINDS)
            ]
            Document.objects.bulk_create(made)
            for (kind, _title), document in zip(EVIDENCE_KINDS, made, strict=True):
                documents[(unit.pk, kind)] = document
        code = score.criterion.code
        kinds = [EVIDENCE_KINDS[_draw(code) % len(EVIDENCE_KINDS)][0]]
        draw = _draw(unit.code, code, str(year))
        if draw % 3 == 0:
            kinds.append(EVIDENCE_KINDS[draw % len(EVIDENCE_KINDS)][0])
        for kind in dict.fromkeys(kinds):
            links.append(
                Evidence(score=score, document=documents[(unit.pk, kind)], locator=f"tr. {1 + draw % 9}", added_by=user)
            )
    Evidence.objects.bulk_create(links, batch_size=500)


def _plan_2025() -> None:
    """Sở Tài chính's improvement plan of 2025 (once): its first criteria where it lost points."""
    assessment = Assessment.objects.filter(period__year=2025, unit__code="so-tai-chinh").first()
    if assessment is None or ImprovementItem.objects.filter(assessment=assessment).exists():
        return
    staff = User.objects.get(username="canbo")
    lost = (
        Score.objects.filter(
            assessment=assessment, criterion__method=Method.APPRAISAL, appraised_points__lt=F("max_points")
        )
        .select_related("criterion")
        .order_by("criterion__order")[: len(PLAN_2025)]
    )
    for score, (status, starts, due), (cause, action) in zip(lost, PLAN_2025, PLAN_TEXTS, strict=False):
        evidence = None
        if status == PlanStatus.DONE:
            evidence = _demo_document(
                assessment.unit,
                staff,
                f"215/BC-{_sign(assessment.unit)}",
                f"Báo cáo kết quả khắc phục tiêu chí {score.criterion.code}",
                due,
                f"so-tai-chinh plan {score.criterion.code}",
            )
            evidence.save()
        ImprovementItem.objects.create(
            assessment=assessment,
            criterion=score.criterion,
            cause=cause,
            action=action,
            lead="Văn phòng Sở",
            starts=starts,
            due=due,
            status=status,
            evidence=evidence,
            updated_by=staff,
        )


@transaction.atomic
def demo_load() -> Period:
    """Load the demo's history and its open period (after accounts.demo.demo_load); return the open period."""
    _earlier_results()
    for year in PUBLISHED_YEARS:
        _published_year(year)
        _earlier_evidence(year)
    _plan_2025()
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
