"""Helpers for the tests of background jobs: point the Celery app at a broker (or at none), Redis reachability."""

import contextlib
import os
import socket

import pytest

from cchc.celery import app

CLOSED_PORT_BROKER = "redis://127.0.0.1:9/11"  # the discard port: nothing listens there
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# The tests' own Redis databases: 11 for the broker, 12 for the cache.
REDIS_BROKER = "redis://127.0.0.1:6379/11"
REDIS_CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://127.0.0.1:6379/12"}}


@contextlib.contextmanager
def broker(url: str | None):
    """Tasks go to the broker at ``url`` (None: run eagerly, as in the demo and the unit tests)."""
    saved = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url = url or "memory://localhost/"
    app.conf.task_always_eager = url is None
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield app
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        app._pool = None
        app.amqp._producer_pool = None


def redis_reachable() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1):
            return True
    except OSError:
        return False


def need_redis():
    """Skip without Redis, except in CI, where a missing Redis is a failure."""
    if redis_reachable():
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("Redis is not reachable on 127.0.0.1:6379 and CI=true: these tests must run")
    pytest.skip("needs Redis on 127.0.0.1:6379")
