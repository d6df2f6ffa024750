"""gRPC clients of the services, and the caller identity the gateway sends them."""

from servicekit.clients import events, notifications, payments, tickets
from servicekit.identity import Caller

__all__ = ["caller_for", "events", "notifications", "payments", "tickets"]

REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"


def caller_for(request) -> Caller:
    """The identity of the HTTP request's user, as services receive it."""
    user = request.user
    request_id = request.META.get(REQUEST_ID_HEADER, "")[:64]
    if not user or not user.is_authenticated:
        return Caller(request_id=request_id)
    return Caller(user_id=user.id, role=user.role, is_staff=user.is_staff, request_id=request_id)
