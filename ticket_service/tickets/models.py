from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from servicekit.outbox import OutboxMessage as OutboxMessageBase


class TicketType(models.Model):
    """A kind of seat for an event, and its inventory: sold + held never exceeds capacity."""

    event_id = models.BigIntegerField()
    name = models.CharField(max_length=100)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    capacity = models.PositiveIntegerField()
    sold = models.PositiveIntegerField(default=0)
    held = models.PositiveIntegerField(default=0)
    max_per_order = models.PositiveIntegerField(default=10)
    # Seats one customer may hold and buy over all their orders; NULL: no limit (CustomerSeats counts them).
    max_per_customer = models.PositiveIntegerField(null=True, blank=True)
    # Closed when the event is cancelled: no new holds, whatever the event service says.
    sales_open = models.BooleanField(default=True)
    # The sale window: holds are taken from sales_start until sales_end, or while NULL until the
    # event starts (event_starts_at, which the events service updates when the start moves).
    sales_start = models.DateTimeField(default=timezone.now)
    sales_end = models.DateTimeField(null=True, blank=True)
    # NULL only on types created before sale windows: their first reservation asks the events service.
    event_starts_at = models.DateTimeField(null=True, blank=True)
    # The event's version event_starts_at is of: an older update of the start is ignored.
    event_version = models.PositiveIntegerField(default=0)
    # Not listed publicly; reachable only with a voucher that unlocks it (a presale).
    hidden = models.BooleanField(default=False)
    # Entries of its waiting list still waiting (services.waiting_list), kept in the transactions
    # that change them: while it is not 0 a plain hold takes no seat (part of the seat guard).
    # db_default: rows inserted by code that predates the column (a rolling upgrade) start at 0.
    waiting = models.PositiveIntegerField(default=0, db_default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["event_id", "id"], name="tickettype_event_idx"),
            # The sweep's types with a waiting list: a range of this index, not a scan of every type.
            models.Index(fields=["waiting"], name="tickettype_waiting_idx"),
        ]
        constraints = [
            # Backstop only: the guard is the conditional UPDATE in services.inventory.take_seats.
            models.CheckConstraint(condition=Q(sold__lte=F("capacity") - F("held")), name="tickettype_within_capacity"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (event {self.event_id})"

    @property
    def available(self) -> int:
        return self.capacity - self.sold - self.held

    @property
    def on_sale(self) -> int:
        """Seats the open sale may hold: none while the waiting list has entries (they are the list's)."""
        return 0 if self.waiting else self.available

    @property
    def sales_until(self):
        """When the sale window closes: sales_end, else the event's start."""
        return self.sales_end or self.event_starts_at


class Order(models.Model):
    """Seats bought (or being bought) by one customer, of one event, in one currency: its lines, one per
    ticket type (at least one), paid with one payment of `total`."""

    class Status(models.TextChoices):
        RESERVED = "reserved"
        PAID = "paid"
        CANCELLED = "cancelled"
        EXPIRED = "expired"
        REFUND_PENDING = "refund_pending"
        REFUNDED = "refunded"

    user_id = models.BigIntegerField()
    email = models.EmailField()
    full_name = models.CharField(max_length=150)
    event_id = models.BigIntegerField()
    # The type and unit price of an order of one line; NULL for an order of several (see its lines).
    ticket_type = models.ForeignKey(TicketType, on_delete=models.PROTECT, null=True, related_name="orders")
    # Seats over all lines.
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=2, null=True)
    # The lines' totals added up: what is charged.
    total = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RESERVED)
    expires_at = models.DateTimeField()
    # NULL, not "", when absent: the unique (user, key) constraint must not apply to keyless orders.
    idempotency_key = models.CharField(max_length=128, null=True, blank=True)  # noqa: DJ001
    # Set before the card is charged: an expiring order with it set is reconciled
    # with the payment service first, so a paid order is never expired.
    payment_started_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    payment_brand = models.CharField(max_length=20, blank=True)
    payment_last4 = models.CharField(max_length=4, blank=True)
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    voucher = models.ForeignKey("Voucher", on_delete=models.PROTECT, null=True, blank=True, related_name="orders")
    # The voucher's uses this order took: its seats of the types the voucher applies to. A hold that
    # ends unpaid gives them back; a paid order keeps them.
    voucher_seats = models.PositiveIntegerField(default=0)
    # Confirmation emails sent again (services.confirmations): each resend's number, its email's key.
    confirmations_resent = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["user_id", "id"], name="order_user_idx"),
            models.Index(fields=["status", "expires_at"], name="order_status_expiry_idx"),
            models.Index(fields=["event_id", "status"], name="order_event_status_idx"),
            # The organizer's listing of an event's orders by id, any status, a page at a time.
            models.Index(fields=["event_id", "id"], name="order_event_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["user_id", "idempotency_key"], name="order_idempotency_key_per_user"),
        ]

    def __str__(self) -> str:
        return f"Order {self.id} ({self.status})"


class OrderLine(models.Model):
    """Seats of one ticket type in an order, with their price and a holder name per seat."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    ticket_type = models.ForeignKey(TicketType, on_delete=models.PROTECT, related_name="order_lines")
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    # Taken off unit_price * quantity (vouchers); total is what remains.
    discount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal(0))
    total = models.DecimalField(max_digits=12, decimal_places=2)
    # The holder of each seat, in seat order (the buyer's full name where none was given): its ticket's holder_name.
    attendees = models.JSONField(default=list)

    class Meta:
        # Ascending type id: the order in which an order's seats are taken and given back (the lock order).
        ordering = ["ticket_type_id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "ticket_type"], name="orderline_one_per_order_and_type"),
        ]

    def __str__(self) -> str:
        return f"Order {self.order_id}: {self.quantity} of type {self.ticket_type_id}"

    def holders(self, buyer: str) -> list[str]:
        """The holder's name of each seat: its attendee's, or `buyer`'s where none (or a blank one) is given."""
        names = self.attendees[: self.quantity]
        return [name.strip() or buyer for name in names] + [buyer] * (self.quantity - len(names))


class Ticket(models.Model):
    """One admission. Its code is random and signed (see services.admission.new_ticket_code)."""

    class Status(models.TextChoices):
        VALID = "valid"
        CHECKED_IN = "checked_in"
        VOID = "void"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="tickets")
    user_id = models.BigIntegerField()
    event_id = models.BigIntegerField()
    ticket_type = models.ForeignKey(TicketType, on_delete=models.PROTECT, related_name="tickets")
    code = models.CharField(max_length=100, unique=True)
    holder_name = models.CharField(max_length=150)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.VALID)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["user_id", "id"], name="ticket_user_idx"),
            models.Index(fields=["event_id", "status"], name="ticket_event_status_idx"),
            # The attendee export by ascending id: each page a range of it, never a sort of the event's tickets.
            models.Index(fields=["event_id", "id"], name="ticket_event_idx"),
        ]

    def __str__(self) -> str:
        return f"Ticket {self.id} ({self.status})"


class OrderRefund(models.Model):
    """A refund the event's organizer gave: the whole order or some of its tickets, once (unique per
    order and key), made at the payments service under the same key and then settled (see
    services.refunds)."""

    FULL = "full"

    class Status(models.TextChoices):
        PENDING = "pending"  # its tickets are void and its seats on sale; the payment refund may not be made yet
        DONE = "done"  # refunded, counted in the order's refunded_amount, its email in the outbox

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    # FULL, or "tickets:<its first ticket id>" (a ticket is refunded once): also the payment refund's key.
    key = models.CharField(max_length=64)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    ticket_ids = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "id"], name="orderrefund_status_idx")]
        constraints = [
            # The guard of "refunded once": a second full refund of the order is this row again.
            models.UniqueConstraint(fields=["order", "key"], name="orderrefund_one_per_order_and_key"),
        ]

    def __str__(self) -> str:
        return f"Refund {self.key} of order {self.order_id} ({self.status})"


class CustomerSeats(models.Model):
    """Seats of a limited ticket type (max_per_customer) that one customer holds or bought.

    The per-customer guard is a conditional UPDATE of this row in the hold's transaction; rows
    exist only for types with a limit, so unlimited sales pay nothing for it.
    """

    user_id = models.BigIntegerField()
    ticket_type = models.ForeignKey(TicketType, on_delete=models.PROTECT, related_name="+")
    seats = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user_id", "ticket_type"], name="customerseats_one_per_customer_and_type"),
        ]

    def __str__(self) -> str:
        return f"User {self.user_id}: {self.seats} of type {self.ticket_type_id}"


class OutboxMessage(OutboxMessageBase):
    """Tasks promised by committed orders (e.g. the confirmation email), waiting for the relay."""


class Voucher(models.Model):
    """A discount or presale code of one event: it discounts at most `max_uses` seats in all,
    counted in `uses` by a conditional UPDATE in the transaction holding the seats."""

    class Discount(models.TextChoices):
        PERCENT = "percent"  # off each seat's price
        AMOUNT = "amount"  # off each seat's price, never below 0
        PRICE = "price"  # each seat's price instead

    event_id = models.BigIntegerField()
    # Upper case: codes match case-insensitively.
    code = models.CharField(max_length=32)
    discount_kind = models.CharField(max_length=8, choices=Discount.choices)
    discount_value = models.DecimalField(max_digits=10, decimal_places=2)
    # The types it applies to; empty: every type of the event.
    ticket_type_ids = models.JSONField(default=list, blank=True)
    max_uses = models.PositiveIntegerField()
    uses = models.PositiveIntegerField(default=0)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    # Whether it opens the event's hidden types (a presale code).
    unlocks_hidden = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event_id", "code"], name="voucher_code_per_event"),
            # Backstop only: the guard is the conditional UPDATE that consumes uses.
            models.CheckConstraint(condition=Q(uses__lte=F("max_uses")), name="voucher_within_max_uses"),
        ]

    def __str__(self) -> str:
        return f"{self.code} (event {self.event_id})"


class WaitingListEntry(models.Model):
    """A customer waiting for `quantity` seats of a sold-out ticket type; offered in order of joining
    (by id) a reserved order holding them (services.waiting_list)."""

    class Status(models.TextChoices):
        WAITING = "waiting"  # counted in its type's `waiting`
        OFFERED = "offered"  # `order` holds its seats (or held them: the order's status says what became of it)
        LEFT = "left"  # its customer left the list
        CLEARED = "cleared"  # the event's organizer cleared the list
        REFUSED = "refused"  # its turn came but its customer's max_per_customer had no room for it

    ticket_type = models.ForeignKey(TicketType, on_delete=models.PROTECT, related_name="waiting_entries")
    event_id = models.BigIntegerField()
    user_id = models.BigIntegerField()
    email = models.EmailField()
    full_name = models.CharField(max_length=150)
    quantity = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.WAITING)
    # True while the entry is the customer's one on this list (waiting, or offered and its order
    # reserved), NULL after: the unique constraint allows one live entry per customer and type, and
    # any number of past ones (NULLs are distinct in a unique index, on MySQL and SQLite alike).
    live = models.BooleanField(null=True, default=True)
    order = models.OneToOneField(Order, on_delete=models.PROTECT, null=True, blank=True, related_name="waiting_entry")
    created_at = models.DateTimeField(auto_now_add=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # The list in order of joining: each type's waiting entries by ascending id.
            models.Index(fields=["ticket_type", "status", "id"], name="waitingentry_queue_idx"),
            models.Index(fields=["user_id", "ticket_type"], name="waitingentry_user_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["user_id", "ticket_type", "live"], name="waitingentry_one_live_per_user"),
        ]

    def __str__(self) -> str:
        return f"Waiting entry {self.id}: {self.quantity} of type {self.ticket_type_id} ({self.status})"
