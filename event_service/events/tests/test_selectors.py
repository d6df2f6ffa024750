"""The reads called directly, where that says more than a gRPC round trip."""

import base64
import json
from datetime import timedelta

from django.test import TestCase

from event_service.events import selectors
from event_service.events.tests.support import from_now, make_event
from servicekit.errors import InvalidInput


def token_of(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


class CursorTests(TestCase):
    def test_cursor_round_trips_starts_at_and_id(self):
        event = make_event(starts_at=from_now(days=3) + timedelta(microseconds=123456))

        token = selectors._encode_cursor(event)

        self.assertEqual(selectors._decode_cursor(token), (event.starts_at, event.id))

    def test_cursor_is_url_safe_without_padding(self):
        event = make_event()

        token = selectors._encode_cursor(event)

        self.assertRegex(token, r"^[A-Za-z0-9_-]+$")

    def test_cursor_that_is_garbage_is_invalid_input(self):
        for token in ("not a cursor!", "%%%%", "é", token_of({"a": 1}), token_of([]), token_of("x")):
            with self.subTest(token=token), self.assertRaises(InvalidInput):
                selectors._decode_cursor(token)

    def test_cursor_with_naive_time_is_invalid_input(self):
        with self.assertRaises(InvalidInput):
            selectors._decode_cursor(token_of(["2030-01-01T10:00:00", 1]))

    def test_cursor_with_non_integer_id_is_invalid_input(self):
        with self.assertRaises(InvalidInput):
            selectors._decode_cursor(token_of(["2030-01-01T10:00:00+00:00", "1"]))

    def test_listing_with_garbage_page_token_is_invalid_input(self):
        with self.assertRaises(InvalidInput):
            selectors.list_events(page_token="garbage")


class ListEventsServiceTests(TestCase):
    def test_next_page_token_points_after_the_last_event_of_the_page(self):
        start = from_now(days=1)
        first, second, third = (make_event(starts_at=start) for _ in range(3))

        page = selectors.list_events(page_size=2)

        self.assertEqual(page.items, [first, second])
        self.assertEqual(selectors._decode_cursor(page.next_page_token), (second.starts_at, second.id))
        self.assertEqual(selectors.list_events(page_size=2, page_token=page.next_page_token).items, [third])

    def test_page_exactly_full_at_the_end_has_no_next_page_token(self):
        make_event()
        make_event()

        self.assertEqual(selectors.list_events(page_size=2).next_page_token, "")
