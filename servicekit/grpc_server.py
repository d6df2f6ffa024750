"""Building and running a service's gRPC server: the project's servicers plus the
standard health and reflection services, call logging and domain-error mapping."""

from __future__ import annotations

import hmac
import logging
import signal
import threading
import time
from concurrent import futures

import grpc
from django.conf import settings
from django.db import close_old_connections, connection
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from prometheus_client import Counter, Histogram

from servicekit import db_connections, errors, metrics, tracing
from servicekit.identity import REQUEST_ID_KEY
from servicekit.turns import Turns, on_callers_turn
from servicekit.wire import IN_TURN_KEY, MIN_PING_INTERVAL_MS, SERVICE_TOKEN_KEY, abort_status

log = logging.getLogger("microtix.grpc")

RPCS_HANDLED = Counter(
    "microtix_grpc_server_handled", "RPCs this service answered, by method and gRPC status code.", ["method", "code"]
)
RPC_SECONDS = Histogram("microtix_grpc_server_handling_seconds", "Time to answer an RPC, by method.", ["method"])

# Open to any caller: the probes of orchestrators and load balancers carry no credential.
OPEN_METHOD_PREFIXES = (f"/{health.SERVICE_NAME}/",)


class ServingInterceptor(grpc.ServerInterceptor):
    """Refuses every call that lacks the internal service credential (UNAUTHENTICATED; health
    checks excepted), logs and counts every call (method, status code, duration), makes the
    caller's request id current while it runs (so its log lines, and the calls and tasks it
    makes, carry it), and answers a domain error raised by a servicer (or passed on from a service
    it called) with the rich status of its kind (servicekit.wire.abort_status)."""

    def __init__(self, service_token: str, running_calls: int = 0):
        if not service_token:
            raise ValueError("a gRPC server needs a service token to check its callers' against")
        self._service_token = service_token.encode()
        self._turns = Turns(running_calls)

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        method = handler_call_details.method
        metadata = dict(handler_call_details.invocation_metadata or ())
        if not method.startswith(OPEN_METHOD_PREFIXES) and not self._carries_credential(metadata):
            return _refusal(handler, method)
        if handler is None or handler.unary_unary is None:
            return handler
        request_id = tracing.accept(metadata.get(REQUEST_ID_KEY))
        inner = handler.unary_unary
        # Health checks answer at once however busy the server is: a probe must not time out in a queue.
        # A call made in its caller's turn runs on it (servicekit.turns).
        on_callers = metadata.get(IN_TURN_KEY) == "1"
        takes_turn = not method.startswith(OPEN_METHOD_PREFIXES) and not on_callers

        def behavior(request, context):
            started = time.perf_counter()
            token = tracing.set_request_id(request_id)
            code = grpc.StatusCode.OK
            turns = self._turns
            try:
                if takes_turn and not turns.take(timeout=context.time_remaining()):
                    code = grpc.StatusCode.RESOURCE_EXHAUSTED
                    context.abort(code, "Too many calls running; try again shortly.")
                if on_callers:
                    with on_callers_turn():
                        return inner(request, context)
                return inner(request, context)
            except errors.DomainError as exc:
                code = exc.grpc_status
                context.abort_with_status(abort_status(exc))
            except Exception as exc:
                if context.code() not in (None, grpc.StatusCode.OK):
                    raise  # the servicer aborted with a status of its own
                if db_connections.is_database_busy(exc):
                    # A deadlock's victim, a lock wait timeout, no connection free: "try again", not a bug.
                    busy = errors.DatabaseBusy()
                    code = busy.grpc_status
                    log.warning("database busy in %s request_id=%s: %s", method, request_id, exc, exc_info=True)
                    context.abort_with_status(abort_status(busy))
                code = grpc.StatusCode.INTERNAL
                log.exception("unhandled error in %s request_id=%s", method, request_id)
                # The client learns that it failed, not the internals of why.
                context.abort(code, "Internal server error.")
            finally:
                code = context.code() or code
                elapsed = time.perf_counter() - started
                RPCS_HANDLED.labels(method, code.name).inc()
                RPC_SECONDS.labels(method).observe(elapsed)
                log.info("rpc %s code=%s duration_ms=%.1f request_id=%s", method, code.name, elapsed * 1000, request_id)
                tracing.reset_request_id(token)
                turns.give_back()

        return grpc.unary_unary_rpc_method_handler(
            behavior,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )

    def _carries_credential(self, metadata: dict) -> bool:
        presented = metadata.get(SERVICE_TOKEN_KEY)
        if not isinstance(presented, str):
            return False
        # Constant time: how much of a guess matched must not show in how long the refusal takes.
        return hmac.compare_digest(presented.encode(), self._service_token)


def _refusal(handler, method: str):
    """A handler of the same kind as `handler` (None: an unknown method) that refuses the call
    before reading its request."""
    # Unknown methods share one label: a stranger's made-up names must not grow the metrics.
    label = method if handler is not None else "unknown"

    def refuse(request, context):
        RPCS_HANDLED.labels(label, grpc.StatusCode.UNAUTHENTICATED.name).inc()
        log.warning("rpc %s refused: no valid service credential (peer %s)", label, context.peer())
        context.abort(grpc.StatusCode.UNAUTHENTICATED, "Only MicroTix services may call this service.")

    streams = (handler.request_streaming, handler.response_streaming) if handler is not None else (False, False)
    make = {
        (False, False): grpc.unary_unary_rpc_method_handler,
        (False, True): grpc.unary_stream_rpc_method_handler,
        (True, False): grpc.stream_unary_rpc_method_handler,
        (True, True): grpc.stream_stream_rpc_method_handler,
    }[streams]
    return make(refuse)


# grpc.health.v1 service name that answers whether the process serves calls at all, without asking
# the database: for a liveness probe, which must not restart every replica while the database is down.
LIVENESS_SERVICE = "liveness"
# A connection lives at most this long (then GOAWAY, in-flight calls get the grace to finish): clients
# re-resolve the service's name when they reconnect, so replicas added since are called too.
MAX_CONNECTION_AGE_MS = 5 * 60_000
MAX_CONNECTION_AGE_GRACE_MS = 30_000


class DatabaseAwareHealthServicer(health.HealthServicer):
    """Standard grpc.health.v1 service that reports NOT_SERVING when the
    database does not answer, so a health check means "can do work" (readiness);
    except for LIVENESS_SERVICE, which means "the server answers calls"."""

    def Check(self, request, context):
        response = super().Check(request, context)
        if request.service == LIVENESS_SERVICE:
            return response
        if response.status == health_pb2.HealthCheckResponse.SERVING and not _database_answers():
            return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.NOT_SERVING)
        return response


def _database_answers() -> bool:
    close_old_connections()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        log.warning("health check: database does not answer", exc_info=True)
        return False
    finally:
        close_old_connections()


class _ServiceRecorder:
    """Stands in for the server while the project's handlers hook registers
    its servicers, to learn their full service names."""

    def __init__(self, server: grpc.Server):
        self._server = server
        self.service_names: list[str] = []

    def add_generic_rpc_handlers(self, handlers):
        self.service_names += [h.service_name() for h in handlers if isinstance(h, grpc.ServiceRpcHandler)]
        self._server.add_generic_rpc_handlers(handlers)

    def __getattr__(self, name):
        return getattr(self._server, name)


class GrpcService:
    """A started gRPC server with its health servicer."""

    def __init__(
        self, server: grpc.Server, port: int, health_servicer: health.HealthServicer, names: list[str], host: str = ""
    ):
        self.server, self.port, self.health, self.service_names = server, port, health_servicer, names
        self.host = host

    def stop(self, grace: float | None) -> threading.Event:
        """Report NOT_SERVING, refuse new calls, let in-flight ones finish within `grace`."""
        for name in ["", *self.service_names]:
            self.health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
        return self.server.stop(grace)


def start_server(
    handlers_hook,
    address: str,
    max_workers: int,
    service_token: str | None = None,
    *,
    extra_handlers: tuple[grpc.GenericRpcHandler, ...] = (),
    max_concurrent_rpcs: int | None = None,
    running_calls: int = 0,
) -> GrpcService:
    """Create, register and start a gRPC server on `address` (port 0: a free one) that serves
    callers carrying `service_token` (default: settings.SERVICE_TOKEN); `extra_handlers` are served
    beside the project's (through the same interceptor). Beyond `max_concurrent_rpcs` calls at once, a
    call is refused at once with RESOURCE_EXHAUSTED (None: it waits for a thread, however long). Of
    the calls served, `running_calls` run at once (servicekit.turns; 0: all)."""
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="grpc"),
        interceptors=[ServingInterceptor(service_token or settings.SERVICE_TOKEN, running_calls)],
        maximum_concurrent_rpcs=max_concurrent_rpcs,
        options=[
            ("grpc.max_connection_age_ms", MAX_CONNECTION_AGE_MS),
            ("grpc.max_connection_age_grace_ms", MAX_CONNECTION_AGE_GRACE_MS),
            ("grpc.keepalive_permit_without_calls", 1),
            ("grpc.http2.min_ping_interval_without_data_ms", MIN_PING_INTERVAL_MS),
            # The processes of one service share its port (servicekit.prefork).
            ("grpc.so_reuseport", 1),
        ],
    )
    recorder = _ServiceRecorder(server)
    handlers_hook(recorder)
    if extra_handlers:
        server.add_generic_rpc_handlers(tuple(extra_handlers))
    health_servicer = DatabaseAwareHealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for name in ["", LIVENESS_SERVICE, *recorder.service_names]:
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    reflection.enable_server_reflection([*recorder.service_names, health.SERVICE_NAME, reflection.SERVICE_NAME], server)
    port = server.add_insecure_port(address)
    if port == 0:
        raise RuntimeError(f"could not bind gRPC server to {address}")
    server.start()
    return GrpcService(server, port, health_servicer, recorder.service_names, host=address.rpartition(":")[0])


def serve_metrics(service: GrpcService, offset: int | None = None):
    """Serve this process's Prometheus metrics over HTTP on the service's host at its gRPC
    port + `offset` (settings.METRICS_PORT_OFFSET; 0: none). Returns the HTTP server or None."""
    offset = getattr(settings, "METRICS_PORT_OFFSET", 0) if offset is None else offset
    address = offset_address(service, offset, "metrics")
    return metrics.serve(*address) if address else None


def offset_address(service: GrpcService, offset: int, what: str) -> tuple[str, int] | None:
    """(host, port) at the service's gRPC port + `offset` on its host, or None (offset 0, or past 65535)."""
    return port_offset_address(service.host, service.port, offset, what)


def port_offset_address(host: str, port: int, offset: int, what: str) -> tuple[str, int] | None:
    """(host, port + `offset`), or None (offset 0, or past 65535)."""
    if offset <= 0:
        return None
    if port + offset > 65535:
        log.warning("%s: gRPC port %d + offset %d is not a port; not served", what, port, offset)
        return None
    return host.strip("[]") or "0.0.0.0", port + offset  # noqa: S104 - the gRPC server's own host


def start_periodic(task, interval: float, stop: threading.Event) -> threading.Thread:
    """Run `task()` every `interval` seconds in a daemon thread until `stop` is set.
    Several processes may run the same task: tasks must be safe under concurrency."""

    def loop():
        while not stop.wait(interval):
            close_old_connections()
            # Each run is a request of its own: its log lines, calls and tasks share one id.
            token = tracing.set_request_id(tracing.new_request_id())
            try:
                task()
            except Exception:
                log.exception("periodic task %s failed", getattr(task, "__name__", task))
            finally:
                tracing.reset_request_id(token)
                close_old_connections()

    thread = threading.Thread(target=loop, name=f"periodic-{getattr(task, '__name__', 'task')}", daemon=True)
    thread.start()
    return thread


def serve_until_signalled(
    service: GrpcService,
    grace: float,
    stop_requested: threading.Event,
    http_servers: tuple = (),
    *,
    own_metrics: bool = True,
) -> None:
    """Serve the process's metrics (`serve_metrics`; not with `own_metrics` False: a pre-forked
    process, whose parent serves every process's) and block until SIGTERM/SIGINT (or
    `stop_requested` is set), then shut down gracefully; `http_servers` (http.server servers
    started beside the gRPC server) are shut down with the metrics'."""
    metrics_server = serve_metrics(service) if own_metrics else None
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop_requested.set())
    while not stop_requested.wait(0.5):
        pass
    log.info("shutting down: finishing in-flight calls (grace %.1fs)", grace)
    service.stop(grace).wait(grace + 1)
    for http_server in (metrics_server, *http_servers):
        if http_server is not None:
            http_server.shutdown()
            http_server.server_close()
    log.info("stopped")
