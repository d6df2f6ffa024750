"""The periodic sweep: lapsed holds give their seats back, but a charged order is never expired."""

from datetime import timedelta
from unittest import mock

from protos.payments.v1 import payments_pb2
from servicekit.errors import DomainError
from ticket_service.tickets.models import Order, Ticket
from ticket_service.tickets.services import holds, payments
from ticket_service.tickets.tests.support import DECLINED, TicketServiceTestCase, from_now

LONG_AGO = timedelta(seconds=payments.CHARGE_SETTLED_AFTER.total_seconds() + 5)


class ReleaseExpiredHoldsTests(TicketServiceTestCase):
    def test_orders_past_their_hold_are_expired_and_their_seats_freed(self):
        ticket_type = self.make_ticket_type(capacity=10)
        lapsed = self.reserve_order(ticket_type.id, 3)
        self.expire(lapsed.id)

        released = holds.release_expired_holds()

        self.assertEqual(released, 1)
        self.assertEqual(self.order_row(lapsed.id).status, Order.Status.EXPIRED)
        self.assertEqual(self.row(ticket_type.id).held, 0)

    def test_orders_within_their_hold_are_left_alone(self):
        ticket_type = self.make_ticket_type(capacity=10)
        lapsed = self.reserve_order(ticket_type.id, 3)
        current = self.reserve_order(ticket_type.id, 2, self.OTHER_CUSTOMER)
        self.expire(lapsed.id)

        holds.release_expired_holds()

        self.assertEqual(self.order_row(current.id).status, Order.Status.RESERVED)
        self.assertEqual(self.row(ticket_type.id).held, 2)

    def test_releasing_twice_frees_the_seats_once(self):
        ticket_type = self.make_ticket_type(capacity=10)
        self.reserve_order(ticket_type.id, 2, self.OTHER_CUSTOMER)
        lapsed = self.reserve_order(ticket_type.id, 3)
        self.expire(lapsed.id)
        holds.release_expired_holds()

        self.assertEqual(holds.release_expired_holds(), 0)

        self.assertEqual(self.row(ticket_type.id).held, 2)

    def test_order_whose_payment_started_recently_is_left_alone(self):
        ticket_type = self.make_ticket_type(capacity=10)
        order = self.reserve_order(ticket_type.id, 3)
        self.expire(order.id, payment_started_at=from_now(seconds=-5))

        self.assertEqual(holds.release_expired_holds(), 0)

        self.assertEqual(self.order_row(order.id).status, Order.Status.RESERVED)
        self.assertEqual(self.row(ticket_type.id).held, 3)

    def test_order_charged_long_ago_is_completed_to_paid_rather_than_expired(self):
        ticket_type = self.make_ticket_type(capacity=10)
        order = self.reserve_order(ticket_type.id, 3)
        self.charge_directly(self.order_row(order.id))  # the charge went through; its answer was lost
        self.expire(order.id, payment_started_at=from_now() - LONG_AGO)

        holds.release_expired_holds()

        row = self.order_row(order.id)
        self.assertEqual(row.status, Order.Status.PAID)
        self.assertEqual(row.payment_last4, "4242")
        self.assertEqual(Ticket.objects.filter(order_id=order.id).count(), 3)
        ticket_type_row = self.row(ticket_type.id)
        self.assertEqual((ticket_type_row.sold, ticket_type_row.held), (3, 0))

    def test_order_whose_old_charge_never_happened_is_expired(self):
        ticket_type = self.make_ticket_type(capacity=10)
        order = self.reserve_order(ticket_type.id, 3)
        self.expire(order.id, payment_started_at=from_now() - LONG_AGO)

        self.assertEqual(holds.release_expired_holds(), 1)

        row = self.order_row(order.id)
        self.assertEqual(row.status, Order.Status.EXPIRED)
        self.assertIsNone(row.payment_started_at)
        self.assertEqual(self.row(ticket_type.id).held, 0)

    def test_order_whose_old_charge_was_declined_is_expired(self):
        ticket_type = self.make_ticket_type(capacity=10)
        order = self.reserve_order(ticket_type.id, 3)
        with self.assertRaises(DomainError):
            self.charge_directly(self.order_row(order.id), number=DECLINED)
        self.expire(order.id, payment_started_at=from_now() - LONG_AGO)

        self.assertEqual(holds.release_expired_holds(), 1)

        self.assertEqual(self.order_row(order.id).status, Order.Status.EXPIRED)
        self.assertFalse(Ticket.objects.filter(order_id=order.id).exists())


class ReleaseExpiredHoldsOfTypesTests(TicketServiceTestCase):
    """The refusal path's form (ticket_type_ids): only lapsed orders with a line of the types, each once."""

    def setUp(self):
        super().setUp()
        event = self.make_event()
        self.a, self.b, self.c = (self.make_ticket_type(event_id=event.id, name=name) for name in "ABC")

    def test_a_lapsed_order_with_lines_of_several_of_the_types_is_released_once(self):
        both = self.reserve_lines([(self.a.id, 2), (self.b.id, 1)]).order
        other = self.reserve_lines([(self.c.id, 1)], self.OTHER_CUSTOMER).order
        current = self.reserve_lines([(self.a.id, 3)], self.OTHER_CUSTOMER).order
        self.expire(both.id)
        self.expire(other.id)

        self.assertEqual(holds.release_expired_holds(ticket_type_ids=[self.a.id, self.b.id]), 1)

        self.assertEqual(self.order_row(both.id).status, Order.Status.EXPIRED)
        self.assertEqual(self.order_row(other.id).status, Order.Status.RESERVED)  # not of the types
        self.assertEqual(self.order_row(current.id).status, Order.Status.RESERVED)  # within its hold
        self.assertEqual((self.row(self.a.id).held, self.row(self.b.id).held), (3, 0))
        self.assertEqual(holds.release_expired_holds(ticket_type_ids=[]), 0)
        self.assertEqual(self.order_row(other.id).status, Order.Status.RESERVED)

    def test_a_lapsed_order_whose_payment_started_recently_is_left_alone(self):
        order = self.reserve_order(self.a.id, 2)
        self.expire(order.id, payment_started_at=from_now(seconds=-5))

        self.assertEqual(holds.release_expired_holds(ticket_type_ids=[self.a.id]), 0)

        self.assertEqual(self.order_row(order.id).status, Order.Status.RESERVED)

    def test_at_most_a_batch_is_released_at_a_time(self):
        first = self.reserve_order(self.a.id, 1)
        second = self.reserve_order(self.a.id, 1, self.OTHER_CUSTOMER)
        self.expire(first.id)
        self.expire(second.id)

        with mock.patch.object(holds, "SWEEP_BATCH", 1):
            self.assertEqual(holds.release_expired_holds(ticket_type_ids=[self.a.id]), 1)
            self.assertEqual(holds.release_expired_holds(ticket_type_ids=[self.a.id]), 1)

        self.assertEqual(self.row(self.a.id).held, 0)


class ReconcileAbandonedPaymentsTests(TicketServiceTestCase):
    def test_expired_order_charged_meanwhile_is_completed_if_its_seats_are_free(self):
        ticket_type = self.make_ticket_type(capacity=10)
        order = self.reserve_order(ticket_type.id, 2)
        self.expire(order.id)
        holds.release_expired_holds()
        self.charge_directly(self.order_row(order.id))
        Order.objects.filter(pk=order.id).update(payment_started_at=from_now() - LONG_AGO)

        self.assertEqual(payments.reconcile_abandoned_payments(), 1)

        self.assertEqual(self.order_row(order.id).status, Order.Status.PAID)
        self.assertEqual(self.row(ticket_type.id).sold, 2)

    def test_expired_order_charged_meanwhile_is_refunded_if_its_seats_are_gone(self):
        ticket_type = self.make_ticket_type(capacity=2)
        order = self.reserve_order(ticket_type.id, 2)
        self.expire(order.id)
        self.reserve_order(ticket_type.id, 2, self.OTHER_CUSTOMER)
        self.charge_directly(self.order_row(order.id))
        Order.objects.filter(pk=order.id).update(payment_started_at=from_now() - LONG_AGO)

        payments.reconcile_abandoned_payments()

        self.assertEqual(self.order_row(order.id).status, Order.Status.REFUNDED)
        self.assertEqual(self.payment_of(order.id).status, payments_pb2.PAYMENT_STATUS_REFUNDED)
        self.assertEqual(self.row(ticket_type.id).held, 2)
