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


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_queue_saves_of_one_row_at_the_same_instant(submitted, appraiser, coordinator):
    """Both pages show the row at the same version and both form checks pass; the service lets one through and the
    other page comes back with the conflict on the row, no success message, and nothing of it saved."""
    from unittest import mock

    from django.urls import reverse
    from django.utils import timezone

    import assessment.admin.scores as queue_admin
    from tests.assessment.test_admin_appraisal import queue_data
    from tests.second_factor import VerifiedClient

    queue = reverse("admin:assessment_score_changelist")
    leaf, other = score_of(submitted, "1.1.1"), score_of(submitted, "1.1.2")
    clients, pages = {}, {}
    for user in (appraiser, coordinator):
        clients[user.username] = VerifiedClient()  # staff pass the second factor, as in the admin
        clients[user.username].force_login(user)
        pages[user.username] = clients[user.username].get(queue)
    changes = {
        appraiser.username: {leaf.pk: {"appraised_points": "1"}, other.pk: {"appraised_points": "0,5"}},
        coordinator.username: {leaf.pk: {"appraised_points": "0"}, other.pk: {"appraised_points": "1"}},
    }
    start = threading.Barrier(2, timeout=20)
    real = queue_admin.scores_grade
    responses = {}

    def at_the_same_instant(*, actor, rows):
        start.wait()  # both requests have passed the form's version check
        return real(actor=actor, rows=rows)

    def post(username):
        try:
            data = queue_data(pages[username], changes[username])
            responses[username] = clients[username].post(queue, data)
        finally:
            connections.close_all()

    with mock.patch.object(queue_admin, "scores_grade", at_the_same_instant):
        threads = [threading.Thread(target=post, args=(name,)) for name in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    # The test client's captured contexts mix concurrent requests: the pages are read from their own content.
    assert sorted(response.status_code for response in responses.values()) == [200, 302]
    winner = next(name for name, response in responses.items() if response.status_code == 302)
    loser = next(name for name in responses if name != winner)
    said = [" ".join(str(m).split()) for m in clients[winner].get(queue).context["messages"]]
    assert said == ["Đã lưu 2 điểm."]
    leaf.refresh_from_db()
    other.refresh_from_db()
    expected = {
        appraiser.username: (Decimal("1.00"), Decimal("0.50")),
        coordinator.username: (Decimal("0.00"), Decimal("1.00")),
    }
    assert (leaf.appraised_points, other.appraised_points) == expected[winner]
    assert leaf.appraised_by.username == winner == other.appraised_by.username
    assert leaf.history.filter(history_change_reason="appraisal").count() == 1
    html = responses[loser].content.decode()
    assert (
        f"Trong lúc đó {leaf.appraised_by.full_name} đã chấm tiêu chí 1.1.1 của Sở Tài chính lúc "
        f"{timezone.localtime(leaf.updated_at):%H:%M %d/%m/%Y}: hãy xem điểm đã lưu và nhập lại nếu cần."
    ) in html
    assert f"Điểm đã lưu: {leaf.appraised_points:.2f}.".replace(".", ",", 1) in html
    assert "Chưa lưu gì: các dòng được đánh dấu bị từ chối" in html
    assert "thành công" not in html
    assert [" ".join(str(m).split()) for m in clients[loser].get(queue).context["messages"]] == []
