from django.db import models

from servicekit.outbox import OutboxMessage as OutboxMessageBase


class Event(models.Model):
    """Something people buy tickets for. The organizer is a gateway user, referenced by id only."""

    class Status(models.TextChoices):
        PUBLISHED = "published"
        CANCELLED = "cancelled"

    organizer_id = models.BigIntegerField()
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    venue = models.CharField(max_length=300, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PUBLISHED)
    # Incremented by every change: names "the change" in its notifications.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # Both listings walk (starts_at, id) keysets: public by status, "mine" by organizer.
        indexes = [
            models.Index(fields=["status", "starts_at", "id"], name="event_status_start_idx"),
            models.Index(fields=["organizer_id", "starts_at", "id"], name="event_organizer_start_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class EventStaff(models.Model):
    """Someone the organizer lets act for one event, named by email: their account may not exist yet."""

    class Role(models.TextChoices):
        MANAGER = "manager"
        SCANNER = "scanner"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="staff")
    email = models.EmailField()  # lower case
    role = models.CharField(max_length=16, choices=Role.choices)
    invited_by = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "event staff"
        # One role per address and event: inviting again changes the role, never adds a second row.
        constraints = [models.UniqueConstraint(fields=["event", "email"], name="event_staff_one_per_email")]
        # An account's events as staff (GET /api/events/staffed/).
        indexes = [models.Index(fields=["email", "event"], name="event_staff_email_idx")]

    def __str__(self) -> str:
        return f"{self.email} ({self.role})"


class OutboxMessage(OutboxMessageBase):
    """Tasks promised by committed event changes, waiting for the relay (servicekit.outbox)."""
