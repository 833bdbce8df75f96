"""A production server refuses to start without its secret key; the other commands do not need one."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

MISSING_SECRET_KEY = "SECRET_KEY must be set when DEBUG is off (see README.md)."


@checks.register(checks.Tags.security, deploy=True)
def secret_key_set(app_configs, **kwargs):
    """With DEBUG off there is no development key: sessions, CSRF and signed links need the real one."""
    try:
        settings.SECRET_KEY  # noqa: B018 - Django refuses to read an empty key
    except ImproperlyConfigured:
        return [checks.Error(MISSING_SECRET_KEY, id="cchc.E001")]
    return []


def require_secret_key() -> None:
    """Called by the WSGI and ASGI entry points: the server stops at start-up rather than at the first request."""
    if secret_key_set(None):
        raise ImproperlyConfigured(MISSING_SECRET_KEY)
