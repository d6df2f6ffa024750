"""Seat inventory: the only writer of a ticket type's held and sold seats and of customers' seat counts.

The inventory invariant (sold + held <= capacity) is kept by conditional UPDATEs
in the database, never by reading and then writing, because several processes
sell the same seats. Row locks are always taken order first, then ticket types,
then customers' counts, then the voucher, and rows of one kind by ascending
ticket type id (an order's lines in that order), so transactions over the same
types never wait for each other in a cycle.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Literal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from prometheus_client import Counter

from servicekit import sql
from servicekit.timestamps import iso_text
from ticket_service.tickets.models import CustomerSeats, Order, OrderLine, TicketType
from ticket_service.tickets.services.errors import (
    CustomerLimitReached,
    EventCancelled,
    EventStarted,
    SalesEnded,
    SalesNotStarted,
)
from ticket_service.tickets.services.vouchers import give_back_uses

log = logging.getLogger("microtix.tickets")

# On the service's metrics port (servicekit.metrics).
ORDERS_EXPIRED = Counter("microtix_orders_expired", "Reserved orders whose hold ended unpaid.")


def take_seats(
    ticket_type_id: int, quantity: int, *, column: Literal["held", "sold"], waiting_list: bool = False
) -> bool:
    """The seat guard: add `quantity` to the type's held seats (a hold) or sold seats (the re-sale
    of a lapsed hold, already paid for) only if sales are open, a hold within the sale window, and
    that many seats are free, as decided by the database row itself (capacity >= sold + held +
    quantity). A plain hold also needs the type's waiting list empty (waiting = 0): freed seats are
    the list's; `waiting_list` is the list's own offer (services.waiting_list), which skips that
    condition. The re-sale of a lapsed, paid hold does too: its seats were its buyer's before any
    entry was owed them. False if they are not."""
    # As SQL (servicekit.sql): every reservation runs it, and the ORM's build of it cost ~0.8 ms of CPU.
    name = partial(sql.column, TicketType)
    conditions, params = [f"{name('pk')} = %s", f"{name('sales_open')} = %s"], [ticket_type_id, True]
    if column == "held":
        # The sale window is open: from sales_start until sales_end, or without one until the event starts.
        now = sql.db_value(TicketType, "sales_start", timezone.now())
        conditions.append(
            f"{name('sales_start')} <= %s AND ({name('sales_end')} > %s"
            f" OR ({name('sales_end')} IS NULL AND {name('event_starts_at')} > %s))"
        )
        params += [now, now, now]
        if not waiting_list:
            conditions.append(f"{name('waiting')} = 0")
    conditions.append(f"{name('capacity')} >= {name('sold')} + {name('held')} + %s")
    params.append(quantity)
    seats = name(column)
    statement = f"UPDATE {sql.table(TicketType)} SET {seats} = {seats} + %s WHERE {' AND '.join(conditions)}"  # noqa: S608
    return bool(sql.execute(statement, [quantity, *params]))


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


def sell_held_seats(ticket_type_id: int, quantity: int) -> None:
    """Held seats of an order being paid become sold seats."""
    # As SQL (servicekit.sql): every payment runs it.
    held, sold, pk = (sql.column(TicketType, field) for field in ("held", "sold", "pk"))
    sql.execute(
        f"UPDATE {sql.table(TicketType)} SET {held} = {held} - %s, {sold} = {sold} + %s WHERE {pk} = %s",  # noqa: S608
        [quantity, quantity, ticket_type_id],
    )


def release_held_seats(ticket_type_id: int, quantity: int) -> None:
    """Held seats go back on sale."""
    TicketType.objects.filter(pk=ticket_type_id).update(held=F("held") - quantity)


def give_back_sold_seats(order: Order, seats_by_type: dict[int, int]) -> None:
    """Sold seats of the order (refunded) go back on sale and no longer count against its customer's
    limits; by ascending type id, the lock order."""
    for type_id in sorted(seats_by_type):
        TicketType.objects.filter(pk=type_id, sold__gte=seats_by_type[type_id]).update(
            sold=F("sold") - seats_by_type[type_id]
        )
    for type_id in sorted(seats_by_type):
        CustomerSeats.objects.filter(
            user_id=order.user_id, ticket_type_id=type_id, seats__gte=seats_by_type[type_id]
        ).update(seats=F("seats") - seats_by_type[type_id])


def count_customer_seats(user_id: int, ticket_type: TicketType, quantity: int) -> None:
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
            extra={"ticket_type_id": ticket_type.id, "max_per_customer": limit, "held_and_bought": seats},
        )


def uncount_customer_seats(order: Order, lines: list[OrderLine]) -> None:
    """The seats of the order's `lines` no longer count against its customer's limits (no row: the
    type has none)."""
    for line in sorted(lines, key=lambda line: line.ticket_type_id):
        CustomerSeats.objects.filter(
            user_id=order.user_id, ticket_type_id=line.ticket_type_id, seats__gte=line.quantity
        ).update(seats=F("seats") - line.quantity)


def release(order_id: int, new_status: str, *, only_expired: bool = False) -> bool:
    """Move a reserved order to `new_status` and give its seats and voucher uses back; False if it
    was not reserved."""
    with transaction.atomic():
        orders = Order.objects.filter(pk=order_id, status=Order.Status.RESERVED)
        if only_expired:
            orders = orders.filter(expires_at__lte=timezone.now())
        order = orders.select_for_update().first()
        if order is None:
            return False
        Order.objects.filter(pk=order.id).update(status=new_status, updated_at=timezone.now())
        lines = list(order.lines.all())
        for line in lines:  # by ascending type id (OrderLine.Meta.ordering): the lock order
            release_held_seats(line.ticket_type_id, line.quantity)
        uncount_customer_seats(order, lines)
        if order.voucher_id and order.voucher_seats:
            give_back_uses(order.voucher_id, order.voucher_seats)
    if new_status == Order.Status.EXPIRED:
        ORDERS_EXPIRED.inc()
    log.info("order %s %s: %s seats released", order_id, new_status, order.quantity)
    return True
