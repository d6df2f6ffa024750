"""gunicorn settings of the gateway (`gunicorn --config gateway_project/gunicorn.conf.py ...`);
the command line (Procfile) gives the rest. Read once by the master, before it forks workers.

- Metrics: the workers count in prometheus-client's multiprocess mode, in a directory of this
  server's own (var/prometheus/gateway-<port>, wiped at start and removed at exit), which the
  /metrics view sums (servicekit.metrics).
- Workers: WEB_CONCURRENCY, with its documented default.
- Logs: gunicorn's own error and access logs go through the same handler as the application's
  (LOG_FORMAT, with the request id; the access line's is the X-Request-ID answered).
"""

import shutil

from servicekit import metrics
from servicekit.config import env, env_int
from servicekit.logging_config import gunicorn_logging_config

_metrics_dir = metrics.multiprocess_dir(f"gateway-{env('MICROTIX_HTTP_PORT')}")
metrics.enable_multiprocess(_metrics_dir)

# WEB_CONCURRENCY's default (servicekit.config): gunicorn alone would run 1 worker when the variable is unset.
workers = env_int("WEB_CONCURRENCY")

logconfig_dict = gunicorn_logging_config(env("LOG_FORMAT").strip().lower(), env("LOG_LEVEL").upper())


def child_exit(server, worker):
    metrics.mark_process_dead(worker.pid)


def on_exit(server):
    shutil.rmtree(_metrics_dir, ignore_errors=True)
