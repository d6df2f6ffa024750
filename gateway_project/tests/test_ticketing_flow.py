"""Whole stories of ticketing through the gateway: buying and being admitted, and an event
cancelled after tickets were sold (refunds run in the tickets service's periodic sweep)."""

from rest_framework import status

from gateway_project.tests.qr import svg_modules, symbols_of
from gateway_project.tests.ticketing import (
    DECLINED_CARD_NUMBER,
    TICKETS_URL,
    TicketingAPITestCase,
    order_url,
    sales_url,
    ticket_url,
)


class BuyAndGetInTests(TicketingAPITestCase):
    def test_customer_buys_shows_the_qr_code_and_is_admitted_once(self):
        event = self.create_event()
        ticket_type = self.create_ticket_type(event["id"], price="42.50", capacity=3)

        order = self.reserved_order(ticket_type, quantity=2)
        self.assertEqual((order["status"], order["total"]), ("reserved", "85.00"))
        self.assertEqual(self.available(ticket_type), 1)

        declined = self.pay(order, number=DECLINED_CARD_NUMBER)
        self.assert_error(declined, status.HTTP_402_PAYMENT_REQUIRED, "payment_declined")
        paid = self.pay(order)
        self.assertEqual(paid.status_code, status.HTTP_200_OK, paid.content)
        self.assertEqual(paid.json()["status"], "paid")

        listed = self.client.get(TICKETS_URL).json()["results"]
        self.assertEqual(sorted(t["id"] for t in listed), sorted(t["id"] for t in paid.json()["tickets"]))
        ticket = listed[0]
        qr = self.client.get(ticket_url(ticket["id"], "qr.svg"))
        self.assertIn(svg_modules(qr.content), symbols_of(ticket["code"]))

        admitted = self.check_in(ticket["code"])
        self.assertEqual(admitted.status_code, status.HTTP_200_OK, admitted.content)
        again = self.check_in(ticket["code"])
        self.assert_error(again, status.HTTP_409_CONFLICT, "already_checked_in")
        self.assertEqual(again.json()["checked_in_at"], admitted.json()["checked_in_at"])

        sales = self.client.get(sales_url(event["id"])).json()
        self.assertEqual(sales["checked_in"], 1)
        self.assertEqual(
            {key: sales["ticket_types"][0][key] for key in ("sold", "held", "available", "revenue")},
            {"sold": 2, "held": 0, "available": 1, "revenue": "85.00"},
        )


class EventCancellationTests(TicketingAPITestCase):
    def setUp(self):
        super().setUp()
        self.ticket_type = self.ticket_type_on_sale(price="20.00", capacity=10)
        self.paid = self.paid_order(self.ticket_type, quantity=2)

    def test_cancelling_an_event_refunds_its_paid_orders(self):
        self.cancel_event(self.ticket_type["event_id"])

        right_after = self.get_order(self.paid["id"])
        refunded = self.wait_for_order_status(self.paid["id"], "refunded")

        self.assertIn(right_after["status"], ("refund_pending", "refunded"))
        self.assertEqual(refunded["status"], "refunded")
        self.assertEqual(refunded["refunded_amount"], "40.00")
        self.assertEqual(refunded["payment"], self.paid["payment"])

    def test_cancelling_an_event_voids_its_tickets(self):
        self.cancel_event(self.ticket_type["event_id"])

        self.authenticate(self.customer)
        for ticket in self.paid["tickets"]:
            with self.subTest(ticket=ticket["id"]):
                self.assertEqual(self.client.get(ticket_url(ticket["id"])).json()["status"], "void")

    def test_cancelling_an_event_voids_tickets_already_checked_in(self):
        self.check_in(self.paid["tickets"][0]["code"])

        self.cancel_event(self.ticket_type["event_id"])

        self.authenticate(self.customer)
        self.assertEqual(self.client.get(ticket_url(self.paid["tickets"][0]["id"])).json()["status"], "void")

    def test_cancelling_an_event_cancels_its_reservations(self):
        reserved = self.reserved_order(self.ticket_type, quantity=3)

        self.cancel_event(self.ticket_type["event_id"])

        self.assertEqual(self.get_order(reserved["id"])["status"], "cancelled")
        self.assertEqual(self.get_order(reserved["id"])["refunded_amount"], "0.00")

    def test_reservation_cancelled_with_its_event_cannot_be_paid(self):
        reserved = self.reserved_order(self.ticket_type)
        self.cancel_event(self.ticket_type["event_id"])

        response = self.pay(reserved)

        self.assert_error(response, status.HTTP_409_CONFLICT, "order_not_payable")

    def test_cancelled_event_sells_no_more_seats(self):
        self.cancel_event(self.ticket_type["event_id"])

        response = self.reserve(self.ticket_type, user=self.make_user())

        self.assert_error(response, status.HTTP_409_CONFLICT, "event_cancelled")

    def test_refunded_order_cannot_be_cancelled_or_paid_again(self):
        self.cancel_event(self.ticket_type["event_id"])
        self.wait_for_order_status(self.paid["id"], "refunded")

        cancel = self.client.post(order_url(self.paid["id"], "cancel"))
        pay = self.pay(self.paid)

        self.assert_error(cancel, status.HTTP_409_CONFLICT, "order_not_cancellable")
        self.assert_error(pay, status.HTTP_409_CONFLICT, "order_not_payable")
