"""The `next` and `previous` links of keyset pages: `next` carries the trail of the pages before,
`previous` follows it back (api.pagination)."""

from urllib.parse import parse_qs, urlsplit

from django.test import SimpleTestCase
from rest_framework import status
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from gateway_project.api.pagination import MAX_TRAIL, next_url, previous_url
from gateway_project.tests.ticketing import EVENTS_URL, ORDERS_URL, TicketingAPITestCase, from_now


def request(**params) -> Request:
    return Request(APIRequestFactory().get(EVENTS_URL, params))


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


class PageLinkTests(SimpleTestCase):
    def test_the_first_page_has_no_previous(self):
        self.assertIsNone(previous_url(request(q="jazz")))

    def test_the_next_link_adds_this_page_s_cursor_to_the_trail(self):
        link = next_url(request(q="jazz", cursor="B", trail=["", "A"]), "C")

        self.assertEqual(query(link), {"q": ["jazz"], "cursor": ["C"], "trail": ["", "A", "B"]})

    def test_the_first_page_s_next_link_starts_the_trail_with_the_first_page(self):
        self.assertEqual(query(next_url(request(), "A")), {"cursor": ["A"], "trail": [""]})

    def test_previous_is_the_trail_s_last_page_with_the_same_filters(self):
        link = previous_url(request(q="jazz", page_size=5, cursor="C", trail=["", "A", "B"]))

        self.assertEqual(query(link), {"q": ["jazz"], "page_size": ["5"], "cursor": ["B"], "trail": ["", "A"]})

    def test_the_second_page_s_previous_is_the_first_page_with_no_cursor(self):
        link = previous_url(request(q="jazz", cursor="A", trail=[""]))

        self.assertEqual(link, "http://testserver/api/events/?q=jazz")

    def test_a_page_reached_without_its_trail_has_no_previous(self):
        self.assertIsNone(previous_url(request(cursor="C")))

    def test_a_trail_keeps_the_last_pages_only(self):
        trail = ["", *(f"P{number}" for number in range(1, MAX_TRAIL))]

        link = next_url(request(cursor="LAST", trail=trail), "NEXT")

        self.assertEqual(query(link)["trail"], [*trail[1:], "LAST"])


class ListingPageLinksTests(TicketingAPITestCase):
    """Real listings: three events of one tag, a page of one at a time."""

    def setUp(self):
        super().setUp()
        self.ids = [
            self.create_event(starts_at=from_now(days=40 + day), ends_at=from_now(days=40 + day, hours=2))["id"]
            for day in range(3)
        ]
        self.params = {"q": self.tag, "page_size": 1}

    def ids_of(self, response) -> list[int]:
        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        return [item["id"] for item in response.json()["results"]]

    def test_the_first_page_s_previous_is_null(self):
        self.assertIsNone(self.client.get(EVENTS_URL, self.params).json()["previous"])

    def test_the_second_page_s_previous_gives_the_first_page(self):
        first = self.client.get(EVENTS_URL, self.params)
        second = self.client.get(first.json()["next"])

        back = self.client.get(second.json()["previous"])

        self.assertEqual(self.ids_of(back), self.ids_of(first))
        self.assertIsNone(back.json()["previous"])
        self.assertEqual(back.json()["next"], first.json()["next"])

    def test_the_last_page_s_previous_gives_the_second_page(self):
        second = self.client.get(self.client.get(EVENTS_URL, self.params).json()["next"])
        third = self.client.get(second.json()["next"])

        back = self.client.get(third.json()["previous"])

        self.assertEqual((self.ids_of(third), self.ids_of(back)), ([self.ids[2]], [self.ids[1]]))
        self.assertEqual(back.json()["previous"], second.json()["previous"])

    def test_orders_pages_link_back_too(self):
        ticket_type = self.create_ticket_type(self.ids[0])
        self.reserved_order(ticket_type)
        self.reserved_order(ticket_type)
        self.authenticate(self.customer)
        first = self.client.get(ORDERS_URL, {"page_size": 1})

        back = self.client.get(self.client.get(first.json()["next"]).json()["previous"])

        self.assertEqual(self.ids_of(back), self.ids_of(first))

    def test_a_trail_longer_than_the_links_keep_is_a_400(self):
        response = self.client.get(EVENTS_URL, {**self.params, "cursor": "x", "trail": [""] * (MAX_TRAIL + 1)})

        self.assert_field_error(response, "trail")
