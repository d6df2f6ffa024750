"""gRPC clients of the services, and the caller identity the gateway sends them."""

from django.conf import settings

from protos.events.v1 import events_pb2_grpc
from servicekit.grpc_client import ServiceClient
from servicekit.identity import Caller

REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"


def events() -> ServiceClient:
    return ServiceClient(
        "events", settings.GRPC_ADDRS["events"], events_pb2_grpc.EventServiceStub, settings.GRPC_CLIENT_TIMEOUT
    )


def caller_for(request) -> Caller:
    """The identity of the HTTP request's user, as services receive it."""
    user = request.user
    request_id = request.META.get(REQUEST_ID_HEADER, "")[:64]
    if not user or not user.is_authenticated:
        return Caller(request_id=request_id)
    return Caller(user_id=user.id, role=user.role, is_staff=user.is_staff, request_id=request_id)
