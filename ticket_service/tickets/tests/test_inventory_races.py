"""INVARIANT 1: sold + held never exceeds capacity, however many customers buy the same seats at once.

Every thread makes its own real gRPC call; the in-process server runs them on its worker pool,
each with its own database connection, so the database decides who gets the seats.
"""

from grpc import StatusCode

from protos.tickets.v1 import tickets_pb2
from servicekit.errors import DomainError
from ticket_service.tickets.models import Order, Ticket
from ticket_service.tickets.tests.support import RaceTestCase, new_caller, run_together


class InventoryRaceTests(RaceTestCase):
    def reserve_call(self, ticket_type_id: int, customer):
        return lambda: self.reserve(ticket_type_id, 1, customer)

    def assert_within_capacity(self, ticket_type_id: int) -> None:
        row = self.row(ticket_type_id)
        self.assertLessEqual(row.sold + row.held, row.capacity)
        live = Order.objects.filter(
            ticket_type_id=ticket_type_id, status__in=[Order.Status.RESERVED, Order.Status.PAID]
        )
        self.assertLessEqual(sum(o.quantity for o in live), row.capacity)

    def test_forty_customers_racing_for_ten_seats_get_exactly_ten_and_the_rest_sold_out(self):
        ticket_type = self.make_ticket_type(capacity=10)
        customers = [new_caller("customer") for _ in range(40)]

        results = run_together([self.reserve_call(ticket_type.id, c) for c in customers])

        won = [r for r in results if not isinstance(r, DomainError)]
        lost = [r for r in results if isinstance(r, DomainError)]
        self.assertEqual(len(won), 10, [str(r) for r in lost if r.code != "sold_out"])
        for error in lost:
            self.assertDomainError(error, StatusCode.FAILED_PRECONDITION, "sold_out")
        self.assertEqual(len({r.order.id for r in won}), 10)
        row = self.row(ticket_type.id)
        self.assertEqual((row.held, row.sold), (10, 0))
        self.assertEqual(Order.objects.filter(ticket_type_id=ticket_type.id).count(), 10)
        self.assert_within_capacity(ticket_type.id)

    def test_paying_every_held_seat_while_others_try_to_reserve_never_oversells(self):
        ticket_type = self.make_ticket_type(capacity=10)
        buyers = [new_caller("customer") for _ in range(10)]
        orders = [self.reserve_order(ticket_type.id, 1, buyer) for buyer in buyers]
        latecomers = [new_caller("customer") for _ in range(10)]
        # Every order paid twice at once (a double click), while ten more customers try to reserve.
        payments = [lambda o=o, b=b: self.pay(o.id, b) for o, b in zip(orders, buyers, strict=True)] * 2
        reservations = [self.reserve_call(ticket_type.id, c) for c in latecomers]

        results = run_together(payments + reservations)

        for paid in results[: len(payments)]:
            self.assertNotIsInstance(paid, DomainError, paid)
            self.assertEqual(paid.status, tickets_pb2.ORDER_STATUS_PAID)
        for refused in results[len(payments) :]:
            self.assertDomainError(refused, StatusCode.FAILED_PRECONDITION, "sold_out")
        row = self.row(ticket_type.id)
        self.assertEqual((row.sold, row.held), (10, 0))
        self.assertEqual(Ticket.objects.filter(ticket_type_id=ticket_type.id).count(), 10)
        self.assert_within_capacity(ticket_type.id)

    def test_released_seats_go_to_exactly_as_many_racers_as_were_released(self):
        ticket_type = self.make_ticket_type(capacity=10)
        holders = [new_caller("customer") for _ in range(10)]
        orders = [self.reserve_order(ticket_type.id, 1, holder) for holder in holders]
        for order in orders[:4]:
            self.expire(order.id)
        customers = [new_caller("customer") for _ in range(20)]

        results = run_together([self.reserve_call(ticket_type.id, c) for c in customers])

        won = [r for r in results if not isinstance(r, DomainError)]
        self.assertEqual(len(won), 4, [str(r) for r in results if isinstance(r, DomainError) and r.code != "sold_out"])
        for error in results:
            if isinstance(error, DomainError):
                self.assertDomainError(error, StatusCode.FAILED_PRECONDITION, "sold_out")
        self.assertEqual(Order.objects.filter(ticket_type_id=ticket_type.id, status=Order.Status.EXPIRED).count(), 4)
        self.assertEqual(self.row(ticket_type.id).held, 10)
        self.assert_within_capacity(ticket_type.id)

    def test_ten_replays_of_one_idempotency_key_at_once_hold_the_seats_once(self):
        ticket_type = self.make_ticket_type(capacity=10)

        results = run_together([lambda: self.reserve(ticket_type.id, 3, idempotency_key="double-click")] * 10)

        for result in results:
            self.assertNotIsInstance(result, DomainError, result)
        self.assertEqual(len({r.order.id for r in results}), 1)
        self.assertEqual(sum(r.created for r in results), 1)
        self.assertEqual(Order.objects.filter(ticket_type_id=ticket_type.id).count(), 1)
        self.assertEqual(self.row(ticket_type.id).held, 3)
