"""Scenario 5: every MySQL connection of the running stack is dropped under it (`KILL` of each
connection to the stack's database in information_schema.PROCESSLIST), as a database restart or
failover would; the services are not restarted.

    python gateway_project/manage.py test tests.faults.test_database_connections_killed
"""

from tests.faults.support import CARD, FaultTestCase, wait_until

# Buyers served one after the other, and at once, after the kill: enough calls to land on many
# of each gRPC server's pool threads (each thread keeps a connection of its own).
BUYERS = 8


class DatabaseConnectionsKilledTest(FaultTestCase):
    PROCESSES = ["gateway", "events", "tickets", "payments", "notifications", "worker"]

    @classmethod
    def stack_environ(cls):
        return {"OUTBOX_INTERVAL_SECONDS": "0.5"}  # no EMAIL_HOST: the worker "sends" to its console

    def a_purchase(self, ticket_type: dict) -> int:
        """A customer registers, lists the events, reserves and pays; returns the order's id."""
        customer, _ = self.new_customer()
        self.assertEqual(customer.get("/api/events/").status, 200)
        order = self.reserve(customer, ticket_type, quantity=1)
        paid = self.pay(customer, order, CARD)
        self.assertEqual((paid.status, paid.body.get("status")), (200, "paid"), paid.body)
        return order["id"]

    def confirmations_sent(self) -> int:
        sql = "SELECT COUNT(*) FROM notifications_notification WHERE kind = 'order_confirmation' AND status = 'sent'"
        return self.rows(sql)[0][0]

    def test_every_call_after_the_connections_were_killed_succeeds_without_restarting_a_service(self):
        _, ticket_type = self.create_event(capacity=100)
        warm = list(self.pool.map(lambda _: self.a_purchase(ticket_type), range(BUYERS)))  # connections everywhere
        # Idle connections are dropped (an operation cut mid-way is notifications.tests.test_sending's).
        wait_until(lambda: self.confirmations_sent() >= len(warm), 60, "the first confirmations sent")
        pids = {name: process.pid for name, process in self.stack.processes.items()}

        killed = self.stack.kill_database_connections()

        self.assertGreaterEqual(killed, len(self.PROCESSES))  # at least one per process
        health = self.organizer.get("/api/health/")
        self.assertEqual(health.status, 200, health.body)
        _, another_type = self.create_event(capacity=100)
        orders = [self.a_purchase(another_type)]
        orders += self.pool.map(lambda _: self.a_purchase(another_type), range(BUYERS))
        for order_id in warm + orders:
            self.assert_paid_once_with_tickets(order_id, quantity=1)
        # The worker too: every order's confirmation is recorded and sent.
        wait_until(lambda: self.confirmations_sent() >= len(warm + orders), 60, "every confirmation sent")
        self.assertEqual({name: process.pid for name, process in self.stack.processes.items()}, pids)
        self.survived()
