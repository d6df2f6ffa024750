"""Sending a notification at most once: claim its row, send the email over SMTP, settle the
outcome; failed attempts are retried with exponential backoff and jitter, and sends that were
lost (a worker died, a publish failed) are found again."""

from __future__ import annotations

import contextlib
import logging
import random
import smtplib
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import get_connection
from django.db import OperationalError, connection
from django.db.models import Q
from django.utils import timezone
from prometheus_client import Counter

from notify_service.notifications import emails
from notify_service.notifications.models import Notification
from servicekit import sql

log = logging.getLogger("microtix.notifications")

# Business counters of the worker (its metrics port sums its pool processes: servicekit.metrics).
NOTIFICATIONS_SENT = Counter("microtix_notifications_sent", "Emails sent, by kind.", ["kind"])
NOTIFICATIONS_FAILED = Counter("microtix_notifications_failed", "Emails given up on (failed), by kind.", ["kind"])

Status = Notification.Status

STALLED_BATCH = 5000
MAX_ERROR_LENGTH = 2000


@dataclass(frozen=True)
class Delivery:
    """What one delivery of a send did: "sent", "retry" (a failed attempt; try again in
    `retry_in` seconds), "failed" (gave up), "busy" (another worker holds the claim; look again
    in `retry_in` seconds), "done" (already sent or failed: nothing to do) or "missing"."""

    outcome: str
    retry_in: float | None = None


def send_notification(notification_id: int) -> Delivery:
    """Claim the notification, send its email and record the outcome.

    Only a pending notification, or one whose claim is older than NOTIFICATION_CLAIM_SECONDS
    (its worker died mid-send), can be claimed: one UPDATE decides, so concurrent deliveries of
    the same send never both send. An SMTP failure puts it back to pending for another attempt
    after an exponential backoff with jitter, until EMAIL_MAX_ATTEMPTS attempts failed: then it
    is failed (RetryNotification starts it over)."""
    claimed_at = timezone.now()
    if not _claim(notification_id, claimed_at):
        return _not_claimed(notification_id, claimed_at)
    notification = sql.rows_by_pk(Notification, [notification_id])[notification_id]
    attempts = notification.attempts + 1
    try:
        message = emails.build_message(notification)
    except Exception as exc:  # a template or data problem: trying again cannot help
        log.exception("notification %s failed: it cannot be rendered; giving up", notification_id)
        _settle(notification, claimed_at, status=Status.FAILED, attempts=attempts, last_error=f"rendering: {exc}")
        NOTIFICATIONS_FAILED.labels(notification.kind).inc()
        return Delivery("failed")
    try:
        _send(message)
    except (smtplib.SMTPException, OSError) as exc:
        return _attempt_failed(notification, claimed_at, attempts, exc)
    _settle(notification, claimed_at, status=Status.SENT, attempts=attempts, sent_at=timezone.now(), last_error="")
    NOTIFICATIONS_SENT.labels(notification.kind).inc()
    log.info(
        "email sent: to=%s subject=%r dedupe_key=%s notification=%s",
        notification.recipient,
        notification.subject,
        notification.dedupe_key,
        notification.id,
    )
    return Delivery("sent")


def _send(message) -> None:
    """Send `message` on the thread's kept connection. One the server closed while it sat idle is
    opened again, once: a disconnected server took nothing. After any other failure it is dropped,
    so the next email starts on a fresh one."""
    backend, reused = _kept_connection()
    message.connection = backend
    try:
        message.send()
    except smtplib.SMTPServerDisconnected:
        close_kept_connection()
        if not reused:
            raise
        message.connection, _ = _kept_connection()
        message.send()
    except BaseException:
        close_kept_connection()
        raise


# The email connection of this thread (a pool process has one), open from one email to the next: a new
# SMTP conversation per email (connect, EHLO, QUIT) was a third of each send's CPU. Opened anew if the
# email settings change.
_kept = threading.local()


def _kept_connection() -> tuple[object, bool]:
    """The open email backend of this thread, and whether it was open already."""
    current = tuple(getattr(settings, name, None) for name in _EMAIL_SETTINGS)
    if getattr(_kept, "settings", None) != current:
        close_kept_connection()
    backend = getattr(_kept, "backend", None)
    if backend is None:
        backend = _kept.backend = get_connection()
        _kept.settings = current
    reused = getattr(backend, "connection", None) is not None
    if not reused:
        backend.open()
    return backend, reused


def close_kept_connection() -> None:
    """Close this thread's email connection (its next email opens one)."""
    backend = getattr(_kept, "backend", None)
    _kept.settings = _kept.backend = None
    if backend is not None:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            backend.close()


_EMAIL_SETTINGS = (
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "EMAIL_TIMEOUT",
)


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
        | Q(status=Status.SENDING, claimed_at__lt=now - claim_timeout())
    )
    return list(Notification.objects.filter(stalled).order_by("id").values_list("id", flat=True)[:STALLED_BATCH])


def claim_timeout() -> timedelta:
    """How long a claim holds: after that its worker is taken for dead and the row claimable."""
    return timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS)


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
    try:
        settled = _update_claimed(notification.pk, claimed_at, outcome)
    except OperationalError:
        if connection.in_atomic_block:
            raise
        log.warning(
            "notification %s: database connection lost recording %s; again on a new one", notification.pk, outcome
        )
        connection.close()
        settled = _update_claimed(notification.pk, claimed_at, outcome)  # harmless if the first one landed
    if not settled:
        log.warning(
            "notification %s: claim of %s was taken over; outcome %s not recorded", notification.pk, claimed_at, outcome
        )


# The claim, the read and the outcome of every email as SQL (servicekit.sql): the ORM's build of
# them was a fifth of the worker's CPU per confirmation.
_column = partial(sql.column, Notification)


def _claim(notification_id: int, claimed_at: datetime) -> bool:
    """The guard: one conditional UPDATE claims a pending notification, or one whose claim expired."""
    status, claimed = _column("status"), _column("claimed_at")
    statement = (
        f"UPDATE {sql.table(Notification)} SET {status} = %s, {claimed} = %s WHERE {_column('pk')} = %s"  # noqa: S608
        f" AND ({status} = %s OR ({status} = %s AND {claimed} < %s))"
    )
    expired = claimed_at - claim_timeout()
    at, before = (sql.db_value(Notification, "claimed_at", moment) for moment in (claimed_at, expired))
    return bool(sql.execute(statement, [Status.SENDING, at, notification_id, Status.PENDING, Status.SENDING, before]))


def _update_claimed(notification_id: int, claimed_at: datetime, outcome: dict) -> int:
    """Set `outcome` on the notification if its claim is still `claimed_at`'s; the rows changed."""
    claim = {"status": Status.SENDING, "claimed_at": claimed_at}
    return sql.update_row(Notification, notification_id, where=claim, **outcome)


def _not_claimed(notification_id: int, now: datetime) -> Delivery:
    row = Notification.objects.filter(pk=notification_id).values("status", "claimed_at").first()
    if row is None:
        log.warning("notification %s does not exist: nothing to send", notification_id)
        return Delivery("missing")
    if row["status"] in (Status.SENT, Status.FAILED):
        log.info("notification %s already %s: nothing to do", notification_id, row["status"])
        return Delivery("done")
    # Being sent by another worker (or put back a moment ago): look again once that claim expires.
    expires_in = (row["claimed_at"] + claim_timeout() - now).total_seconds() if row["claimed_at"] else 0
    wait = max(expires_in, 0) + 1
    log.info("notification %s is being sent by another worker; checking again in %.1fs", notification_id, wait)
    return Delivery("busy", wait)
