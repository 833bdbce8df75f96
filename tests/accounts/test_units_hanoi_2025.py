"""The real 2025 list (accounts/data/units-hanoi-2025.csv) imported over the 2021 list with import_units: the new
communes and wards, the consolidated departments, the ended units, their predecessors; and the periods after it."""

from datetime import date

import pytest
from django.core.management import call_command

from accounts.models import Unit
from assessment.models import Assessment
from tests.assessment.conftest import open_period
from tests.factories import ActiveFrameworkFactory, BlockFactory

ENDED_DEPARTMENTS = [
    "ban-dan-toc-thanh-pho",
    "ban-quan-ly-cac-khu-cong-nghiep-va-che-xuat",
    "so-giao-thong-van-tai",
    "so-ke-hoach-va-dau-tu",
    "so-lao-dong-thuong-binh-va-xa-hoi",
    "so-ngoai-vu",
    "so-nong-nghiep-va-phat-trien-nong-thon",
    "so-tai-nguyen-va-moi-truong",
    "so-thong-tin-va-truyen-thong",
]


@pytest.fixture
def communes(db):
    return BlockFactory(code="communes", name="Khối xã, phường", order=3)


@pytest.fixture
def hanoi(departments, districts, communes, capsys):
    call_command("import_units", "accounts/data/units-hanoi-2021.csv")
    capsys.readouterr()
    call_command("import_units", "accounts/data/units-hanoi-2025.csv")
    return capsys.readouterr().out


def predecessors(code):
    return sorted(Unit.objects.get(code=code).predecessors.values_list("code", flat=True))


def test_the_2025_file_imports_over_the_2021_list(hanoi, capsys):
    assert hanoi == "Đã nhập: 129 mới, 44 thay đổi, 8 không đổi.\n"
    assert Unit.objects.count() == 181

    communes = Unit.objects.filter(block__code="communes")
    assert communes.count() == 126
    assert communes.filter(name__startswith="Phường ").count() == 51
    assert communes.filter(name__startswith="Xã ").count() == 75
    assert set(communes.values_list("valid_from", "valid_to")) == {(date(2025, 7, 1), None)}

    current = Unit.objects.filter(block__code="departments", valid_to__isnull=True)
    assert current.count() == 16
    assert sorted(current.filter(valid_from__isnull=False).values_list("code", "valid_from")) == [
        ("ban-quan-ly-khu-cong-nghe-cao-va-khu-cong-nghiep-thanh-pho-ha-noi", date(2025, 3, 1)),
        ("so-dan-toc-va-ton-giao", date(2025, 3, 1)),
        ("so-nong-nghiep-va-moi-truong", date(2025, 3, 1)),
    ]
    ended = Unit.objects.filter(block__code="departments", valid_to__isnull=False)
    assert sorted(ended.values_list("code", flat=True)) == ENDED_DEPARTMENTS
    assert set(ended.values_list("valid_to", flat=True)) == {date(2025, 2, 28)}

    districts = Unit.objects.filter(block__code="districts")
    assert districts.count() == 30
    assert set(districts.values_list("valid_to", flat=True)) == {date(2025, 6, 30)}
    # Every former district gave territory to at least one new commune or ward.
    assert districts.filter(successors__block__code="communes").distinct().count() == 30

    # Imported twice: nothing changes.
    call_command("import_units", "accounts/data/units-hanoi-2025.csv")
    assert capsys.readouterr().out == "Đã nhập: 0 mới, 0 thay đổi, 181 không đổi.\n"


def test_predecessors_are_resolved(hanoi):
    assert predecessors("phuong-ba-dinh") == ["quan-ba-dinh", "quan-hoan-kiem", "quan-tay-ho"]
    assert predecessors("phuong-hong-ha") == [
        "quan-ba-dinh",
        "quan-hai-ba-trung",
        "quan-hoan-kiem",
        "quan-long-bien",
        "quan-tay-ho",
    ]
    assert predecessors("xa-doai-phuong") == ["thi-xa-son-tay"]  # the resolution's "xã Sơn Đông", not Sơn Đồng
    assert predecessors("xa-soc-son") == ["huyen-soc-son"]
    assert predecessors("so-tai-chinh") == ["so-ke-hoach-va-dau-tu"]
    assert predecessors("so-nong-nghiep-va-moi-truong") == [
        "so-nong-nghiep-va-phat-trien-nong-thon",
        "so-tai-nguyen-va-moi-truong",
    ]
    assert predecessors("so-dan-toc-va-ton-giao") == ["ban-dan-toc-thanh-pho", "so-noi-vu"]
    assert predecessors("so-y-te") == []
    assert sorted(Unit.objects.get(code="quan-tay-ho").successors.values_list("code", flat=True)) == [
        "phuong-ba-dinh",
        "phuong-hong-ha",
        "phuong-nghia-do",
        "phuong-phu-thuong",
        "phuong-tay-ho",
        "phuong-xuan-dinh",
    ]


def test_the_2026_period_assesses_exactly_the_units_valid_then(hanoi, departments, districts, communes):
    frameworks = [ActiveFrameworkFactory(block=block, first_year=2020) for block in (departments, districts, communes)]
    period = open_period(frameworks[0], year=2026)
    for framework in frameworks[1:]:
        period.blocks.create(block=framework.block, framework=framework)
    from assessment.services import period_open

    period_open(period=period, actor=None)
    assessed = Assessment.objects.filter(period=period)
    assert assessed.filter(unit__block=departments).count() == 16
    assert assessed.filter(unit__block=communes).count() == 126
    assert not assessed.filter(unit__block=districts).exists()
    assert not assessed.filter(unit__code__in=ENDED_DEPARTMENTS).exists()
    assert set(assessed.values_list("unit__code", flat=True)) == set(
        Unit.objects.filter(valid_to__isnull=True).values_list("code", flat=True)
    )


def test_the_2024_period_still_assesses_the_districts_and_the_old_departments(hanoi, departments, districts):
    frameworks = [ActiveFrameworkFactory(block=block, first_year=2020) for block in (departments, districts)]
    period = open_period(frameworks[0], year=2024)
    period.blocks.create(block=districts, framework=frameworks[1])
    from assessment.services import period_open

    period_open(period=period, actor=None)
    assessed = Assessment.objects.filter(period=period)
    assert assessed.filter(unit__block=departments).count() == 22
    assert assessed.filter(unit__block=districts).count() == 30
    assert not assessed.filter(unit__block__code="communes").exists()
