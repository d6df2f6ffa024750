"""gRPC clients of the services, and the caller identity the gateway sends them."""

from servicekit.clients import events, notifications, payments, tickets
from servicekit.identity import Caller
from servicekit.tracing import current_request_id

__all__ = ["caller_for", "events", "notifications", "payments", "tickets"]


def caller_for(request) -> Caller:
    """The identity of the HTTP request's user, as services receive it, with the request's id
    (RequestIdMiddleware's: the client's valid X-Request-ID or a fresh one)."""
    user = request.user
    request_id = getattr(request, "request_id", "") or current_request_id()
    if not user or not user.is_authenticated:
        return Caller(request_id=request_id)
    return Caller(
        user_id=user.id, role=user.role, is_staff=user.is_staff, request_id=request_id, email=user.email.lower()
    )
