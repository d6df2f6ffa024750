"""The waiting list's invariants under concurrency (MySQL): a freed seat is offered to exactly one
entry, strictly in order of joining; no seat is held twice; sold + held never exceeds capacity;
and a plain reservation racing the list never takes a seat an earlier entry was owed.

Every thread makes its own real gRPC call; the in-process server runs them on its worker pool,
each with its own database connection, so the database decides.
"""

from itertools import accumulate

from grpc import StatusCode

from servicekit.errors import DomainError
from servicekit.identity import Caller
from ticket_service.tickets.models import Order, TicketType, WaitingListEntry
from ticket_service.tickets.tests.support import RaceTestCase, new_caller, run_together

Status = WaitingListEntry.Status


class WaitingListRaceTests(RaceTestCase):
    def setUp(self):
        super().setUp()
        self.event = self.make_event()

    def join(self, ticket_type_id: int, quantity: int, caller: Caller):
        return self.call(
            "JoinWaitingList",
            caller,
            event_id=self.event.id,
            ticket_type_id=ticket_type_id,
            quantity=quantity,
            email=f"user{caller.user_id}@example.com",
        )

    def cancel_call(self, order):
        return lambda: self.call("CancelOrder", Caller(user_id=order.user_id, role="customer"), order_id=order.id)

    def held_by_orders(self, capacity: int, sizes: list[int]):
        """A type whose `capacity` seats are held by orders of `sizes` seats (of other customers)."""
        assert sum(sizes) == capacity
        ticket_type = self.make_ticket_type(event_id=self.event.id, capacity=capacity)
        return ticket_type, [self.reserve_order(ticket_type.id, size, new_caller("customer")) for size in sizes]

    def assert_inventory_consistent(self, ticket_type_id: int) -> None:
        """sold + held within capacity; held is exactly the live holds' seats (none held twice);
        each offered entry has one order of its seats; the counter is the entries waiting."""
        row = TicketType.objects.get(pk=ticket_type_id)
        self.assertLessEqual(row.sold + row.held, row.capacity)
        reserved = Order.objects.filter(ticket_type_id=ticket_type_id, status=Order.Status.RESERVED)
        self.assertEqual(row.held, sum(order.quantity for order in reserved))
        entries = WaitingListEntry.objects.filter(ticket_type_id=ticket_type_id)
        self.assertEqual(row.waiting, entries.filter(status=Status.WAITING).count())
        for entry in entries.filter(status=Status.OFFERED).select_related("order"):
            self.assertEqual((entry.order.user_id, entry.order.quantity), (entry.user_id, entry.quantity))
        offered_orders = entries.exclude(order=None).values_list("order_id", flat=True)
        self.assertEqual(len(offered_orders), len(set(offered_orders)))

    def test_two_hundred_waiting_and_fifty_seats_freed_by_twenty_cancellations_go_to_the_first_entries_in_order(self):
        sizes = [3] * 10 + [2] * 10  # 20 orders hold the 50 seats
        ticket_type, orders = self.held_by_orders(50, sizes)
        quantities = [1 + (index * 7) % 3 for index in range(200)]  # 1, 2, 3, 1, ...
        for quantity in quantities:
            self.join(ticket_type.id, quantity, new_caller("customer"))
        entries = list(WaitingListEntry.objects.filter(ticket_type_id=ticket_type.id).order_by("id"))

        results = run_together([self.cancel_call(order) for order in orders])

        for result in results:
            self.assertNotIsInstance(result, DomainError, result)
        # Strictly in order: the longest run of first entries whose seats add up to at most 50.
        fitting = sum(1 for total in accumulate(quantities) if total <= 50)
        statuses = [WaitingListEntry.objects.get(pk=entry.id).status for entry in entries]
        self.assertEqual(statuses, [Status.OFFERED] * fitting + [Status.WAITING] * (200 - fitting))
        row = TicketType.objects.get(pk=ticket_type.id)
        self.assertEqual((row.held, row.sold), (sum(quantities[:fitting]), 0))
        self.assert_inventory_consistent(ticket_type.id)

    def test_buyers_racing_the_list_while_seats_are_freed_never_get_a_seat_an_entry_was_owed(self):
        ticket_type, orders = self.held_by_orders(12, [1] * 12)
        waiting = [new_caller("customer") for _ in range(12)]
        for customer in waiting:
            self.join(ticket_type.id, 1, customer)
        racers = [new_caller("customer") for _ in range(24)]
        reservations = [lambda c=c: self.reserve(ticket_type.id, 1, c) for c in racers]

        results = run_together([self.cancel_call(order) for order in orders] + reservations)

        for refused in results[len(orders) :]:
            self.assertDomainError(refused, StatusCode.FAILED_PRECONDITION, "sold_out")
        offered = WaitingListEntry.objects.filter(ticket_type_id=ticket_type.id, status=Status.OFFERED)
        self.assertEqual(offered.count(), 12)
        racer_ids = [racer.user_id for racer in racers]
        self.assertFalse(Order.objects.filter(ticket_type_id=ticket_type.id, user_id__in=racer_ids).exists())
        self.assert_inventory_consistent(ticket_type.id)

    def test_customers_joining_while_seats_are_freed_are_offered_in_order_and_counted_once(self):
        ticket_type, orders = self.held_by_orders(10, [1] * 10)
        early = [new_caller("customer") for _ in range(5)]
        for customer in early:
            self.join(ticket_type.id, 1, customer)
        joiners = [new_caller("customer") for _ in range(15)]
        # Each joiner twice at once (a double click): one entry each.
        joins = [lambda c=c: self.join(ticket_type.id, 1, c) for c in joiners] * 2

        results = run_together([self.cancel_call(order) for order in orders] + joins)

        for result in results:
            # A join finding the list empty and a seat free is told to reserve it (the open sale resumed).
            if isinstance(result, DomainError):
                self.assertDomainError(result, StatusCode.FAILED_PRECONDITION, "tickets_available")
        entries = list(WaitingListEntry.objects.filter(ticket_type_id=ticket_type.id).order_by("id"))
        self.assertEqual(len({entry.user_id for entry in entries}), len(entries))
        statuses = [entry.status for entry in entries]
        offered = min(10, len(entries))
        self.assertEqual(statuses, [Status.OFFERED] * offered + [Status.WAITING] * (len(entries) - offered))
        row = TicketType.objects.get(pk=ticket_type.id)
        self.assertEqual(row.available, 10 - offered)  # no seat left free while anyone waits
        self.assert_inventory_consistent(ticket_type.id)

    def test_entries_leaving_while_seats_are_freed_are_never_offered_and_their_seats_go_on(self):
        ticket_type, orders = self.held_by_orders(8, [1] * 8)
        customers = [new_caller("customer") for _ in range(16)]
        for customer in customers:
            self.join(ticket_type.id, 1, customer)
        leaving = customers[:8:2]  # every other one of the first eight
        leaves = [
            lambda c=c: self.call("LeaveWaitingList", c, event_id=self.event.id, ticket_type_id=ticket_type.id)
            for c in leaving
        ]

        results = run_together([self.cancel_call(order) for order in orders] + leaves)

        for result in results:
            self.assertNotIsInstance(result, DomainError, result)
        entries = list(WaitingListEntry.objects.filter(ticket_type_id=ticket_type.id).order_by("id"))
        # A leaver offered before it left gave its offer up (its order cancelled): either way, the 8
        # seats are held by 8 offers to the first 8 entries that stayed.
        stayed = [entry for entry in entries if entry.user_id not in {c.user_id for c in leaving}]
        self.assertEqual([entry.status for entry in stayed], [Status.OFFERED] * 8 + [Status.WAITING] * 4)
        live_offers = Order.objects.filter(ticket_type_id=ticket_type.id, status=Order.Status.RESERVED)
        self.assertEqual(sorted(live_offers.values_list("user_id", flat=True)), sorted(e.user_id for e in stayed[:8]))
        self.assert_inventory_consistent(ticket_type.id)
