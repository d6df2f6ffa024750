"""Seat holds: reserving seats (idempotent per key), cancelling a reserved order, expiring holds.

An order has lines, one per ticket type of one event. A hold takes the seats of all its lines
through the inventory's guards (services.inventory), and its voucher's uses through the voucher's
guard (services.vouchers), in one transaction with the order, by ascending type id, tried again
(RESERVE_ATTEMPTS in all) when MySQL rolls it back for a deadlock or a lock wait timeout: all the
lines' seats are held, or none. Expired holds are released by the sweep and, for the types (and
the voucher) of a reservation, whenever their seats (or uses) would decide its answer: before a
refusal, never on the way to a hold that fits without them. Seats given back (a cancel, an expiry) go to the
types' waiting lists first (services.waiting_list), after the transaction that freed them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from prometheus_client import Counter

from servicekit import sql
from servicekit.db import is_lock_conflict
from servicekit.errors import InvalidInput
from servicekit.identity import CUSTOMER, Caller
from ticket_service.tickets.models import Order, OrderLine, TicketType, Voucher
from ticket_service.tickets.services.errors import (
    CustomerLimitReached,
    IdempotencyKeyReused,
    InvalidVoucher,
    NotACustomer,
    OrderNotCancellable,
    SoldOut,
    TicketTypeNotFound,
    VoucherUsedUp,
)
from ticket_service.tickets.services.inventory import (
    count_customer_seats,
    refuse_outside_sale_window,
    release,
    take_seats,
)
from ticket_service.tickets.services.payments import CHARGE_SETTLED_AFTER, SWEEP_BATCH, reconcile_payment
from ticket_service.tickets.services.selectors import own_order, remember_lines
from ticket_service.tickets.services.ticket_types import learn_event_start
from ticket_service.tickets.services.vouchers import (
    applies_to,
    find_voucher,
    normalized_code,
    refuse_unusable,
    seat_price,
    take_uses,
    unlocks,
)
from ticket_service.tickets.services.waiting_list import advance_after_release

log = logging.getLogger("microtix.tickets")

# On the service's metrics port (servicekit.metrics).
ORDERS_RESERVED = Counter("microtix_orders_reserved", "Orders that held seats.")
# Attempts of a reservation's transaction when MySQL picks it as a deadlock victim or times out its lock wait.
RESERVE_ATTEMPTS = 3
# Lines of one order; names on a seat (full_name, attendees).
MAX_LINES = 20
MAX_NAME_LENGTH = 150
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,189}")


@dataclass(frozen=True)
class LineRequest:
    """A line of a reservation: `quantity` seats of a ticket type and, optionally, the holder's name of
    each seat (at most `quantity`; a missing or blank one is the buyer's)."""

    ticket_type_id: int
    quantity: int
    attendees: tuple[str, ...] = ()


def reserve_seats(
    *,
    caller: Caller,
    email: str,
    full_name: str,
    lines: Sequence[LineRequest] = (),
    ticket_type_id: int = 0,
    quantity: int = 0,
    idempotency_key: str = "",
    voucher_code: str = "",
) -> tuple[Order, bool]:
    """Hold the seats of every line for the caller for ORDER_HOLD_SECONDS, all in one transaction or
    none: the lines of one event and one currency, each type once. Without `lines`, the one-line
    form: `quantity` seats of `ticket_type_id` (its errors name `quantity`, not `lines[0].quantity`).
    A `voucher_code` discounts the seats of the lines it applies to (one use per seat), and opens
    the hidden types it unlocks.

    Returns the order and whether it was created (False: an idempotent replay).
    """
    if caller.role != CUSTOMER or caller.user_id is None:
        raise NotACustomer()
    one_line_form = not lines
    if one_line_form:
        lines = [LineRequest(ticket_type_id, quantity)]
    elif ticket_type_id or quantity:
        raise InvalidInput(field_errors={"lines": ["Give either lines or ticket_type_id and quantity, not both."]})
    field = _field_names(one_line_form)
    key = idempotency_key.strip()[:128] or None
    code = voucher_code.strip()
    if key:
        existing = _replayed_order(caller, key, lines, code)
        if existing:
            return existing, False
    problems = {**_buyer_problems(email, full_name), **_line_problems(lines, field)}
    if problems:
        raise InvalidInput(field_errors=problems)
    types, voucher = _ticket_types(lines, field, code)
    now = timezone.now()
    if any(ticket_type.event_starts_at is None for ticket_type in types.values()):
        learn_event_start(next(iter(types.values())), caller)  # one event: all its types learn it
        types = TicketType.objects.in_bulk(list(types))
    for type_id in sorted(types):
        refuse_outside_sale_window(types[type_id], now)
    voucher_seats = 0
    if voucher:
        voucher_seats = sum(line.quantity for line in lines if applies_to(voucher, types[line.ticket_type_id]))
        _refuse_unusable_voucher(voucher, voucher_seats, now)
    # Most requests at the end of a flash sale come after the last seats went: refuse them from the rows
    # just read, without a write. Expired holds are released first (as below), so seats they held are
    # never refused; a refusal is true of the rows as they were read.
    short = [(types[line.ticket_type_id], line.quantity) for line in lines]
    short = [(ticket_type, wanted) for ticket_type, wanted in short if ticket_type.available < wanted]
    if short and not release_expired_holds(ticket_type_ids=[ticket_type.id for ticket_type, _ in short]):
        raise _sold_out([ticket_type for ticket_type, _ in short])
    planned = sorted(
        (_priced_line(types[line.ticket_type_id], line, voucher) for line in lines),
        key=lambda line: line.ticket_type_id,
    )
    for line in planned:
        line.attendees = line.holders(full_name)
    first = planned[0]
    order_fields = {
        "user_id": caller.user_id,
        "email": email,
        "full_name": full_name,
        "event_id": first.ticket_type.event_id,
        "ticket_type": first.ticket_type if len(planned) == 1 else None,
        "quantity": sum(line.quantity for line in planned),
        "unit_price": first.unit_price if len(planned) == 1 else None,
        "total": sum((line.total for line in planned), Decimal(0)),
        "currency": first.ticket_type.currency,
        "expires_at": now + timedelta(seconds=settings.ORDER_HOLD_SECONDS),
        "idempotency_key": key,
        "voucher": voucher,
        "voucher_seats": voucher_seats,
    }
    try:
        try:
            order = _hold_seats(planned, order_fields)
        except (SoldOut, CustomerLimitReached):
            # The guards refused what the rows read allowed: lapsed holds may be what fills the seats
            # (or the customer's count). Released, they no longer decide; otherwise the refusal stands.
            if not release_expired_holds(ticket_type_ids=list(types)):
                raise
            order = _hold_seats(planned, order_fields)
    except IntegrityError:
        # A concurrent request with the same key won the race; its hold stands, ours rolled back.
        existing = _replayed_order(caller, key, lines, code) if key else None
        if existing is None:
            raise
        return existing, False
    ORDERS_RESERVED.inc()
    log.info(
        "order %s reserved %s for user %s%s",
        order.id,
        ", ".join(f"{line.quantity} x type {line.ticket_type_id}" for line in planned),
        caller.user_id,
        f" with voucher {voucher.id}" if voucher else "",
    )
    return order, True


def _priced_line(ticket_type: TicketType, line: LineRequest, voucher: Voucher | None) -> OrderLine:
    """The order line of `line`: its seats at the type's price, less the voucher's discount if it applies."""
    full = ticket_type.price * line.quantity
    discount = Decimal(0)
    if voucher and applies_to(voucher, ticket_type):
        discount = (ticket_type.price - seat_price(voucher, ticket_type.price)) * line.quantity
    return OrderLine(
        ticket_type=ticket_type,
        quantity=line.quantity,
        unit_price=ticket_type.price,
        discount=discount,
        total=full - discount,
        attendees=list(line.attendees),
    )


def _refuse_unusable_voucher(voucher: Voucher, seats: int, now) -> None:
    """Refuse, from the row just read, a voucher that cannot take `seats` more uses. Uses held by
    lapsed holds are given back first, so they are never refused."""
    if voucher.uses + seats > voucher.max_uses and release_expired_holds(voucher_id=voucher.id):
        voucher.refresh_from_db()
    refuse_unusable(voucher, seats=seats, now=now)


def _hold_seats(lines: list[OrderLine], order_fields: dict) -> Order:
    """Hold every line's seats and write the reserved order with its lines in one transaction, tried
    again if MySQL rolled it back for a deadlock or a lock wait timeout (the guards make a retry safe).
    `lines` are in ascending type id: the type rows, then the customer's counts, are locked in that
    order, so reservations over the same types never wait for each other in a cycle."""
    for attempt in range(1, RESERVE_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                # Every line is tried, so a refusal names every type that did not fit; it rolls back all.
                refused = [line for line in lines if not take_seats(line.ticket_type_id, line.quantity, column="held")]
                if refused:
                    # The guard decided; the rows as they are now say why.
                    rows = TicketType.objects.in_bulk([line.ticket_type_id for line in refused])
                    for line in refused:
                        if line.ticket_type_id not in rows:  # deleted since it was read
                            raise TicketTypeNotFound(f"No such ticket type: {line.ticket_type_id}.")
                        refuse_outside_sale_window(rows[line.ticket_type_id], timezone.now())
                    raise _sold_out(rows.values())
                for line in lines:
                    if line.ticket_type.max_per_customer:
                        count_customer_seats(order_fields["user_id"], line.ticket_type, line.quantity)
                voucher, seats = order_fields["voucher"], order_fields["voucher_seats"]
                if voucher and not take_uses(voucher.id, seats, now=timezone.now()):
                    _refuse_voucher_now(voucher, seats)
                # One INSERT by servicekit.sql, not objects.create(): its build was ~2.6% of the service's CPU
                # in the flash sale's profile. Its id comes back as save() gets it (RETURNING, or MySQL's
                # last insert id). New rows on every attempt: a rolled-back attempt's may carry ids given them.
                (order,) = sql.insert([Order(**order_fields)])
                written = sql.insert(
                    [
                        OrderLine(
                            order=order,
                            ticket_type=line.ticket_type,
                            quantity=line.quantity,
                            unit_price=line.unit_price,
                            discount=line.discount,
                            total=line.total,
                            attendees=line.attendees,
                        )
                        for line in lines
                    ]
                )
                remember_lines(order, written)
                return order
        except OperationalError as exc:
            if attempt == RESERVE_ATTEMPTS or not is_lock_conflict(exc):
                raise
            types = ", ".join(str(line.ticket_type_id) for line in lines)
            log.warning("reservation of types %s: %s; trying again (attempt %s)", types, exc, attempt + 1)
    raise AssertionError("unreachable")


def _refuse_voucher_now(voucher: Voucher, seats: int) -> None:
    """The voucher's guard refused: the row as it is now says why (deactivated meanwhile: invalid)."""
    voucher.refresh_from_db()
    if not voucher.active:
        raise InvalidVoucher()
    refuse_unusable(voucher, seats=seats, now=timezone.now())
    # Uses came back between the guard and this read: refused all the same, as the guard decided.
    raise VoucherUsedUp(extra={"uses_left": max(voucher.max_uses - voucher.uses, 0)})


def _sold_out(ticket_types: Iterable[TicketType]) -> SoldOut:
    """SoldOut naming the types that did not fit and how many seats each has left."""
    left = sorted((t.id, max(t.on_sale, 0)) for t in ticket_types)
    return SoldOut(extra={"ticket_types": [{"ticket_type_id": id_, "available": seats} for id_, seats in left]})


def _buyer_problems(email: str, full_name: str) -> dict[str, list[str]]:
    problems = {}
    if not _EMAIL.fullmatch(email):
        problems["email"] = ["Enter a valid email address of at most 254 characters."]
    if len(full_name) > MAX_NAME_LENGTH:
        problems["full_name"] = [f"Ensure this field has no more than {MAX_NAME_LENGTH} characters."]
    return problems


def _field_names(one_line_form: bool) -> Callable[[int, str], str]:
    """How errors name a line's field: "lines[1].quantity", or "quantity" in the one-line form."""
    if one_line_form:
        return lambda index, name: name
    return lambda index, name: f"lines[{index}].{name}"


def _line_problems(lines: Sequence[LineRequest], field: Callable[[int, str], str]) -> dict[str, list[str]]:
    """What is wrong with the lines on their own (the ticket types' rules come once they are read)."""
    if len(lines) > MAX_LINES:
        return {"lines": [f"Ensure this field has no more than {MAX_LINES} elements."]}
    problems: dict[str, list[str]] = {}
    first_line_of: dict[int, int] = {}
    for index, line in enumerate(lines):
        if line.quantity < 1:
            problems[field(index, "quantity")] = ["Ensure this value is greater than or equal to 1."]
        first = first_line_of.setdefault(line.ticket_type_id, index)
        if first != index:
            problems[field(index, "ticket_type_id")] = [f"This ticket type is already in lines[{first}]."]
        if len(line.attendees) > max(line.quantity, 0):
            problems[field(index, "attendees")] = [f"Give at most one name per seat ({line.quantity} in all)."]
        for seat, name in enumerate(line.attendees):
            if len(name.strip()) > MAX_NAME_LENGTH:
                problems[f"{field(index, 'attendees')}[{seat}]"] = [
                    f"Ensure this field has no more than {MAX_NAME_LENGTH} characters."
                ]
    return problems


def _ticket_types(
    lines: Sequence[LineRequest], field: Callable[[int, str], str], code: str
) -> tuple[dict[int, TicketType], Voucher | None]:
    """The lines' ticket types by id and the voucher with `code` of their event (None without one),
    or why they cannot be in one order: an unknown type (not found), an invalid voucher, more than a
    type's max_per_order, types of several events or currencies."""
    types = sql.rows_by_pk(TicketType, [line.ticket_type_id for line in lines])
    for line in lines:
        if line.ticket_type_id not in types:
            raise TicketTypeNotFound(f"No such ticket type: {line.ticket_type_id}.")
    first = types[lines[0].ticket_type_id]
    voucher = find_voucher(event_id=first.event_id, code=code) if code else None
    for line in lines:
        # A hidden type is for those with a voucher that unlocks it: to anyone else it does not exist.
        if types[line.ticket_type_id].hidden and not unlocks(voucher, types[line.ticket_type_id]):
            raise TicketTypeNotFound(f"No such ticket type: {line.ticket_type_id}.")
    problems = {}
    for index, line in enumerate(lines):
        ticket_type = types[line.ticket_type_id]
        if line.quantity > ticket_type.max_per_order:
            limit = ticket_type.max_per_order
            problems[field(index, "quantity")] = [f"At most {limit} tickets of this type per order."]
        if ticket_type.event_id != first.event_id:
            problems[field(index, "ticket_type_id")] = ["Every line must be of the same event."]
        elif ticket_type.currency != first.currency:
            problems[field(index, "ticket_type_id")] = ["Every line must be in the same currency."]
    if problems:
        raise InvalidInput(field_errors=problems)
    return types, voucher


def _replayed_order(caller: Caller, key: str, lines: Sequence[LineRequest], code: str) -> Order | None:
    """The order the caller reserved with `key`, if any; IdempotencyKeyReused if its lines are not
    these (the same types, quantities and holders, in any order) or its voucher not `code`."""
    order = Order.objects.filter(user_id=caller.user_id, idempotency_key=key).select_related("voucher").first()
    if order is None:
        return None
    asked = sorted((line.ticket_type_id, line.quantity, tuple(_holders(line, order.full_name))) for line in lines)
    held = sorted((line.ticket_type_id, line.quantity, tuple(line.attendees)) for line in order.lines.all())
    voucher = order.voucher.code if order.voucher else ""
    if asked != held or voucher != normalized_code(code):
        raise IdempotencyKeyReused()
    return order


def _holders(line: LineRequest, buyer: str) -> list[str]:
    return OrderLine(quantity=line.quantity, attendees=list(line.attendees)).holders(buyer)


def cancel_order(*, caller: Caller, order_id: int) -> Order:
    """Release a reserved order's seats. Cancelling a cancelled or expired order changes nothing; a
    hold past its time that the sweep has not released yet is released as expired."""
    order = own_order(caller, order_id)
    if order.status in (Order.Status.RESERVED, Order.Status.CANCELLED, Order.Status.EXPIRED):
        lapsed = order.status == Order.Status.RESERVED and order.expires_at <= timezone.now()
        status = Order.Status.EXPIRED if lapsed else Order.Status.CANCELLED
        if release(order.id, status, only_expired=lapsed):
            advance_after_release(order.id)  # the seats are the waiting list's first
        order.refresh_from_db()
        return order
    raise OrderNotCancellable()


def release_expired_holds(*, ticket_type_ids: Collection[int] | None = None, voucher_id: int | None = None) -> int:
    """Expire unpaid orders past their hold (those with a line of `ticket_type_ids`, or of the
    voucher `voucher_id`, if given) and free their seats and voucher uses; returns how many.

    An order whose payment had started is left alone while the charge may be in
    flight, then reconciled with the payment service: a charged order is
    completed (or refunded), never silently expired.
    """
    now = timezone.now()
    released: list[int] = []
    for order_id, payment_started_at in _expired_orders(now, ticket_type_ids, voucher_id):
        if payment_started_at is not None:
            if payment_started_at > now - CHARGE_SETTLED_AFTER:
                continue  # the charge may still be in flight
            if reconcile_payment(order_id) is not False:
                continue  # it was charged (now paid or refunded), or the payment service cannot tell yet
        if release(order_id, Order.Status.EXPIRED, only_expired=True):
            released.append(order_id)
    # Their seats go to the waiting lists first (an expired offer's to the next entry).
    advance_after_release(*released)
    return len(released)


def _expired_orders(
    now: datetime, ticket_type_ids: Collection[int] | None, voucher_id: int | None
) -> list[tuple[int, datetime | None]]:
    """The id and payment_started_at of reserved orders past their hold at `now`, each once, at most
    SWEEP_BATCH: those with a line of `ticket_type_ids`, and of the voucher `voucher_id`, if given."""
    if ticket_type_ids is not None and not ticket_type_ids:
        return []  # no order has a line of no type (and "IN ()" is no SQL)
    # As SQL (servicekit.sql): every sold-out refusal runs it (~1.3 a purchase), and the ORM's build of
    # it was ~7.5% of the service's CPU in the flash sale's profile. The statement the ORM made: the
    # orders by (status, expires_at), joined with their lines of the types, DISTINCT.
    orders, lines = sql.table(Order), sql.table(OrderLine)

    def order(field: str) -> str:
        return f"{orders}.{sql.column(Order, field)}"

    joined = ""
    conditions = [f"{order('status')} = %s", f"{order('expires_at')} <= %s"]
    params: list = [Order.Status.RESERVED.value, sql.db_value(Order, "expires_at", now)]
    if ticket_type_ids is not None:
        joined = f" INNER JOIN {lines} ON {order('pk')} = {lines}.{sql.column(OrderLine, 'order')}"
        conditions.append(
            f"{lines}.{sql.column(OrderLine, 'ticket_type')} IN ({', '.join(['%s'] * len(ticket_type_ids))})"
        )
        params += ticket_type_ids
    if voucher_id is not None:
        conditions.append(f"{order('voucher')} = %s")
        params.append(voucher_id)
    distinct = "DISTINCT " if joined else ""  # an order with lines of several of the types is one order
    rows = sql.fetch(
        f"SELECT {distinct}{order('pk')}, {order('payment_started_at')} FROM {orders}{joined}"  # noqa: S608
        f" WHERE {' AND '.join(conditions)} LIMIT {SWEEP_BATCH:d}",
        params,
    )
    return [(order_id, sql.python_value(Order, "payment_started_at", started)) for order_id, started in rows]
