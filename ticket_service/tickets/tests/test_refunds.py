"""RefundOrder: the event's organizer refunds a paid order in full, or some of its tickets, once."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from grpc import StatusCode

from devkit.databases import mysql_connection, only_on_mysql
from protos.payments.v1 import payments_pb2
from protos.tickets.v1 import tickets_pb2
from servicekit.errors import DomainError
from ticket_service.tickets.models import CustomerSeats, Order, OrderLine, OrderRefund, OutboxMessage, Ticket
from ticket_service.tickets.services import refunds
from ticket_service.tickets.services.periodic import sweep
from ticket_service.tickets.tests.support import RaceTestCase, TicketServiceTestCase, run_together


def refund_messages(order_id: int) -> list[dict]:
    rows = OutboxMessage.objects.filter(task_name="notifications.order_refunded", kwargs__order_id=order_id)
    return [row.kwargs for row in rows.order_by("id")]


class RefundTestCase(TicketServiceTestCase):
    def setUp(self):
        super().setUp()
        self.event = self.make_event()
        self.floor = self.make_ticket_type(event_id=self.event.id, price="40.00", name="Floor", max_per_customer=4)
        self.balcony = self.make_ticket_type(event_id=self.event.id, price="15.00", name="Balcony")

    def refund(self, order_id: int, *ticket_ids: int, caller=None) -> tickets_pb2.Order:
        return self.call(
            "RefundOrder", caller or self.ORGANIZER, event_id=self.event.id, order_id=order_id, ticket_ids=ticket_ids
        )

    def family_order(self) -> tickets_pb2.Order:
        """2 floor seats and 1 balcony seat, paid: 95.00."""
        order = self.reserve_lines([(self.floor.id, 2), (self.balcony.id, 1)]).order
        return self.pay(order.id)


class FullRefundTests(RefundTestCase):
    def test_a_full_refund_refunds_the_payment_and_voids_every_ticket(self):
        paid = self.family_order()

        order = self.refund(paid.id)

        self.assertEqual((order.status, order.refunded_amount), (tickets_pb2.ORDER_STATUS_REFUNDED, "95.00"))
        self.assertEqual({ticket.status for ticket in order.tickets}, {tickets_pb2.TICKET_STATUS_VOID})
        payment = self.payment_of(paid.id)
        self.assertEqual((payment.status, payment.refunded_amount), (payments_pb2.PAYMENT_STATUS_REFUNDED, "95.00"))

    def test_its_seats_go_back_on_sale_and_no_longer_count_against_the_customer(self):
        paid = self.family_order()

        self.refund(paid.id)

        self.assertEqual([self.row(self.floor.id).sold, self.row(self.balcony.id).sold], [0, 0])
        self.assertEqual(CustomerSeats.objects.get(ticket_type_id=self.floor.id).seats, 0)

    def test_the_buyer_is_emailed_the_amount_once(self):
        paid = self.family_order()

        self.refund(paid.id)

        [message] = refund_messages(paid.id)
        self.assertEqual(
            message,
            {
                "order_id": paid.id,
                "refund_key": "full",
                "email": paid.email,
                "full_name": paid.full_name,
                "event_id": self.event.id,
                "amount": "95.00",
                "currency": "USD",
                "tickets": 3,
                "full": True,
            },
        )

    def test_refunding_a_refunded_order_returns_it_and_refunds_nothing_more(self):
        paid = self.family_order()
        first = self.refund(paid.id)

        again = self.refund(paid.id)

        self.assertEqual(again, first)
        self.assertEqual(len(refund_messages(paid.id)), 1)
        self.assertEqual(self.row(self.floor.id).sold, 0)

    def test_a_full_refund_after_a_partial_one_refunds_the_rest(self):
        paid = self.family_order()
        self.refund(paid.id, paid.tickets[0].id)

        order = self.refund(paid.id)

        self.assertEqual((order.status, order.refunded_amount), (tickets_pb2.ORDER_STATUS_REFUNDED, "95.00"))
        self.assertEqual([m["amount"] for m in refund_messages(paid.id)], ["40.00", "55.00"])
        self.assertEqual(self.payment_of(paid.id).refunded_amount, "95.00")

    def test_an_order_that_is_not_paid_is_order_not_refundable(self):
        reserved = self.reserve_order(self.floor.id)
        cancelled = self.call("CancelOrder", self.CUSTOMER, order_id=self.reserve_order(self.floor.id).id)

        for order in (reserved, cancelled):
            self.assertFails(
                StatusCode.FAILED_PRECONDITION,
                "order_not_refundable",
                "RefundOrder",
                self.ORGANIZER,
                event_id=self.event.id,
                order_id=order.id,
            )

    def test_an_order_with_a_checked_in_ticket_is_ticket_checked_in_and_nothing_changes(self):
        paid = self.family_order()
        self.check_in(paid.tickets[0].code)

        error = self.assertFails(
            StatusCode.FAILED_PRECONDITION,
            "ticket_checked_in",
            "RefundOrder",
            self.ORGANIZER,
            event_id=self.event.id,
            order_id=paid.id,
        )

        self.assertEqual(error.extra, {"ticket_ids": [paid.tickets[0].id]})
        self.assertEqual(self.order_row(paid.id).status, Order.Status.PAID)
        self.assertEqual(self.row(self.floor.id).sold, 2)
        self.assertFalse(OrderRefund.objects.exists())

    def test_staff_may_refund_and_another_organizer_may_not(self):
        paid = self.family_order()
        self.assertFails(
            StatusCode.PERMISSION_DENIED,
            None,
            "RefundOrder",
            self.OTHER_ORGANIZER,
            event_id=self.event.id,
            order_id=paid.id,
        )

        self.assertEqual(self.refund(paid.id, caller=self.STAFF).status, tickets_pb2.ORDER_STATUS_REFUNDED)

    def test_an_order_of_another_event_is_not_found(self):
        other = self.make_ticket_type()
        paid = self.paid_order(other.id)

        self.assertFails(
            StatusCode.NOT_FOUND, None, "RefundOrder", self.ORGANIZER, event_id=self.event.id, order_id=paid.id
        )
        self.assertEqual(self.order_row(paid.id).status, Order.Status.PAID)

    def test_a_free_order_is_refunded_without_a_payment(self):
        free = self.make_ticket_type(event_id=self.event.id, price="0.00", name="Guest list")
        paid = self.paid_order(free.id, 2)

        order = self.refund(paid.id)

        self.assertEqual((order.status, order.refunded_amount), (tickets_pb2.ORDER_STATUS_REFUNDED, "0.00"))
        self.assertEqual(self.row(free.id).sold, 0)


class PartialRefundTests(RefundTestCase):
    def test_refunding_tickets_voids_them_refunds_their_seats_and_the_order_stays_paid(self):
        paid = self.family_order()
        floor_ticket = paid.tickets[0]

        order = self.refund(paid.id, floor_ticket.id)

        self.assertEqual((order.status, order.refunded_amount), (tickets_pb2.ORDER_STATUS_PAID, "40.00"))
        statuses = {ticket.id: ticket.status for ticket in order.tickets}
        self.assertEqual(statuses.pop(floor_ticket.id), tickets_pb2.TICKET_STATUS_VOID)
        self.assertEqual(set(statuses.values()), {tickets_pb2.TICKET_STATUS_VALID})
        payment = self.payment_of(paid.id)
        self.assertEqual((payment.status, payment.refunded_amount), (payments_pb2.PAYMENT_STATUS_SUCCEEDED, "40.00"))
        self.assertEqual([self.row(self.floor.id).sold, self.row(self.balcony.id).sold], [1, 1])
        self.assertEqual(CustomerSeats.objects.get(ticket_type_id=self.floor.id).seats, 1)
        self.assertEqual(
            [(m["amount"], m["tickets"], m["full"]) for m in refund_messages(paid.id)], [("40.00", 1, False)]
        )

    def test_a_voucher_discounted_seat_refunds_what_was_paid_for_it(self):
        self.call(
            "CreateVouchers",
            self.ORGANIZER,
            event_id=self.event.id,
            code="HALF",
            discount_kind="percent",
            discount_value="50",
            max_uses=5,
        )
        order = self.reserve_lines([(self.floor.id, 2)], voucher="half").order
        paid = self.pay(order.id)

        self.assertEqual(self.refund(paid.id, paid.tickets[1].id).refunded_amount, "20.00")

    def test_refunding_every_ticket_in_parts_refunds_the_order(self):
        paid = self.family_order()
        self.refund(paid.id, paid.tickets[0].id, paid.tickets[2].id)

        order = self.refund(paid.id, paid.tickets[1].id)

        self.assertEqual((order.status, order.refunded_amount), (tickets_pb2.ORDER_STATUS_REFUNDED, "95.00"))
        self.assertEqual(self.payment_of(paid.id).status, payments_pb2.PAYMENT_STATUS_REFUNDED)

    def test_an_already_refunded_ticket_or_one_of_another_order_is_invalid_argument_naming_it(self):
        paid = self.family_order()
        other = self.paid_order(self.balcony.id)
        self.refund(paid.id, paid.tickets[0].id)

        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT,
            None,
            "RefundOrder",
            self.ORGANIZER,
            event_id=self.event.id,
            order_id=paid.id,
            ticket_ids=[paid.tickets[0].id, other.tickets[0].id],
        )

        self.assertEqual(
            error.field_errors["tickets"],
            [
                f"Ticket {paid.tickets[0].id} is already refunded.",
                f"Ticket {other.tickets[0].id} is not a ticket of this order.",
            ],
        )
        self.assertEqual(self.order_row(paid.id).refunded_amount, Decimal("40.00"))

    def test_a_checked_in_ticket_is_ticket_checked_in(self):
        paid = self.family_order()
        self.check_in(paid.tickets[1].code)

        error = self.assertFails(
            StatusCode.FAILED_PRECONDITION,
            "ticket_checked_in",
            "RefundOrder",
            self.ORGANIZER,
            event_id=self.event.id,
            order_id=paid.id,
            ticket_ids=[paid.tickets[0].id, paid.tickets[1].id],
        )

        self.assertEqual(error.extra, {"ticket_ids": [paid.tickets[1].id]})
        self.assertEqual(Ticket.objects.get(pk=paid.tickets[0].id).status, Ticket.Status.VALID)

    def test_a_non_positive_ticket_id_is_invalid_argument(self):
        paid = self.family_order()

        self.assertFails(
            StatusCode.INVALID_ARGUMENT,
            None,
            "RefundOrder",
            self.ORGANIZER,
            event_id=self.event.id,
            order_id=paid.id,
            ticket_ids=[0],
        )


class SeatPriceTests(TicketServiceTestCase):
    """Each seat is its line's total / quantity to the cent; the line's last seat what is left."""

    def test_seats_round_to_the_cent_and_the_last_one_absorbs_the_rounding(self):
        line = OrderLine(quantity=3, total=Decimal("10.00"))
        self.assertEqual(
            [refunds._refunded_by(line, seats) for seats in range(4)],
            [0, Decimal("3.33"), Decimal("6.66"), Decimal("10.00")],
        )

    def test_seats_rounded_up_never_add_up_past_the_line(self):
        line = OrderLine(quantity=10, total=Decimal("0.05"))

        refunded = [refunds._refunded_by(line, seats) for seats in range(11)]

        self.assertEqual(refunded, sorted(refunded))
        self.assertEqual((max(refunded), refunded[-1]), (Decimal("0.05"), Decimal("0.05")))


class PendingRefundTests(RefundTestCase):
    def test_a_refund_whose_payment_call_failed_is_settled_by_the_sweep(self):
        paid = self.family_order()
        refund = refunds._claim(paid.id, [])  # claimed, as if the payments service were down then
        OrderRefund.objects.filter(pk=refund.pk).update(created_at=timezone.now() - timedelta(minutes=1))

        sweep()

        self.assertEqual(OrderRefund.objects.get(pk=refund.pk).status, OrderRefund.Status.DONE)
        self.assertEqual(self.order_row(paid.id).status, Order.Status.REFUNDED)
        self.assertEqual(self.payment_of(paid.id).refunded_amount, "95.00")
        self.assertEqual(len(refund_messages(paid.id)), 1)


@only_on_mysql("concurrent refunds need MySQL's row locks")
class RefundRaceTests(RefundTestCase, RaceTestCase):
    def provider_refunds(self, order_id: int) -> list[tuple]:
        """The payments service's refunds of the order (its own table, read for the test's sake)."""
        with mysql_connection(self.stack.database_url) as payments_db:
            cursor = payments_db.cursor()
            cursor.execute(
                "SELECT r.`key`, r.amount FROM payments_refund r JOIN payments_payment p ON p.id = r.payment_id "
                "WHERE p.order_id = %s",
                (order_id,),
            )
            return [(key, str(amount)) for key, amount in cursor.fetchall()]

    def test_twenty_simultaneous_full_refunds_refund_once_and_email_once(self):
        paid = self.family_order()

        answers = run_together([lambda: self.refund(paid.id) for _ in range(20)])

        self.assertEqual([type(a) for a in answers], [tickets_pb2.Order] * 20, answers)
        self.assertEqual(
            {(a.status, a.refunded_amount) for a in answers}, {(tickets_pb2.ORDER_STATUS_REFUNDED, "95.00")}
        )
        self.assertEqual(self.provider_refunds(paid.id), [("full", "95.00")])
        self.assertEqual(len(refund_messages(paid.id)), 1)
        self.assertEqual([self.row(self.floor.id).sold, self.row(self.balcony.id).sold], [0, 0])

    def test_simultaneous_partial_refunds_of_one_ticket_refund_it_once(self):
        paid = self.family_order()
        ticket_id = paid.tickets[0].id

        answers = run_together([lambda: self.refund(paid.id, ticket_id) for _ in range(8)])

        refused = [a for a in answers if isinstance(a, DomainError)]
        self.assertEqual(len(refused), 7, answers)
        self.assertEqual({a.status for a in refused}, {StatusCode.INVALID_ARGUMENT})
        self.assertEqual(self.provider_refunds(paid.id), [(f"tickets:{ticket_id}", "40.00")])
        self.assertEqual(self.row(self.floor.id).sold, 1)
        self.assertEqual(len(refund_messages(paid.id)), 1)
