"""The Celery application: settings from Django's (``CELERY_*``), tasks found in each app's ``tasks.py``.

With no ``CELERY_BROKER_URL`` (the demo, the unit tests) every task runs eagerly, inside the process that asks
for it, and no worker or broker is needed.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cchc.settings")

app = Celery("cchc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
