"""Request ids: every log line of a request, of the e-mails it sends and of the tasks it starts carries the same
id (X-Request-ID in and out, passed to tasks in their message headers). No model import: LOGGING loads it."""

import logging
import re
import time
import uuid
from contextlib import contextmanager, suppress
from contextvars import ContextVar

_request_id: ContextVar[str] = ContextVar("cchc_request_id", default="")
# An id a proxy or a client sends is kept only if it is short and plain (it is written into every log line).
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
HEADER = "X-Request-ID"

request_logger = logging.getLogger("cchc.request")
task_logger = logging.getLogger("cchc.task")


def current_request_id() -> str:
    """The id of the request or task being served, "" outside both."""
    return _request_id.get()


@contextmanager
def request_id_bound(value: str):
    token = _request_id.set(value)
    try:
        yield value
    finally:
        _request_id.reset(token)


def request_id_from(incoming: str | None) -> str:
    """The caller's id when it is acceptable, else a new one."""
    return incoming if incoming and _VALID_ID.match(incoming) else uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (None outside a request or task)."""

    def filter(self, record):
        if not getattr(record, "request_id", None):
            record.request_id = _request_id.get() or None
        return True


def task_headers() -> dict:
    """The message headers that carry the current request id to a task."""
    return {"request_id": current_request_id()}


def task_request_id(task) -> str:
    headers = getattr(task.request, "headers", None) or {}
    return headers.get("request_id") or getattr(task.request, "request_id", None) or ""


_task_tokens: dict[str, tuple] = {}


def task_started(task_id=None, task=None, **_kwargs):
    """Celery task_prerun: the task's log lines carry the id of the request that started it."""
    request_id = task_request_id(task) or current_request_id()
    _task_tokens[task_id] = (_request_id.set(request_id), time.monotonic())
    task_logger.info("task %s started", task.name, extra={"task": task.name, "task_id": task_id})


def task_finished(task_id=None, task=None, state=None, **_kwargs):
    """Celery task_postrun: one line with the task's outcome and duration, then the id is unbound."""
    token, started = _task_tokens.pop(task_id, (None, time.monotonic()))
    task_logger.info(
        "task %s %s",
        task.name,
        state,
        extra={
            "task": task.name,
            "task_id": task_id,
            "state": state,
            "duration_ms": round((time.monotonic() - started) * 1000, 1),
        },
    )
    if token is not None:
        # A token set in another context (a retried eager task) cannot be reset there: the next task sets its own.
        with suppress(ValueError):
            _request_id.reset(token)


def install_task_signals() -> None:
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(task_started, dispatch_uid="cchc-task-started", weak=False)
    task_postrun.connect(task_finished, dispatch_uid="cchc-task-finished", weak=False)
