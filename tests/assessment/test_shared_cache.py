"""The shared cache (django-redis, Redis database 12 in the tests): what every node may serve lives in Redis —
the public pages and the password-reset counters — and the settings choose it only when REDIS_CACHE_URL (or
CACHE_URL) is set; the demo keeps the per-process memory cache."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import TestCase, override_settings
from django.urls import reverse

from accounts.models import Role
from assessment.models import PublishedUnit
from tests.assessment.conftest import publish
from tests.conftest import make_user
from tests.jobs import REDIS_CACHES, need_redis

ROOT = Path(__file__).resolve().parent.parent.parent


def caches_under(env: dict) -> dict:
    clean = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    code = "import json; from django.conf import settings; print(json.dumps(settings.CACHES['default']))"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "cchc.settings", "DEBUG": "1", **env},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def without_csrf(content: bytes) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", content.decode())


@pytest.mark.parametrize("name", ["REDIS_CACHE_URL", "CACHE_URL"])
def test_a_redis_url_chooses_the_shared_cache(name):
    assert caches_under({name: "redis://cache.internal:6379/0"}) == {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://cache.internal:6379/0",
        "KEY_PREFIX": "cchc",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
    }


def test_the_demo_keeps_the_memory_cache():
    assert caches_under({})["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


@pytest.fixture
def redis_db():
    need_redis()
    import redis

    client = redis.Redis.from_url(REDIS_CACHES["default"]["LOCATION"])
    client.flushdb()
    with override_settings(CACHES=REDIS_CACHES):
        yield client
        caches["default"].clear()


def test_public_pages_are_kept_in_redis_for_every_node(client, redis_db, graded_period, coordinator):
    publish(graded_period, coordinator)
    url = reverse("public:results-period", args=[2023])
    first = client.get(url)
    assert first.status_code == 200
    keys = sorted(key.decode() for key in redis_db.keys("*public*"))
    assert len(keys) == 1 and keys[0].startswith(":1:public:")
    # Another node (here: the same one after its Redis connection is dropped) serves the stored page: a page built
    # again would show the name changed behind the cache's back.
    PublishedUnit.objects.update(unit_name="Đơn vị đổi tên")
    caches["default"].close()
    assert "Đơn vị đổi tên" not in client.get(url).content.decode()
    assert without_csrf(client.get(url).content) == without_csrf(first.content)
    redis_db.flushdb()
    assert "Đơn vị đổi tên" in client.get(url).content.decode()  # built again once Redis forgot it


def test_password_reset_counters_are_shared_in_redis(client, redis_db, finance, settings):
    settings.PASSWORD_RESET_PER_EMAIL_PER_HOUR = 2
    make_user("canbo", (Role.UNIT_STAFF, finance), email="an@hanoi.example")
    statuses = []
    for _ in range(3):
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = client.post(reverse("password_reset"), {"email": "an@hanoi.example"}, REMOTE_ADDR="203.0.113.9")
        statuses.append(response.status_code)
    assert statuses == [302, 302, 429]
    counters = {key.decode().split(":")[4]: int(redis_db.get(key)) for key in redis_db.keys("*pwreset*")}
    assert counters == {"email": 3, "ip": 3}
