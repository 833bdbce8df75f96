"""Consistency of appraisal, for the council: per criterion the spread of the final grades, the share graded 0,
each agency's mean, how often round 2 changed round 1 (per agency), the criteria graded sharply differently between
agencies or between blocks; the page, its XLSX, who reads it and its query count.

Departments (Sở A, Sở B, Sở C) and districts (Quận D) on the mini framework; 1.1 /4 and 1.2 /8 graded:
  1.1: A 4, B 2 (Sở Nội vụ), C 0 (Sở Tư pháp); D 1.       1.2: A 8, B 8 → 8 in round 2, C 4 → 6 in round 2; D 8."""

from datetime import timedelta
from decimal import Decimal as D

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from assessment.models import Assessment, Period, PeriodBlock, Score
from assessment.selectors.insights import period_consistency
from assessment.services import period_open
from tests.assessment.conftest import mini_framework
from tests.factories import UnitFactory, agency


def grade(assessment, code, appraised, reappraised=None, by=None):
    changes = {"appraised_points": appraised, "reappraised_points": reappraised}
    if by is not None:
        changes["agency"] = agency(by)
    Score.objects.filter(assessment=assessment, criterion__code=code).update(**changes)


def make_period(blocks_and_units):
    today = timezone.localdate()
    period = Period.objects.create(
        year=2023,
        name="Chỉ số CCHC năm 2023",
        self_assessment_opens=today - timedelta(days=10),
        self_assessment_closes=today + timedelta(days=10),
        appraisal_closes=today + timedelta(days=20),
        explanation_opens=today + timedelta(days=21),
        explanation_closes=today + timedelta(days=30),
        council_date=today + timedelta(days=40),
        publication_date=today + timedelta(days=50),
    )
    units = []
    for framework, block_units in blocks_and_units:
        PeriodBlock.objects.create(period=period, block=framework.block, framework=framework)
        units += block_units
    period_open(period=period, units=units, actor=None)
    return period


@pytest.fixture
def graded(departments, districts, agencies):
    block_units = {
        code: UnitFactory(code=code, name=name, block=departments)
        for code, name in [("so-a", "Sở A"), ("so-b", "Sở B"), ("so-c", "Sở C")]
    }
    district = UnitFactory(code="quan-d", name="Quận D", block=districts)
    period = make_period(
        [
            (mini_framework(departments), list(block_units.values())),
            (mini_framework(districts, name="Bộ chỉ số khối quận"), [district]),
        ]
    )
    of = {a.unit.code: a for a in Assessment.objects.filter(period=period).select_related("unit")}
    grade(of["so-a"], "1.1", D("4"))
    grade(of["so-b"], "1.1", D("2"))
    grade(of["so-c"], "1.1", D("0"), by="so-tu-phap")
    grade(of["quan-d"], "1.1", D("1"))
    grade(of["so-a"], "1.2", D("8"))
    grade(of["so-b"], "1.2", D("8"), reappraised=D("8"))
    grade(of["so-c"], "1.2", D("4"), reappraised=D("6"))
    grade(of["quan-d"], "1.2", D("8"))
    return period


def test_each_criterion_s_spread_and_its_agencies(graded):
    report = period_consistency(graded)
    assert [
        (
            c.block_name,
            c.code,
            c.grading.count,
            c.grading.mean,
            c.grading.mean_percent,
            c.grading.low,
            c.grading.high,
            c.grading.spread,
            c.grading.share_zero,
            {name: g.mean_percent for name, g in c.agencies.items()},
            c.agency_gap,
            c.flagged,
        )
        for c in report.criteria
    ] == [
        # 4, 2, 0: mean 2, variance 20/3 − 4 = 2,6667, deviation 1,63; Sở Nội vụ 6/8 = 75 %, Sở Tư pháp 0 %.
        (
            "Khối Sở, ban, ngành",
            "1.1",
            3,
            D("2.00"),
            D("50.00"),
            D("0.00"),
            D("4.00"),
            D("1.63"),
            D("33.33"),
            {"Sở Nội vụ": D("75.00"), "Sở Tư pháp": D("0.00")},
            D("75.00"),
            True,
        ),
        # 8, 8, 6: mean 7,33, deviation 0,94.
        (
            "Khối Sở, ban, ngành",
            "1.2",
            3,
            D("7.33"),
            D("91.67"),
            D("6.00"),
            D("8.00"),
            D("0.94"),
            D("0.00"),
            {"Sở Nội vụ": D("91.67")},
            None,
            False,
        ),
        (
            "Khối quận, huyện, thị xã",
            "1.1",
            1,
            D("1.00"),
            D("25.00"),
            D("1.00"),
            D("1.00"),
            D("0.00"),
            D("0.00"),
            {"Sở Nội vụ": D("25.00")},
            None,
            False,
        ),
        (
            "Khối quận, huyện, thị xã",
            "1.2",
            1,
            D("8.00"),
            D("100.00"),
            D("8.00"),
            D("8.00"),
            D("0.00"),
            D("0.00"),
            {"Sở Nội vụ": D("100.00")},
            None,
            False,
        ),
    ]
    assert [c.code for c in report.flagged] == ["1.1"]


def test_round_two_per_agency(graded):
    report = period_consistency(graded)
    assert [
        (name, g.count, g.mean_percent, g.share_zero, g.reappraised, g.changed, g.share_changed, g.mean_change)
        for name, g in report.agencies
    ] == [
        # 4 + 2 + 8 + 8 + 6 + 1 + 8 = 37 of 44; round 2 on two leaves, one changed by +2.
        ("Sở Nội vụ", 7, D("84.09"), D("0.00"), 2, 1, D("50.00"), D("2.00")),
        ("Sở Tư pháp", 1, D("0.00"), D("100.00"), 0, 0, None, None),
    ]


def test_criteria_graded_sharply_differently_between_blocks(graded):
    # 1.1: departments 6/12 = 50 %, districts 1/4 = 25 %: 25 points, at the threshold; 1.2: 91,67 % and 100 %.
    (difference,) = period_consistency(graded).blocks
    assert (difference.code, difference.blocks, difference.gap) == (
        "1.1",
        [("Khối Sở, ban, ngành", D("50.00")), ("Khối quận, huyện, thị xã", D("25.00"))],
        D("25.00"),
    )


def test_the_page_and_its_xlsx(client, graded, coordinator, council_member, appraiser, unit_staff):
    url = reverse("admin:assessment_period_consistency", args=[graded.pk])
    for person, expected in [(coordinator, 200), (council_member, 200), (appraiser, 403)]:
        client.force_login(person)
        assert client.get(url).status_code == expected, person.username
        assert client.get(url, {"format": "xlsx"}).status_code == expected, person.username
    client.force_login(unit_staff)
    assert client.get(url).status_code == 302
    client.force_login(council_member)
    html = client.get(url).content.decode()
    assert "Tính nhất quán của thẩm định" in html
    assert html.count('data-testid="flagged"') == 1
    assert "⚠ <strong>1.1</strong>" in html
    response = client.get(url, {"format": "xlsx"})
    assert response["Content-Disposition"] == 'attachment; filename="tinh-nhat-quan-tham-dinh-2023.xlsx"'
    import io

    book = openpyxl.load_workbook(io.BytesIO(response.content))
    criteria = list(book["Theo tiêu chí"].iter_rows(min_row=4, values_only=True))
    assert criteria[0] == (
        "Khối Sở, ban, ngành",
        "1.1",
        "Kế hoạch CCHC",
        4,
        3,
        2,
        50,
        0,
        4,
        1.63,
        33.33,
        "Sở Nội vụ: 75,00%; Sở Tư pháp: 0,00%",
        75,
    )
    agencies = list(book["Theo cơ quan thẩm định"].iter_rows(min_row=2, values_only=True))
    assert agencies == [
        ("Sở Nội vụ", 7, 84.09, 0, 2, 1, 50, 2),
        ("Sở Tư pháp", 1, 0, 100, 0, 0, None, None),
    ]
    blocks = list(book["Chênh lệch giữa các khối"].iter_rows(min_row=2, values_only=True))
    assert blocks == [("1.1", "Kế hoạch CCHC", "Khối Sở, ban, ngành: 50,00%; Khối quận, huyện, thị xã: 25,00%", 25)]


@pytest.mark.parametrize("count", [4, 50])
def test_the_page_reads_in_a_constant_number_of_queries(
    client, django_assert_max_num_queries, departments, agencies, coordinator, count
):
    units = [UnitFactory(block=departments) for _ in range(count)]
    period = make_period([(mini_framework(departments), units)])
    Score.objects.filter(assessment__period=period, criterion__code__in=["1.1", "1.2"]).update(appraised_points=D("3"))
    client.force_login(coordinator)
    with django_assert_max_num_queries(11):
        response = client.get(reverse("admin:assessment_period_consistency", args=[period.pk]))
    assert [c.grading.count for c in response.context["report"].criteria] == [count, count]


def test_the_page_groups_the_thousands_of_its_counts(client, graded, coordinator, monkeypatch):
    """One agency grades thousands of leaves in a year at Hanoi's size: its counts as Vietnamese writes them."""
    import re

    from assessment.admin import insights

    def larger(period):
        report = period_consistency(period)
        for grading in [grading for _name, grading in report.agencies] + [row.grading for row in report.criteria]:
            grading.count, grading.reappraised, grading.changed = 4680, 1200, 1010
        return report

    monkeypatch.setattr(insights, "period_consistency", larger)
    client.force_login(coordinator)
    html = client.get(reverse("admin:assessment_period_consistency", args=[graded.pk])).content.decode()
    cells = re.findall(r'<td class="num">([^<]*)', html)
    plain = period_consistency(graded)
    assert (len(plain.agencies), len(plain.criteria)) == (2, 4)
    assert (cells.count("4.680"), cells.count("1.200"), cells.count("1.010 ")) == (2 + 4, 2, 2)
    assert "4680" not in html
