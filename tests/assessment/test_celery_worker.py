"""A real Celery worker process against Redis (database 11) does the jobs: a published period's files and an
e-mail (file-based backend, in a folder of the test) are produced by it, and its log lines carry the request id
of the work that asked for them. Needs PostgreSQL (the worker reads the test database) and Redis; in CI a
missing Redis fails the test instead of skipping it."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from assessment import outbox
from assessment.exports import publication_file_content
from assessment.models import EmailSend, EmailState, Job, JobState, PublicationFile
from cchc.request_ids import request_id_bound
from tests.assessment.conftest import publish
from tests.jobs import REDIS_BROKER, broker, need_redis

ROOT = Path(__file__).resolve().parent.parent.parent
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    """A `celery worker` process of this project on Redis database 11, stopped (then killed) whatever happens."""
    need_redis()
    import redis

    redis.Redis.from_url(REDIS_BROKER).flushdb()  # no message left by an earlier run
    mails = tmp_path / "mails"
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "cchc.settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": REDIS_BROKER,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mails),
        "DEFAULT_FROM_EMAIL": "cchc@hanoi.gov.vn",
        "LOG_FORMAT": "json",
        "PRIVATE_MEDIA_ROOT": str(django_settings.PRIVATE_MEDIA_ROOT),  # the files go where this process reads them
    }
    command = [sys.executable, "-m", "celery", "-A", "cchc", "worker", "--pool=solo", "--loglevel=INFO"]
    command += ["--without-heartbeat", "--without-gossip", "--without-mingle", "-n", f"test-{os.getpid()}@%h"]
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        yield mails, log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(condition, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)  # polling a separate process, not waiting for time to pass in the code under test
    return False


def test_a_real_worker_builds_the_published_files_and_sends_the_e_mail(worker, graded_period, coordinator):
    mails, log = worker
    with broker(REDIS_BROKER), request_id_bound("it-worker-1"):
        publication = publish(graded_period, coordinator)
        email = outbox.email_queue(
            subject="[CCHC] Thử hàng đợi", body="Gửi bởi tiến trình nền.", recipients=["noivu@example.vn"]
        )
    assert set(Job.objects.values_list("state", flat=True)) == {JobState.SENT}
    assert wait_for(
        lambda: (
            PublicationFile.objects.filter(publication=publication).count() == 4
            and EmailSend.objects.get(pk=email.pk).state == EmailState.SENT
        )
    ), log.read_text()[-3000:]
    assert sorted(PublicationFile.objects.values_list("format", flat=True)) == ["csv", "json", "pdf", "xlsx"]
    assert publication_file_content(PublicationFile.objects.get(format="pdf")).startswith(b"%PDF")  # in the storage
    email.refresh_from_db()
    assert (email.attempts, email.last_error) == (1, "")
    (sent,) = list(mails.iterdir())
    text = sent.read_text()
    assert "To: noivu@example.vn" in text
    assert "Gửi bởi tiến trình nền." in text or "G=E1=BB=ADi b=E1=BB=9Fi" in text
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    finished = {
        line["task"]: line["request_id"]
        for line in lines
        if line.get("logger") == "cchc.task" and line.get("state") == "SUCCESS"
    }
    assert finished == {
        "assessment.tasks.build_publication_files": "it-worker-1",
        "assessment.tasks.send_email": "it-worker-1",
    }
