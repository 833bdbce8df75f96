"""The snapshot written by PostgreSQL itself (services.publication.snapshot_write, issue 12): its statements and
the planner settings it changes for them. What it writes is proved equal to the Python rules by
test_sql_equals_python.py; the pages and files it serves by test_public.py and test_exports.py."""

import re
from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from assessment import scoring
from assessment.models import PublishedBlockField, PublishedField
from assessment.services.publication import GROUPS, LEAVES, PLANNER_SETTINGS, UNITS
from tests.assessment.conftest import publish

pytestmark = pytest.mark.postgres


def planner_settings() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, setting FROM pg_settings WHERE name = ANY(%s)", [list(PLANNER_SETTINGS)])
        return dict(cursor.fetchall())


def test_publishing_gives_the_planner_settings_back_and_drops_its_scratch_tables(graded_period, coordinator):
    before = planner_settings()
    assert set(before) == set(PLANNER_SETTINGS)
    assert (before["enable_mergejoin"], before["parallel_setup_cost"], before["parallel_tuple_cost"]) == (
        "on",
        "1000",
        "0.1",
    )
    publish(graded_period, coordinator)
    # SET LOCAL would last until the end of the transaction (the test's own here): each one is reset
    assert planner_settings() == before
    with connection.cursor() as cursor:
        for table in (LEAVES, GROUPS, UNITS):
            cursor.execute("SELECT to_regclass(%s)", [table])
            assert cursor.fetchone() == (None,)


def test_the_unit_fields_and_the_block_fields_are_written_by_one_statement(graded_period, coordinator):
    with CaptureQueriesContext(connection) as queries:
        publication = publish(graded_period, coordinator)
    writers = [
        query["sql"]
        for query in queries.captured_queries
        if "INSERT INTO assessment_publishedfield" in query["sql"]
        or "INSERT INTO assessment_publishedblockfield" in query["sql"]
    ]
    assert len(writers) == 1
    assert "INSERT INTO assessment_publishedfield" in writers[0]
    assert "INSERT INTO assessment_publishedblockfield" in writers[0]
    # 31 statements in all (one fewer than with the block fields apart), whatever the number of units
    assert len(queries.captured_queries) == 31
    # the block's fields: each the average of the units' shown field index (scoring.average), in framework order
    indices = defaultdict(list)
    for code, index in PublishedField.objects.filter(result__publication=publication).values_list("code", "index"):
        if index is not None:
            indices[code].append(scoring.shown(index))
    assert list(
        PublishedBlockField.objects.filter(block__publication=publication).values_list("code", "order", "average")
    ) == [(code, order, scoring.average(indices[code])) for order, code in enumerate(["1", "2", "3"])]
    assert [
        (unit, code, order)
        for unit, code, order in PublishedField.objects.filter(result__publication=publication)
        .order_by("result__unit_code", "order")
        .values_list("result__unit_code", "code", "order")
    ] == [(unit, code, order) for unit in sorted(UNITS_2023) for order, code in enumerate(["1", "2", "3"])]


UNITS_2023 = ["so-cong-thuong", "so-du-lich", "so-xay-dung", "so-y-te"]


def test_the_benchmark_prints_the_statements_of_its_last_publication(db):
    out = StringIO()
    call_command("benchmark_publish", units=4, leaves=10, repeat=1, statements=True, stdout=out)
    lines = out.getvalue().splitlines()
    run = next(number for number, line in enumerate(lines) if line.startswith("run 1: compute and publish"))
    timed = [line for line in lines[run + 1 :] if re.match(r"  \d+\.\d{3} s \(\d+\.\d{2}× the anchor\): \S", line)]
    # the largest of some thirty statements is always at least a fiftieth of them all
    assert timed
    assert all(len(line.split(": ", 1)[1]) <= 90 for line in timed)
    assert lines[-1] == "rolled back"


def test_the_benchmark_times_the_key_checks_its_commit_would_run(db):
    out = StringIO()
    call_command("benchmark_publish", units=4, leaves=10, repeat=2, stdout=out)
    lines = out.getvalue().splitlines()
    runs = [line for line in lines if line.startswith("run ")]
    assert len(runs) == 2
    assert all(
        re.search(
            r"; ratio \d+\.\d{2}×; the foreign-key checks its commit runs: \d+\.\d{2} s, with them \d+\.\d{2}×$", run
        )
        for run in runs
    )
    assert re.fullmatch(
        r"compute and publish / anchor, median of 2: \d+\.\d{2}× \(with the foreign-key checks of its commit: "
        r"\d+\.\d{2}×\)",
        next(line for line in lines if line.startswith("compute and publish / anchor")),
    )


def dangling_weakness() -> None:
    """A weakest leaf of no published unit: its foreign key is checked at the commit only (deferred)."""
    with connection.cursor() as cursor:
        cursor.execute(
            'INSERT INTO assessment_publishedweakness (result_id, code, title, max_points, points, "order") '
            "VALUES (-1, '1.1', 'x', 1, 0, 0)"
        )


def test_the_benchmarks_key_checks_run_the_commits_checks_and_defer_them_again(db):
    from assessment.management.commands.benchmark_publish import Command

    with pytest.raises(IntegrityError), transaction.atomic():
        dangling_weakness()  # accepted until the checks run
        Command()._key_checks()
    with transaction.atomic():
        savepoint = transaction.savepoint()
        Command()._key_checks()
        dangling_weakness()  # deferred again: no error before the next checks
        transaction.savepoint_rollback(savepoint)
