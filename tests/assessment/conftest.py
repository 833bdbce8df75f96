import csv
import io
from decimal import Decimal
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
    period_open(period=period, units=units, actor=None)
    return period


@pytest.fixture
def assessment(sample_framework, finance, private_storage):
    """Sở Tài chính's assessment of 2024, in self-assessment."""
    from assessment.models import Assessment
    from assessment.services import framework_activate

    framework_activate(framework=sample_framework, actor=None)
    period = open_period(sample_framework, units=[finance])
    return Assessment.objects.get(period=period, unit=finance)


def score_of(assessment, code):
    from assessment.models import Score

    return Score.objects.select_related("criterion").get(assessment=assessment, criterion__code=code)


# -- appraisal -------------------------------------------------------------------------------------------------


def complete(assessment, user):
    """Every appraisal leaf scored, with a reason where evidence is missing."""
    from assessment.models import Score
    from assessment.services import ScoreInput, score_save

    rows = [
        ScoreInput(
            score_id=score.pk,
            version=score.version,
            self_points=score.max_points,
            no_evidence_reason="Hồ sơ giấy lưu tại đơn vị",
        )
        for score in Score.objects.filter(assessment=assessment, criterion__method="appraisal")
    ]
    score_save(assessment=assessment, user=user, rows=rows)


@pytest.fixture
def submitted(assessment, unit_head):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessment.services import assessment_submit

    complete(assessment, unit_head)
    assessment_submit(assessment=assessment, user=unit_head, signed_scan=SimpleUploadedFile("ky.pdf", PDF_BYTES))
    assessment.refresh_from_db()
    return assessment


def grade(actor, score, points=None, comment="", na=None):
    from assessment.services import GradeInput, scores_grade

    score.refresh_from_db()
    return scores_grade(
        actor=actor,
        rows=[GradeInput(score_id=score.pk, version=score.version, points=points, comment=comment, na_confirmed=na)],
    )


def grade_all(actors, assessment, points_of=lambda score: score.max_points):
    """Every appraisal leaf graded in round 1 by the appraiser of its agency."""
    from assessment.models import Score

    for score in Score.objects.filter(assessment=assessment, criterion__method="appraisal").select_related("agency"):
        actor = actors[score.agency.code]
        if score.is_na:
            grade(actor, score, na=True)
        else:
            grade(actor, score, points=points_of(score))


@pytest.fixture
def appraisers(submitted, appraiser, justice_appraiser, coordinator):
    """Home Affairs grades the fields no demo appraiser covers."""
    return {
        "so-noi-vu": appraiser,
        "so-tu-phap": justice_appraiser,
        "van-phong-ubnd-thanh-pho": coordinator,
        "so-tai-chinh": coordinator,
        "so-ke-hoach-va-dau-tu": coordinator,
        "so-thong-tin-va-truyen-thong": coordinator,
    }


@pytest.fixture
def explained(submitted, appraisers, coordinator, unit_staff, unit_head):
    """Returned with 1.1.1 at 0.5; the unit explained 1.1.1 and added evidence to 2.2; explanation submitted."""
    from datetime import timedelta
    from decimal import Decimal

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from assessment.services import assessment_return, assessment_submit_explanation, evidence_upload, score_explain

    grade_all(
        appraisers, submitted, points_of=lambda s: Decimal("0.50") if s.criterion.code == "1.1.1" else s.max_points
    )
    today = timezone.localdate()
    period = submitted.period
    period.self_assessment_opens, period.self_assessment_closes = today - timedelta(days=40), today - timedelta(days=30)
    period.appraisal_closes, period.explanation_opens = today - timedelta(days=10), today - timedelta(days=1)
    period.explanation_closes = today + timedelta(days=5)
    period.save()
    assessment_return(assessment=submitted, actor=coordinator)
    leaf = score_of(submitted, "1.1.1")
    score_explain(assessment=submitted, user=unit_staff, rows=[(leaf.pk, leaf.version, "Ban hành đúng hạn.")])
    evidence_upload(
        score=score_of(submitted, "2.2"), user=unit_staff, upload=SimpleUploadedFile("bs.pdf", PDF_BYTES + b"2")
    )
    assessment_submit_explanation(assessment=submitted, user=unit_head)
    submitted.refresh_from_db()
    return submitted


# -- results ---------------------------------------------------------------------------------------------------

MINI_FRAMEWORK = [
    [
        "code",
        "title",
        "max_points",
        "method",
        "rule",
        "rule_params",
        "allows_na",
        "evidence_required",
        "appraising_agency",
        "guidance",
    ],
    ["1", "Công tác chỉ đạo, điều hành", "12", "", "", "", "", "", "so-noi-vu", ""],
    ["1.1", "Kế hoạch CCHC", "4", "appraisal", "manual", "", "no", "no", "so-noi-vu", ""],
    ["1.2", "Kiểm tra CCHC", "8", "appraisal", "manual", "", "no", "no", "so-noi-vu", ""],
    ["2", "Cải cách thủ tục hành chính", "10", "", "", "", "", "", "so-noi-vu", ""],
    ["2.1", "Rà soát thủ tục", "5", "appraisal", "manual", "", "yes", "no", "so-noi-vu", ""],
    ["2.2", "Công khai thủ tục", "5", "appraisal", "manual", "", "no", "no", "so-noi-vu", ""],
    ["3", "Sự hài lòng của người dân", "10", "", "", "", "", "", "", ""],
    ["3.1", "Khảo sát sự hài lòng", "10", "survey", "", "", "no", "no", "", ""],
    ["9", "Điểm thưởng, điểm trừ", "", "", "", "", "", "", "so-noi-vu", ""],
    ["9.1", "Điểm thưởng", "2", "bonus", "", "", "no", "no", "so-noi-vu", ""],
    ["9.2", "Điểm trừ", "3", "penalty", "", "", "no", "no", "so-noi-vu", ""],
]


def mini_framework(block, name="Bộ chỉ số rút gọn"):
    """Three scored fields (12 + 10 appraisal, 10 survey = 32 points), bonus up to 2, penalty up to 3."""
    from assessment.models import Framework
    from assessment.services import framework_activate

    framework = Framework.objects.create(block=block, name=name, first_year=2020)
    outcome = import_rows(framework, MINI_FRAMEWORK)
    assert outcome.ok, outcome.problems
    framework_activate(framework=framework, actor=None)
    return framework


def set_scores(assessment, points: dict, na=()):
    """Final scores straight into the rows: {code: points} (appraisal round 1, or survey points)."""
    from assessment.models import Score

    for score in Score.objects.filter(assessment=assessment).select_related("criterion"):
        code = score.criterion.code
        if code in na:
            score.is_na, score.na_reason, score.na_confirmed = True, "Không phát sinh", True
        elif code in points:
            if score.criterion.method == "survey":
                score.survey_points = points[code]
            else:
                score.appraised_points = points[code]
        score.save()


def add_entry(assessment, code, points, user, reason="Quyết định khen thưởng"):
    from assessment.models import Adjustment, Criterion

    return Adjustment.objects.create(
        assessment=assessment,
        criterion=Criterion.objects.get(framework=assessment.framework, code=code),
        points=points,
        reason=reason,
        decision_reference="12/QĐ-UBND",
        created_by=user,
    )


def publish(period, coordinator, **changes):
    """Home Affairs publishes ``period`` (decision 1234/QĐ-UBND of 05/04/2024 unless told otherwise)."""
    from datetime import date

    from assessment.services.results import period_publish

    return period_publish(
        period=period,
        actor=coordinator,
        decision_number=changes.pop("decision_number", "1234/QĐ-UBND"),
        decision_date=changes.pop("decision_date", date(2024, 4, 5)),
        **changes,
    )


def approve_all(period):
    from assessment.models import Assessment, AssessmentStatus

    Assessment.objects.filter(period=period).update(status=AssessmentStatus.APPROVED)


@pytest.fixture
def results_units(departments, agencies):
    """Four departments besides the agencies: the units whose results the tests compute."""
    return {
        code: UnitFactory(code=code, name=name, block=departments)
        for code, name in [
            ("so-y-te", "Sở Y tế"),
            ("so-xay-dung", "Sở Xây dựng"),
            ("so-cong-thuong", "Sở Công Thương"),
            ("so-du-lich", "Sở Du lịch"),
        ]
    }


@pytest.fixture
def graded_period(results_units, departments, coordinator):
    """2023, four departments graded by hand (see test_results.py for the expected table), all approved."""
    from decimal import Decimal as D

    from assessment.models import Assessment

    framework = mini_framework(departments)
    period = open_period(framework, year=2023, units=list(results_units.values()))
    by_unit = {a.unit.code: a for a in Assessment.objects.filter(period=period).select_related("unit", "framework")}
    # Sở Y tế: field 1 8,45/12; 2.1 N/A; 2.2 blank; survey 7,25; bonus 2,5 (capped 2); penalty 1.
    set_scores(by_unit["so-y-te"], {"1.1": D("3.50"), "1.2": D("4.95"), "3.1": D("7.25")}, na=["2.1"])
    add_entry(by_unit["so-y-te"], "9.1", D("1.50"), coordinator)
    add_entry(by_unit["so-y-te"], "9.1", D("1.00"), coordinator)
    add_entry(by_unit["so-y-te"], "9.2", D("1.00"), coordinator, reason="Bị phê bình")
    # Sở Xây dựng: 23,38/27 (2.1 N/A) = 86,5926; Sở Công Thương: 27,71/32 = 86,5938; both shown 86,59, a tie.
    set_scores(by_unit["so-xay-dung"], {"1.1": D("4"), "1.2": D("4.38"), "2.2": D("5"), "3.1": D("10")}, na=["2.1"])
    set_scores(
        by_unit["so-cong-thuong"], {"1.1": D("4"), "1.2": D("7.71"), "2.1": D("5"), "2.2": D("1"), "3.1": D("10")}
    )
    # Sở Du lịch: everything at its maximum: 32/32 = 100%.
    set_scores(by_unit["so-du-lich"], {"1.1": D("4"), "1.2": D("8"), "2.1": D("5"), "2.2": D("5"), "3.1": D("10")})
    approve_all(period)
    return period


# -- a block of six departments for the insights (what if, the improvement plan) ---------------------------------
# Sở A 32 (100,00), Sở B 28 (87,50), Sở C 27,50 (85,94), Sở D 26 (81,25), Sở Tài chính 25 − penalty 1 = 24 (75,00,
# rank 5), Sở F 20 (62,50) on the mini framework (32 points).

FULL = {"1.1": Decimal("4"), "1.2": Decimal("8"), "2.1": Decimal("5"), "2.2": Decimal("5"), "3.1": Decimal("10")}
OTHERS = {
    "so-a": ("Sở A", FULL),
    "so-b": ("Sở B", {**FULL, "1.2": Decimal("4")}),  # 28
    "so-c": ("Sở C", {**FULL, "1.2": Decimal("3.50")}),  # 27,50
    "so-d": ("Sở D", {**FULL, "1.2": Decimal("2")}),  # 26
    "so-f": ("Sở F", {**FULL, "1.2": Decimal("0"), "2.2": Decimal("1")}),  # 20
}
# Sở Tài chính: 1.1 lost 2, 1.2 lost 2, 2.2 lost 2, 3.1 lost 1, and a penalty of 1 (9.2, up to 3).
FINANCE = {"1.1": Decimal("2"), "1.2": Decimal("6"), "2.1": Decimal("5"), "2.2": Decimal("3"), "3.1": Decimal("9")}


@pytest.fixture
def block_period(departments, agencies, finance, coordinator):
    from assessment.models import Assessment

    framework = mini_framework(departments)
    units = [finance] + [UnitFactory(code=code, name=name, block=departments) for code, (name, _) in OTHERS.items()]
    period = open_period(framework, year=2023, units=units)
    by_unit = {a.unit.code: a for a in Assessment.objects.filter(period=period).select_related("unit")}
    for code, (_name, points) in OTHERS.items():
        set_scores(by_unit[code], points)
    set_scores(by_unit["so-tai-chinh"], FINANCE)
    add_entry(by_unit["so-tai-chinh"], "9.2", Decimal("1.00"), coordinator, reason="Bị phê bình")
    return period


@pytest.fixture
def finance_assessment(block_period, finance):
    from assessment.models import Assessment

    return Assessment.objects.get(period=block_period, unit=finance)


@pytest.fixture
def published(block_period, coordinator):
    approve_all(block_period)
    return publish(block_period, coordinator)
