"""Recording notifications: each email once, however often the task that asks for it runs.

A notification is inserted under its unique dedupe key, so recording it again inserts nothing;
what recording returns is the ids to send: those never attempted yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError

from notify_service.notifications import emails
from notify_service.notifications.models import Notification
from notify_service.notifications.services.events import fetch_event

Kind = Notification.Kind
Status = Notification.Status


@dataclass(frozen=True)
class NewNotification:
    """A notification to record: its dedupe key says which email it is, once and for all."""

    dedupe_key: str
    kind: str
    recipient: str
    subject: str
    context: dict


def record(notifications: list[NewNotification]) -> list[int]:
    """Insert the notifications whose dedupe key is new and return the ids, among all of them,
    of those never attempted yet: the ones to publish a send for.

    Recording the same notifications again inserts nothing, and returns a notification's id
    again only while it was never attempted (say its send was never published because the
    worker died first); a duplicate send is harmless, since sending claims the row."""
    if not notifications:
        return []
    Notification.objects.bulk_create(
        [
            Notification(
                dedupe_key=n.dedupe_key, kind=n.kind, recipient=n.recipient, subject=n.subject, context=n.context
            )
            for n in notifications
        ],
        ignore_conflicts=True,
    )
    return _never_attempted([n.dedupe_key for n in notifications])


def record_order_confirmation(
    *,
    order_id: int,
    email: str,
    full_name: str,
    event_id: int,
    total: str,
    currency: str,
    tickets: list[dict],
    lines: list[dict] | None = None,
    resend: int = 0,
) -> list[int]:
    """Record the confirmation of a paid order, once per order however often the order is
    announced; returns the ids to send (none once it was attempted). It lists the order's `lines`
    (ticket type, quantity, price, line total) and every ticket with its type and holder; an order
    announced before lines has none, and its tickets no holder of their own. A confirmation sent
    again is another email, once per `resend` number."""
    key = f"order_confirmation:{order_id}" + (f":resend:{resend}" if resend else "")
    type_names = {line["ticket_type_id"]: line["name"] for line in lines or []}
    context = {
        "order_id": order_id,
        "full_name": full_name,
        "total": total,
        "currency": currency,
        "lines": [
            {
                **{key: line[key] for key in ("ticket_type_id", "name", "quantity", "unit_price", "total")},
                # A voucher's discount, shown only where there is one.
                "discount": line["discount"] if Decimal(line.get("discount") or 0) else "",
            }
            for line in lines or []
        ],
        "tickets": [
            {
                "id": ticket["id"],
                "code": ticket["code"],
                "type_name": type_names.get(ticket.get("ticket_type_id"), ""),
                "holder_name": ticket.get("holder_name", ""),
            }
            for ticket in tickets
        ],
    }
    return _record_once(key, Kind.ORDER_CONFIRMATION, email, event_id, context)


def record_order_refund(
    *,
    order_id: int,
    refund_key: str,
    email: str,
    full_name: str,
    event_id: int,
    amount: str,
    currency: str,
    tickets: int,
    full: bool,
) -> list[int]:
    """Record the email telling the buyer what the event's organizer refunded them, once per refund
    (its key: "full", or the partial refund's); returns the ids to send."""
    key = f"order_refunded:{order_id}:{refund_key}"
    context = {
        "order_id": order_id,
        "full_name": full_name,
        "amount_refunded": amount,
        "currency": currency,
        "ticket_count": tickets,
        "full": full,
    }
    return _record_once(key, Kind.ORDER_REFUNDED, email, event_id, context)


def record_staff_invitation(*, member_id: int, event_id: int, email: str, role: str) -> list[int]:
    """Record the email telling an address its role on an event, once per member and role (a
    changed role is told again); returns the ids to send."""
    key = f"staff_invited:{member_id}:{role}"
    return _record_once(key, Kind.STAFF_INVITED, email, event_id, {"email": email, "role": role})


def record_waiting_list_offer(
    *,
    entry_id: int,
    order_id: int,
    email: str,
    full_name: str,
    event_id: int,
    ticket_type_name: str,
    quantity: int,
    total: str,
    currency: str,
    expires_at: str,
) -> list[int]:
    """Record the email telling a waiting customer what their offer holds (`quantity` seats of
    the type, in order `order_id`, for `total`) and until when to pay, once per offer (its entry
    is offered once); returns the ids to send."""
    key = f"waiting_list_offer:{entry_id}"
    context = {
        "order_id": order_id,
        "full_name": full_name,
        "ticket_type_name": ticket_type_name,
        "quantity": quantity,
        "total": total,
        "currency": currency,
        "expires_at": expires_at,
    }
    return _record_once(key, Kind.WAITING_LIST_OFFER, email, event_id, context)


def _record_once(key: str, kind: str, email: str, event_id: int, context: dict) -> list[int]:
    """Record the one email of `key` to `email` about the event `event_id` (its kind's subject, the
    event as it is now beside `context`); returns the ids to send. Recorded already: the event is
    not asked for again, and its id is returned if it was never attempted, or if it is being sent:
    a task redelivered because its worker died mid-send has its sender look again once that claim
    expires (services.sending). One whose retry is scheduled is left to it."""
    recorded = Notification.objects.filter(dedupe_key=key).values_list("id", "status", "attempts", "claimed_at")
    if row := recorded.first():
        id_, status, attempts, claimed_at = row
        never_attempted = (status, attempts, claimed_at) == (Status.PENDING, 0, None)
        return [id_] if never_attempted or status == Status.SENDING else []
    event = fetch_event(event_id)
    subject = emails.subject_for(kind, event)
    try:
        created = Notification.objects.create(
            dedupe_key=key, kind=kind, recipient=email, subject=subject, context={**context, "event": event}
        )
    except IntegrityError:  # a concurrent delivery of the same task recorded it: that one sends it
        return []
    return [created.id]


def _never_attempted(keys: list[str]) -> list[int]:
    rows = Notification.objects.filter(dedupe_key__in=keys, status=Status.PENDING, attempts=0, claimed_at=None)
    return list(rows.order_by("id").values_list("id", flat=True))
