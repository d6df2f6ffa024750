"""The waiting list of a sold-out ticket type: freed seats go to it in order of joining, not to
whoever retries the open sale at that moment.

- Joining: a customer waits for `quantity` seats of a type that is sold out (no seat for sale) or
  whose list already has entries; one live entry per customer and type (the unique (user, type,
  live) index), a second join answers it.
- The guard: a type's `waiting` counter (its entries still waiting) changes in the transactions
  that change them, and a plain hold takes seats only where `waiting = 0`, in the seat guard's
  UPDATE itself (services.inventory.take_seats): while anyone waits, the open sale is sold out.
- Offers (advance_waiting_list), after every transaction that gives seats back (a cancelled,
  expired or refunded order, a capacity raised, the sweep): the type row locked FOR UPDATE, so
  advances, joins, leaves and clears of one type take turns; then for its waiting entries by
  ascending id, each entry's seats by the seat guard's conditional UPDATE, the entry marked
  offered by a conditional UPDATE (waiting -> offered: never offered twice), its reserved order
  created and its email written to the outbox, in that transaction.
- Strict order: an entry is offered only when all its seats fit, and a later, smaller entry never
  overtakes an earlier one that does not fit yet: the offers stop at the first entry that does
  not fit (seats left free meanwhile are the list's, not the open sale's).
- An offer holds its seats WAITING_LIST_OFFER_SECONDS; unpaid, it expires with the other holds
  (the sweep) and its seats go to the next entry. An offered entry is never offered again.
- The event's organizer may clear the list: its waiting entries end, the open sale resumes.

Lock order: the ticket type row, then waiting entries, then what the offer writes (a new order,
its line, the customer's seat count), as services.inventory has types before customers' counts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone
from prometheus_client import Counter

from servicekit import outbox
from servicekit.errors import InvalidInput
from servicekit.identity import CUSTOMER, Caller
from servicekit.money import money_text
from servicekit.timestamps import iso_text
from ticket_service.tickets.models import (
    CustomerSeats,
    Order,
    OrderLine,
    OutboxMessage,
    TicketType,
    WaitingListEntry,
)
from ticket_service.tickets.services.errors import (
    CustomerLimitReached,
    NotACustomer,
    TicketsAvailable,
    TicketTypeNotFound,
    WaitingListEntryNotFound,
)
from ticket_service.tickets.services.events import get_event_info, require_organizer
from ticket_service.tickets.services.inventory import (
    count_customer_seats,
    refuse_outside_sale_window,
    release,
    take_seats,
)
from ticket_service.tickets.services.ticket_types import learn_event_start

log = logging.getLogger("microtix.tickets")

# On the service's metrics port (servicekit.metrics).
OFFERS_MADE = Counter("microtix_waiting_list_offers", "Waiting-list entries offered a reserved order.")
# Entries one transaction offers at most: a long list is offered a batch at a time, each batch
# holding the type's row lock briefly, so reservations (refused at once) are not held up long.
OFFER_BATCH = 50
# Types with waiting entries the sweep advances per run.
SWEEP_TYPES = 200
Entry = WaitingListEntry
Status = WaitingListEntry.Status
# What offering an entry came to (_offer).
_OFFERED, _NO_FIT, _REFUSED, _GONE = "offered", "no_fit", "refused", "gone"


@dataclass(frozen=True)
class EntryView:
    """A customer's entry with where it stands: its `position` among the waiting entries (1: next;
    0 once it is not waiting) and the seats the entries before it wait for."""

    entry: WaitingListEntry
    position: int
    seats_ahead: int

    @property
    def offer_expires_at(self) -> datetime | None:
        return self.entry.order.expires_at if self.entry.order_id else None

    @property
    def order_status(self) -> str:
        return self.entry.order.status if self.entry.order_id else ""


def join_waiting_list(
    *, caller: Caller, event_id: int, ticket_type_id: int, quantity: int, email: str, full_name: str
) -> tuple[EntryView, bool]:
    """Put the calling customer on the type's waiting list for `quantity` seats (1 to its
    max_per_order, and no more than its capacity: an entry that could never fit would stop the list
    for good). Allowed while the type is sold out (no seat for sale) or its list already has
    entries; else TicketsAvailable (reserve them instead). Returns the entry and whether it was
    created (False: the customer's live entry, as it is).

    The seats may be free as the entry commits (given back after the check): the list is advanced
    after the join, so they are offered, in order, rather than stuck."""
    if caller.role != CUSTOMER or caller.user_id is None:
        raise NotACustomer()
    ticket_type = _public_type(event_id, ticket_type_id)
    existing = _live_entry(caller.user_id, ticket_type_id)
    if existing is not None:
        return _view(existing), False
    problems = _join_problems(ticket_type, quantity, email, full_name)
    if problems:
        raise InvalidInput(field_errors=problems)
    if ticket_type.event_starts_at is None:
        ticket_type = learn_event_start(ticket_type, caller)
    refuse_outside_sale_window(ticket_type, timezone.now())
    # Sold out, or others wait already: a type with seats for sale sells them (the open sale).
    if ticket_type.waiting == 0 and ticket_type.available > 0:
        raise TicketsAvailable(extra={"available": ticket_type.available})
    _refuse_over_customer_limit(caller.user_id, ticket_type, quantity)
    try:
        with transaction.atomic():
            # The counter first: the type row is the lock every change of the list takes first.
            TicketType.objects.filter(pk=ticket_type_id).update(waiting=F("waiting") + 1)
            entry = Entry.objects.create(
                ticket_type=ticket_type,
                event_id=event_id,
                user_id=caller.user_id,
                email=email,
                full_name=full_name.strip() or email,
                quantity=quantity,
            )
    except IntegrityError:
        # A concurrent join of the same customer won (the unique live entry); ours rolled back.
        existing = _live_entry(caller.user_id, ticket_type_id)
        if existing is None:
            raise
        return _view(existing), False
    log.info("user %s joined the waiting list of type %s for %s seats", caller.user_id, ticket_type_id, quantity)
    advance_waiting_list(ticket_type_id)
    entry.refresh_from_db()
    return _view(entry), True


def get_waiting_entry(*, caller: Caller, event_id: int, ticket_type_id: int) -> EntryView:
    """The caller's entry on the type's list (its live one, else its latest) with its position."""
    entry = _live_entry(caller.user_id, ticket_type_id) if caller.user_id else None
    if entry is None and caller.user_id:
        entry = (
            Entry.objects.filter(user_id=caller.user_id, ticket_type_id=ticket_type_id)
            .select_related("order")
            .order_by("-id")
            .first()
        )
    if entry is None or entry.event_id != event_id:
        raise WaitingListEntryNotFound()
    return _view(entry)


def leave_waiting_list(*, caller: Caller, event_id: int, ticket_type_id: int) -> None:
    """The caller leaves the type's list. An entry offered seats gives them up: its reserved order
    is cancelled and the seats go to the next entry. WaitingListEntryNotFound if it has no live entry."""
    entry = _live_entry(caller.user_id, ticket_type_id) if caller.user_id else None
    if entry is None or entry.event_id != event_id:
        raise WaitingListEntryNotFound()
    if entry.status == Status.OFFERED:
        release(entry.order_id, Order.Status.CANCELLED)
        Entry.objects.filter(pk=entry.id, live=True).update(live=None)
        advance_waiting_list(ticket_type_id)
        return
    with transaction.atomic():
        TicketType.objects.select_for_update().filter(pk=ticket_type_id).first()  # the lock order
        left = Entry.objects.filter(pk=entry.id, status=Status.WAITING).update(status=Status.LEFT, live=None)
        if left:
            TicketType.objects.filter(pk=ticket_type_id).update(waiting=F("waiting") - 1)
    if not left:  # offered meanwhile: give that up instead
        leave_waiting_list(caller=caller, event_id=event_id, ticket_type_id=ticket_type_id)
        return
    log.info("user %s left the waiting list of type %s", caller.user_id, ticket_type_id)
    # Leaving may let the next, smaller entry fit the seats the strict order kept for it.
    advance_waiting_list(ticket_type_id)


def clear_waiting_list(*, caller: Caller, event_id: int, ticket_type_id: int) -> int:
    """End every waiting entry of the type's list (the event's organizer, or staff): the open sale
    resumes. Offers already made stand. Returns how many entries were cleared."""
    require_organizer(get_event_info(event_id, caller))
    if not TicketType.objects.filter(pk=ticket_type_id, event_id=event_id).exists():
        raise TicketTypeNotFound()
    with transaction.atomic():
        TicketType.objects.select_for_update().filter(pk=ticket_type_id).first()  # the lock order
        cleared = Entry.objects.filter(ticket_type_id=ticket_type_id, status=Status.WAITING).update(
            status=Status.CLEARED, live=None
        )
        TicketType.objects.filter(pk=ticket_type_id).update(waiting=F("waiting") - cleared)
    log.info("waiting list of type %s cleared: %s entries", ticket_type_id, cleared)
    return cleared


def clear_event_lists(event_id: int) -> int:
    """End the waiting entries of every type of a cancelled event (its sales closed: nothing will be
    offered); returns how many."""
    with transaction.atomic():
        types = list(
            TicketType.objects.select_for_update()
            .filter(event_id=event_id, waiting__gt=0)
            .order_by("id")  # the lock order
            .values_list("id", flat=True)
        )
        if not types:
            return 0
        cleared = Entry.objects.filter(ticket_type_id__in=types, status=Status.WAITING).update(
            status=Status.CLEARED, live=None
        )
        TicketType.objects.filter(pk__in=types).update(waiting=0)
    log.info("event %s cancelled: %s waiting entries cleared", event_id, cleared)
    return cleared


def advance_waiting_list(ticket_type_id: int) -> int:
    """Offer the type's free seats to its waiting entries in order of joining, strictly: each
    entry all its seats, stopping at the first that does not fit. Returns how many were offered.
    Call after (never inside) the transaction that gave seats back."""
    offered = 0
    while True:
        batch, more = _offer_batch(ticket_type_id)
        offered += batch
        if not more:
            return offered


def advance_after_release(*order_ids: int) -> int:
    """Advance the lists of the orders' types that have waiting entries (their seats were given back)."""
    if not order_ids:
        return 0
    types = TicketType.objects.filter(order_lines__order_id__in=order_ids, waiting__gt=0).values_list("id", flat=True)
    return advance_types(set(types))


def advance_types(ticket_type_ids: Iterable[int]) -> int:
    """Advance the lists of those of the types that have waiting entries, by ascending id."""
    ids = sorted(set(ticket_type_ids))
    waiting = TicketType.objects.filter(pk__in=ids, waiting__gt=0).values_list("id", flat=True) if ids else []
    return sum(advance_waiting_list(type_id) for type_id in sorted(waiting))


def advance_waiting_lists(limit: int = SWEEP_TYPES) -> int:
    """Advance every list with waiting entries and a free seat (the sweep): seats freed by a change
    whose own advance was lost (a crash between the two) still reach the list."""
    types = TicketType.objects.filter(waiting__gt=0, capacity__gt=F("sold") + F("held")).order_by("id")
    return sum(advance_waiting_list(type_id) for type_id in types.values_list("id", flat=True)[:limit])


def _offer_batch(ticket_type_id: int) -> tuple[int, bool]:
    """Offer up to OFFER_BATCH entries in one transaction; whether a next batch may have more to offer."""
    now = timezone.now()
    offered: list[tuple[WaitingListEntry, Order]] = []
    with transaction.atomic():
        # The lock: advances (and joins, leaves, clears) of one type take turns, each reading the
        # list as the one before it left it.
        ticket_type = TicketType.objects.select_for_update().filter(pk=ticket_type_id).first()
        if ticket_type is None or ticket_type.waiting == 0 or ticket_type.available <= 0:
            return 0, False
        entries = list(
            Entry.objects.filter(ticket_type_id=ticket_type_id, status=Status.WAITING).order_by("id")[:OFFER_BATCH]
        )
        stopped = False
        ended = 0  # entries no longer waiting: offered, or refused for their customer's limit
        for entry in entries:
            outcome, order = _offer(ticket_type, entry, now)
            if outcome is _NO_FIT:
                stopped = True  # strict order: nobody after it overtakes it
                break
            if order is not None:
                offered.append((entry, order))
            if outcome is not _GONE:
                ended += 1
        if ended:
            TicketType.objects.filter(pk=ticket_type_id).update(waiting=F("waiting") - ended)
    for entry, order in offered:
        OFFERS_MADE.inc()
        log.info("waiting entry %s offered order %s: %s of type %s", entry.id, order.id, entry.quantity, ticket_type_id)
    return len(offered), not stopped and len(entries) == OFFER_BATCH


def _offer(ticket_type: TicketType, entry: WaitingListEntry, now: datetime) -> tuple[str, Order | None]:
    """Offer `entry` its seats, inside the batch's transaction: (_OFFERED, the order holding them);
    (_NO_FIT, None) if they do not fit, nothing changed; (_REFUSED, None) if its customer's limit
    has no room for them (its turn passes); (_GONE, None) if it is no longer waiting."""
    try:
        with transaction.atomic():  # a savepoint: a refusal below gives the seats back
            # The seat guard, as for any hold (the list's own: its waiting entries do not refuse it).
            if not take_seats(ticket_type.id, entry.quantity, column="held", waiting_list=True):
                return _NO_FIT, None
            if ticket_type.max_per_customer:
                count_customer_seats(entry.user_id, ticket_type, entry.quantity)
            order = _offered_order(ticket_type, entry, now)
            # The guard of "offered once": only a waiting entry becomes offered (and gets an order).
            if not Entry.objects.filter(pk=entry.id, status=Status.WAITING).update(
                status=Status.OFFERED, offered_at=now, order=order
            ):
                transaction.set_rollback(True)  # the savepoint gives back the seats and the order
                return _GONE, None
            fields = _offer_fields(ticket_type, entry, order)
            outbox.enqueue(OutboxMessage, "notifications.waiting_list_offer", **fields)
            return _OFFERED, order
    except CustomerLimitReached:
        # The savepoint gave the seats back: the entry could never be offered, its turn passes.
        if not Entry.objects.filter(pk=entry.id, status=Status.WAITING).update(status=Status.REFUSED, live=None):
            return _GONE, None
        log.info("waiting entry %s refused: its customer's max_per_customer has no room", entry.id)
        return _REFUSED, None


def _offered_order(ticket_type: TicketType, entry: WaitingListEntry, now: datetime) -> Order:
    total = ticket_type.price * entry.quantity
    order = Order.objects.create(
        user_id=entry.user_id,
        email=entry.email,
        full_name=entry.full_name,
        event_id=entry.event_id,
        ticket_type=ticket_type,
        quantity=entry.quantity,
        unit_price=ticket_type.price,
        total=total,
        currency=ticket_type.currency,
        expires_at=now + timedelta(seconds=settings.WAITING_LIST_OFFER_SECONDS),
    )
    OrderLine.objects.create(
        order=order,
        ticket_type=ticket_type,
        quantity=entry.quantity,
        unit_price=ticket_type.price,
        discount=Decimal(0),
        total=total,
        attendees=[entry.full_name] * entry.quantity,
    )
    return order


def _offer_fields(ticket_type: TicketType, entry: WaitingListEntry, order: Order) -> dict:
    """The `notifications.waiting_list_offer` task's fields: what the offer holds and until when."""
    return {
        "entry_id": entry.id,
        "order_id": order.id,
        "email": entry.email,
        "full_name": entry.full_name,
        "event_id": entry.event_id,
        "ticket_type_id": ticket_type.id,
        "ticket_type_name": ticket_type.name,
        "quantity": entry.quantity,
        "total": money_text(order.total),
        "currency": order.currency,
        "expires_at": iso_text(order.expires_at),
    }


def _public_type(event_id: int, ticket_type_id: int) -> TicketType:
    # A hidden type is for those with a voucher: it has no public list, and to others it does not exist.
    ticket_type = TicketType.objects.filter(pk=ticket_type_id, event_id=event_id, hidden=False).first()
    if ticket_type is None:
        raise TicketTypeNotFound()
    return ticket_type


def _join_problems(ticket_type: TicketType, quantity: int, email: str, full_name: str) -> dict[str, list[str]]:
    problems = {}
    if not 1 <= quantity <= ticket_type.max_per_order:
        problems["quantity"] = [f"Must be between 1 and {ticket_type.max_per_order} (the type's max_per_order)."]
    elif quantity > ticket_type.capacity:
        problems["quantity"] = [f"The type has only {ticket_type.capacity} seats in all."]
    if not email or "@" not in email or len(email) > 254:
        problems["email"] = ["Enter a valid email address of at most 254 characters."]
    if len(full_name) > 150:
        problems["full_name"] = ["Ensure this field has no more than 150 characters."]
    return problems


def _refuse_over_customer_limit(user_id: int, ticket_type: TicketType, quantity: int) -> None:
    """Refuse an entry its customer's max_per_customer could never take (as the seats held and
    bought are now; the offer's own guard decides at its turn)."""
    limit = ticket_type.max_per_customer
    if not limit:
        return
    seats = CustomerSeats.objects.filter(user_id=user_id, ticket_type=ticket_type).values_list("seats", flat=True)
    taken = next(iter(seats), 0)
    if taken + quantity > limit:
        raise CustomerLimitReached(
            f"One customer may hold or buy at most {limit} tickets of this type; you already have {taken}.",
            extra={"ticket_type_id": ticket_type.id, "max_per_customer": limit, "held_and_bought": taken},
        )


def _live_entry(user_id: int, ticket_type_id: int) -> WaitingListEntry | None:
    """The customer's live entry of the type; an offered one whose order is no longer reserved
    (paid, cancelled, expired) is past: it ends here, so the customer may join again."""
    entry = (
        Entry.objects.filter(user_id=user_id, ticket_type_id=ticket_type_id, live=True).select_related("order").first()
    )
    if entry is not None and entry.status == Status.OFFERED and entry.order.status != Order.Status.RESERVED:
        Entry.objects.filter(pk=entry.id, live=True).update(live=None)
        return None
    return entry


def _view(entry: WaitingListEntry) -> EntryView:
    if entry.status != Status.WAITING:
        return EntryView(entry, 0, 0)
    ahead = Entry.objects.filter(ticket_type_id=entry.ticket_type_id, status=Status.WAITING, id__lt=entry.id)
    totals = ahead.aggregate(entries=Count("id"), seats=Sum("quantity"))
    return EntryView(entry, totals["entries"] + 1, totals["seats"] or 0)
