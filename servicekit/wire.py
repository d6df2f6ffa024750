"""The gRPC wire contract between MicroTix servers (servicekit.grpc_server) and clients
(servicekit.grpc_client): the metadata keys a call and an error carry, how a domain error's kind
maps to a status code, and the keepalive both sides agree on. Neither side imports the other."""

from __future__ import annotations

import grpc

from servicekit import errors

# The keepalive contract of our clients and servers: a client pings a connection every
# KEEPALIVE_TIME_MS, even idle (servicekit.grpc_client); a server accepts pings without calls as
# often as every MIN_PING_INTERVAL_MS. gRPC's server default allows none on an idle connection
# and closes it after two (GOAWAY "too_many_pings"): a call racing that close failed UNAVAILABLE,
# and a write, never retried, reached its client as a 503 after a few quiet minutes.
KEEPALIVE_TIME_MS = 30_000
MIN_PING_INTERVAL_MS = 10_000

# Trailing metadata of a refused call: the error's machine code, field errors, extra details.
ERROR_CODE_KEY = "x-error-code"
FIELD_ERRORS_KEY = "x-field-errors"
EXTRA_KEY = "x-error-extra"
# The internal credential (settings.SERVICE_TOKEN) every call but a health check must carry.
SERVICE_TOKEN_KEY = "x-service-token"

STATUS_BY_ERROR = {
    errors.NotFound: grpc.StatusCode.NOT_FOUND,
    errors.InvalidInput: grpc.StatusCode.INVALID_ARGUMENT,
    errors.Forbidden: grpc.StatusCode.PERMISSION_DENIED,
    errors.Conflict: grpc.StatusCode.FAILED_PRECONDITION,
    errors.AlreadyExists: grpc.StatusCode.ALREADY_EXISTS,
    errors.Unavailable: grpc.StatusCode.UNAVAILABLE,
}
