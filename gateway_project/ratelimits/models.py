from django.db import models


class Slot(models.Model):
    """One of the `limit` requests a key (a throttle's scope and client) may make per window.

    A request takes a free slot (`free_at` passed) with a conditional UPDATE that sets `free_at` to
    the end of its window: the database decides, so simultaneous requests cannot share a slot.
    """

    key = models.CharField(max_length=255)
    slot = models.PositiveIntegerField()
    free_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "slot"], name="ratelimits_slot_one_per_key_and_number")]
        indexes = [
            models.Index(fields=["key", "free_at"], name="ratelimits_slot_key_free_at"),
            models.Index(fields=["free_at"], name="ratelimits_slot_free_at"),
        ]

    def __str__(self) -> str:
        return f"{self.key} #{self.slot} (free at {self.free_at:%Y-%m-%d %H:%M:%S})"
