"""The Celery application of the notification worker (`celery -A notify_service worker`)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "notify_service.settings")

from servicekit.tasks import celery_app

app = celery_app("notify_service")
app.autodiscover_tasks()
