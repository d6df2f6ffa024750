"""Events API through the gateway against the real events service.

Events persist in the service across tests, so each test searches by a tag of its own
(`self.tag`, put in names) or reads its own organizer's /mine/ listing.
"""

import socket
import time
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from django.test import override_settings
from rest_framework import status

from devkit.net import free_port
from gateway_project.tests.base import GatewayAPITestCase

LIST_URL = "/api/events/"
MINE_URL = "/api/events/mine/"
EVENT_FIELDS = {
    "id",
    "organizer_id",
    "name",
    "description",
    "venue",
    "timezone",
    "starts_at",
    "ends_at",
    "status",
    "created_at",
    "updated_at",
    # links
    "url",
    "ticket_types_url",
    "sales_url",
    "orders_url",
    "vouchers_url",
    "staff_url",
}


def detail_url(event_id) -> str:
    return f"/api/events/{event_id}/"


def from_now(days: float = 0, hours: float = 0) -> str:
    """An ISO 8601 UTC instant relative to now."""
    moment = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days, hours=hours)
    return moment.isoformat().replace("+00:00", "Z")


class EventsAPITestCase(GatewayAPITestCase):
    def setUp(self):
        self.tag = uuid.uuid4().hex
        self.organizer = self.make_organizer()

    def event_body(self, **fields) -> dict:
        body = {
            "name": f"Concert {self.tag}",
            "description": "An evening of music.",
            "venue": "Town Hall",
            "timezone": "Europe/Paris",
            "starts_at": from_now(days=30),
            "ends_at": from_now(days=30, hours=3),
        }
        return {**body, **fields}

    def create_event(self, organizer=None, **fields) -> dict:
        self.authenticate(organizer or self.organizer)
        response = self.client.post(LIST_URL, self.event_body(**fields), format="json")
        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        self.authenticate(None)
        return response.json()

    def assert_field_error(self, response, field: str) -> None:
        """A 400 whose body maps `field` to a list of messages."""
        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST, response.content)
        messages = response.json().get(field)
        self.assertIsInstance(messages, list, response.json())
        self.assertTrue(messages)
        self.assertTrue(all(isinstance(message, str) for message in messages), messages)

    def post_raw(self, url: str, body: str, method: str = "POST"):
        return self.client.generic(method, url, body, content_type="application/json")

    def list_ids(self, url: str = LIST_URL, **params) -> list[int]:
        response = self.client.get(url, params)
        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        return [event["id"] for event in response.json()["results"]]

    def walk(self, url: str, params: dict) -> list[list[int]]:
        """Ids of every page, following `next` links from the first page."""
        pages = []
        response = self.client.get(url, params)
        while True:
            self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
            pages.append([event["id"] for event in response.json()["results"]])
            next_url = response.json()["next"]
            if next_url is None:
                return pages
            self.assertLess(len(pages), 50, "next links do not end")
            response = self.client.get(next_url)


class CreateEventTests(EventsAPITestCase):
    def test_organizer_creates_a_published_event(self):
        self.authenticate(self.organizer)
        body = self.event_body(starts_at="2090-06-01T18:00:00Z", ends_at="2090-06-01T22:30:00Z")

        response = self.client.post(LIST_URL, body, format="json")

        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        event = response.json()
        self.assertEqual(set(event), EVENT_FIELDS)
        self.assertIsInstance(event["id"], int)
        self.assertEqual(event["organizer_id"], self.organizer.id)
        self.assertEqual(event["name"], body["name"])
        self.assertEqual(event["description"], "An evening of music.")
        self.assertEqual(event["venue"], "Town Hall")
        self.assertEqual(event["timezone"], "Europe/Paris")
        self.assertEqual(event["starts_at"], "2090-06-01T18:00:00Z")
        self.assertEqual(event["ends_at"], "2090-06-01T22:30:00Z")
        self.assertEqual(event["status"], "published")

    def test_created_event_can_be_read_back_with_no_ticket_types_yet(self):
        created = self.create_event()

        response = self.client.get(detail_url(created["id"]))

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(response.json(), {**created, "ticket_types": []})

    def test_create_event_without_optional_fields_uses_defaults(self):
        self.authenticate(self.organizer)
        body = {"name": f"Bare {self.tag}", "starts_at": from_now(days=5), "ends_at": from_now(days=6)}

        response = self.client.post(LIST_URL, body, format="json")

        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        self.assertEqual(response.json()["timezone"], "UTC")
        self.assertEqual(response.json()["description"], "")
        self.assertEqual(response.json()["venue"], "")

    def test_create_event_with_utc_offset_is_stored_in_utc(self):
        self.authenticate(self.organizer)
        body = self.event_body(starts_at="2090-06-01T20:00:00+02:00", ends_at="2090-06-01T23:00:00+02:00")

        response = self.client.post(LIST_URL, body, format="json")

        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        self.assertEqual(response.json()["starts_at"], "2090-06-01T18:00:00Z")

    def test_customer_cannot_create_an_event(self):
        self.authenticate(self.make_user())

        response = self.client.post(LIST_URL, self.event_body(), format="json")

        self.assertEqual(response.status_code, status.HTTP_403_FORBIDDEN)
        self.assertEqual(response.json()["code"], "permission_denied")

    def test_anonymous_cannot_create_an_event(self):
        response = self.client.post(LIST_URL, self.event_body(), format="json")

        self.assertEqual(response.status_code, status.HTTP_401_UNAUTHORIZED)
        self.assertEqual(response.json()["code"], "not_authenticated")

    def test_create_event_with_blank_name_is_rejected(self):
        self.authenticate(self.organizer)

        for name in ("", "   "):
            with self.subTest(name=name):
                response = self.client.post(LIST_URL, self.event_body(name=name), format="json")

                self.assert_field_error(response, "name")

    def test_create_event_with_too_long_name_is_rejected(self):
        self.authenticate(self.organizer)

        response = self.client.post(LIST_URL, self.event_body(name="x" * 201), format="json")

        self.assert_field_error(response, "name")

    def test_create_event_ending_before_it_starts_is_rejected(self):
        self.authenticate(self.organizer)
        body = self.event_body(starts_at=from_now(days=10), ends_at=from_now(days=9))

        response = self.client.post(LIST_URL, body, format="json")

        self.assert_field_error(response, "ends_at")

    def test_create_event_ending_when_it_starts_is_rejected(self):
        self.authenticate(self.organizer)
        moment = from_now(days=10)

        response = self.client.post(LIST_URL, self.event_body(starts_at=moment, ends_at=moment), format="json")

        self.assert_field_error(response, "ends_at")

    def test_create_event_starting_in_the_past_is_rejected(self):
        self.authenticate(self.organizer)
        body = self.event_body(starts_at=from_now(days=-1), ends_at=from_now(days=1))

        response = self.client.post(LIST_URL, body, format="json")

        self.assert_field_error(response, "starts_at")

    def test_create_event_with_bad_datetime_string_is_rejected(self):
        self.authenticate(self.organizer)

        for value in ("next friday", "2090-13-01T10:00:00Z", "", 12345):
            with self.subTest(starts_at=value):
                response = self.client.post(LIST_URL, self.event_body(starts_at=value), format="json")

                self.assert_field_error(response, "starts_at")

    def test_create_event_with_datetime_out_of_range_is_rejected(self):
        self.authenticate(self.organizer)
        body = self.event_body(starts_at="9999-12-31T23:00:00-05:00", ends_at="9999-12-31T23:30:00-05:00")

        response = self.client.post(LIST_URL, body, format="json")

        self.assert_field_error(response, "starts_at")

    def test_create_event_with_unknown_timezone_is_rejected(self):
        self.authenticate(self.organizer)

        response = self.client.post(LIST_URL, self.event_body(timezone="Mars/Olympus_Mons"), format="json")

        self.assert_field_error(response, "timezone")

    def test_a_time_without_an_offset_is_read_in_the_events_time_zone(self):
        year = datetime.now(UTC).year + 1
        body = self.event_body(timezone="Europe/Paris", starts_at=f"{year}-07-01T19:00", ends_at=f"{year}-07-01T22:00")
        self.authenticate(self.organizer)

        response = self.client.post(LIST_URL, body, format="json")

        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        self.assertEqual(response.json()["starts_at"], f"{year}-07-01T17:00:00Z")  # Paris is UTC+2 in July

    def test_a_time_with_an_offset_keeps_it_whatever_the_events_time_zone(self):
        year = datetime.now(UTC).year + 1
        body = self.event_body(
            timezone="Europe/Paris", starts_at=f"{year}-07-01T19:00:00Z", ends_at=f"{year}-07-01T22:00:00Z"
        )
        self.authenticate(self.organizer)

        response = self.client.post(LIST_URL, body, format="json")

        self.assertEqual(response.json()["starts_at"], f"{year}-07-01T19:00:00Z")

    def test_a_time_without_an_offset_in_an_unknown_time_zone_is_a_400_on_timezone(self):
        body = self.event_body(timezone="Mars/Olympus_Mons", starts_at="2090-07-01T19:00", ends_at="2090-07-01T22:00")
        self.authenticate(self.organizer)

        self.assert_field_error(self.client.post(LIST_URL, body, format="json"), "timezone")

    def test_create_event_with_missing_fields_names_each_field(self):
        self.authenticate(self.organizer)

        response = self.client.post(LIST_URL, {}, format="json")

        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
        self.assertLessEqual({"name", "starts_at", "ends_at"}, set(response.json()))

    def test_create_event_with_malformed_json_is_a_bad_request(self):
        self.authenticate(self.organizer)

        response = self.post_raw(LIST_URL, '{"name": "Unfinished", "starts_at": ')

        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
        self.assertEqual(response.json()["code"], "parse_error")

    def test_create_event_with_a_json_list_body_is_a_bad_request(self):
        self.authenticate(self.organizer)

        response = self.post_raw(LIST_URL, '["name", "starts_at"]')

        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)

    def test_create_event_with_a_non_string_name_is_rejected(self):
        self.authenticate(self.organizer)

        response = self.client.post(LIST_URL, self.event_body(name={"text": "Concert"}), format="json")

        self.assert_field_error(response, "name")

    def test_rejected_event_is_not_stored(self):
        self.authenticate(self.organizer)
        self.client.post(LIST_URL, self.event_body(ends_at=from_now(days=1)), format="json")

        self.assertEqual(self.list_ids(MINE_URL), [])


class GetEventTests(EventsAPITestCase):
    def test_anyone_can_read_an_event(self):
        created = self.create_event()
        self.authenticate(self.make_user())

        response = self.client.get(detail_url(created["id"]))

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(response.json()["name"], created["name"])

    def test_unknown_event_is_not_found(self):
        response = self.client.get(detail_url(999_999_999))

        self.assertEqual(response.status_code, status.HTTP_404_NOT_FOUND)
        self.assertEqual(response.json()["code"], "not_found")
        self.assertIn("detail", response.json())

    def test_largest_routable_id_is_not_found(self):
        response = self.client.get(detail_url(999_999_999_999_999_999))

        self.assertEqual(response.status_code, status.HTTP_404_NOT_FOUND)
        self.assertEqual(response.json()["code"], "not_found")

    def test_huge_id_is_not_found(self):
        for event_id in ("99999999999999999999", "9223372036854775808"):
            with self.subTest(event_id=event_id):
                response = self.client.get(detail_url(event_id))

                self.assertEqual(response.status_code, status.HTTP_404_NOT_FOUND)

    def test_unsupported_method_is_not_allowed_with_detail_and_code(self):
        created = self.create_event()
        self.authenticate(self.organizer)

        response = self.client.put(detail_url(created["id"]), self.event_body(), format="json")

        self.assertEqual(response.status_code, status.HTTP_405_METHOD_NOT_ALLOWED)
        self.assertEqual(response.json()["code"], "method_not_allowed")
        self.assertIn("detail", response.json())

    def test_non_numeric_id_is_not_found(self):
        response = self.client.get(detail_url("abc"))

        self.assertEqual(response.status_code, status.HTTP_404_NOT_FOUND)


class UpdateEventTests(EventsAPITestCase):
    def test_owner_updates_an_event(self):
        created = self.create_event()
        self.authenticate(self.organizer)

        response = self.client.patch(
            detail_url(created["id"]), {"name": f"Renamed {self.tag}", "venue": "Opera"}, format="json"
        )

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        updated = response.json()
        self.assertEqual(updated["name"], f"Renamed {self.tag}")
        self.assertEqual(updated["venue"], "Opera")
        self.assertEqual(updated["description"], created["description"])
        self.assertEqual(updated["timezone"], created["timezone"])
        self.assertEqual(updated["starts_at"], created["starts_at"])
        self.assertEqual(updated["ends_at"], created["ends_at"])

    def test_update_is_persisted(self):
        created = self.create_event()
        self.authenticate(self.organizer)
        self.client.patch(detail_url(created["id"]), {"description": "Now with fireworks."}, format="json")

        response = self.client.get(detail_url(created["id"]))

        self.assertEqual(response.json()["description"], "Now with fireworks.")

    def test_owner_moves_an_event_to_new_dates(self):
        created = self.create_event()
        self.authenticate(self.organizer)

        response = self.client.patch(
            detail_url(created["id"]),
            {"starts_at": "2091-01-01T10:00:00Z", "ends_at": "2091-01-01T12:00:00Z"},
            format="json",
        )

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(response.json()["starts_at"], "2091-01-01T10:00:00Z")
        self.assertEqual(response.json()["ends_at"], "2091-01-01T12:00:00Z")

    def test_update_by_another_organizer_is_forbidden(self):
        created = self.create_event()
        self.authenticate(self.make_organizer())

        response = self.client.patch(detail_url(created["id"]), {"name": "Hijacked"}, format="json")

        self.assertEqual(response.status_code, status.HTTP_403_FORBIDDEN)
        self.assertIn("code", response.json())
        self.assertEqual(self.client.get(detail_url(created["id"])).json()["name"], created["name"])

    def test_update_by_a_customer_is_forbidden(self):
        created = self.create_event()
        self.authenticate(self.make_user())

        response = self.client.patch(detail_url(created["id"]), {"name": "Hijacked"}, format="json")

        self.assertEqual(response.status_code, status.HTTP_403_FORBIDDEN)
        self.assertEqual(self.client.get(detail_url(created["id"])).json()["name"], created["name"])

    def test_update_by_anonymous_is_unauthorized(self):
        created = self.create_event()

        response = self.client.patch(detail_url(created["id"]), {"name": "Hijacked"}, format="json")

        self.assertEqual(response.status_code, status.HTTP_401_UNAUTHORIZED)
        self.assertEqual(self.client.get(detail_url(created["id"])).json()["name"], created["name"])

    def test_update_of_a_cancelled_event_is_a_conflict(self):
        created = self.create_event()
        self.authenticate(self.organizer)
        self.client.delete(detail_url(created["id"]))

        response = self.client.patch(detail_url(created["id"]), {"name": f"Back {self.tag}"}, format="json")

        self.assertEqual(response.status_code, status.HTTP_409_CONFLICT)
        self.assertEqual(response.json()["code"], "event_cancelled")
        self.assertIn("detail", response.json())

    def test_update_ending_before_the_start_is_rejected(self):
        created = self.create_event(starts_at=from_now(days=10), ends_at=from_now(days=11))
        self.authenticate(self.organizer)

        response = self.client.patch(detail_url(created["id"]), {"ends_at": from_now(days=9)}, format="json")

        self.assert_field_error(response, "ends_at")
        self.assertEqual(self.client.get(detail_url(created["id"])).json()["ends_at"], created["ends_at"])

    def test_update_moving_the_start_into_the_past_is_rejected(self):
        created = self.create_event()
        self.authenticate(self.organizer)

        response = self.client.patch(detail_url(created["id"]), {"starts_at": from_now(days=-1)}, format="json")

        self.assert_field_error(response, "starts_at")

    def test_update_with_blank_name_is_rejected(self):
        created = self.create_event()
        self.authenticate(self.organizer)

        response = self.client.patch(detail_url(created["id"]), {"name": ""}, format="json")

        self.assert_field_error(response, "name")

    def test_update_with_bad_datetime_string_is_rejected(self):
        created = self.create_event()
        self.authenticate(self.organizer)

        response = self.client.patch(detail_url(created["id"]), {"starts_at": "tomorrow"}, format="json")

        self.assert_field_error(response, "starts_at")

    def test_an_update_to_a_time_without_an_offset_reads_it_in_the_events_time_zone(self):
        created = self.create_event(timezone="America/New_York")
        year = datetime.now(UTC).year + 1
        self.authenticate(self.organizer)

        response = self.client.patch(
            detail_url(created["id"]),
            {"starts_at": f"{year}-01-10T20:00", "ends_at": f"{year}-01-10T23:00"},
            format="json",
        )

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(response.json()["starts_at"], f"{year}-01-11T01:00:00Z")  # New York is UTC-5 in January

    def test_an_update_of_the_time_zone_and_a_time_without_an_offset_reads_it_in_the_new_zone(self):
        created = self.create_event(timezone="America/New_York")
        year = datetime.now(UTC).year + 1
        self.authenticate(self.organizer)

        response = self.client.patch(
            detail_url(created["id"]),
            {"timezone": "Asia/Tokyo", "starts_at": f"{year}-01-10T20:00", "ends_at": f"{year}-01-10T23:00"},
            format="json",
        )

        self.assertEqual(response.json()["starts_at"], f"{year}-01-10T11:00:00Z")

    def test_update_with_unknown_timezone_is_rejected(self):
        created = self.create_event()
        self.authenticate(self.organizer)

        response = self.client.patch(detail_url(created["id"]), {"timezone": "Nowhere/Special"}, format="json")

        self.assert_field_error(response, "timezone")

    def test_owner_clears_the_description(self):
        created = self.create_event(description="Soon to be gone.")
        self.authenticate(self.organizer)

        response = self.client.patch(detail_url(created["id"]), {"description": ""}, format="json")

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(response.json()["description"], "")

    def test_update_with_malformed_json_is_a_bad_request(self):
        created = self.create_event()
        self.authenticate(self.organizer)

        response = self.post_raw(detail_url(created["id"]), '{"name": ', method="PATCH")

        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)

    def test_update_of_an_unknown_event_is_not_found(self):
        self.authenticate(self.organizer)

        response = self.client.patch(detail_url(999_999_998), {"name": "Ghost"}, format="json")

        self.assertEqual(response.status_code, status.HTTP_404_NOT_FOUND)
        self.assertEqual(response.json()["code"], "not_found")


class CancelEventTests(EventsAPITestCase):
    def test_owner_cancels_an_event(self):
        created = self.create_event()
        self.authenticate(self.organizer)

        response = self.client.delete(detail_url(created["id"]))

        self.assertEqual(response.status_code, status.HTTP_204_NO_CONTENT)
        self.assertEqual(response.content, b"")

    def test_cancelled_event_is_readable_with_status_cancelled(self):
        created = self.create_event()
        self.authenticate(self.organizer)
        self.client.delete(detail_url(created["id"]))
        self.authenticate(None)

        response = self.client.get(detail_url(created["id"]))

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(response.json()["status"], "cancelled")

    def test_cancelled_event_is_not_in_the_public_list(self):
        cancelled = self.create_event(name=f"Cancelled {self.tag}")
        kept = self.create_event(name=f"Kept {self.tag}")
        self.authenticate(self.organizer)
        self.client.delete(detail_url(cancelled["id"]))
        self.authenticate(None)

        self.assertEqual(self.list_ids(q=self.tag), [kept["id"]])

    def test_cancelling_twice_is_harmless(self):
        created = self.create_event()
        self.authenticate(self.organizer)
        self.client.delete(detail_url(created["id"]))

        response = self.client.delete(detail_url(created["id"]))

        self.assertEqual(response.status_code, status.HTTP_204_NO_CONTENT)
        self.assertEqual(self.client.get(detail_url(created["id"])).json()["status"], "cancelled")

    def test_cancel_by_another_organizer_is_forbidden(self):
        created = self.create_event()
        self.authenticate(self.make_organizer())

        response = self.client.delete(detail_url(created["id"]))

        self.assertEqual(response.status_code, status.HTTP_403_FORBIDDEN)
        self.assertEqual(self.client.get(detail_url(created["id"])).json()["status"], "published")

    def test_cancel_by_a_customer_is_forbidden(self):
        created = self.create_event()
        self.authenticate(self.make_user())

        response = self.client.delete(detail_url(created["id"]))

        self.assertEqual(response.status_code, status.HTTP_403_FORBIDDEN)
        self.assertEqual(self.client.get(detail_url(created["id"])).json()["status"], "published")

    def test_cancel_by_anonymous_is_unauthorized(self):
        created = self.create_event()

        response = self.client.delete(detail_url(created["id"]))

        self.assertEqual(response.status_code, status.HTTP_401_UNAUTHORIZED)
        self.assertEqual(self.client.get(detail_url(created["id"])).json()["status"], "published")

    def test_cancel_of_an_unknown_event_is_not_found(self):
        self.authenticate(self.organizer)

        response = self.client.delete(detail_url(999_999_997))

        self.assertEqual(response.status_code, status.HTTP_404_NOT_FOUND)
        self.assertEqual(response.json()["code"], "not_found")


class ListEventsTests(EventsAPITestCase):
    def test_list_is_public_with_results_next_and_previous(self):
        created = self.create_event()

        response = self.client.get(LIST_URL, {"q": self.tag})

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(response.json(), {"results": [created], "next": None, "previous": None})

    def test_list_shows_upcoming_events_soonest_first(self):
        later = self.create_event(starts_at=from_now(days=40), ends_at=from_now(days=41))
        soonest = self.create_event(starts_at=from_now(days=2), ends_at=from_now(days=3))
        middle = self.create_event(starts_at=from_now(days=20), ends_at=from_now(days=21))

        self.assertEqual(self.list_ids(q=self.tag), [soonest["id"], middle["id"], later["id"]])

    def test_list_leaves_out_events_that_have_started(self):
        starts_at = datetime.now(UTC) + timedelta(seconds=2)
        started = self.create_event(
            starts_at=starts_at.isoformat(), ends_at=(starts_at + timedelta(hours=2)).isoformat()
        )
        upcoming = self.create_event()
        time.sleep(max(0.0, (starts_at - datetime.now(UTC)).total_seconds()) + 0.2)

        self.assertEqual(self.list_ids(q=self.tag), [upcoming["id"]])
        self.authenticate(self.organizer)
        self.assertEqual(self.list_ids(MINE_URL), [started["id"], upcoming["id"]])

    def test_list_search_matches_the_name_case_insensitively(self):
        match = self.create_event(name=f"Jazz {self.tag}-name")
        self.create_event(name=f"Rock {self.tag}")

        self.assertEqual(self.list_ids(q=f"{self.tag}-NAME".upper()), [match["id"]])

    def test_list_search_matches_the_description(self):
        match = self.create_event(name="Friday night", description=f"Smooth jazz {self.tag}")
        self.create_event(name="Saturday night", description="Heavy metal")

        self.assertEqual(self.list_ids(q=self.tag), [match["id"]])

    def test_list_search_without_match_is_empty(self):
        self.create_event()

        response = self.client.get(LIST_URL, {"q": f"absent-{self.tag}"})

        self.assertEqual(response.json(), {"results": [], "next": None, "previous": None})

    def test_list_starts_after_leaves_out_earlier_events(self):
        self.create_event(starts_at=from_now(days=10), ends_at=from_now(days=11))
        later = self.create_event(starts_at=from_now(days=30), ends_at=from_now(days=31))

        self.assertEqual(self.list_ids(q=self.tag, starts_after=from_now(days=20)), [later["id"]])

    def test_list_starts_before_leaves_out_later_events(self):
        earlier = self.create_event(starts_at=from_now(days=10), ends_at=from_now(days=11))
        self.create_event(starts_at=from_now(days=30), ends_at=from_now(days=31))

        self.assertEqual(self.list_ids(q=self.tag, starts_before=from_now(days=20)), [earlier["id"]])

    def test_list_within_a_window(self):
        self.create_event(starts_at=from_now(days=10), ends_at=from_now(days=11))
        inside = self.create_event(starts_at=from_now(days=20), ends_at=from_now(days=21))
        self.create_event(starts_at=from_now(days=30), ends_at=from_now(days=31))

        ids = self.list_ids(q=self.tag, starts_after=from_now(days=15), starts_before=from_now(days=25))

        self.assertEqual(ids, [inside["id"]])

    def test_list_with_invalid_date_filter_is_rejected(self):
        for param in ("starts_after", "starts_before"):
            with self.subTest(param=param):
                response = self.client.get(LIST_URL, {param: "someday"})

                self.assert_field_error(response, param)

    def test_list_with_page_size_out_of_range_is_rejected(self):
        for page_size in ("0", "101", "-1", "abc", "2.5"):
            with self.subTest(page_size=page_size):
                response = self.client.get(LIST_URL, {"page_size": page_size})

                self.assert_field_error(response, "page_size")

    def test_list_accepts_the_maximum_page_size(self):
        response = self.client.get(LIST_URL, {"page_size": "100", "q": self.tag})

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)

    def test_list_pages_hold_20_events_by_default(self):
        for day in range(21):
            self.create_event(starts_at=from_now(days=10 + day), ends_at=from_now(days=10 + day, hours=2))

        response = self.client.get(LIST_URL, {"q": self.tag})

        self.assertEqual(len(response.json()["results"]), 20)
        self.assertIsNotNone(response.json()["next"])

    def test_list_page_size_limits_the_page(self):
        created = [self.create_event(starts_at=from_now(days=10 + day)) for day in range(3)]

        response = self.client.get(LIST_URL, {"q": self.tag, "page_size": 2})

        self.assertEqual([event["id"] for event in response.json()["results"]], [e["id"] for e in created[:2]])
        self.assertIsNotNone(response.json()["next"])

    def test_next_link_is_an_absolute_url_keeping_the_filters(self):
        for day in range(3):
            self.create_event(starts_at=from_now(days=10 + day))

        next_url = self.client.get(LIST_URL, {"q": self.tag, "page_size": 2}).json()["next"]

        parts = urlsplit(next_url)
        self.assertEqual((parts.scheme, parts.netloc, parts.path), ("http", "testserver", LIST_URL))
        query = parse_qs(parts.query)
        self.assertEqual(query["q"], [self.tag])
        self.assertEqual(query["page_size"], ["2"])
        self.assertTrue(query["cursor"][0])

    def test_following_next_links_walks_all_pages_without_repeats(self):
        created = [
            self.create_event(starts_at=from_now(days=10 + day), ends_at=from_now(days=10 + day, hours=2))
            for day in (5, 1, 3, 2, 4, 6, 0)
        ]
        expected = [event["id"] for event in sorted(created, key=lambda event: event["starts_at"])]

        pages = self.walk(LIST_URL, {"q": self.tag, "page_size": 3})

        self.assertEqual([len(page) for page in pages], [3, 3, 1])
        self.assertEqual([event_id for page in pages for event_id in page], expected)

    def test_following_next_links_walks_events_starting_at_the_same_time_without_repeats(self):
        same_start = from_now(days=12)
        created = [self.create_event(starts_at=same_start) for _ in range(5)]

        pages = self.walk(LIST_URL, {"q": self.tag, "page_size": 2})

        self.assertEqual([event_id for page in pages for event_id in page], sorted(e["id"] for e in created))

    def test_last_page_has_no_next_link(self):
        for day in range(2):
            self.create_event(starts_at=from_now(days=10 + day))

        response = self.client.get(LIST_URL, {"q": self.tag, "page_size": 2})

        self.assertEqual(len(response.json()["results"]), 2)
        self.assertIsNone(response.json()["next"])

    def test_list_with_garbage_cursor_is_rejected(self):
        for cursor in ("garbage", "!!!", "bnVsbA", "WzEsIDJd", "eyJhIjogMX0"):  # null, [1, 2], {"a": 1}
            with self.subTest(cursor=cursor):
                response = self.client.get(LIST_URL, {"cursor": cursor})

                self.assert_field_error(response, "cursor")


class MyEventsTests(EventsAPITestCase):
    def test_mine_lists_the_organizers_events_including_cancelled_ones(self):
        first = self.create_event(starts_at=from_now(days=3))
        cancelled = self.create_event(starts_at=from_now(days=5))
        self.authenticate(self.organizer)
        self.client.delete(detail_url(cancelled["id"]))

        response = self.client.get(MINE_URL)

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        results = response.json()["results"]
        self.assertEqual([event["id"] for event in results], [first["id"], cancelled["id"]])
        self.assertEqual([event["status"] for event in results], ["published", "cancelled"])
        self.assertIsNone(response.json()["next"])

    def test_mine_leaves_out_other_organizers_events(self):
        own = self.create_event()
        self.create_event(organizer=self.make_organizer())
        self.authenticate(self.organizer)

        self.assertEqual(self.list_ids(MINE_URL), [own["id"]])

    def test_mine_is_paginated_with_next_links(self):
        created = [self.create_event(starts_at=from_now(days=10 + day)) for day in range(5)]
        self.authenticate(self.organizer)

        pages = self.walk(MINE_URL, {"page_size": 2})

        self.assertEqual([len(page) for page in pages], [2, 2, 1])
        self.assertEqual([event_id for page in pages for event_id in page], [e["id"] for e in created])

    def test_mine_with_page_size_out_of_range_is_rejected(self):
        self.authenticate(self.organizer)

        response = self.client.get(MINE_URL, {"page_size": 101})

        self.assert_field_error(response, "page_size")

    def test_mine_for_a_customer_is_forbidden(self):
        self.authenticate(self.make_user())

        response = self.client.get(MINE_URL)

        self.assertEqual(response.status_code, status.HTTP_403_FORBIDDEN)
        self.assertEqual(response.json()["code"], "permission_denied")

    def test_mine_for_anonymous_is_unauthorized(self):
        response = self.client.get(MINE_URL)

        self.assertEqual(response.status_code, status.HTTP_401_UNAUTHORIZED)
        self.assertEqual(response.json()["code"], "not_authenticated")


class EventsServiceUnavailableTests(EventsAPITestCase):
    def events_down(self):
        addrs = {**self.services.grpc_addrs, "events": f"127.0.0.1:{free_port()}"}
        return override_settings(GRPC_ADDRS=addrs, GRPC_CLIENT_TIMEOUT=2)

    def assert_events_unavailable(self, response):
        self.assertEqual(response.status_code, status.HTTP_503_SERVICE_UNAVAILABLE, response.content)
        self.assertEqual(response.json()["code"], "events_unavailable")
        self.assertIn("detail", response.json())

    def test_list_when_the_events_service_is_unreachable_is_unavailable(self):
        started = time.monotonic()
        with self.events_down():
            response = self.client.get(LIST_URL)

        self.assert_events_unavailable(response)
        self.assertLess(time.monotonic() - started, 10)

    def test_list_when_the_events_service_does_not_answer_is_unavailable_after_the_timeout(self):
        with socket.socket() as silent:  # accepts connections, never speaks
            silent.bind(("127.0.0.1", 0))
            silent.listen(8)
            addrs = {**self.services.grpc_addrs, "events": f"127.0.0.1:{silent.getsockname()[1]}"}
            started = time.monotonic()
            with override_settings(GRPC_ADDRS=addrs, GRPC_CLIENT_TIMEOUT=1):
                response = self.client.get(LIST_URL)

        self.assert_events_unavailable(response)
        self.assertLess(time.monotonic() - started, 5)

    def test_get_event_when_the_events_service_is_unreachable_is_unavailable(self):
        with self.events_down():
            response = self.client.get(detail_url(1))

        self.assert_events_unavailable(response)

    def test_create_event_when_the_events_service_is_unreachable_is_unavailable(self):
        self.authenticate(self.organizer)
        with self.events_down():
            response = self.client.post(LIST_URL, self.event_body(), format="json")

        self.assert_events_unavailable(response)


class BrowsableAPITests(EventsAPITestCase):
    def test_event_list_renders_as_html(self):
        self.create_event()

        response = self.client.get(LIST_URL, {"q": self.tag}, HTTP_ACCEPT="text/html")

        self.assertEqual(response.status_code, status.HTTP_200_OK)
        self.assertTrue(response["Content-Type"].startswith("text/html"), response["Content-Type"])
        self.assertContains(response, self.tag)

    def test_event_list_renders_as_html_for_an_organizer(self):
        self.force_login_for_html(self.organizer)

        response = self.client.get(LIST_URL, HTTP_ACCEPT="text/html")

        self.assertEqual(response.status_code, status.HTTP_200_OK)
        self.assertTrue(response["Content-Type"].startswith("text/html"), response["Content-Type"])

    def test_event_detail_renders_as_html_for_its_organizer(self):
        created = self.create_event()
        self.force_login_for_html(self.organizer)

        response = self.client.get(detail_url(created["id"]), HTTP_ACCEPT="text/html")

        self.assertEqual(response.status_code, status.HTTP_200_OK)
        self.assertContains(response, self.tag)

    def force_login_for_html(self, user):
        self.authenticate(None)
        self.client.force_login(user)
