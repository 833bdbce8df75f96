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


# -- the unit's side -------------------------------------------------------------------------------------------

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def open_period(framework, year=2024, units=None, **changes):
    """A period of ``framework``'s block whose self-assessment is open today."""
    from datetime import timedelta

    from django.utils import timezone

    from assessment.models import Period, PeriodBlock
    from assessment.services import period_open

    today = timezone.localdate()
    calendar = {
        "self_assessment_opens": today - timedelta(days=10),
        "self_assessment_closes": today + timedelta(days=10),
        "appraisal_closes": today + timedelta(days=20),
        "explanation_opens": today + timedelta(days=21),
        "explanation_closes": today + timedelta(days=30),
        "council_date": today + timedelta(days=40),
        "publication_date": today + timedelta(days=50),
        **changes,
    }
    period = Period.objects.create(year=year, name=f"Chỉ số CCHC năm {year}", **calendar)
    PeriodBlock.objects.create(period=period, block=framework.block, framework=framework)
    period_open(period=period, units=units)
    return period


@pytest.fixture
def assessment(sample_framework, finance, private_storage):
    """Sở Tài chính's assessment of 2024, in self-assessment."""
    from assessment.models import Assessment
    from assessment.services import framework_activate

    framework_activate(framework=sample_framework)
    period = open_period(sample_framework, units=[finance])
    return Assessment.objects.get(period=period, unit=finance)


def score_of(assessment, code):
    from assessment.models import Score

    return Score.objects.select_related("criterion").get(assessment=assessment, criterion__code=code)
