"""Every API error as JSON: validation errors are a field -> messages map (400);
everything else carries `detail` (human) and `code` (machine)."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.views.defaults import page_not_found
from rest_framework import exceptions, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from servicekit import errors
from servicekit.db_connections import is_database_busy

log = logging.getLogger("microtix.api")

# What a client is told to wait before trying a 503 again.
RETRY_AFTER_SECONDS = "5"


def domain_error_response(exc: errors.DomainError) -> Response:
    """A domain error (a service's, passed on by the client, or the gateway's own) as its kind's HTTP status."""
    if isinstance(exc, errors.InvalidInput) and exc.field_errors:
        return Response(exc.field_errors, status=status.HTTP_400_BAD_REQUEST)
    response = Response({"detail": exc.message, "code": exc.code, **exc.extra}, status=exc.http_status)
    if exc.http_status == status.HTTP_503_SERVICE_UNAVAILABLE:
        response["Retry-After"] = RETRY_AFTER_SECONDS
    return response


def exception_handler(exc, context):
    if isinstance(exc, errors.DomainError):
        return domain_error_response(exc)
    if is_database_busy(exc):
        # The gateway's own database work lost to other transactions' locks or found no connection
        # free (servicekit.db_connections): the client may try again, as for a service's.
        log.warning("database busy: %s", exc, exc_info=True)
        return domain_error_response(errors.DatabaseBusy())
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
