"""What the fault scenarios share: a stack of the real processes per test class, the customer's
side of buying over HTTP, reads of the services' tables as they stand (committed, or for a
charge still in flight, not yet committed), and the faults group's tally (tests.tally.FAULTS).

The faults need what CI provides: MySQL/MariaDB (connections to KILL, rows of a transaction
in flight) and RabbitMQ (a broker path to cut). Elsewhere they are skipped.
"""

from __future__ import annotations

import contextlib
import time
import unittest
import uuid
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime

from django.test import SimpleTestCase

from devkit import databases
from devkit.http import HttpResponse, JsonClient
from devkit.processes import ProcessStack
from devkit.smtp import SmtpServer
from servicekit import stack
from servicekit.config import env
from tests.tally import FAULTS

FAULTS_POSSIBLE = stack.is_mysql(env("DATABASE_URL")) and env("CELERY_BROKER_URL").startswith("amqp")

NEXT_YEAR = datetime.now(UTC).year + 1
CARD = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": NEXT_YEAR, "cvc": "123"}
# The payments service's slow test card (README): its charge succeeds after 3 seconds, time for a
# test to kill or stop a process while the charge is in flight.
SLOW_CARD = {**CARD, "card_number": "4000000000000077"}
SLOW_CARD_SECONDS = 3.0

# The deadline of every gRPC call in these stacks: longer than a slow charge, so a call in flight
# ends because of the fault, never because of the deadline.
CLIENT_TIMEOUT = 10.0
# gunicorn, Django and a loaded machine on top of a deadline.
MARGIN = 3.0
# What a test waits, once every expected email arrived, for a duplicate to show up.
DUPLICATE_WINDOW = 5.0
# A client's channel to a restarted service reconnects within its reconnect backoff (at most
# 1 s, +-20 % jitter: servicekit.grpc_client): after this, a write reaches the service first time.
RECONNECTED_AFTER = 2.5


def wait_until(condition, timeout: float, what: str, interval: float = 0.1):
    """Poll `condition()` until it returns something truthy (returned), failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s")
        time.sleep(interval)


@unittest.skipUnless(FAULTS_POSSIBLE, "faults need MySQL/MariaDB and RabbitMQ (DATABASE_URL, CELERY_BROKER_URL)")
class FaultTestCase(SimpleTestCase):
    """One scenario of the faults group against a stack of real processes of the class's own.
    Each test counts as a scenario run; it calls `survived()` once its checks passed."""

    PROCESSES = ["gateway", "events", "tickets", "payments"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="fault-client")
        cls.addClassCleanup(cls.pool.shutdown, wait=False, cancel_futures=True)
        environ = {
            "GRPC_CLIENT_TIMEOUT": str(CLIENT_TIMEOUT),
            "LOGIN_THROTTLE_RATE": "1000/min",  # every customer logs in from 127.0.0.1
            **cls.stack_environ(),
        }
        cls.stack = ProcessStack(cls.PROCESSES, environ=environ)
        cls.addClassCleanup(cls.stack.stop)  # before start: a stack that fails to start is cleaned too
        cls.stack.start()

    @classmethod
    def stack_environ(cls) -> dict[str, str]:
        """Environment of every process of the class's stack, on top of the defaults."""
        return {}

    def setUp(self):
        FAULTS.add("scenarios_run")
        self.organizer = JsonClient(self.stack.base_url, timeout=CLIENT_TIMEOUT + 20)
        self.organizer.login_as_new_user(f"org-{uuid.uuid4().hex[:8]}@example.com", "organizer")

    # --- the tally -------------------------------------------------------------------------------

    def survived(self, faults: int = 1) -> None:
        FAULTS.add("faults_survived", faults)

    def assert_nothing_lost(self, **found: int) -> None:
        """Count what the checks found lost (e.g. ``paid_without_tickets=1``) and fail if anything was."""
        lost = {what: count for what, count in found.items() if count}
        FAULTS.add("records_lost", sum(lost.values()))
        self.assertEqual(lost, {}, "records lost")

    # --- the customer's side, over HTTP ----------------------------------------------------------

    def new_customer(self) -> tuple[JsonClient, str]:
        customer = JsonClient(self.stack.base_url, timeout=CLIENT_TIMEOUT + 20)
        email = f"fan-{uuid.uuid4().hex[:10]}@example.com"
        customer.login_as_new_user(email, "customer")
        return customer, email

    def create_event(self, capacity: int = 10) -> tuple[dict, dict]:
        """A published event a month from now with one ticket type; returns both."""
        return self.organizer.create_event(capacity=capacity)

    def reserve(self, customer: JsonClient, ticket_type: dict, quantity: int = 2) -> dict:
        reserved = customer.post("/api/orders/", {"ticket_type_id": ticket_type["id"], "quantity": quantity})
        self.assertEqual(reserved.status, 201, reserved.body)
        return reserved.body

    def pay(self, customer: JsonClient, order: dict, card: dict = CARD) -> HttpResponse:
        return customer.post(f"/api/orders/{order['id']}/pay/", card)

    def pay_in_background(self, customer: JsonClient, order: dict, card: dict = SLOW_CARD) -> Future:
        """Start paying; the future gives (response, seconds it took)."""

        def paying():
            started = time.monotonic()
            response = self.pay(customer, order, card)
            return response, time.monotonic() - started

        return self.pool.submit(paying)

    def buy(self, customer: JsonClient, ticket_type: dict, quantity: int = 2) -> dict:
        """A paid order."""
        paid = self.pay(customer, self.reserve(customer, ticket_type, quantity))
        self.assertEqual((paid.status, paid.body.get("status")), (200, "paid"), paid.body)
        return paid.body

    # --- the services' tables, as they stand -----------------------------------------------------

    def rows(self, sql: str, params: tuple = (), *, uncommitted: bool = False) -> list[tuple]:
        """Rows of the stack's database; `uncommitted` also sees what transactions in flight wrote."""
        with contextlib.closing(databases.mysql_connection(self.stack.database_url)) as connection:
            cursor = connection.cursor()
            if uncommitted:
                cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ UNCOMMITTED")
            cursor.execute(sql, params)
            return list(cursor.fetchall())

    def wait_until_charging(self, order_ids: list[int], timeout: float = 30) -> None:
        """Return once the payments service is charging each order: its payment row is written
        in the charge's transaction, visible before it commits."""
        marks = ", ".join(["%s"] * len(order_ids))

        def charging():
            sql = f"SELECT COUNT(*) FROM payments_payment WHERE order_id IN ({marks})"
            return self.rows(sql, tuple(order_ids), uncommitted=True)[0][0] == len(order_ids)

        wait_until(charging, timeout, f"charges of orders {order_ids} in flight", interval=0.05)

    def charges(self, order_id: int) -> int:
        """How many times the simulated provider charged a card for the order (its own ledger)."""
        sql = "SELECT COUNT(*) FROM payments_simulatedcharge WHERE idempotency_key LIKE %s"
        return self.rows(sql, (f"order-{order_id}-%",))[0][0]

    def payment_status(self, order_id: int) -> str | None:
        found = self.rows("SELECT status FROM payments_payment WHERE order_id = %s", (order_id,))
        return found[0][0] if found else None

    def order_status(self, order_id: int) -> str:
        return self.rows("SELECT status FROM tickets_order WHERE id = %s", (order_id,))[0][0]

    def tickets_issued(self, order_id: int) -> int:
        return self.rows("SELECT COUNT(*) FROM tickets_ticket WHERE order_id = %s", (order_id,))[0][0]

    def assert_paid_once_with_tickets(self, order_id: int, quantity: int) -> None:
        """The order is paid, charged exactly once, and has its tickets (counting what is lost)."""
        charges, tickets, status = self.charges(order_id), self.tickets_issued(order_id), self.order_status(order_id)
        self.assert_nothing_lost(
            extra_charges=max(charges - 1, 0),
            paid_without_charge=int(status == "paid" and charges == 0),
            charged_without_tickets=int(charges > 0 and tickets == 0),
            missing_tickets=max(quantity - tickets, 0) if tickets else 0,
        )
        self.assertEqual((status, charges, tickets), ("paid", 1, quantity))


class MailingFaultTestCase(FaultTestCase):
    """A whole stack, the Celery worker included, sending its emails to a real SMTP server of
    the class's own (`cls.smtp`)."""

    PROCESSES = ["gateway", "events", "tickets", "payments", "notifications", "worker"]

    @classmethod
    def setUpClass(cls):
        cls.smtp = SmtpServer().start()
        cls.addClassCleanup(cls.smtp.stop)
        super().setUpClass()

    @classmethod
    def stack_environ(cls) -> dict[str, str]:
        return {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(cls.smtp.port), "OUTBOX_INTERVAL_SECONDS": "0.5"}

    def assert_emailed_once(self, expected: dict[str, int], timeout: float) -> None:
        """Each address of `expected` receives its number of emails within `timeout` seconds, and
        no more within DUPLICATE_WINDOW after that (counting the emails missing or sent twice)."""

        def received() -> Counter:
            return Counter(address for message in list(self.smtp.received) for address in message.rcpt_tos)

        with contextlib.suppress(AssertionError):  # what is missing is counted below
            wait_until(lambda: all(received()[a] >= n for a, n in expected.items()), timeout, "the emails")
        time.sleep(DUPLICATE_WINDOW)
        counts = received()
        self.assert_nothing_lost(
            emails_missing=sum(max(n - counts[address], 0) for address, n in expected.items()),
            emails_duplicated=sum(max(counts[address] - n, 0) for address, n in expected.items()),
        )
