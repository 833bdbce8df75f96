"""Reads for the insights beyond the scores: "what if" a unit had not lost the points of some criteria, and how
accurate each unit's self-assessment was.

Imports Django, the scoring rules and the models; never a service."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Max, Min, OuterRef, Q, Subquery, Sum

from accounts.models import Block, Unit
from assessment import scoring
from assessment.models import (
    Adjustment,
    Assessment,
    Criterion,
    ImprovementItem,
    Method,
    PlanStatus,
    PublishedUnit,
    Score,
)
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


def _graded_scores(**filters):
    """The graded appraisal leaves (the confirmed N/A left out), each with its final grade."""
    graded = Q(appraised_points__isnull=False) | Q(reappraised_points__isnull=False) | Q(council_points__isnull=False)
    return (
        Score.objects.filter(criterion__method=Method.APPRAISAL, **filters)
        .filter(graded)
        .exclude(is_na=True, na_confirmed=True)
        .annotate(final=final_points_expression())
    )


def _compared_scores(**filters):
    """The graded appraisal leaves the unit also scored itself: those its self-assessment is measured on."""
    return _graded_scores(self_points__isnull=False, **filters)


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


# -- consistency of appraisal -------------------------------------------------------------------------------------

# Two agencies (or two blocks) whose mean grades of one criterion, in % of its maximum, differ by at least this
# many points: the criterion is flagged for the council.
SHARP_DIFFERENCE = Decimal("25")


@dataclass
class Grading:
    """Sums of final grades over a set of leaves (one criterion, an agency, a block): adds up exactly."""

    count: int = 0
    total: Decimal = Decimal("0.00")
    squares: Decimal = Decimal("0.0000")
    low: Decimal | None = None
    high: Decimal | None = None
    zeros: int = 0
    at_max: int = 0
    reappraised: int = 0  # leaves graded again in round 2
    changed: int = 0  # … where round 2 differs from round 1
    change: Decimal = Decimal("0.00")  # the sum of round 2 − round 1 over those leaves
    capacity: Decimal = Decimal("0.00")  # the sum of the leaves' maxima

    def add(self, other: "Grading") -> None:
        self.count += other.count
        self.total += other.total
        self.squares += other.squares
        self.low = other.low if self.low is None else min(self.low, other.low)
        self.high = other.high if self.high is None else max(self.high, other.high)
        self.zeros += other.zeros
        self.at_max += other.at_max
        self.reappraised += other.reappraised
        self.changed += other.changed
        self.change += other.change
        self.capacity += other.capacity

    @property
    def mean(self) -> Decimal:
        return scoring.quantize_points(self.total / self.count)

    @property
    def mean_percent(self) -> Decimal:
        """The mean grade in % of the maximum, 2 places half-up."""
        return scoring.quantize_points(self.total * 100 / self.capacity) if self.capacity else Decimal("0.00")

    @property
    def spread(self) -> Decimal:
        """The population standard deviation of the grades, 2 places half-up."""
        mean = self.total / self.count
        variance = max(self.squares / self.count - mean * mean, Decimal(0))
        return scoring.quantize_points(variance.sqrt())

    @property
    def share_zero(self) -> Decimal:
        return scoring.quantize_points(Decimal(self.zeros) * 100 / self.count)

    @property
    def share_changed(self) -> Decimal | None:
        return scoring.quantize_points(Decimal(self.changed) * 100 / self.reappraised) if self.reappraised else None

    @property
    def mean_change(self) -> Decimal | None:
        return scoring.quantize_points(self.change / self.changed) if self.changed else None


@dataclass
class CriterionConsistency:
    block_name: str
    code: str
    title: str
    max_points: Decimal
    grading: Grading
    agencies: dict[str, Grading]  # agency name → its grading of this criterion

    @property
    def agency_gap(self) -> Decimal | None:
        """The difference between the highest and the lowest agency mean (% of max), when several agencies graded."""
        if len(self.agencies) < 2:
            return None
        means = [grading.mean_percent for grading in self.agencies.values()]
        return max(means) - min(means)

    @property
    def flagged(self) -> bool:
        return self.agency_gap is not None and self.agency_gap >= SHARP_DIFFERENCE


@dataclass(frozen=True)
class BlockDifference:
    code: str
    title: str
    blocks: list[tuple[str, Decimal]]  # (block, mean % of max), highest first

    @property
    def gap(self) -> Decimal:
        return self.blocks[0][1] - self.blocks[-1][1]


@dataclass(frozen=True)
class Consistency:
    criteria: list[CriterionConsistency]  # by block, then framework order
    agencies: list[tuple[str, Grading]]  # each agency's grading over the period, by name
    blocks: list[BlockDifference]  # criteria graded sharply differently between blocks, largest gap first

    @property
    def flagged(self) -> list[CriterionConsistency]:
        return [criterion for criterion in self.criteria if criterion.flagged]


def _grading(row) -> Grading:
    """One aggregated row of the period's graded leaves (SQLite sums in floating point: back to the places)."""
    return Grading(
        count=row["n"],
        total=scoring.quantize_points(Decimal(row["total"])),
        squares=Decimal(row["squares"]).quantize(Decimal("0.0001")),
        low=scoring.quantize_points(Decimal(row["low"])),
        high=scoring.quantize_points(Decimal(row["high"])),
        zeros=row["zeros"],
        at_max=row["at_max"],
        reappraised=row["reappraised"],
        changed=row["changed"],
        change=scoring.quantize_points(Decimal(row["change"] or 0)),
        capacity=scoring.quantize_points(Decimal(row["capacity"])),
    )


def period_consistency(period) -> Consistency:
    """How consistently the period's criteria were graded: per criterion (in each block) the spread of the final
    grades and the share graded 0, each agency's mean, how often round 2 changed round 1 and by how much (per
    agency), and the criteria graded sharply differently between agencies or between blocks. Four queries."""
    final = F("final")
    twice = Q(reappraised_points__isnull=False, appraised_points__isnull=False)
    rows = list(
        _graded_scores(assessment__period=period)
        .values("assessment__unit__block_id", "criterion_id", "agency_id")
        .annotate(
            n=Count("id"),
            total=Sum(final),
            squares=Sum(final * final),
            low=Min(final),
            high=Max(final),
            zeros=Count("id", filter=Q(final=0)),
            at_max=Count("id", filter=Q(final=F("max_points"))),
            reappraised=Count("id", filter=twice),
            changed=Count("id", filter=twice & ~Q(reappraised_points=F("appraised_points"))),
            change=Sum(F("reappraised_points") - F("appraised_points"), filter=twice),
            capacity=Sum("max_points"),
        )
        .order_by()
    )
    # The names, read once for the ids the sums came with (grouping by small integers keeps the pass fast).
    blocks = {b.pk: b for b in Block.objects.filter(pk__in={row["assessment__unit__block_id"] for row in rows})}
    titles = {
        c.pk: c
        for c in Criterion.objects.filter(pk__in={row["criterion_id"] for row in rows}).only(
            "code", "title", "order", "max_points"
        )
    }
    names = dict(Unit.objects.filter(pk__in={row["agency_id"] for row in rows}).values_list("pk", "name"))
    rows.sort(
        key=lambda row: (
            blocks[row["assessment__unit__block_id"]].order,
            titles[row["criterion_id"]].order,
            names.get(row["agency_id"], ""),
        )
    )
    criteria: dict[tuple, CriterionConsistency] = {}
    agencies: dict[str, Grading] = {}
    by_code: dict[tuple[str, str], dict[str, Grading]] = {}
    for row in rows:
        grading = _grading(row)
        agency = names.get(row["agency_id"], "—")
        block, criterion_row = blocks[row["assessment__unit__block_id"]], titles[row["criterion_id"]]
        key = (block.pk, criterion_row.pk)
        criterion = criteria.get(key)
        if criterion is None:
            criterion = criteria[key] = CriterionConsistency(
                block.name, criterion_row.code, criterion_row.title, criterion_row.max_points, Grading(), {}
            )
        criterion.grading.add(grading)
        criterion.agencies.setdefault(agency, Grading()).add(grading)
        agencies.setdefault(agency, Grading()).add(grading)
        by_block = by_code.setdefault((criterion_row.code, criterion_row.title), {})
        by_block.setdefault(block.name, Grading()).add(grading)
    differences = []
    for (code, title), by_block in by_code.items():
        if len(by_block) < 2:
            continue
        means = sorted(((name, grading.mean_percent) for name, grading in by_block.items()), key=lambda item: -item[1])
        difference = BlockDifference(code, title, means)
        if difference.gap >= SHARP_DIFFERENCE:
            differences.append(difference)
    differences.sort(key=lambda difference: (-difference.gap, _code_key(difference.code)))
    return Consistency(list(criteria.values()), sorted(agencies.items()), differences)


def _code_key(code: str) -> tuple:
    return tuple(int(part) if part.isdigit() else 0 for part in code.split("."))


# -- the improvement plan -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanProgress:
    """One unit's improvement plan of a period, counted: for Home Affairs' follow-up."""

    assessment_id: int
    unit_name: str
    block_name: str
    planned: int  # items planned
    in_progress: int
    done: int
    overdue: int  # not done, past their end date

    @property
    def items(self) -> int:
        return self.planned + self.in_progress + self.done


def period_plan_progress(period, today) -> list[PlanProgress]:
    """Every published unit of the period with its plan's items by status and how many are overdue: one query."""
    rows = (
        Assessment.objects.filter(period=period)
        .values("id", "unit__name", "unit__block__name", "unit__block__order")
        .annotate(
            planned=Count("improvement_items", filter=Q(improvement_items__status=PlanStatus.PLANNED)),
            in_progress=Count("improvement_items", filter=Q(improvement_items__status=PlanStatus.IN_PROGRESS)),
            done=Count("improvement_items", filter=Q(improvement_items__status=PlanStatus.DONE)),
            overdue=Count(
                "improvement_items",
                filter=~Q(improvement_items__status=PlanStatus.DONE) & Q(improvement_items__due__lt=today),
            ),
        )
        .order_by("unit__block__order", "unit__name")
    )
    return [
        PlanProgress(
            row["id"],
            row["unit__name"],
            row["unit__block__name"],
            row["planned"],
            row["in_progress"],
            row["done"],
            row["overdue"],
        )
        for row in rows
    ]


def improvement_items(assessment) -> list:
    """The unit's improvement plan items of this assessment, in framework order (one query)."""
    return list(
        ImprovementItem.objects.filter(assessment=assessment)
        .select_related("criterion", "evidence")
        .order_by("criterion__order")
    )
