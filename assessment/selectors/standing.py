"""Where a unit stands during the cycle: per field and per leaf, its self score against round 1 (and round 2 once
it is closed), with the appraisers' comments (two queries, whatever the size of the framework).

Imports Django, the policy, the scoring rules and the models; never a service."""

from dataclasses import dataclass, field
from decimal import Decimal

from assessment import policy
from assessment.models import Criterion, Method, Score

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class StandingLeaf:
    """One appraisal leaf: the unit's answer, each round's grade and comment."""

    code: str
    title: str
    max_points: Decimal
    is_na: bool
    na_confirmed: bool | None
    self_points: Decimal | None
    round_1: Decimal | None
    round_1_comment: str
    round_2: Decimal | None
    round_2_comment: str
    explanation: str
    round_2_shown: bool

    @property
    def counts(self) -> bool:
        """Whether the leaf stays in the maximum: a "not applicable" the appraiser did not refuse drops out."""
        return not (self.is_na and self.na_confirmed is not False)

    @property
    def latest(self) -> Decimal | None:
        """The appraisers' latest word shown to the unit: round 2 where it was graded again, else round 1."""
        if self.round_2_shown and self.round_2 is not None:
            return self.round_2
        return self.round_1

    @property
    def difference(self) -> Decimal | None:
        """The appraisers' latest score minus the self score (negative: points lost); None where either is missing."""
        if not self.counts or self.latest is None:
            return None
        return self.latest - (self.self_points or ZERO)

    @property
    def loses(self) -> bool:
        return self.difference is not None and self.difference < 0


@dataclass
class StandingField:
    """One field's leaves and totals (blank counts 0; leaves out of the maximum add nothing)."""

    code: str
    title: str
    round_2_shown: bool
    leaves: list[StandingLeaf] = field(default_factory=list)

    def _sum(self, values) -> Decimal:
        return sum((value or ZERO for value in values), ZERO)

    @property
    def max_points(self) -> Decimal:
        return self._sum(leaf.max_points for leaf in self.leaves if leaf.counts)

    @property
    def self_total(self) -> Decimal:
        return self._sum(leaf.self_points for leaf in self.leaves if not leaf.is_na)

    @property
    def round_1_total(self) -> Decimal:
        return self._sum(leaf.round_1 for leaf in self.leaves if leaf.counts)

    @property
    def round_2_total(self) -> Decimal | None:
        """After round 2: each leaf's round 2 score where it was graded again, else its round 1 score."""
        if not self.round_2_shown:
            return None
        return self._sum(leaf.latest for leaf in self.leaves if leaf.counts)

    @property
    def latest_total(self) -> Decimal:
        return self.round_1_total if self.round_2_total is None else self.round_2_total

    @property
    def difference(self) -> Decimal:
        return self.latest_total - self.self_total

    @property
    def losing(self) -> int:
        return sum(1 for leaf in self.leaves if leaf.loses)


@dataclass(frozen=True)
class Standing:
    fields: list[StandingField]
    round_2_shown: bool

    def _sum(self, name) -> Decimal:
        return sum((getattr(item, name) for item in self.fields), ZERO)

    @property
    def max_points(self) -> Decimal:
        return self._sum("max_points")

    @property
    def self_total(self) -> Decimal:
        return self._sum("self_total")

    @property
    def round_1_total(self) -> Decimal:
        return self._sum("round_1_total")

    @property
    def round_2_total(self) -> Decimal | None:
        return self._sum("round_2_total") if self.round_2_shown else None

    @property
    def difference(self) -> Decimal:
        return self._sum("difference")


def assessment_standing(assessment) -> Standing:
    """The appraisal leaves of ``assessment`` grouped by field, in framework order (two queries). The caller asks
    ``policy.standing_refusal`` first: before the appraisal is returned, nothing of it is shown."""
    round_2_shown = policy.standing_shows_round_2(assessment)
    fields = {
        code: StandingField(code, title, round_2_shown)
        for code, title in Criterion.objects.filter(framework_id=assessment.framework_id, parent__isnull=True)
        .order_by("order")
        .values_list("code", "title")
    }
    rows = (
        Score.objects.filter(assessment=assessment, criterion__method=Method.APPRAISAL)
        .order_by("criterion__order", "criterion_id")
        .values_list(
            "criterion__field_code",
            "criterion__code",
            "criterion__title",
            "max_points",
            "is_na",
            "na_confirmed",
            "self_points",
            "appraised_points",
            "appraised_comment",
            "reappraised_points",
            "reappraised_comment",
            "explanation",
        )
    )
    for field_code, code, title, max_points, is_na, na_confirmed, self_points, r1, c1, r2, c2, explanation in rows:
        section = fields.get(field_code)
        if section is None:
            continue
        section.leaves.append(
            StandingLeaf(
                code=code,
                title=title,
                max_points=max_points or ZERO,
                is_na=is_na,
                na_confirmed=na_confirmed,
                self_points=self_points,
                round_1=r1,
                round_1_comment=c1,
                round_2=r2 if round_2_shown else None,
                round_2_comment=c2 if round_2_shown else "",
                explanation=explanation,
                round_2_shown=round_2_shown,
            )
        )
    return Standing(fields=[item for item in fields.values() if item.leaves], round_2_shown=round_2_shown)
