"""The index arithmetic: pure functions over plain values, Decimal only, no Django import.

Rules of DOMAIN.md ("Scoring rules"): each appraisal leaf's rule turns the unit's declared value into
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
