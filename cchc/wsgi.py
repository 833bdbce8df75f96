import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cchc.settings")

application = get_wsgi_application()

from cchc.checks import require_secret_key  # noqa: E402 - settings are configured by now

require_secret_key()
