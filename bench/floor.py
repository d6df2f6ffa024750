"""The physical floor of a flash sale: the database work of a purchase without the services.

One transaction per purchase, the statements the tickets service issues for it: the conditional
inventory UPDATE (`... WHERE capacity >= sold + held + q AND waiting = 0` within the sale window,
the oversell guard), the order INSERT, its line's INSERT and one INSERT of its q tickets, straight to MySQL
with MySQLdb, from as many client threads as the sale has buyers, on the tickets service's own
tables (migrated into a scratch database that is dropped afterwards). The threads share a pool of
connections as large as the tickets service's gRPC thread pool (GRPC_MAX_WORKERS): the most
database work the service itself can have in flight.
"""

from __future__ import annotations

import json
import queue
import random
import secrets
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from devkit import databases
from devkit.stats import Latency
from servicekit import stack

MAX_SEATS = 4


@dataclass
class FloorResult:
    capacity: int
    threads: int
    connections: int
    transactions: int
    tickets: int
    sold: int
    seconds: float
    latency: Latency

    @property
    def transactions_per_second(self) -> float:
        return self.transactions / self.seconds if self.seconds else 0.0

    @property
    def oversold(self) -> int:
        return max(0, max(self.sold, self.tickets) - self.capacity)

    def as_dict(self) -> dict:
        return {**asdict(self), "transactions_per_second": self.transactions_per_second, "oversold": self.oversold}


def run_floor(database_url: str, capacity: int, threads: int, connections: int, seed: int = 1) -> FloorResult:
    """Sell `capacity` seats in 1-4 seat transactions from `threads` threads; see the module docstring."""
    scratch = databases.sibling_database_url(database_url, f"{urlsplit(database_url).path.lstrip('/')}_floor")
    databases.drop_database(scratch)
    stack.ensure_database(scratch)
    try:
        subprocess.run(
            [sys.executable, str(stack.REPO_ROOT / "ticket_service" / "manage.py"), "migrate", "--noinput", "-v", "0"],
            env=stack.project_environ({"DATABASE_URL": scratch}),
            check=True,
        )
        return _sell(scratch, capacity, threads, connections, seed)
    finally:
        databases.drop_database(scratch)


def _connect(url: str):
    import MySQLdb

    parts = urlsplit(url)
    connection = MySQLdb.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
        database=parts.path.lstrip("/"),
        charset="utf8mb4",
    )
    connection.cursor().execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")  # as the services
    connection.autocommit(False)
    return connection


def _sell(url: str, capacity: int, threads: int, connections: int, seed: int) -> FloorResult:
    setup = _connect(url)
    try:
        return _sell_with(setup, url, capacity, threads, connections, seed)
    finally:
        setup.close()  # else its open transaction keeps the scratch database from being dropped


def _sell_with(setup, url: str, capacity: int, threads: int, connections: int, seed: int) -> FloorResult:
    now = datetime.now(UTC).replace(tzinfo=None)
    cursor = setup.cursor()
    cursor.execute(
        "INSERT INTO tickets_tickettype (event_id, name, price, currency, capacity, sold, held, max_per_order,"
        " sales_open, sales_start, event_starts_at, event_version, hidden, created_at)"
        " VALUES (1, 'Floor', 25.00, 'USD', %s, 0, 0, 10, 1, %s, %s, 1, 0, %s)",
        (capacity, now, now + timedelta(days=30), now),
    )
    type_id = cursor.lastrowid
    setup.commit()

    pool: queue.Queue = queue.Queue()
    for _ in range(connections):
        pool.put(_connect(url))
    rng = random.Random(seed)
    lock = threading.Lock()
    latencies: list[float] = []
    totals = {"transactions": 0, "tickets": 0}
    start = threading.Event()
    failures: list[BaseException] = []

    def buyer(user_id: int) -> None:
        with lock:
            quantity = rng.randint(1, MAX_SEATS)
        start.wait()
        while True:
            connection = pool.get()
            began = time.monotonic()
            try:
                sold = _purchase(connection, type_id, user_id, quantity)
            except BaseException as failure:
                # Its row locks must not outlive it: every other buyer would wait on them.
                connection.rollback()
                failures.append(failure)
                return
            finally:
                pool.put(connection)
            if sold:
                with lock:
                    latencies.append(time.monotonic() - began)
                    totals["transactions"] += 1
                    totals["tickets"] += quantity
                    quantity = rng.randint(1, MAX_SEATS)
            elif quantity == 1:
                return
            else:
                quantity -= 1

    workers = [threading.Thread(target=buyer, args=(n,), daemon=True) for n in range(1, threads + 1)]
    for worker in workers:
        worker.start()
    began = time.monotonic()
    start.set()
    for worker in workers:
        worker.join()
    seconds = time.monotonic() - began
    cursor.execute("SELECT sold FROM tickets_tickettype WHERE id = %s", (type_id,))
    (sold,) = cursor.fetchone()
    while not pool.empty():
        pool.get().close()
    if failures:
        raise failures[0]
    return FloorResult(
        capacity, threads, connections, totals["transactions"], totals["tickets"], sold, seconds, Latency.of(latencies)
    )


def _purchase(connection, type_id: int, user_id: int, quantity: int) -> bool:
    """One purchase in one transaction; False (rolled back) when the seats are not there."""
    cursor = connection.cursor()
    now = datetime.now(UTC).replace(tzinfo=None)
    cursor.execute(
        "UPDATE tickets_tickettype SET sold = sold + %s WHERE id = %s AND sales_open AND capacity >= sold + held + %s"
        " AND waiting = 0 AND sales_start <= %s AND (sales_end > %s OR (sales_end IS NULL AND event_starts_at > %s))",
        (quantity, type_id, quantity, now, now, now),
    )
    if cursor.rowcount == 0:
        connection.rollback()
        return False
    cursor.execute(
        "INSERT INTO tickets_order (user_id, email, full_name, event_id, ticket_type_id, quantity, unit_price, total,"
        " currency, status, expires_at, paid_at, payment_brand, payment_last4, refunded_amount, voucher_seats,"
        " confirmations_resent, created_at, updated_at)"
        " VALUES (%s, %s, %s, 1, %s, %s, 25.00, %s, 'USD', 'paid', %s, %s, 'visa', '4242', 0, 0, 0, %s, %s)",
        (
            user_id,
            f"floor-{user_id}@example.com",
            f"Floor Buyer {user_id}",
            type_id,
            quantity,
            25 * quantity,
            now + timedelta(minutes=10),
            now,
            now,
            now,
        ),
    )
    order_id = cursor.lastrowid
    cursor.execute(
        "INSERT INTO tickets_orderline (order_id, ticket_type_id, quantity, unit_price, discount, total, attendees)"
        " VALUES (%s, %s, %s, 25.00, 0, %s, %s)",
        (order_id, type_id, quantity, 25 * quantity, json.dumps([f"Floor Buyer {user_id}"] * quantity)),
    )
    cursor.executemany(
        "INSERT INTO tickets_ticket (order_id, user_id, event_id, ticket_type_id, code, holder_name, status,"
        " created_at) VALUES (%s, %s, 1, %s, %s, %s, 'valid', %s)",
        [
            (order_id, user_id, type_id, secrets.token_urlsafe(40), f"Floor Buyer {user_id}", now)
            for _ in range(quantity)
        ],
    )
    connection.commit()
    return True
