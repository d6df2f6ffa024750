"""A ticket type's max_per_customer: the seats one customer holds and buys over all their orders.

The guard is a conditional UPDATE of the customer's CustomerSeats row in the transaction that holds
the seats, so parallel orders of one customer cannot pass the limit together.
"""

from grpc import StatusCode

from servicekit.errors import DomainError
from ticket_service.tickets.models import CustomerSeats, Order
from ticket_service.tickets.services import errors, payments
from ticket_service.tickets.tests.support import RaceTestCase, TicketServiceTestCase, run_together


class CustomerLimitTests(TicketServiceTestCase):
    def test_a_ticket_type_has_no_customer_limit_by_default(self):
        self.assertEqual(self.make_ticket_type().max_per_customer, 0)

    def test_the_customer_limit_is_shown_on_the_ticket_type(self):
        self.assertEqual(self.make_ticket_type(max_per_customer=4).max_per_customer, 4)

    def test_a_customer_limit_out_of_range_is_invalid_argument_on_max_per_customer(self):
        for limit in (-1, 1001):
            with self.subTest(limit=limit):
                error = self.assertFails(
                    StatusCode.INVALID_ARGUMENT,
                    None,
                    "CreateTicketType",
                    self.ORGANIZER,
                    event_id=self.make_event().id,
                    name="General",
                    price="5.00",
                    capacity=10,
                    max_per_customer=limit,
                )
                self.assertEqual(list(error.field_errors), ["max_per_customer"])

    def test_orders_within_the_limit_are_all_held(self):
        ticket_type = self.make_ticket_type(capacity=20, max_per_customer=4)

        self.reserve(ticket_type.id, 2)
        self.reserve(ticket_type.id, 2)

        self.assertEqual(self.row(ticket_type.id).held, 4)

    def test_an_order_past_the_limit_is_customer_limit_reached_with_what_the_customer_has(self):
        ticket_type = self.make_ticket_type(capacity=20, max_per_customer=4)
        self.reserve(ticket_type.id, 3)

        error = self.assertFails(
            StatusCode.FAILED_PRECONDITION,
            "customer_limit_reached",
            "ReserveSeats",
            self.CUSTOMER,
            ticket_type_id=ticket_type.id,
            quantity=2,
            email="buyer@example.com",
        )

        self.assertEqual(error.extra, {"ticket_type_id": ticket_type.id, "max_per_customer": 4, "held_and_bought": 3})
        self.assertEqual(self.row(ticket_type.id).held, 3)  # the refused order held nothing

    def test_paid_seats_count_against_the_limit(self):
        ticket_type = self.make_ticket_type(capacity=20, max_per_customer=2)
        self.paid_order(ticket_type.id, 2)

        self.assertFails(
            StatusCode.FAILED_PRECONDITION,
            "customer_limit_reached",
            "ReserveSeats",
            self.CUSTOMER,
            ticket_type_id=ticket_type.id,
            quantity=1,
        )

    def test_a_cancelled_orders_seats_no_longer_count(self):
        ticket_type = self.make_ticket_type(capacity=20, max_per_customer=2)
        order = self.reserve_order(ticket_type.id, 2)
        self.call("CancelOrder", self.CUSTOMER, order_id=order.id)

        self.reserve(ticket_type.id, 2)

        self.assertEqual(self.row(ticket_type.id).held, 2)

    def test_an_expired_holds_seats_no_longer_count(self):
        ticket_type = self.make_ticket_type(capacity=20, max_per_customer=2)
        order = self.reserve_order(ticket_type.id, 2)
        self.expire(order.id)

        self.reserve(ticket_type.id, 2)  # releases the lapsed hold first

        self.assertEqual(self.order_row(order.id).status, Order.Status.EXPIRED)
        self.assertEqual(self.row(ticket_type.id).held, 2)

    def test_the_limit_is_per_customer(self):
        ticket_type = self.make_ticket_type(capacity=20, max_per_customer=2)
        self.reserve(ticket_type.id, 2)

        self.reserve(ticket_type.id, 2, self.OTHER_CUSTOMER)

        self.assertEqual(self.row(ticket_type.id).held, 4)

    def test_the_limit_is_per_ticket_type(self):
        limited = self.make_ticket_type(capacity=20, max_per_customer=2)
        other = self.make_ticket_type(capacity=20, max_per_customer=2, event_id=limited.event_id, name="Balcony")
        self.reserve(limited.id, 2)

        self.reserve(other.id, 2)

        self.assertEqual(self.row(other.id).held, 2)

    def test_unlimited_types_keep_no_count(self):
        ticket_type = self.make_ticket_type(capacity=20)

        self.reserve(ticket_type.id, 2)

        self.assertFalse(CustomerSeats.objects.filter(ticket_type_id=ticket_type.id).exists())

    def test_a_lapsed_hold_charged_meanwhile_is_refunded_when_the_customer_reached_the_limit_since(self):
        ticket_type = self.make_ticket_type(capacity=20, max_per_customer=2)
        late = self.reserve_order(ticket_type.id, 2)
        self.expire(late.id)
        self.reserve(ticket_type.id, 2)  # the customer's new order takes the allowance
        payment = self.charge_directly(self.order_row(late.id))

        with self.assertRaises(errors.HoldExpired):
            payments.complete_paid_order(late.id, payment)

        self.assertEqual(self.order_row(late.id).status, Order.Status.REFUNDED)
        row = self.row(ticket_type.id)
        self.assertEqual((row.sold, row.held), (0, 2))
        self.assertEqual(CustomerSeats.objects.get(ticket_type_id=ticket_type.id).seats, 2)


class CustomerLimitRaceTests(RaceTestCase):
    def test_parallel_orders_of_one_customer_never_pass_the_limit(self):
        ticket_type = self.make_ticket_type(capacity=100, max_per_order=2, max_per_customer=2)

        results = run_together([lambda: self.reserve(ticket_type.id, 2) for _ in range(8)])

        won = [r for r in results if not isinstance(r, DomainError)]
        self.assertEqual(len(won), 1, results)
        for error in results:
            if isinstance(error, DomainError):
                self.assertDomainError(error, StatusCode.FAILED_PRECONDITION, "customer_limit_reached")
        self.assertEqual(self.row(ticket_type.id).held, 2)
        self.assertEqual(CustomerSeats.objects.get(ticket_type_id=ticket_type.id).seats, 2)
