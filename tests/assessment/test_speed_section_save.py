"""Saving a field costs the same number of SQL statements whatever the number of changed leaves (issue 12)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessment.management.commands.benchmark_assessment_page import Command as PageBenchmark
from assessment.models import Score
from tests.assessment.helpers import edit, open_field, page_data, save_field

LEAVES = 100


@pytest.fixture
def wide_field(db):
    """One unit's assessment whose field 1 has 100 yes/no leaves, its self-assessment open; and its staff."""
    return PageBenchmark()._setup(LEAVES)


def _save_changing(client, assessment, count):
    """Open field 1, declare "yes" on its first ``count`` leaves, save; the statements of the save."""
    data = page_data(open_field(client, assessment, "1"))
    scores = list(Score.objects.filter(assessment=assessment).order_by("criterion__order")[:count])
    for score in scores:
        data = edit(data, score, declared_value="1", no_evidence_reason="Lưu tại đơn vị")
    with CaptureQueriesContext(connection) as queries:
        response = save_field(client, assessment, "1", data)
    assert response.status_code == 302
    assert Score.objects.filter(assessment=assessment, declared_value=1, self_points=1, version=1).count() == count
    return len(queries.captured_queries)


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite's 999 parameters split Django's bulk statements into batches"
)
def test_saving_10_or_100_changed_leaves_takes_the_same_statements(client, wide_field):
    assessment, user = wide_field
    client.force_login(user)
    ten = _save_changing(client, assessment, 10)
    Score.objects.filter(assessment=assessment).update(declared_value=None, self_points=None, version=0)
    hundred = _save_changing(client, assessment, 100)
    # session, user, roles, the assessment, the field's leaves with their scores (one query, issue 12), then the
    # transaction: lock the assessment, lock the scores, one UPDATE, one history INSERT
    assert ten == hundred == 11


def test_saving_100_changed_leaves_keeps_a_history_row_for_each(client, wide_field):
    assessment, user = wide_field
    client.force_login(user)
    _save_changing(client, assessment, 100)
    assert Score.history.filter(assessment_id=assessment.pk, history_user=user).count() == LEAVES


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite's 999 parameters split Django's bulk statements into batches"
)
def test_one_changed_leaf_is_saved_in_the_same_statements_as_many(client, wide_field):
    """One changed leaf (most saves) is written by a plain UPDATE rather than bulk_update's CASE: same statements."""
    assessment, user = wide_field
    client.force_login(user)
    assert _save_changing(client, assessment, 1) == 11


def test_one_or_several_changed_leaves_write_the_same_rows_and_history(client, wide_field):
    assessment, user = wide_field
    client.force_login(user)
    _save_changing(client, assessment, 1)
    first = Score.objects.filter(assessment=assessment).order_by("criterion__order").first()
    _save_changing(client, assessment, 3)  # the first leaf again (no change: kept) and two more
    rows = list(
        Score.objects.filter(assessment=assessment)
        .order_by("criterion__order")
        .values_list("declared_value", "self_points", "no_evidence_reason", "version", "updated_by")[:4]
    )
    assert rows == [
        (1, 1, "Lưu tại đơn vị", 1, user.pk),
        (1, 1, "Lưu tại đơn vị", 1, user.pk),
        (1, 1, "Lưu tại đơn vị", 1, user.pk),
        (None, None, "", 0, None),
    ]
    history = list(
        Score.history.filter(assessment_id=assessment.pk, history_type="~")
        .order_by("history_id")
        .values_list("id", "declared_value", "version", "history_user", "history_change_reason")
    )
    assert [row[0] for row in history] == [
        first.pk,
        *[score.pk for score in Score.objects.filter(assessment=assessment).order_by("criterion__order")[1:3]],
    ]
    assert {row[1:] for row in history} == {(1, 1, user.pk, "self-assessment")}
