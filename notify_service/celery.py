"""The Celery application of the notification worker (`celery -A notify_service worker`)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "notify_service.settings")

from celery.signals import celeryd_init, worker_process_shutdown, worker_shutdown

from servicekit import metrics
from servicekit.tasks import celery_app, trace_worker_tasks

app = celery_app("notify_service")
app.autodiscover_tasks()
# Each task runs with the request id its message carried (log lines, gRPC calls, further tasks).
trace_worker_tasks()

_metrics_servers: list[metrics.MultiprocessServer] = []


@celeryd_init.connect
def serve_worker_metrics(**_):
    """In the worker's main process, before the pool forks: serve the metrics that every pool
    process counts (prometheus-client multiprocess mode) on MICROTIX_WORKER_METRICS_ADDR."""
    from django.conf import settings

    server = metrics.serve_multiprocess("worker", settings.WORKER_METRICS_ADDR)
    if server is not None:
        _metrics_servers.append(server)


@worker_process_shutdown.connect
def forget_pool_process(pid=None, **_):
    metrics.mark_process_dead(pid or os.getpid())


@worker_shutdown.connect
def stop_worker_metrics(**_):
    while _metrics_servers:
        _metrics_servers.pop().close()
