"""Tables of the payments service. No column ever holds a full card number or a cvc."""

from django.db import models


def _money(**options) -> models.DecimalField:
    return models.DecimalField(max_digits=12, decimal_places=2, **options)


class Payment(models.Model):
    """The payment of one order (a ticket order of the tickets service, referenced by id only):
    the outcome of its last charge attempt, and what of it was refunded (its Refund rows)."""

    class Status(models.TextChoices):
        # Only ever inside the transaction of an order's first attempt: the row is inserted to
        # claim the order, then settled or rolled back before commit, so no reader sees it.
        PROCESSING = "processing"
        SUCCEEDED = "succeeded"
        DECLINED = "declined"
        REFUNDED = "refunded"

    order_id = models.BigIntegerField(unique=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    amount = _money()
    currency = models.CharField(max_length=3)
    description = models.TextField(blank=True)
    brand = models.CharField(max_length=16, blank=True)
    last4 = models.CharField(max_length=4, blank=True)
    decline_reason = models.CharField(max_length=32, blank=True)
    # Attempts that reached a decision (declined or succeeded); names the provider's
    # idempotency key of the next attempt, so a retry after a decline is a new charge while
    # a retry of an attempt that never committed (crash, provider timeout) is the same one.
    attempts = models.PositiveIntegerField(default=0)
    provider_charge_id = models.CharField(max_length=64, blank=True)
    # The sum of its Refund rows; never more than amount (the guard: services.refund_order).
    refunded_amount = _money(default=0)
    # Of the last refund.
    refund_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"payment of order {self.order_id}: {self.status}"


class Refund(models.Model):
    """One refund of a payment, in full or in part, under a key its caller chose: the same key
    again is the same refund (refunded once), another key another refund."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    # "full" for a refund of whatever was left; the tickets service names its partial refunds.
    key = models.CharField(max_length=64)
    amount = _money()
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # The guard of "a refund once, however often or concurrently it is asked for".
            models.UniqueConstraint(fields=["payment", "key"], name="refund_key_per_payment"),
        ]

    def __str__(self) -> str:
        return f"refund {self.key} of order {self.payment.order_id}: {self.amount}"


class SimulatedCharge(models.Model):
    """The ledger of the built-in simulated provider (what the "bank" recorded): one row per
    successful charge. A real provider keeps this on its side."""

    charge_id = models.CharField(max_length=32, unique=True)
    idempotency_key = models.CharField(max_length=64, unique=True)
    amount = _money()
    currency = models.CharField(max_length=3)
    brand = models.CharField(max_length=16)
    last4 = models.CharField(max_length=4)
    created_at = models.DateTimeField(auto_now_add=True)
    refunded_amount = _money(default=0)
    refunded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.charge_id
