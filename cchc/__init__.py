# celery: the Celery application is loaded with Django, so `shared_task` and `@app.task` bind to it (issue 14).
from cchc.celery import app as celery_app

__all__ = ["celery_app"]
