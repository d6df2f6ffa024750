"""Seat holds: reserving seats (idempotent per key), cancelling a reserved order, expiring holds.

A hold takes its seats through the inventory's guards (services.inventory) in one transaction
with its order, tried again (RESERVE_ATTEMPTS in all) when MySQL rolls it back for a deadlock or a
lock wait timeout. Expired holds are released by the sweep and, for one type, just before each
reservation of it.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from prometheus_client import Counter

from servicekit.db import is_lock_conflict
from servicekit.errors import InvalidInput
from servicekit.identity import CUSTOMER, Caller
from servicekit.timestamps import iso_text
from ticket_service.tickets.models import Order, TicketType
from ticket_service.tickets.services.errors import (
    EventCancelled,
    EventStarted,
    IdempotencyKeyReused,
    NotACustomer,
    OrderNotCancellable,
    SalesEnded,
    SalesNotStarted,
    SoldOut,
    TicketTypeNotFound,
)
from ticket_service.tickets.services.inventory import count_customer_seats, release, take_seats
from ticket_service.tickets.services.payments import CHARGE_SETTLED_AFTER, SWEEP_BATCH, reconcile_payment
from ticket_service.tickets.services.selectors import own_order
from ticket_service.tickets.services.ticket_types import learn_event_start

log = logging.getLogger("microtix.tickets")

# On the service's metrics port (servicekit.metrics).
ORDERS_RESERVED = Counter("microtix_orders_reserved", "Orders that held seats.")
# Attempts of a reservation's transaction when MySQL picks it as a deadlock victim or times out its lock wait.
RESERVE_ATTEMPTS = 3
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,189}")


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
    now = timezone.now()
    if ticket_type.event_starts_at is None:
        ticket_type = learn_event_start(ticket_type, caller)
    refuse_outside_sale_window(ticket_type, now)
    # Most requests at the end of a flash sale come after the last seats went: refuse them from the row
    # just read, without a write. Expired holds are released first (as below), so seats they held are
    # never refused; a refusal is true of the row as it was read.
    if ticket_type.available < quantity and not release_expired_holds(ticket_type_id=ticket_type.id):
        raise SoldOut()
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
                if not take_seats(ticket_type.id, quantity, column="held"):
                    # The guard decided; the row as it is now says why.
                    refuse_outside_sale_window(TicketType.objects.get(pk=ticket_type.id), timezone.now())
                    raise SoldOut()
                if ticket_type.max_per_customer:
                    count_customer_seats(order_fields["user_id"], ticket_type, quantity)
                return Order.objects.create(**order_fields)
        except OperationalError as exc:
            if attempt == RESERVE_ATTEMPTS or not is_lock_conflict(exc):
                raise
            log.warning("reservation of type %s: %s; trying again (attempt %s)", ticket_type.id, exc, attempt + 1)
    raise AssertionError("unreachable")


def refuse_outside_sale_window(ticket_type: TicketType, now) -> None:
    """Raise why `ticket_type` takes no hold at `now`, if its sales are closed: event_cancelled,
    sales_not_started (with sales_start), event_started (a window ending at the event's start) or
    sales_ended."""
    if not ticket_type.sales_open:
        raise EventCancelled()
    if now < ticket_type.sales_start:
        raise SalesNotStarted(extra={"sales_start": iso_text(ticket_type.sales_start)})
    if ticket_type.sales_until is None or now >= ticket_type.sales_until:
        raise SalesEnded() if ticket_type.sales_end else EventStarted()


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
    order = own_order(caller, order_id)
    if order.status in (Order.Status.RESERVED, Order.Status.CANCELLED, Order.Status.EXPIRED):
        release(order.id, Order.Status.CANCELLED)
        order.refresh_from_db()
        return order
    raise OrderNotCancellable()


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
            if reconcile_payment(order_id) is not False:
                continue  # it was charged (now paid or refunded), or the payment service cannot tell yet
        released += release(order_id, Order.Status.EXPIRED, only_expired=True)
    return released
