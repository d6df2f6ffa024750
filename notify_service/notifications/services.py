"""Business logic of notifications: recording each email once, sending it at most once (with
retries), the fan-outs to an event's buyers page by page, and the log the back office reads.

Every email is a `Notification` row first. Recording uses its unique dedupe key, so recording
the same email again (a redelivered or duplicated task) inserts nothing; a worker sends it only
after claiming the row with a conditional UPDATE, so two deliveries of its send cannot both send.
"""

from __future__ import annotations

import logging
import random
import smtplib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import OperationalError, connection
from django.db.models import Q
from django.utils import timezone
from prometheus_client import Counter

from notify_service.notifications import emails
from notify_service.notifications.models import Notification, ReminderFanOut
from protos.events.v1 import events_pb2
from protos.tickets.v1 import tickets_pb2
from servicekit import clients
from servicekit.errors import Conflict, Forbidden, InvalidInput, NotFound, Unavailable
from servicekit.identity import Caller
from servicekit.pagination import newest_first
from servicekit.tasks import publish
from servicekit.timestamps import to_timestamp

log = logging.getLogger("microtix.notifications")

# Business counters of the worker (its metrics port sums its pool processes: servicekit.metrics).
NOTIFICATIONS_SENT = Counter("microtix_notifications_sent", "Emails sent, by kind.", ["kind"])
NOTIFICATIONS_FAILED = Counter("microtix_notifications_failed", "Emails given up on (failed), by kind.", ["kind"])

Kind = Notification.Kind
Status = Notification.Status

REMINDER_WINDOW = timedelta(hours=24)
EVENTS_PAGE_SIZE = 100
STALLED_BATCH = 5000
DEFAULT_LOG_PAGE_SIZE = 50
MAX_LOG_PAGE_SIZE = 100
MAX_ERROR_LENGTH = 2000


class NotificationNotFound(NotFound):
    """No such notification."""


class AlreadySent(Conflict):
    """The notification was already sent."""

    code = "already_sent"


class BeingSent(Conflict):
    """The notification is being sent right now."""

    code = "being_sent"


class EventNotFound(NotFound):
    """The events service does not know the event."""

    code = "event_not_found"


@dataclass(frozen=True)
class NewNotification:
    dedupe_key: str
    kind: str
    recipient: str
    subject: str
    context: dict


@dataclass(frozen=True)
class FanOutPage:
    """One page of an event's buyers, notified: the notifications to send now, and where the
    next page starts ("" after the last one) with the event the next pages reuse."""

    to_send: list[int]
    next_page_token: str = ""
    event: dict | None = None


@dataclass(frozen=True)
class Delivery:
    """What one delivery of a send did: "sent", "retry" (a failed attempt; try again in
    `retry_in` seconds), "failed" (gave up), "busy" (another worker holds the claim; look again
    in `retry_in` seconds), "done" (already sent or failed: nothing to do) or "missing"."""

    outcome: str
    retry_in: float | None = None


# --- recording -----------------------------------------------------------------------------


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
    *, order_id: int, email: str, full_name: str, event_id: int, total: str, currency: str, tickets: list[dict]
) -> list[int]:
    """Record the confirmation of a paid order, once per order however often the order is
    announced; returns the ids to send (none once it was attempted)."""
    key = f"order_confirmation:{order_id}"
    if Notification.objects.filter(dedupe_key=key).exists():
        return _never_attempted([key])
    event = fetch_event(event_id)
    context = {
        "order_id": order_id,
        "full_name": full_name,
        "total": total,
        "currency": currency,
        "tickets": [{"id": ticket["id"], "code": ticket["code"]} for ticket in tickets],
        "event": event,
    }
    subject = emails.subject_for(Kind.ORDER_CONFIRMATION, event)
    return record([NewNotification(key, Kind.ORDER_CONFIRMATION, email, subject, context)])


def _never_attempted(keys: list[str]) -> list[int]:
    rows = Notification.objects.filter(dedupe_key__in=keys, status=Status.PENDING, attempts=0, claimed_at=None)
    return list(rows.order_by("id").values_list("id", flat=True))


# --- fan-outs to an event's buyers -----------------------------------------------------------


def event_updated_page(
    *, event_id: int, version: int, changes: dict, page_token: str = "", event: dict | None = None
) -> FanOutPage:
    """Record, for one page of the event's buyers, an email saying what changed in `version`
    (`changes`: field -> [old, new]). Nothing if the event is cancelled since: its buyers get
    the cancellation instead."""
    changes = {field: values for field, values in changes.items() if field in emails.CHANGE_LABELS}
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
        response = _call(clients.events(), "ListEvents", request)
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
    response = _call(clients.tickets(), "ListEventBuyers", request)
    to_send = record([notification_for(buyer) for buyer in response.buyers])
    log.info(
        "%s: %d buyer(s) on this page, %d notification(s) to send; %s",
        what,
        len(response.buyers),
        len(to_send),
        "next page queued" if response.next_page_token else "last page",
    )
    return FanOutPage(to_send, response.next_page_token, event)


def fetch_event(event_id: int) -> dict:
    """The event from the events service, as notifications keep it (emails.event_snapshot)."""
    try:
        event = _call(clients.events(), "GetEvent", events_pb2.GetEventRequest(id=event_id))
    except NotFound:
        raise EventNotFound(f"The events service does not know event {event_id}.") from None
    return emails.event_snapshot(event)


def _call(client, method: str, request):
    """The RPC's answer; a failure raises the domain error it stands for (Unavailable: try later)."""
    return client.call(method, request)


# --- sending -----------------------------------------------------------------------------------


def send_notification(notification_id: int) -> Delivery:
    """Claim the notification, send its email and record the outcome.

    Only a pending notification, or one whose claim is older than NOTIFICATION_CLAIM_SECONDS
    (its worker died mid-send), can be claimed: one UPDATE decides, so concurrent deliveries of
    the same send never both send. An SMTP failure puts it back to pending for another attempt
    after an exponential backoff with jitter, until EMAIL_MAX_ATTEMPTS attempts failed: then it
    is failed (RetryNotification starts it over)."""
    claimed_at = timezone.now()
    claimable = Q(status=Status.PENDING) | Q(status=Status.SENDING, claimed_at__lt=claimed_at - _claim_timeout())
    claimed = Notification.objects.filter(claimable, pk=notification_id).update(
        status=Status.SENDING, claimed_at=claimed_at
    )
    if not claimed:
        return _not_claimed(notification_id, claimed_at)
    notification = Notification.objects.get(pk=notification_id)
    attempts = notification.attempts + 1
    try:
        message = emails.build_message(notification)
    except Exception as exc:  # a template or data problem: trying again cannot help
        log.exception("notification %s failed: it cannot be rendered; giving up", notification_id)
        _settle(notification, claimed_at, status=Status.FAILED, attempts=attempts, last_error=f"rendering: {exc}")
        NOTIFICATIONS_FAILED.labels(notification.kind).inc()
        return Delivery("failed")
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        return _attempt_failed(notification, claimed_at, attempts, exc)
    _settle(notification, claimed_at, status=Status.SENT, attempts=attempts, sent_at=timezone.now(), last_error="")
    NOTIFICATIONS_SENT.labels(notification.kind).inc()
    log.info("notification %s sent to %s (%s)", notification.id, notification.recipient, notification.kind)
    return Delivery("sent")


def retry_delay(attempts: int) -> float:
    """Seconds before the next attempt after `attempts` failed ones: doubling, with jitter."""
    return settings.EMAIL_RETRY_BACKOFF_SECONDS * 2 ** (attempts - 1) * random.uniform(0.5, 1.5)


def stalled_notifications(now: datetime | None = None) -> list[int]:
    """Notifications whose send was lost: still pending long after their creation or last
    attempt (longer than any retry waits), or claimed by a worker that died mid-send."""
    now = now or timezone.now()
    longest_wait = settings.EMAIL_RETRY_BACKOFF_SECONDS * 2 ** max(settings.EMAIL_MAX_ATTEMPTS - 2, 0) * 1.5
    cutoff = now - timedelta(seconds=max(settings.NOTIFICATION_STALLED_SECONDS, longest_wait * 2))
    stalled = (
        Q(status=Status.PENDING, claimed_at__lt=cutoff)
        | Q(status=Status.PENDING, claimed_at=None, created_at__lt=cutoff)
        | Q(status=Status.SENDING, claimed_at__lt=now - _claim_timeout())
    )
    return list(Notification.objects.filter(stalled).order_by("id").values_list("id", flat=True)[:STALLED_BATCH])


def _attempt_failed(notification: Notification, claimed_at: datetime, attempts: int, exc: Exception) -> Delivery:
    error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
    limit = settings.EMAIL_MAX_ATTEMPTS
    if attempts >= limit or _refused_for_good(exc):
        _settle(notification, claimed_at, status=Status.FAILED, attempts=attempts, last_error=error)
        NOTIFICATIONS_FAILED.labels(notification.kind).inc()
        log.error("notification %s failed: %s (attempt %d of %d); giving up", notification.id, error, attempts, limit)
        return Delivery("failed")
    _settle(notification, claimed_at, status=Status.PENDING, attempts=attempts, last_error=error)
    delay = retry_delay(attempts)
    log.warning(
        "notification %s failed: %s (attempt %d of %d); retrying in %.1fs",
        notification.id,
        error,
        attempts,
        limit,
        delay,
    )
    return Delivery("retry", delay)


def _refused_for_good(exc: Exception) -> bool:
    """The server refused every recipient permanently (5xx): another attempt would be refused too."""
    return isinstance(exc, smtplib.SMTPRecipientsRefused) and all(code >= 500 for code, _ in exc.recipients.values())


def _settle(notification: Notification, claimed_at: datetime, **outcome) -> None:
    """Record the outcome of the attempt this claim made (unless the claim was taken over).

    A database connection dropped meanwhile is replaced, once: the email may have gone out, and
    an outcome left unrecorded would let the claim expire and the email be sent again."""
    claim = Notification.objects.filter(pk=notification.pk, status=Status.SENDING, claimed_at=claimed_at)
    try:
        settled = claim.update(**outcome)
    except OperationalError:
        if connection.in_atomic_block:
            raise
        log.warning(
            "notification %s: database connection lost recording %s; again on a new one", notification.pk, outcome
        )
        connection.close()
        settled = claim.update(**outcome)  # the same conditional update: harmless if the first one landed
    if not settled:
        log.warning(
            "notification %s: claim of %s was taken over; outcome %s not recorded", notification.pk, claimed_at, outcome
        )


def _not_claimed(notification_id: int, now: datetime) -> Delivery:
    row = Notification.objects.filter(pk=notification_id).values("status", "claimed_at").first()
    if row is None:
        log.warning("notification %s does not exist: nothing to send", notification_id)
        return Delivery("missing")
    if row["status"] in (Status.SENT, Status.FAILED):
        log.info("notification %s already %s: nothing to do", notification_id, row["status"])
        return Delivery("done")
    # Being sent by another worker (or put back a moment ago): look again once that claim expires.
    expires_in = (row["claimed_at"] + _claim_timeout() - now).total_seconds() if row["claimed_at"] else 0
    wait = max(expires_in, 0) + 1
    log.info("notification %s is being sent by another worker; checking again in %.1fs", notification_id, wait)
    return Delivery("busy", wait)


def _claim_timeout() -> timedelta:
    return timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS)


# --- the log (NotificationService) -------------------------------------------------------------


def list_notifications(
    *,
    caller: Caller,
    kind: str = "",
    status: str = "",
    recipient_query: str = "",
    page_size: int = 0,
    page_token: str = "",
) -> tuple[list[Notification], str]:
    """Notifications newest first, for staff, filtered; returns the page and the next page's
    token ("" at the end)."""
    _require_staff(caller)
    problems: dict[str, list[str]] = {}
    if kind and kind not in Kind.values:
        problems["kind"] = [f"Must be one of {', '.join(Kind.values)}."]
    if status and status not in Status.values:
        problems["status"] = [f"Must be one of {', '.join(Status.values)}."]
    if problems:
        raise InvalidInput(field_errors=problems)
    notifications = Notification.objects.all()
    if kind:
        notifications = notifications.filter(kind=kind)
    if status:
        notifications = notifications.filter(status=status)
    if recipient_query:
        notifications = notifications.filter(recipient__icontains=recipient_query)
    return newest_first(
        notifications,
        page_size=page_size,
        page_token=page_token,
        default_size=DEFAULT_LOG_PAGE_SIZE,
        max_size=MAX_LOG_PAGE_SIZE,
    )


def retry_notification(*, caller: Caller, notification_id: int) -> Notification:
    """Send a failed (or still pending) notification again, its attempts starting over; for
    staff. A sent one is AlreadySent; one being sent right now is BeingSent."""
    _require_staff(caller)
    now = timezone.now()
    retryable = Q(status__in=[Status.FAILED, Status.PENDING]) | Q(
        status=Status.SENDING, claimed_at__lt=now - _claim_timeout()
    )
    reset = Notification.objects.filter(retryable, pk=notification_id).update(
        status=Status.PENDING, attempts=0, last_error=""
    )
    if not reset:
        status = Notification.objects.filter(pk=notification_id).values_list("status", flat=True).first()
        if status is None:
            raise NotificationNotFound()
        if status == Status.SENT:
            raise AlreadySent()
        raise BeingSent()
    notification = Notification.objects.get(pk=notification_id)  # as reset: a worker may take it at once
    try:
        publish("notifications.send", notification_id)
    except Exception as exc:
        log.warning("notification %s: could not queue its send (%s)", notification_id, exc)
        raise Unavailable("The task broker is unavailable; try again.", code="broker_unavailable") from None
    log.info("notification %s queued again by staff user %s", notification_id, caller.user_id)
    return notification


def _require_staff(caller: Caller) -> None:
    if not caller.is_staff:
        raise Forbidden("Only staff can read and retry notifications.")
