"""CancelOrder: the customer gives a reserved order's seats back; a paid order stays paid."""

from grpc import StatusCode

from protos.tickets.v1 import tickets_pb2
from ticket_service.tickets.models import Order
from ticket_service.tickets.tests.support import TicketServiceTestCase


class CancelOrderTests(TicketServiceTestCase):
    def test_reserved_order_is_cancelled_and_its_seats_given_back(self):
        ticket_type = self.make_ticket_type(capacity=10)
        order = self.reserve_order(ticket_type.id, 3)

        cancelled = self.call("CancelOrder", self.CUSTOMER, order_id=order.id)

        self.assertEqual(cancelled.status, tickets_pb2.ORDER_STATUS_CANCELLED)
        self.assertEqual(self.order_row(order.id).status, Order.Status.CANCELLED)
        row = self.row(ticket_type.id)
        self.assertEqual((row.held, row.available), (0, 10))

    def test_paid_order_is_failed_precondition_order_not_cancellable(self):
        ticket_type = self.make_ticket_type(capacity=10)
        order = self.paid_order(ticket_type.id, 2)

        self.assertFails(
            StatusCode.FAILED_PRECONDITION, "order_not_cancellable", "CancelOrder", self.CUSTOMER, order_id=order.id
        )

        self.assertEqual(self.order_row(order.id).status, Order.Status.PAID)
        self.assertEqual(self.row(ticket_type.id).sold, 2)

    def test_cancelling_twice_succeeds_and_gives_the_seats_back_once(self):
        ticket_type = self.make_ticket_type(capacity=10)
        self.reserve_order(ticket_type.id, 2, self.OTHER_CUSTOMER)
        order = self.reserve_order(ticket_type.id, 3)
        self.call("CancelOrder", self.CUSTOMER, order_id=order.id)

        again = self.call("CancelOrder", self.CUSTOMER, order_id=order.id)

        self.assertEqual(again.status, tickets_pb2.ORDER_STATUS_CANCELLED)
        self.assertEqual(self.row(ticket_type.id).held, 2)

    def test_cancelling_a_lapsed_hold_expires_it(self):
        ticket_type = self.make_ticket_type(capacity=10)
        order = self.reserve_order(ticket_type.id, 3)
        self.expire(order.id)
        self.reserve_order(ticket_type.id, 1, self.OTHER_CUSTOMER)  # fits without the lapsed hold's seats

        cancelled = self.call("CancelOrder", self.CUSTOMER, order_id=order.id)

        self.assertEqual(cancelled.status, tickets_pb2.ORDER_STATUS_EXPIRED)
        self.assertEqual(self.row(ticket_type.id).held, 1)

    def test_someone_elses_order_is_not_found(self):
        ticket_type = self.make_ticket_type(capacity=10)
        order = self.reserve_order(ticket_type.id, 3, self.OTHER_CUSTOMER)

        self.assertFails(StatusCode.NOT_FOUND, None, "CancelOrder", self.CUSTOMER, order_id=order.id)

        self.assertEqual(self.order_row(order.id).status, Order.Status.RESERVED)
        self.assertEqual(self.row(ticket_type.id).held, 3)
