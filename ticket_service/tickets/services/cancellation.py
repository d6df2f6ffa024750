"""An event's cancellation: its sales stop, its holds and tickets end, its paid orders are refunded.

The events service calls CancelEventSales before it marks the event cancelled, so an event is
never cancelled while its seats are still on sale. Paid orders are only marked `refund_pending`
here; the sweep refunds them (the idempotent Refund RPC), so cancelling an event with thousands of
buyers does not hold up the request, and a crash mid-way resumes where it stopped. The queue is
these rows rather than Celery tasks: the work must survive a lost message, and only the tickets
service may touch its tables.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from servicekit.identity import Caller
from ticket_service.tickets.models import Order, OrderLine, Ticket, TicketType
from ticket_service.tickets.services.events import ORGANIZER, get_event_info, require_organizer
from ticket_service.tickets.services.inventory import release_held_seats
from ticket_service.tickets.services.payments import SWEEP_BATCH, refund_order
from ticket_service.tickets.services.waiting_list import clear_event_lists

log = logging.getLogger("microtix.tickets")


@dataclass(frozen=True)
class CancellationResult:
    holds_released: int
    tickets_voided: int
    refunds_queued: int


def cancel_event_sales(*, caller: Caller, event_id: int) -> CancellationResult:
    """Stop selling an event's seats, release its holds, void its tickets, clear its waiting
    lists and queue the refund of every paid order (the sweep refunds them). Running it again
    changes nothing more."""
    # Its organizer's (or staff's) act, as cancelling the event is: not a manager's.
    require_organizer(get_event_info(event_id, caller), roles=frozenset({ORGANIZER}))
    # First close sales and commit: waits for in-flight reservations, and no hold can start after.
    TicketType.objects.filter(event_id=event_id, sales_open=True).update(sales_open=False)
    with transaction.atomic():
        reserved = list(
            Order.objects.select_for_update()
            .filter(event_id=event_id, status=Order.Status.RESERVED)
            .values_list("id", flat=True)
        )
        Order.objects.filter(id__in=reserved).update(status=Order.Status.CANCELLED, updated_at=timezone.now())
        released = (
            OrderLine.objects.filter(order_id__in=reserved)
            .values_list("ticket_type_id")
            .annotate(seats=Sum("quantity"))
            .order_by("ticket_type_id")  # the lock order
        )
        for type_id, seats in released:
            release_held_seats(type_id, seats)
        voided = (
            Ticket.objects.filter(event_id=event_id)
            .exclude(status=Ticket.Status.VOID)
            .update(status=Ticket.Status.VOID)
        )
        queued = Order.objects.filter(event_id=event_id, status=Order.Status.PAID).update(
            status=Order.Status.REFUND_PENDING, updated_at=timezone.now()
        )
    clear_event_lists(event_id)  # its sales are closed: nobody will be offered a seat
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
