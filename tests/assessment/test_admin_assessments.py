"""The grading page of round 2 reads whether each leaf was explained from the rows it already has: the same
number of queries for 10 leaves as for 100, to open it and to save it (the history rows aside, which SQLite
inserts in batches)."""

import math
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessment.models import (
    Assessment,
    AssessmentStatus,
    Document,
    Evidence,
    EvidenceRound,
    Framework,
    Score,
)
from assessment.policy import ROUND_2
from assessment.services import framework_activate
from tests.assessment.conftest import import_rows, open_period
from tests.assessment.test_admin_appraisal import grade_url, grading_data

HEADER = [
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
]


def explained_assessment(block, unit, leaves: int, year: int, staff) -> Assessment:
    """``unit``'s assessment of a one-field framework with ``leaves`` leaves, round 1 graded, explanation submitted
    and its window closed: a third explained in writing, a third by explanation evidence, a third not explained."""
    rows = [HEADER, ["1", "Lĩnh vực", str(leaves), "", "", "", "", "", "so-noi-vu", ""]]
    rows += [
        [f"1.{n}", f"Tiêu chí {n}", "1", "appraisal", "manual", "", "no", "no", "so-noi-vu", ""]
        for n in range(1, leaves + 1)
    ]
    framework = Framework.objects.create(block=block, name=f"Bộ {leaves} tiêu chí", first_year=year)
    outcome = import_rows(framework, rows)
    assert outcome.ok, outcome.problems
    framework_activate(framework=framework, actor=None)
    today = timezone.localdate()
    period = open_period(framework, year=year, units=[unit])
    period.self_assessment_opens, period.self_assessment_closes = today - timedelta(days=40), today - timedelta(days=30)
    period.appraisal_closes, period.explanation_opens = today - timedelta(days=10), today - timedelta(days=5)
    period.explanation_closes = today - timedelta(days=1)
    period.save()
    assessment = Assessment.objects.get(period=period, unit=unit)
    document = Document.objects.create(
        unit=unit,
        file="evidence/bo-sung.pdf",
        original_name="bo-sung.pdf",
        kind="pdf",
        size=1,
        sha256=f"{year:064d}",
        uploaded_by=staff,
    )
    scores = list(Score.objects.filter(assessment=assessment).order_by("criterion__order"))
    for position, score in enumerate(scores):
        score.self_points = score.appraised_points = Decimal("1.00")
        score.explanation = "Đã bổ sung hồ sơ." if position % 3 == 0 else ""
    Score.objects.bulk_update(scores, ["self_points", "appraised_points", "explanation"])
    Evidence.objects.bulk_create(
        Evidence(score=score, document=document, round=EvidenceRound.EXPLANATION, added_by=staff)
        for position, score in enumerate(scores)
        if position % 3 == 1
    )
    Assessment.objects.filter(pk=assessment.pk).update(status=AssessmentStatus.EXPLAINED)
    assessment.refresh_from_db()
    return assessment


def insert_batches(rows: int) -> int:
    """The INSERTs the database needs for ``rows`` history rows: one on PostgreSQL; SQLite splits them by its
    limit of query parameters (999 here: 34 rows of 29 fields a query)."""
    fields = [field for field in Score.history.model._meta.concrete_fields if not field.primary_key]
    return math.ceil(rows / connection.ops.bulk_batch_size(fields, [None] * rows))


def split_history_inserts(queries) -> tuple[int, int]:
    history = sum(query["sql"].startswith('INSERT INTO "assessment_historicalscore"') for query in queries)
    return history, len(queries) - history


def test_round_two_grading_runs_the_same_queries_for_10_and_100_leaves(
    client, departments, agencies, finance, unit_staff, request
):
    built = {
        leaves: explained_assessment(departments, finance, leaves, year, unit_staff)
        for leaves, year in ((10, 2023), (100, 2024))
    }
    client.force_login(request.getfixturevalue("appraiser"))  # once the framework made Sở Nội vụ an appraising agency
    counts = {}
    for leaves, assessment in built.items():
        url = grade_url(assessment)
        client.get(url)  # the per-process caches (content types, translations) warm up once
        with CaptureQueriesContext(connection) as opened:
            page = client.get(url)
        assert page.status_code == 200
        assert page.context["round"] == ROUND_2
        explained = [f"1.{n}" for n in range(1, leaves + 1) if (n - 1) % 3 != 2]
        editable = [row.code for row in page.context["rows"] if getattr(row, "form", None)]
        assert editable == explained
        changes = {
            row.score.pk: {"points": "0,5", "comment": "Chấm lại"}
            for row in page.context["rows"]
            if getattr(row, "form", None)
        }
        with CaptureQueriesContext(connection) as saved:
            response = client.post(url, grading_data(page, changes))
        assert response.status_code == 302
        regraded = Score.objects.filter(assessment=assessment, reappraised_points=Decimal("0.50"))
        assert sorted(regraded.values_list("criterion__code", flat=True)) == sorted(explained)
        assert Score.objects.filter(assessment=assessment, reappraised_points__isnull=True).count() == leaves - len(
            explained
        )
        history, others = split_history_inserts(saved.captured_queries)
        assert history == insert_batches(len(explained))
        counts[leaves] = (len(opened.captured_queries), others)
    assert counts[10] == counts[100]
