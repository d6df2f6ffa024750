"""The one way MicroTix processes call each other: ``clients.tickets().ReserveSeats(request,
caller=caller)``, on the generated stubs.

A channel per target and service config is reused for the life of the process. Its interceptor
gives every call the internal service credential, the request id being handled (or a fresh one)
and the default deadline. Idempotent reads (Get*, List*) wait for a connection that is down and
are retried on UNAVAILABLE by gRPC itself, as the channel's service config says; a domain error
is never retried (its server sends a negative retry pushback, servicekit.wire). A failed call is
raised as the domain error (servicekit.errors) the service answered, or as the kind of its
transport failure."""

from __future__ import annotations

import collections
import functools
import json
import logging
import threading
from collections.abc import Iterable

import grpc
from django.conf import settings
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from servicekit import db_connections, errors, tracing, turns
from servicekit.config import env_int, service_token
from servicekit.identity import REQUEST_ID_KEY, Caller
from servicekit.wire import IN_TURN_KEY, KEEPALIVE_TIME_MS, SERVICE_TOKEN_KEY, UNREACHABLE, error_from_status

log = logging.getLogger("microtix.grpc.client")

_channels: dict[tuple[str, str, float | None], grpc.Channel] = {}
_channels_lock = threading.Lock()

_CHANNEL_OPTIONS = (
    ("grpc.keepalive_time_ms", KEEPALIVE_TIME_MS),  # servers accept it (servicekit.wire)
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
    # Reconnect soon after a service comes back: first retry of a refused connection after ~0.1 s,
    # backing off (x1.6, jittered) to at most 1 s, instead of gRPC's 1 s growing to 120 s.
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1_000),
)
# A target that names its resolver (dns:///tickets:50052: every replica behind a headless Service)
# gets its calls spread round-robin over every address it resolves to, instead of all of them on
# one connection. New replicas are found when the name is resolved again: on a lost connection,
# and at the latest when the server ages the connection out (grpc_server.MAX_CONNECTION_AGE_MS).
# A plain host:port keeps gRPC's default (pick_first), which reconnects at the first call after
# its one server came back, where round_robin fails calls fast until its reconnect backoff ends.
BALANCED_SCHEMES = ("dns:", "ipv4:", "ipv6:")
_BALANCED_OPTIONS = (("grpc.lb_policy_name", "round_robin"),)

# Methods whose name starts with one of these only read: repeating them changes nothing.
READ_PREFIXES = ("Get", "List")
# gRPC's retry backoff: the n-th retry waits random(0, min(INITIAL * 2^(n-1), MAX)) seconds.
RETRY_INITIAL_BACKOFF = "0.3s"
RETRY_MAX_BACKOFF = "2s"
# gRPC caps a retry policy's attempts at 5.
MAX_ATTEMPTS = 5
# The deadline of a call that waits on the world outside, in client timeouts (ServiceClient).
OUTSIDE_DEADLINES = 2


def is_read(method: str) -> bool:
    """Whether `method` is idempotent by its name (Get*, List*): the calls gRPC may repeat."""
    return method.startswith(READ_PREFIXES)


def service_config(method_paths: Iterable[str], attempts: int) -> str:
    """The gRPC service config (JSON) of a channel whose RPCs are `method_paths`
    ("/package.Service/Method"): its reads wait for a connection and, if `attempts` > 1, are
    tried up to `attempts` times in all while the service answers UNAVAILABLE; writes are tried
    once and fail at once when the service cannot be reached."""
    reads = []
    for path in method_paths:
        service, _, method = path.strip("/").rpartition("/")
        if is_read(method):
            reads.append({"service": service, "method": method})
    if not reads:
        return "{}"
    read_config: dict[str, object] = {"name": reads, "waitForReady": True}
    if attempts > 1:
        read_config["retryPolicy"] = {
            "maxAttempts": min(attempts, MAX_ATTEMPTS),
            "initialBackoff": RETRY_INITIAL_BACKOFF,
            "maxBackoff": RETRY_MAX_BACKOFF,
            "backoffMultiplier": 2,
            "retryableStatusCodes": ["UNAVAILABLE"],
        }
    return json.dumps({"methodConfig": [read_config]}, sort_keys=True)


def channel_for(target: str, config: str = "", timeout: float | None = None) -> grpc.Channel:
    """The process-wide channel to `target` with service config `config`, created on first use:
    host:port, or dns:///name:port for calls round-robin over every address of the name (see
    BALANCED_SCHEMES). Every call made on it carries the internal service credential and a
    request id, and `timeout` seconds as its deadline unless it names one."""
    key = (target, config, timeout)
    with _channels_lock:
        channel = _channels.get(key)
        if channel is None:
            options = _CHANNEL_OPTIONS + (_BALANCED_OPTIONS if target.startswith(BALANCED_SCHEMES) else ())
            if config:
                options += (("grpc.service_config", config),)
            plain = grpc.insecure_channel(target, options=options)
            channel = _channels[key] = grpc.intercept_channel(plain, _OutgoingInterceptor(timeout))
        return channel


def credential_metadata() -> tuple[tuple[str, str], ...]:
    """The metadata that proves a call comes from a MicroTix process: settings.SERVICE_TOKEN, or in a
    process without Django settings (the benchmark's driver) the same value from the environment."""
    return ((SERVICE_TOKEN_KEY, settings.SERVICE_TOKEN if settings.configured else service_token()),)


class _CallDetails(
    collections.namedtuple(
        "_CallDetails", ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression")
    ),
    grpc.ClientCallDetails,
):
    pass


class _OutgoingInterceptor(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """Gives every call, whatever its kind (reflection streams too), the service credential, a
    request id (the one being handled here, else a fresh one), the default deadline, and, made in
    a service's turn, the mark that it runs on it (servicekit.turns)."""

    def __init__(self, timeout: float | None):
        self._timeout = timeout

    def _completed(self, details: grpc.ClientCallDetails) -> _CallDetails:
        metadata = (*(details.metadata or ()), *credential_metadata())
        if not any(key == REQUEST_ID_KEY for key, _ in metadata):
            metadata += ((REQUEST_ID_KEY, tracing.accept(tracing.current_request_id())),)
        if turns.lends_turn():
            metadata += ((IN_TURN_KEY, "1"),)
        timeout = details.timeout if details.timeout is not None else self._timeout
        return _CallDetails(
            details.method, timeout, metadata, details.credentials, details.wait_for_ready, details.compression
        )

    def intercept_unary_unary(self, continuation, client_call_details, request):
        return continuation(self._completed(client_call_details), request)

    intercept_unary_stream = intercept_unary_unary

    def intercept_stream_unary(self, continuation, client_call_details, request_iterator):
        return continuation(self._completed(client_call_details), request_iterator)

    intercept_stream_stream = intercept_stream_unary


class _MethodRecorder:
    """Stands in for a channel while a stub is built, to learn the paths of the stub's RPCs."""

    def __init__(self):
        self.paths: list[str] = []

    def unary_unary(self, path: str, *args, **kwargs):
        self.paths.append(path)

    unary_stream = stream_unary = stream_stream = unary_unary


def method_paths(stub_class) -> list[str]:
    """The "/package.Service/Method" path of every RPC of `stub_class` (a generated stub)."""
    recorder = _MethodRecorder()
    stub_class(recorder)
    return recorder.paths


@functools.cache
def _stub_for(target: str, stub_class, attempts: int, timeout: float):
    """The process-wide stub of `stub_class` to `target`: building one registers a callable per
    RPC with the channel, worth doing once, not on every call."""
    return stub_class(channel_for(target, service_config(method_paths(stub_class), attempts), timeout))


def error_for(service: str, error: grpc.RpcError) -> errors.DomainError:
    """The domain error a failed call to `service` raises: the one the service answered (its rich
    status, servicekit.wire), else the kind of the failure (unreachable, at its cap, failed)."""
    status = error.code()
    try:
        rich = rpc_status.from_call(error) if hasattr(error, "trailing_metadata") else None
    except ValueError:  # a status detail that contradicts the call's status: not ours
        rich = None
    failure = error_from_status(rich, status)
    if failure is None:
        if status in UNREACHABLE:
            failure = errors.ServiceUnavailable(service)
        elif status == grpc.StatusCode.RESOURCE_EXHAUSTED:
            failure = errors.ServiceBusy(service)
        else:
            failure = errors.ServiceFailed(service)
            if status == grpc.StatusCode.UNAUTHENTICATED:
                log.error(
                    "%s refused this process's service credential: check MICROTIX_SERVICE_TOKEN and "
                    "SECRET_KEY are the same in every process",
                    service,
                )
        log.debug("%s: %s: %s", service, status.name, error.details())
    failure.service, failure.status = service, status
    return failure


class _Rpc:
    """One RPC of a service: called with its request and, optionally, the caller and a deadline
    (`timeout`: the RPC's own, else the channel's)."""

    __slots__ = ("_multicallable", "_service", "_timeout", "_waits_outside")

    def __init__(self, service: str, multicallable, waits_outside: bool = False, timeout: float | None = None):
        self._service = service
        self._multicallable = multicallable
        self._waits_outside = waits_outside
        self._timeout = timeout

    def __call__(self, request, *, caller: Caller | None = None, timeout: float | None = None):
        """The RPC's response, or its failure raised as a domain error (:func:`error_for`)."""
        # However long the call waits, this thread holds no database connection the process is short of.
        db_connections.give_back_connections()
        if timeout is None:
            timeout = self._timeout
        try:
            with turns.calling(waits_outside=self._waits_outside):
                return self._multicallable(request, timeout=timeout, metadata=caller.to_metadata() if caller else None)
        except grpc.RpcError as error:
            raise error_for(self._service, error) from None


class ServiceClient:
    """One service's RPCs as methods of the generated stub: ``client.GetEvent(request, caller=caller)``.

    Every call has one deadline, `timeout` seconds (GRPC_CLIENT_TIMEOUT) from its start, that
    covers all of its attempts. A read (Get*, List*) waits for the service to be reachable and,
    if the service answers UNAVAILABLE (not a domain error it raised), is tried again, at most
    `attempts` times in all (GRPC_CLIENT_RETRIES; gRPC caps it at 5). Any other call (a write:
    Reserve, Pay, Cancel, Create, Update, CheckIn...) is tried once and fails at once when the
    service cannot be reached.

    The RPCs named in `waits_outside` may wait on the world outside (a payment provider): while one
    is called, the thread gives its turn to another (servicekit.turns), and its deadline is twice
    `timeout`: what it waits on may take up to one (a charge, itself a call with that deadline), so
    with one alone the caller would give up on a call that was still in time, its card charged.
    """

    def __init__(
        self,
        service: str,
        target: str,
        stub_class,
        timeout: float,
        attempts: int | None = None,
        waits_outside: frozenset[str] = frozenset(),
    ):
        self.service = service
        self.waits_outside = waits_outside
        self.target = target
        self.timeout = timeout
        self.attempts = max(1, attempts if attempts is not None else env_int("GRPC_CLIENT_RETRIES"))
        self._stub = _stub_for(target, stub_class, self.attempts, timeout)

    def __getattr__(self, method: str) -> _Rpc:
        if method.startswith("_"):
            raise AttributeError(method)
        if method in self.waits_outside:
            return _Rpc(self.service, getattr(self._stub, method), True, OUTSIDE_DEADLINES * self.timeout)
        return _Rpc(self.service, getattr(self._stub, method))


def health_status(target: str, timeout: float, service: str = "") -> str:
    """The grpc.health.v1 status name of `service` at `target` (e.g. "SERVING"), or the failure."""
    stub = health_pb2_grpc.HealthStub(channel_for(target))
    try:
        response = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout)
    except grpc.RpcError as error:
        return error.code().name
    return health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
