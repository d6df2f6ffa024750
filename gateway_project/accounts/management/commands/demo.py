"""`make demo`: fill a running MicroTix with demo data, then say how to try it.

    python gateway_project/manage.py demo [--events N] [--customers N]

Users are the gateway's own rows (it owns them); everything else (events, ticket types,
orders, payments, tickets) is made through the services' gRPC APIs on the demo users'
behalf, exactly as the REST API would, so the services must be running (`make up`).
Running it again reuses the demo users (and resets their password) and adds more events.
"""

from __future__ import annotations

import shlex
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection

from gateway_project.accounts.models import User
from protos.events.v1 import events_pb2
from protos.tickets.v1 import tickets_pb2
from servicekit import clients, errors
from servicekit.config import env
from servicekit.grpc_client import health_status
from servicekit.identity import Caller
from servicekit.timestamps import to_timestamp

PASSWORD = "microtix-demo"
ORGANIZER_EMAIL = "demo-organizer@example.com"
CUSTOMER_EMAIL = "demo-customer-{}@example.com"
TEST_CARD = "4242424242424242"

GENRES = ("Jazz", "Indie rock", "Techno", "Chamber music", "Stand-up comedy", "Poetry slam", "Blues", "Folk")
FORMATS = ("night", "evening", "matinee", "showcase", "festival")
PLACES = (
    ("Blue Hall, Paris", "Europe/Paris"),
    ("The Warehouse, Berlin", "Europe/Berlin"),
    ("Riverside Theatre, London", "Europe/London"),
    ("Glasshouse Club, Lisbon", "Europe/Lisbon"),
    ("Old Town Arena, New York", "America/New_York"),
)
# (name, price, capacity) of the two ticket types of every event.
TICKET_TYPES = (("General admission", "25.00", 200), ("VIP", "80.00", 20))
NEEDED_SERVICES = ("events", "tickets", "payments")


@dataclass
class Totals:
    events: int = 0
    ticket_types: int = 0
    orders: int = 0
    tickets: int = 0


class Progress:
    """A one-line text progress bar, redrawn in place on `stream` (a command's OutputWrapper,
    e.g. its stderr) at most 10 times a second."""

    def __init__(self, stream, total: int, label: str, width: int = 30):
        self.stream, self.total, self.label, self.width = stream, total, label, width
        self.done = 0
        self._drawn_at = 0.0

    def advance(self) -> None:
        self.done += 1
        now = time.monotonic()
        if self.done == self.total or now - self._drawn_at >= 0.1:
            self._drawn_at = now
            self.draw()

    def draw(self) -> None:
        filled = self.width * self.done // max(self.total, 1)
        bar = "#" * filled + "." * (self.width - filled)
        self._write(f"\r{self.label} [{bar}] {self.done}/{self.total}")

    def finish(self) -> None:
        """Draw where it ended (if not drawn yet) and leave the line."""
        if self.done != self.total:
            self.draw()
        self._write("\n")

    def _write(self, text: str) -> None:
        self.stream.write(text, style_func=lambda s: s, ending="")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Create demo data on running services: an organizer, customers, events with two ticket types "
        "each and some paid orders; print the logins and curl commands to try the API."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--events", type=int, default=5, help="How many events to create (default 5).")
        parser.add_argument("--customers", type=int, default=3, help="How many demo customers (default 3).")
        parser.add_argument(
            "--base-url",
            default=f"http://127.0.0.1:{env('MICROTIX_HTTP_PORT')}",
            help="The gateway's URL, for the printed curl commands.",
        )

    def handle(self, *args, events: int, customers: int, base_url: str, **options) -> None:
        if events < 1 or customers < 1:
            raise CommandError("--events and --customers must be at least 1.")
        self._check_database()
        self._check_services()
        organizer = _demo_user(ORGANIZER_EMAIL, "Demo Organizer", User.Role.ORGANIZER)
        buyers = [
            _demo_user(CUSTOMER_EMAIL.format(n), f"Demo Customer {n}", User.Role.CUSTOMER)
            for n in range(1, customers + 1)
        ]
        totals, sample_type = Totals(), 0
        progress = Progress(self.stderr, events, "Creating events")
        try:
            for index in range(events):
                sample_type = self._seed_event(index, organizer, buyers, totals)
                progress.advance()
        except errors.DomainError as exc:
            progress.finish()
            raise CommandError(_explain(exc)) from None
        progress.finish()
        self._report(organizer, buyers, totals, sample_type, base_url.rstrip("/"))

    def _check_database(self) -> None:
        try:
            tables = connection.introspection.table_names()
        except DatabaseError as exc:
            raise CommandError(f"The database does not answer ({exc}).") from None
        if User._meta.db_table not in tables:
            raise CommandError("The database is not migrated yet: run `make migrate` (or `make up`) first.")

    def _check_services(self) -> None:
        for service in NEEDED_SERVICES:
            address = settings.GRPC_ADDRS[service]
            status = health_status(address, timeout=3)
            if status != "SERVING":
                raise CommandError(
                    f"The {service} service at {address} is not serving ({status}). "
                    "`make demo` runs on top of a running `make up`: start it in another terminal first."
                )

    def _seed_event(self, index: int, organizer: User, buyers: list[User], totals: Totals) -> int:
        """One event with its two ticket types, two paid orders; returns the first type's id."""
        as_organizer = Caller(user_id=organizer.id, role=organizer.role)
        genre, form = GENRES[index % len(GENRES)], FORMATS[index // len(GENRES) % len(FORMATS)]
        venue, timezone_name = PLACES[index % len(PLACES)]
        starts = (datetime.now(UTC) + timedelta(days=index + 1)).replace(hour=19, minute=0, second=0, microsecond=0)
        event = clients.events().CreateEvent(
            events_pb2.CreateEventRequest(
                name=f"{genre} {form} #{index + 1}",
                description=f"A demo {genre.lower()} {form}, made by `make demo`.",
                venue=venue,
                timezone=timezone_name,
                starts_at=to_timestamp(starts),
                ends_at=to_timestamp(starts + timedelta(hours=3)),
            ),
            caller=as_organizer,
        )
        totals.events += 1
        types = []
        for name, price, capacity in TICKET_TYPES:
            types.append(
                clients.tickets().CreateTicketType(
                    tickets_pb2.CreateTicketTypeRequest(event_id=event.id, name=name, price=price, capacity=capacity),
                    caller=as_organizer,
                )
            )
            totals.ticket_types += 1
        # Two buyers per event: one takes two general admissions, the next one a VIP seat.
        for offset, (ticket_type, quantity) in enumerate(((types[0], 2), (types[1], 1))):
            self._buy(buyers[(index + offset) % len(buyers)], ticket_type.id, quantity, totals)
        return types[0].id

    def _buy(self, buyer: User, ticket_type_id: int, quantity: int, totals: Totals) -> None:
        as_buyer = Caller(user_id=buyer.id, role=buyer.role)
        reserved = clients.tickets().ReserveSeats(
            tickets_pb2.ReserveSeatsRequest(
                ticket_type_id=ticket_type_id, quantity=quantity, email=buyer.email, full_name=buyer.full_name
            ),
            caller=as_buyer,
        )
        card = tickets_pb2.Card(number=TEST_CARD, exp_month=12, exp_year=datetime.now(UTC).year + 3, cvc="123")
        paid = clients.tickets().PayOrder(
            tickets_pb2.PayOrderRequest(order_id=reserved.order.id, card=card), caller=as_buyer
        )
        totals.orders += 1
        totals.tickets += len(paid.tickets)

    def _report(self, organizer: User, buyers: list[User], totals: Totals, ticket_type_id: int, base_url: str) -> None:
        customer = buyers[0]
        json_headers = "-H 'Content-Type: application/json'"
        auth = '-H "Authorization: Bearer $TOKEN"'
        login = shlex.quote(f'{{"email":"{customer.email}","password":"{PASSWORD}"}}')
        order = shlex.quote(f'{{"ticket_type_id":{ticket_type_id},"quantity":1}}')
        card = shlex.quote(
            f'{{"card_number":"{TEST_CARD}","exp_month":12,"exp_year":{datetime.now(UTC).year + 3},"cvc":"123"}}'
        )
        read_json = "python3 -c 'import json,sys; print(json.load(sys.stdin)[\"{}\"])'"
        token = f"curl -s -XPOST {base_url}/api/auth/token/ {json_headers} -d {login} | {read_json.format('access')}"
        reserve = f"curl -s -XPOST {base_url}/api/orders/ {auth} {json_headers} -d {order} | {read_json.format('id')}"
        lines = [
            "",
            f"Demo data created: {totals.events} events, {totals.ticket_types} ticket types, "
            f"{totals.orders} paid orders ({totals.tickets} tickets).",
            "",
            f"Logins (password for every one: {PASSWORD})",
            f"  organizer  {organizer.email}",
            *(f"  customer   {buyer.email}" for buyer in buyers),
            "",
            f"Try the API at {base_url}/api/ (paste these into a shell):",
            "",
            f"  # log in as {customer.email}; keep the access token",
            f"  TOKEN=$({token})",
            "  # the upcoming events",
            f"  curl -s {base_url}/api/events/",
            "  # buy a ticket: reserve a seat, then pay with the test card",
            f"  ORDER=$({reserve})",
            f"  curl -s -XPOST {base_url}/api/orders/$ORDER/pay/ {auth} {json_headers} -d {card}",
            "  # your tickets",
            f"  curl -s {base_url}/api/tickets/ {auth}",
            "",
            f"Log in as {organizer.email} to see GET /api/events/mine/ and GET /api/events/<id>/sales/.",
        ]
        self.stdout.write("\n".join(lines))


def _demo_user(email: str, full_name: str, role: str) -> User:
    """The demo user with this email, created if missing; its role and password made the demo's."""
    user = User.objects.filter(email=email).first()
    if user is None:
        return User.objects.create_user(email=email, password=PASSWORD, full_name=full_name, role=role)
    changed = []
    if user.role != role:
        user.role = role
        changed.append("role")
    if not user.is_active:
        user.is_active = True
        changed.append("is_active")
    if not user.check_password(PASSWORD):
        user.set_password(PASSWORD)
        changed.append("password")
    if changed:
        user.save(update_fields=changed)
    return user


def _explain(exc: errors.DomainError) -> str:
    if isinstance(exc, errors.ServiceUnavailable):
        return (
            f"The {exc.service} service stopped answering ({exc.status.name}) at {settings.GRPC_ADDRS[exc.service]}; "
            "is `make up` still running?"
        )
    return f"The {exc.service} service refused: {exc.message} ({exc.code})."
