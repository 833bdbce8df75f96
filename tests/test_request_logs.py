"""cchc/observability.py and cchc/request_ids.py: one JSON object per log line, each with the request id; the
same id in the request's line, in the e-mail it sends and in the task that sends it (passed in the task's
message headers); X-Request-ID in and out."""

import io
import json
import logging
import re

import pytest
from django.conf import settings
from django.test import TestCase
from django.urls import reverse
from pythonjsonlogger.json import JsonFormatter

from accounts.models import Role
from assessment.models import EmailSend, Job
from cchc.request_ids import RequestIdFilter
from tests.conftest import make_user


@pytest.fixture
def json_lines():
    """The project's JSON log format (settings.LOGGING), captured from the root logger."""
    options = {key: value for key, value in settings.LOGGING["formatters"]["json"].items() if key != "()"}
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter(**options))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


OURS = {"cchc.task", "assessment.outbox"}


def fields(line: dict, *names) -> tuple:
    return tuple(line.get(name) for name in names)


def test_a_request_and_the_task_it_triggered_log_the_same_request_id(client, finance, json_lines):
    make_user("canbo", (Role.UNIT_STAFF, finance), email="an@hanoi.example")
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("password_reset"), {"email": "an@hanoi.example"}, headers={"X-Request-ID": "req-42.a"}
        )
    assert response["X-Request-ID"] == "req-42.a"
    job = Job.objects.get()
    email = EmailSend.objects.get()
    assert (job.request_id, email.request_id) == ("req-42.a", "req-42.a")
    lines = json_lines()
    assert {line["request_id"] for line in lines} == {"req-42.a"}
    request_line = next(line for line in lines if line["logger"] == "cchc.request")
    assert fields(request_line, "level", "message", "method", "path", "status", "user_id", "unit") == (
        "INFO",
        "POST /accounts/password_reset/ 302",
        "POST",
        "/accounts/password_reset/",
        302,
        None,
        None,
    )
    assert isinstance(request_line["duration_ms"], float)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}", request_line["time"])
    task_lines = [fields(line, "logger", "message", "task", "task_id") for line in lines if line["logger"] in OURS]
    assert task_lines == [
        ("cchc.task", "task assessment.tasks.send_email started", "assessment.tasks.send_email", job.task_id),
        ("assessment.outbox", f"e-mail {email.pk} sent to 1 recipient(s)", None, None),
        ("cchc.task", "task assessment.tasks.send_email SUCCESS", "assessment.tasks.send_email", job.task_id),
    ]


def test_a_signed_in_request_logs_its_user_and_unit(client, unit_staff, json_lines):
    client.force_login(unit_staff)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    (line,) = [line for line in json_lines() if line["logger"] == "cchc.request"]
    assert fields(line, "method", "path", "status", "user_id", "unit") == (
        "GET",
        "/",
        200,
        unit_staff.pk,
        "so-tai-chinh",
    )
    assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])
    assert response["X-Request-ID"] == line["request_id"]


@pytest.mark.parametrize("sent", ["", "x" * 65, "bad id", 'inject"\n{"level":"ERROR"}'])
def test_an_unacceptable_incoming_id_is_replaced(client, db, json_lines, sent):
    response = client.get(reverse("login"), headers={"X-Request-ID": sent})
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert [line["request_id"] for line in json_lines() if line["logger"] == "cchc.request"] == [
        response["X-Request-ID"]
    ]


def test_lines_outside_a_request_carry_no_id(json_lines):
    logging.getLogger("cchc.test").warning("outside")
    assert [fields(line, "logger", "level", "message", "request_id") for line in json_lines()] == [
        ("cchc.test", "WARNING", "outside", None)
    ]
