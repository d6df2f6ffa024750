"""The back office as a new staff user reads it: listings in the admin's changelist markup, every
date in one format, ids linking to their pages, and a page each for a ticket and a payment.
Through the real services."""

import re
import uuid
from datetime import UTC, datetime, timedelta

from django.utils.formats import date_format

from gateway_project.tests.base import GatewayAPITestCase
from protos.events.v1 import events_pb2
from protos.tickets.v1 import tickets_pb2
from servicekit import clients
from servicekit.identity import Caller
from servicekit.timestamps import from_timestamp, to_timestamp

VISA = tickets_pb2.Card(number="4242424242424242", exp_month=12, exp_year=datetime.now(UTC).year + 2, cvc="123")
# A date as it was shown before (ISO, or "%Y-%m-%d %H:%M:%S"): a time after a date written with dashes.
OTHER_DATE_FORMAT = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d")


def shown(moment: datetime) -> str:
    """A date and time as the back office is to show it: the admin's DATETIME_FORMAT, in UTC, saying so."""
    return f"{date_format(moment.astimezone(UTC), 'DATETIME_FORMAT')} UTC"


class PagesAndLinksAdminTests(GatewayAPITestCase):
    def setUp(self):
        self.client.force_login(self.make_user(is_staff=True, is_superuser=True))
        self.organizer_user = self.make_organizer()
        organizer = Caller(user_id=self.organizer_user.id, role="organizer")
        self.starts = (datetime.now(UTC) + timedelta(days=20)).replace(microsecond=0)
        self.event = clients.events().CreateEvent(
            events_pb2.CreateEventRequest(
                name=f"Pages {uuid.uuid4().hex[:8]}",
                starts_at=to_timestamp(self.starts),
                ends_at=to_timestamp(self.starts + timedelta(hours=2)),
            ),
            caller=organizer,
        )
        ticket_type = clients.tickets().CreateTicketType(
            tickets_pb2.CreateTicketTypeRequest(event_id=self.event.id, name="General", price="12.50", capacity=10),
            caller=organizer,
        )
        self.email = f"pages-{uuid.uuid4().hex[:12]}@example.com"
        buyer = Caller(user_id=self.make_user(email=self.email).id, role="customer")
        reserved = clients.tickets().ReserveSeats(
            tickets_pb2.ReserveSeatsRequest(ticket_type_id=ticket_type.id, quantity=2, email=self.email, full_name="B"),
            caller=buyer,
        )
        self.order = clients.tickets().PayOrder(
            tickets_pb2.PayOrderRequest(order_id=reserved.order.id, card=VISA), caller=buyer
        )
        self.ticket = self.order.tickets[0]

    def row(self, url: str, params: dict, row_id: int) -> dict:
        """The row of `row_id` in the listing at `url`: header -> (cell value, cell link)."""
        response = self.client.get(url, params)
        self.assertEqual(response.status_code, 200, response.content)
        (row,) = [row for row in response.context["rows"] if row["cells"][0]["value"] == row_id]
        return {
            header: (cell["value"], cell["url"])
            for header, cell in zip(response.context["headers"], row["cells"], strict=True)
        }

    def fields(self, response) -> dict:
        """A detail page's fields: label -> (value, link)."""
        self.assertEqual(response.status_code, 200, response.content)
        return {label: (value, url) for label, value, url in response.context["fields"]}

    def order_url(self) -> str:
        return f"/admin/backoffice/events/{self.event.id}/orders/{self.order.id}/"

    # --- The admin's changelist look

    def test_a_listing_has_the_admins_changelist_markup(self):
        response = self.client.get("/admin/backoffice/orders/", {"q": self.email})

        for markup in ('id="changelist"', 'class="results"', 'id="result_list"', 'class="paginator"'):
            self.assertContains(response, markup)
        self.assertContains(
            response,
            '<th scope="col" class="column-full_name"><div class="text"><span>Buyer</span></div>'
            '<div class="clear"></div></th>',
            html=True,
        )
        self.assertContains(response, f'<td class="field-email">{self.email}</td>', html=True)

    def test_the_admin_index_says_view_for_the_service_pages(self):
        response = self.client.get("/admin/")

        self.assertContains(response, '<a href="/admin/backoffice/orders/" class="viewlink"')
        self.assertNotContains(response, '<a href="/admin/backoffice/orders/" class="changelink"')

    def test_every_page_names_the_project_not_django(self):
        response = self.client.get("/admin/")

        self.assertContains(response, '<a href="/admin/">MicroTix back office</a>')
        self.assertContains(response, "<title>Site administration | MicroTix back office</title>")

    # --- Dates, one format

    def test_a_listing_shows_dates_in_the_admins_format_in_utc(self):
        created = from_timestamp(self.order.created_at)

        row = self.row("/admin/backoffice/orders/", {"q": self.email}, self.order.id)

        self.assertEqual(row["Created"][0], shown(created))

    def test_the_events_listing_shows_its_start_in_the_same_format(self):
        row = self.row("/admin/backoffice/events/", {"q": self.event.name, "status": ""}, self.event.id)

        self.assertEqual(row["Starts at"][0], shown(self.starts))

    def test_no_page_shows_a_date_in_another_format(self):
        pages = [  # each showing dates (a ticket shows one once checked in)
            ("/admin/backoffice/orders/", {"q": self.email}),
            ("/admin/backoffice/payments/", {"order_id": self.order.id}),
            (f"/admin/backoffice/events/{self.event.id}/", {}),
            (self.order_url(), {}),
            (f"/admin/backoffice/orders/{self.order.id}/payment/", {}),
        ]
        for url, params in pages:
            with self.subTest(url):
                page = self.client.get(url, params).content.decode()
                self.assertIn(" UTC", page)
                self.assertIsNone(OTHER_DATE_FORMAT.search(page))

    # --- Ids are links

    def test_an_orders_row_links_the_order_and_its_event(self):
        row = self.row("/admin/backoffice/orders/", {"q": self.email}, self.order.id)

        self.assertEqual(
            (row["Id"][1], row["Event id"][1]), (self.order_url(), f"/admin/backoffice/events/{self.event.id}/")
        )

    def test_a_tickets_row_links_the_ticket_its_event_and_its_order(self):
        row = self.row("/admin/backoffice/tickets/", {"q": self.ticket.code}, self.ticket.id)

        self.assertEqual(
            (row["Id"][1], row["Event id"][1], row["Order id"][1]),
            (
                f"/admin/backoffice/tickets/{self.ticket.id}/",
                f"/admin/backoffice/events/{self.event.id}/",
                self.order_url(),
            ),
        )

    def test_a_payments_row_links_the_payment_and_its_order(self):
        response = self.client.get("/admin/backoffice/payments/", {"order_id": self.order.id})
        (row,) = response.context["rows"]
        links = {cell["name"]: cell["url"] for cell in row["cells"]}

        self.assertEqual(
            (links["id"], links["order_id"]),
            (f"/admin/backoffice/orders/{self.order.id}/payment/", f"/admin/backoffice/orders/{self.order.id}/"),
        )

    def test_an_events_row_links_its_organizer_to_the_admins_user_page(self):
        row = self.row("/admin/backoffice/events/", {"q": self.event.name, "status": ""}, self.event.id)

        self.assertEqual(row["Organizer id"][1], f"/admin/accounts/user/{self.organizer_user.id}/change/")

    def test_the_order_page_links_its_payment_to_the_payments_page(self):
        response = self.client.get(self.order_url())

        self.assertContains(response, f'href="/admin/backoffice/orders/{self.order.id}/payment/"')

    # --- A ticket's and a payment's page

    def test_a_ticket_page_shows_its_fields_and_links_its_event_and_order(self):
        fields = self.fields(self.client.get(f"/admin/backoffice/tickets/{self.ticket.id}/"))

        self.assertEqual(
            (fields["Code"][0], fields["Status"][0], fields["Holder"][0], fields["Checked in"][0]),
            (self.ticket.code, "valid", self.ticket.holder_name, "not yet"),
        )
        self.assertEqual(fields["Event"], (self.event.id, f"/admin/backoffice/events/{self.event.id}/"))
        self.assertEqual(fields["Order"], (self.order.id, self.order_url()))

    def test_a_payment_page_shows_its_fields_and_links_its_order(self):
        fields = self.fields(self.client.get(f"/admin/backoffice/orders/{self.order.id}/payment/"))

        self.assertEqual(
            (fields["Status"][0], fields["Amount"][0], fields["Card"][0], fields["Refunded"][0]),
            ("succeeded", "25.00 USD", "visa •••• 4242", "nothing"),
        )
        self.assertEqual(fields["Order"], (self.order.id, f"/admin/backoffice/orders/{self.order.id}/"))
        self.assertEqual(fields["Refunds"][1], f"/admin/backoffice/payments/?order_id={self.order.id}")

    def test_an_unknown_ticket_or_payment_is_a_404(self):
        for url in ("/admin/backoffice/tickets/999999999/", "/admin/backoffice/orders/999999999/payment/"):
            with self.subTest(url):
                self.assertEqual(self.client.get(url).status_code, 404)

    def test_the_pages_are_closed_to_non_staff_users(self):
        self.client.force_login(self.make_user())

        for url in (
            f"/admin/backoffice/tickets/{self.ticket.id}/",
            f"/admin/backoffice/orders/{self.order.id}/payment/",
        ):
            with self.subTest(url):
                self.assertIn("/admin/login/", self.client.get(url)["Location"])
