"""The request log: the middleware that binds the request id (cchc/request_ids.py) and logs one line per request."""

import time

from django.utils.functional import SimpleLazyObject, empty

from accounts.selectors import user_unit_if_known
from cchc.request_ids import HEADER, request_id_bound, request_id_from, request_logger


class RequestIdMiddleware:
    """First middleware: binds the request id, answers it in X-Request-ID, logs one line per request with the
    method, path, status, duration, user id and unit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.headers.get(HEADER))
        request.request_id = request_id
        started = time.monotonic()
        with request_id_bound(request_id):
            response = self.get_response(request)
            user = _user_if_loaded(request)
            authenticated = bool(user is not None and user.is_authenticated)
            unit = user_unit_if_known(user) if authenticated else None
            request_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                    "user_id": user.pk if authenticated else None,
                    "unit": unit.code if unit is not None else None,
                },
            )
        response[HEADER] = request_id
        return response


def _user_if_loaded(request):
    """The request's user if the request already loaded it: the log line never costs a query of its own."""
    user = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        return None
    return user
