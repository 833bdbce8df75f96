"""What if, compared whole: the result had some leaves been fixed is exactly unit_result of the leaves as fixed by
hand (every total and every field, not only the index), and each field's figures are stated."""

from decimal import Decimal as D

from assessment import scoring
from assessment.scoring import FieldResult, LeafScore, UnitResult
from tests.assessment.test_scoring_what_if import LEAVES as WHAT_IF_LEAVES

# The what-if tests' leaves, with a second penalty leaf below its cap.
LEAVES = [*WHAT_IF_LEAVES, LeafScore("9.3", scoring.PENALTY, D("2.00"), D("0.50"))]


def replaced(code: str, leaf: LeafScore) -> list[LeafScore]:
    return [leaf if existing.code == code else existing for existing in LEAVES]


def test_a_fixed_appraised_leaf_earns_its_maximum_and_only_its_field_moves():
    result = scoring.result_if_fixed(LEAVES, {"1.1"})
    assert result == scoring.unit_result(replaced("1.1", LeafScore("1.1", scoring.APPRAISAL, D("4.00"), D("4.00"))))
    assert result == UnitResult(
        appraised=D("4.00"),
        survey=D("7.50"),
        bonus=D("1.00"),
        penalty=D("3.50"),
        maximum=D("20.00"),
        fields=(
            FieldResult("1", D("4.00"), D("10.00"), D("40.0000")),
            FieldResult("2", D("7.50"), D("10.00"), D("75.0000")),
        ),
    )


def test_a_fixed_survey_leaf_earns_its_maximum_in_its_own_field():
    result = scoring.result_if_fixed(LEAVES, {"2.1"})
    assert result == scoring.unit_result(replaced("2.1", LeafScore("2.1", scoring.SURVEY, D("10.00"), D("10.00"))))
    assert result.fields == (
        FieldResult("1", D("2.00"), D("10.00"), D("20.0000")),
        FieldResult("2", D("10.00"), D("10.00"), D("100.0000")),
    )
    assert (result.appraised, result.survey, result.maximum) == (D("2.00"), D("10.00"), D("20.00"))


def test_a_fixed_penalty_leaf_costs_nothing_and_the_other_penalties_stay():
    result = scoring.result_if_fixed(LEAVES, {"9.2"})
    assert result == scoring.unit_result(replaced("9.2", LeafScore("9.2", scoring.PENALTY, D("3.00"), D("0.00"))))
    assert result == UnitResult(
        appraised=D("2.00"),
        survey=D("7.50"),
        bonus=D("1.00"),
        penalty=D("0.50"),
        maximum=D("20.00"),
        fields=(
            FieldResult("1", D("2.00"), D("10.00"), D("20.0000")),
            FieldResult("2", D("7.50"), D("10.00"), D("75.0000")),
        ),
    )
    both = scoring.result_if_fixed(LEAVES, {"9.2", "9.3"})
    assert (both.penalty, both.fields, both.maximum) == (D("0"), result.fields, D("20.00"))


def test_na_bonus_and_unknown_leaves_fixed_leave_the_whole_result_as_it_is():
    before = scoring.unit_result(LEAVES)
    for code in ("1.3", "9.1", "7.7"):
        assert scoring.result_if_fixed(LEAVES, {code}) == before, code
    assert scoring.result_if_fixed(LEAVES, set()) == before
    assert before.fields == (
        FieldResult("1", D("2.00"), D("10.00"), D("20.0000")),
        FieldResult("2", D("7.50"), D("10.00"), D("75.0000")),
    )
