"""Gateway middleware: request ids, HTTP metrics and turns. They come first in MIDDLEWARE, so every
later layer (and every log line) sees the request id, and the metrics time the whole request, its
wait for a turn included."""

from __future__ import annotations

import time

from django.conf import settings
from prometheus_client import Counter, Histogram

from servicekit import tracing
from servicekit.turns import Turns

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_META = "HTTP_X_REQUEST_ID"
UNMATCHED_ROUTE = "unmatched"

HTTP_REQUESTS = Counter(
    "microtix_http_requests",
    "HTTP requests the gateway answered, by route (URL pattern name), method and status.",
    ["route", "method", "status"],
)
HTTP_SECONDS = Histogram(
    "microtix_http_request_duration_seconds",
    "Time to answer an HTTP request, by route (URL pattern name) and method.",
    ["route", "method"],
)
# Anything else (WebDAV verbs, garbage) is counted as "other": labels must stay few.
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


class RequestIdMiddleware:
    """The request's id: the client's `X-Request-ID` if it is 1-64 visible ASCII characters,
    else a fresh one (32 hex digits). It is `request.request_id`, current for the whole
    request (servicekit.tracing: log lines, gRPC calls, tasks), and answered in `X-Request-ID`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = tracing.accept(request.META.get(_REQUEST_ID_META))
        request.request_id = request_id
        with tracing.request_id_context(request_id):
            response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


def route_of(request) -> str:
    """The URL pattern the request matched, by name ("event-detail", "admin:index"), else by
    its route ("api/events/<id:event_id>/"); never the raw path, whose ids would make a label
    value per object."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED_ROUTE
    return match.view_name or match.route or UNMATCHED_ROUTE


class MetricsMiddleware:
    """Counts every request by route, method and status, and times it by route and method."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        route = route_of(request)
        method = request.method if request.method in _METHODS else "other"
        HTTP_REQUESTS.labels(route, method, str(response.status_code)).inc()
        HTTP_SECONDS.labels(route, method).observe(elapsed)
        return response


class TurnsMiddleware:
    """At most RUNNING_CALLS requests of this worker run at once (servicekit.turns): the others wait
    here, before any deadline of a call to a service starts, instead of queueing inside the services.
    Health checks run at once: a probe must not time out behind a sale."""

    # By path: the route is resolved after the middleware (urls.py: health, health-live, metrics).
    EXEMPT_PATHS = ("/api/health/", "/metrics")

    def __init__(self, get_response):
        self.get_response = get_response
        # Not lent: a service's own turns bound what the gateways ask of it, however many they are.
        self.turns = Turns(settings.RUNNING_CALLS, lent=False)

    def __call__(self, request):
        if request.path_info.startswith(self.EXEMPT_PATHS):
            return self.get_response(request)
        with self.turns.turn():
            return self.get_response(request)
