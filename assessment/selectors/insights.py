"""Reads for the insights a unit gets beyond its scores: "what if" it had not lost the points of some criteria.

Imports Django, the scoring rules and the models; never a service."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from assessment import scoring
from assessment.models import Adjustment, Method, PublishedUnit, Score


@dataclass(frozen=True)
class Stake:
    """A criterion where the unit lost points: what winning them back alone would add to its index."""

    code: str
    title: str
    method: str
    max_points: Decimal
    points: Decimal  # a penalty leaf: the penalty counted (positive)
    lost: Decimal
    index_gain: Decimal  # index points, 2 places
    fixed: bool


@dataclass(frozen=True)
class WhatIf:
    now: scoring.UnitResult
    now_rank: int | None
    then: scoring.UnitResult
    then_rank: int | None
    units: int  # units ranked in the block, the unit included
    stakes: list[Stake]
    unknown: list[str]  # codes asked for that are not criteria where the unit lost points

    @property
    def fixed(self) -> list[Stake]:
        return [stake for stake in self.stakes if stake.fixed]

    @property
    def gain(self) -> Decimal | None:
        if self.now.shown_index is None or self.then.shown_index is None:
            return None
        return self.then.shown_index - self.now.shown_index


def unit_leaves(assessment) -> tuple[list[scoring.LeafScore], dict[str, tuple[str, int]]]:
    """The assessment's leaves as the index counts them (final points, survey points, N/A confirmed, the bonus and
    penalty entries added up per leaf), and each leaf's (title, framework order). Two queries."""
    leaves, titles = [], {}
    scores = (
        Score.objects.filter(assessment=assessment, criterion__method__in=[Method.APPRAISAL, Method.SURVEY])
        .order_by("criterion__order")
        .values_list(
            "criterion__code",
            "criterion__title",
            "criterion__order",
            "criterion__method",
            "max_points",
            "survey_points",
            "appraised_points",
            "reappraised_points",
            "council_points",
            "is_na",
            "na_confirmed",
        )
    )
    for code, title, order, method, max_points, survey, appraised, reappraised, council, is_na, confirmed in scores:
        if method == Method.SURVEY:
            leaves.append(scoring.LeafScore(code, method, max_points, survey))
        else:
            points = scoring.final_points(appraised, reappraised, council)
            leaves.append(scoring.LeafScore(code, method, max_points, points, bool(is_na and confirmed)))
        titles[code] = (title, order)
    entries = (
        Adjustment.objects.filter(assessment=assessment)
        .values("criterion_id")
        .annotate(points=Sum("points"))
        .values_list(
            "criterion__code",
            "criterion__title",
            "criterion__order",
            "criterion__method",
            "criterion__max_points",
            "points",
        )
        .order_by("criterion__order")
    )
    for code, title, order, method, max_points, points in entries:
        leaves.append(scoring.LeafScore(code, method, max_points, scoring.quantize_points(points)))
        titles[code] = (title, order)
    return leaves, titles


def published_others(result: PublishedUnit) -> list[Decimal | None]:
    """The other units' shown indices in the unit's block of the same published version."""
    return list(
        PublishedUnit.objects.filter(publication_id=result.publication_id, block_id=result.block_id)
        .exclude(pk=result.pk)
        .values_list("shown_index", flat=True)
    )


def _stakes(leaves, titles, now, fixed) -> list[Stake]:
    stakes = []
    for leaf in leaves:
        if leaf.not_applicable or leaf.method == scoring.BONUS:
            continue
        points = leaf.points if leaf.points is not None else Decimal("0.00")
        # A penalty loses what it counted (capped by its leaf); any other leaf what it is short of its maximum.
        lost = min(points, leaf.max_points) if leaf.method == scoring.PENALTY else leaf.max_points - points
        if lost <= 0:
            continue
        alone = scoring.result_if_fixed(leaves, {leaf.code})
        gain = alone.shown_index - now.shown_index if now.shown_index is not None else Decimal("0.00")
        stakes.append(
            Stake(leaf.code, titles[leaf.code][0], leaf.method, leaf.max_points, points, lost, gain, leaf.code in fixed)
        )
    # Most points at stake first; ties in framework order.
    stakes.sort(key=lambda stake: (-stake.lost, titles[stake.code][1]))
    return stakes


def what_if(assessment, fixed: set[str], others: list[Decimal | None]) -> WhatIf:
    """The unit's index and rank now and had it won back the points of the ``fixed`` criteria, beside the other
    units of its block (``others``: their shown indices, frozen or provisional). Nothing is written."""
    leaves, titles = unit_leaves(assessment)
    now = scoring.unit_result(leaves)
    stakes = _stakes(leaves, titles, now, fixed)
    known = {stake.code for stake in stakes}
    then = scoring.result_if_fixed(leaves, fixed & known)
    return WhatIf(
        now=now,
        now_rank=scoring.rank_among(now.shown_index, others),
        then=then,
        then_rank=scoring.rank_among(then.shown_index, others),
        units=len(others) + 1,
        stakes=stakes,
        unknown=sorted(fixed - known),
    )
