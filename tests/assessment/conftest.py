import csv
import io
from pathlib import Path

import pytest

from assessment.models import Framework
from assessment.resources import CriterionResource
from cchc.imports import import_table, read_table
from tests.factories import UnitFactory

SAMPLE = Path(__file__).resolve().parents[2] / "assessment" / "data" / "framework-sample.csv"
AGENCIES = {
    "so-noi-vu": "Sở Nội vụ",
    "so-tu-phap": "Sở Tư pháp",
    "so-tai-chinh": "Sở Tài chính",
    "so-ke-hoach-va-dau-tu": "Sở Kế hoạch và Đầu tư",
    "so-thong-tin-va-truyen-thong": "Sở Thông tin và Truyền thông",
    "van-phong-ubnd-thanh-pho": "Văn phòng UBND Thành phố",
}


def sample_rows() -> list[list[str]]:
    with open(SAMPLE, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def to_csv(rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def import_rows(framework, rows, commit=True):
    return import_table(CriterionResource(framework), read_table(to_csv(rows), "framework.csv"), commit=commit)


@pytest.fixture
def agencies(departments):
    return {code: UnitFactory(code=code, name=name, block=departments) for code, name in AGENCIES.items()}


@pytest.fixture
def draft_framework(departments, agencies):
    return Framework.objects.create(block=departments, name="Bộ chỉ số khối Sở", first_year=2024)


@pytest.fixture
def sample_framework(draft_framework):
    outcome = import_rows(draft_framework, sample_rows())
    assert outcome.ok, outcome.problems
    return draft_framework
