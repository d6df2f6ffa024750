"""The one way MicroTix processes call each other: a channel per target reused
for the life of the process, a deadline on every call, the caller's identity
and request id in metadata, and gRPC errors raised as :class:`RemoteError`."""

from __future__ import annotations

import json
import threading

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from servicekit import errors
from servicekit.grpc_server import ERROR_CODE_KEY, EXTRA_KEY, FIELD_ERRORS_KEY, STATUS_BY_ERROR
from servicekit.identity import Caller

_channels: dict[str, grpc.Channel] = {}
_channels_lock = threading.Lock()

_CHANNEL_OPTIONS = (
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
)


def channel_for(target: str) -> grpc.Channel:
    """The process-wide channel to `target` (host:port), created on first use."""
    with _channels_lock:
        channel = _channels.get(target)
        if channel is None:
            channel = _channels[target] = grpc.insecure_channel(target, options=_CHANNEL_OPTIONS)
        return channel


_ERROR_BY_STATUS = {status: kind for kind, status in STATUS_BY_ERROR.items()}
_UNREACHABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}


class RemoteError(Exception):
    """A call to another service failed; carries the gRPC status and, for domain
    errors, the machine code and field errors the service attached."""

    def __init__(
        self, service: str, status: grpc.StatusCode, message: str, code: str = "", field_errors=None, extra=None
    ):
        super().__init__(f"{service}: {status.name}: {message}")
        self.service = service
        self.status = status
        self.message = message
        self.code = code
        self.field_errors: dict[str, list[str]] = field_errors or {}
        self.extra: dict[str, str] = extra or {}

    @classmethod
    def from_rpc_error(cls, service: str, error: grpc.RpcError) -> RemoteError:
        trailing = dict(error.trailing_metadata() or ()) if hasattr(error, "trailing_metadata") else {}
        field_errors = json.loads(trailing[FIELD_ERRORS_KEY]) if FIELD_ERRORS_KEY in trailing else None
        extra = json.loads(trailing[EXTRA_KEY]) if EXTRA_KEY in trailing else None
        return cls(service, error.code(), error.details() or "", trailing.get(ERROR_CODE_KEY, ""), field_errors, extra)

    def as_domain_error(self) -> errors.DomainError:
        """The same failure as a domain error, for a service to pass on to its own caller."""
        if self.status in _UNREACHABLE and not self.code:
            return errors.Unavailable(f"The {self.service} service is unavailable.", code=f"{self.service}_unavailable")
        kind = _ERROR_BY_STATUS.get(self.status)
        if kind is None:
            return errors.Unavailable(f"The {self.service} service failed.", code=f"{self.service}_error")
        if kind is errors.InvalidInput:
            return errors.InvalidInput(self.message, field_errors=self.field_errors, code=self.code or None)
        return kind(self.message, code=self.code or None, extra=self.extra)


class ServiceClient:
    """Calls one service's RPCs: ``client.call("GetEvent", request, caller=caller)``."""

    def __init__(self, service: str, target: str, stub_class, timeout: float):
        self.service = service
        self.target = target
        self.timeout = timeout
        self._stub = stub_class(channel_for(target))

    def call(self, method: str, request, *, caller: Caller | None = None, timeout: float | None = None):
        rpc = getattr(self._stub, method)
        metadata = (caller or Caller()).to_metadata()
        try:
            return rpc(request, timeout=timeout or self.timeout, metadata=metadata)
        except grpc.RpcError as error:
            raise RemoteError.from_rpc_error(self.service, error) from None


def health_status(target: str, timeout: float, service: str = "") -> str:
    """The grpc.health.v1 status name of `service` at `target` (e.g. "SERVING"), or the failure."""
    stub = health_pb2_grpc.HealthStub(channel_for(target))
    try:
        response = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout)
    except grpc.RpcError as error:
        return error.code().name
    return health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
