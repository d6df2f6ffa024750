"""Business logic of ticketing: inventory, holds, purchases, tickets, check-in.

The inventory invariant (sold + held <= capacity) is kept by conditional UPDATEs
in the database, never by reading and then writing, because several processes
sell the same seats. Row locks are always taken order first, then ticket type.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

import grpc
import pycountry
from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Case, F, Max, Sum, Value, When
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from prometheus_client import Counter

from protos.events.v1 import events_pb2
from protos.payments.v1 import payments_pb2
from servicekit import clients, outbox
from servicekit.db import is_lock_conflict
from servicekit.errors import Conflict, Forbidden, InvalidInput, NotFound
from servicekit.grpc_client import RemoteError
from servicekit.identity import CUSTOMER, Caller
from servicekit.money import CENT, money_text
from servicekit.pagination import newest_first
from servicekit.timestamps import from_timestamp
from ticket_service.tickets.models import CustomerSeats, Order, OutboxMessage, Ticket, TicketType

log = logging.getLogger("microtix.tickets")

# Business counters, on the service's metrics port (servicekit.metrics).
ORDERS_RESERVED = Counter("microtix_orders_reserved", "Orders that held seats.")
ORDERS_PAID = Counter("microtix_orders_paid", "Orders paid (tickets issued).")
ORDERS_EXPIRED = Counter("microtix_orders_expired", "Reserved orders whose hold ended unpaid.")
TICKETS_CHECKED_IN = Counter("microtix_tickets_checked_in", "Tickets admitted at the door.")

MAX_PRICE = Decimal("100000000")
DEFAULT_MAX_PER_ORDER = 10
MAX_PER_CUSTOMER = 1000
# Attempts of a reservation's transaction when MySQL picks it as a deadlock victim or times out its lock wait.
RESERVE_ATTEMPTS = 3
DEFAULT_PAGE_SIZE = 20
BUYERS_PAGE_SIZE = 500
MAX_PAGE_SIZE = 100
SWEEP_BATCH = 200
# A charge attempt older than this has surely finished (client deadlines are far shorter):
# if its order is still not paid, the outcome was lost and is reconciled with the payment service.
CHARGE_SETTLED_AFTER = timedelta(seconds=60)
_CURRENCY = re.compile(r"[A-Z]{3}")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,189}")
_TICKET_CODE_SALT = "microtix.tickets.code"


class TicketTypeNotFound(NotFound):
    """No such ticket type."""


class OrderNotFound(NotFound):
    """No such order."""


class TicketNotFound(NotFound):
    """No such ticket."""


class InvalidTicket(NotFound):
    """This is not a valid ticket code."""

    code = "invalid_ticket"


class NotEventOrganizer(Forbidden):
    """Only the event's organizer can do this."""


class NotACustomer(Forbidden):
    """Only customers can buy tickets."""


class SoldOut(Conflict):
    """Not enough seats left."""

    code = "sold_out"


class CustomerLimitReached(Conflict):
    """This customer may not hold or buy more tickets of this type."""

    code = "customer_limit_reached"


class _CustomerSeatsTaken(Exception):
    """Internal: the customer's limit refused the seats (rolls back a savepoint)."""


class EventCancelled(Conflict):
    """The event is cancelled."""

    code = "event_cancelled"


class EventStarted(Conflict):
    """The event has already started."""

    code = "event_started"


class HoldExpired(Conflict):
    """The seat hold has expired; reserve again."""

    code = "hold_expired"


class OrderCancelled(Conflict):
    """The order was cancelled while its card was being charged; the payment was refunded."""

    code = "order_cancelled"


class OrderNotPayable(Conflict):
    """This order cannot be paid."""

    code = "order_not_payable"


class OrderNotCancellable(Conflict):
    """A paid order cannot be cancelled."""

    code = "order_not_cancellable"


class IdempotencyKeyReused(Conflict):
    """This Idempotency-Key was already used for a different order."""

    code = "idempotency_key_reused"


class AlreadyCheckedIn(Conflict):
    code = "already_checked_in"


class TicketVoid(Conflict):
    """This ticket is void."""

    code = "ticket_void"


@dataclass(frozen=True)
class EventInfo:
    id: int
    organizer_id: int
    cancelled: bool
    starts_at: datetime


@dataclass(frozen=True)
class Page:
    items: list
    next_page_token: str


@dataclass(frozen=True)
class TypeSales:
    ticket_type: TicketType
    revenue: Decimal


@dataclass(frozen=True)
class SalesReport:
    event_id: int
    types: list[TypeSales]
    checked_in: int


@dataclass(frozen=True)
class CardDetails:
    number: str
    exp_month: int
    exp_year: int
    cvc: str

    def __repr__(self) -> str:  # never show the card in logs or tracebacks
        return f"CardDetails(number='****{self.number[-4:]}', exp={self.exp_month}/{self.exp_year}, cvc='***')"


# --- events, as the events service tells them ---------------------------------------------------


def get_event_info(event_id: int, caller: Caller | None = None) -> EventInfo:
    """The event's owner, status and start, from the events service."""
    try:
        event = clients.events().call("GetEvent", events_pb2.GetEventRequest(id=event_id), caller=caller)
    except RemoteError as exc:
        raise exc.as_domain_error() from None
    return EventInfo(
        id=event.id,
        organizer_id=event.organizer_id,
        cancelled=event.status == events_pb2.EVENT_STATUS_CANCELLED,
        starts_at=from_timestamp(event.starts_at),
    )


def _require_organizer(caller: Caller, event: EventInfo) -> None:
    if not caller.is_staff and (caller.user_id is None or caller.user_id != event.organizer_id):
        raise NotEventOrganizer()


# --- ticket types -------------------------------------------------------------------------------


def create_ticket_type(
    *,
    caller: Caller,
    event_id: int,
    name: str,
    price: str,
    currency: str = "",
    capacity: int,
    max_per_order: int = 0,
    max_per_customer: int = 0,
) -> TicketType:
    """Add a ticket type to an event its organizer owns; `max_per_customer` 0 means no limit."""
    event = get_event_info(event_id, caller)
    _require_organizer(caller, event)
    if event.cancelled:
        raise EventCancelled()
    name = name.strip()
    currency = (currency or "USD").upper()
    max_per_order = max_per_order or DEFAULT_MAX_PER_ORDER
    problems: dict[str, list[str]] = {}
    if not name:
        problems["name"] = ["This field may not be blank."]
    elif len(name) > 100:
        problems["name"] = ["Ensure this field has no more than 100 characters."]
    amount = parse_amount(price)
    if amount is None or amount < 0:
        problems["price"] = ["Enter a price from 0 to 99999999.99 with at most 2 decimals."]
    if not is_iso_4217(currency):
        problems["currency"] = ["Enter a 3-letter ISO 4217 currency code."]
    if not 1 <= capacity <= 1_000_000:
        problems["capacity"] = ["Capacity must be between 1 and 1000000."]
    if not 1 <= max_per_order <= 100:
        problems["max_per_order"] = ["Must be between 1 and 100."]
    if not 0 <= max_per_customer <= MAX_PER_CUSTOMER:
        problems["max_per_customer"] = [f"Must be between 1 and {MAX_PER_CUSTOMER}, or 0 for no limit."]
    if problems:
        raise InvalidInput(field_errors=problems)
    return TicketType.objects.create(
        event_id=event_id,
        name=name,
        price=amount,
        currency=currency,
        capacity=capacity,
        max_per_order=max_per_order,
        max_per_customer=max_per_customer or None,
    )


def is_iso_4217(code: str) -> bool:
    """True if `code` is a currency of ISO 4217's list (as pycountry ships it), in upper case."""
    return bool(_CURRENCY.fullmatch(code)) and pycountry.currencies.get(alpha_3=code) is not None


def parse_amount(text: str) -> Decimal | None:
    """A money amount below 10^8 with at most 2 decimals, or None if `text` is not one."""
    try:
        amount = Decimal(text)
    except (InvalidOperation, TypeError, ValueError):
        return None
    # copy_abs, not abs(): abs() rounds to the context and overflows on an exponent such as 1e999999999.
    if not amount.is_finite() or amount.as_tuple().exponent < -2 or amount.copy_abs() >= MAX_PRICE:
        return None
    return (amount + 0).quantize(CENT)  # + 0 turns -0 into 0


def list_ticket_types(event_id: int) -> list[TicketType]:
    return list(TicketType.objects.filter(event_id=event_id).order_by("id"))


def sales_report(*, caller: Caller, event_id: int) -> SalesReport:
    """Per ticket type: capacity, sold, held, available and revenue; and tickets checked in."""
    _require_organizer(caller, get_event_info(event_id, caller))
    revenue = dict(
        Order.objects.filter(event_id=event_id, status=Order.Status.PAID)
        .values_list("ticket_type_id")
        .annotate(total=Sum("total"))
    )
    # Aggregates come back unrounded on some databases: money always has 2 decimals.
    types = [TypeSales(t, Decimal(revenue.get(t.id, 0)).quantize(CENT)) for t in list_ticket_types(event_id)]
    checked_in = Ticket.objects.filter(event_id=event_id, status=Ticket.Status.CHECKED_IN).count()
    return SalesReport(event_id, types, checked_in)


# --- holds --------------------------------------------------------------------------------------


def reserve_seats(
    *,
    caller: Caller,
    ticket_type_id: int,
    quantity: int,
    email: str,
    full_name: str,
    idempotency_key: str = "",
) -> tuple[Order, bool]:
    """Hold `quantity` seats for the caller for ORDER_HOLD_SECONDS.

    Returns the order and whether it was created (False: an idempotent replay).
    """
    if caller.role != CUSTOMER or caller.user_id is None:
        raise NotACustomer()
    key = idempotency_key.strip()[:128] or None
    if key:
        existing = _replayed_order(caller, key, ticket_type_id, quantity)
        if existing:
            return existing, False
    problems = _buyer_problems(email, full_name)
    if quantity < 1:
        problems["quantity"] = ["Ensure this value is greater than or equal to 1."]
    if problems:
        raise InvalidInput(field_errors=problems)
    ticket_type = _ticket_type(ticket_type_id)
    if quantity > ticket_type.max_per_order:
        raise InvalidInput(
            field_errors={"quantity": [f"At most {ticket_type.max_per_order} tickets of this type per order."]}
        )
    if not ticket_type.sales_open:
        raise EventCancelled()
    # Most requests at the end of a flash sale come after the last seats went: refuse them from the row
    # just read, without a call to the events service or a write. Expired holds are released first (as
    # below), so seats they held are never refused; a refusal is true of the row as it was read.
    if ticket_type.available < quantity and not release_expired_holds(ticket_type_id=ticket_type.id):
        raise SoldOut()
    event = get_event_info(ticket_type.event_id, caller)
    if event.cancelled:
        raise EventCancelled()
    now = timezone.now()
    if event.starts_at <= now:
        raise EventStarted()
    release_expired_holds(ticket_type_id=ticket_type.id)
    order_fields = {
        "user_id": caller.user_id,
        "email": email,
        "full_name": full_name,
        "event_id": ticket_type.event_id,
        "ticket_type": ticket_type,
        "quantity": quantity,
        "unit_price": ticket_type.price,
        "total": ticket_type.price * quantity,
        "currency": ticket_type.currency,
        "expires_at": now + timedelta(seconds=settings.ORDER_HOLD_SECONDS),
        "idempotency_key": key,
    }
    try:
        order = _hold_seats(ticket_type, quantity, order_fields)
    except IntegrityError:
        # A concurrent request with the same key won the race; its hold stands, ours rolled back.
        existing = _replayed_order(caller, key, ticket_type_id, quantity) if key else None
        if existing is None:
            raise
        return existing, False
    ORDERS_RESERVED.inc()
    log.info("order %s reserved %s x type %s for user %s", order.id, quantity, ticket_type.id, caller.user_id)
    return order, True


def _hold_seats(ticket_type: TicketType, quantity: int, order_fields: dict) -> Order:
    """Hold the seats and write the reserved order in one transaction, tried again if MySQL
    rolled it back for a deadlock or a lock wait timeout (the guards make a retry safe)."""
    for attempt in range(1, RESERVE_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                # The guard: hold seats only if they exist, decided by the database row itself.
                held = (
                    TicketType.objects.filter(pk=ticket_type.id, sales_open=True)
                    .filter(capacity__gte=F("sold") + F("held") + quantity)
                    .update(held=F("held") + quantity)
                )
                if not held:
                    raise SoldOut()
                if ticket_type.max_per_customer:
                    _count_customer_seats(order_fields["user_id"], ticket_type, quantity)
                return Order.objects.create(**order_fields)
        except OperationalError as exc:
            if attempt == RESERVE_ATTEMPTS or not is_lock_conflict(exc):
                raise
            log.warning("reservation of type %s: %s; trying again (attempt %s)", ticket_type.id, exc, attempt + 1)
    raise AssertionError("unreachable")


def _count_customer_seats(user_id: int, ticket_type: TicketType, quantity: int) -> None:
    """Count `quantity` more seats of a limited type against the customer, or raise
    CustomerLimitReached. Runs in the transaction holding the seats, after the type row is locked."""
    limit = ticket_type.max_per_customer
    CustomerSeats.objects.bulk_create([CustomerSeats(user_id=user_id, ticket_type=ticket_type)], ignore_conflicts=True)
    # The guard: the database row decides, so parallel orders of one customer cannot pass the limit together.
    counted = CustomerSeats.objects.filter(
        user_id=user_id, ticket_type=ticket_type, seats__lte=limit - quantity
    ).update(seats=F("seats") + quantity)
    if not counted:
        seats = CustomerSeats.objects.get(user_id=user_id, ticket_type=ticket_type).seats
        raise CustomerLimitReached(
            f"One customer may hold or buy at most {limit} tickets of this type; you already have {seats}.",
            extra={"max_per_customer": limit, "held_and_bought": seats},
        )


def _uncount_customer_seats(order: Order) -> None:
    """The order's seats no longer count against its customer's limit (no row: the type has none)."""
    CustomerSeats.objects.filter(
        user_id=order.user_id, ticket_type_id=order.ticket_type_id, seats__gte=order.quantity
    ).update(seats=F("seats") - order.quantity)


def _buyer_problems(email: str, full_name: str) -> dict[str, list[str]]:
    problems = {}
    if not _EMAIL.fullmatch(email):
        problems["email"] = ["Enter a valid email address of at most 254 characters."]
    if len(full_name) > 150:
        problems["full_name"] = ["Ensure this field has no more than 150 characters."]
    return problems


def _replayed_order(caller: Caller, key: str, ticket_type_id: int, quantity: int) -> Order | None:
    order = Order.objects.filter(user_id=caller.user_id, idempotency_key=key).first()
    if order and (order.ticket_type_id, order.quantity) != (ticket_type_id, quantity):
        raise IdempotencyKeyReused()
    return order


def _ticket_type(ticket_type_id: int) -> TicketType:
    try:
        return TicketType.objects.get(pk=ticket_type_id)
    except TicketType.DoesNotExist:
        raise TicketTypeNotFound() from None


def cancel_order(*, caller: Caller, order_id: int) -> Order:
    """Release a reserved order's seats. Cancelling a cancelled or expired order changes nothing."""
    order = _own_order(caller, order_id)
    if order.status in (Order.Status.RESERVED, Order.Status.CANCELLED, Order.Status.EXPIRED):
        _release(order.id, Order.Status.CANCELLED)
        order.refresh_from_db()
        return order
    raise OrderNotCancellable()


def _release(order_id: int, new_status: str, *, only_expired: bool = False) -> bool:
    """Move a reserved order to `new_status` and give its seats back; False if it was not reserved."""
    with transaction.atomic():
        orders = Order.objects.filter(pk=order_id, status=Order.Status.RESERVED)
        if only_expired:
            orders = orders.filter(expires_at__lte=timezone.now())
        order = orders.select_for_update().first()
        if order is None:
            return False
        Order.objects.filter(pk=order.id).update(status=new_status, updated_at=timezone.now())
        TicketType.objects.filter(pk=order.ticket_type_id).update(held=F("held") - order.quantity)
        _uncount_customer_seats(order)
    if new_status == Order.Status.EXPIRED:
        ORDERS_EXPIRED.inc()
    log.info("order %s %s: %s seats released", order_id, new_status, order.quantity)
    return True


def release_expired_holds(*, ticket_type_id: int | None = None) -> int:
    """Expire unpaid orders past their hold and free their seats; returns how many.

    An order whose payment had started is left alone while the charge may be in
    flight, then reconciled with the payment service: a charged order is
    completed (or refunded), never silently expired.
    """
    now = timezone.now()
    expired = Order.objects.filter(status=Order.Status.RESERVED, expires_at__lte=now)
    if ticket_type_id is not None:
        expired = expired.filter(ticket_type_id=ticket_type_id)
    released = 0
    for order_id, payment_started_at in expired.values_list("id", "payment_started_at")[:SWEEP_BATCH]:
        if payment_started_at is not None:
            if payment_started_at > now - CHARGE_SETTLED_AFTER:
                continue  # the charge may still be in flight
            if _reconcile_payment(order_id) is not False:
                continue  # it was charged (now paid or refunded), or the payment service cannot tell yet
        released += _release(order_id, Order.Status.EXPIRED, only_expired=True)
    return released


def reconcile_abandoned_payments() -> int:
    """Settle orders that were cancelled or expired while their card was being charged:
    a succeeded charge is completed into tickets if seats remain, else refunded."""
    cutoff = timezone.now() - CHARGE_SETTLED_AFTER
    abandoned = Order.objects.filter(
        status__in=[Order.Status.CANCELLED, Order.Status.EXPIRED], payment_started_at__lte=cutoff
    ).values_list("id", flat=True)
    return sum(1 for order_id in abandoned[:SWEEP_BATCH] if _reconcile_payment(order_id))


def _reconcile_payment(order_id: int) -> bool | None:
    """Ask the payment service how the order's charge ended. True: it succeeded and the
    order is now paid or refunded; False: nothing was charged; None: cannot tell yet."""
    try:
        payment = _succeeded_payment(order_id)
    except RemoteError:
        return None
    if payment is not None:
        with contextlib.suppress(HoldExpired, OrderCancelled):  # raised after refunding: settled either way
            complete_paid_order(order_id, payment)
        return True
    Order.objects.filter(pk=order_id).update(payment_started_at=None)
    return False


def _succeeded_payment(order_id: int) -> payments_pb2.Payment | None:
    """The order's payment if its charge succeeded, None if nothing is charged (as yet);
    RemoteError if the payment service cannot tell."""
    try:
        payment = clients.payments().call("GetPayment", payments_pb2.GetPaymentRequest(order_id=order_id))
    except RemoteError as exc:
        if exc.status == grpc.StatusCode.NOT_FOUND:
            return None
        raise
    return payment if payment.status == payments_pb2.PAYMENT_STATUS_SUCCEEDED else None


# --- paying -------------------------------------------------------------------------------------


def pay_order(*, caller: Caller, order_id: int, card: CardDetails) -> Order:
    """Charge the order's total once and issue its tickets.

    Paying a paid order returns it and charges nothing (the order id is the
    payment's idempotency key, so retries by anyone never charge twice).
    """
    order = _own_order(caller, order_id)
    if order.status == Order.Status.PAID:
        return order
    if order.status == Order.Status.EXPIRED or (
        order.status == Order.Status.RESERVED and order.expires_at <= timezone.now()
    ):
        charged = _charged_before_the_hold_lapsed(order)
        if charged is not None:
            # An earlier attempt charged the card but never completed the order (its tickets
            # service died): complete it now, seats permitting, else it is refunded (HoldExpired).
            return complete_paid_order(order.id, charged)
        _release(order.id, Order.Status.EXPIRED, only_expired=True)
        raise HoldExpired()
    if order.status != Order.Status.RESERVED:
        raise OrderNotPayable(f"This order is {order.status} and cannot be paid.")
    if order.total == 0:
        return complete_paid_order(order.id, payments_pb2.Payment())  # free: nothing to charge
    Order.objects.filter(pk=order.id, payment_started_at__isnull=True).update(payment_started_at=timezone.now())
    request = payments_pb2.ChargeRequest(
        order_id=order.id,
        amount=str(order.total),
        currency=order.currency,
        card=payments_pb2.Card(number=card.number, exp_month=card.exp_month, exp_year=card.exp_year, cvc=card.cvc),
        description=f"MicroTix order {order.id}",
    )
    try:
        payment = clients.payments().call("Charge", request, caller=caller)
    except RemoteError as exc:
        if exc.status in (grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.INVALID_ARGUMENT):
            # Definitely not charged (declined, bad card): nothing to reconcile for this attempt.
            Order.objects.filter(pk=order.id).update(payment_started_at=None)
        raise exc.as_domain_error() from None
    return complete_paid_order(order.id, payment)


def _charged_before_the_hold_lapsed(order: Order) -> payments_pb2.Payment | None:
    """The succeeded payment of an order whose payment had started, if it has one. When the payment
    service cannot tell, the caller is told to try again rather than that the hold expired."""
    if order.payment_started_at is None:
        return None
    try:
        return _succeeded_payment(order.id)
    except RemoteError as exc:
        raise exc.as_domain_error() from None


def complete_paid_order(order_id: int, payment: payments_pb2.Payment) -> Order:
    """Turn a reserved order whose payment succeeded into a paid order with tickets.

    If its seats were lost meanwhile (hold expired and resold, order cancelled,
    event cancelled), the payment is refunded and HoldExpired raised: never a
    payment without tickets, never a paid order without a payment.
    """
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status == Order.Status.PAID:
            return order
        seats = order.status == Order.Status.RESERVED
        if seats:
            TicketType.objects.filter(pk=order.ticket_type_id).update(
                held=F("held") - order.quantity, sold=F("sold") + order.quantity
            )
        elif order.status == Order.Status.EXPIRED:
            seats = _sell_lapsed_seats(order)
        if seats:
            now = timezone.now()
            order.status, order.paid_at = Order.Status.PAID, now
            order.payment_brand, order.payment_last4 = payment.brand, payment.last4
            order.save(update_fields=["status", "paid_at", "payment_brand", "payment_last4", "updated_at"])
            Ticket.objects.bulk_create(
                Ticket(
                    order=order,
                    user_id=order.user_id,
                    event_id=order.event_id,
                    ticket_type_id=order.ticket_type_id,
                    code=new_ticket_code(),
                    holder_name=order.full_name,
                )
                for _ in range(order.quantity)
            )
            outbox.enqueue(
                OutboxMessage,
                "notifications.order_paid",
                order_id=order.id,
                email=order.email,
                full_name=order.full_name,
                event_id=order.event_id,
                total=money_text(order.total),
                currency=order.currency,
                tickets=[{"id": ticket.id, "code": ticket.code} for ticket in issued_tickets(order)],
            )
    if seats:
        ORDERS_PAID.inc()
        log.info("order %s paid: %s tickets issued", order.id, order.quantity)
        return order
    if order.status == Order.Status.CANCELLED:
        refunded = refund_order(order.id, reason="order cancelled while its card was charged")
        amount = money_text(refunded.refunded_amount)
        raise OrderCancelled(
            f"The order was cancelled while its card was charged; the payment of {amount} {order.currency} "
            "was refunded.",
            extra={"refunded_amount": amount},
        )
    refund_order(order.id, reason="seats no longer available when the payment completed")
    raise HoldExpired("The seat hold ended before the payment completed; the payment was refunded.")


def _sell_lapsed_seats(order: Order) -> bool:
    """The hold lapsed while the card was charged: sell the order its seats again if they are
    still free and its customer's limit allows them."""
    try:
        with transaction.atomic():
            sold = (
                TicketType.objects.filter(pk=order.ticket_type_id, sales_open=True)
                .filter(capacity__gte=F("sold") + F("held") + order.quantity)
                .update(sold=F("sold") + order.quantity)
            )
            ticket_type = TicketType.objects.only("max_per_customer").get(pk=order.ticket_type_id)
            if sold and ticket_type.max_per_customer:
                _count_customer_seats(order.user_id, ticket_type, order.quantity)
            return bool(sold)
    except CustomerLimitReached:
        return False  # the savepoint gave the seats back


def issued_tickets(order: Order) -> list[Ticket]:
    """The order's tickets by id, read once per order object (completing an order reads them for its
    confirmation email, and its answer shows the same ones)."""
    if not hasattr(order, "_issued_tickets"):
        order._issued_tickets = list(order.tickets.order_by("id"))
    return order._issued_tickets


def refund_order(order_id: int, reason: str) -> Order:
    """Refund the order's payment in full (idempotent) and mark the order refunded."""
    # A cancelled order stays cancelled, as its buyer was told, with the refund recorded.
    final_status = Case(
        When(status=Order.Status.CANCELLED, then=Value(Order.Status.CANCELLED)), default=Value(Order.Status.REFUNDED)
    )
    if Order.objects.filter(pk=order_id, total=0).exists():
        Order.objects.filter(pk=order_id).update(status=final_status, updated_at=timezone.now())
        return Order.objects.get(pk=order_id)  # free: nothing was charged
    try:
        payment = clients.payments().call("Refund", payments_pb2.RefundRequest(order_id=order_id, reason=reason))
    except RemoteError as exc:
        raise exc.as_domain_error() from None
    # Clearing payment_started_at: the charge is settled, so the sweep has nothing left to reconcile.
    Order.objects.filter(pk=order_id).exclude(status=Order.Status.REFUNDED).update(
        status=final_status,
        refunded_amount=Decimal(payment.refunded_amount),
        payment_started_at=None,
        updated_at=timezone.now(),
    )
    log.info("order %s refunded %s (%s)", order_id, payment.refunded_amount, reason)
    return Order.objects.get(pk=order_id)


# --- orders and tickets of the caller -----------------------------------------------------------


def _own_order(caller: Caller, order_id: int) -> Order:
    order = Order.objects.filter(pk=order_id).first()
    # Someone else's order is reported as missing: its existence is not theirs to know.
    if order is None or not (caller.is_staff or order.user_id == caller.user_id):
        raise OrderNotFound()
    return order


def get_order(*, caller: Caller, order_id: int) -> Order:
    return _own_order(caller, order_id)


def list_orders(
    *,
    caller: Caller,
    page_size: int = 0,
    page_token: str = "",
    all_users: bool = False,
    status: str = "",
    event_id: int = 0,
    email_query: str = "",
) -> Page:
    """The caller's orders, newest first; staff may list everyone's, filtered."""
    orders = Order.objects.all() if _all_users(caller, all_users) else Order.objects.filter(user_id=caller.user_id)
    if status:
        orders = orders.filter(status=_choice(status, Order.Status))
    if event_id:
        orders = orders.filter(event_id=event_id)
    if email_query:
        orders = orders.filter(email__icontains=email_query)
    return Page(*newest_first(orders, page_size=page_size, page_token=page_token, cursor_field="cursor"))


def _all_users(caller: Caller, requested: bool) -> bool:
    if requested and not caller.is_staff:
        raise Forbidden("Only staff can list other users' orders and tickets.")
    return requested


def _choice(value: str, choices) -> str:
    if value not in choices.values:
        raise InvalidInput(field_errors={"status": [f"Must be one of {', '.join(choices.values)}."]})
    return value


def get_ticket(*, caller: Caller, ticket_id: int) -> Ticket:
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None or not (caller.is_staff or ticket.user_id == caller.user_id):
        raise TicketNotFound()
    return ticket


def list_tickets(
    *,
    caller: Caller,
    page_size: int = 0,
    page_token: str = "",
    all_users: bool = False,
    status: str = "",
    event_id: int = 0,
    code_query: str = "",
) -> Page:
    """The caller's tickets, newest first; staff may list everyone's, filtered."""
    tickets = Ticket.objects.all() if _all_users(caller, all_users) else Ticket.objects.filter(user_id=caller.user_id)
    if status:
        tickets = tickets.filter(status=_choice(status, Ticket.Status))
    if event_id:
        tickets = tickets.filter(event_id=event_id)
    if code_query:
        tickets = tickets.filter(code__startswith=code_query.strip())
    return Page(*newest_first(tickets, page_size=page_size, page_token=page_token, cursor_field="cursor"))


# --- ticket codes and check-in ------------------------------------------------------------------


def new_ticket_code() -> str:
    """192 random bits and an HMAC of them under the server key: unguessable and unforgeable."""
    token = secrets.token_urlsafe(24)
    return f"{token}.{_code_signature(token)}"


def _code_signature(token: str) -> str:
    digest = salted_hmac(_TICKET_CODE_SALT, token, algorithm="sha256").digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def is_signed_ticket_code(code: str) -> bool:
    """True if `code` carries a valid signature; checked before any database lookup."""
    token, dot, signature = code.partition(".")
    if not dot or len(code) > 100:
        return False
    try:
        return constant_time_compare(signature, _code_signature(token))
    except (binascii.Error, UnicodeError):
        return False


def check_in(*, caller: Caller, code: str) -> Ticket:
    """Admit the ticket's holder, at most once, on behalf of the event's organizer (or staff)."""
    if not (caller.is_organizer or caller.is_staff):
        raise NotEventOrganizer()
    code = code.strip()
    if not is_signed_ticket_code(code):
        raise InvalidTicket()
    ticket = Ticket.objects.filter(code=code).first()
    if ticket is None:
        raise InvalidTicket()
    _require_organizer(caller, get_event_info(ticket.event_id, caller))
    now = timezone.now()
    admitted = Ticket.objects.filter(pk=ticket.pk, status=Ticket.Status.VALID).update(
        status=Ticket.Status.CHECKED_IN, checked_in_at=now, checked_in_by=caller.user_id
    )
    ticket.refresh_from_db()
    if admitted:
        TICKETS_CHECKED_IN.inc()
        return ticket
    if ticket.status == Ticket.Status.CHECKED_IN:
        first_scan = ticket.checked_in_at.isoformat().replace("+00:00", "Z")
        raise AlreadyCheckedIn(f"Ticket already checked in at {first_scan}.", extra={"checked_in_at": first_scan})
    raise TicketVoid()


# --- event cancellation -------------------------------------------------------------------------


@dataclass(frozen=True)
class CancellationResult:
    holds_released: int
    tickets_voided: int
    refunds_queued: int


def cancel_event_sales(*, caller: Caller, event_id: int) -> CancellationResult:
    """Stop selling an event's seats, release its holds, void its tickets and queue
    the refund of every paid order (the sweep refunds them). Running it again
    changes nothing more."""
    _require_organizer(caller, get_event_info(event_id, caller))
    # First close sales and commit: waits for in-flight reservations, and no hold can start after.
    TicketType.objects.filter(event_id=event_id, sales_open=True).update(sales_open=False)
    with transaction.atomic():
        reserved = list(
            Order.objects.select_for_update()
            .filter(event_id=event_id, status=Order.Status.RESERVED)
            .values_list("id", "ticket_type_id", "quantity")
        )
        Order.objects.filter(id__in=[order_id for order_id, _, _ in reserved]).update(
            status=Order.Status.CANCELLED, updated_at=timezone.now()
        )
        released: dict[int, int] = {}
        for _, type_id, quantity in reserved:
            released[type_id] = released.get(type_id, 0) + quantity
        for type_id, quantity in released.items():
            TicketType.objects.filter(pk=type_id).update(held=F("held") - quantity)
        voided = (
            Ticket.objects.filter(event_id=event_id)
            .exclude(status=Ticket.Status.VOID)
            .update(status=Ticket.Status.VOID)
        )
        queued = Order.objects.filter(event_id=event_id, status=Order.Status.PAID).update(
            status=Order.Status.REFUND_PENDING, updated_at=timezone.now()
        )
    log.info(
        "event %s cancelled: %s holds released, %s tickets voided, %s refunds queued",
        event_id,
        len(reserved),
        voided,
        queued,
    )
    return CancellationResult(len(reserved), voided, queued)


def refund_pending_orders(limit: int = SWEEP_BATCH) -> int:
    """Refund orders queued by an event cancellation; returns how many were refunded."""
    refunded = 0
    for order_id in Order.objects.filter(status=Order.Status.REFUND_PENDING).values_list("id", flat=True)[:limit]:
        try:
            refund_order(order_id, reason="event cancelled")
        except Exception:
            log.exception("refund of order %s failed; will retry", order_id)
            continue
        refunded += 1
    return refunded


@dataclass(frozen=True)
class Buyer:
    email: str
    full_name: str
    amount_paid: Decimal
    currency: str
    tickets: int


def list_event_buyers(*, event_id: int, page_size: int = 0, page_token: str = "") -> tuple[list[Buyer], str]:
    """Everyone who paid for the event, one entry per email with what they paid, by email;
    returns a page and the next page's token ("" at the end)."""
    page_size = page_size or BUYERS_PAGE_SIZE
    if not 1 <= page_size <= 1000:
        raise InvalidInput(field_errors={"page_size": ["Must be between 1 and 1000."]})
    # paid_at marks orders that were paid, including those refunded since because the event was cancelled.
    orders = Order.objects.filter(
        event_id=event_id,
        paid_at__isnull=False,
        status__in=[Order.Status.PAID, Order.Status.REFUND_PENDING, Order.Status.REFUNDED],
    )
    if page_token:
        orders = orders.filter(email__gt=page_token)
    rows = list(
        orders.values("email")
        .annotate(full_name=Max("full_name"), amount=Sum("total"), currency=Max("currency"), tickets=Sum("quantity"))
        .order_by("email")[: page_size + 1]
    )
    buyers = [
        Buyer(row["email"], row["full_name"], Decimal(row["amount"]).quantize(CENT), row["currency"], row["tickets"])
        for row in rows[:page_size]
    ]
    return buyers, (buyers[-1].email if len(rows) > page_size else "")


def relay_outbox() -> int:
    """Publish the tasks committed orders promised (PERIODIC_TASKS)."""
    return outbox.relay(OutboxMessage)


def sweep() -> None:
    """Periodic work of the tickets service (PERIODIC_TASKS): expire holds, settle
    interrupted payments, run queued refunds."""
    release_expired_holds()
    reconcile_abandoned_payments()
    refund_pending_orders()
