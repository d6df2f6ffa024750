"""Sending a paid order's confirmation email again, at its buyer's or the event organizer's request."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F

from servicekit import outbox
from servicekit.identity import Caller
from ticket_service.tickets.models import Order, OutboxMessage, Ticket
from ticket_service.tickets.services.errors import OrderNotFound, OrderNotPaid
from ticket_service.tickets.services.events import get_event_info, require_organizer
from ticket_service.tickets.services.payments import confirmation_fields
from ticket_service.tickets.services.selectors import order_lines, own_order, with_lines

log = logging.getLogger("microtix.tickets")


def resend_confirmation(*, caller: Caller, order_id: int, event_id: int = 0) -> Order:
    """Email the buyer the confirmation of a paid order again, with its tickets still valid: a new
    email each time (its number is the order's count of resends). The caller's own order, or with
    `event_id` an order of that event for its organizer (or staff). OrderNotPaid otherwise."""
    if event_id:
        require_organizer(get_event_info(event_id, caller))
        if not Order.objects.filter(pk=order_id, event_id=event_id).exists():
            raise OrderNotFound()
    else:
        own_order(caller, order_id)
    with transaction.atomic():
        # Numbers the resend, once per call: the email's dedupe key, so it is a new email and not a copy.
        if not Order.objects.filter(pk=order_id, status=Order.Status.PAID).update(
            confirmations_resent=F("confirmations_resent") + 1
        ):
            raise OrderNotPaid("Only a paid order has a confirmation to send.")
        order = with_lines(Order.objects.filter(pk=order_id)).get()
        tickets = list(order.tickets.exclude(status=Ticket.Status.VOID).order_by("id"))
        outbox.enqueue(
            OutboxMessage,
            "notifications.order_paid",
            **confirmation_fields(order, order_lines(order), tickets),
            resend=order.confirmations_resent,
        )
    log.info("order %s: confirmation resent (%s)", order_id, order.confirmations_resent)
    return order
