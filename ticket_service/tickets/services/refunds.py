"""Refunds the event's organizer gives: a paid order in full, or some of its tickets.

A refund is made in three steps, each safe to repeat:

1. Claimed, in one transaction: the order locked, then its tickets, then the ticket types by
   ascending id, then the customer's counts (inventory's lock order). Its OrderRefund row is
   inserted, unique per order and key ("full", or "tickets:<first ticket id>": a ticket is
   refunded once), its tickets void, their seats back on sale and no longer counted against the
   customer's limits. A second full refund of the order finds the row and goes on to step 2.
2. Refunded at the payments service under the same key: once, however often it is asked.
3. Settled: pending -> done by a conditional UPDATE in the transaction that adds the amount to the
   order's refunded_amount (the order `refunded` once no ticket of it is left) and writes the
   buyer's email to the outbox: one email per refund.

A refund whose payment call failed stays pending with its tickets void; the sweep settles it.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from protos.payments.v1 import payments_pb2
from servicekit import clients, outbox
from servicekit.errors import InvalidInput
from servicekit.identity import Caller
from servicekit.money import CENT, money_text
from ticket_service.tickets.models import Order, OrderLine, OrderRefund, OutboxMessage, Ticket
from ticket_service.tickets.services.errors import OrderNotFound, OrderNotRefundable, TicketCheckedIn
from ticket_service.tickets.services.events import get_event_info, require_organizer
from ticket_service.tickets.services.inventory import give_back_sold_seats
from ticket_service.tickets.services.payments import SWEEP_BATCH
from ticket_service.tickets.services.selectors import order_lines, with_lines
from ticket_service.tickets.services.waiting_list import advance_types

log = logging.getLogger("microtix.tickets")

# More ticket ids than any order has seats (20 lines of at most 1000).
MAX_TICKET_IDS = 20_000
REFUND_REASON = "refunded by the event's organizer"
# A pending refund younger than this may still be settled by the request that claimed it.
SETTLE_AFTER = timedelta(seconds=30)


def refund_order(*, caller: Caller, event_id: int, order_id: int, ticket_ids: list[int]) -> Order:
    """Refund a paid order of the event: in full (no `ticket_ids`), or the seats of those of its
    tickets. Their tickets void, their seats back on sale, the amount back on the buyer's card
    and the buyer emailed it. A full refund of a refunded order returns it as it is.

    Only the event's organizer (or staff). Raises OrderNotRefundable for an order that is not
    paid, TicketCheckedIn for a checked-in ticket, InvalidInput naming a ticket that is not one
    of the order's valid tickets.
    """
    ticket_ids = _valid_ticket_ids(ticket_ids)
    require_organizer(get_event_info(event_id, caller))
    if not Order.objects.filter(pk=order_id, event_id=event_id).exists():
        raise OrderNotFound()
    refund = _claim(order_id, ticket_ids)
    if refund is not None:
        # The seats given back go to the waiting lists first, whatever becomes of the payment call.
        advance_types(Ticket.objects.filter(pk__in=refund.ticket_ids).values_list("ticket_type_id", flat=True))
        settle_refund(refund)
    return with_lines(Order.objects.filter(pk=order_id)).get()


def _valid_ticket_ids(ticket_ids: list[int]) -> list[int]:
    if len(ticket_ids) > MAX_TICKET_IDS or any(ticket_id <= 0 for ticket_id in ticket_ids):
        raise InvalidInput(field_errors={"tickets": ["Must be ids of the order's tickets."]})
    return sorted(set(ticket_ids))


def _claim(order_id: int, ticket_ids: list[int]) -> OrderRefund | None:
    """Step 1: the refund's row, its tickets void and their seats back; the row found if a full
    refund was claimed before. None: nothing to refund (a full refund of a refunded order)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status == Order.Status.REFUNDED and not ticket_ids:
            return None
        if order.status not in (Order.Status.PAID, Order.Status.REFUNDED):
            raise OrderNotRefundable(f"This order is {order.status}: only a paid order can be refunded.")
        tickets = list(Ticket.objects.select_for_update().filter(order=order).order_by("id"))
        chosen = _chosen(tickets, ticket_ids)
        checked_in = [ticket.id for ticket in chosen if ticket.status == Ticket.Status.CHECKED_IN]
        if checked_in:
            raise TicketCheckedIn(
                f"Ticket {', '.join(map(str, checked_in))} is checked in and cannot be refunded.",
                extra={"ticket_ids": checked_in},
            )
        key = f"tickets:{ticket_ids[0]}" if ticket_ids else OrderRefund.FULL
        lines = order_lines(order)
        amount = _amount(order, lines, tickets, chosen) if ticket_ids else _rest(order)
        try:
            with transaction.atomic():
                refund = OrderRefund.objects.create(
                    order=order, key=key, amount=amount, ticket_ids=[ticket.id for ticket in chosen]
                )
        except IntegrityError:
            return OrderRefund.objects.get(order=order, key=key)  # claimed before: settle it
        Ticket.objects.filter(pk__in=refund.ticket_ids, status=Ticket.Status.VALID).update(status=Ticket.Status.VOID)
        give_back_sold_seats(order, Counter(ticket.ticket_type_id for ticket in chosen))
    log.info("order %s: refund %s of %s claimed (%s tickets void)", order_id, key, amount, len(chosen))
    return refund


def _chosen(tickets: list[Ticket], ticket_ids: list[int]) -> list[Ticket]:
    """The tickets to refund: those named, each a live ticket of the order; else every live one."""
    if not ticket_ids:
        return [ticket for ticket in tickets if ticket.status != Ticket.Status.VOID]
    by_id = {ticket.id: ticket for ticket in tickets}
    problems = []
    for ticket_id in ticket_ids:
        if ticket_id not in by_id:
            problems.append(f"Ticket {ticket_id} is not a ticket of this order.")
        elif by_id[ticket_id].status == Ticket.Status.VOID:
            problems.append(f"Ticket {ticket_id} is already refunded.")
    if problems:
        raise InvalidInput(field_errors={"tickets": problems})
    return [by_id[ticket_id] for ticket_id in ticket_ids]


def _amount(order: Order, lines: list[OrderLine], tickets: list[Ticket], chosen: list[Ticket]) -> Decimal:
    """What the `chosen` tickets' seats cost: each seat its line's total / quantity to the cent, the
    line's last seat refunded what is left of it, so a whole line refunds exactly its total."""
    refunded_before = Counter(ticket.ticket_type_id for ticket in tickets if ticket.status == Ticket.Status.VOID)
    now = Counter(ticket.ticket_type_id for ticket in chosen)
    amount = Decimal(0)
    for line in lines:
        before = refunded_before[line.ticket_type_id]
        amount += _refunded_by(line, before + now[line.ticket_type_id]) - _refunded_by(line, before)
    return amount


def _refunded_by(line: OrderLine, seats: int) -> Decimal:
    """What refunding `seats` of the line's seats comes to."""
    if seats >= line.quantity:
        return line.total
    seat = (line.total / line.quantity).quantize(CENT, rounding=ROUND_HALF_UP)
    return min(seat * seats, line.total)


def _rest(order: Order) -> Decimal:
    """What a full refund gives back: the order's total less its other refunds."""
    refunded = order.refunds.aggregate(amount=Sum("amount"))["amount"] or Decimal(0)
    return order.total - refunded


def settle_refund(refund: OrderRefund) -> None:
    """Steps 2 and 3: refund the payment under the refund's key, then count the refund in the order
    and promise the buyer's email, once."""
    if refund.status == OrderRefund.Status.DONE:
        return
    order = refund.order
    if refund.amount > 0:
        full = refund.key == OrderRefund.FULL
        clients.payments().Refund(
            payments_pb2.RefundRequest(
                order_id=order.id,
                # A full refund is the payment's rest, as for an event's cancellation (the same key).
                amount="" if full else money_text(refund.amount),
                key=refund.key,
                reason=REFUND_REASON,
            )
        )
    with transaction.atomic():
        if not OrderRefund.objects.filter(pk=refund.pk, status=OrderRefund.Status.PENDING).update(
            status=OrderRefund.Status.DONE, settled_at=timezone.now()
        ):
            return  # settled by another call or the sweep
        now = timezone.now()
        Order.objects.filter(pk=order.id).update(refunded_amount=F("refunded_amount") + refund.amount, updated_at=now)
        if not Ticket.objects.filter(order=order).exclude(status=Ticket.Status.VOID).exists():
            Order.objects.filter(pk=order.id, status=Order.Status.PAID).update(status=Order.Status.REFUNDED)
        outbox.enqueue(
            OutboxMessage,
            "notifications.order_refunded",
            order_id=order.id,
            refund_key=refund.key,
            email=order.email,
            full_name=order.full_name,
            event_id=order.event_id,
            amount=money_text(refund.amount),
            currency=order.currency,
            tickets=len(refund.ticket_ids),
            full=refund.key == OrderRefund.FULL,
        )
    log.info("order %s: refund %s of %s %s settled", order.id, refund.key, refund.amount, order.currency)


def settle_pending_refunds(limit: int = SWEEP_BATCH) -> int:
    """Settle refunds whose payment call failed (the sweep); returns how many were settled."""
    settled = 0
    pending = (
        OrderRefund.objects.filter(status=OrderRefund.Status.PENDING, created_at__lte=timezone.now() - SETTLE_AFTER)
        .select_related("order")
        .order_by("id")
    )
    for refund in pending[:limit]:
        try:
            settle_refund(refund)
        except Exception:
            log.exception("refund %s of order %s failed; will retry", refund.key, refund.order_id)
            continue
        settled += 1
    return settled
