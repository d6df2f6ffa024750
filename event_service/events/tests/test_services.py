"""The writes called directly, where that says more than a gRPC round trip."""

from django.test import TestCase

from event_service.events import services
from event_service.events.models import Event
from event_service.events.tests.support import ORGANIZER, STAFF, from_now, make_event
from servicekit.errors import InvalidInput


class UpdateEventServiceTests(TestCase):
    def test_update_of_a_field_that_is_not_editable_is_invalid_input(self):
        event = make_event()

        with self.assertRaises(InvalidInput) as raised:
            services.update_event(caller=ORGANIZER, event_id=event.id, changes={"organizer_id": 99, "status": "x"})

        self.assertEqual(set(raised.exception.field_errors), {"organizer_id", "status"})
        event.refresh_from_db()
        self.assertEqual(event.organizer_id, ORGANIZER.user_id)

    def test_update_by_staff_keeps_the_owner(self):
        event = make_event()

        updated = services.update_event(caller=STAFF, event_id=event.id, changes={"venue": " Arena "})

        self.assertEqual(updated.venue, "Arena")
        self.assertEqual(Event.objects.get(pk=event.id).organizer_id, ORGANIZER.user_id)


class CancelEventServiceTests(TestCase):
    def test_cancelling_a_cancelled_event_does_not_write(self):
        event = make_event(status=Event.Status.CANCELLED)
        long_ago = from_now(days=-1)
        Event.objects.filter(pk=event.id).update(updated_at=long_ago)

        services.cancel_event(caller=ORGANIZER, event_id=event.id)

        self.assertEqual(Event.objects.get(pk=event.id).updated_at, long_ago)
