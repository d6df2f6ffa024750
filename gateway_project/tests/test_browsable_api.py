"""The browsable API in a browser (Accept: text/html, a session login): a listing's filter form,
an event's and a ticket type's PATCH form holding their current values."""

import json
from html.parser import HTMLParser

from rest_framework import status

from gateway_project.tests.base import PASSWORD
from gateway_project.tests.ticketing import EVENTS_URL, TicketingAPITestCase, event_url, from_now


class Forms(HTMLParser):
    """Each form of a page: its attributes and its fields (input, select, textarea) by name, with
    their values (a textarea's: its text)."""

    def __init__(self, html: str):
        super().__init__()
        self.forms: list[dict] = []
        self._textarea: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"attrs": attrs, "fields": {}})
        elif tag in ("input", "select", "textarea") and self.forms and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value", "")
            self._textarea = attrs["name"] if tag == "textarea" else None

    def handle_data(self, data):
        if self._textarea:
            self.forms[-1]["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None

    def with_id(self, form_id: str) -> dict:
        (form,) = [form for form in self.forms if form["attrs"].get("id") == form_id]
        return form

    def patch_content(self) -> dict:
        """The JSON of the raw data form whose button is PATCH."""
        (form,) = [form for form in self.forms if form["attrs"].get("data-method") == "PUT"]
        return json.loads(form["fields"]["_content"])


class BrowsableAPITestCase(TicketingAPITestCase):
    def page(self, url: str, user=None, **params) -> Forms:
        self.authenticate(None)
        if user is not None:
            self.assertTrue(self.client.login(email=user.email, password=PASSWORD))
        response = self.client.get(url, params, HTTP_ACCEPT="text/html")
        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content[:500])
        self.assertIn("text/html", response["Content-Type"])
        return Forms(response.content.decode())


class FilterFormTests(BrowsableAPITestCase):
    def test_the_events_page_has_a_filter_form_of_q_starts_after_and_starts_before(self):
        form = self.page(EVENTS_URL).with_id("filter-form")

        self.assertEqual((form["attrs"]["method"], form["attrs"]["action"]), ("get", EVENTS_URL))
        self.assertLessEqual({"q", "starts_after", "starts_before", "page_size"}, set(form["fields"]))

    def test_the_filter_form_gives_the_listing_s_filters_before_its_page_size(self):
        form = self.page(EVENTS_URL).with_id("filter-form")

        self.assertEqual(list(form["fields"]), ["q", "starts_after", "starts_before", "page_size"])

    def test_the_filter_form_leaves_the_page_s_position_out(self):
        form = self.page(EVENTS_URL).with_id("filter-form")

        self.assertEqual(set(form["fields"]) & {"cursor", "trail"}, set())

    def test_the_filter_form_shows_the_filters_of_the_page(self):
        form = self.page(EVENTS_URL, q="jazz", page_size=5).with_id("filter-form")

        self.assertEqual((form["fields"]["q"], form["fields"]["page_size"]), ("jazz", "5"))

    def test_an_event_s_orders_page_has_a_filter_form_of_its_filters(self):
        event = self.create_event()

        form = self.page(f"{event_url(event['id'])}orders/", user=self.organizer).with_id("filter-form")

        self.assertLessEqual({"status", "q", "ticket_type", "page_size"}, set(form["fields"]))

    def test_my_orders_page_has_a_filter_form_of_its_page_size(self):
        form = self.page("/api/orders/", user=self.customer).with_id("filter-form")

        self.assertEqual(set(form["fields"]), {"page_size"})

    def test_a_page_of_one_resource_has_no_filter_form(self):
        event = self.create_event()

        self.assertEqual(
            [f for f in self.page(event_url(event["id"])).forms if f["attrs"].get("id") == "filter-form"], []
        )


class PrefilledFormTests(BrowsableAPITestCase):
    def test_an_event_s_page_prefills_its_patch_form_for_its_organizer(self):
        event = self.create_event(venue="Blue Hall")

        content = self.page(event_url(event["id"]), user=self.organizer).patch_content()

        self.assertEqual((content["name"], content["venue"]), (event["name"], "Blue Hall"))

    def test_the_event_s_patch_form_gives_its_times_in_the_event_s_time_zone(self):
        body = {"timezone": "Europe/Paris", "starts_at": "2031-06-01T19:00:00Z", "ends_at": "2031-06-01T22:00:00Z"}
        event = self.create_event(**body)

        content = self.page(event_url(event["id"]), user=self.organizer).patch_content()

        self.assertEqual(
            (content["timezone"], content["starts_at"], content["ends_at"]),
            ("Europe/Paris", "2031-06-01T21:00:00", "2031-06-02T00:00:00"),
        )

    def test_a_ticket_type_s_page_prefills_its_patch_form(self):
        ticket_type = self.ticket_type_on_sale(name="Balcony", price="12.50", capacity=40)

        content = self.page(ticket_type["url"], user=self.organizer).patch_content()

        self.assertEqual(
            content,
            {
                "name": "Balcony",
                "price": "12.50",
                "capacity": 40,
                "max_per_order": ticket_type["max_per_order"],
                "sales_start": ticket_type["sales_start"],
                "hidden": False,
            },
        )

    def test_the_prefilled_patch_form_sent_as_it_is_changes_nothing(self):
        event = self.create_event(
            timezone="America/New_York", starts_at=from_now(days=9), ends_at=from_now(days=9, hours=1)
        )
        content = self.page(event_url(event["id"]), user=self.organizer).patch_content()
        self.client.logout()
        self.authenticate(self.organizer)

        changed = self.client.patch(event_url(event["id"]), content, format="json")

        self.assertEqual(changed.status_code, status.HTTP_200_OK, changed.content)
        self.assertEqual(
            {name: changed.json()[name] for name in ("starts_at", "ends_at", "name")},
            {name: event[name] for name in ("starts_at", "ends_at", "name")},
        )
