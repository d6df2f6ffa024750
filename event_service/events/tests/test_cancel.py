"""CancelEvent: the owner (or staff) cancels; cancelling twice is harmless."""

from django.conf import settings
from django.test import override_settings
from grpc import StatusCode

from devkit.net import free_port
from event_service.events.models import Event
from event_service.events.tests.support import (
    ANONYMOUS,
    ORGANIZER,
    OTHER_ORGANIZER,
    STAFF,
    EventServiceWithTicketsTestCase,
    from_now,
    make_event,
)
from protos.events.v1 import events_pb2
from servicekit.errors import DomainError
from servicekit.timestamps import from_timestamp


class CancelEventTests(EventServiceWithTicketsTestCase):
    """Cancelling asks the tickets service to stop sales first."""

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
        ticket_type = self.make_ticket_type(created.id)

        self.call("CancelEvent", caller=ORGANIZER, id=created.id)

        with self.assertRaises(DomainError) as raised:
            self.reserve(ticket_type.id)
        self.assertEqual(raised.exception.code, "event_cancelled")

    def test_cancel_while_the_tickets_service_is_down_is_unavailable_and_leaves_the_event_published(self):
        created = self.create()

        with override_settings(GRPC_ADDRS={**settings.GRPC_ADDRS, "tickets": f"127.0.0.1:{free_port()}"}):
            self.assertFails(
                StatusCode.UNAVAILABLE, "CancelEvent", events_pb2.CancelEventRequest(id=created.id), caller=ORGANIZER
            )

        self.assertEqual(Event.objects.get(pk=created.id).status, Event.Status.PUBLISHED)
