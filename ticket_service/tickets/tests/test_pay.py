"""PayOrder: charge the order once through the payments service and issue its tickets."""

from grpc import StatusCode

from protos.payments.v1 import payments_pb2
from protos.tickets.v1 import tickets_pb2
from servicekit.errors import DomainError
from ticket_service.tickets.models import Order, Ticket
from ticket_service.tickets.tests.support import (
    BAD_LUHN,
    DECLINED,
    INSUFFICIENT_FUNDS,
    MASTERCARD,
    PROCESSING_ERROR,
    THIS_YEAR,
    VISA,
    RaceTestCase,
    TicketServiceTestCase,
    card,
    from_now,
    run_together,
)


class PayOrderTests(TicketServiceTestCase):
    def test_paid_order_has_its_quantity_of_tickets_with_distinct_codes(self):
        ticket_type = self.make_ticket_type(price="20.00")
        order = self.reserve_order(ticket_type.id, 3)

        paid = self.pay(order.id)

        self.assertEqual(paid.id, order.id)
        self.assertEqual(paid.status, tickets_pb2.ORDER_STATUS_PAID)
        self.assertTrue(paid.HasField("paid_at"))
        self.assertEqual(len(paid.tickets), 3)
        self.assertEqual(len({t.code for t in paid.tickets}), 3)
        for ticket in paid.tickets:
            self.assertEqual(ticket.status, tickets_pb2.TICKET_STATUS_VALID)
            self.assertEqual((ticket.order_id, ticket.ticket_type_id), (order.id, ticket_type.id))
            self.assertEqual(ticket.holder_name, order.full_name)
        self.assertEqual(Ticket.objects.filter(order_id=order.id, user_id=self.CUSTOMER.user_id).count(), 3)

    def test_paid_order_shows_the_card_brand_and_last4(self):
        order = self.reserve_order(self.make_ticket_type().id)

        paid = self.pay(order.id, number=VISA)

        self.assertEqual((paid.payment.brand, paid.payment.last4), ("visa", "4242"))

    def test_paying_moves_the_seats_from_held_to_sold(self):
        ticket_type = self.make_ticket_type(capacity=10)
        order = self.reserve_order(ticket_type.id, 3)

        self.pay(order.id)

        row = self.row(ticket_type.id)
        self.assertEqual((row.sold, row.held, row.available), (3, 0, 7))

    def test_the_order_total_is_charged_in_its_currency(self):
        ticket_type = self.make_ticket_type(price="12.50", currency="EUR")
        order = self.reserve_order(ticket_type.id, 2)

        self.pay(order.id)

        payment = self.payment_of(order.id)
        self.assertEqual(payment.status, payments_pb2.PAYMENT_STATUS_SUCCEEDED)
        self.assertEqual((payment.amount, payment.currency), ("25.00", "EUR"))

    def test_paying_a_paid_order_again_returns_it_and_issues_no_new_tickets(self):
        order = self.reserve_order(self.make_ticket_type().id, 2)
        first = self.pay(order.id)

        again = self.pay(order.id, number=MASTERCARD)

        self.assertEqual(again.status, tickets_pb2.ORDER_STATUS_PAID)
        self.assertEqual([t.code for t in again.tickets], [t.code for t in first.tickets])
        self.assertEqual(again.payment.last4, "4242")
        self.assertEqual(Ticket.objects.filter(order_id=order.id).count(), 2)

    def test_paying_a_paid_order_with_a_declined_card_still_returns_it(self):
        order = self.reserve_order(self.make_ticket_type().id)
        first = self.pay(order.id)

        again = self.pay(order.id, number=DECLINED)

        self.assertEqual(again.status, tickets_pb2.ORDER_STATUS_PAID)
        self.assertEqual([t.id for t in again.tickets], [t.id for t in first.tickets])

    def test_declined_card_is_failed_precondition_payment_declined(self):
        ticket_type = self.make_ticket_type()
        order = self.reserve_order(ticket_type.id, 2)

        self.assertFails(
            StatusCode.FAILED_PRECONDITION,
            "payment_declined",
            "PayOrder",
            self.CUSTOMER,
            order_id=order.id,
            card=card(DECLINED),
        )

        row = self.order_row(order.id)
        self.assertEqual(row.status, Order.Status.RESERVED)
        self.assertIsNone(row.payment_started_at)
        self.assertFalse(Ticket.objects.filter(order_id=order.id).exists())
        self.assertEqual(self.row(ticket_type.id).held, 2)

    def test_insufficient_funds_is_failed_precondition_payment_declined(self):
        order = self.reserve_order(self.make_ticket_type().id)

        self.assertFails(
            StatusCode.FAILED_PRECONDITION,
            "payment_declined",
            "PayOrder",
            self.CUSTOMER,
            order_id=order.id,
            card=card(INSUFFICIENT_FUNDS),
        )
        self.assertEqual(self.order_row(order.id).status, Order.Status.RESERVED)

    def test_declined_order_can_be_paid_with_a_good_card_afterwards(self):
        ticket_type = self.make_ticket_type()
        order = self.reserve_order(ticket_type.id, 2)
        with self.assertRaises(DomainError):
            self.pay(order.id, number=DECLINED)

        paid = self.pay(order.id, number=VISA)

        self.assertEqual(paid.status, tickets_pb2.ORDER_STATUS_PAID)
        self.assertEqual(len(paid.tickets), 2)
        self.assertEqual(self.row(ticket_type.id).sold, 2)

    def test_invalid_card_is_invalid_argument_with_field_errors(self):
        order = self.reserve_order(self.make_ticket_type().id)
        invalid_cards = {
            "bad luhn": card(BAD_LUHN),
            "expired": card(exp_month=1, exp_year=THIS_YEAR - 1),
            "short cvc": card(cvc="12"),
            "letters in cvc": card(cvc="12a"),
        }
        for label, bad_card in invalid_cards.items():
            with self.subTest(label):
                error = self.assertFails(
                    StatusCode.INVALID_ARGUMENT, None, "PayOrder", self.CUSTOMER, order_id=order.id, card=bad_card
                )
                self.assertTrue(error.field_errors, error)
        row = self.order_row(order.id)
        self.assertEqual(row.status, Order.Status.RESERVED)
        self.assertIsNone(row.payment_started_at)

    def test_provider_processing_error_is_unavailable_and_the_order_stays_reserved(self):
        ticket_type = self.make_ticket_type()
        order = self.reserve_order(ticket_type.id, 2)

        self.assertFails(
            StatusCode.UNAVAILABLE,
            "payment_provider_error",
            "PayOrder",
            self.CUSTOMER,
            order_id=order.id,
            card=card(PROCESSING_ERROR),
        )

        self.assertEqual(self.order_row(order.id).status, Order.Status.RESERVED)
        self.assertEqual(self.row(ticket_type.id).held, 2)
        self.assertFalse(Ticket.objects.filter(order_id=order.id).exists())

    def test_order_can_be_paid_after_a_processing_error(self):
        order = self.reserve_order(self.make_ticket_type().id)
        with self.assertRaises(DomainError):
            self.pay(order.id, number=PROCESSING_ERROR)

        self.assertEqual(self.pay(order.id).status, tickets_pb2.ORDER_STATUS_PAID)

    def test_expired_hold_is_failed_precondition_hold_expired_and_its_seats_are_released(self):
        ticket_type = self.make_ticket_type(capacity=5)
        order = self.reserve_order(ticket_type.id, 2)
        self.expire(order.id)

        self.assertFails(
            StatusCode.FAILED_PRECONDITION,
            "hold_expired",
            "PayOrder",
            self.CUSTOMER,
            order_id=order.id,
            card=card(),
        )

        self.assertEqual(self.order_row(order.id).status, Order.Status.EXPIRED)
        self.assertEqual(self.row(ticket_type.id).held, 0)
        with self.assertRaises(DomainError) as raised:
            self.payment_of(order.id)
        self.assertEqual(raised.exception.status, StatusCode.NOT_FOUND)

    def test_paying_again_an_order_charged_before_its_hold_lapsed_completes_it_with_that_charge(self):
        # The first attempt's card was charged, but the tickets service died before completing the order.
        ticket_type = self.make_ticket_type(capacity=5)
        order = self.reserve_order(ticket_type.id, 2)
        charged = self.charge_directly(self.order_row(order.id))
        self.expire(order.id, payment_started_at=from_now(seconds=-5))

        paid = self.pay(order.id, number=DECLINED)  # would be declined, were it charged again

        self.assertEqual(paid.status, tickets_pb2.ORDER_STATUS_PAID)
        self.assertEqual(len(self.tickets_of(order.id)), 2)
        payment = self.payment_of(order.id)
        self.assertEqual((payment.id, payment.status, payment.last4), (charged.id, charged.status, "4242"))
        self.assertEqual((self.row(ticket_type.id).sold, self.row(ticket_type.id).held), (2, 0))

    def test_cancelled_order_is_failed_precondition_order_not_payable(self):
        order = self.reserve_order(self.make_ticket_type().id)
        self.call("CancelOrder", self.CUSTOMER, order_id=order.id)

        self.assertFails(
            StatusCode.FAILED_PRECONDITION,
            "order_not_payable",
            "PayOrder",
            self.CUSTOMER,
            order_id=order.id,
            card=card(),
        )
        self.assertFalse(Ticket.objects.filter(order_id=order.id).exists())

    def test_someone_elses_order_is_not_found(self):
        order = self.reserve_order(self.make_ticket_type().id, caller=self.OTHER_CUSTOMER)

        self.assertFails(StatusCode.NOT_FOUND, None, "PayOrder", self.CUSTOMER, order_id=order.id, card=card())
        self.assertEqual(self.order_row(order.id).status, Order.Status.RESERVED)

    def test_unknown_order_is_not_found(self):
        self.assertFails(StatusCode.NOT_FOUND, None, "PayOrder", self.CUSTOMER, order_id=987654321, card=card())


class ConcurrentPaymentTests(RaceTestCase):
    """INVARIANT 2: an order is charged once and gets exactly its quantity of tickets."""

    def test_ten_payments_of_one_order_at_once_all_get_the_same_paid_order(self):
        ticket_type = self.make_ticket_type(capacity=10)
        order = self.reserve_order(ticket_type.id, 3)

        results = run_together([lambda: self.pay(order.id)] * 10)

        for result in results:
            self.assertNotIsInstance(result, DomainError, result)
            self.assertEqual(result.status, tickets_pb2.ORDER_STATUS_PAID)
        codes = {tuple(t.code for t in result.tickets) for result in results}
        self.assertEqual(len(codes), 1)
        self.assertEqual(Ticket.objects.filter(order_id=order.id).count(), 3)
        row = self.row(ticket_type.id)
        self.assertEqual((row.sold, row.held), (3, 0))
