"""CancelEvent: the owner (or staff) cancels; cancelling twice is harmless."""

from django.conf import settings
from django.test import override_settings
from grpc import StatusCode

from devkit.net import free_port
from devkit.processes import ProcessStack
from event_service.events.models import Event
from event_service.events.tests.support import (
    ANONYMOUS,
    CUSTOMER,
    ORGANIZER,
    OTHER_ORGANIZER,
    STAFF,
    EventServiceTestCase,
    from_now,
    make_event,
)
from protos.events.v1 import events_pb2
from protos.tickets.v1 import tickets_pb2
from protos.tickets.v1.tickets_pb2_grpc import TicketServiceStub
from servicekit.errors import DomainError
from servicekit.grpc_client import ServiceClient
from servicekit.timestamps import from_timestamp


class CancelEventTests(EventServiceTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Cancelling asks the tickets service to stop sales; it calls back this in-process server.
        tickets = ProcessStack(["tickets"], environ={"MICROTIX_EVENTS_ADDR": cls.grpc_target}).start()
        cls.addClassCleanup(tickets.stop)
        cls.tickets = ServiceClient("tickets", tickets.grpc_addrs["tickets"], TicketServiceStub, timeout=10)
        cls.enterClassContext(override_settings(GRPC_ADDRS={**settings.GRPC_ADDRS, **tickets.grpc_addrs}))

    def test_cancel_by_owner_makes_the_event_cancelled(self):
        created = self.create(name="Jazz night")

        event = self.call("CancelEvent", caller=ORGANIZER, id=created.id)

        self.assertEqual(event.status, events_pb2.EVENT_STATUS_CANCELLED)
        self.assertEqual(event.name, "Jazz night")
        self.assertEqual(Event.objects.get(pk=created.id).status, Event.Status.CANCELLED)

    def test_cancel_moves_updated_at(self):
        row = make_event()
        long_ago = from_now(days=-1)
        Event.objects.filter(pk=row.id).update(created_at=long_ago, updated_at=long_ago)

        event = self.call("CancelEvent", caller=ORGANIZER, id=row.id)

        self.assertEqual(from_timestamp(event.created_at), long_ago)
        self.assertGreater(from_timestamp(event.updated_at), from_now(hours=-1))
        self.assertGreater(Event.objects.get(pk=row.id).updated_at, from_now(hours=-1))

    def test_cancelled_event_leaves_the_public_listing(self):
        created = self.create()

        self.call("CancelEvent", caller=ORGANIZER, id=created.id)

        self.assertEqual(list(self.call("ListEvents").events), [])

    def test_second_cancel_succeeds_and_event_stays_cancelled(self):
        created = self.create()
        first = self.call("CancelEvent", caller=ORGANIZER, id=created.id)

        second = self.call("CancelEvent", caller=ORGANIZER, id=created.id)

        self.assertEqual(second.status, events_pb2.EVENT_STATUS_CANCELLED)
        self.assertEqual(second.updated_at, first.updated_at)
        self.assertEqual(Event.objects.get(pk=created.id).status, Event.Status.CANCELLED)

    def test_cancel_by_staff_is_allowed(self):
        created = self.create()

        event = self.call("CancelEvent", caller=STAFF, id=created.id)

        self.assertEqual(event.status, events_pb2.EVENT_STATUS_CANCELLED)

    def test_cancel_by_another_organizer_is_permission_denied(self):
        created = self.create()

        error = self.assertFails(
            StatusCode.PERMISSION_DENIED,
            "CancelEvent",
            events_pb2.CancelEventRequest(id=created.id),
            caller=OTHER_ORGANIZER,
        )

        self.assertEqual(error.code, "permission_denied")
        self.assertEqual(Event.objects.get(pk=created.id).status, Event.Status.PUBLISHED)

    def test_cancel_by_anonymous_caller_is_permission_denied(self):
        created = self.create()

        self.assertFails(
            StatusCode.PERMISSION_DENIED, "CancelEvent", events_pb2.CancelEventRequest(id=created.id), caller=ANONYMOUS
        )

    def test_cancel_of_unknown_event_is_not_found(self):
        error = self.assertFails(
            StatusCode.NOT_FOUND, "CancelEvent", events_pb2.CancelEventRequest(id=424242), caller=ORGANIZER
        )

        self.assertEqual(error.code, "not_found")

    def test_cancel_stops_the_events_ticket_sales(self):
        created = self.create()
        ticket_type = self.tickets.CreateTicketType(
            tickets_pb2.CreateTicketTypeRequest(event_id=created.id, name="General", price="10.00", capacity=5),
            caller=ORGANIZER,
        )

        self.call("CancelEvent", caller=ORGANIZER, id=created.id)

        with self.assertRaises(DomainError) as raised:
            self.tickets.ReserveSeats(
                tickets_pb2.ReserveSeatsRequest(ticket_type_id=ticket_type.id, quantity=1, email="b@example.com"),
                caller=CUSTOMER,
            )
        self.assertEqual(raised.exception.code, "event_cancelled")

    def test_cancel_while_the_tickets_service_is_down_is_unavailable_and_leaves_the_event_published(self):
        created = self.create()

        with override_settings(GRPC_ADDRS={**settings.GRPC_ADDRS, "tickets": f"127.0.0.1:{free_port()}"}):
            self.assertFails(
                StatusCode.UNAVAILABLE, "CancelEvent", events_pb2.CancelEventRequest(id=created.id), caller=ORGANIZER
            )

        self.assertEqual(Event.objects.get(pk=created.id).status, Event.Status.PUBLISHED)
