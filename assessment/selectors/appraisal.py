"""Reads of the appraisal face (the admin): the grading queue, the grading page's rows, a period's progress per
agency, per block and per status, and where appraisers and Home Affairs land (their queue counts, the cycle).

Imports Django, the policy, the models and the visibility selectors; never a service."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Prefetch, Q, QuerySet

from assessment import policy
from assessment.models import Assessment, AssessmentStatus, Criterion, Evidence, Method, Period, Score
from assessment.policy import explained_filter
from assessment.selectors.visibility import scores_visible_to


def period_progress(period: Period) -> dict[str, int]:
    """Assessments of the period by status (every status present, 0 when none)."""
    counts = dict(
        Assessment.objects.filter(period=period)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in AssessmentStatus.values}


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

    @property
    def to_regrade(self) -> int:
        """Explained leaves still waiting for their round 2 grade."""
        return max(self.explained - self.regraded, 0)


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


# -- where each person lands ------------------------------------------------------------------------------


def current_period():
    """The newest opened period (the one the appraisal progress follows), or None."""
    return Period.objects.filter(opened_at__isnull=False).order_by("-year").first()


def periods_ready_to_publish() -> list[Period]:
    """Periods whose every assessment is approved and none published yet, each with ``units`` (one query)."""
    approved = Q(assessments__status=AssessmentStatus.APPROVED)
    return list(
        Period.objects.annotate(units=Count("assessments"), approved=Count("assessments", filter=approved))
        .filter(units__gt=0, approved=F("units"))
        .order_by("-year")
    )


@dataclass(frozen=True)
class CycleDashboard:
    """Home Affairs' landing page: what is ready to publish, how the current period goes, who is late."""

    ready: list  # periods whose every assessment is approved and not yet published, each with .units
    period: Period | None
    agencies: list[AgencyProgress]
    blocks: list[BlockProgress]
    overdue: list[Assessment]


def cycle_dashboard(user, on: date | None = None) -> CycleDashboard | None:
    """The cycle for Home Affairs (None for anyone else): five queries whatever the number of periods and units."""
    if not policy.reads_cycle_dashboard(user):
        return None
    ready = periods_ready_to_publish()
    period = current_period()
    if period is None:
        return CycleDashboard(ready, None, [], [], [])
    agencies, blocks = appraisal_progress(period)
    overdue = list(
        Assessment.objects.filter(period=period)
        .filter(policy.overdue_filter(on))
        .select_related("unit__block")
        .order_by("unit__block__order", "unit__name")
    )
    return CycleDashboard(ready, period, agencies, blocks, overdue)


@dataclass(frozen=True)
class AppraiserQueue:
    """An appraiser's waiting work in the current period: their agency's leaves for round 1 and round 2."""

    period: Period
    agencies: list[AgencyProgress]


def appraiser_queue(user) -> AppraiserQueue | None:
    """The appraiser's queue counts (None when not an appraiser or no period is open): three queries."""
    if not policy.reads_own_queue(user):
        return None
    period = current_period()
    if period is None:
        return None
    agencies, _blocks = appraisal_progress(period)
    return AppraiserQueue(period, [row for row in agencies if policy.reads_agency_work(user, row.agency_id)])
