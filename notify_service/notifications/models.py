"""Tables of the notification service: the log of every email, and the events whose reminders went out."""

from django.db import models


class Notification(models.Model):
    """One email to one recipient, sent at most once.

    `dedupe_key` names what the email is about ("order_confirmation:42",
    "event_updated:7:3:ann@example.com", ...): recording it again inserts nothing, so a
    redelivered or duplicated task adds no email. A worker sends it only after claiming the row
    (pending -> sending, a conditional UPDATE), so two deliveries of the send cannot both send.
    """

    class Kind(models.TextChoices):
        ORDER_CONFIRMATION = "order_confirmation"
        EVENT_UPDATED = "event_updated"
        EVENT_CANCELLED = "event_cancelled"
        REMINDER = "reminder"
        ORDER_REFUNDED = "order_refunded"
        STAFF_INVITED = "staff_invited"
        WAITING_LIST_OFFER = "waiting_list_offer"

    class Status(models.TextChoices):
        # Waiting for its first attempt, or for the next one after a failed attempt.
        PENDING = "pending"
        # Claimed by a worker at claimed_at; a claim older than NOTIFICATION_CLAIM_SECONDS was abandoned.
        SENDING = "sending"
        SENT = "sent"
        # Every one of EMAIL_MAX_ATTEMPTS attempts failed; RetryNotification starts it over.
        FAILED = "failed"

    dedupe_key = models.CharField(max_length=400, unique=True)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=400)
    # What the templates need (the event as it was, tickets, changes, amounts): see emails.py.
    context = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # When the last attempt started (the claim); None until the first one.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # The log's filters, newest first.
            models.Index(fields=["kind", "id"], name="notification_kind_id"),
            models.Index(fields=["status", "id"], name="notification_status_id"),
        ]

    def __str__(self) -> str:
        return f"notification {self.id} ({self.kind} to {self.recipient}): {self.status}"


class ReminderFanOut(models.Model):
    """An event every buyer of which has a reminder recorded and queued: later runs of
    send_reminders skip it instead of paging its buyers again."""

    event_id = models.BigIntegerField(unique=True)
    finished_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"reminders of event {self.event_id}"
