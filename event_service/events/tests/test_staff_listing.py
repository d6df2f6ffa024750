"""ListEvents for the back office: every event (all_statuses, staff only) and the status filter."""

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
from servicekit.timestamps import to_timestamp


class StaffListingTests(EventServiceTestCase):
    def ids(self, caller=STAFF, **fields) -> list[int]:
        return [event.id for event in self.call("ListEvents", caller=caller, all_statuses=True, **fields).events]

    def test_staff_listing_has_every_event_of_any_status_and_date_in_start_order(self):
        past = make_event(starts_at=from_now(days=-30))
        cancelled = make_event(starts_at=from_now(days=3), status=Event.Status.CANCELLED)
        upcoming = make_event(starts_at=from_now(days=6), organizer_id=OTHER_ORGANIZER.user_id)
        started = make_event(starts_at=from_now(hours=-1), ends_at=from_now(hours=1))

        self.assertEqual(self.ids(), [past.id, started.id, cancelled.id, upcoming.id])

    def test_staff_listing_is_refused_to_everyone_else(self):
        make_event()
        request = events_pb2.ListEventsRequest(all_statuses=True)

        for caller in (ANONYMOUS, CUSTOMER, ORGANIZER):
            with self.subTest(caller=caller):
                error = self.assertFails(StatusCode.PERMISSION_DENIED, "ListEvents", request, caller=caller)
                self.assertEqual(error.code, "permission_denied")

    def test_status_filter_keeps_one_status(self):
        published = make_event(starts_at=from_now(days=-2))
        cancelled = make_event(starts_at=from_now(days=2), status=Event.Status.CANCELLED)

        self.assertEqual(self.ids(status="published"), [published.id])
        self.assertEqual(self.ids(status="cancelled"), [cancelled.id])
        self.assertEqual(self.ids(status=""), [published.id, cancelled.id])

    def test_date_range_applies_to_every_status(self):
        make_event(starts_at=from_now(days=-20))
        inside_past = make_event(starts_at=from_now(days=-5), status=Event.Status.CANCELLED)
        inside_future = make_event(starts_at=from_now(days=5))
        make_event(starts_at=from_now(days=20))

        ids = self.ids(starts_after=to_timestamp(from_now(days=-10)), starts_before=to_timestamp(from_now(days=10)))

        self.assertEqual(ids, [inside_past.id, inside_future.id])

    def test_staff_listing_combines_with_query_and_organizer(self):
        mine = make_event(name="Jazz past", starts_at=from_now(days=-3), status=Event.Status.CANCELLED)
        make_event(name="Jazz elsewhere", organizer_id=OTHER_ORGANIZER.user_id)
        make_event(name="Rock", starts_at=from_now(days=1))

        self.assertEqual(self.ids(query="jazz", organizer_id=ORGANIZER.user_id), [mine.id])

    def test_staff_listing_paginates_by_start_and_id_across_statuses_and_dates(self):
        start = from_now(days=-3)
        events = [
            make_event(starts_at=start + timedelta(days=d // 2), status=status)
            for d, status in enumerate([Event.Status.CANCELLED, Event.Status.PUBLISHED] * 4)
        ]
        expected = [e.id for e in sorted(events, key=lambda e: (e.starts_at, e.id))]

        seen, token = [], ""
        for _ in range(10):
            page = self.call("ListEvents", caller=STAFF, all_statuses=True, page_size=3, page_token=token)
            seen += [event.id for event in page.events]
            token = page.next_page_token
            if not token:
                break

        self.assertEqual(seen, expected)

    def test_staff_listing_returns_cancelled_events_with_their_status(self):
        make_event(status=Event.Status.CANCELLED)

        (event,) = self.call("ListEvents", caller=STAFF, all_statuses=True).events

        self.assertEqual(event.status, events_pb2.EVENT_STATUS_CANCELLED)


class StatusFilterTests(EventServiceTestCase):
    def test_unknown_status_is_invalid_argument(self):
        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT, "ListEvents", events_pb2.ListEventsRequest(status="deleted"), caller=STAFF
        )

        self.assertEqual(list(error.field_errors), ["status"])

    def test_status_filter_narrows_an_organizers_listing(self):
        make_event(starts_at=from_now(days=1))
        cancelled = make_event(starts_at=from_now(days=2), status=Event.Status.CANCELLED)

        response = self.call("ListEvents", organizer_id=ORGANIZER.user_id, status="cancelled")

        self.assertEqual([e.id for e in response.events], [cancelled.id])

    def test_public_listing_stays_published_upcoming_whatever_the_status_filter(self):
        make_event(status=Event.Status.CANCELLED)
        published = make_event()

        self.assertEqual([e.id for e in self.call("ListEvents", status="published").events], [published.id])
        self.assertEqual(list(self.call("ListEvents", status="cancelled").events), [])

    def test_staff_without_all_statuses_get_the_public_listing(self):
        make_event(starts_at=from_now(days=-1))
        make_event(status=Event.Status.CANCELLED)
        upcoming = make_event()

        self.assertEqual([e.id for e in self.call("ListEvents", caller=STAFF).events], [upcoming.id])

    def test_the_total_count_is_every_event_of_the_filters_on_every_page(self):
        for days in (1, 2, 3):
            make_event(starts_at=from_now(days=days))
        make_event(starts_at=from_now(days=4), status=Event.Status.CANCELLED)

        first = self.call(
            "ListEvents", caller=STAFF, all_statuses=True, status="published", page_size=2, with_total_count=True
        )
        second = self.call(
            "ListEvents",
            caller=STAFF,
            all_statuses=True,
            status="published",
            page_size=2,
            page_token=first.next_page_token,
            with_total_count=True,
        )

        self.assertEqual((first.total_count, second.total_count), (3, 3))

    def test_events_are_not_counted_unless_asked(self):
        make_event()

        self.assertEqual(self.call("ListEvents", caller=STAFF, all_statuses=True).total_count, 0)
