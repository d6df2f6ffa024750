"""Shared helpers of the events service tests: callers, times and rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc
from django.conf import settings
from django.test import override_settings

from devkit.grpc_testing import GrpcServerTestCase
from devkit.processes import ProcessStack
from event_service.events.models import Event
from protos.events.v1 import events_pb2, events_pb2_grpc
from protos.tickets.v1 import tickets_pb2
from protos.tickets.v1.tickets_pb2_grpc import TicketServiceStub
from servicekit.errors import DomainError
from servicekit.grpc_client import ServiceClient
from servicekit.identity import Caller
from servicekit.timestamps import to_timestamp

ORGANIZER = Caller(user_id=7, role="organizer")
OTHER_ORGANIZER = Caller(user_id=8, role="organizer")
CUSTOMER = Caller(user_id=9, role="customer")
STAFF = Caller(user_id=1, role="customer", is_staff=True)
ANONYMOUS = Caller()


def from_now(**delta) -> datetime:
    """An aware UTC time `delta` away from now, on a whole second (exact in every database)."""
    return (datetime.now(UTC) + timedelta(**delta)).replace(microsecond=0)


def create_request(**fields) -> events_pb2.CreateEventRequest:
    """A valid CreateEventRequest for an event in ten days; `fields` override its values
    (None leaves a field unset)."""
    starts_at = fields.pop("starts_at", from_now(days=10))
    ends_at = fields.pop("ends_at", (starts_at or from_now(days=10)) + timedelta(hours=3))
    values = {
        "name": "Jazz night",
        "description": "Live quartet",
        "venue": "Blue Room",
        "timezone": "Europe/Paris",
        "starts_at": to_timestamp(starts_at),
        "ends_at": to_timestamp(ends_at),
    }
    values.update(fields)
    return events_pb2.CreateEventRequest(**{k: v for k, v in values.items() if v is not None})


def make_event(**fields) -> Event:
    """Insert an Event row directly (no validation), e.g. one that already started."""
    starts_at = fields.pop("starts_at", from_now(days=10))
    values = {
        "organizer_id": ORGANIZER.user_id,
        "name": "Concert",
        "description": "",
        "venue": "Hall",
        "timezone": "UTC",
        "starts_at": starts_at,
        "ends_at": fields.pop("ends_at", starts_at + timedelta(hours=2)),
        "status": Event.Status.PUBLISHED,
    }
    values.update(fields)
    return Event.objects.create(**values)


class EventServiceTestCase(GrpcServerTestCase):
    """Calls the real EventService served in-process."""

    def setUp(self):
        super().setUp()
        self.client = self.grpc_client(events_pb2_grpc.EventServiceStub)

    def call(self, method: str, caller: Caller = ANONYMOUS, **fields):
        request_class = getattr(events_pb2, f"{method}Request")
        return getattr(self.client, method)(request_class(**fields), caller=caller)

    def create(self, caller: Caller = ORGANIZER, **fields) -> events_pb2.Event:
        return self.client.CreateEvent(create_request(**fields), caller=caller)

    def assertFails(self, status: grpc.StatusCode, method: str, request, caller: Caller = ANONYMOUS) -> DomainError:
        """The call fails with `status`; returns the error for further checks."""
        with self.assertRaises(DomainError) as raised:
            getattr(self.client, method)(request, caller=caller)
        self.assertEqual(raised.exception.status, status, raised.exception)
        return raised.exception


class EventServiceWithTicketsTestCase(EventServiceTestCase):
    """EventServiceTestCase beside a real tickets process, which the events service tells of
    cancellations and new starts, and which calls this in-process server back."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        tickets = ProcessStack(["tickets"], environ={"MICROTIX_EVENTS_ADDR": cls.grpc_target}).start()
        cls.addClassCleanup(tickets.stop)
        cls.tickets = ServiceClient("tickets", tickets.grpc_addrs["tickets"], TicketServiceStub, timeout=10)
        cls.enterClassContext(override_settings(GRPC_ADDRS={**settings.GRPC_ADDRS, **tickets.grpc_addrs}))

    def make_ticket_type(self, event_id: int, **fields) -> tickets_pb2.TicketType:
        request = tickets_pb2.CreateTicketTypeRequest(event_id=event_id, name="General", price="10.00", capacity=5)
        for name, value in fields.items():
            getattr(request, name).CopyFrom(value) if name.startswith("sales_") else setattr(request, name, value)
        return self.tickets.CreateTicketType(request, caller=ORGANIZER)

    def reserve(self, ticket_type_id: int) -> tickets_pb2.ReserveSeatsResponse:
        request = tickets_pb2.ReserveSeatsRequest(ticket_type_id=ticket_type_id, quantity=1, email="b@example.com")
        return self.tickets.ReserveSeats(request, caller=CUSTOMER)
