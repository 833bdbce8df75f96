"""Production settings come from the environment and pass Django's deployment checklist."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-random-production-key-0f3c9b1e7a4d8e2f6b5c1a9d3e7f0b4c8a2d6e1f5b9c3a7",
    "ALLOWED_HOSTS": "cchc.hanoi.gov.vn",
    "CSRF_TRUSTED_ORIGINS": "https://cchc.hanoi.gov.vn",
    "DATABASE_URL": "postgres://cchc:secret@db.internal:5432/cchc",
}


def manage(*args, env):
    # Only what a production host would have: nothing of the test run's own environment leaks in.
    clean = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


def test_check_deploy_reports_nothing_under_production_settings():
    result = manage("check", "--deploy", "--fail-level", "DEBUG", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_without_a_secret_key_production_refuses_to_start():
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "SECRET_KEY"}
    result = manage("check", "--deploy", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
    clean = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    for entry_point in ("cchc.wsgi", "cchc.asgi"):
        server = subprocess.run(
            [sys.executable, "-c", f"import {entry_point}"],
            cwd=ROOT,
            env={**clean, **env},
            capture_output=True,
            text=True,
        )
        assert server.returncode != 0, entry_point
        assert "SECRET_KEY must be set when DEBUG is off" in server.stderr, entry_point


def test_commands_that_sign_nothing_run_without_a_secret_key():
    """A fresh checkout can check its migrations with no environment at all."""
    result = manage("makemigrations", "--check", "--dry-run", env={})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "No changes detected"


def test_production_settings_values():
    script = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_HSTS_SECONDS, s.DATABASES['default']['ENGINE'], s.LANGUAGE_CODE, s.TIME_ZONE,"
        " s.STORAGES['staticfiles']['BACKEND'])"
    )
    result = manage("shell", "-v", "0", "-c", script, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "True",
        "True",
        "True",
        "31536000",
        "django.db.backends.postgresql",
        "vi",
        "Asia/Ho_Chi_Minh",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
    ]


def test_production_keeps_database_connections_and_checks_them():
    script = (
        "from django.conf import settings as s;"
        "d = s.DATABASES['default']; print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'], s.CACHES['default']['BACKEND'])"
    )
    result = manage("shell", "-v", "0", "-c", script, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["60", "True", "django.core.cache.backends.locmem.LocMemCache"]
    result = manage("shell", "-v", "0", "-c", script, env={**PRODUCTION_ENV, "CONN_MAX_AGE": "0"})
    assert result.stdout.split()[:2] == ["0", "True"]
    result = manage("shell", "-v", "0", "-c", script, env={**PRODUCTION_ENV, "CONN_MAX_AGE": "300"})
    assert result.stdout.split()[:2] == ["300", "True"]
    # Development closes its connection after each request (the runserver threads would each keep one).
    development = {"DEBUG": "1", "DATABASE_URL": PRODUCTION_ENV["DATABASE_URL"]}
    result = manage("shell", "-v", "0", "-c", script, env=development)
    assert result.stdout.split()[:2] == ["0", "True"], result.stderr
    result = manage("shell", "-v", "0", "-c", script, env={**PRODUCTION_ENV, "CONN_MAX_AGE": "a minute"})
    assert result.returncode != 0 and "CONN_MAX_AGE" in result.stderr
