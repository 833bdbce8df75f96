"""cchc/health.py: /healthz answers without the database; /readyz names the failing dependencies and nothing
more (no host, no error text), for anyone, over plain HTTP even where HTTPS is enforced."""

import json

import pytest
from django.test import Client, override_settings

from tests.jobs import CLOSED_PORT_BROKER, REDIS_BROKER, REDIS_CACHES, broker, need_redis

CHECKS = ["database", "cache", "storage", "queue"]


@pytest.fixture
def anonymous():
    return Client()


def test_healthz_answers_ok_without_touching_the_database(anonymous):
    response = anonymous.get("/healthz")  # no database access is allowed in this test: any query would fail it
    assert (response.status_code, response.content, response["Content-Type"]) == (200, b"ok", "text/plain")
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_ok_when_everything_answers(anonymous, private_storage):
    response = anonymous.get("/readyz")
    assert (response.status_code, json.loads(response.content)) == (200, {"status": "ok", "checks": CHECKS})


@pytest.mark.django_db
def test_readyz_names_an_unreachable_broker_and_nothing_else(anonymous, private_storage, caplog):
    with broker(CLOSED_PORT_BROKER):
        response = anonymous.get("/readyz")
    assert (response.status_code, json.loads(response.content)) == (
        503,
        {"status": "unavailable", "failing": ["queue"]},
    )
    assert b"127.0.0.1" not in response.content
    assert [record.getMessage() for record in caplog.records if record.name == "cchc.health"] == [
        "readiness check queue failed: Error 111 connecting to 127.0.0.1:9. Connection refused."
    ]


@pytest.mark.django_db
def test_readyz_names_an_unreachable_cache(anonymous, private_storage):
    down = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://127.0.0.1:9/12"}}
    with override_settings(CACHES=down):
        response = anonymous.get("/readyz")
    assert (response.status_code, json.loads(response.content)) == (
        503,
        {"status": "unavailable", "failing": ["cache"]},
    )


@pytest.mark.django_db
def test_readyz_with_a_real_broker_and_redis_cache(anonymous, private_storage):
    need_redis()
    with override_settings(CACHES=REDIS_CACHES), broker(REDIS_BROKER):
        response = anonymous.get("/readyz")
    assert (response.status_code, json.loads(response.content)) == (200, {"status": "ok", "checks": CHECKS})


@pytest.mark.django_db
def test_readyz_names_an_unreachable_database(anonymous, private_storage, monkeypatch):
    from cchc import health

    def down():
        raise ConnectionError("could not connect to server at db.internal:5432")

    monkeypatch.setitem(health.CHECKS, "database", down)
    response = anonymous.get("/readyz")
    assert (response.status_code, json.loads(response.content)) == (
        503,
        {"status": "unavailable", "failing": ["database"]},
    )
    assert b"db.internal" not in response.content


def test_health_checks_are_not_redirected_to_https(anonymous, settings, db):
    settings.SECURE_SSL_REDIRECT = True
    assert anonymous.get("/healthz").status_code == 200
    assert anonymous.get("/readyz").status_code == 200
    assert anonymous.get("/accounts/login/").status_code == 301
