"""UpdateEvent: the owner (or staff) changes the fields present in the request."""

from datetime import timedelta

from grpc import StatusCode

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
from servicekit.timestamps import from_timestamp, to_timestamp


class UpdateEventTests(EventServiceTestCase):
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
        self.assertEqual(self.call("GetEvent", id=created.id), event)

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
