"""CancelEventSales: stop selling, release holds, void tickets, queue refunds; then the sweep refunds."""

from grpc import StatusCode

from protos.events.v1 import events_pb2
from protos.payments.v1 import payments_pb2
from protos.tickets.v1 import tickets_pb2
from ticket_service.tickets.models import Order, Ticket, TicketType
from ticket_service.tickets.services import cancellation
from ticket_service.tickets.tests.support import TicketServiceTestCase


class CancelEventSalesTests(TicketServiceTestCase):
    def setUp(self):
        super().setUp()
        self.event = self.make_event()
        self.floor = self.make_ticket_type(event_id=self.event.id, capacity=10, price="40.00", name="Floor")
        self.balcony = self.make_ticket_type(event_id=self.event.id, capacity=10, price="15.00", name="Balcony")

    def cancel_sales(self, caller=None):
        return self.call("CancelEventSales", caller or self.ORGANIZER, event_id=self.event.id)

    def test_holds_are_released_and_their_orders_cancelled(self):
        held = [self.reserve_order(self.floor.id, 2), self.reserve_order(self.balcony.id, 3, self.OTHER_CUSTOMER)]

        result = self.cancel_sales()

        self.assertEqual(result.holds_released, 2)
        for order in held:
            self.assertEqual(self.order_row(order.id).status, Order.Status.CANCELLED)
        self.assertEqual([self.row(self.floor.id).held, self.row(self.balcony.id).held], [0, 0])

    def test_tickets_are_voided(self):
        paid = self.paid_order(self.floor.id, 2)

        result = self.cancel_sales()

        self.assertEqual(result.tickets_voided, 2)
        statuses = set(Ticket.objects.filter(order_id=paid.id).values_list("status", flat=True))
        self.assertEqual(statuses, {Ticket.Status.VOID})

    def test_checked_in_tickets_are_voided_too(self):
        (ticket,) = self.paid_order(self.floor.id, 1).tickets
        self.check_in(ticket.code)

        self.assertEqual(self.cancel_sales().tickets_voided, 1)

        self.assertEqual(Ticket.objects.get(pk=ticket.id).status, Ticket.Status.VOID)

    def test_paid_orders_are_queued_for_refund(self):
        paid = [self.paid_order(self.floor.id, 2), self.paid_order(self.balcony.id, 1, self.OTHER_CUSTOMER)]

        result = self.cancel_sales()

        self.assertEqual(result.refunds_queued, 2)
        for order in paid:
            self.assertEqual(self.order_row(order.id).status, Order.Status.REFUND_PENDING)
            self.assertEqual(self.payment_of(order.id).status, payments_pb2.PAYMENT_STATUS_SUCCEEDED)

    def test_queued_refunds_are_refunded_in_full_by_the_sweep(self):
        paid = [self.paid_order(self.floor.id, 2), self.paid_order(self.balcony.id, 1, self.OTHER_CUSTOMER)]
        self.cancel_sales()

        self.assertEqual(cancellation.refund_pending_orders(), 2)

        for order in paid:
            row = self.order_row(order.id)
            self.assertEqual(row.status, Order.Status.REFUNDED)
            self.assertEqual(row.refunded_amount, row.total)
            payment = self.payment_of(order.id)
            self.assertEqual(payment.status, payments_pb2.PAYMENT_STATUS_REFUNDED)
            self.assertEqual(payment.refunded_amount, str(row.total))

    def test_refunded_order_shows_its_refund_to_the_customer(self):
        paid = self.paid_order(self.floor.id, 2)
        self.cancel_sales()
        cancellation.refund_pending_orders()

        fetched = self.call("GetOrder", self.CUSTOMER, order_id=paid.id)

        self.assertEqual(fetched.status, tickets_pb2.ORDER_STATUS_REFUNDED)
        self.assertEqual(fetched.refunded_amount, "80.00")

    def test_cancelling_twice_changes_nothing_more_and_refunds_once(self):
        self.reserve_order(self.balcony.id, 1, self.OTHER_CUSTOMER)
        paid = self.paid_order(self.floor.id, 2)
        self.cancel_sales()
        self.assertEqual(cancellation.refund_pending_orders(), 1)

        again = self.cancel_sales()

        self.assertEqual((again.holds_released, again.tickets_voided, again.refunds_queued), (0, 0, 0))
        self.assertEqual(cancellation.refund_pending_orders(), 0)
        self.assertEqual(self.order_row(paid.id).status, Order.Status.REFUNDED)
        self.assertEqual(self.payment_of(paid.id).refunded_amount, "80.00")
        self.assertEqual([self.row(self.floor.id).held, self.row(self.balcony.id).held], [0, 0])

    def test_new_reservations_are_refused_with_event_cancelled(self):
        self.cancel_sales()

        self.assertFails(
            StatusCode.FAILED_PRECONDITION,
            "event_cancelled",
            "ReserveSeats",
            self.CUSTOMER,
            ticket_type_id=self.floor.id,
            quantity=1,
        )
        self.assertFalse(TicketType.objects.filter(event_id=self.event.id, sales_open=True).exists())

    def test_other_events_are_untouched(self):
        other_type = self.make_ticket_type(capacity=10)
        held = self.reserve_order(other_type.id, 2)
        (ticket,) = self.paid_order(other_type.id, 1).tickets

        self.cancel_sales()

        self.assertEqual(self.order_row(held.id).status, Order.Status.RESERVED)
        self.assertEqual(Ticket.objects.get(pk=ticket.id).status, Ticket.Status.VALID)
        self.assertEqual(self.row(other_type.id).held, 2)
        self.assertTrue(self.row(other_type.id).sales_open)

    def test_staff_may_cancel_the_sales(self):
        self.reserve_order(self.floor.id, 2)

        self.assertEqual(self.cancel_sales(self.STAFF).holds_released, 1)

    def test_another_organizer_is_permission_denied(self):
        held = self.reserve_order(self.floor.id, 2)

        self.assertFails(
            StatusCode.PERMISSION_DENIED, None, "CancelEventSales", self.OTHER_ORGANIZER, event_id=self.event.id
        )

        self.assertEqual(self.order_row(held.id).status, Order.Status.RESERVED)
        self.assertTrue(self.row(self.floor.id).sales_open)

    def test_customer_is_permission_denied(self):
        self.assertFails(StatusCode.PERMISSION_DENIED, None, "CancelEventSales", self.CUSTOMER, event_id=self.event.id)

        self.assertTrue(self.row(self.floor.id).sales_open)

    def test_unknown_event_is_not_found(self):
        self.assertFails(StatusCode.NOT_FOUND, None, "CancelEventSales", self.ORGANIZER, event_id=987654321)

    def test_cancelling_the_event_at_the_events_service_stops_its_sales_here(self):
        held = self.reserve_order(self.floor.id, 2)
        paid = self.paid_order(self.balcony.id, 1, self.OTHER_CUSTOMER)

        event = self.cancel_event(self.event.id)

        self.assertEqual(event.status, events_pb2.EVENT_STATUS_CANCELLED)
        self.assertEqual(self.order_row(held.id).status, Order.Status.CANCELLED)
        self.assertEqual(self.order_row(paid.id).status, Order.Status.REFUND_PENDING)
        self.assertFalse(TicketType.objects.filter(event_id=self.event.id, sales_open=True).exists())
