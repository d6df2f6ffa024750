"""Clients of the MicroTix services, dialled at the addresses in settings.GRPC_ADDRS."""

from django.conf import settings

from protos.events.v1 import events_pb2_grpc
from protos.notifications.v1 import notifications_pb2_grpc
from protos.payments.v1 import payments_pb2_grpc
from protos.tickets.v1 import tickets_pb2_grpc
from servicekit.grpc_client import ServiceClient

# The RPCs that may wait on the payment provider, directly or through another service: a thread
# calling one gives its turn away meanwhile (servicekit.turns); every other call runs on it.
WAITS_OUTSIDE = {
    "tickets": frozenset({"PayOrder", "CancelOrder", "RefundOrder"}),
    "payments": frozenset({"Charge", "Refund"}),
}


def _client(service: str, stub_class) -> ServiceClient:
    return ServiceClient(
        service,
        settings.GRPC_ADDRS[service],
        stub_class,
        settings.GRPC_CLIENT_TIMEOUT,
        attempts=settings.GRPC_CLIENT_RETRIES,
        waits_outside=WAITS_OUTSIDE.get(service, frozenset()),
    )


def events() -> ServiceClient:
    return _client("events", events_pb2_grpc.EventServiceStub)


def tickets() -> ServiceClient:
    return _client("tickets", tickets_pb2_grpc.TicketServiceStub)


def payments() -> ServiceClient:
    return _client("payments", payments_pb2_grpc.PaymentServiceStub)


def notifications() -> ServiceClient:
    return _client("notifications", notifications_pb2_grpc.NotificationServiceStub)
