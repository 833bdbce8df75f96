"""Each unit's row of period_results: its ids and status, the order of the rows, its block, each entry's own cap."""

from decimal import Decimal as D

from accounts.models import Block
from assessment.models import Assessment, AssessmentStatus
from assessment.services.results import period_results
from tests.assessment.conftest import MINI_FRAMEWORK, add_entry, import_rows, mini_framework, open_period, set_scores
from tests.factories import UnitFactory

# Two appraisal fields whose leaves all allow N/A (a unit can have nothing that counts), two bonus leaves.
ROWS_FRAMEWORK = [
    MINI_FRAMEWORK[0],
    ["1", "Công tác chỉ đạo, điều hành", "12", "", "", "", "", "", "so-noi-vu", ""],
    ["1.1", "Kế hoạch CCHC", "4", "appraisal", "manual", "", "yes", "no", "so-noi-vu", ""],
    ["1.2", "Kiểm tra CCHC", "8", "appraisal", "manual", "", "yes", "no", "so-noi-vu", ""],
    ["2", "Cải cách thủ tục hành chính", "10", "", "", "", "", "", "so-noi-vu", ""],
    ["2.1", "Rà soát thủ tục", "10", "appraisal", "manual", "", "yes", "no", "so-noi-vu", ""],
    ["9", "Điểm thưởng, điểm trừ", "", "", "", "", "", "", "so-noi-vu", ""],
    ["9.1", "Điểm thưởng", "2", "bonus", "", "", "no", "no", "so-noi-vu", ""],
    ["9.2", "Điểm trừ", "3", "penalty", "", "", "no", "no", "so-noi-vu", ""],
    ["9.3", "Điểm thưởng sáng kiến", "1", "bonus", "", "", "no", "no", "so-noi-vu", ""],
]


def rows_framework(block):
    from assessment.models import Framework
    from assessment.services import framework_activate

    framework = Framework.objects.create(block=block, name="Bộ chỉ số hai điểm thưởng", first_year=2020)
    outcome = import_rows(framework, ROWS_FRAMEWORK)
    assert outcome.ok, outcome.problems
    framework_activate(framework=framework, actor=None)
    return framework


def rows_of(blocks):
    return [
        (row.rank, row.unit_code, row.assessment_id, row.unit_id, row.status, row.result.shown_index)
        for rows in blocks
        for row in rows.units
    ]


def test_each_row_carries_its_own_assessment_unit_and_status_and_unranked_units_come_last(departments, agencies):
    """Sở An: every leaf N/A, nothing counts, no index and no rank: last although its code sorts first.

    Sở Bình: 4 + 8 + 5 = 17/22 = 77,27 (rank 1); Sở Cát: 2 + 0 + 0 = 2/22 = 9,09 (rank 2).
    """
    units = [
        UnitFactory(code=code, name=name, block=departments)
        for code, name in [("so-an", "Sở An"), ("so-binh", "Sở Bình"), ("so-cat", "Sở Cát")]
    ]
    period = open_period(rows_framework(departments), year=2023, units=units)
    by_code = {a.unit.code: a for a in Assessment.objects.filter(period=period).select_related("unit", "framework")}
    set_scores(by_code["so-an"], {}, na=["1.1", "1.2", "2.1"])
    set_scores(by_code["so-binh"], {"1.1": D("4"), "1.2": D("8"), "2.1": D("5")})
    set_scores(by_code["so-cat"], {"1.1": D("2")})
    statuses = {
        "so-an": AssessmentStatus.SUBMITTED,
        "so-binh": AssessmentStatus.APPROVED,
        "so-cat": AssessmentStatus.RETURNED,
    }
    for code, status in statuses.items():
        Assessment.objects.filter(pk=by_code[code].pk).update(status=status)

    (block,) = period_results(period)

    def expected(rank, code, shown):
        return (rank, code, by_code[code].pk, by_code[code].unit_id, statuses[code], shown)

    assert rows_of([block]) == [
        expected(1, "so-binh", D("77.27")),
        expected(2, "so-cat", D("9.09")),
        expected(None, "so-an", None),
    ]


def test_each_bonus_leaf_is_capped_on_its_own(departments, agencies, coordinator):
    """9.1 (max 2): 1,50 + 1,00 = 2,50 → 2; 9.3 (max 1): 0,75; bonus 2,75. Penalty 9.2 (max 3): 1,25.

    Leaves 1.1 + 1.2 + 2.1 = 4 + 4 + 5 = 13; total 13 + 2,75 − 1,25 = 14,50 of 22 = 65,9091 %.
    """
    unit = UnitFactory(code="so-an", name="Sở An", block=departments)
    period = open_period(rows_framework(departments), year=2023, units=[unit])
    assessment = Assessment.objects.select_related("framework").get(period=period)
    set_scores(assessment, {"1.1": D("4"), "1.2": D("4"), "2.1": D("5")})
    add_entry(assessment, "9.1", D("1.50"), coordinator)
    add_entry(assessment, "9.1", D("1.00"), coordinator)
    add_entry(assessment, "9.3", D("0.75"), coordinator)
    add_entry(assessment, "9.2", D("1.25"), coordinator, reason="Bị phê bình")

    (block,) = period_results(period)

    (row,) = block.units
    result = row.result
    assert (result.appraised, result.bonus, result.penalty, result.total, result.maximum, result.index) == (
        D("13"),
        D("2.75"),
        D("1.25"),
        D("14.50"),
        D("22"),
        D("65.9091"),
    )


def test_the_rows_are_grouped_under_the_units_own_block(agencies, coordinator):
    """A block whose id is no framework's id: the rows still find their block (by the unit's block id)."""
    block = Block.objects.create(pk=90001, code="khoi-rieng", name="Khối riêng", order=3)
    framework = mini_framework(block)
    assert framework.pk != block.pk
    unit = UnitFactory(code="so-an", name="Sở An", block=block)
    period = open_period(framework, year=2023, units=[unit])
    set_scores(Assessment.objects.get(period=period), {"1.1": D("4"), "3.1": D("8")})

    blocks = period_results(period)

    assert [(rows.block, [(row.rank, row.unit_code) for row in rows.units]) for rows in blocks] == [
        (block, [(1, "so-an")])
    ]
