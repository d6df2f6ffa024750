"""Clients of the MicroTix services, dialled at the addresses in settings.GRPC_ADDRS."""

from django.conf import settings

from protos.events.v1 import events_pb2_grpc
from protos.notifications.v1 import notifications_pb2_grpc
from protos.payments.v1 import payments_pb2_grpc
from protos.tickets.v1 import tickets_pb2_grpc
from servicekit.grpc_client import ServiceClient


def _client(service: str, stub_class) -> ServiceClient:
    return ServiceClient(
        service,
        settings.GRPC_ADDRS[service],
        stub_class,
        settings.GRPC_CLIENT_TIMEOUT,
        attempts=settings.GRPC_CLIENT_RETRIES,
    )


def events() -> ServiceClient:
    return _client("events", events_pb2_grpc.EventServiceStub)


def tickets() -> ServiceClient:
    return _client("tickets", tickets_pb2_grpc.TicketServiceStub)


def payments() -> ServiceClient:
    return _client("payments", payments_pb2_grpc.PaymentServiceStub)


def notifications() -> ServiceClient:
    return _client("notifications", notifications_pb2_grpc.NotificationServiceStub)
