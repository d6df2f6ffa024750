"""A reservation that MySQL rolls back as a deadlock's victim is tried again inside the service:
the buyer gets their seats, never an error for another transaction's locks."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from devkit.databases import lock_waits, only_on_mysql, raw_mysql_connection
from ticket_service.tickets.models import CustomerSeats, Order
from ticket_service.tickets.tests.support import RaceTestCase


@only_on_mysql("provokes a deadlock in MySQL/MariaDB")
class ReservationDeadlockTests(RaceTestCase):
    def test_a_reservation_chosen_as_a_deadlock_victim_is_retried_and_holds_its_seats(self):
        ticket_type = self.make_ticket_type(capacity=10, max_per_customer=4)
        ballast = [self.make_ticket_type(event_id=ticket_type.event_id, name=f"Ballast {n}") for n in range(30)]
        # The customer's count row exists: the rival can lock it before the reservation needs it.
        CustomerSeats.objects.create(user_id=self.CUSTOMER.user_id, ticket_type_id=ticket_type.id)
        rival, watcher = raw_mysql_connection(), raw_mysql_connection()
        self.addCleanup(rival.close)
        self.addCleanup(watcher.close)
        watcher.autocommit(True)  # each look at the lock waits is a fresh one
        cursor = rival.cursor()
        # Heavier than the reservation (30 rows changed), so MySQL picks the reservation as the victim.
        ids = ", ".join(str(t.id) for t in ballast)
        cursor.execute(f"UPDATE tickets_tickettype SET capacity = capacity + 1 WHERE id IN ({ids})")
        cursor.execute(
            "SELECT id FROM tickets_customerseats WHERE user_id = %s AND ticket_type_id = %s FOR UPDATE",
            [self.CUSTOMER.user_id, ticket_type.id],
        )
        done = threading.Event()

        def reserve():
            try:
                return self.reserve(ticket_type.id, 2)
            finally:
                done.set()

        with ThreadPoolExecutor(max_workers=1) as pool:
            reserving = pool.submit(reserve)
            # The reservation holds the type row and waits for the count row the rival locked.
            deadline = time.monotonic() + 10
            while not lock_waits(watcher.cursor()):
                self.assertLess(time.monotonic(), deadline, "the reservation never waited for the rival's lock")
                self.assertFalse(done.is_set(), reserving.result)
                time.sleep(0.2)  # see lock_waits
            # The rival now wants the type row: a cycle, which MySQL breaks by rolling the reservation back.
            cursor.execute("UPDATE tickets_tickettype SET name = name WHERE id = %s", [ticket_type.id])
            rival.commit()
            reserved = reserving.result(timeout=30)

        self.assertTrue(reserved.created)
        self.assertEqual(Order.objects.get(pk=reserved.order.id).status, Order.Status.RESERVED)
        self.assertEqual(self.row(ticket_type.id).held, 2)
        self.assertEqual(CustomerSeats.objects.get(ticket_type_id=ticket_type.id).seats, 2)
