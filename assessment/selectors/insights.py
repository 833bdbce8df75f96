"""Reads for the insights beyond the scores: "what if" a unit had not lost the points of some criteria, and how
accurate each unit's self-assessment was.

Imports Django, the scoring rules and the models; never a service."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, F, OuterRef, Q, Subquery, Sum

from assessment import scoring
from assessment.models import Adjustment, Method, PublishedUnit, Score
from assessment.sql import final_points_expression


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


# -- accuracy of self-assessment ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Accuracy:
    """How far a unit's self scores were from its final scores, over the leaves it scored itself and that were
    graded (appraisal leaves, the confirmed N/A left out): positive gaps are points claimed and not granted."""

    unit_id: int
    unit_code: str
    unit_name: str
    block_name: str
    year: int
    field: str | None  # None: the whole framework
    compared: int
    self_total: Decimal
    final_total: Decimal
    above: int  # leaves claimed above their final score

    @property
    def gap(self) -> Decimal:
        return self.self_total - self.final_total

    @property
    def mean_gap(self) -> Decimal:
        """The gap per compared leaf, 2 places half-up."""
        return scoring.quantize_points(self.gap / self.compared)

    @property
    def share_above(self) -> Decimal:
        """The share of compared leaves claimed above their final score, in % with 2 places half-up."""
        return scoring.quantize_points(Decimal(self.above) * 100 / self.compared)


def _compared_scores(**filters):
    """Appraisal leaves with a self score and a final score, the confirmed N/A left out (one row per leaf)."""
    graded = Q(appraised_points__isnull=False) | Q(reappraised_points__isnull=False) | Q(council_points__isnull=False)
    return (
        Score.objects.filter(criterion__method=Method.APPRAISAL, self_points__isnull=False, **filters)
        .filter(graded)
        .exclude(is_na=True, na_confirmed=True)
        .annotate(final=final_points_expression())
    )


def _accuracy_rows(scores, by_field: bool) -> list[Accuracy]:
    keys = ["assessment__unit_id", "assessment__unit__code", "assessment__unit__name", "assessment__unit__block__name"]
    keys.append("assessment__period__year")
    if by_field:
        keys.append("criterion__field_code")
    rows = (
        scores.values(*keys)
        .annotate(
            compared=Count("id"),
            self_total=Sum("self_points"),
            final_total=Sum("final"),
            above=Count("id", filter=Q(self_points__gt=F("final"))),
        )
        .order_by(*keys)
    )
    return [
        Accuracy(
            row["assessment__unit_id"],
            row["assessment__unit__code"],
            row["assessment__unit__name"],
            row["assessment__unit__block__name"],
            row["assessment__period__year"],
            row.get("criterion__field_code"),
            row["compared"],
            # Sums of 2-place values: exact in PostgreSQL; SQLite adds in floating point, so back to the 2 places.
            scoring.quantize_points(Decimal(row["self_total"])),
            scoring.quantize_points(Decimal(row["final_total"])),
            row["above"],
        )
        for row in rows
    ]


ACCURACY_ORDERS = {
    "gap": lambda row: (-row.gap, row.unit_code),
    "mean": lambda row: (-row.mean_gap, row.unit_code),
    "share": lambda row: (-row.share_above, row.unit_code),
    "unit": lambda row: (row.block_name, row.unit_name, row.unit_code),
}


def period_accuracy(period, order: str = "gap") -> list[Accuracy]:
    """Every unit of the period, the largest gap first (or by mean gap, share claimed above, unit): one query."""
    rows = _accuracy_rows(_compared_scores(assessment__period=period), by_field=False)
    return sorted(rows, key=ACCURACY_ORDERS.get(order, ACCURACY_ORDERS["gap"]))


def unit_accuracy(unit_id: int) -> tuple[list[Accuracy], list[Accuracy]]:
    """One unit's accuracy over the years (its trend) and by field in each year: two queries."""
    scores = _compared_scores(assessment__unit_id=unit_id)
    return _accuracy_rows(scores, by_field=False), _accuracy_rows(scores, by_field=True)


def unit_gap_the_year_before() -> Subquery:
    """For each score row: its unit's gap (self − final) over the year before's compared leaves, or None; the
    appraisers' queue orders by it so that they start where the claims were least reliable."""
    earlier = (
        _compared_scores()
        .filter(
            assessment__unit_id=OuterRef("assessment__unit_id"),
            assessment__period__year=OuterRef("assessment__period__year") - 1,
        )
        .values("assessment__unit_id")
        .annotate(gap=Sum(F("self_points") - F("final")))
        .values("gap")
    )
    return Subquery(earlier, output_field=DecimalField(max_digits=9, decimal_places=2))
