"""UpdateEvent: the owner (or staff) changes the fields present in the request."""

from datetime import timedelta

from django.conf import settings
from django.test import override_settings
from grpc import StatusCode

from devkit.net import free_port
from event_service.events.models import Event
from event_service.events.tests.support import (
    ANONYMOUS,
    CUSTOMER,
    ORGANIZER,
    OTHER_ORGANIZER,
    STAFF,
    EventServiceWithTicketsTestCase,
    from_now,
    make_event,
)
from protos.events.v1 import events_pb2
from protos.tickets.v1 import tickets_pb2
from servicekit.errors import DomainError
from servicekit.timestamps import from_timestamp, to_timestamp


class UpdateEventTests(EventServiceWithTicketsTestCase):
    """A new start is told to the tickets service (UpdateEventStart) before it is saved."""

    def test_update_by_owner_changes_the_given_fields(self):
        created = self.create(name="Jazz night", description="Live quartet", venue="Blue Room")
        starts_at = from_now(days=20)
        ends_at = starts_at + timedelta(hours=1)

        event = self.call(
            "UpdateEvent",
            caller=ORGANIZER,
            id=created.id,
            name="Jazz morning",
            venue="Green Room",
            timezone="America/New_York",
            starts_at=to_timestamp(starts_at),
            ends_at=to_timestamp(ends_at),
        )

        self.assertEqual(event.name, "Jazz morning")
        self.assertEqual(event.venue, "Green Room")
        self.assertEqual(event.timezone, "America/New_York")
        self.assertEqual(from_timestamp(event.starts_at), starts_at)
        self.assertEqual(from_timestamp(event.ends_at), ends_at)
        self.assertEqual(self.call("GetEvent", id=created.id, caller=ORGANIZER), event)

    def test_update_leaves_fields_absent_from_the_request_unchanged(self):
        created = self.create(name="Jazz night", description="Live quartet", venue="Blue Room")

        event = self.call("UpdateEvent", caller=ORGANIZER, id=created.id, name="Jazz morning")

        self.assertEqual(event.description, "Live quartet")
        self.assertEqual(event.venue, "Blue Room")
        self.assertEqual(event.timezone, created.timezone)
        self.assertEqual(event.starts_at, created.starts_at)
        self.assertEqual(event.ends_at, created.ends_at)
        self.assertEqual(event.organizer_id, created.organizer_id)
        self.assertEqual(event.created_at, created.created_at)

    def test_update_to_empty_description_clears_it(self):
        created = self.create(description="Live quartet")

        event = self.call("UpdateEvent", caller=ORGANIZER, id=created.id, description="")

        self.assertEqual(event.description, "")
        self.assertEqual(Event.objects.get(pk=created.id).description, "")

    def test_update_moves_updated_at(self):
        row = make_event()
        long_ago = from_now(days=-1)
        Event.objects.filter(pk=row.id).update(created_at=long_ago, updated_at=long_ago)

        event = self.call("UpdateEvent", caller=ORGANIZER, id=row.id, name="Renamed")

        self.assertEqual(from_timestamp(event.created_at), long_ago)
        self.assertGreater(from_timestamp(event.updated_at), long_ago + timedelta(hours=23))
        self.assertGreater(Event.objects.get(pk=row.id).updated_at, long_ago + timedelta(hours=23))

    def test_update_by_another_organizer_is_permission_denied(self):
        created = self.create(name="Jazz night")
        request = events_pb2.UpdateEventRequest(id=created.id, name="Hijacked")

        error = self.assertFails(StatusCode.PERMISSION_DENIED, "UpdateEvent", request, caller=OTHER_ORGANIZER)

        self.assertEqual(error.code, "permission_denied")
        self.assertEqual(Event.objects.get(pk=created.id).name, "Jazz night")

    def test_update_by_customer_is_permission_denied(self):
        created = self.create()
        request = events_pb2.UpdateEventRequest(id=created.id, name="Hijacked")

        self.assertFails(StatusCode.PERMISSION_DENIED, "UpdateEvent", request, caller=CUSTOMER)

    def test_update_by_anonymous_caller_is_permission_denied(self):
        created = self.create()
        request = events_pb2.UpdateEventRequest(id=created.id, name="Hijacked")

        self.assertFails(StatusCode.PERMISSION_DENIED, "UpdateEvent", request, caller=ANONYMOUS)

    def test_update_by_staff_is_allowed(self):
        created = self.create(name="Jazz night")

        event = self.call("UpdateEvent", caller=STAFF, id=created.id, name="Moderated")

        self.assertEqual(event.name, "Moderated")
        self.assertEqual(event.organizer_id, ORGANIZER.user_id)

    def test_update_of_cancelled_event_fails_precondition(self):
        row = make_event(name="Jazz night", status=Event.Status.CANCELLED)
        request = events_pb2.UpdateEventRequest(id=row.id, name="Revived")

        error = self.assertFails(StatusCode.FAILED_PRECONDITION, "UpdateEvent", request, caller=ORGANIZER)

        self.assertEqual(error.code, "event_cancelled")
        self.assertEqual(Event.objects.get(pk=row.id).name, "Jazz night")

    def test_update_of_unknown_event_is_not_found(self):
        request = events_pb2.UpdateEventRequest(id=424242, name="Ghost")

        error = self.assertFails(StatusCode.NOT_FOUND, "UpdateEvent", request, caller=ORGANIZER)

        self.assertEqual(error.code, "not_found")

    def test_update_with_ends_at_before_existing_starts_at_is_invalid_argument(self):
        created = self.create(starts_at=from_now(days=10))
        request = events_pb2.UpdateEventRequest(id=created.id, ends_at=to_timestamp(from_now(days=9)))

        error = self.assertFails(StatusCode.INVALID_ARGUMENT, "UpdateEvent", request, caller=ORGANIZER)

        self.assertEqual(list(error.field_errors), ["ends_at"])
        self.assertEqual(Event.objects.get(pk=created.id).ends_at, from_timestamp(created.ends_at))

    def test_update_with_starts_at_after_existing_ends_at_is_invalid_argument(self):
        created = self.create(starts_at=from_now(days=10))
        request = events_pb2.UpdateEventRequest(id=created.id, starts_at=to_timestamp(from_now(days=11)))

        error = self.assertFails(StatusCode.INVALID_ARGUMENT, "UpdateEvent", request, caller=ORGANIZER)

        self.assertEqual(list(error.field_errors), ["ends_at"])

    def test_update_moving_starts_at_into_the_past_is_invalid_argument(self):
        created = self.create()
        request = events_pb2.UpdateEventRequest(id=created.id, starts_at=to_timestamp(from_now(hours=-1)))

        error = self.assertFails(StatusCode.INVALID_ARGUMENT, "UpdateEvent", request, caller=ORGANIZER)

        self.assertEqual(list(error.field_errors), ["starts_at"])

    def test_update_of_started_event_that_keeps_its_start_is_allowed(self):
        row = make_event(starts_at=from_now(hours=-1), ends_at=from_now(hours=1))
        new_end = from_now(hours=3)

        event = self.call("UpdateEvent", caller=ORGANIZER, id=row.id, ends_at=to_timestamp(new_end))

        self.assertEqual(from_timestamp(event.ends_at), new_end)

    def test_update_with_blank_name_is_invalid_argument(self):
        created = self.create()
        request = events_pb2.UpdateEventRequest(id=created.id, name="  ")

        error = self.assertFails(StatusCode.INVALID_ARGUMENT, "UpdateEvent", request, caller=ORGANIZER)

        self.assertEqual(list(error.field_errors), ["name"])

    def test_update_with_unknown_timezone_is_invalid_argument(self):
        created = self.create()
        request = events_pb2.UpdateEventRequest(id=created.id, timezone="Europe/Atlantis")

        error = self.assertFails(StatusCode.INVALID_ARGUMENT, "UpdateEvent", request, caller=ORGANIZER)

        self.assertEqual(list(error.field_errors), ["timezone"])


class NewStartTests(EventServiceWithTicketsTestCase):
    """The tickets service learns a new start before it is saved: its types' sales end by it."""

    def ticket_type_of(self, event_id: int, type_id: int) -> tickets_pb2.TicketType:
        listed = self.tickets.ListTicketTypes(tickets_pb2.ListTicketTypesRequest(event_id=event_id))
        return next(ticket_type for ticket_type in listed.ticket_types if ticket_type.id == type_id)

    def move(self, event_id: int, starts_at) -> events_pb2.Event:
        request = events_pb2.UpdateEventRequest(
            id=event_id, starts_at=to_timestamp(starts_at), ends_at=to_timestamp(starts_at + timedelta(hours=2))
        )
        return self.client.UpdateEvent(request, caller=ORGANIZER)

    def test_a_new_start_ends_the_sales_of_types_without_a_sales_end_then(self):
        created = self.create(starts_at=from_now(days=10))
        ticket_type = self.make_ticket_type(created.id)
        new_start = from_now(days=3)

        self.move(created.id, new_start)

        self.assertEqual(from_timestamp(self.ticket_type_of(created.id, ticket_type.id).sales_end), new_start)

    def test_a_type_with_a_sales_end_of_its_own_keeps_it_when_the_start_moves(self):
        created = self.create(starts_at=from_now(days=10))
        own_end = from_now(days=5)
        ticket_type = self.make_ticket_type(created.id, sales_end=to_timestamp(own_end))

        self.move(created.id, from_now(days=3))

        self.assertEqual(from_timestamp(self.ticket_type_of(created.id, ticket_type.id).sales_end), own_end)

    def test_a_new_start_while_the_tickets_service_is_down_is_unavailable_and_changes_nothing(self):
        created = self.create(starts_at=from_now(days=10))

        tickets_down = override_settings(GRPC_ADDRS={**settings.GRPC_ADDRS, "tickets": f"127.0.0.1:{free_port()}"})
        with tickets_down, self.assertRaises(DomainError) as raised:
            self.move(created.id, from_now(days=3))

        self.assertEqual(raised.exception.code, "tickets_unavailable")
        self.assertEqual(Event.objects.get(pk=created.id).starts_at, from_timestamp(created.starts_at))

    def test_a_change_that_keeps_the_start_does_not_need_the_tickets_service(self):
        created = self.create(name="Jazz night")

        with override_settings(GRPC_ADDRS={**settings.GRPC_ADDRS, "tickets": f"127.0.0.1:{free_port()}"}):
            event = self.call("UpdateEvent", caller=ORGANIZER, id=created.id, name="Jazz morning")

        self.assertEqual(event.name, "Jazz morning")
