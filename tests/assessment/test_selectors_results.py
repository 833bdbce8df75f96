"""assessment/selectors/results.py: publications, the year before, a unit's trend, its published row and the points
it lost, on the graded period of 2023 (tests/assessment/conftest.py: Sở Du lịch 100%, Sở Công Thương and Sở Xây
dựng 86,59% in a tie, Sở Y tế 61,85%)."""

from decimal import Decimal as D

import pytest

from accounts.models import Unit
from assessment.models import Assessment, EarlierResult, Score
from assessment.selectors.results import (
    LostPoints,
    Previous,
    latest_publications,
    lost_points,
    previous_year,
    publication_for,
    publication_tables,
    unit_published_result,
    unit_trend,
)
from tests.assessment.conftest import publish
from tests.factories import AssessmentFactory


@pytest.fixture
def health(graded_period):
    return Assessment.objects.select_related("period", "unit").get(period=graded_period, unit__code="so-y-te")


@pytest.fixture
def earlier_2022(results_units):
    """The results of 2022, imported (no publication of that year)."""
    EarlierResult.objects.bulk_create(
        EarlierResult(year=2022, block=unit.block, unit=unit, index_percent=index, rank=rank)
        for unit, index, rank in [
            (results_units["so-du-lich"], D("90.00"), 2),
            (results_units["so-y-te"], D("95.50"), 1),
            (results_units["so-xay-dung"], D("70.00"), 3),
        ]
    )
    return results_units


def test_the_newest_version_of_each_published_period(graded_period, coordinator):
    assert (list(latest_publications()), publication_for(2023)) == ([], None)
    first = publish(graded_period, coordinator)
    Unit.objects.filter(code="so-y-te").update(name="Sở Y tế Hà Nội")  # a second version must change something
    second = publish(graded_period, coordinator, reason="Sửa điểm tiêu chí 1.2 theo kết luận của Hội đồng")
    assert [(publication.pk, publication.version) for publication in latest_publications()] == [(second.pk, 2)]
    assert (publication_for(2023), publication_for(2023, version=1), publication_for(2022)) == (second, first, None)
    assert publication_for(2023, version=3) is None


def test_the_tables_rank_the_units_of_each_block_in_four_queries(graded_period, coordinator, django_assert_num_queries):
    publication = publish(graded_period, coordinator)
    with django_assert_num_queries(4):
        blocks = publication_tables(publication)
        table = [
            (
                block.name,
                block.average,
                [(field.code, field.average) for field in block.fields.all()],
                [(unit.rank, unit.unit_code, unit.shown_index) for unit in block.results.all()],
            )
            for block in blocks
        ]
    assert [(name, average, units) for name, average, _fields, units in table] == [
        (
            "Khối Sở, ban, ngành",
            D("83.76"),
            [
                (1, "so-du-lich", D("100.00")),
                (2, "so-cong-thuong", D("86.59")),
                (2, "so-xay-dung", D("86.59")),
                (4, "so-y-te", D("61.85")),
            ],
        )
    ]
    assert [code for code, _average in table[0][2]] == ["1", "2", "3"]


def test_no_year_before_is_an_empty_previous(graded_period, coordinator):
    assert previous_year(publish(graded_period, coordinator)) == Previous(None, {}, {}, {})


def test_the_year_before_from_imported_results_in_two_queries(
    graded_period, coordinator, earlier_2022, django_assert_num_queries
):
    publication = publish(graded_period, coordinator)
    with django_assert_num_queries(2):  # no publication of 2022, then its imported results
        previous = previous_year(publication)
    units = earlier_2022
    assert previous == Previous(
        2022,
        {
            units["so-du-lich"].pk: (D("90.00"), 2),
            units["so-y-te"].pk: (D("95.50"), 1),
            units["so-xay-dung"].pk: (D("70.00"), 3),
        },
        {units["so-y-te"].block_id: D("85.17")},  # (90 + 95,50 + 70) / 3, rounded half-up
        {},
    )


def test_the_trend_joins_imported_and_published_years(graded_period, coordinator, earlier_2022):
    publish(graded_period, coordinator)
    assert unit_trend(earlier_2022["so-y-te"].pk) == [(2022, D("95.50"), 1), (2023, D("61.85"), 4)]
    assert unit_trend(earlier_2022["so-cong-thuong"].pk) == [(2023, D("86.59"), 2)]


def test_the_units_published_row_once_published(health, coordinator):
    assert unit_published_result(health) is None
    publish(health.period, coordinator)
    row = unit_published_result(health)
    assert (row.unit_name, row.rank, row.shown_index, row.block.name) == (
        "Sở Y tế",
        4,
        D("61.85"),
        "Khối Sở, ban, ngành",
    )


def test_the_points_lost_in_framework_order_with_the_penalty_last(health):
    Score.objects.filter(assessment=health, criterion__code="1.2").update(
        appraised_comment="Thiếu biên bản kiểm tra", reappraised_points=D("6.00"), reappraised_comment=""
    )
    rows = lost_points(health)
    assert rows == [
        LostPoints("1.1", "Kế hoạch CCHC", "1. Công tác chỉ đạo, điều hành", D("4.00"), None, D("3.50"), ""),
        # round 2 raised 4,95 to 6; without a comment of its own, round 1's stands behind it
        LostPoints(
            "1.2",
            "Kiểm tra CCHC",
            "1. Công tác chỉ đạo, điều hành",
            D("8.00"),
            None,
            D("6.00"),
            "Thiếu biên bản kiểm tra",
        ),
        LostPoints("2.2", "Công khai thủ tục", "2. Cải cách thủ tục hành chính", D("5.00"), None, D("0.00"), ""),
        LostPoints(
            "3.1",
            "Khảo sát sự hài lòng",
            "3. Sự hài lòng của người dân",
            D("10.00"),
            None,
            D("7.25"),
            "Kết quả điều tra xã hội học",
        ),
        LostPoints("9.2", "Điểm trừ", "9. Điểm thưởng, điểm trừ", None, None, D("-1.00"), "Bị phê bình (12/QĐ-UBND)"),
    ]
    assert [row.lost for row in rows] == [D("0.50"), D("2.00"), D("5.00"), D("2.75"), D("1.00")]


def test_a_unit_at_the_maximum_lost_nothing(finance):
    assessment = AssessmentFactory(unit=finance)
    for score in Score.objects.filter(assessment=assessment):
        score.appraised_points = score.max_points if score.criterion.method == "appraisal" else None
        score.survey_points = score.max_points if score.criterion.method == "survey" else None
        score.save()
    assert lost_points(assessment) == []
