"""Reads with a rule: frameworks and their trees, who takes part in a period, progress."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.utils.translation import gettext as _

from accounts.models import Unit
from accounts.selectors import user_access
from assessment import policy, scoring
from assessment.models import (
    Adjustment,
    Assessment,
    AssessmentStatus,
    Criterion,
    Document,
    EarlierResult,
    Evidence,
    Framework,
    Method,
    Period,
    Publication,
    PublishedBlock,
    PublishedUnit,
    Score,
)
from assessment.policy import explained_filter
from assessment.tree import Node, Totals, totals


def framework_nodes(framework: Framework) -> list[Node]:
    rows = Criterion.objects.filter(framework=framework).values_list("code", "max_points", "method")
    return [Node(code=code, max_points=max_points, method=method) for code, max_points, method in rows]


def framework_totals(framework: Framework) -> Totals:
    """Appraisal, survey, bonus and penalty points of a framework (leaves only)."""
    return totals(framework_nodes(framework))


def framework_is_in_use(framework: Framework) -> bool:
    """A framework chosen for a period cannot go back to draft, nor be deleted."""
    return framework.period_blocks.exists()


def framework_tree(framework: Framework) -> list[Criterion]:
    """The criteria in file order, with what the tree display needs, in one query."""
    return list(
        Criterion.objects.filter(framework=framework).select_related("appraising_agency").order_by("order", "id")
    )


def units_taking_part(blocks, year: int) -> QuerySet[Unit]:
    """Units of ``blocks`` that existed at the end of ``year``: the default participants of its period.

    A unit that ended during the year (Hanoi's districts on 30/06/2025) is not assessed for it; a unit
    that began during the year (the communes of 1/7/2025) is. An inactive unit without an end date is left out.
    """
    year_end = date(year, 12, 31)
    return Unit.objects.filter(block__in=blocks).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=year_end),
        Q(valid_to__gte=year_end) | Q(valid_to__isnull=True, active=True),
    )


def period_progress(period: Period) -> dict[str, int]:
    """Assessments of the period by status (every status present, 0 when none)."""
    counts = dict(
        Assessment.objects.filter(period=period)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in AssessmentStatus.values}


# -- who sees what: one selector per kind of object; the portal, the admin, exports and downloads start here ----


def assessments_visible_to(user) -> QuerySet[Assessment]:
    """Assessments ``user`` may read (``policy.assessment_scope``): all for Home Affairs; their own unit's; every
    submitted one for appraisers and the council."""
    return Assessment.objects.filter(policy.assessment_scope(user)).select_related("period", "unit__block", "framework")


def scores_visible_to(user) -> QuerySet[Score]:
    """Score rows ``user`` may read: those of the assessments they may read."""
    return Score.objects.filter(policy.assessment_scope(user, prefix="assessment__"))


def documents_visible_to(user) -> QuerySet[Document]:
    """Documents ``user`` may download: their own unit's library, and the evidence and signed reports of the
    assessments they may read (a unit's drafts stay its own until it submits); all for Home Affairs."""
    if policy.is_coordinator(user):
        return Document.objects.all()
    access = user_access(user)
    allowed = Q(pk__in=[]) if access.unit is None else Q(unit_id=access.unit.pk)
    visible = Assessment.objects.filter(policy.assessment_scope(user))
    allowed |= Q(evidence__score__assessment__in=visible) | Q(pk__in=visible.values("signed_report"))
    return Document.objects.filter(allowed).distinct()


def results_visible_to(user) -> QuerySet[Period]:
    """Periods whose provisional results (before publication) ``user`` may read: Home Affairs and the council."""
    return Period.objects.all() if policy.reads_provisional_results(user) else Period.objects.none()


# -- the unit's side ---------------------------------------------------------------------------------


def _with_evidence_flag(scores):
    return scores.annotate(has_evidence=Exists(Evidence.objects.filter(score=OuterRef("pk"))))


APPRAISAL = Q(criterion__method=Method.APPRAISAL)
ANSWERED = APPRAISAL & (Q(self_points__isnull=False) | Q(is_na=True))
LACKS_EVIDENCE = APPRAISAL & Q(
    criterion__evidence_required=True, is_na=False, has_evidence=False, no_evidence_reason=""
)


@dataclass(frozen=True)
class Progress:
    """How far a unit is: answered leaves, leaves lacking evidence, and the self-assessed share of its points."""

    total: int
    answered: int
    missing_evidence: int
    self_points: Decimal
    applicable_max: Decimal

    @property
    def percent_answered(self) -> int:
        return round(self.answered * 100 / self.total) if self.total else 0

    @property
    def self_index(self) -> Decimal | None:
        index = scoring.index_percent(self.self_points, self.applicable_max)
        return None if index is None else scoring.shown(index)


def assessments_progress(assessment_ids) -> dict[int, Progress]:
    """Progress of several assessments in one query."""
    rows = (
        _with_evidence_flag(Score.objects.filter(assessment_id__in=list(assessment_ids)))
        .values("assessment_id")
        .annotate(
            total=Count("id", filter=APPRAISAL),
            answered=Count("id", filter=ANSWERED),
            missing_evidence=Count("id", filter=LACKS_EVIDENCE),
            self_points=Sum("self_points", filter=APPRAISAL & Q(is_na=False)),
            applicable_max=Sum("max_points", filter=APPRAISAL & Q(is_na=False)),
        )
    )
    return {
        row["assessment_id"]: Progress(
            total=row["total"],
            answered=row["answered"],
            missing_evidence=row["missing_evidence"],
            self_points=row["self_points"] or Decimal("0.00"),
            applicable_max=row["applicable_max"] or Decimal("0.00"),
        )
        for row in rows
    }


@dataclass(frozen=True)
class MissingItem:
    """Why a leaf stops the submission, with the leaf to link to."""

    score_id: int
    field_code: str
    code: str
    reason: str

    def __str__(self):
        return _("Criterion %(code)s: %(reason)s") % {"code": self.code, "reason": self.reason}


def assessment_missing(assessment) -> list[MissingItem]:
    """What must be done before the head can submit: every appraisal leaf answered, evidence or a reason."""
    rows = (
        _with_evidence_flag(Score.objects.filter(assessment=assessment).filter(APPRAISAL))
        .filter(~Q(ANSWERED) | LACKS_EVIDENCE)
        .select_related("criterion")
        .order_by("criterion__order")
    )
    missing = []
    for score in rows:
        code = score.criterion.code
        if score.self_points is None and not score.is_na:
            reason = _("no self score and not marked “not applicable”.")
        else:
            reason = _("evidence is required: attach a document or write why there is none.")
        missing.append(MissingItem(score.pk, score.criterion.field_code, code, reason))
    return missing


def unit_assessments(user) -> QuerySet[Assessment]:
    """The portal's face of ``assessments_visible_to``: those of the user's own unit, newest period first."""
    access = user_access(user)
    if access.unit is None:
        return Assessment.objects.none()
    return assessments_visible_to(user).filter(unit_id=access.unit.pk).order_by("-period__year")


def unit_documents(unit_id: int) -> QuerySet[Document]:
    """The unit's library, to attach a document it already uploaded."""
    return Document.objects.filter(unit_id=unit_id).order_by("-uploaded_at")


@dataclass
class FieldSection:
    code: str
    title: str
    max_points: Decimal | None
    total: int = 0
    answered: int = 0


def assessment_fields(assessment) -> list[FieldSection]:
    """The fields (top level of the tree) with how many of their appraisal leaves are answered: two queries."""
    fields = {
        criterion.code: FieldSection(criterion.code, criterion.title, criterion.max_points)
        for criterion in Criterion.objects.filter(framework_id=assessment.framework_id, parent__isnull=True).order_by(
            "order"
        )
    }
    for field_code, method, self_points, is_na in Score.objects.filter(assessment=assessment).values_list(
        "criterion__field_code", "criterion__method", "self_points", "is_na"
    ):
        section = fields.get(field_code)
        if section is None or method != Method.APPRAISAL:
            continue
        section.total += 1
        section.answered += self_points is not None or is_na
    return list(fields.values())


def field_rows(assessment, field_code: str):
    """The criteria of one field in tree order, each leaf with its score row and evidence: three queries."""
    criteria = list(
        Criterion.objects.filter(framework_id=assessment.framework_id)
        .filter(Q(code=field_code) | Q(code__startswith=f"{field_code}."))
        .select_related("appraising_agency")
        .order_by("order")
    )
    scores = {
        score.criterion_id: score
        for score in Score.objects.filter(assessment=assessment, criterion__in=criteria)
        .select_related("updated_by")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.select_related("document")))
    }
    for criterion in criteria:
        criterion.score = scores.get(criterion.pk)
        if criterion.score is not None:
            criterion.score.criterion = criterion
    return criteria


# -- appraisal ---------------------------------------------------------------------------------------

NOT_DRAFT = ~Q(status=AssessmentStatus.DRAFT)


def scores_for_appraisal(user) -> QuerySet[Score]:
    """The grading queue: the visible appraisal leaves of submitted assessments, of the user's worklist."""
    worklist = policy.queue_scope(user)
    if worklist is None:
        return Score.objects.none()
    return (
        scores_visible_to(user)
        .filter(criterion__method=Method.APPRAISAL)
        .exclude(assessment__status=AssessmentStatus.DRAFT)
        .filter(worklist)
    )


def grading_rows(assessment) -> list[Criterion]:
    """Every criterion of the assessment in tree order, leaves with their score, evidence and graders: 3 queries."""
    criteria = list(Criterion.objects.filter(framework_id=assessment.framework_id).order_by("order"))
    scores = {
        score.criterion_id: score
        for score in Score.objects.filter(assessment=assessment)
        .select_related("agency", "appraised_by", "reappraised_by", "updated_by")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.select_related("document")))
    }
    for criterion in criteria:
        criterion.score = scores.get(criterion.pk)
        if criterion.score is not None:
            criterion.score.criterion = criterion
            criterion.score.assessment = assessment
    return criteria


@dataclass(frozen=True)
class AgencyProgress:
    agency_id: int | None
    agency: str
    total: int
    graded: int
    explained: int
    regraded: int

    @property
    def to_grade(self) -> int:
        return self.total - self.graded


@dataclass(frozen=True)
class BlockProgress:
    block_id: int
    block: str
    total: int
    submitted: int
    explained: int
    approved: int


def appraisal_progress(period) -> tuple[list[AgencyProgress], list[BlockProgress]]:
    """Home Affairs' view of a period: leaves graded per agency, units at each stage per block (two queries)."""
    graded = Q(appraised_points__isnull=False) | Q(na_confirmed__isnull=False)
    agencies = (
        Score.objects.filter(assessment__period=period, criterion__method=Method.APPRAISAL)
        .exclude(assessment__status=AssessmentStatus.DRAFT)
        .annotate(explained=explained_filter())
        .values("agency_id", "agency__name")
        .annotate(
            total=Count("id"),
            graded=Count("id", filter=graded),
            explained_count=Count("id", filter=Q(explained=True)),
            regraded=Count("id", filter=Q(reappraised_points__isnull=False)),
        )
        .order_by("agency__name")
    )
    later = [
        AssessmentStatus.EXPLAINED,
        AssessmentStatus.REAPPRAISED,
        AssessmentStatus.APPROVED,
        AssessmentStatus.PUBLISHED,
    ]
    blocks = (
        Assessment.objects.filter(period=period)
        .values("unit__block_id", "unit__block__name", "unit__block__order")
        .annotate(
            total=Count("id"),
            submitted=Count("id", filter=NOT_DRAFT),
            explained=Count("id", filter=Q(status__in=later)),
            approved=Count("id", filter=Q(status__in=[AssessmentStatus.APPROVED, AssessmentStatus.PUBLISHED])),
        )
        .order_by("unit__block__order")
    )
    return (
        [
            AgencyProgress(
                row["agency_id"],
                row["agency__name"] or "—",
                row["total"],
                row["graded"],
                row["explained_count"],
                row["regraded"],
            )
            for row in agencies
        ],
        [
            BlockProgress(
                row["unit__block_id"],
                row["unit__block__name"],
                row["total"],
                row["submitted"],
                row["explained"],
                row["approved"],
            )
            for row in blocks
        ],
    )


# -- published results ---------------------------------------------------------------------------------


def latest_publications() -> QuerySet:
    """The newest version of every published period, newest year first (what the public sees)."""
    newest = Publication.objects.filter(period=OuterRef("period")).order_by("-version").values("version")[:1]
    return Publication.objects.filter(version=Subquery(newest)).select_related("period").order_by("-period__year")


def publication_for(year: int, version: int | None = None):
    """The publication of ``year`` (its newest version unless one is asked for), or None."""
    publications = Publication.objects.filter(period__year=year).select_related("period", "published_by")
    if version is not None:
        return publications.filter(version=version).first()
    return publications.order_by("-version").first()


def publication_tables(publication):
    """Blocks with their field averages and their ranked units (each with its fields): four queries."""
    return list(
        PublishedBlock.objects.filter(publication=publication)
        .prefetch_related(
            "fields",
            Prefetch(
                "results",
                queryset=PublishedUnit.objects.order_by("rank", "unit_code").prefetch_related("fields"),
            ),
        )
        .order_by("order")
    )


PAGE_SIZE = 250  # units of a block per page of the public ranking (a 5,000-unit block: 20 pages of ~150 KB)


def publication_blocks(publication):
    """The publication's blocks with their field averages, without their units (two queries)."""
    return list(
        PublishedBlock.objects.filter(publication=publication)
        .select_related("block")
        .prefetch_related("fields")
        .order_by("order")
    )


def ranking_page(block, start: int, size: int):
    """``size`` units of a published block from place ``start`` (0-based) of its ranking."""
    return PublishedUnit.objects.filter(block=block).order_by("rank", "unit_code")[start : start + size]


def block_indices(block) -> list[Decimal]:
    """Every shown index of a published block (for its spread chart)."""
    return list(
        PublishedUnit.objects.filter(block=block, shown_index__isnull=False)
        .order_by("rank", "unit_code")
        .values_list("shown_index", flat=True)
    )


def public_page_key(publication, page: str, language: str) -> str:
    """The cache key of a public page of ``publication``: the publication itself never changes, but its pages
    also show the other versions, the other years (changes against last year, a unit's trend) and imported
    earlier results; so the key carries the newest publication and a fingerprint of the earlier results
    (one query)."""
    quote = connection.ops.quote_name
    earlier, publications = EarlierResult._meta, Publication._meta
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT MAX({quote(publications.pk.column)}) FROM {quote(publications.db_table)}), "  # noqa: S608
            f"COUNT(*), MAX({quote(earlier.pk.column)}), SUM({quote(earlier.get_field('index_percent').column)}), "
            f"SUM({quote(earlier.get_field('rank').column)}) FROM {quote(earlier.db_table)}"
        )
        newest = cursor.fetchone()
    return ":".join(
        str(part)
        for part in (
            "public",
            publication.pk,
            *newest,
            language,
            page,
        )
    )


@dataclass(frozen=True)
class Previous:
    """The year before, for the changes: per unit (index, rank), per block its average, per block field its average."""

    year: int | None
    units: dict
    blocks: dict
    fields: dict


def previous_year(publication) -> Previous:
    """The published results of the year before, or the imported earlier results of that year (two queries)."""
    year = publication.period.year - 1
    before = publication_for(year)
    if before is not None:
        units = {
            unit_id: (index, rank)
            for unit_id, index, rank in PublishedUnit.objects.filter(publication=before).values_list(
                "unit_id", "shown_index", "rank"
            )
        }
        blocks, fields = {}, {}
        for block in PublishedBlock.objects.filter(publication=before).prefetch_related("fields"):
            blocks[block.block_id] = block.average
            for block_field in block.fields.all():
                fields[(block.block_id, block_field.code)] = block_field.average
        return Previous(year, units, blocks, fields)
    rows = list(EarlierResult.objects.filter(year=year).values_list("unit_id", "block_id", "index_percent", "rank"))
    if not rows:
        return Previous(None, {}, {}, {})
    by_block: dict[int, list[Decimal]] = {}
    for _unit, block_id, index, _rank in rows:
        by_block.setdefault(block_id, []).append(index)
    return Previous(
        year,
        {unit_id: (index, rank) for unit_id, _block, index, rank in rows},
        {block_id: scoring.average(values) for block_id, values in by_block.items()},
        {},
    )


def unit_trend(unit_id: int) -> list[tuple[int, Decimal | None, int | None]]:
    """(year, index, rank) of a unit over every published year and every imported earlier year."""
    latest = latest_publications()
    trend = {
        year: (index, rank)
        for year, index, rank in PublishedUnit.objects.filter(unit_id=unit_id, publication__in=latest).values_list(
            "publication__period__year", "shown_index", "rank"
        )
    }
    for year, index, rank in EarlierResult.objects.filter(unit_id=unit_id).values_list("year", "index_percent", "rank"):
        trend.setdefault(year, (index, rank))
    return [(year, *trend[year]) for year in sorted(trend)]


def unit_published_result(assessment):
    """The unit's row in the latest publication of the assessment's period (its fields and block), or None."""
    publication = publication_for(assessment.period.year)
    if publication is None:
        return None
    return (
        PublishedUnit.objects.filter(publication=publication, unit_id=assessment.unit_id)
        .select_related("block", "publication__period")
        .prefetch_related("fields", "block__fields")
        .first()
    )


@dataclass(frozen=True)
class LostPoints:
    """A leaf (or a penalty entry) where the unit got less than the maximum, for next year's plan."""

    code: str
    title: str
    field: str
    max_points: Decimal | None  # None for a penalty entry
    self_points: Decimal | None
    points: Decimal  # a penalty entry counts negative
    comment: str

    @property
    def lost(self) -> Decimal:
        return -self.points if self.max_points is None else self.max_points - self.points


def lost_points(assessment) -> list[LostPoints]:
    """The leaves where the unit lost points, in framework order, with the comment behind the final score."""
    fields = dict(
        Criterion.objects.filter(framework_id=assessment.framework_id, parent__isnull=True).values_list("code", "title")
    )
    rows = []
    scores = (
        Score.objects.filter(assessment=assessment, criterion__method__in=[Method.APPRAISAL, Method.SURVEY])
        .select_related("criterion")
        .order_by("criterion__order")
    )
    for score in scores:
        criterion = score.criterion
        if criterion.method == Method.SURVEY:
            points = score.survey_points if score.survey_points is not None else Decimal("0.00")
            comment = _("Survey result")
        else:
            if score.is_na and score.na_confirmed:
                continue
            points = scoring.final_points(score.appraised_points, score.reappraised_points, score.council_points)
            if score.council_points is not None:
                comment = score.council_reason
            elif score.reappraised_points is not None:
                comment = score.reappraised_comment or score.appraised_comment
            else:
                comment = score.appraised_comment
        if points < score.max_points:
            field_code = criterion.field_code
            rows.append(
                LostPoints(
                    criterion.code,
                    criterion.title,
                    f"{field_code}. {fields.get(field_code, '')}",
                    score.max_points,
                    score.self_points if criterion.method == Method.APPRAISAL else None,
                    points,
                    comment,
                )
            )
    for entry in Adjustment.objects.filter(assessment=assessment, criterion__method=Method.PENALTY).select_related(
        "criterion"
    ):
        field_code = entry.criterion.field_code
        rows.append(
            LostPoints(
                entry.criterion.code,
                entry.criterion.title,
                f"{field_code}. {fields.get(field_code, '')}",
                None,
                None,
                -entry.points,
                f"{entry.reason} ({entry.decision_reference})",
            )
        )
    return rows
