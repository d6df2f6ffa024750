"""GetEvent: one event by id, whatever its status."""

from grpc import StatusCode

from event_service.events.models import Event
from event_service.events.tests.support import ANONYMOUS, ORGANIZER, EventServiceTestCase, from_now, make_event
from protos.events.v1 import events_pb2
from servicekit.timestamps import from_timestamp


class GetEventTests(EventServiceTestCase):
    def test_get_returns_the_event_as_created(self):
        created = self.create(name="Jazz night")

        event = self.call("GetEvent", id=created.id)

        self.assertEqual(event, created)

    def test_get_is_open_to_anonymous_callers(self):
        row = make_event(name="Open air", starts_at=from_now(days=3))

        event = self.call("GetEvent", caller=ANONYMOUS, id=row.id)

        self.assertEqual(event.id, row.id)
        self.assertEqual(event.name, "Open air")
        self.assertEqual(event.organizer_id, ORGANIZER.user_id)
        self.assertEqual(from_timestamp(event.starts_at), row.starts_at)

    def test_get_of_cancelled_event_is_still_readable(self):
        row = make_event(status=Event.Status.CANCELLED)

        event = self.call("GetEvent", id=row.id)

        self.assertEqual(event.status, events_pb2.EVENT_STATUS_CANCELLED)

    def test_get_of_past_event_is_still_readable(self):
        row = make_event(starts_at=from_now(days=-30))

        event = self.call("GetEvent", id=row.id)

        self.assertEqual(event.id, row.id)

    def test_get_of_unknown_event_is_not_found(self):
        error = self.assertFails(StatusCode.NOT_FOUND, "GetEvent", events_pb2.GetEventRequest(id=424242))

        self.assertEqual(error.code, "not_found")
