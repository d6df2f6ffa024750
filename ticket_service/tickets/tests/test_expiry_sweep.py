"""The periodic sweep: lapsed holds give their seats back, but a charged order is never expired."""

from datetime import timedelta

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
