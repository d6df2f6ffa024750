"""ListEvents: public listing, an organizer's listing, filters and keyset pagination."""

import base64
from datetime import timedelta

from grpc import StatusCode

from event_service.events.models import Event
from event_service.events.tests.support import ORGANIZER, OTHER_ORGANIZER, EventServiceTestCase, from_now, make_event
from protos.events.v1 import events_pb2
from servicekit.timestamps import to_timestamp


class PublicListingTests(EventServiceTestCase):
    def ids(self, **fields) -> list[int]:
        return [event.id for event in self.call("ListEvents", **fields).events]

    def test_public_listing_is_published_future_events_soonest_first(self):
        later = make_event(starts_at=from_now(days=20))
        sooner = make_event(starts_at=from_now(days=2))
        other_organizers = make_event(starts_at=from_now(days=5), organizer_id=OTHER_ORGANIZER.user_id)

        self.assertEqual(self.ids(), [sooner.id, other_organizers.id, later.id])

    def test_public_listing_leaves_out_cancelled_events(self):
        make_event(status=Event.Status.CANCELLED)
        published = make_event()

        self.assertEqual(self.ids(), [published.id])

    def test_public_listing_leaves_out_events_that_have_started(self):
        make_event(starts_at=from_now(days=-10))
        make_event(starts_at=from_now(hours=-1), ends_at=from_now(hours=2))
        upcoming = make_event(starts_at=from_now(hours=1))

        self.assertEqual(self.ids(), [upcoming.id])

    def test_listing_with_nothing_to_list_is_empty_without_next_page(self):
        make_event(status=Event.Status.CANCELLED)

        response = self.call("ListEvents")

        self.assertEqual(list(response.events), [])
        self.assertEqual(response.next_page_token, "")

    def test_query_matches_name_case_insensitively(self):
        jazz = make_event(name="Late JAZZ Night")
        make_event(name="Rock concert")

        self.assertEqual(self.ids(query="jazz"), [jazz.id])

    def test_query_matches_description_case_insensitively(self):
        jazz = make_event(name="Friday", description="An evening of smooth Jazz")
        make_event(name="Saturday", description="Heavy metal")

        self.assertEqual(self.ids(query="JAZZ"), [jazz.id])

    def test_starts_after_leaves_out_earlier_events(self):
        make_event(starts_at=from_now(days=2))
        later = make_event(starts_at=from_now(days=8))

        self.assertEqual(self.ids(starts_after=to_timestamp(from_now(days=5))), [later.id])

    def test_starts_before_leaves_out_later_events(self):
        earlier = make_event(starts_at=from_now(days=2))
        make_event(starts_at=from_now(days=8))

        self.assertEqual(self.ids(starts_before=to_timestamp(from_now(days=5))), [earlier.id])

    def test_starts_after_and_starts_before_together_bound_a_window(self):
        make_event(starts_at=from_now(days=1))
        inside = make_event(starts_at=from_now(days=4))
        make_event(starts_at=from_now(days=9))

        ids = self.ids(starts_after=to_timestamp(from_now(days=3)), starts_before=to_timestamp(from_now(days=6)))

        self.assertEqual(ids, [inside.id])

    def test_starts_after_in_the_past_does_not_bring_back_started_events(self):
        make_event(starts_at=from_now(days=-2))
        upcoming = make_event(starts_at=from_now(days=2))

        self.assertEqual(self.ids(starts_after=to_timestamp(from_now(days=-5))), [upcoming.id])


class OrganizerListingTests(EventServiceTestCase):
    def test_organizer_listing_has_that_organizers_events_of_any_status(self):
        past = make_event(starts_at=from_now(days=-30))
        cancelled = make_event(starts_at=from_now(days=3), status=Event.Status.CANCELLED)
        upcoming = make_event(starts_at=from_now(days=6))
        make_event(starts_at=from_now(days=4), organizer_id=OTHER_ORGANIZER.user_id)

        response = self.call("ListEvents", organizer_id=ORGANIZER.user_id)

        self.assertEqual([e.id for e in response.events], [past.id, cancelled.id, upcoming.id])
        self.assertEqual(response.events[1].status, events_pb2.EVENT_STATUS_CANCELLED)

    def test_organizer_listing_applies_the_query(self):
        mine = make_event(name="Jazz brunch", starts_at=from_now(days=-1))
        make_event(name="Rock", starts_at=from_now(days=2))
        make_event(name="Jazz elsewhere", organizer_id=OTHER_ORGANIZER.user_id)

        response = self.call("ListEvents", organizer_id=ORGANIZER.user_id, query="jazz")

        self.assertEqual([e.id for e in response.events], [mine.id])

    def test_organizer_listing_of_unknown_organizer_is_empty(self):
        make_event()

        response = self.call("ListEvents", organizer_id=999)

        self.assertEqual(list(response.events), [])


class PageSizeTests(EventServiceTestCase):
    def test_page_size_0_means_20(self):
        start = from_now(days=1)
        for hour in range(21):
            make_event(starts_at=start + timedelta(hours=hour))

        response = self.call("ListEvents", page_size=0)

        self.assertEqual(len(response.events), 20)
        self.assertNotEqual(response.next_page_token, "")

    def test_page_size_100_is_allowed(self):
        make_event()

        response = self.call("ListEvents", page_size=100)

        self.assertEqual(len(response.events), 1)

    def test_page_size_over_100_is_invalid_argument(self):
        error = self.assertFails(StatusCode.INVALID_ARGUMENT, "ListEvents", events_pb2.ListEventsRequest(page_size=101))

        self.assertEqual(list(error.field_errors), ["page_size"])

    def test_negative_page_size_is_invalid_argument(self):
        error = self.assertFails(StatusCode.INVALID_ARGUMENT, "ListEvents", events_pb2.ListEventsRequest(page_size=-1))

        self.assertEqual(list(error.field_errors), ["page_size"])

    def test_a_forged_cursor_of_deeply_nested_json_is_invalid_argument(self):
        cursor = base64.urlsafe_b64encode(b"[" * 100_000).decode()  # was an INTERNAL (RecursionError)

        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT, "ListEvents", events_pb2.ListEventsRequest(page_token=cursor)
        )

        self.assertEqual(list(error.field_errors), ["cursor"])

    def test_last_page_has_no_next_page_token(self):
        make_event()
        make_event()

        response = self.call("ListEvents", page_size=2)

        self.assertEqual(len(response.events), 2)
        self.assertEqual(response.next_page_token, "")


class KeysetPaginationTests(EventServiceTestCase):
    def walk(self, page_size: int, **fields) -> list[list[int]]:
        """The ids of every page, following next_page_token to the end."""
        pages, token = [], ""
        while True:
            response = self.call("ListEvents", page_size=page_size, page_token=token, **fields)
            pages.append([event.id for event in response.events])
            token = response.next_page_token
            if not token:
                return pages
            self.assertLess(len(pages), 20, "pagination does not end")

    def test_listing_pages_follow_keyset_cursor_without_repeats(self):
        start = from_now(days=1)
        events = [make_event(starts_at=start + timedelta(hours=h)) for h in (5, 1, 4, 2, 3, 7, 6)]
        expected = [e.id for e in sorted(events, key=lambda e: e.starts_at)]

        pages = self.walk(page_size=3)

        self.assertEqual([len(page) for page in pages], [3, 3, 1])
        self.assertEqual([i for page in pages for i in page], expected)

    def test_pagination_yields_events_with_identical_starts_at_exactly_once(self):
        start = from_now(days=1)
        events = [make_event(starts_at=start + timedelta(hours=h)) for h in (2, 1, 1, 1, 1, 0, 1, 2)]
        expected = [e.id for e in sorted(events, key=lambda e: (e.starts_at, e.id))]

        pages = self.walk(page_size=2)

        self.assertEqual([len(page) for page in pages], [2, 2, 2, 2])
        self.assertEqual([i for page in pages for i in page], expected)

    def test_pagination_with_sub_second_starts_at_keeps_order(self):
        start = from_now(days=1)
        events = [make_event(starts_at=start + timedelta(microseconds=us)) for us in (500_000, 0, 250_000, 0)]
        expected = [e.id for e in sorted(events, key=lambda e: (e.starts_at, e.id))]

        pages = self.walk(page_size=1)

        self.assertEqual([i for page in pages for i in page], expected)

    def test_pagination_keeps_the_filters(self):
        start = from_now(days=1)
        jazz = [make_event(name=f"Jazz {h}", starts_at=start + timedelta(hours=h)) for h in range(5)]
        for h in range(5):
            make_event(name=f"Rock {h}", starts_at=start + timedelta(hours=h, minutes=30))

        pages = self.walk(page_size=2, query="jazz")

        self.assertEqual([i for page in pages for i in page], [e.id for e in jazz])

    def test_organizer_listing_paginates_across_statuses(self):
        start = from_now(days=-3)
        events = [
            make_event(starts_at=start + timedelta(days=d), status=status)
            for d, status in enumerate([Event.Status.PUBLISHED, Event.Status.CANCELLED] * 3)
        ]

        pages = self.walk(page_size=4, organizer_id=ORGANIZER.user_id)

        self.assertEqual(pages, [[e.id for e in events[:4]], [e.id for e in events[4:]]])

    def test_cursor_that_is_garbage_is_invalid_argument(self):
        make_event()

        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT, "ListEvents", events_pb2.ListEventsRequest(page_token="not a cursor!")
        )

        self.assertEqual(error.code, "invalid")
