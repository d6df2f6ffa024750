"""Celery tasks of the notification worker: thin glue between the broker and the services package.
Producers publish them by name, never by import:

- ``notifications.order_paid`` (order_id, email, full_name, event_id, total, currency, tickets, lines, resend)
- ``notifications.order_refunded`` (order_id, refund_key, email, full_name, event_id, amount, currency, tickets, full)
- ``notifications.staff_invited`` (member_id, event_id, email, role)
- ``notifications.waiting_list_offer`` (entry_id, order_id, email, full_name, event_id, ticket_type_id,
  ticket_type_name, quantity, total, currency, expires_at)
- ``notifications.event_updated`` (event_id, version, changes)
- ``notifications.event_cancelled`` (event_id)
- ``notifications.send_reminders`` (Celery beat, every 10 minutes)

Each records its notifications (deduplicated). A task about one buyer sends its email itself; a
fan-out handles one page of the event's buyers per run, publishes itself again for the next page
(so no task holds every recipient) and ``notifications.send`` for the page's emails, SEND_BATCH
a task. A failed attempt is retried as a ``notifications.send`` of its own.
"""

import logging
from contextlib import contextmanager

from celery import shared_task
from django.db import OperationalError as DatabaseUnavailable
from kombu.exceptions import OperationalError as BrokerUnavailable

from notify_service.notifications.services import fan_out, recording, sending
from servicekit.errors import DomainError, Unavailable
from servicekit.tasks import publish, publish_later

log = logging.getLogger("microtix.notifications")

# Emails a send task delivers, one after another on its process's SMTP connection: a fan-out page of
# 500 is 20 tasks, not 500, each of which cost about what its email did.
SEND_BATCH = 25

# Failures that pass: another service, the database or the broker briefly unreachable. The task
# runs again later (exponential backoff up to 10 minutes) rather than losing its emails.
RETRYING = {
    "bind": True,
    "autoretry_for": (Unavailable, DatabaseUnavailable, BrokerUnavailable),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": None,
}


@contextmanager
def _dropping_permanent_errors(what: str):
    """A domain error that is not Unavailable (e.g. an unknown event) will not pass: log, drop."""
    try:
        yield
    except Unavailable:
        raise
    except DomainError as exc:
        log.error("%s dropped: %s", what, exc)


@shared_task(name="notifications.ping")
def ping(payload: str = "") -> str:
    """Answer `pong`: lets operators and tests check that a published task reaches the worker."""
    return f"pong {payload}".strip()


@shared_task(name="notifications.order_paid", **RETRYING)
def order_paid(
    self, *, order_id, email, full_name, event_id, total, currency, tickets, lines=None, resend=0, **_later_fields
):
    """Email the buyer the confirmation of a paid order with its lines and tickets (once per order,
    and once per `resend` number when it is sent again); `lines` is absent from tasks of producers
    older than orders with lines."""
    with _dropping_permanent_errors(f"confirmation of order {order_id}"):
        _send_now(
            recording.record_order_confirmation(
                order_id=order_id,
                email=email,
                full_name=full_name,
                event_id=event_id,
                total=total,
                currency=currency,
                tickets=tickets,
                lines=lines,
                resend=resend,
            )
        )


@shared_task(name="notifications.order_refunded", **RETRYING)
def order_refunded(
    self, *, order_id, refund_key, email, full_name, event_id, amount, currency, tickets, full, **_later_fields
):
    """Email the buyer what the event's organizer refunded them (once per refund)."""
    with _dropping_permanent_errors(f"refund email of order {order_id} ({refund_key})"):
        _send_now(
            recording.record_order_refund(
                order_id=order_id,
                refund_key=refund_key,
                email=email,
                full_name=full_name,
                event_id=event_id,
                amount=amount,
                currency=currency,
                tickets=tickets,
                full=full,
            )
        )


@shared_task(name="notifications.staff_invited", **RETRYING)
def staff_invited(self, *, member_id, event_id, email, role, **_later_fields):
    """Email an address the role the event's organizer gave it (once per member and role)."""
    with _dropping_permanent_errors(f"staff invitation {member_id} ({role})"):
        _send_now(recording.record_staff_invitation(member_id=member_id, event_id=event_id, email=email, role=role))


@shared_task(name="notifications.waiting_list_offer", **RETRYING)
def waiting_list_offer(
    self,
    *,
    entry_id,
    order_id,
    email,
    full_name,
    event_id,
    ticket_type_name,
    quantity,
    total,
    currency,
    expires_at,
    **_later_fields,
):
    """Email a waiting customer the seats their turn on the waiting list holds, and until when (once per offer)."""
    with _dropping_permanent_errors(f"waiting-list offer email of entry {entry_id}"):
        _send_now(
            recording.record_waiting_list_offer(
                entry_id=entry_id,
                order_id=order_id,
                email=email,
                full_name=full_name,
                event_id=event_id,
                ticket_type_name=ticket_type_name,
                quantity=quantity,
                total=total,
                currency=currency,
                expires_at=expires_at,
            )
        )


@shared_task(name="notifications.event_updated", **RETRYING)
def event_updated(self, *, event_id, version, changes, page_token="", event=None, **_later_fields):
    """Email every buyer of the event what changed in this version, one page of buyers per run."""
    with _dropping_permanent_errors(f"update emails of event {event_id} version {version}"):
        page = fan_out.event_updated_page(
            event_id=event_id, version=version, changes=changes, page_token=page_token, event=event
        )
        _continue("notifications.event_updated", page, event_id=event_id, version=version, changes=changes)


@shared_task(name="notifications.event_cancelled", **RETRYING)
def event_cancelled(self, *, event_id, page_token="", event=None, **_later_fields):
    """Email every buyer of the cancelled event what they are refunded, one page of buyers per run."""
    with _dropping_permanent_errors(f"cancellation emails of event {event_id}"):
        page = fan_out.event_cancelled_page(event_id=event_id, page_token=page_token, event=event)
        _continue("notifications.event_cancelled", page, event_id=event_id)


# Beat's own tasks are not retried: the next beat run, 10 minutes later, is their retry.
@shared_task(name="notifications.send_reminders")
def send_reminders():
    """Start the reminders of every event starting within 24 hours (Celery beat, every 10 minutes)."""
    events = 0
    for event_id in fan_out.events_due_for_reminders():
        publish("notifications.event_reminders", event_id=event_id)
        events += 1
    log.info("reminders: %d event(s) starting within 24 hours to remind", events)
    return events


@shared_task(name="notifications.event_reminders", **RETRYING)
def event_reminders(self, *, event_id, page_token="", event=None, **_later_fields):
    """Remind every buyer of the event that it starts soon, one page of buyers per run."""
    with _dropping_permanent_errors(f"reminders of event {event_id}"):
        page = fan_out.reminder_page(event_id=event_id, page_token=page_token, event=event)
        _continue("notifications.event_reminders", page, event_id=event_id)


@shared_task(name="notifications.send", bind=True, max_retries=None)
def send(self, *notification_ids: int):
    """Send the notifications' emails one after another, each at most once; an SMTP failure is
    retried with backoff (a notification of a batch as a send of its own)."""
    outcomes = []
    for index, notification_id in enumerate(notification_ids):
        try:
            delivery = sending.send_notification(notification_id)
        except DatabaseUnavailable as exc:
            # This one and the rest, later: any sent meanwhile is "done" then.
            countdown = sending.retry_delay(self.request.retries + 1)
            raise self.retry(args=notification_ids[index:], exc=exc, countdown=countdown) from None
        if delivery.retry_in is not None:
            if len(notification_ids) == 1:
                raise self.retry(countdown=delivery.retry_in)
            publish_later(delivery.retry_in, "notifications.send", notification_id)
        outcomes.append(delivery.outcome)
    return " ".join(outcomes)


@shared_task(name="notifications.requeue_stalled")
def requeue_stalled():
    """Queue again the sends that were lost (Celery beat, every 10 minutes)."""
    stalled = sending.stalled_notifications()
    if stalled:
        log.warning("requeueing %d stalled notification(s): %s", len(stalled), stalled[:20])
    _queue_sends(stalled)
    return len(stalled)


def _continue(task_name: str, page: fan_out.FanOutPage, **kwargs) -> None:
    # The next page first: if publishing this page's sends fails, requeue_stalled finds them.
    if page.next_page_token:
        publish(task_name, **kwargs, page_token=page.next_page_token, event=page.event)
    _queue_sends(page.to_send)


def _queue_sends(notification_ids: list[int]) -> None:
    for start in range(0, len(notification_ids), SEND_BATCH):
        publish("notifications.send", *notification_ids[start : start + SEND_BATCH])


def _send_now(notification_ids: list[int]) -> None:
    """Send the emails a task just recorded, in it: a send task for each cost a fifth of a
    confirmation's CPU. A failed attempt is retried as a send task of its own."""
    for notification_id in notification_ids:
        delivery = sending.send_notification(notification_id)
        if delivery.retry_in is not None:
            publish_later(delivery.retry_in, "notifications.send", notification_id)
