"""Scenario 9: a database deadlock under a request. A transaction of the test's own locks the
rows a cancellation needs in the opposite order, so MySQL rolls the cancellation back as the
deadlock's victim: the customer is told to try again (503 `database_busy`, Retry-After), not that
the server failed (500/502), and the tickets service's log names the request and the deadlock.

    python gateway_project/manage.py test tests.faults.test_database_busy
"""

from __future__ import annotations

import contextlib
import time
import uuid

from devkit import databases
from tests.faults.support import FaultTestCase, wait_until

# Rows the rival transaction writes before it takes its locks: MySQL rolls back the lighter of the
# two transactions of a deadlock, so the victim is the cancellation (one order row changed).
BALLAST_ROWS = 50


class DatabaseDeadlockTest(FaultTestCase):
    PROCESSES = ["gateway", "events", "tickets"]

    def lock_waits(self, watcher) -> int:
        """Transactions of this stack's database waiting for a lock."""
        cursor = watcher.cursor()
        cursor.execute(
            "SELECT COUNT(*) FROM information_schema.innodb_trx t JOIN information_schema.processlist p "
            "ON p.id = t.trx_mysql_thread_id WHERE t.trx_state = 'LOCK WAIT' AND p.db = DATABASE()"
        )
        return cursor.fetchone()[0]

    def test_a_cancellation_chosen_as_a_deadlock_victim_is_answered_503_database_busy_and_logged(self):
        _, ticket_type = self.create_event(capacity=4)
        customer, _ = self.new_customer()
        order = self.reserve(customer, ticket_type, quantity=1)
        rival = databases.mysql_connection(self.stack.database_url)
        watcher = databases.mysql_connection(self.stack.database_url)
        self.addCleanup(rival.close)
        self.addCleanup(watcher.close)
        cursor = rival.cursor()
        cursor.execute("CREATE TABLE IF NOT EXISTS deadlock_ballast (id INT PRIMARY KEY)")
        rival.autocommit(False)
        cursor.execute("DELETE FROM deadlock_ballast")
        cursor.executemany("INSERT INTO deadlock_ballast (id) VALUES (%s)", [(n,) for n in range(BALLAST_ROWS)])
        # The cancellation locks the order, then the ticket type: the rival takes them the other way round.
        cursor.execute("SELECT id FROM tickets_tickettype WHERE id = %s FOR UPDATE", (ticket_type["id"],))
        request_id = f"deadlock-{uuid.uuid4().hex[:12]}"
        cancelling = self.pool.submit(
            customer.post, f"/api/orders/{order['id']}/cancel/", headers={"X-Request-ID": request_id}
        )
        wait_until(lambda: self.lock_waits(watcher), 20, "the cancellation waiting for the ticket type's lock")
        started = time.monotonic()
        cursor.execute("SELECT id FROM tickets_order WHERE id = %s FOR UPDATE", (order["id"],))  # the cycle
        deadlocked_in = time.monotonic() - started
        rival.rollback()
        answer = cancelling.result(timeout=30)

        self.assertEqual((answer.status, answer.body.get("code")), (503, "database_busy"), answer.body)
        self.assertIn("Retry-After", answer.headers)
        self.assertLess(deadlocked_in, 5)  # MySQL found the deadlock at once: not a lock wait timeout
        self.assertEqual(self.order_status(order["id"]), "reserved")  # rolled back, seats still held
        logged = [line for line in self.stack.log_path("tickets").read_text().splitlines() if request_id in line]
        self.assertTrue(any("database busy" in line and "1213" in line for line in logged), logged)

        with contextlib.suppress(Exception):
            rival.autocommit(True)
        retried = customer.post(f"/api/orders/{order['id']}/cancel/")
        self.assertEqual((retried.status, retried.body.get("status")), (200, "cancelled"), retried.body)
        self.assertEqual(self.rows("SELECT held FROM tickets_tickettype WHERE id = %s", (ticket_type["id"],)), [(0,)])
        self.survived()
