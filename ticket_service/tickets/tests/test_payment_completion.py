"""INVARIANT 3: never a payment without tickets. payments.complete_paid_order turns a succeeded
payment into tickets while the seats are there, and refunds it when they are gone."""

import time
from concurrent.futures import ThreadPoolExecutor

from grpc import StatusCode

from protos.payments.v1 import payments_pb2
from protos.tickets.v1 import tickets_pb2
from servicekit.errors import DomainError
from ticket_service.tickets.models import Order, Ticket
from ticket_service.tickets.services import errors, holds, payments
from ticket_service.tickets.tests.support import RaceTestCase, TicketServiceTestCase, run_together


class CompletePaidOrderTests(TicketServiceTestCase):
    def test_payment_of_an_order_whose_seats_were_resold_is_refunded(self):
        ticket_type = self.make_ticket_type(capacity=2, price="30.00")
        late = self.reserve_order(ticket_type.id, 2)
        self.expire(late.id)
        self.paid_order(ticket_type.id, 2, self.OTHER_CUSTOMER)  # releases the lapsed hold, then buys its seats
        payment = self.charge_directly(self.order_row(late.id))

        with self.assertRaises(errors.HoldExpired):
            payments.complete_paid_order(late.id, payment)

        row = self.order_row(late.id)
        self.assertEqual(row.status, Order.Status.REFUNDED)
        self.assertEqual(str(row.refunded_amount), "60.00")
        self.assertFalse(Ticket.objects.filter(order_id=late.id).exists())
        refunded = self.payment_of(late.id)
        self.assertEqual(refunded.status, payments_pb2.PAYMENT_STATUS_REFUNDED)
        self.assertEqual(refunded.refunded_amount, "60.00")
        ticket_type_row = self.row(ticket_type.id)
        self.assertEqual((ticket_type_row.sold, ticket_type_row.held), (2, 0))

    def test_payment_of_an_order_cancelled_meanwhile_is_refunded_and_the_order_stays_cancelled(self):
        ticket_type = self.make_ticket_type(capacity=5, price="30.00")
        order = self.reserve_order(ticket_type.id, 2)
        self.call("CancelOrder", self.CUSTOMER, order_id=order.id)
        payment = self.charge_directly(self.order_row(order.id))

        with self.assertRaises(errors.OrderCancelled) as raised:
            payments.complete_paid_order(order.id, payment)

        self.assertEqual(raised.exception.extra, {"refunded_amount": "60.00"})
        row = self.order_row(order.id)
        self.assertEqual((row.status, str(row.refunded_amount)), (Order.Status.CANCELLED, "60.00"))
        self.assertEqual(self.payment_of(order.id).status, payments_pb2.PAYMENT_STATUS_REFUNDED)
        self.assertEqual(self.row(ticket_type.id).sold, 0)

    def test_expired_order_takes_its_seats_again_if_they_are_still_free(self):
        ticket_type = self.make_ticket_type(capacity=5)
        order = self.reserve_order(ticket_type.id, 2)
        self.expire(order.id)
        self.assertEqual(holds.release_expired_holds(ticket_type_ids=[ticket_type.id]), 1)
        self.assertEqual(self.order_row(order.id).status, Order.Status.EXPIRED)
        payment = self.charge_directly(self.order_row(order.id))

        completed = payments.complete_paid_order(order.id, payment)

        self.assertEqual(completed.status, Order.Status.PAID)
        self.assertEqual((completed.payment_brand, completed.payment_last4), ("visa", "4242"))
        self.assertEqual(Ticket.objects.filter(order_id=order.id).count(), 2)
        row = self.row(ticket_type.id)
        self.assertEqual((row.sold, row.held), (2, 0))
        self.assertEqual(self.payment_of(order.id).status, payments_pb2.PAYMENT_STATUS_SUCCEEDED)

    def test_completing_a_paid_order_again_changes_nothing(self):
        ticket_type = self.make_ticket_type(capacity=5)
        order = self.paid_order(ticket_type.id, 2)
        payment = self.payment_of(order.id)

        again = payments.complete_paid_order(order.id, payment)

        self.assertEqual(again.status, Order.Status.PAID)
        self.assertEqual(Ticket.objects.filter(order_id=order.id).count(), 2)
        self.assertEqual(self.row(ticket_type.id).sold, 2)
        self.assertEqual(self.payment_of(order.id).status, payments_pb2.PAYMENT_STATUS_SUCCEEDED)


class CancelWhileTheCardIsChargedTests(TicketServiceTestCase):
    SLOW_CARD = "4000000000000077"  # the simulated provider answers after 3 s

    def wait_for_the_charge_to_start(self, order_id: int) -> None:
        deadline = time.monotonic() + 10
        while self.order_row(order_id).payment_started_at is None:
            self.assertLess(time.monotonic(), deadline, "the payment never started")
            time.sleep(0.02)

    def test_the_payment_is_answered_order_cancelled_with_its_refund_and_the_order_stays_cancelled(self):
        ticket_type = self.make_ticket_type(capacity=5, price="30.00")
        order = self.reserve_order(ticket_type.id, 2)
        with ThreadPoolExecutor(max_workers=1) as pool:
            paying = pool.submit(self.pay, order.id, self.CUSTOMER, self.SLOW_CARD)
            self.wait_for_the_charge_to_start(order.id)
            cancelled = self.call("CancelOrder", self.CUSTOMER, order_id=order.id)
            with self.assertRaises(DomainError) as raised:
                paying.result(timeout=30)

        self.assertEqual(cancelled.status, tickets_pb2.ORDER_STATUS_CANCELLED)
        self.assertDomainError(raised.exception, StatusCode.FAILED_PRECONDITION, "order_cancelled")
        self.assertEqual(raised.exception.extra, {"refunded_amount": "60.00"})
        row = self.order_row(order.id)
        self.assertEqual((row.status, str(row.refunded_amount)), (Order.Status.CANCELLED, "60.00"))
        self.assertIsNone(row.payment_started_at)  # settled: the sweep has nothing to reconcile
        self.assertFalse(Ticket.objects.filter(order_id=order.id).exists())
        self.assertEqual(self.payment_of(order.id).status, payments_pb2.PAYMENT_STATUS_REFUNDED)
        ticket_type_row = self.row(ticket_type.id)
        self.assertEqual((ticket_type_row.sold, ticket_type_row.held), (0, 0))


class PayWhileCancellingRaceTests(RaceTestCase):
    def test_paying_and_cancelling_an_order_at_once_never_leaves_a_payment_without_tickets(self):
        ticket_type = self.make_ticket_type(capacity=5)
        order = self.reserve_order(ticket_type.id, 2)

        def pay():
            return self.pay(order.id)

        def cancel():
            return self.call("CancelOrder", self.CUSTOMER, order_id=order.id)

        results = run_together([pay, cancel] * 5)

        expected_refusals = {"order_cancelled", "order_not_payable", "order_not_cancellable"}
        for result in results:
            if isinstance(result, DomainError):
                self.assertEqual(result.status, StatusCode.FAILED_PRECONDITION, result)
                self.assertIn(result.code, expected_refusals, result)
        row = self.order_row(order.id)
        tickets = Ticket.objects.filter(order_id=order.id).count()
        ticket_type_row = self.row(ticket_type.id)
        try:
            payment_status = self.payment_of(order.id).status
        except DomainError as error:
            self.assertEqual(error.status, StatusCode.NOT_FOUND, error)
            payment_status = None
        if row.status == Order.Status.PAID:
            self.assertEqual(payment_status, payments_pb2.PAYMENT_STATUS_SUCCEEDED)
            self.assertEqual(tickets, 2)
            self.assertEqual((ticket_type_row.sold, ticket_type_row.held), (2, 0))
        else:
            self.assertEqual(row.status, Order.Status.CANCELLED)
            self.assertIn(payment_status, [None, payments_pb2.PAYMENT_STATUS_REFUNDED])
            self.assertEqual(tickets, 0)
            self.assertEqual((ticket_type_row.sold, ticket_type_row.held), (0, 0))
