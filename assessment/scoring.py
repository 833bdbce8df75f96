"""The index arithmetic: pure functions over plain values, Decimal only, no Django import.

Rules of docs/domain.md ("Scoring"): each appraisal leaf's rule turns the unit's declared value into
a proposed score within 0..max; appraisers may always override it.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

POINTS = Decimal("0.01")
INDEX = Decimal("0.0001")


def quantize_points(value: Decimal) -> Decimal:
    """Points have two decimal places, rounded half-up (1.125 → 1.13)."""
    return value.quantize(POINTS, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Tier:
    min: Decimal
    points: Decimal


@dataclass(frozen=True)
class Rule:
    """A leaf's rule with its parameters, already checked (see assessment.rules)."""

    kind: str
    tiers: tuple[Tier, ...] = ()
    target: Decimal | None = None
    per_item: Decimal | None = None


YES_NO, TIERS, RATIO, COUNT, DEDUCTION, MANUAL = "yes_no", "tiers", "ratio", "count", "deduction", "manual"


def propose_yes_no(declared: bool, max_points: Decimal) -> Decimal:
    """yes → max, no → 0."""
    return quantize_points(max_points) if declared else Decimal("0.00")


def propose_tiers(rate: Decimal, tiers: tuple[Tier, ...], max_points: Decimal) -> Decimal:
    """The points of the highest tier whose minimum the declared rate reaches, else 0."""
    reached = [tier for tier in tiers if rate >= tier.min]
    if not reached:
        return Decimal("0.00")
    best = max(reached, key=lambda tier: tier.min)
    return quantize_points(min(best.points, max_points))


def propose_ratio(declared: Decimal, target: Decimal, max_points: Decimal) -> Decimal:
    """max × min(declared / target, 1); nothing below 0."""
    share = min(max(declared, Decimal(0)) / target, Decimal(1))
    return quantize_points(max_points * share)


def propose_count(count: Decimal, per_item: Decimal, max_points: Decimal) -> Decimal:
    """min(count × per_item, max)."""
    return quantize_points(min(max(count, Decimal(0)) * per_item, max_points))


def propose_deduction(count: Decimal, per_item: Decimal, max_points: Decimal) -> Decimal:
    """max(max − count × per_item, 0)."""
    return quantize_points(max(max_points - max(count, Decimal(0)) * per_item, Decimal(0)))


def propose_score(rule: Rule, declared, max_points: Decimal) -> Decimal | None:
    """The proposed score of a leaf from its declared value; None when the rule is manual or nothing is declared."""
    if declared is None or rule.kind == MANUAL:
        return None
    if rule.kind == YES_NO:
        return propose_yes_no(bool(declared), max_points)
    if rule.kind == TIERS:
        return propose_tiers(Decimal(declared), rule.tiers, max_points)
    if rule.kind == RATIO:
        return propose_ratio(Decimal(declared), rule.target, max_points)
    if rule.kind == COUNT:
        return propose_count(Decimal(declared), rule.per_item, max_points)
    if rule.kind == DEDUCTION:
        return propose_deduction(Decimal(declared), rule.per_item, max_points)
    raise ValueError(f"unknown rule kind {rule.kind!r}")


def index_percent(achieved: Decimal, maximum: Decimal) -> Decimal | None:
    """achieved / maximum × 100, stored with 4 places (half-up); None when nothing counts."""
    if not maximum:
        return None
    return (achieved * 100 / maximum).quantize(INDEX, rounding=ROUND_HALF_UP)


def shown(value: Decimal) -> Decimal:
    """The 2-place value people see and ranks are made on (86.5806 → 86.58)."""
    return value.quantize(POINTS, rounding=ROUND_HALF_UP)


def final_points(appraised: Decimal | None, reappraised: Decimal | None, council: Decimal | None) -> Decimal:
    """A leaf's final score: the council's override, else round 2, else round 1; blank counts 0.

    Never the higher of self and appraised: the unit's own score does not enter.
    """
    for value in (council, reappraised, appraised):
        if value is not None:
            return value
    return Decimal("0.00")


# -- the index of a unit, its fields, the ranking of a block ---------------------------------------------------

APPRAISAL, SURVEY, BONUS, PENALTY = "appraisal", "survey", "bonus", "penalty"


@dataclass(frozen=True)
class LeafScore:
    """One leaf of one unit, as the computation needs it."""

    code: str
    method: str
    max_points: Decimal
    points: Decimal | None = None  # appraisal: the final score; survey: the imported points; bonus/penalty: entries
    not_applicable: bool = False  # the unit's N/A, confirmed by the appraiser

    @property
    def field(self) -> str:
        """The top-level code ("1" for "1.3.1") of plain data; criteria read the column Criterion.field_code."""
        return self.code.split(".", 1)[0]


@dataclass(frozen=True)
class FieldResult:
    code: str
    achieved: Decimal
    maximum: Decimal
    index: Decimal | None  # 4 places


@dataclass(frozen=True)
class UnitResult:
    appraised: Decimal
    survey: Decimal
    bonus: Decimal
    penalty: Decimal
    maximum: Decimal
    fields: tuple[FieldResult, ...]

    @property
    def achieved(self) -> Decimal:
        return self.appraised + self.survey

    @property
    def total(self) -> Decimal:
        return self.achieved + self.bonus - self.penalty

    @property
    def index(self) -> Decimal | None:
        """total / maximum × 100, 4 places half-up."""
        return index_percent(self.total, self.maximum)

    @property
    def shown_index(self) -> Decimal | None:
        return None if self.index is None else shown(self.index)


def unit_result(leaves: list[LeafScore]) -> UnitResult:
    """A unit's totals: N/A leaves out of both sides; blank counts 0; bonus and penalty each capped by their leaf.

    Several entries of one bonus or penalty leaf add up first; the cap applies to their sum.
    """
    appraised = survey = maximum = Decimal("0.00")
    fields: dict[str, list[Decimal]] = {}
    entries: dict[tuple[str, str], list[Decimal]] = {}  # (method, code) → [sum of the entries, the leaf's max]
    for leaf in leaves:
        points = leaf.points if leaf.points is not None else Decimal("0.00")
        if leaf.method in (BONUS, PENALTY):
            entry = entries.setdefault((leaf.method, leaf.code), [Decimal("0.00"), leaf.max_points])
            entry[0] += max(points, Decimal(0))
            continue
        if leaf.not_applicable:
            continue
        if leaf.method == APPRAISAL:
            appraised += points
        else:
            survey += points
        maximum += leaf.max_points
        field = fields.setdefault(leaf.field, [Decimal("0.00"), Decimal("0.00")])
        field[0] += points
        field[1] += leaf.max_points
    bonus = sum((min(total, cap) for (method, _code), (total, cap) in entries.items() if method == BONUS), Decimal(0))
    penalty = sum(
        (min(total, cap) for (method, _code), (total, cap) in entries.items() if method == PENALTY), Decimal(0)
    )
    return UnitResult(
        appraised=appraised,
        survey=survey,
        bonus=bonus,
        penalty=penalty,
        maximum=maximum,
        fields=tuple(
            FieldResult(code, achieved, field_max, index_percent(achieved, field_max))
            for code, (achieved, field_max) in sorted(fields.items(), key=lambda item: _code_key(item[0]))
        ),
    )


def _code_key(code: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in code.split("."))


def competition_ranks(values: list[Decimal | None]) -> list[int | None]:
    """Standard competition ranking of the shown values, highest first: 1, 2, 2, 4 (no value, no rank)."""
    present = sorted((value for value in values if value is not None), reverse=True)
    first_position = {}
    for position, value in enumerate(present, start=1):
        first_position.setdefault(value, position)
    return [None if value is None else first_position[value] for value in values]


def average(values: list[Decimal]) -> Decimal | None:
    """Mean of shown (2-place) values, rounded half-up to 2 places."""
    values = [value for value in values if value is not None]
    if not values:
        return None
    return shown(sum(values, Decimal(0)) / len(values))


# -- what if: the same arithmetic with some lost points won back ------------------------------------------------


def result_if_fixed(leaves: list[LeafScore], fixed: set[str]) -> UnitResult:
    """The unit's result had each fixed leaf earned its maximum (a fixed penalty leaf: no penalty at all).

    N/A leaves stay out; bonus leaves are not "fixed" (they are never lost points). Everything else is
    unit_result's own arithmetic, so the figures are exactly those publishing would compute.
    """
    changed = []
    for leaf in leaves:
        if leaf.code in fixed and not leaf.not_applicable:
            if leaf.method in (APPRAISAL, SURVEY):
                leaf = LeafScore(leaf.code, leaf.method, leaf.max_points, leaf.max_points)
            elif leaf.method == PENALTY:
                leaf = LeafScore(leaf.code, leaf.method, leaf.max_points, Decimal("0.00"))
        changed.append(leaf)
    return unit_result(changed)


def rank_among(value: Decimal | None, others: list[Decimal | None]) -> int | None:
    """The competition rank a shown index would hold among the other units' shown indices."""
    return competition_ranks([value, *others])[0]
