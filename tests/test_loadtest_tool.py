"""The load test's own pieces (tools/loadtest.py): the figures it prints and the forms it posts. The load test itself
runs for minutes and is kept out of the suite (make loadtest)."""

import subprocess
import sys
import time

import pytest

from tools.loadtest import Record, database_name, describe, form_fields, percentile, stop_server, table


def test_percentile_is_the_nearest_rank():
    values = [0.5, 0.1, 0.4, 0.2, 0.3]
    assert percentile(values, 0.5) == 0.3
    assert percentile(values, 0.95) == 0.5
    assert percentile(values, 0.2) == 0.1
    assert percentile(values, 0.21) == 0.2
    assert percentile(range(1, 101), 0.95) == 95
    assert percentile(range(1, 101), 0.5) == 50
    assert percentile([7], 0.95) == 7
    assert percentile([], 0.95) == 0.0


def test_the_table_aligns_its_columns():
    text = table(["row", "req/s", "met"], [["capacity", "12.5", "NO"], ["public: ranking", "312.0", "yes"]])
    assert text.splitlines() == [
        "row              req/s  met",
        "---------------  -----  ---",
        "capacity          12.5   NO",
        "public: ranking  312.0  yes",
    ]


def test_a_record_describes_its_requests():
    record = Record()
    now = time.perf_counter()
    record.samples = [(now, 0.1, True), (now, 0.2, True), (now, 0.3, False), (now, 0.4, True)]
    record.problems = {"GET /x/ → 500": 1}
    assert record.errors == 1
    assert describe(record, 2.0) == "2.0 req/s, p50 200 ms, p95 400 ms, 1 err / 4"
    record.add(time.perf_counter(), False, "GET /x/ → 500")
    assert record.problems == {"GET /x/ → 500": 2} and record.errors == 2


PAGE = """
<form action="/i18n/setlang/" method="post"><input type="hidden" name="csrfmiddlewaretoken" value="other">
<select name="language"><option value="vi" selected>VI</option></select></form>
<form method="post" action="/assessments/7/fields/2/" class="x">
  <input type="hidden" name="csrfmiddlewaretoken" value="tok&amp;en">
  <input type="hidden" name="s-2.1-version" value="3">
  <select name="s-2.1-declared_value"><option value="">—</option><option value="1" selected>Có</option></select>
  <select name="s-2.2-declared_value"><option value="0">Không</option><option value="1">Có</option></select>
  <textarea name="s-2.1-note" rows="2">
Ghi chú &lt;cũ&gt;</textarea>
  <input type="checkbox" name="s-2.1-done" value="yes" checked>
  <input type="checkbox" name="s-2.2-done" value="yes">
  <input type="text" name="s-2.3-value" value="5" disabled>
  <input type="file" name="s-2.1-file">
  <button type="submit" name="go">Lưu</button><input type="submit" value="Lưu">
</form>
<form action="/assessments/7/fields/3/"><input name="s-3.1-note" value="no"></form>
"""


def test_the_form_is_posted_as_a_browser_would():
    action, fields = form_fields(PAGE, "/fields/2/")
    assert action == "/assessments/7/fields/2/"
    assert fields == [
        ["csrfmiddlewaretoken", "tok&en"],
        ["s-2.1-version", "3"],
        ["s-2.1-declared_value", "1"],
        ["s-2.2-declared_value", "0"],
        ["s-2.1-note", "Ghi chú <cũ>"],
        ["s-2.1-done", "yes"],
    ]
    assert form_fields(PAGE, "")[0] == "/i18n/setlang/"
    assert form_fields(PAGE, "")[1] == [["csrfmiddlewaretoken", "other"], ["language", "vi"]]
    assert form_fields(PAGE, "/fields/9/") == (None, [])


class _Answer:
    def __init__(self, status_code, text=""):
        self.status_code, self.text = status_code, text


class _Client:
    """Answers like the portal: a field page with its form, a save's redirect, the summary."""

    def __init__(self, events):
        self.events = events

    async def request(self, method, url, **kwargs):
        self.events.append((method, url.split("?")[0]))
        if method == "POST":
            return _Answer(302)
        return _Answer(200, '<form action="/assessments/7/fields/2/"><textarea name="s-2.1-note">x</textarea></form>')


def _run(coroutine):
    """asyncio.run in a thread of its own: the browser tests leave an event loop running in this worker's thread."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_at_the_rush_each_person_pauses_before_the_first_request(monkeypatch):
    """200 people do not click at the same instant: with pauses, the first thing each one does is wait."""
    from tools import loadtest

    events, clock = [], [0.0]

    async def pause(seconds):
        events.append(("pause", seconds))
        clock[0] += seconds

    monkeypatch.setattr(loadtest.asyncio, "sleep", pause)
    monkeypatch.setattr(loadtest.random, "uniform", lambda low, high: low)
    budget = loadtest.Budget(3600)
    budget.open = lambda record: clock[0] < 11  # the pauses move this clock: three of them, then the row ends
    _run(loadtest.staff_loop(_Client(events), ("load001", 7, "2"), budget, loadtest.Record(), (5, 15)))
    assert events == [
        ("pause", 5),
        ("GET", "/assessments/7/"),
        ("pause", 5),
        ("POST", "/assessments/7/fields/2/"),
        ("pause", 5),
    ]
    events.clear()
    clock[0] = 0.0
    calls = iter(range(9))
    budget.open = lambda record: next(calls) < 2  # without pauses nobody waits: a page and its save, then the end
    _run(loadtest.staff_loop(_Client(events), ("load001", 7, "2"), budget, loadtest.Record(), None))
    assert events == [("GET", "/assessments/7/"), ("POST", "/assessments/7/fields/2/")]


def test_the_database_is_on_loopback_only():
    assert database_name("postgres://postgres@127.0.0.1:5432/cchc_loadtest") == "cchc_loadtest"
    with pytest.raises(SystemExit, match="loopback"):
        database_name("postgres://postgres@db.internal:5432/cchc_loadtest")
    with pytest.raises(SystemExit, match="unexpected database name"):
        database_name('postgres://postgres@127.0.0.1:5432/x";drop')


def living(group: int) -> list[str]:
    """The processes of ``group`` that still run (not the zombies left for init to reap)."""
    listing = subprocess.run(["ps", "-eo", "pgid=,stat=,pid="], capture_output=True, text=True).stdout
    return [
        pid
        for pgid, stat, pid in (line.split() for line in listing.splitlines())
        if int(pgid) == group and stat[0] != "Z"
    ]


def test_the_server_is_stopped_with_its_children():
    # A parent in its own session with a child, as gunicorn's master and workers: both are stopped.
    server = subprocess.Popen(
        [sys.executable, "-c", "import subprocess, sys, time; subprocess.Popen(['sleep', '60']); time.sleep(60)"],
        start_new_session=True,
    )
    time.sleep(0.5)
    assert len(living(server.pid)) == 2
    stop_server(server)
    assert server.returncode is not None
    for _ in range(50):
        if not living(server.pid):
            break
        time.sleep(0.1)
    assert living(server.pid) == []
