"""Two appraisers save the same leaf at the same moment: one wins, the other is told; no lost update."""

import threading
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections

from assessment.models import Score
from assessment.services import ConflictError, GradeInput, assessment_submit, scores_grade
from tests.assessment.conftest import PDF_BYTES, complete, score_of


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_grades_of_one_leaf(assessment, unit_head, appraiser, coordinator):
    complete(assessment, unit_head)
    assessment_submit(assessment=assessment, user=unit_head, signed_scan=SimpleUploadedFile("ky.pdf", PDF_BYTES))
    leaf = score_of(assessment, "1.1.1")
    start = threading.Barrier(2)
    outcomes = {}

    def save(actor, points):
        try:
            start.wait()
            scores_grade(actor=actor, rows=[GradeInput(score_id=leaf.pk, version=leaf.version, points=points)])
            outcomes[actor.username] = "saved"
        except ConflictError:
            outcomes[actor.username] = "conflict"
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=save, args=(appraiser, Decimal("1"))),
        threading.Thread(target=save, args=(coordinator, Decimal("0"))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes.values()) == ["conflict", "saved"]
    winner = next(name for name, outcome in outcomes.items() if outcome == "saved")
    leaf.refresh_from_db()
    assert leaf.appraised_by.username == winner
    assert leaf.appraised_points == (Decimal("1.00") if winner == "thamdinh" else Decimal("0.00"))
    assert leaf.version == 2
    assert Score.history.filter(id=leaf.pk, history_change_reason="appraisal").count() == 1
