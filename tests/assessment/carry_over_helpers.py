"""Two years of Sở Tài chính for the carry-over tests: 2024 (answered, with notes and evidence) and 2025 (open)."""

from django.core.files.uploadedfile import SimpleUploadedFile

from assessment.models import Assessment, AssessmentStatus, Evidence, Framework, Score
from assessment.services import evidence_upload, framework_activate
from tests.assessment.conftest import MINI_FRAMEWORK, PDF_BYTES, import_rows, open_period, score_of


def _renewed(row):
    if row[0] == "1.2":  # a new code: it does not continue
        return ["1.3", *row[1:]]
    if row[0] == "2.1":  # a new title under the same code: it continues
        return ["2.1", "Rà soát, đơn giản hoá thủ tục", *row[2:]]
    return row


# 2025's framework: 1.2 became 1.3; the rest keeps its codes.
FRAMEWORK_2025 = [_renewed(row) for row in MINI_FRAMEWORK]


def framework_of(block, rows, first_year, last_year=None):
    framework = Framework.objects.create(
        block=block, name=f"Bộ chỉ số {first_year}", first_year=first_year, last_year=last_year
    )
    outcome = import_rows(framework, rows)
    assert outcome.ok, outcome.problems
    framework_activate(framework=framework, actor=None)
    return framework


def last_year(block, unit, user):
    """2024: notes on 1.1, 1.2 and 2.1, a self score on 1.1; kh.pdf proves 1.1 and 1.2, bc.pdf proves 2.2."""
    framework = framework_of(block, MINI_FRAMEWORK, 2020, 2024)
    period = open_period(framework, year=2024, units=[unit])
    assessment = Assessment.objects.get(period=period, unit=unit)
    for code, note in [("1.1", "Kế hoạch 224/KH-UBND"), ("1.2", "Kiểm tra 6 phòng"), ("2.1", "Rà soát 40 thủ tục")]:
        Score.objects.filter(assessment=assessment, criterion__code=code).update(note=note)
    Score.objects.filter(assessment=assessment, criterion__code="1.1").update(self_points=4)
    plan = evidence_upload(
        score=score_of(assessment, "1.1"), user=user, upload=SimpleUploadedFile("kh.pdf", PDF_BYTES), locator="tr. 2"
    )
    evidence_upload(score=score_of(assessment, "1.2"), user=user, upload=SimpleUploadedFile("kh.pdf", PDF_BYTES))
    evidence_upload(
        score=score_of(assessment, "2.2"), user=user, upload=SimpleUploadedFile("bc.pdf", PDF_BYTES + b"bc")
    )
    Assessment.objects.filter(pk=assessment.pk).update(status=AssessmentStatus.PUBLISHED)
    assert plan.document.unit_id == unit.pk
    return assessment


def this_year(block, unit, **calendar):
    framework = framework_of(block, FRAMEWORK_2025, 2025)
    period = open_period(framework, year=2025, units=[unit], **calendar)
    return Assessment.objects.select_related("period", "unit", "framework").get(period=period, unit=unit)


def state(assessment):
    """Everything the carry-over could touch, to compare before and after."""
    scores = list(
        Score.objects.filter(assessment=assessment)
        .order_by("criterion__code")
        .values_list("criterion__code", "note", "note_from_year", "self_points", "declared_value", "is_na", "version")
    )
    evidence = list(
        Evidence.objects.filter(score__assessment=assessment)
        .order_by("score__criterion__code", "document_id")
        .values_list("score__criterion__code", "document__original_name", "locator", "from_year")
    )
    return scores, evidence
