"""Support of the security tests: the whole system as real processes (with the log lines and the
database rows it wrote), the services' gRPC contracts, and the group's tally.

    python gateway_project/manage.py test tests.security
"""

from __future__ import annotations

import atexit
import re
import sqlite3
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import dj_database_url
import grpc

from devkit.http import JsonClient
from devkit.processes import ProcessStack
from protos.events.v1 import events_pb2
from protos.notifications.v1 import notifications_pb2
from protos.payments.v1 import payments_pb2
from protos.tickets.v1 import tickets_pb2
from servicekit import stack
from servicekit.timestamps import iso_text
from tests.tally import SECURITY

# Every process that handles a purchase, an email or a refund.
SYSTEM = ("gateway", "events", "tickets", "payments", "notifications", "worker")
# Each gRPC service's contract: the service and the module of its messages, by process name.
GRPC_CONTRACTS = {
    "events": (events_pb2, "EventService"),
    "tickets": (tickets_pb2, "TicketService"),
    "payments": (payments_pb2, "PaymentService"),
    "notifications": (notifications_pb2, "NotificationService"),
}
PASSWORD = "correct-horse-battery-staple"  # JsonClient.login_as_new_user's default
# A small order limit, so the rate-limit test is quick and shows the limit comes from the environment.
SYSTEM_ORDER_THROTTLE_RATE = "12/min"


class Scenario:
    """Mixin of a security test case: each test is one scenario of the group's tally."""

    def setUp(self):
        super().setUp()
        SECURITY.add("scenarios_run")


def tried(count: int = 1) -> None:
    """Count bad inputs (forged tokens, malformed messages, unauthorized requests) sent."""
    SECURITY.add("bad_inputs_tried", count)


def records_lost(count: int) -> None:
    """Count records an attack destroyed or changed (the test then fails on its own assertion)."""
    SECURITY.add("records_lost", count)


def future_times(days: int = 30) -> dict:
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)
    return {"starts_at": iso_text(starts), "ends_at": iso_text(starts + timedelta(hours=3))}


def methods_of(process: str) -> list:
    """The method descriptors of a gRPC service's contract."""
    module, service = GRPC_CONTRACTS[process]
    return list(module.DESCRIPTOR.services_by_name[service].methods)


def raw_call(target: str, method, request: bytes = b"", metadata=(), timeout: float = 10):
    """Call `method` (a descriptor) on a plain channel, with no credential unless `metadata` has one."""
    with grpc.insecure_channel(target) as channel:
        return channel.unary_unary(f"/{method.containing_service.full_name}/{method.name}")(
            request, metadata=metadata, timeout=timeout
        )


class System:
    """The processes of SYSTEM on free loopback ports with their own database: what each one
    logged since it started, and every row of the database."""

    def __init__(self):
        self.stack = ProcessStack(list(SYSTEM), environ={"ORDER_THROTTLE_RATE": SYSTEM_ORDER_THROTTLE_RATE})
        # Log files are appended to: only what this run's processes write is theirs.
        self._log_start = {name: _size(self.stack.log_path(name)) for name in SYSTEM}

    @property
    def base_url(self) -> str:
        return self.stack.base_url

    def client(self) -> JsonClient:
        return JsonClient(self.stack.base_url)

    def new_user(self, role: str, password: str = PASSWORD) -> tuple[JsonClient, str]:
        """A client logged in as a new user of `role`, and the user's email."""
        client, email = self.client(), f"{role}-{uuid.uuid4().hex[:12]}@example.com"
        client.login_as_new_user(email, role, password)
        return client, email

    def log_texts(self) -> dict[str, str]:
        """Each process's log, from when this system started."""
        texts = {}
        for name in SYSTEM:
            with self.stack.log_path(name).open("rb") as log:
                log.seek(self._log_start[name])
                texts[name] = log.read().decode("utf-8", errors="replace")
        return texts

    def database(self) -> Database:
        return Database(self.stack.database_url)

    def reset_throttles(self) -> None:
        """Forget every throttle's counts (the gateway's rate-limit slots)."""
        with self.database() as db:
            db.execute("DELETE FROM ratelimits_slot")


def _size(path) -> int:
    return path.stat().st_size if path.exists() else 0


_system: System | None = None


def system() -> System:
    """The System of this test run, started on first use and stopped when the run ends."""
    global _system
    if _system is None:
        running = System()
        running.stack.start(timeout=120)
        atexit.register(running.stack.stop)
        _system = running
    return _system


# Column types that can hold text (MySQL's information_schema names; SQLite's declared types).
MYSQL_TEXT_TYPES = (
    "char",
    "varchar",
    "tinytext",
    "text",
    "mediumtext",
    "longtext",
    "json",
    "enum",
    "set",
    "binary",
    "varbinary",
    "tinyblob",
    "blob",
    "mediumblob",
    "longblob",
)
SQLITE_TEXT_TYPE = re.compile(r"CHAR|TEXT|CLOB|BLOB|JSON|^$", re.IGNORECASE)


class Database:
    """A plain connection to a system's database (MySQL/MariaDB or SQLite), outside Django's."""

    def __init__(self, url: str):
        self.url = url
        self.mysql = stack.is_mysql(url)
        if self.mysql:
            import MySQLdb

            parts = urlsplit(url)
            self.name = parts.path.lstrip("/")
            self.connection = MySQLdb.connect(
                host=parts.hostname or "127.0.0.1",
                port=parts.port or 3306,
                user=parts.username or "root",
                password=parts.password or "",
                database=self.name,
                charset="utf8mb4",
                autocommit=True,
            )
        else:
            self.name = dj_database_url.parse(url)["NAME"]
            self.connection = sqlite3.connect(self.name, isolation_level=None)

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc) -> None:
        self.connection.close()

    def execute(self, sql: str, params: Iterable = ()) -> list[tuple]:
        cursor = self.connection.cursor()
        cursor.execute(sql if self.mysql else sql.replace("%s", "?"), tuple(params))
        rows = list(cursor.fetchall() or ())
        cursor.close()
        return rows

    def quote(self, name: str) -> str:
        return f"`{name}`" if self.mysql else f'"{name}"'

    def text_columns(self) -> dict[str, list[str]]:
        """Every table of the schema, with its columns that can hold text."""
        columns: dict[str, list[str]] = {}
        if self.mysql:
            placeholders = ", ".join(["%s"] * len(MYSQL_TEXT_TYPES))
            rows = self.execute(
                "SELECT table_name, column_name FROM information_schema.columns "
                f"WHERE table_schema = %s AND data_type IN ({placeholders})",
                [self.name, *MYSQL_TEXT_TYPES],
            )
            for table, column in rows:
                columns.setdefault(table, []).append(column)
            for (table,) in self.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [self.name]
            ):
                columns.setdefault(table, [])
            return columns
        for (table,) in self.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            info = self.execute(f"PRAGMA table_info({self.quote(table)})")
            columns[table] = [name for _, name, declared, *_ in info if SQLITE_TEXT_TYPE.search(declared or "")]
        return columns

    def values_containing(self, needles: list[str]) -> list[tuple[str, str, str]]:
        """(table, column, value) of every text value of the schema that contains one of `needles`."""
        found = []
        for table, columns in self.text_columns().items():
            for column in columns:
                where = " OR ".join(f"{self.quote(column)} LIKE %s" for _ in needles)
                rows = self.execute(
                    f"SELECT {self.quote(column)} FROM {self.quote(table)} WHERE {where}",
                    [f"%{needle}%" for needle in needles],
                )
                found += [(table, column, _text(value)) for (value,) in rows]
        return found


def _text(value) -> str:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes | bytearray) else str(value)


def standalone(needle: str) -> re.Pattern:
    """`needle` as a whole token: not part of a longer run of letters and digits (so a short
    value such as a CVC is not "found" inside an id or a code)."""
    return re.compile(rf"(?<![0-9A-Za-z]){re.escape(needle)}(?![0-9A-Za-z])")
