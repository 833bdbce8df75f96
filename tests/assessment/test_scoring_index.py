"""The index of DOMAIN.md, worked by hand: totals, N/A, blanks, caps, fields, rounding, ranks and averages."""

import random
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment.scoring import (
    FieldResult,
    LeafScore,
    average,
    competition_ranks,
    final_points,
    index_percent,
    shown,
    unit_result,
)

# Sở Y tế in the hand-made table of tests/assessment/conftest.py (graded_period).
Y_TE = [
    LeafScore("1.1", "appraisal", D("4"), D("3.50")),
    LeafScore("1.2", "appraisal", D("8"), D("4.95")),
    LeafScore("2.1", "appraisal", D("5"), None, not_applicable=True),
    LeafScore("2.2", "appraisal", D("5"), None),  # blank: counts 0, stays in the maximum
    LeafScore("3.1", "survey", D("10"), D("7.25")),
    LeafScore("9.1", "bonus", D("2"), D("1.50")),  # two entries add up to 2,50: capped at 2
    LeafScore("9.1", "bonus", D("2"), D("1.00")),
    LeafScore("9.2", "penalty", D("3"), D("1.00")),
]


def test_a_unit_worked_by_hand():
    result = unit_result(Y_TE)
    assert (result.appraised, result.survey, result.bonus, result.penalty) == (D("8.45"), D("7.25"), D("2"), D("1"))
    assert result.maximum == D("27")  # 4 + 8 + 5 + 10: the N/A leaf is out of both sides
    assert result.total == D("16.70")  # 8,45 + 7,25 + 2 − 1
    assert result.index == D("61.8519")  # 16,70 / 27 × 100 = 61,85185…
    assert result.shown_index == D("61.85")
    assert result.fields == (
        FieldResult("1", D("8.45"), D("12"), D("70.4167")),  # "Lĩnh vực 1: 8,45/12 điểm, đạt 70,42%"
        FieldResult("2", D("0"), D("5"), D("0.0000")),
        FieldResult("3", D("7.25"), D("10"), D("72.5000")),
    )
    assert shown(result.fields[0].index) == D("70.42")


def test_the_field_the_press_quotes():
    assert shown(index_percent(D("8.45"), D("12"))) == D("70.42")


@pytest.mark.parametrize(
    ("achieved", "maximum", "stored", "shown_value"),
    [
        (D("26.84"), D("31"), D("86.5806"), D("86.58")),  # DOMAIN.md's example: 86,5806… → 86,58
        (D("5.61"), D("8"), D("70.1250"), D("70.13")),  # exactly half: up, not to even (70,12)
        (D("0.01"), D("32"), D("0.0313"), D("0.03")),  # 0,03125: the fourth place rounds half-up too
        (D("23.38"), D("27"), D("86.5926"), D("86.59")),
        (D("27.71"), D("32"), D("86.5938"), D("86.59")),
        (D("2"), D("3"), D("66.6667"), D("66.67")),
        (D("0"), D("12"), D("0.0000"), D("0.00")),
        (D("33"), D("32"), D("103.1250"), D("103.13")),  # a bonus can take a unit above 100%
    ],
)
def test_index_stored_with_four_places_shown_with_two(achieved, maximum, stored, shown_value):
    assert index_percent(achieved, maximum) == stored
    assert str(index_percent(achieved, maximum)) == str(stored)  # exactly four places
    assert shown(stored) == shown_value


def test_no_maximum_no_index():
    assert index_percent(D("0"), D("0")) is None
    result = unit_result([LeafScore("1.1", "appraisal", D("4"), None, not_applicable=True)])
    assert (result.maximum, result.index, result.shown_index, result.fields) == (D("0"), None, None, ())


def test_caps_apply_to_the_sum_of_entries_each_on_its_own_side():
    leaves = [
        LeafScore("1.1", "appraisal", D("10"), D("10")),
        LeafScore("9.1", "bonus", D("2"), D("5")),
        LeafScore("9.2", "penalty", D("3"), D("4.5")),
    ]
    result = unit_result(leaves)
    assert (result.bonus, result.penalty, result.total, result.index) == (D("2"), D("3"), D("9"), D("90.0000"))


def test_a_penalty_can_take_the_total_below_zero_only_by_its_cap():
    result = unit_result([LeafScore("1.1", "appraisal", D("10"), D("1")), LeafScore("9.2", "penalty", D("3"), D("3"))])
    assert (result.total, result.index) == (D("-2"), D("-20.0000"))


@pytest.mark.parametrize(
    ("appraised", "reappraised", "council", "expected"),
    [
        (D("1"), None, None, D("1")),
        (D("1"), D("0.5"), None, D("0.5")),  # round 2 replaces round 1, even downwards
        (D("1"), D("0.5"), D("0.75"), D("0.75")),  # the council has the last word
        (D("0"), None, D("0"), D("0")),
        (None, None, None, D("0.00")),  # never graded: 0
    ],
)
def test_final_points(appraised, reappraised, council, expected):
    assert final_points(appraised, reappraised, council) == expected


@pytest.mark.parametrize(
    ("values", "ranks"),
    [
        ([D("100.00"), D("86.59"), D("86.59"), D("61.85")], [1, 2, 2, 4]),
        ([D("61.85"), D("86.59"), D("100.00"), D("86.59")], [4, 2, 1, 2]),  # in any order
        ([D("80"), D("80"), D("80")], [1, 1, 1]),
        ([D("90"), D("85"), D("85"), D("85"), D("70")], [1, 2, 2, 2, 5]),
        ([D("90"), None, D("70")], [1, None, 2]),  # no index, no rank
        ([], []),
    ],
)
def test_standard_competition_ranking(values, ranks):
    assert competition_ranks(values) == ranks


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([D("100.00"), D("86.59"), D("86.59"), D("61.85")], D("83.76")),  # 335,03 / 4 = 83,7575
        ([D("100.00"), D("100.00"), D("100.00"), D("72.50")], D("93.13")),  # 93,125: half-up
        ([D("70.00"), D("70.01")], D("70.01")),  # 70,005 → 70,01
        ([D("82.61"), D("79.08"), D("80.00")], D("80.56")),  # 241,69 / 3 = 80,5633…
        ([], None),
        ([None, D("50")], D("50.00")),
    ],
)
def test_block_average_of_the_shown_values(values, expected):
    assert average(values) == expected


# -- properties ------------------------------------------------------------------------------------------------

points = st.decimals(min_value=0, max_value=20, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def leaves(draw):
    count = draw(st.integers(min_value=1, max_value=12))
    result = []
    for number in range(count):
        maximum = draw(st.decimals(min_value=D("0.25"), max_value=10, places=2))
        method = draw(st.sampled_from(["appraisal", "appraisal", "survey"]))
        value = draw(st.one_of(st.none(), st.decimals(min_value=0, max_value=maximum, places=2)))
        not_applicable = method == "appraisal" and draw(st.booleans())
        result.append(LeafScore(f"{number % 3 + 1}.{number}", method, maximum, value, not_applicable))
    result.append(LeafScore("9.1", "bonus", D("2"), draw(points)))
    result.append(LeafScore("9.2", "penalty", D("3"), draw(points)))
    return result


@given(leaves())
def test_order_does_not_matter(items):
    shuffled = list(items)
    random.Random(0).shuffle(shuffled)
    assert unit_result(shuffled) == unit_result(items)


@given(leaves())
def test_a_blank_leaf_counts_zero_and_an_na_leaf_counts_nowhere(items):
    blanks_as_zero = [
        LeafScore(
            leaf.code, leaf.method, leaf.max_points, D("0") if leaf.points is None else leaf.points, leaf.not_applicable
        )
        for leaf in items
    ]
    without_na = [leaf for leaf in items if not leaf.not_applicable]
    assert unit_result(blanks_as_zero).index == unit_result(items).index
    assert unit_result(without_na).index == unit_result(items).index


@given(leaves())
def test_index_stays_within_what_the_caps_allow(items):
    result = unit_result(items)
    if result.index is None:
        return
    assert D("0") <= result.bonus <= D("2") and D("0") <= result.penalty <= D("3")
    assert (result.achieved - 3) * 100 / result.maximum - D("0.0001") <= result.index
    assert result.index <= (result.maximum + 2) * 100 / result.maximum + D("0.0001")
    assert sum((field.achieved for field in result.fields), D(0)) == result.achieved
    assert sum((field.maximum for field in result.fields), D(0)) == result.maximum


@given(leaves())
def test_sums_per_field_give_the_same_result_as_single_leaves(items):
    """What the database hands over (one sum per unit, field and method) is computed exactly like the leaves."""
    sums: dict[tuple[str, str], list] = {}
    grouped = []
    for leaf in items:
        if leaf.method in ("bonus", "penalty"):
            grouped.append(leaf)
            continue
        if leaf.not_applicable:
            continue
        total = sums.setdefault((leaf.field, leaf.method), [D("0"), D("0")])
        total[0] += leaf.points or D("0")
        total[1] += leaf.max_points
    grouped += [LeafScore(field, method, maximum, value) for (field, method), (value, maximum) in sums.items()]
    assert unit_result(grouped) == unit_result(items)


@given(st.lists(st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2)), max_size=30))
def test_a_rank_is_one_more_than_the_number_of_better_values(values):
    for value, rank in zip(values, competition_ranks(values), strict=True):
        if value is None:
            assert rank is None
        else:
            assert rank == 1 + sum(1 for other in values if other is not None and other > value)


@given(st.lists(st.decimals(min_value=0, max_value=110, places=2), min_size=1, max_size=30))
def test_the_average_lies_between_the_lowest_and_the_highest(values):
    result = average(values)
    assert min(values) <= result <= max(values)
    assert result == result.quantize(D("0.01"))


def test_entries_below_one_point_count_as_they_are_and_negative_entries_count_nothing():
    leaves = [
        LeafScore("1.1", "appraisal", D("10"), D("8")),
        LeafScore("9.1", "bonus", D("2"), D("0.50")),
        LeafScore("9.1", "bonus", D("2"), D("-1.00")),  # a wrong negative entry does not eat the bonus
        LeafScore("9.2", "penalty", D("3"), D("0.25")),
    ]
    result = unit_result(leaves)
    assert (result.bonus, result.penalty, result.total) == (D("0.50"), D("0.25"), D("8.25"))


def test_without_entries_bonus_and_penalty_are_decimal_zeros():
    result = unit_result([LeafScore("1.1", "appraisal", D("4"), D("3"))])
    assert [(value, type(value)) for value in (result.bonus, result.penalty)] == [(D(0), D), (D(0), D)]


def test_fields_come_in_numeric_order_not_text_order():
    leaves = [
        LeafScore("10.1", "appraisal", D("2"), D("1")),
        LeafScore("2.1", "appraisal", D("4"), D("4")),
        LeafScore("1.1", "appraisal", D("5"), D("0")),
    ]
    assert [field.code for field in unit_result(leaves).fields] == ["1", "2", "10"]
