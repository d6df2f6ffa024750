"""Orders with lines racing for the same seats: each order's lines are held all together or not at
all, no type is ever oversold, and orders over the same types never deadlock (their rows are
locked by ascending type id, whatever order the lines came in).

Every thread makes its own real gRPC call; the in-process server runs them on its worker pool,
each with its own database connection, so the database decides who gets the seats.
"""

import random

from grpc import StatusCode

from devkit.databases import only_on_mysql
from servicekit.errors import DomainError
from ticket_service.tickets.models import Order, OrderLine
from ticket_service.tickets.tests.support import RaceTestCase, new_caller, run_together


@only_on_mysql("concurrent multi-line orders need a server that runs transactions side by side")
class OrderLinesRaceTests(RaceTestCase):
    def test_forty_customers_ordering_overlapping_types_at_once_get_all_their_lines_or_nothing(self):
        event = self.make_event()
        types = [self.make_ticket_type(event_id=event.id, name=f"Type {n}", capacity=10) for n in range(3)]
        rng = random.Random(14)
        # 2 or 3 of the types each, 1 to 3 seats a line, the lines in random order: about 200 seats asked for 30.
        orders = [
            (new_caller("customer"), [(t.id, rng.randint(1, 3)) for t in rng.sample(types, rng.randint(2, 3))])
            for _ in range(40)
        ]

        with self.assertLogs("microtix.tickets", "INFO") as logs:
            results = run_together([lambda c=c, lines=lines: self.reserve_lines(lines, c) for c, lines in orders])

        won = [(c, lines) for (c, lines), r in zip(orders, results, strict=True) if not isinstance(r, DomainError)]
        lost = [(c, r) for (c, _), r in zip(orders, results, strict=True) if isinstance(r, DomainError)]
        for _, error in lost:
            self.assertDomainError(error, StatusCode.FAILED_PRECONDITION, "sold_out")
        self.assertTrue(won and lost, (len(won), len(lost)))
        for ticket_type in types:
            row = self.row(ticket_type.id)
            taken = sum(quantity for _, lines in won for type_id, quantity in lines if type_id == ticket_type.id)
            self.assertLessEqual(row.sold + row.held, row.capacity)
            self.assertEqual((row.held, row.sold), (taken, 0))
            lines = OrderLine.objects.filter(ticket_type_id=ticket_type.id, order__status=Order.Status.RESERVED)
            self.assertEqual(sum(line.quantity for line in lines), taken)
        for customer, _ in lost:
            self.assertFalse(Order.objects.filter(user_id=customer.user_id).exists())
        for customer, lines in won:
            order = Order.objects.get(user_id=customer.user_id)
            self.assertEqual(sorted(order.lines.values_list("ticket_type_id", "quantity")), sorted(lines))
        retried = [line for line in logs.output if "trying again" in line]
        self.assertEqual(retried, [], "a reservation was rolled back for a deadlock or a lock wait timeout")
