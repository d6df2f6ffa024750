"""CreateEvent: organizers publish events they own."""

from datetime import timedelta

from grpc import StatusCode

from event_service.events.models import Event
from event_service.events.tests.support import (
    ANONYMOUS,
    CUSTOMER,
    ORGANIZER,
    STAFF,
    EventServiceTestCase,
    create_request,
    from_now,
)
from protos.events.v1 import events_pb2
from servicekit.timestamps import from_timestamp, to_timestamp


class CreateEventTests(EventServiceTestCase):
    def test_create_returns_the_published_event_owned_by_the_caller(self):
        starts_at = from_now(days=10)
        ends_at = starts_at + timedelta(hours=3)
        request = events_pb2.CreateEventRequest(
            name="Jazz night",
            description="Live quartet",
            venue="Blue Room",
            timezone="Europe/Paris",
            starts_at=to_timestamp(starts_at),
            ends_at=to_timestamp(ends_at),
        )

        event = self.client.CreateEvent(request, caller=ORGANIZER)

        self.assertGreater(event.id, 0)
        self.assertEqual(event.organizer_id, ORGANIZER.user_id)
        self.assertEqual(event.name, "Jazz night")
        self.assertEqual(event.description, "Live quartet")
        self.assertEqual(event.venue, "Blue Room")
        self.assertEqual(event.timezone, "Europe/Paris")
        self.assertEqual(from_timestamp(event.starts_at), starts_at)
        self.assertEqual(from_timestamp(event.ends_at), ends_at)
        self.assertEqual(event.status, events_pb2.EVENT_STATUS_PUBLISHED)
        self.assertTrue(event.HasField("created_at"))
        self.assertTrue(event.HasField("updated_at"))

    def test_create_stores_the_event(self):
        event = self.create(name="Stored")

        stored = Event.objects.get(pk=event.id)
        self.assertEqual(stored.name, "Stored")
        self.assertEqual(stored.organizer_id, ORGANIZER.user_id)
        self.assertEqual(stored.status, Event.Status.PUBLISHED)

    def test_create_trims_name_and_venue(self):
        event = self.create(name="  Jazz night  ", venue="  Blue Room ")

        self.assertEqual(event.name, "Jazz night")
        self.assertEqual(event.venue, "Blue Room")

    def test_create_without_timezone_defaults_to_utc(self):
        event = self.create(timezone="")

        self.assertEqual(event.timezone, "UTC")

    def test_create_by_staff_is_allowed(self):
        event = self.create(caller=STAFF)

        self.assertEqual(event.organizer_id, STAFF.user_id)

    def test_create_with_blank_name_is_invalid_argument(self):
        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT, "CreateEvent", create_request(name="   "), caller=ORGANIZER
        )

        self.assertEqual(list(error.field_errors), ["name"])

    def test_create_with_name_over_200_characters_is_invalid_argument(self):
        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT, "CreateEvent", create_request(name="x" * 201), caller=ORGANIZER
        )

        self.assertEqual(list(error.field_errors), ["name"])

    def test_create_with_ends_at_before_starts_at_is_invalid_argument(self):
        starts_at = from_now(days=10)
        request = create_request(starts_at=starts_at, ends_at=starts_at - timedelta(hours=1))

        error = self.assertFails(StatusCode.INVALID_ARGUMENT, "CreateEvent", request, caller=ORGANIZER)

        self.assertEqual(list(error.field_errors), ["ends_at"])

    def test_create_with_ends_at_equal_to_starts_at_is_invalid_argument(self):
        starts_at = from_now(days=10)
        request = create_request(starts_at=starts_at, ends_at=starts_at)

        error = self.assertFails(StatusCode.INVALID_ARGUMENT, "CreateEvent", request, caller=ORGANIZER)

        self.assertEqual(list(error.field_errors), ["ends_at"])

    def test_create_with_starts_at_in_the_past_is_invalid_argument(self):
        request = create_request(starts_at=from_now(hours=-1))

        error = self.assertFails(StatusCode.INVALID_ARGUMENT, "CreateEvent", request, caller=ORGANIZER)

        self.assertEqual(list(error.field_errors), ["starts_at"])

    def test_create_without_starts_at_is_invalid_argument(self):
        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT, "CreateEvent", create_request(starts_at=None), caller=ORGANIZER
        )

        self.assertEqual(list(error.field_errors), ["starts_at"])

    def test_create_without_ends_at_is_invalid_argument(self):
        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT, "CreateEvent", create_request(ends_at=None), caller=ORGANIZER
        )

        self.assertEqual(list(error.field_errors), ["ends_at"])

    def test_create_with_unknown_timezone_is_invalid_argument(self):
        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT, "CreateEvent", create_request(timezone="Mars/Olympus"), caller=ORGANIZER
        )

        self.assertEqual(list(error.field_errors), ["timezone"])
        self.assertEqual(error.code, "invalid")

    def test_create_reports_every_invalid_field_at_once(self):
        request = create_request(name="", timezone="Nowhere", starts_at=None)

        error = self.assertFails(StatusCode.INVALID_ARGUMENT, "CreateEvent", request, caller=ORGANIZER)

        self.assertEqual(set(error.field_errors), {"name", "timezone", "starts_at"})

    def test_invalid_create_stores_nothing(self):
        self.assertFails(StatusCode.INVALID_ARGUMENT, "CreateEvent", create_request(name=""), caller=ORGANIZER)

        self.assertFalse(Event.objects.exists())

    def test_create_by_customer_is_permission_denied(self):
        error = self.assertFails(StatusCode.PERMISSION_DENIED, "CreateEvent", create_request(), caller=CUSTOMER)

        self.assertEqual(error.code, "permission_denied")
        self.assertFalse(Event.objects.exists())

    def test_create_by_anonymous_caller_is_permission_denied(self):
        self.assertFails(StatusCode.PERMISSION_DENIED, "CreateEvent", create_request(), caller=ANONYMOUS)

        self.assertFalse(Event.objects.exists())
