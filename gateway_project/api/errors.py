"""Every API error as JSON: validation errors are a field -> messages map (400);
everything else carries `detail` (human) and `code` (machine)."""

import logging

import grpc
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.views.defaults import page_not_found
from rest_framework import exceptions, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from servicekit.db_connections import DATABASE_BUSY_CODE, is_database_busy
from servicekit.grpc_client import RemoteError

log = logging.getLogger("microtix.api")

HTTP_STATUS_BY_GRPC = {
    grpc.StatusCode.INVALID_ARGUMENT: status.HTTP_400_BAD_REQUEST,
    grpc.StatusCode.OUT_OF_RANGE: status.HTTP_400_BAD_REQUEST,
    grpc.StatusCode.PERMISSION_DENIED: status.HTTP_403_FORBIDDEN,
    grpc.StatusCode.NOT_FOUND: status.HTTP_404_NOT_FOUND,
    grpc.StatusCode.ALREADY_EXISTS: status.HTTP_409_CONFLICT,
    grpc.StatusCode.FAILED_PRECONDITION: status.HTTP_409_CONFLICT,
    grpc.StatusCode.ABORTED: status.HTTP_409_CONFLICT,
    grpc.StatusCode.RESOURCE_EXHAUSTED: status.HTTP_429_TOO_MANY_REQUESTS,
    grpc.StatusCode.UNAVAILABLE: status.HTTP_503_SERVICE_UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED: status.HTTP_503_SERVICE_UNAVAILABLE,
}
# UNAUTHENTICATED is not here: a service refusing the gateway's internal credential is the gateway's
# misconfiguration (a 502), not the end user's to fix by logging in again.
# Domain codes whose HTTP status is more specific than their gRPC status's.
HTTP_STATUS_BY_CODE = {"payment_declined": status.HTTP_402_PAYMENT_REQUIRED}
UNREACHABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}
# What a client is told to wait before trying a 503 again.
RETRY_AFTER_SECONDS = "5"


def remote_error_response(exc: RemoteError) -> Response:
    if exc.status == grpc.StatusCode.INVALID_ARGUMENT and exc.field_errors:
        return Response(exc.field_errors, status=status.HTTP_400_BAD_REQUEST)
    http_status = HTTP_STATUS_BY_CODE.get(exc.code) or HTTP_STATUS_BY_GRPC.get(exc.status, status.HTTP_502_BAD_GATEWAY)
    if exc.status == grpc.StatusCode.RESOURCE_EXHAUSTED and not exc.code:
        # Refused by the service's own cap on calls at once (servicekit.grpc_server): overload, not the client's rate.
        http_status = status.HTTP_503_SERVICE_UNAVAILABLE
        detail, code = f"The {exc.service} service is busy; try again shortly.", f"{exc.service}_busy"
    elif exc.status in UNREACHABLE and not exc.code:
        detail, code = f"The {exc.service} service is unavailable; try again shortly.", f"{exc.service}_unavailable"
    elif http_status == status.HTTP_502_BAD_GATEWAY:
        detail, code = f"The {exc.service} service failed to answer.", f"{exc.service}_error"
    else:
        detail, code = exc.message, exc.code or exc.status.name.lower()
    response = Response({"detail": detail, "code": code, **exc.extra}, status=http_status)
    if http_status == status.HTTP_503_SERVICE_UNAVAILABLE:
        response["Retry-After"] = RETRY_AFTER_SECONDS
    return response


def database_busy_response() -> Response:
    """503 for the gateway's own database work that lost to other transactions' locks or found no
    connection free (servicekit.db_connections): the client may try again, as for a service's."""
    response = Response(
        {"detail": "The database is busy; try again shortly.", "code": DATABASE_BUSY_CODE},
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
    )
    response["Retry-After"] = RETRY_AFTER_SECONDS
    return response


def exception_handler(exc, context):
    if isinstance(exc, RemoteError):
        return remote_error_response(exc)
    if is_database_busy(exc):
        log.warning("database busy: %s", exc, exc_info=True)
        return database_busy_response()
    # DRF converts these internally too, but we need the converted exception for its code.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = drf_exception_handler(exc, context)
    if response is None or isinstance(exc, ValidationError):
        return response
    if isinstance(response.data, dict) and "code" not in response.data:
        codes = exc.get_codes()
        response.data["code"] = codes if isinstance(codes, str) else "error"
    return response


def not_found(request, exception):
    """Django's 404 for a URL nothing routes (e.g. /api/events/abc/): JSON like every API error under /api/,
    Django's HTML page elsewhere (the admin)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=status.HTTP_404_NOT_FOUND)
    return page_not_found(request, exception)
