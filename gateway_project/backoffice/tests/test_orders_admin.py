"""The back office's orders of an event: listed from the event's page, each order's page with its
lines, tickets, payment and refunds, and refunding it from a confirmation page (RefundOrder, once).
Through the real services, as the organizer's desk in the API."""

import uuid
from datetime import UTC, datetime, timedelta

from django.test import Client

from gateway_project.tests.base import GatewayAPITestCase
from protos.events.v1 import events_pb2
from protos.payments.v1 import payments_pb2
from protos.tickets.v1 import tickets_pb2
from servicekit import clients
from servicekit.identity import Caller
from servicekit.timestamps import to_timestamp

VISA = tickets_pb2.Card(number="4242424242424242", exp_month=12, exp_year=datetime.now(UTC).year + 2, cvc="123")


class OrdersAdminTests(GatewayAPITestCase):
    def setUp(self):
        staff = self.make_user(is_staff=True, is_superuser=True)
        self.staff = Caller(user_id=staff.id, role=staff.role, is_staff=True)
        self.client.force_login(staff)
        self.organizer = Caller(user_id=self.make_organizer().id, role="organizer")
        starts = datetime.now(UTC) + timedelta(days=20)
        self.event = clients.events().CreateEvent(
            events_pb2.CreateEventRequest(
                name="Desk", starts_at=to_timestamp(starts), ends_at=to_timestamp(starts + timedelta(hours=2))
            ),
            caller=self.organizer,
        )
        self.ticket_type = clients.tickets().CreateTicketType(
            tickets_pb2.CreateTicketTypeRequest(event_id=self.event.id, name="General", price="12.50", capacity=10),
            caller=self.organizer,
        )
        self.order = self.buy()

    def reserve(self) -> tickets_pb2.Order:
        """A new customer's reserved order of 2 seats of the event's ticket type."""
        email = f"desk-{uuid.uuid4().hex[:12]}@example.com"
        buyer = Caller(user_id=self.make_user(email=email).id, role="customer")
        request = tickets_pb2.ReserveSeatsRequest(
            ticket_type_id=self.ticket_type.id, quantity=2, email=email, full_name="Ada Buyer"
        )
        order = clients.tickets().ReserveSeats(request, caller=buyer).order
        self.buyers = {**getattr(self, "buyers", {}), order.id: buyer}
        return order

    def buy(self) -> tickets_pb2.Order:
        """A new customer's paid order of 2 tickets (25.00 USD)."""
        order = self.reserve()
        return clients.tickets().PayOrder(
            tickets_pb2.PayOrderRequest(order_id=order.id, card=VISA), caller=self.buyers[order.id]
        )

    def order_url(self, order: tickets_pb2.Order) -> str:
        return f"/admin/backoffice/events/{order.event_id}/orders/{order.id}/"

    def refund_url(self, order: tickets_pb2.Order) -> str:
        return f"{self.order_url(order)}refund/"

    def current(self, order: tickets_pb2.Order) -> tickets_pb2.Order:
        """The order as the tickets service has it now."""
        request = tickets_pb2.GetEventOrderRequest(event_id=order.event_id, order_id=order.id)
        return clients.tickets().GetEventOrder(request, caller=self.staff)

    def payment(self, order: tickets_pb2.Order) -> payments_pb2.Payment:
        """The order's payment as the payments service has it now."""
        request = payments_pb2.ListPaymentsRequest(order_id=order.id)
        (payment,) = clients.payments().ListPayments(request, caller=self.staff).payments
        return payment

    def messages_of(self, response) -> list[str]:
        return [str(message) for message in response.context["messages"]]

    # --- The event's orders and an order's page

    def test_the_event_page_links_to_its_orders(self):
        response = self.client.get(f"/admin/backoffice/events/{self.event.id}/")

        self.assertContains(response, f'href="/admin/backoffice/event-orders/?event_id={self.event.id}"')

    def test_the_event_orders_listing_links_each_order_to_its_page(self):
        other = self.buy()

        response = self.client.get("/admin/backoffice/event-orders/", {"event_id": self.event.id})

        for order in (self.order, other):
            self.assertContains(response, f'<a href="{self.order_url(order)}">{order.id}</a>', html=True)
            self.assertContains(response, order.email)

    def test_the_event_orders_listing_asks_for_an_event_first(self):
        response = self.client.get("/admin/backoffice/event-orders/")

        self.assertContains(response, "Enter an event id to list its orders")

    def test_the_order_page_shows_its_buyer_lines_and_total(self):
        response = self.client.get(self.order_url(self.order))

        self.assertContains(response, self.order.email)
        self.assertContains(response, "<td>General</td>", html=True)
        self.assertContains(response, "25.00 USD")

    def test_the_order_page_links_each_ticket_to_its_page(self):
        response = self.client.get(self.order_url(self.order))

        for ticket in self.order.tickets:
            url = f"/admin/backoffice/tickets/{ticket.id}/"
            self.assertContains(response, f'<a href="{url}">{ticket.code}</a>', html=True)
            self.assertContains(response, f'<a href="{url}">{ticket.id}</a>', html=True)

    def test_the_order_page_shows_its_payment_linked_to_the_payments_listing(self):
        response = self.client.get(self.order_url(self.order))

        self.assertContains(response, "visa •••• 4242")
        self.assertContains(response, f'href="/admin/backoffice/payments/?order_id={self.order.id}"')
        self.assertContains(response, "succeeded")

    def test_the_order_page_shows_what_was_refunded(self):
        self.client.post(self.refund_url(self.order), follow=True)

        response = self.client.get(self.order_url(self.order))

        self.assertContains(response, "Refunded:")
        self.assertContains(response, "25.00 USD (last on ")
        self.assertContains(response, "refunded")

    def test_order_ids_in_the_orders_and_tickets_listings_link_to_the_order_page(self):
        link = f'href="{self.order_url(self.order)}"'

        self.assertContains(self.client.get("/admin/backoffice/orders/", {"q": self.order.email}), link)
        self.assertContains(self.client.get("/admin/backoffice/tickets/", {"event_id": self.event.id}), link)

    def test_an_order_id_in_the_payments_listing_leads_to_the_order_page(self):
        listing = self.client.get("/admin/backoffice/payments/", {"order_id": self.order.id})
        self.assertContains(listing, f'href="/admin/backoffice/orders/{self.order.id}/"')

        response = self.client.get(f"/admin/backoffice/orders/{self.order.id}/")

        self.assertRedirects(response, self.order_url(self.order))

    def test_an_order_of_another_event_is_not_found(self):
        other_event = clients.events().CreateEvent(
            events_pb2.CreateEventRequest(name="Other", starts_at=self.event.starts_at, ends_at=self.event.ends_at),
            caller=self.organizer,
        )

        response = self.client.get(f"/admin/backoffice/events/{other_event.id}/orders/{self.order.id}/")

        self.assertEqual(response.status_code, 404)

    # --- Refunding an order

    def test_a_paid_order_page_offers_the_refund(self):
        response = self.client.get(self.order_url(self.order))

        self.assertContains(response, f'href="{self.refund_url(self.order)}"')
        self.assertContains(response, "Refund order")

    def test_an_order_not_paid_offers_no_refund(self):
        response = self.client.get(self.order_url(self.reserve()))

        self.assertNotContains(response, "Refund order")

    def test_the_refund_confirmation_states_the_amount_the_tickets_and_the_buyer(self):
        response = self.client.get(self.refund_url(self.order))

        self.assertContains(response, "Are you sure you want to refund order")
        self.assertContains(response, "25.00 USD")
        for ticket in self.order.tickets:
            self.assertContains(response, ticket.code)
        self.assertContains(response, f"Ada Buyer &lt;{self.order.email}&gt;")
        self.assertContains(response, 'name="csrfmiddlewaretoken"')
        self.assertContains(response, "delete-confirmation")

    def test_the_refund_confirmation_warns_of_a_checked_in_ticket(self):
        ticket = self.order.tickets[0]
        clients.tickets().CheckIn(tickets_pb2.CheckInRequest(code=ticket.code), caller=self.organizer)

        response = self.client.get(self.refund_url(self.order))

        self.assertContains(response, f"Checked in: ticket {ticket.id}. The tickets service refuses to refund it.")

    def test_the_refund_confirmation_refunds_nothing(self):
        self.client.get(self.refund_url(self.order))

        self.assertEqual(self.current(self.order).status, tickets_pb2.ORDER_STATUS_PAID)
        self.assertEqual(self.payment(self.order).refunded_amount, "0.00")

    def test_confirming_the_refund_refunds_the_order_and_says_so(self):
        response = self.client.post(self.refund_url(self.order), follow=True)

        self.assertRedirects(response, self.order_url(self.order))
        self.assertIn(f"Order {self.order.id} refunded: 25.00 USD", self.messages_of(response)[0])
        order = self.current(self.order)
        self.assertEqual(order.status, tickets_pb2.ORDER_STATUS_REFUNDED)
        self.assertEqual({ticket.status for ticket in order.tickets}, {tickets_pb2.TICKET_STATUS_VOID})
        self.assertEqual(self.payment(self.order).refunded_amount, "25.00")

    def test_a_second_confirmation_refunds_nothing_more(self):
        self.client.post(self.refund_url(self.order), follow=True)

        response = self.client.post(self.refund_url(self.order), follow=True)

        self.assertEqual(
            self.messages_of(response), [f"Order {self.order.id} was refunded already: nothing more was refunded."]
        )
        self.assertEqual(self.payment(self.order).refunded_amount, "25.00")

    def test_refunding_an_order_not_paid_shows_the_services_refusal(self):
        order = self.reserve()

        response = self.client.post(self.refund_url(order), follow=True)

        self.assertRedirects(response, self.order_url(order))
        (message,) = self.messages_of(response)
        self.assertIn(f"Order {order.id} was not refunded", message)
        self.assertIn("only a paid order can be refunded", message)
        self.assertEqual(self.current(order).status, tickets_pb2.ORDER_STATUS_RESERVED)

    def test_the_refund_confirmation_of_an_order_not_paid_offers_no_form(self):
        response = self.client.get(self.refund_url(self.reserve()))

        self.assertContains(response, "only a paid order can be refunded")
        self.assertNotContains(response, 'name="post"')

    def test_the_refund_needs_the_csrf_token(self):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(self.make_user(is_staff=True, is_superuser=True))

        self.assertEqual(browser.post(self.refund_url(self.order)).status_code, 403)
        self.assertEqual(self.current(self.order).status, tickets_pb2.ORDER_STATUS_PAID)

    def test_non_staff_users_cannot_reach_the_order_pages_nor_refund(self):
        self.client.force_login(self.make_user())

        for url in (
            self.order_url(self.order),
            self.refund_url(self.order),
            f"/admin/backoffice/orders/{self.order.id}/",
        ):
            response = self.client.get(url)
            self.assertRedirects(response, f"/admin/login/?next={url}", fetch_redirect_response=False)
        self.assertEqual(self.client.post(self.refund_url(self.order)).status_code, 302)
        self.assertEqual(self.current(self.order).status, tickets_pb2.ORDER_STATUS_PAID)
