"""The proposed-score rules of DOMAIN.md, exact, in Decimal, for every kind."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment.scoring import Rule, Tier, propose_score, quantize_points

TIERS_1_1_2 = Rule("tiers", tiers=(Tier(D("100"), D("1.5")), Tier(D("80"), D("0.75"))))
TIERS_2_1 = Rule("tiers", tiers=(Tier(D("100"), D("3")), Tier(D("90"), D("2")), Tier(D("70"), D("1"))))


@pytest.mark.parametrize(
    ("rule", "declared", "max_points", "expected"),
    [
        # yes_no: yes → max, no → 0
        (Rule("yes_no"), True, D("1"), D("1.00")),
        (Rule("yes_no"), False, D("1"), D("0.00")),
        # tiers: the points of the highest tier reached (framework-sample 1.1.2 and 2.1)
        (TIERS_1_1_2, D("100"), D("1.5"), D("1.50")),
        (TIERS_1_1_2, D("120"), D("1.5"), D("1.50")),
        (TIERS_1_1_2, D("99.99"), D("1.5"), D("0.75")),
        (TIERS_1_1_2, D("80"), D("1.5"), D("0.75")),
        (TIERS_1_1_2, D("79.99"), D("1.5"), D("0.00")),
        (TIERS_2_1, D("95"), D("3"), D("2.00")),
        (TIERS_2_1, D("70"), D("3"), D("1.00")),
        (TIERS_2_1, D("0"), D("3"), D("0.00")),
        # ratio: max × min(declared / target, 1) (framework-sample 1.3.1, target 30%)
        (Rule("ratio", target=D("30")), D("30"), D("1"), D("1.00")),
        (Rule("ratio", target=D("30")), D("45"), D("1"), D("1.00")),
        (Rule("ratio", target=D("30")), D("20"), D("1"), D("0.67")),  # 0.6666… half-up
        (Rule("ratio", target=D("30")), D("10"), D("1"), D("0.33")),
        (Rule("ratio", target=D("100")), D("87.5"), D("2"), D("1.75")),
        (Rule("ratio", target=D("50")), D("12.5"), D("3"), D("0.75")),
        (Rule("ratio", target=D("8")), D("1"), D("1"), D("0.13")),  # 0.125 → 0.13, half-up not banker's
        (Rule("ratio", target=D("30")), D("0"), D("1"), D("0.00")),  # nothing done: nothing earned
        (Rule("ratio", target=D("30")), D("0.5"), D("3"), D("0.05")),  # 3 × 0,5 / 30 = 0,05: below 1 counts as is
        (Rule("ratio", target=D("30")), D("-15"), D("1"), D("0.00")),  # a negative declaration is worth 0, not less
        # count: min(count × per_item, max) (framework-sample 1.5)
        (Rule("count", per_item=D("0.75")), D("0"), D("1.5"), D("0.00")),
        (Rule("count", per_item=D("0.75")), D("1"), D("1.5"), D("0.75")),
        (Rule("count", per_item=D("0.75")), D("2"), D("1.5"), D("1.50")),
        (Rule("count", per_item=D("0.75")), D("5"), D("1.5"), D("1.50")),
        # deduction: max(max − count × per_item, 0) (framework-sample 1.2 and 5.4)
        (Rule("deduction", per_item=D("0.5")), D("0"), D("1"), D("1.00")),
        (Rule("deduction", per_item=D("0.5")), D("1"), D("1"), D("0.50")),
        (Rule("deduction", per_item=D("0.5")), D("3"), D("1"), D("0.00")),
        (Rule("deduction", per_item=D("1")), D("1"), D("2"), D("1.00")),
    ],
)
def test_proposed_score(rule, declared, max_points, expected):
    result = propose_score(rule, declared, max_points)
    assert result == expected
    assert result.as_tuple().exponent == -2  # always two decimal places


def test_manual_rule_and_nothing_declared_propose_nothing():
    assert propose_score(Rule("manual"), D("5"), D("1.5")) is None
    assert propose_score(Rule("yes_no"), None, D("1")) is None


def test_rounding_is_half_up():
    assert quantize_points(D("0.125")) == D("0.13")
    assert quantize_points(D("0.135")) == D("0.14")
    assert quantize_points(D("2.675")) == D("2.68")


def test_an_unknown_rule_is_an_error():
    with pytest.raises(ValueError, match="unknown rule kind 'average'"):
        propose_score(Rule("average"), D("1"), D("1"))


maxima = st.decimals(min_value=D("0.25"), max_value=D("30"), places=2)
declared = st.decimals(min_value=D("0"), max_value=D("500"), places=2)
positive = st.decimals(min_value=D("0.01"), max_value=D("100"), places=2)


@st.composite
def tier_rules(draw):
    max_points = draw(maxima)
    mins = sorted(
        draw(st.sets(st.decimals(min_value=D("0"), max_value=D("150"), places=2), min_size=1, max_size=4)), reverse=True
    )
    points = sorted((draw(st.decimals(min_value=D("0"), max_value=max_points, places=2)) for _ in mins), reverse=True)
    return Rule("tiers", tiers=tuple(Tier(m, p) for m, p in zip(mins, points, strict=True))), max_points


@st.composite
def any_rule(draw):
    kind = draw(st.sampled_from(["tiers", "ratio", "count", "deduction"]))
    if kind == "tiers":
        return draw(tier_rules())
    max_points = draw(maxima)
    if kind == "ratio":
        return Rule("ratio", target=draw(positive)), max_points
    return Rule(kind, per_item=draw(positive)), max_points


@given(any_rule(), declared)
def test_every_proposal_lies_within_0_and_max(rule_and_max, value):
    rule, max_points = rule_and_max
    assert D("0") <= propose_score(rule, value, max_points) <= max_points


@given(
    st.sampled_from(["tiers", "ratio", "count"]).flatmap(lambda kind: any_rule().filter(lambda r: r[0].kind == kind)),
    declared,
    declared,
)
def test_tiers_ratio_and_count_never_drop_when_the_declared_value_rises(rule_and_max, first, second):
    rule, max_points = rule_and_max
    low, high = sorted((first, second))
    assert propose_score(rule, low, max_points) <= propose_score(rule, high, max_points)


@given(maxima, positive, declared, declared)
def test_deduction_never_goes_below_zero_and_never_rises_with_the_count(max_points, per_item, first, second):
    rule = Rule("deduction", per_item=per_item)
    low, high = sorted((first, second))
    assert propose_score(rule, high, max_points) >= D("0")
    assert propose_score(rule, high, max_points) <= propose_score(rule, low, max_points)


@given(maxima)
def test_yes_is_never_worth_less_than_no(max_points):
    assert propose_score(Rule("yes_no"), True, max_points) >= propose_score(Rule("yes_no"), False, max_points)


def test_the_pure_methods_are_the_models_methods():
    """scoring.py imports no Django, so it spells the methods out; they must stay those of the enum."""
    from assessment import scoring
    from assessment.models import Method

    assert [scoring.APPRAISAL, scoring.SURVEY, scoring.BONUS, scoring.PENALTY] == [
        Method.APPRAISAL,
        Method.SURVEY,
        Method.BONUS,
        Method.PENALTY,
    ]
    assert set(Method.values) == {scoring.APPRAISAL, scoring.SURVEY, scoring.BONUS, scoring.PENALTY}
