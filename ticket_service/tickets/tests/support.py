"""Shared helpers of the tickets service tests.

The TicketService is served in-process (GrpcServerTestCase) against the test database; the
events and payments services run as real processes from the Procfile (one shared stack for the
whole test run, on its own scratch database). The in-process server listens on the address the
stack's processes were told the tickets service has, so the events service's CancelEvent calls
back into it, as in production.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from unittest import SkipTest

import grpc
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django_grpc_framework.settings import grpc_settings

from devkit.grpc_testing import GrpcServerTestCase
from devkit.processes import shared_stack
from protos.events.v1 import events_pb2
from protos.payments.v1 import payments_pb2
from protos.tickets.v1 import tickets_pb2, tickets_pb2_grpc
from servicekit import clients
from servicekit.errors import DomainError
from servicekit.grpc_server import start_server
from servicekit.identity import Caller
from servicekit.timestamps import to_timestamp
from ticket_service.tickets.models import Order, Ticket, TicketType

VISA = "4242424242424242"
MASTERCARD = "5555555555554444"
DECLINED = "4000000000000002"
INSUFFICIENT_FUNDS = "4000000000009995"
PROCESSING_ERROR = "4000000000000119"
BAD_LUHN = "4242424242424241"
THIS_YEAR = datetime.now(UTC).year

# The events process keeps its rows for the whole run: every test gets users nobody else has.
_user_ids = itertools.count(1_000)


def new_caller(role: str, *, is_staff: bool = False) -> Caller:
    return Caller(user_id=next(_user_ids), role=role, is_staff=is_staff)


def from_now(**delta) -> datetime:
    """An aware UTC time `delta` away from now."""
    return datetime.now(UTC) + timedelta(**delta)


def card(number: str = VISA, exp_month: int = 12, exp_year: int = THIS_YEAR + 2, cvc: str = "123") -> tickets_pb2.Card:
    return tickets_pb2.Card(number=number, exp_month=exp_month, exp_year=exp_year, cvc=cvc)


def reserve_line(ticket_type_id: int, quantity: int, *attendees: str) -> tickets_pb2.ReserveLine:
    return tickets_pb2.ReserveLine(ticket_type_id=ticket_type_id, quantity=quantity, attendees=attendees)


def run_together(calls: list[Callable]) -> list:
    """Each call in its own thread, released at once by a barrier; the results (or the
    DomainErrors raised) in the order of `calls`."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        try:
            return call()
        except DomainError as error:
            return error

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


class TicketServiceTestCase(GrpcServerTestCase):
    """Calls the real TicketService served in-process, backed by real events and payments processes."""

    @classmethod
    def setUpClass(cls):
        cls.stack = shared_stack("events", "payments")
        super().setUpClass()
        # Serve where the stack's events process dials the tickets service (it calls
        # CancelEventSales when an event is cancelled), instead of on any free port.
        cls.grpc_service.stop(None).wait(5)
        cls.grpc_target = cls.stack.grpc_addrs["tickets"]
        cls.grpc_service = start_server(grpc_settings.ROOT_HANDLERS_HOOK, cls.grpc_target, max_workers=8)
        cls.enterClassContext(override_settings(GRPC_ADDRS={**settings.GRPC_ADDRS, **cls.stack.grpc_addrs}))

    def setUp(self):
        super().setUp()
        self.ORGANIZER = new_caller("organizer")
        self.OTHER_ORGANIZER = new_caller("organizer")
        self.CUSTOMER = new_caller("customer")
        self.OTHER_CUSTOMER = new_caller("customer")
        self.STAFF = new_caller("customer", is_staff=True)
        self.tickets = self.grpc_client(tickets_pb2_grpc.TicketServiceStub, service="tickets")
        self.events = clients.events()
        self.payments = clients.payments()

    # --- events (the events process) ---------------------------------------------------------

    def make_event(self, organizer: Caller | None = None, starts_at: datetime | None = None) -> events_pb2.Event:
        starts_at = starts_at or from_now(days=10)
        request = events_pb2.CreateEventRequest(
            name="Jazz night",
            venue="Blue Room",
            timezone="UTC",
            starts_at=to_timestamp(starts_at),
            ends_at=to_timestamp(starts_at + timedelta(hours=3)),
        )
        return self.events.CreateEvent(request, caller=organizer or self.ORGANIZER)

    def cancel_event(self, event_id: int, organizer: Caller | None = None) -> events_pb2.Event:
        """Cancel through the events service, which stops the sales here first."""
        request = events_pb2.CancelEventRequest(id=event_id)
        return self.events.CancelEvent(request, caller=organizer or self.ORGANIZER)

    # --- tickets (the in-process server) -----------------------------------------------------

    def call(self, method: str, caller: Caller | None = None, /, **fields):
        request_class = getattr(tickets_pb2, f"{method}Request")
        if method == "ReserveSeats":  # the buyer's contact details, as the gateway always sends them
            user_id = caller.user_id if caller else 0
            fields.setdefault("email", f"user{user_id}@example.com")
            fields.setdefault("full_name", f"User {user_id}")
        return getattr(self.tickets, method)(request_class(**fields), caller=caller)

    def assertFails(
        self, status: grpc.StatusCode, error_code: str | None, method: str, caller: Caller | None = None, /, **fields
    ) -> DomainError:
        """The call fails with `status` (and machine `error_code` unless None); returns the error."""
        with self.assertRaises(DomainError) as raised:
            self.call(method, caller, **fields)
        self.assertDomainError(raised.exception, status, error_code)
        return raised.exception

    def assertDomainError(self, result, status: grpc.StatusCode, error_code: str | None = None) -> None:
        """`result` is a DomainError with `status` (and machine `error_code` unless None)."""
        self.assertIsInstance(result, DomainError, result)
        self.assertEqual(result.status, status, result)
        if error_code is not None:
            self.assertEqual(result.code, error_code, result)

    def make_ticket_type(
        self,
        *,
        capacity: int = 10,
        price: str = "25.00",
        event_id: int | None = None,
        organizer: Caller | None = None,
        **fields,
    ) -> tickets_pb2.TicketType:
        organizer = organizer or self.ORGANIZER
        if event_id is None:
            event_id = self.make_event(organizer).id
        fields.setdefault("name", "General admission")
        return self.call("CreateTicketType", organizer, event_id=event_id, price=price, capacity=capacity, **fields)

    def reserve(
        self, ticket_type_id: int, quantity: int = 1, caller: Caller | None = None, **fields
    ) -> tickets_pb2.ReserveSeatsResponse:
        return self.call(
            "ReserveSeats", caller or self.CUSTOMER, ticket_type_id=ticket_type_id, quantity=quantity, **fields
        )

    def reserve_lines(
        self, lines: list[tuple], caller: Caller | None = None, **fields
    ) -> tickets_pb2.ReserveSeatsResponse:
        """Reserve an order of lines, each (ticket type id, quantity, *attendees)."""
        return self.call(
            "ReserveSeats", caller or self.CUSTOMER, lines=[reserve_line(*line) for line in lines], **fields
        )

    def reserve_order(self, ticket_type_id: int, quantity: int = 1, caller: Caller | None = None) -> tickets_pb2.Order:
        return self.reserve(ticket_type_id, quantity, caller).order

    def pay(self, order_id: int, caller: Caller | None = None, number: str = VISA, **card_fields) -> tickets_pb2.Order:
        return self.call("PayOrder", caller or self.CUSTOMER, order_id=order_id, card=card(number, **card_fields))

    def paid_order(self, ticket_type_id: int, quantity: int = 1, caller: Caller | None = None) -> tickets_pb2.Order:
        caller = caller or self.CUSTOMER
        return self.pay(self.reserve_order(ticket_type_id, quantity, caller).id, caller)

    def check_in(self, code: str, caller: Caller | None = None) -> tickets_pb2.CheckInResponse:
        return self.call("CheckIn", caller or self.ORGANIZER, code=code)

    # --- payments (the payments process, called directly) ------------------------------------

    def charge_directly(self, order: Order, number: str = VISA) -> payments_pb2.Payment:
        """Charge the order's total as the tickets service would, without it knowing."""
        request = payments_pb2.ChargeRequest(
            order_id=order.id,
            amount=str(order.total),
            currency=order.currency,
            card=payments_pb2.Card(number=number, exp_month=12, exp_year=THIS_YEAR + 2, cvc="123"),
        )
        return self.payments.Charge(request)

    def payment_of(self, order_id: int) -> payments_pb2.Payment:
        return self.payments.GetPayment(payments_pb2.GetPaymentRequest(order_id=order_id))

    # --- rows of this service ----------------------------------------------------------------

    def row(self, ticket_type_id: int) -> TicketType:
        return TicketType.objects.get(pk=ticket_type_id)

    def order_row(self, order_id: int) -> Order:
        return Order.objects.get(pk=order_id)

    def expire(self, order_id: int, **fields) -> None:
        """Make the order's hold end in the past (as if ORDER_HOLD_SECONDS had passed)."""
        Order.objects.filter(pk=order_id).update(expires_at=from_now(seconds=-1), **fields)

    def tickets_of(self, order_id: int) -> list[Ticket]:
        return list(Ticket.objects.filter(order_id=order_id).order_by("id"))


class RaceTestCase(TicketServiceTestCase):
    """Tests of what concurrent callers do to the same rows.

    They need a database where a writer waits for another's lock: MySQL, or a SQLite file (what
    base_settings gives tests). Django's in-memory SQLite test database (shared cache) fails a
    second writer at once ("database table is locked") instead, which says nothing about the service.
    """

    @classmethod
    def setUpClass(cls):
        if connection.vendor == "sqlite" and connection.is_in_memory_db():
            raise SkipTest("concurrent writers need MySQL or a SQLite file, not an in-memory database")
        super().setUpClass()
