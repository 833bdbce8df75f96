"""What if, in the pure arithmetic: a fixed leaf earns its maximum (a fixed penalty counts nothing), N/A and bonus
leaves never change, and the rank is the competition rank among the others."""

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from assessment import scoring
from assessment.scoring import LeafScore

LEAVES = [
    LeafScore("1.1", scoring.APPRAISAL, D("4.00"), D("2.00")),
    LeafScore("1.2", scoring.APPRAISAL, D("6.00"), None),  # blank counts 0
    LeafScore("1.3", scoring.APPRAISAL, D("5.00"), D("0.00"), not_applicable=True),
    LeafScore("2.1", scoring.SURVEY, D("10.00"), D("7.50")),
    LeafScore("9.1", scoring.BONUS, D("2.00"), D("1.00")),
    LeafScore("9.2", scoring.PENALTY, D("3.00"), D("4.00")),  # capped at 3
]


def figures(result):
    return (result.appraised, result.survey, result.bonus, result.penalty, result.maximum, result.index)


def test_nothing_fixed_is_the_unit_s_result():
    assert figures(scoring.result_if_fixed(LEAVES, set())) == figures(scoring.unit_result(LEAVES))
    assert figures(scoring.unit_result(LEAVES)) == (
        D("2.00"),
        D("7.50"),
        D("1.00"),
        D("3.00"),
        D("20.00"),
        D("37.5000"),
    )


def test_each_kind_of_leaf_fixed():
    assert figures(scoring.result_if_fixed(LEAVES, {"1.1"}))[0] == D("4.00")
    assert figures(scoring.result_if_fixed(LEAVES, {"1.2"}))[0] == D("8.00")  # a blank leaf earns its maximum
    assert figures(scoring.result_if_fixed(LEAVES, {"2.1"}))[1] == D("10.00")
    assert figures(scoring.result_if_fixed(LEAVES, {"9.2"}))[3] == D("0.00")
    # N/A stays out of both sides; a bonus is never "fixed"; an unknown code changes nothing.
    for code in ("1.3", "9.1", "7.7"):
        assert figures(scoring.result_if_fixed(LEAVES, {code})) == figures(scoring.unit_result(LEAVES)), code
    everything = scoring.result_if_fixed(LEAVES, {"1.1", "1.2", "2.1", "9.2"})
    assert figures(everything) == (D("10.00"), D("10.00"), D("1.00"), D("0.00"), D("20.00"), D("105.0000"))


def test_the_rank_among_the_others_is_the_competition_rank():
    others = [D("90.00"), D("87.50"), D("87.50"), None, D("60.00")]
    assert scoring.rank_among(D("95.00"), others) == 1
    assert scoring.rank_among(D("90.00"), others) == 1  # tied with the first
    assert scoring.rank_among(D("87.50"), others) == 2  # tied with two at the second place
    assert scoring.rank_among(D("87.49"), others) == 4
    assert scoring.rank_among(D("10.00"), others) == 5
    assert scoring.rank_among(None, others) is None
    assert scoring.rank_among(D("50.00"), []) == 1


points = st.decimals(min_value=0, max_value=10, places=2)


@given(st.lists(st.tuples(points, points, st.booleans()), min_size=1, max_size=8), st.sets(st.integers(0, 7)))
def test_fixing_criteria_never_lowers_the_index(rows, fixed_positions):
    leaves = [
        LeafScore(f"1.{n}", scoring.APPRAISAL, max(a, b), min(a, b), not_applicable=na)
        for n, (a, b, na) in enumerate(rows, start=1)
    ]
    fixed = {f"1.{n + 1}" for n in fixed_positions}
    before, after = scoring.unit_result(leaves), scoring.result_if_fixed(leaves, fixed)
    if before.index is not None:
        assert after.index >= before.index
        assert after.maximum == before.maximum
