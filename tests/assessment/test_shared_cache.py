"""The shared cache (django-redis, Redis database 12 in the tests): what every node may serve lives in Redis —
the public pages and the password-reset counters (the settings that choose it: tests/test_settings_jobs.py)."""

import re
import uuid

import pytest
from django.core.cache import caches
from django.test import TestCase, override_settings
from django.urls import reverse

from accounts.models import Role
from assessment.models import PublishedUnit
from tests.assessment.conftest import publish
from tests.conftest import make_user
from tests.jobs import REDIS_CACHES, need_redis


def without_csrf(content: bytes) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", content.decode())


@pytest.fixture
def redis_db():
    """Redis database 12 under a key prefix of this test alone (tests of other processes may share the database)."""
    need_redis()
    import redis

    prefix = f"test-{uuid.uuid4().hex}"
    settings = {"default": {**REDIS_CACHES["default"], "KEY_PREFIX": prefix}}
    with override_settings(CACHES=settings):
        yield redis.Redis.from_url(REDIS_CACHES["default"]["LOCATION"]), prefix
        caches["default"].delete_pattern("*")


def test_public_pages_are_kept_in_redis_for_every_node(client, redis_db, graded_period, coordinator):
    publish(graded_period, coordinator)
    url = reverse("public:results-period", args=[2023])
    first = client.get(url)
    assert first.status_code == 200
    redis_db, prefix = redis_db
    keys = sorted(key.decode() for key in redis_db.keys(f"{prefix}:*"))
    # The page's content and the whole page around it, plain and gzip-compressed, each under its own key (for readers
    # without session: public_views._cached), for the version asked (none here).
    assert len(keys) == 3 and keys[0].startswith(f"{prefix}:1:public:")
    assert keys[1:] == [f"{keys[0]}:whole:None:gzip", f"{keys[0]}:whole:None:plain"]
    # Another node (here: the same one after its Redis connection is dropped) serves the stored page: a page built
    # again would show the name changed behind the cache's back.
    PublishedUnit.objects.update(unit_name="Đơn vị đổi tên")
    caches["default"].close()
    assert "Đơn vị đổi tên" not in client.get(url).content.decode()
    assert without_csrf(client.get(url).content) == without_csrf(first.content)
    caches["default"].delete_pattern("*")
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
    redis_db, prefix = redis_db
    counters = {key.decode().split(":")[4]: int(redis_db.get(key)) for key in redis_db.keys(f"{prefix}:*")}
    assert counters == {"email": 3, "ip": 3}


def test_sessions_are_read_from_redis_and_a_sign_out_ends_them_everywhere(client, redis_db, finance, settings):
    """With the shared cache, sessions are cached_db (issue 12): a signed-in request reads no session row from the
    database; the row stays the reference (another node whose cache lost the key still finds it), and signing out
    removes both."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    person = make_user("canbo", (Role.UNIT_STAFF, finance))
    client.force_login(person)
    home = reverse("home")
    assert client.get(home).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(home).context["user"] == person
    assert not [query for query in queries.captured_queries if "django_session" in query["sql"]]
    caches["default"].delete_pattern("*")  # a node whose cache lost the key reads the row once
    with CaptureQueriesContext(connection) as queries:
        assert client.get(home).context["user"] == person
    assert len([query for query in queries.captured_queries if "django_session" in query["sql"]]) == 1
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("logout"))
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie  # the old cookie, replayed
    refused = client.get(home)
    assert (refused.status_code, refused["Location"]) == (302, reverse("public:results-index"))  # anyone signed out
