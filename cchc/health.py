"""Health checks for the load balancer: /healthz says the process answers (no database); /readyz says the
database, the cache, the file storage and the job queue answer. Neither tells the public more than the names of
the checks that fail; the reasons go to the log."""

import logging
import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.files.storage import storages
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cchc.celery import app

logger = logging.getLogger(__name__)


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    key = f"cchc:readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not return what was just stored")
    cache.delete(key)


def _storage() -> None:
    storages["default"].exists("readyz-probe")


def _broker() -> None:
    if app.conf.task_always_eager:
        return  # no broker: tasks run in this process
    with app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT)


CHECKS = {"database": _database, "cache": _cache, "storage": _storage, "queue": _broker}


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """The process is alive."""
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
@never_cache
@require_GET
def readyz(request):
    """200 when every dependency answers, else 503 with the names of those that do not."""
    failing = []
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as error:  # any failure makes the node not ready; the reason is logged, not shown
            failing.append(name)
            logger.warning("readiness check %s failed: %s", name, error, extra={"check": name})
    if failing:
        return JsonResponse({"status": "unavailable", "failing": failing}, status=503)
    return JsonResponse({"status": "ok", "checks": list(CHECKS)})
