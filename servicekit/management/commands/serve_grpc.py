import logging
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string
from django_grpc_framework.settings import grpc_settings

from servicekit.grpc_server import GrpcService, serve_until_signalled, start_periodic, start_server

log = logging.getLogger("microtix.grpc")


class Command(BaseCommand):
    help = "Serve this project's gRPC services with health checks and reflection until SIGTERM/SIGINT."

    def add_arguments(self, parser):
        parser.add_argument("--address", default=settings.GRPC_LISTEN_ADDR, help="host:port to listen on.")
        parser.add_argument("--max-workers", type=int, default=settings.GRPC_MAX_WORKERS)
        parser.add_argument("--grace", type=float, default=settings.GRPC_GRACE_SECONDS)

    def extra_handlers(self, options) -> tuple:
        """Generic RPC handlers served beside the project's: none. (A command built on this one may add some.)"""
        return ()

    def http_servers(self, service: GrpcService, options) -> tuple:
        """HTTP servers started beside the gRPC server and stopped with it (the metrics' aside): none."""
        return ()

    def handle(self, *args, address, max_workers, grace, **options):
        # A call beyond the threads is refused at once (RESOURCE_EXHAUSTED: 503 <service>_busy at the
        # gateway) rather than queued behind calls that wait on a slow dependency, past its deadline.
        service = start_server(
            grpc_settings.ROOT_HANDLERS_HOOK,
            address,
            max_workers,
            extra_handlers=self.extra_handlers(options),
            max_concurrent_rpcs=max_workers,
        )
        host = address.rsplit(":", 1)[0]
        log.info("gRPC %s listening on %s:%d", ", ".join(service.service_names) or "(no services)", host, service.port)
        http_servers = self.http_servers(service, options)
        stop = threading.Event()
        # Background work of the service, e.g. releasing expired holds: (dotted path, interval seconds).
        for path, interval in getattr(settings, "PERIODIC_TASKS", ()):
            start_periodic(import_string(path), interval, stop)
            log.info("running %s every %.1fs", path, interval)
        serve_until_signalled(service, grace, stop, http_servers)
