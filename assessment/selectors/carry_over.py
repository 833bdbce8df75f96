"""Start from last year: which assessment a unit carries over from, and which of its leaves continue (same code in
last year's framework of the same block).

Imports Django and the models; never a service."""

from dataclasses import dataclass

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from assessment import policy
from assessment.models import Assessment, CarryOver, Evidence, Method, Score


def carry_over_source(assessment) -> Assessment | None:
    """The unit's assessment of the year before, if it was assessed in the same block (one query)."""
    return (
        Assessment.objects.filter(
            unit_id=assessment.unit_id,
            period__year=assessment.period.year - 1,
            framework__block_id=assessment.framework.block_id,
        )
        .select_related("period")
        .first()
    )


@dataclass(frozen=True)
class Continuing:
    """A leaf of this year's assessment and last year's leaf with the same code."""

    code: str
    score: Score
    previous: Score


def continuing_leaves(assessment, source) -> tuple[list[Continuing], list[str]]:
    """The leaves (not survey: they take no note or evidence) that continue under the same code, and last year's
    leaf codes that do not continue (three queries)."""
    previous = {
        score.criterion.code: score
        for score in Score.objects.filter(assessment=source)
        .exclude(criterion__method=Method.SURVEY)
        .select_related("criterion")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("added_at", "id")))
        .order_by("criterion__order")
    }
    current = (
        Score.objects.filter(assessment=assessment)
        .exclude(criterion__method=Method.SURVEY)
        .select_related("criterion")
        .order_by("criterion__order")
    )
    continuing = [
        Continuing(score.criterion.code, score, previous[score.criterion.code])
        for score in current
        if score.criterion.code in previous
    ]
    kept = {item.code for item in continuing}
    return continuing, [code for code in previous if code not in kept]


def carry_over_made(assessment) -> CarryOver | None:
    """The carry-over already made into ``assessment``, if any."""
    return CarryOver.objects.filter(assessment=assessment).select_related("actor").first()


def _carried(assessment_id):
    """The leaves of the assessment that still hold something carried over and not confirmed."""
    return Score.objects.filter(assessment_id=assessment_id).filter(
        Q(note_from_year__isnull=False) | Exists(Evidence.objects.filter(score=OuterRef("pk"), from_year__isnull=False))
    )


def carried_count(assessment) -> int:
    """How many leaves still hold something carried over and not confirmed (one query)."""
    return _carried(assessment.pk).count()


@dataclass(frozen=True)
class CarryOverOffer:
    """What the detail page says about last year: the carry-over made, or the year it may be made from."""

    made: CarryOver | None
    source_year: int | None
    allowed: bool
    pending: int  # leaves still marked, to confirm or replace


def with_carry_over(assessments):
    """``assessments`` with what carry_over_offer reads, in the same statement (issue 12): the carry-over made (with
    its actor), how many leaves still hold what it carried (counted only when one was made, as carried_count counts
    them) and whether last year's assessment of the unit exists in the same block (as carry_over_source finds it)."""
    pending = _carried(OuterRef("pk")).order_by().values("assessment_id").annotate(n=Count("pk")).values("n")
    return assessments.select_related("carry_over__actor").annotate(
        carried_pending=Case(
            When(carry_over__isnull=True, then=Value(0)),
            default=Coalesce(Subquery(pending), Value(0)),
            output_field=IntegerField(),
        ),
        carry_over_source_exists=Exists(
            Assessment.objects.filter(
                unit_id=OuterRef("unit_id"),
                period__year=OuterRef("period__year") - 1,
                framework__block_id=OuterRef("framework__block_id"),
            )
        ),
    )


def carry_over_offer(user, assessment) -> CarryOverOffer | None:
    """For the unit's people while the self-assessment is open (else None): the carry-over made, or the year the
    unit may carry over from. No query when ``assessment`` was read with_carry_over (in the same request), else
    one: the carry-over made, the leaves still marked and whether last year exists, read together."""
    if not policy.may_carry_over(user, assessment):
        return None
    row = assessment
    if not hasattr(row, "carried_pending"):
        row = with_carry_over(Assessment.objects.filter(pk=assessment.pk)).only("pk", "carry_over").order_by().get()
    made = getattr(row, "carry_over", None)  # None (cached) when the join found no carry-over
    if made is not None:
        return CarryOverOffer(made, made.from_year, True, row.carried_pending)
    return CarryOverOffer(None, assessment.period.year - 1 if row.carry_over_source_exists else None, True, 0)
