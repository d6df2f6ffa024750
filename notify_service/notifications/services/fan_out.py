"""Fan-outs to an event's buyers: an update, a cancellation or a reminder, recorded for one page
of buyers (from the tickets service) per call, so no task holds every recipient; and the events
due for reminders (from the events service)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from notify_service.notifications import emails
from notify_service.notifications.models import Notification, ReminderFanOut
from notify_service.notifications.services.events import fetch_event
from notify_service.notifications.services.recording import NewNotification, record
from protos.events.v1 import events_pb2
from protos.tickets.v1 import tickets_pb2
from servicekit import clients
from servicekit.timestamps import to_timestamp

log = logging.getLogger("microtix.notifications")

Kind = Notification.Kind

REMINDER_WINDOW = timedelta(hours=24)
EVENTS_PAGE_SIZE = 100


@dataclass(frozen=True)
class FanOutPage:
    """One page of an event's buyers, notified: the notifications to send now, and where the
    next page starts ("" after the last one) with the event the next pages reuse."""

    to_send: list[int]
    next_page_token: str = ""
    event: dict | None = None


def event_updated_page(
    *, event_id: int, version: int, changes: dict, page_token: str = "", event: dict | None = None
) -> FanOutPage:
    """Record, for one page of the event's buyers, an email saying what changed in `version`
    (`changes`: field -> [old, new]). Nothing if the event is cancelled since: its buyers get
    the cancellation instead."""
    changes = {field: values for field, values in changes.items() if field in emails.CHANGE_LABELS}
    # The first page fetches the event and decides; the next pages reuse what it fetched.
    if event is None:
        event = fetch_event(event_id)
        if event["status"] == "cancelled" or not changes:
            log.info(
                "event %s version %s: nothing to tell (event %s, changes %s)",
                event_id,
                version,
                event["status"],
                changes,
            )
            return FanOutPage([])
    subject = emails.subject_for(Kind.EVENT_UPDATED, event)

    def notification_for(buyer: tickets_pb2.Buyer) -> NewNotification:
        context = {"full_name": buyer.full_name, "event": event, "version": version, "changes": changes}
        return NewNotification(
            f"event_updated:{event_id}:{version}:{buyer.email}", Kind.EVENT_UPDATED, buyer.email, subject, context
        )

    return _fan_out(f"event_updated {event_id} v{version}", event, page_token, notification_for)


def event_cancelled_page(*, event_id: int, page_token: str = "", event: dict | None = None) -> FanOutPage:
    """Record, for one page of the event's buyers, an email saying it is cancelled and what
    they are refunded (everything they paid)."""
    if event is None:
        event = fetch_event(event_id)
        if event["status"] != "cancelled":
            log.warning("event %s is not cancelled (%s): no cancellation emails", event_id, event["status"])
            return FanOutPage([])
    subject = emails.subject_for(Kind.EVENT_CANCELLED, event)

    def notification_for(buyer: tickets_pb2.Buyer) -> NewNotification:
        context = {
            "full_name": buyer.full_name,
            "event": event,
            "amount_refunded": buyer.amount_paid,
            "currency": buyer.currency,
            "ticket_count": buyer.tickets,
        }
        return NewNotification(
            f"event_cancelled:{event_id}:{buyer.email}", Kind.EVENT_CANCELLED, buyer.email, subject, context
        )

    return _fan_out(f"event_cancelled {event_id}", event, page_token, notification_for)


def reminder_page(
    *, event_id: int, page_token: str = "", event: dict | None = None, now: datetime | None = None
) -> FanOutPage:
    """Record, for one page of the event's buyers, a reminder that it starts soon (one per buyer
    ever). Nothing unless the event is published and starts within 24 hours. After the last
    page the event is marked done, so later runs of send_reminders skip it."""
    if event is None:
        event = fetch_event(event_id)
        now = now or timezone.now()
        starts_at = datetime.fromisoformat(event["starts_at"])
        if event["status"] != "published" or not now < starts_at <= now + REMINDER_WINDOW:
            log.info("event %s (%s, starts %s): no reminders now", event_id, event["status"], event["starts_at"])
            return FanOutPage([])
    subject = emails.subject_for(Kind.REMINDER, event)

    def notification_for(buyer: tickets_pb2.Buyer) -> NewNotification:
        context = {"full_name": buyer.full_name, "event": event, "ticket_count": buyer.tickets}
        return NewNotification(f"reminder:{event_id}:{buyer.email}", Kind.REMINDER, buyer.email, subject, context)

    page = _fan_out(f"reminders {event_id}", event, page_token, notification_for)
    if not page.next_page_token:
        ReminderFanOut.objects.get_or_create(event_id=event_id)
    return page


def events_due_for_reminders(now: datetime | None = None, page_size: int = EVENTS_PAGE_SIZE) -> Iterator[int]:
    """The published events starting within the next 24 hours whose reminders have not all been
    recorded yet, from the events service page by page."""
    now = now or timezone.now()
    request = events_pb2.ListEventsRequest(
        starts_after=to_timestamp(now), starts_before=to_timestamp(now + REMINDER_WINDOW), page_size=page_size
    )
    while True:
        response = clients.events().ListEvents(request)
        ids = [event.id for event in response.events]
        done = set(ReminderFanOut.objects.filter(event_id__in=ids).values_list("event_id", flat=True))
        yield from (event_id for event_id in ids if event_id not in done)
        if not response.next_page_token:
            return
        request.page_token = response.next_page_token


def _fan_out(
    what: str, event: dict, page_token: str, notification_for: Callable[[tickets_pb2.Buyer], NewNotification]
) -> FanOutPage:
    request = tickets_pb2.ListEventBuyersRequest(
        event_id=event["id"], page_size=settings.NOTIFICATION_FAN_OUT_PAGE_SIZE, page_token=page_token
    )
    response = clients.tickets().ListEventBuyers(request)
    to_send = record([notification_for(buyer) for buyer in response.buyers])
    log.info(
        "%s: %d buyer(s) on this page, %d notification(s) to send; %s",
        what,
        len(response.buyers),
        len(to_send),
        "next page queued" if response.next_page_token else "last page",
    )
    return FanOutPage(to_send, response.next_page_token, event)
