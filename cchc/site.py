"""The site's own address, for links that leave it (e-mails): ``SITE_URL`` when it is set, else the address the
current request came in on (scheme and host, the host checked against ALLOWED_HOSTS by Django)."""

from contextvars import ContextVar

from django.conf import settings

_request_base: ContextVar[str | None] = ContextVar("cchc_request_base", default=None)


def request_base(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def site_url(request=None) -> str:
    """``https://cchc.hanoi.gov.vn``: no trailing slash.

    Without SITE_URL and outside a request (a command), the first of ALLOWED_HOSTS over HTTPS, or the demo's
    address with DEBUG.
    """
    if settings.SITE_URL:
        return settings.SITE_URL.rstrip("/")
    base = request_base(request) if request is not None else _request_base.get()
    if base:
        return base
    hosts = [host.lstrip(".") for host in settings.ALLOWED_HOSTS if host not in {"*", ""}]
    if settings.DEBUG or not hosts:
        return "http://127.0.0.1:8000"
    return f"https://{hosts[0]}"


class SiteUrlMiddleware:
    """Remembers the address of the request being served, for the e-mails the services send meanwhile."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_base.set(request_base(request))
        try:
            return self.get_response(request)
        finally:
            _request_base.reset(token)
