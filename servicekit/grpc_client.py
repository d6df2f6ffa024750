"""The one way MicroTix processes call each other: a channel per target reused
for the life of the process, a deadline on every call, the internal service
credential, the caller's identity and request id in metadata, retries of
idempotent reads while the service is unreachable, and a failed call raised as the
domain error (servicekit.errors) the service answered, or as the kind of its transport failure."""

from __future__ import annotations

import collections
import logging
import random
import threading
import time

import grpc
from django.conf import settings
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from servicekit import db_connections, errors
from servicekit.config import env_int, service_token
from servicekit.identity import Caller
from servicekit.wire import KEEPALIVE_TIME_MS, SERVICE_TOKEN_KEY, UNREACHABLE, error_from_status

log = logging.getLogger("microtix.grpc.client")

_channels: dict[str, grpc.Channel] = {}
_stubs: dict[tuple[str, type], object] = {}
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
# Pause before the 2nd attempt; doubles before each further one, jittered by +-20 %.
RETRY_BACKOFF_SECONDS = 0.3
RETRY_BACKOFF_MAX_SECONDS = 2.0
# A retry is started only if at least this much of the call's deadline is left for it.
MIN_ATTEMPT_SECONDS = 0.05


def channel_for(target: str) -> grpc.Channel:
    """The process-wide channel to `target`, created on first use: host:port, or dns:///name:port
    for calls round-robin over every address of the name (see BALANCED_SCHEMES). Every call made
    on it carries the internal service credential."""
    with _channels_lock:
        channel = _channels.get(target)
        if channel is None:
            options = _CHANNEL_OPTIONS + (_BALANCED_OPTIONS if target.startswith(BALANCED_SCHEMES) else ())
            plain = grpc.insecure_channel(target, options=options)
            channel = _channels[target] = grpc.intercept_channel(plain, _CredentialInterceptor())
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


class _CredentialInterceptor(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """Adds the service credential to the metadata of every call, whatever its kind (reflection streams too)."""

    def _with_credential(self, details: grpc.ClientCallDetails) -> _CallDetails:
        metadata = (*(details.metadata or ()), *credential_metadata())
        return _CallDetails(
            details.method, details.timeout, metadata, details.credentials, details.wait_for_ready, details.compression
        )

    def intercept_unary_unary(self, continuation, client_call_details, request):
        return continuation(self._with_credential(client_call_details), request)

    intercept_unary_stream = intercept_unary_unary

    def intercept_stream_unary(self, continuation, client_call_details, request_iterator):
        return continuation(self._with_credential(client_call_details), request_iterator)

    intercept_stream_stream = intercept_stream_unary


def stub_for(target: str, stub_class):
    """The process-wide stub of `stub_class` on the channel to `target`, created on first use.
    Building a stub registers a callable per RPC of the service with the channel: worth doing
    once, not on every call."""
    key = (target, stub_class)
    stub = _stubs.get(key)
    if stub is None:
        channel = channel_for(target)
        with _channels_lock:
            stub = _stubs.setdefault(key, stub_class(channel))
    return stub


def is_read(method: str) -> bool:
    """Whether `method` is idempotent by its name (Get*, List*): the default for retrying it."""
    return method.startswith(READ_PREFIXES)


def error_for(service: str, error: grpc.RpcError, attempts: int = 1) -> errors.DomainError:
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
        log.debug("%s: %s: %s", service, status.name, error.details())
    failure.service, failure.status, failure.attempts = service, status, attempts
    return failure


def _retryable(failure: errors.DomainError) -> bool:
    """Whether a read may be tried again after `failure`: the transport could not reach the service
    (UNAVAILABLE, not a domain Unavailable the service answered, e.g. "payments_unavailable": that
    service already had its chance to retry what it depends on)."""
    return isinstance(failure, errors.ServiceUnavailable) and failure.status == grpc.StatusCode.UNAVAILABLE


class ServiceClient:
    """Calls one service's RPCs: ``client.call("GetEvent", request, caller=caller)``.

    Every call has one deadline, `timeout` seconds (GRPC_CLIENT_TIMEOUT) from its start, that
    covers all of its attempts. An idempotent call (by default the reads: Get*, List*) that finds
    the service unreachable (UNAVAILABLE from the transport, not a domain error the service raised)
    is tried again, at most `attempts` times in all (GRPC_CLIENT_RETRIES), after an exponential,
    jittered pause that ends early once the connection is back. Any other call (a write:
    Reserve, Pay, Cancel, Create, Update, CheckIn...) is tried once, whatever happens.
    """

    def __init__(self, service: str, target: str, stub_class, timeout: float, attempts: int | None = None):
        self.service = service
        self.target = target
        self.timeout = timeout
        self.attempts = max(1, attempts if attempts is not None else env_int("GRPC_CLIENT_RETRIES"))
        self._channel = channel_for(target)
        self._stub = stub_for(target, stub_class)

    def call(
        self,
        method: str,
        request,
        *,
        caller: Caller | None = None,
        timeout: float | None = None,
        idempotent: bool | None = None,
    ):
        """Call `method` and return its response, or raise its failure (:func:`error_for`).

        `idempotent` says whether the call may be repeated when the service is unreachable
        (None: only if `method` is a read by its name, see :func:`is_read`)."""
        rpc = getattr(self._stub, method)
        metadata = (caller or Caller()).to_metadata()  # one request id for every attempt
        # However long the call waits, this thread holds no database connection the process is short of.
        db_connections.release_if_crowded()
        deadline = time.monotonic() + (timeout or self.timeout)
        attempts = self.attempts if (is_read(method) if idempotent is None else idempotent) else 1
        attempt = 1
        while True:
            try:
                return rpc(request, timeout=deadline - time.monotonic(), metadata=metadata)
            except grpc.RpcError as error:
                failure = error_for(self.service, error, attempts=attempt)
            if failure.status == grpc.StatusCode.UNAUTHENTICATED:
                log.error(
                    "%s.%s refused this process's service credential: check MICROTIX_SERVICE_TOKEN and "
                    "SECRET_KEY are the same in every process",
                    self.service,
                    method,
                )
            if attempt >= attempts or not _retryable(failure):
                raise failure
            # Never past the deadline: shorten the pause so the next attempt still has time, or give up.
            pause = min(_backoff(attempt), deadline - time.monotonic() - MIN_ATTEMPT_SECONDS)
            if pause < 0:
                raise failure
            log.info(
                "%s.%s unreachable (attempt %d of %d): retrying in %.2fs",
                self.service,
                method,
                attempt,
                attempts,
                pause,
            )
            self._wait_for_connection(pause)
            attempt += 1

    def _wait_for_connection(self, pause: float) -> None:
        """Sleep `pause` seconds, but after the first quarter of it stop as soon as the channel
        has reconnected: a service that came back is called again at once."""
        time.sleep(pause / 4)
        ready = grpc.channel_ready_future(self._channel)
        try:
            ready.result(timeout=pause * 3 / 4)
        except grpc.FutureTimeoutError:
            pass
        finally:
            ready.cancel()


def _backoff(attempt: int) -> float:
    """The pause after failed attempt number `attempt` (1, 2, ...): exponential, +-20 % jitter."""
    return min(RETRY_BACKOFF_MAX_SECONDS, RETRY_BACKOFF_SECONDS * 2 ** (attempt - 1)) * random.uniform(0.8, 1.2)


def health_status(target: str, timeout: float, service: str = "") -> str:
    """The grpc.health.v1 status name of `service` at `target` (e.g. "SERVING"), or the failure."""
    stub = health_pb2_grpc.HealthStub(channel_for(target))
    try:
        response = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout)
    except grpc.RpcError as error:
        return error.code().name
    return health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
