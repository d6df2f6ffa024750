"""Prometheus metrics (prometheus-client): exposing them, in one process or several.

- A gRPC service is one process: its metrics are served over HTTP on a port of their own
  (`serve(...)`, its gRPC port + MICROTIX_METRICS_PORT_OFFSET, started by serve_grpc).
- The gateway (gunicorn) and the Celery worker (prefork) count in several worker processes:
  they run in prometheus-client's multiprocess mode. Each process writes its samples to files
  in a directory under var/prometheus/ (wiped when the server starts) that one collector
  reads and sums: the gateway's `/metrics` view (`metrics_view`), the worker's metrics port
  (`serve_multiprocess`, in the worker's main process). Counters and histograms only: they add
  up across processes.

The metrics themselves are defined where they are counted (HTTP in the gateway's middleware,
RPCs in servicekit.grpc_server, business counters in each service's services.py).
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
    start_http_server,
    values,
)

from servicekit.config import VAR_DIR

log = logging.getLogger("microtix.metrics")

MULTIPROC_DIR_VAR = "PROMETHEUS_MULTIPROC_DIR"
METRICS_DIR = VAR_DIR / "prometheus"


def multiprocess_dir(name: str) -> Path:
    """A fresh, empty directory var/prometheus/<name> for one multiprocess server's samples."""
    path = METRICS_DIR / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def enable_multiprocess(path: Path) -> None:
    """Count in multiprocess mode from now on, in this process and the processes it forks:
    every sample goes to a file in `path`. Call before forking workers.

    prometheus-client picks its value class when first imported, from PROMETHEUS_MULTIPROC_DIR;
    if it was imported already, the value class is picked again, so every labelled sample
    created from now on (all MicroTix metrics have labels or are created after this) uses it.
    """
    os.environ[MULTIPROC_DIR_VAR] = str(path)
    values.ValueClass = values.get_value_class()


def is_multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROC_DIR_VAR))


def multiprocess_registry(path: Path | None = None) -> CollectorRegistry:
    """A registry that sums the samples every process wrote to `path` (default: the current dir)."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(path) if path else None)
    return registry


def registry() -> CollectorRegistry:
    """This process's registry, or the multiprocess collector in multiprocess mode."""
    return multiprocess_registry() if is_multiprocess() else REGISTRY


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus text format, and its content type."""
    return generate_latest(registry()), CONTENT_TYPE_LATEST


def metrics_view(request):
    """Django view of the metrics in Prometheus text format (the gateway's /metrics)."""
    from django.http import HttpResponse

    body, content_type = exposition()
    return HttpResponse(body, content_type=content_type)


def mark_process_dead(pid: int) -> None:
    """A multiprocess worker exited (its counters stay, its live gauges go)."""
    if is_multiprocess():
        multiprocess.mark_process_dead(pid)


def split_address(address: str) -> tuple[str, int]:
    """("host", port) of "host:port" ("[::]:9000" -> ("::", 9000))."""
    host, _, port = address.rpartition(":")
    return host.strip("[]") or "0.0.0.0", int(port)  # noqa: S104 - an address without host means all


def serve(host: str, port: int, registry: CollectorRegistry = REGISTRY):
    """Serve `registry` over HTTP at host:port (any path) in a daemon thread; returns the
    server, or None if the port cannot be bound (logged: metrics are not worth dying for)."""
    try:
        server, _thread = start_http_server(port, addr=host, registry=registry)
    except OSError as exc:
        log.warning("metrics: cannot listen on %s:%d (%s); no metrics served", host, port, exc)
        return None
    log.info("metrics: serving Prometheus metrics on http://%s:%d/metrics", host, port)
    return server


class MultiprocessServer:
    """The HTTP server of a multiprocess metrics directory (`serve_multiprocess`)."""

    def __init__(self, server, path: Path):
        self.server, self.path = server, path

    def close(self) -> None:
        """Stop serving and remove the directory (the server is shutting down)."""
        self.server.shutdown()
        self.server.server_close()
        shutil.rmtree(self.path, ignore_errors=True)


def serve_multiprocess(name: str, address: str) -> MultiprocessServer | None:
    """In the main process of a prefork server (the Celery worker), before it forks: serve at
    `address` the sum of every process's samples, kept in var/prometheus/<name>-<port>, and
    switch to multiprocess mode. None if there is no address or the port is taken (then
    nothing changes)."""
    if not address:
        return None
    host, port = split_address(address)
    path = multiprocess_dir(f"{name}-{port}")
    server = serve(host, port, multiprocess_registry(path))
    if server is None:
        shutil.rmtree(path, ignore_errors=True)
        return None
    enable_multiprocess(path)
    return MultiprocessServer(server, path)
