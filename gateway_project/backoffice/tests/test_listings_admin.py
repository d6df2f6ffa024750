"""Back-office listings of orders (their lines and voucher), tickets and payments, read over gRPC from
their services."""

import uuid
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.test import override_settings

from devkit.net import free_port
from gateway_project.tests.base import GatewayAPITestCase
from protos.events.v1 import events_pb2
from protos.tickets.v1 import tickets_pb2
from servicekit import clients
from servicekit.identity import Caller
from servicekit.timestamps import to_timestamp

VISA = tickets_pb2.Card(number="4242424242424242", exp_month=12, exp_year=datetime.now(UTC).year + 2, cvc="123")


class ListingsAdminTests(GatewayAPITestCase):
    def setUp(self):
        self.client.force_login(self.make_user(is_staff=True, is_superuser=True))
        self.organizer = Caller(user_id=self.make_organizer().id, role="organizer")
        self.email = f"buyer-{uuid.uuid4().hex[:12]}@example.com"
        self.order = self.buy(self.email)

    def buy(self, email: str) -> tickets_pb2.Order:
        """An event, a ticket type and a paid order of 2 tickets, made through the services."""
        (ticket_type,) = self.ticket_types(General="12.50")
        buyer = Caller(user_id=self.make_user(email=email).id, role="customer")
        reserved = clients.tickets().ReserveSeats(
            tickets_pb2.ReserveSeatsRequest(ticket_type_id=ticket_type.id, quantity=2, email=email, full_name="B"),
            caller=buyer,
        )
        return clients.tickets().PayOrder(
            tickets_pb2.PayOrderRequest(order_id=reserved.order.id, card=VISA), caller=buyer
        )

    def ticket_types(self, **prices: str) -> list[tickets_pb2.TicketType]:
        """A new event of self.organizer with a ticket type per name -> price, in that order."""
        starts = datetime.now(UTC) + timedelta(days=20)
        event = clients.events().CreateEvent(
            events_pb2.CreateEventRequest(
                name="Listings", starts_at=to_timestamp(starts), ends_at=to_timestamp(starts + timedelta(hours=2))
            ),
            caller=self.organizer,
        )
        return [
            clients.tickets().CreateTicketType(
                tickets_pb2.CreateTicketTypeRequest(event_id=event.id, name=name, price=price, capacity=10),
                caller=self.organizer,
            )
            for name, price in prices.items()
        ]

    def reserve(self, email: str, *lines: tuple[tickets_pb2.TicketType, int], voucher: str = "") -> tickets_pb2.Order:
        """A reserved order of `lines` ((ticket type, seats) each) for a new customer."""
        buyer = Caller(user_id=self.make_user(email=email).id, role="customer")
        request = tickets_pb2.ReserveSeatsRequest(
            lines=[tickets_pb2.ReserveLine(ticket_type_id=t.id, quantity=seats) for t, seats in lines],
            email=email,
            full_name="B",
            voucher=voucher,
        )
        return clients.tickets().ReserveSeats(request, caller=buyer).order

    def order_row(self, order: tickets_pb2.Order) -> dict:
        """The order's row in the orders listing (found by its buyer's email): header -> cell."""
        response = self.client.get("/admin/backoffice/orders/", {"q": order.email})
        self.assertEqual(response.status_code, 200, response.content)
        (row,) = [row for row in response.context["rows"] if row["cells"][0]["value"] == order.id]
        return {header: cell["value"] for header, cell in zip(response.context["headers"], row["cells"], strict=True)}

    def test_admin_index_lists_orders_tickets_and_payments(self):
        page = self.client.get("/admin/").content.decode()

        for title in ("Tickets service", "Orders", "Tickets", "Payments service", "Payments and refunds"):
            self.assertIn(title, page)

    def test_orders_are_found_by_buyer_email(self):
        response = self.client.get("/admin/backoffice/orders/", {"q": self.email})

        self.assertContains(response, self.email)
        self.assertContains(response, "25.00 USD")

    def test_an_order_of_several_ticket_types_shows_its_lines_not_ticket_type_0(self):
        adult, child = self.ticket_types(Adult="30.00", Child="12.50")
        order = self.reserve(f"family-{uuid.uuid4().hex[:12]}@example.com", (adult, 2), (child, 1))

        row = self.order_row(order)

        self.assertEqual((row["Ticket type"], row["Quantity"], row["Total"]), ("2 x Adult, 1 x Child", 3, "72.50 USD"))

    def test_an_order_of_one_line_shows_its_ticket_type_and_no_voucher(self):
        row = self.order_row(self.order)

        self.assertEqual(
            (row["Ticket type"], row["Quantity"], row["Total"], row["Voucher"]),
            (self.order.ticket_type_id, 2, "25.00 USD", ""),
        )

    def test_an_order_with_a_voucher_shows_its_code_and_discounted_seats(self):
        (ticket_type,) = self.ticket_types(General="20.00")
        request = tickets_pb2.CreateVouchersRequest(
            event_id=ticket_type.event_id, code="HALFOFF", discount_kind="percent", discount_value="50", max_uses=5
        )
        (voucher,) = clients.tickets().CreateVouchers(request, caller=self.organizer).vouchers
        order = self.reserve(f"voucher-{uuid.uuid4().hex[:12]}@example.com", (ticket_type, 2), voucher=voucher.code)

        self.assertEqual(self.order_row(order)["Voucher"], "HALFOFF (2 seats)")

    def test_orders_filter_by_status(self):
        response = self.client.get("/admin/backoffice/orders/", {"q": self.email, "status": "reserved"})

        self.assertContains(response, self.email, count=1)  # in the search box only
        self.assertContains(response, "Nothing found.")

    def test_orders_filter_by_event(self):
        response = self.client.get("/admin/backoffice/orders/", {"event_id": self.order.event_id})

        self.assertContains(response, self.email)

    def test_tickets_are_found_by_code(self):
        code = self.order.tickets[0].code

        response = self.client.get("/admin/backoffice/tickets/", {"q": code})

        self.assertContains(response, code)
        self.assertNotContains(response, self.order.tickets[1].code)

    def test_payments_show_the_order_with_card_brand_and_last_digits(self):
        response = self.client.get("/admin/backoffice/payments/", {"order_id": self.order.id})

        self.assertContains(response, "visa •••• 4242")
        self.assertContains(response, "succeeded")

    def test_invalid_filter_is_a_bad_request_page(self):
        response = self.client.get("/admin/backoffice/orders/", {"status": "stolen"})

        self.assertEqual(response.status_code, 400)

    def test_listings_are_closed_to_non_staff_users(self):
        self.client.force_login(self.make_user())

        response = self.client.get("/admin/backoffice/orders/")

        self.assertEqual(response.status_code, 302)
        self.assertIn("/admin/login/", response["Location"])

    def test_tickets_service_down_renders_a_503_page(self):
        with override_settings(GRPC_ADDRS={**settings.GRPC_ADDRS, "tickets": f"127.0.0.1:{free_port()}"}):
            response = self.client.get("/admin/backoffice/orders/")

        self.assertEqual(response.status_code, 503)
        self.assertContains(response, "unavailable", status_code=503)


class NotificationLogAdminTests(GatewayAPITestCase):
    """The log is read from the notifications service; a failed email can be retried from it."""

    def setUp(self):
        self.client.force_login(self.make_user(is_staff=True, is_superuser=True))

    def test_notification_log_is_listed_in_the_admin(self):
        response = self.client.get("/admin/backoffice/notifications/", {"status": "failed"})

        self.assertContains(response, "Notification log")

    def test_retrying_an_unknown_notification_shows_the_services_refusal(self):
        response = self.client.post("/admin/backoffice/notifications/999999999/retrynotification/", follow=True)

        self.assertContains(response, "Retry of #999999999 failed")

    def test_a_row_action_returns_to_the_listing_as_it_was_filtered(self):
        response = self.client.post("/admin/backoffice/notifications/999999999/retrynotification/?status=failed")

        self.assertRedirects(response, "/admin/backoffice/notifications/?status=failed")

    def test_a_row_action_with_filters_the_listing_refuses_is_a_bad_request(self):
        response = self.client.post("/admin/backoffice/notifications/999999999/retrynotification/?status=lost")

        self.assertContains(response, "errornote", status_code=400)

    def test_retry_needs_a_post(self):
        response = self.client.get("/admin/backoffice/notifications/1/retrynotification/")

        self.assertEqual(response.status_code, 405)
