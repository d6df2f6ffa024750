"""The gRPC wire contract between MicroTix servers (servicekit.grpc_server) and clients
(servicekit.grpc_client): the metadata keys a call carries, how a domain error travels, and the
keepalive both sides agree on. Neither side imports the other.

A domain error (servicekit.errors) travels as the standard rich status (google.rpc.Status in the
``grpc-status-details-bin`` trailer): its kind's gRPC status and the human message, an ErrorInfo
(domain ERROR_DOMAIN, reason = the error's code, metadata = its extra, each value JSON-encoded so
numbers stay numbers) and, for invalid input, a BadRequest with one field violation per message.
A status without an ErrorInfo is the transport's or a failure's, never a domain error. A domain
error also carries a negative ``grpc-retry-pushback-ms``: gRPC's own retries (servicekit.grpc_client)
never repeat a call the service answered, even with UNAVAILABLE ("payments_unavailable")."""

from __future__ import annotations

import json

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from servicekit import errors

# The keepalive contract of our clients and servers: a client pings a connection every
# KEEPALIVE_TIME_MS, even idle (servicekit.grpc_client); a server accepts pings without calls as
# often as every MIN_PING_INTERVAL_MS. gRPC's server default allows none on an idle connection
# and closes it after two (GOAWAY "too_many_pings"): a call racing that close failed UNAVAILABLE,
# and a write, never retried, reached its client as a 503 after a few quiet minutes.
KEEPALIVE_TIME_MS = 30_000
MIN_PING_INTERVAL_MS = 10_000

# The ErrorInfo domain of MicroTix's domain errors.
ERROR_DOMAIN = "microtix"
# The internal credential (settings.SERVICE_TOKEN) every call but a health check must carry.
SERVICE_TOKEN_KEY = "x-service-token"
# Set on a call made by a thread that holds a turn (servicekit.turns): the call runs on it.
IN_TURN_KEY = "x-in-turn"

# Trailing metadata by which a server tells gRPC's retry policy never to repeat the call (gRFC A6).
NO_RETRY = (("grpc-retry-pushback-ms", "-1"),)

# Statuses of a call that never reached a servicer in time: the service is down, unreachable or slow.
UNREACHABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})


def error_status(exc: errors.DomainError) -> status_pb2.Status:
    """The rich status `exc` travels as."""
    info = error_details_pb2.ErrorInfo(
        reason=exc.code, domain=ERROR_DOMAIN, metadata={key: json.dumps(value) for key, value in exc.extra.items()}
    )
    details = [info]
    if exc.field_errors:
        violations = [
            error_details_pb2.BadRequest.FieldViolation(field=field, description=message)
            for field, messages in exc.field_errors.items()
            for message in messages
        ]
        details.append(error_details_pb2.BadRequest(field_violations=violations))
    packed = []
    for detail in details:
        any_detail = any_pb2.Any()
        any_detail.Pack(detail)
        packed.append(any_detail)
    return status_pb2.Status(code=exc.grpc_status.value[0], message=exc.message, details=packed)


def abort_status(exc: errors.DomainError) -> grpc.Status:
    """What a server aborts a call with to answer `exc`: its rich status, never to be retried."""
    status = rpc_status.to_status(error_status(exc))
    return _AbortStatus(status.code, status.details, (*status.trailing_metadata, *NO_RETRY))


class _AbortStatus(grpc.Status):
    def __init__(self, code, details, trailing_metadata):
        self.code, self.details, self.trailing_metadata = code, details, trailing_metadata


def error_from_status(rich: status_pb2.Status | None, status: grpc.StatusCode) -> errors.DomainError | None:
    """The domain error a rich status carries (one with an ErrorInfo of ERROR_DOMAIN), else None."""
    if rich is None:
        return None
    info, field_errors = None, {}
    for detail in rich.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            candidate = error_details_pb2.ErrorInfo()
            detail.Unpack(candidate)
            if candidate.domain == ERROR_DOMAIN:
                info = candidate
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            for violation in bad_request.field_violations:
                field_errors.setdefault(violation.field, []).append(violation.description)
    kind = errors.kind_for(status, info.reason) if info is not None else None
    if kind is None:
        return None
    extra = {key: _decoded(value) for key, value in info.metadata.items()}
    if issubclass(kind, errors.InvalidInput):
        return kind(rich.message, code=info.reason, field_errors=field_errors, extra=extra)
    return kind(rich.message, code=info.reason, extra=extra)


def _decoded(value: str):
    try:
        return json.loads(value)
    except ValueError:
        return value  # a server that sent the plain text
