"""Free ticket types: paying a zero total issues tickets without a charge."""

from grpc import StatusCode

from protos.tickets.v1 import tickets_pb2
from servicekit.errors import DomainError
from ticket_service.tickets.services import cancellation
from ticket_service.tickets.tests.support import TicketServiceTestCase


class FreeTicketsTests(TicketServiceTestCase):
    def test_paying_a_free_order_issues_tickets_without_charging(self):
        ticket_type = self.make_ticket_type(price="0")
        order = self.reserve_order(ticket_type.id, 2)

        paid = self.pay(order.id)

        self.assertEqual((paid.status, len(paid.tickets), paid.total), (tickets_pb2.ORDER_STATUS_PAID, 2, "0.00"))
        with self.assertRaises(DomainError) as raised:
            self.payment_of(order.id)
        self.assertEqual(raised.exception.status, StatusCode.NOT_FOUND)

    def test_cancelling_the_event_of_a_free_order_marks_it_refunded(self):
        ticket_type = self.make_ticket_type(price="0")
        order = self.pay(self.reserve_order(ticket_type.id).id)

        self.cancel_event(ticket_type.event_id)
        cancellation.refund_pending_orders()

        self.assertEqual(self.order_row(order.id).status, "refunded")


class BuyerDetailsTests(TicketServiceTestCase):
    def test_reservation_with_an_invalid_email_is_invalid_argument(self):
        ticket_type = self.make_ticket_type()

        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT,
            None,
            "ReserveSeats",
            self.CUSTOMER,
            ticket_type_id=ticket_type.id,
            quantity=1,
            email="not-an-email",
        )

        self.assertIn("email", error.field_errors)

    def test_reservation_with_a_too_long_name_is_invalid_argument(self):
        ticket_type = self.make_ticket_type()

        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT,
            None,
            "ReserveSeats",
            self.CUSTOMER,
            ticket_type_id=ticket_type.id,
            quantity=1,
            full_name="x" * 151,
        )

        self.assertIn("full_name", error.field_errors)
