"""The settings of issue 14 from the environment: jobs eager without a broker, the log format, Sentry only with
its DSN; the beat schedule names tasks that exist."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assessment import tasks
from cchc.celery import app

ROOT = Path(__file__).resolve().parent.parent


def evaluate(expression: str, env: dict) -> subprocess.CompletedProcess:
    clean = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    code = f"import json, django; django.setup(); from django.conf import settings; print(json.dumps({expression}))"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "cchc.settings", "DEBUG": "1", **env},
        capture_output=True,
        text=True,
    )


def value(expression: str, **env):
    result = evaluate(expression, env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


SETTINGS = (
    "[settings.CELERY_BROKER_URL, settings.CELERY_TASK_ALWAYS_EAGER, settings.LOGGING['handlers']['console'], "
    "__import__('sentry_sdk').get_client().is_active(), settings.CACHES['default']]"
)
REDIS_CACHE = {
    "BACKEND": "django_redis.cache.RedisCache",
    "LOCATION": "redis://cache.internal:6379/1",
    "KEY_PREFIX": "cchc",
    "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
}


def test_the_demo_runs_jobs_eagerly_logs_text_and_keeps_the_memory_cache():
    broker, eager, handler, sentry, cache = value(SETTINGS)
    assert (broker, eager, sentry) == ("memory://localhost/", True, False)
    assert handler == {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": "text"}
    assert cache["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_production_sends_jobs_to_the_broker_logs_json_shares_the_cache_and_reports_to_sentry():
    broker, eager, handler, sentry, cache = value(
        SETTINGS,
        DEBUG="0",
        CELERY_BROKER_URL="redis://redis.internal:6379/0",
        REDIS_CACHE_URL="redis://cache.internal:6379/1",
        SENTRY_DSN="https://public@sentry.example/1",
    )
    assert (broker, eager, handler["formatter"], sentry, cache) == (
        "redis://redis.internal:6379/0",
        False,
        "json",
        True,
        REDIS_CACHE,
    )


def test_sessions_are_read_from_the_cache_only_when_it_is_shared():
    """cached_db with the shared Redis cache (issue 12: one statement less per signed-in request); the database alone
    with the per-process memory cache, where a sign-out on one worker would not reach the others."""
    assert value("settings.SESSION_ENGINE") == "django.contrib.sessions.backends.db"
    shared = value("settings.SESSION_ENGINE", REDIS_CACHE_URL="redis://cache.internal:6379/1")
    assert shared == "django.contrib.sessions.backends.cached_db"


def test_cache_url_also_chooses_redis_and_a_wrong_log_format_is_refused():
    assert value("settings.CACHES['default']", CACHE_URL="redis://cache.internal:6379/1") == REDIS_CACHE
    result = evaluate("1", {"LOG_FORMAT": "xml"})
    assert result.returncode != 0
    assert "LOG_FORMAT must be json or text, not 'xml'" in result.stderr


def test_the_beat_schedule_names_registered_tasks():
    from django.conf import settings

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled == {"assessment.tasks.send_pending_jobs", "assessment.tasks.send_reminders"}
    assert scheduled <= set(app.tasks)


@pytest.mark.django_db
def test_the_pending_jobs_task_reports_what_it_sent():
    assert tasks.send_pending_jobs.apply().get() == (0, 0)
