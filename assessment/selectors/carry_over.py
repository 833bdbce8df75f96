"""Start from last year: which assessment a unit carries over from, and which of its leaves continue (same code in
last year's framework of the same block).

Imports Django and the models; never a service."""

from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Prefetch, Q

from assessment import policy
from assessment.models import Assessment, CarryOver, Evidence, Method, Score


def year_before(unit, year, block, through: str = "") -> Q:
    """The unit's assessment of the year before ``year`` in the same block: what continues into this year (the
    carry-over, the guidance's plan items). The values may be OuterRefs; ``through``: the path to the assessment
    ("assessment__" from a plan item)."""
    return Q(**{f"{through}unit_id": unit, f"{through}period__year": year - 1, f"{through}framework__block_id": block})


def _sources(assessment):
    """The unit's assessments of the year before in the same block (at most one)."""
    return Assessment.objects.filter(
        year_before(assessment.unit_id, assessment.period.year, assessment.framework.block_id)
    )


def carry_over_source(assessment) -> Assessment | None:
    """The unit's assessment of the year before, if it was assessed in the same block (one query)."""
    return _sources(assessment).select_related("period").first()


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


def carried_count(assessment) -> int:
    """How many leaves still hold something carried over and not confirmed (one query)."""
    return (
        Score.objects.filter(assessment=assessment)
        .filter(
            Q(note_from_year__isnull=False)
            | Exists(Evidence.objects.filter(score=OuterRef("pk"), from_year__isnull=False))
        )
        .count()
    )


@dataclass(frozen=True)
class CarryOverOffer:
    """What the detail page says about last year: the carry-over made, or the year it may be made from."""

    made: CarryOver | None
    source_year: int | None
    allowed: bool
    pending: int  # leaves still marked, to confirm or replace


def with_carry_over(assessments):
    """``assessments`` with the id of the carry-over made into each (None: none yet), read in the same statement
    (issue 12): carry_over_offer then reads the record only when there is one."""
    return assessments.annotate(carry_over_made_id=F("carry_over__id"))


def carry_over_offer(user, assessment) -> CarryOverOffer | None:
    """For the unit's people while the self-assessment is open (else None): the carry-over made, or the year the
    unit may carry over from. Two queries: the carry-over made, then how many leaves still hold what it carried, or
    whether last year's assessment exists; one when ``assessment`` was read with_carry_over and none was made."""
    if not policy.may_carry_over(user, assessment):
        return None
    # Read with the assessment (with_carry_over) and None: none made, nothing to read.
    made = None if getattr(assessment, "carry_over_made_id", 0) is None else carry_over_made(assessment)
    if made is not None:
        return CarryOverOffer(made, made.from_year, True, carried_count(assessment))
    # Whether last year exists, not which assessment it is: a plain EXISTS is the cheapest statement to build.
    return CarryOverOffer(None, assessment.period.year - 1 if _sources(assessment).exists() else None, True, 0)
