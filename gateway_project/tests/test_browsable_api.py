"""The browsable API in a browser (Accept: text/html, a session login): a listing's filter form,
an event's and a ticket type's PATCH form holding their current values, and the forms of an event's
unsafe methods shown only to the callers the services would let use them."""

import json
from html.parser import HTMLParser
from urllib.parse import urlsplit

from rest_framework import status

from gateway_project.tests.base import PASSWORD
from gateway_project.tests.ticketing import EVENTS_URL, TicketingAPITestCase, event_url, from_now


class Forms(HTMLParser):
    """Each form of a page: its attributes and its fields (input, select, textarea) by name, with
    their values (a textarea's: its text)."""

    def __init__(self, html: str):
        super().__init__()
        self.forms: list[dict] = []
        self.buttons: list[dict] = []  # each button's attributes, with the form it is in ("form": its index)
        self._textarea: str | None = None
        self._in_form = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"attrs": attrs, "fields": {}})
            self._in_form = True
        elif tag == "button":
            self.buttons.append({**attrs, "form": len(self.forms) - 1 if self._in_form else None})
        elif tag in ("input", "select", "textarea") and self.forms and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value", "")
            self._textarea = attrs["name"] if tag == "textarea" else None

    def handle_data(self, data):
        if self._textarea:
            self.forms[-1]["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_form = False

    def unsafe_methods(self, url: str) -> set[str]:
        """The methods other than GET and OPTIONS the page's buttons send to `url` (its path): each
        button of a form of that action, by its own `data-method` (the raw data form's PATCH) or its
        form's (the DELETE dialog's, a POST form's). The navbar's logout form is of another action."""
        path = urlsplit(url).path
        methods = set()
        for index, form in enumerate(self.forms):
            if urlsplit(form["attrs"].get("action", "")).path != path:
                continue
            form_method = form["attrs"].get("data-method") or form["attrs"].get("method") or "GET"
            methods.update(
                (button.get("data-method") or form_method).upper() for button in self.buttons if button["form"] == index
            )
        return methods - {"GET", "OPTIONS"}

    def with_id(self, form_id: str) -> dict:
        (form,) = [form for form in self.forms if form["attrs"].get("id") == form_id]
        return form

    def patch_content(self) -> dict:
        """The JSON of the raw data form whose button is PATCH."""
        (form,) = [form for form in self.forms if form["attrs"].get("data-method") == "PUT"]
        return json.loads(form["fields"]["_content"])


class BrowsableAPITestCase(TicketingAPITestCase):
    def page(self, url: str, user=None, expected: int = status.HTTP_200_OK, **params) -> Forms:
        self.authenticate(None)
        self.client.logout()
        if user is not None:
            self.assertTrue(self.client.login(email=user.email, password=PASSWORD))
        response = self.client.get(url, params, HTTP_ACCEPT="text/html")
        self.assertEqual(response.status_code, expected, response.content[:500])
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


class FormsByRoleTests(BrowsableAPITestCase):
    """An event's PATCH, DELETE and POST forms are shown to those the services let use them: the
    organizer (and platform staff), its managers but for cancelling it and its staff; nobody else."""

    def setUp(self):
        super().setUp()
        self.event = self.create_event()
        self.url = event_url(self.event["id"])

    def manager(self):
        """A customer's account the organizer made a manager of the event."""
        user = self.make_user()
        self.authenticate(self.organizer)
        invited = self.client.post(f"{self.url}staff/", {"email": user.email, "role": "manager"}, format="json")
        self.assertEqual(invited.status_code, status.HTTP_201_CREATED, invited.content)
        self.authenticate(None)
        return user

    def test_an_anonymous_visitor_sees_no_form_to_change_or_cancel_an_event(self):
        self.assertEqual(self.page(self.url).unsafe_methods(self.url), set())

    def test_a_customer_sees_no_form_to_change_or_cancel_someone_else_s_event(self):
        self.assertEqual(self.page(self.url, user=self.customer).unsafe_methods(self.url), set())

    def test_another_organizer_sees_no_form_to_change_or_cancel_the_event(self):
        self.assertEqual(self.page(self.url, user=self.make_organizer()).unsafe_methods(self.url), set())

    def test_the_organizer_sees_the_patch_form_and_the_delete_button_of_the_event(self):
        self.assertEqual(self.page(self.url, user=self.organizer).unsafe_methods(self.url), {"PATCH", "DELETE"})

    def test_the_organizer_s_patch_form_is_still_prefilled(self):
        content = self.page(self.url, user=self.organizer).patch_content()

        self.assertEqual(content["name"], self.event["name"])

    def test_a_manager_sees_the_event_s_patch_form_but_no_delete_button(self):
        methods = self.page(self.url, user=self.manager()).unsafe_methods(self.url)

        self.assertEqual(methods, {"PATCH"})

    def test_a_customer_sees_no_form_to_change_or_delete_a_ticket_type(self):
        ticket_type = self.create_ticket_type(self.event["id"])

        page = self.page(ticket_type["url"], user=self.customer)

        self.assertEqual(page.unsafe_methods(ticket_type["url"]), set())

    def test_the_organizer_sees_the_patch_form_and_the_delete_button_of_a_ticket_type(self):
        ticket_type = self.create_ticket_type(self.event["id"])

        page = self.page(ticket_type["url"], user=self.organizer)

        self.assertEqual(page.unsafe_methods(ticket_type["url"]), {"PATCH", "DELETE"})

    def test_a_customer_sees_no_form_to_add_a_ticket_type(self):
        url = self.event["ticket_types_url"]

        self.assertEqual(self.page(url, user=self.customer).unsafe_methods(url), set())

    def test_a_manager_sees_the_form_to_add_a_ticket_type(self):
        url = self.event["ticket_types_url"]

        self.assertEqual(self.page(url, user=self.manager()).unsafe_methods(url), {"POST"})

    def test_the_refused_vouchers_page_of_a_customer_has_no_form_to_create_vouchers(self):
        url = f"{self.url}vouchers/"

        page = self.page(url, user=self.customer, expected=status.HTTP_403_FORBIDDEN)

        self.assertEqual(page.unsafe_methods(url), set())

    def test_a_manager_sees_no_form_to_invite_door_staff(self):
        url = f"{self.url}staff/"

        page = self.page(url, user=self.manager(), expected=status.HTTP_403_FORBIDDEN)

        self.assertEqual(page.unsafe_methods(url), set())
