import logging
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string
from django_grpc_framework.settings import grpc_settings

from servicekit import metrics, prefork
from servicekit.grpc_server import (
    GrpcService,
    port_offset_address,
    serve_until_signalled,
    start_periodic,
    start_server,
)

log = logging.getLogger("microtix.grpc")


class Command(BaseCommand):
    help = "Serve this project's gRPC services with health checks and reflection until SIGTERM/SIGINT."

    def add_arguments(self, parser):
        parser.add_argument("--address", default=settings.GRPC_LISTEN_ADDR, help="host:port to listen on.")
        parser.add_argument("--max-workers", type=int, default=settings.GRPC_MAX_WORKERS)
        parser.add_argument("--grace", type=float, default=settings.GRPC_GRACE_SECONDS)
        parser.add_argument(
            "--processes", type=int, default=settings.GRPC_PROCESSES, help="Processes serving the port (0: one a core)."
        )

    def extra_handlers(self, options) -> tuple:
        """Generic RPC handlers served beside the project's: none. (A command built on this one may add some.)"""
        return ()

    def http_servers(self, service: GrpcService, options) -> tuple:
        """HTTP servers started beside the gRPC server and stopped with it (the metrics' aside): none."""
        return ()

    def handle(self, *args, address, max_workers, grace, processes, **options):
        if processes <= 1:
            self.serve(address, max_workers, grace, options)
            return
        host, _, port = address.rpartition(":")
        if int(port) == 0:
            raise CommandError(f"{processes} processes share one port: give {address!r} a port, not 0.")
        # The parent sums what its children count (they write it to files): one metrics port as ever.
        metrics_address = port_offset_address(host, int(port), settings.METRICS_PORT_OFFSET, "metrics")
        metrics_server = None
        if metrics_address:
            metrics_server = metrics.serve_multiprocess("grpc", "{}:{}".format(*metrics_address))
        try:
            code = prefork.serve_forked(
                processes,
                lambda index: self.serve(address, max_workers, grace, options, index=index, own_metrics=False),
                grace=grace,
            )
        finally:
            if metrics_server is not None:
                metrics_server.close()
        if code:
            raise CommandError("a process serving gRPC died at start; see its log above.")

    def serve(self, address, max_workers, grace, options, *, index: int = 0, own_metrics: bool = True) -> None:
        """Serve until SIGTERM/SIGINT in this process, the `index`th of the service's processes: the
        first runs the background work and the extra HTTP servers, once for the whole service."""
        # A call beyond the threads is refused at once (RESOURCE_EXHAUSTED: 503 <service>_busy at the
        # gateway) rather than queued behind calls that wait on a slow dependency, past its deadline.
        service = start_server(
            grpc_settings.ROOT_HANDLERS_HOOK,
            address,
            max_workers,
            extra_handlers=self.extra_handlers(options),
            max_concurrent_rpcs=max_workers,
            running_calls=settings.RUNNING_CALLS,
        )
        host = address.rsplit(":", 1)[0]
        log.info("gRPC %s listening on %s:%d", ", ".join(service.service_names) or "(no services)", host, service.port)
        stop = threading.Event()
        if index:
            serve_until_signalled(service, grace, stop, own_metrics=own_metrics)
            return
        http_servers = self.http_servers(service, options)
        # Background work of the service, e.g. releasing expired holds: (dotted path, interval seconds).
        for path, interval in getattr(settings, "PERIODIC_TASKS", ()):
            start_periodic(import_string(path), interval, stop)
            log.info("running %s every %.1fs", path, interval)
        serve_until_signalled(service, grace, stop, http_servers, own_metrics=own_metrics)
