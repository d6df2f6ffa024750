"""Ticket types: their creation and validation, reading and listing, and sales report."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import pycountry
from django.db.models import Count, Sum
from django.utils import timezone

from servicekit.errors import InvalidInput
from servicekit.identity import Caller
from servicekit.money import CENT, parse_amount
from ticket_service.tickets.models import Order, OrderLine, Ticket, TicketType, WaitingListEntry
from ticket_service.tickets.services.errors import EventCancelled, TicketTypeNotFound
from ticket_service.tickets.services.events import MAY_MANAGE, get_event_info, require_organizer
from ticket_service.tickets.services.vouchers import find_voucher, unlocks

DEFAULT_MAX_PER_ORDER = 10
MAX_PER_CUSTOMER = 1000
_CURRENCY = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class WaitingSummary:
    """How many wait on a type's list, and for how many seats."""

    entries: int
    seats: int


@dataclass(frozen=True)
class TypeSales:
    ticket_type: TicketType
    revenue: Decimal
    discounts: Decimal
    waiting: WaitingSummary


@dataclass(frozen=True)
class SalesReport:
    event_id: int
    types: list[TypeSales]
    checked_in: int


def create_ticket_type(
    *,
    caller: Caller,
    event_id: int,
    name: str,
    price: str,
    currency: str = "",
    capacity: int,
    max_per_order: int = 0,
    max_per_customer: int = 0,
    sales_start: datetime | None = None,
    sales_end: datetime | None = None,
    hidden: bool = False,
) -> TicketType:
    """Add a ticket type to an event its organizer owns; `max_per_customer` 0 means no limit. It is
    on sale from `sales_start` (default now) until `sales_end` (default: the event's start, moving
    with it). A `hidden` type is listed to its organizer only and sold only with a voucher that
    unlocks it."""
    event = get_event_info(event_id, caller)
    require_organizer(event)
    if event.cancelled:
        raise EventCancelled()
    currency = (currency or "USD").upper()
    problems: dict[str, list[str]] = {}
    fields = validated_fields(
        {"name": name, "price": price, "capacity": capacity, "max_per_order": max_per_order or DEFAULT_MAX_PER_ORDER},
        problems,
    )
    if not is_iso_4217(currency):
        problems["currency"] = ["Enter a 3-letter ISO 4217 currency code."]
    if not 0 <= max_per_customer <= MAX_PER_CUSTOMER:
        problems["max_per_customer"] = [f"Must be between 1 and {MAX_PER_CUSTOMER}, or 0 for no limit."]
    sales_start = sales_start or timezone.now()
    problems.update(window_problems(sales_start, sales_end, event.starts_at))
    if problems:
        raise InvalidInput(field_errors=problems)
    return TicketType.objects.create(
        sales_start=sales_start,
        sales_end=sales_end,
        event_starts_at=event.starts_at,
        event_version=event.version,
        hidden=hidden,
        event_id=event_id,
        currency=currency,
        max_per_customer=max_per_customer or None,
        **fields,
    )


def validated_fields(values: dict[str, object], problems: dict[str, list[str]]) -> dict[str, object]:
    """Those of name, price, capacity and max_per_order in `values` as they are stored (the name
    stripped, the price a Decimal), what is wrong with each added to `problems`: the rules that
    creating and changing a ticket type share."""
    fields = dict(values)
    if "name" in values:
        name = fields["name"] = str(values["name"]).strip()
        if not name:
            problems["name"] = ["This field may not be blank."]
        elif len(name) > 100:
            problems["name"] = ["Ensure this field has no more than 100 characters."]
    if "price" in values:
        amount = fields["price"] = parse_amount(str(values["price"]))
        if amount is None or amount < 0:
            problems["price"] = ["Enter a price from 0 to 99999999.99 with at most 2 decimals."]
    if "capacity" in values and not 1 <= values["capacity"] <= 1_000_000:
        problems["capacity"] = ["Capacity must be between 1 and 1000000."]
    if "max_per_order" in values and not 1 <= values["max_per_order"] <= 100:
        problems["max_per_order"] = ["Must be between 1 and 100."]
    return fields


def window_problems(
    sales_start: datetime, sales_end: datetime | None, event_starts_at: datetime, *, blame: str = "sales_start"
) -> dict[str, list[str]]:
    """What is wrong with a sale window from `sales_start` to `sales_end` (None: the event's start):
    an end before the start, or an event starting before sales do (named `blame`)."""
    if sales_end is not None and sales_end <= sales_start:
        return {"sales_end": ["Sales must end after they start."]}
    if sales_end is None and sales_start >= event_starts_at:
        return {blame: ["Sales must start before the event does (or give a sales_end after it)."]}
    return {}


def is_iso_4217(code: str) -> bool:
    """True if `code` is a currency of ISO 4217's list (as pycountry ships it), in upper case."""
    return bool(_CURRENCY.fullmatch(code)) and pycountry.currencies.get(alpha_3=code) is not None


def learn_event_start(ticket_type: TicketType, caller: Caller | None = None) -> TicketType:
    """`ticket_type` (created before sale windows) with its event's start, asked of the events
    service once and kept; the start's later moves arrive through update_event_start."""
    event = get_event_info(ticket_type.event_id, caller)
    TicketType.objects.filter(event_id=event.id, event_starts_at__isnull=True).update(
        event_starts_at=event.starts_at, event_version=event.version
    )
    return TicketType.objects.get(pk=ticket_type.pk)


def update_event_start(*, caller: Caller, event_id: int, starts_at: datetime | None, version: int) -> int:
    """The event starts at `starts_at` as of its `version`: its types' sales without a sales_end of
    their own now end then. An update older than the one applied changes nothing (they may arrive
    out of order); the same version again is applied (its first sending may have been rolled back
    with the event's change). Returns how many types took it."""
    if starts_at is None:
        raise InvalidInput(field_errors={"starts_at": ["This field is required."]})
    require_organizer(get_event_info(event_id, caller))
    return TicketType.objects.filter(event_id=event_id, event_version__lte=version).update(
        event_starts_at=starts_at, event_version=version
    )


def list_ticket_types(*, caller: Caller, event_id: int, voucher_code: str = "") -> list[TicketType]:
    """The event's ticket types; the hidden ones only for its organizer (or staff), or those a
    `voucher_code` of the event unlocks (InvalidVoucher if it has no such code)."""
    voucher = find_voucher(event_id=event_id, code=voucher_code) if voucher_code.strip() else None
    types = _event_types(event_id)
    if any(t.hidden for t in types) and not _is_organizer(caller, event_id):
        types = [t for t in types if not t.hidden or unlocks(voucher, t)]
    return types


def get_ticket_type(*, caller: Caller, event_id: int, ticket_type_id: int) -> TicketType:
    """One ticket type of the event; a hidden one only for its organizer (or staff): to anyone else
    it does not exist, as an unknown type or one of another event (TicketTypeNotFound)."""
    ticket_type = TicketType.objects.filter(pk=ticket_type_id, event_id=event_id).first()
    if ticket_type is None or (ticket_type.hidden and not _is_organizer(caller, event_id)):
        raise TicketTypeNotFound()
    return ticket_type


def waiting_summaries(ticket_type_ids: list[int]) -> dict[int, WaitingSummary]:
    """Per type of `ticket_type_ids`: its waiting-list entries still waiting and the seats they wait for."""
    rows = (
        WaitingListEntry.objects.filter(ticket_type_id__in=ticket_type_ids, status=WaitingListEntry.Status.WAITING)
        .values_list("ticket_type_id")
        .annotate(entries=Count("id"), seats=Sum("quantity"))
        .order_by()
    )
    summaries = {type_id: WaitingSummary(entries, seats or 0) for type_id, entries, seats in rows}
    return {type_id: summaries.get(type_id, WaitingSummary(0, 0)) for type_id in ticket_type_ids}


def _event_types(event_id: int) -> list[TicketType]:
    return list(TicketType.objects.filter(event_id=event_id).order_by("id"))


def _is_organizer(caller: Caller, event_id: int) -> bool:
    # Anonymous callers act for no one: spared the events service's answer.
    if caller.user_id is None:
        return False
    return get_event_info(event_id, caller).caller_role in MAY_MANAGE


def sales_report(*, caller: Caller, event_id: int) -> SalesReport:
    """Per ticket type: capacity, sold, held, available, revenue and voucher discounts (its lines of
    paid orders), its waiting list (entries waiting, their seats); and tickets checked in."""
    require_organizer(get_event_info(event_id, caller))
    paid = {
        type_id: (total, discount)
        for type_id, total, discount in OrderLine.objects.filter(
            order__event_id=event_id, order__status=Order.Status.PAID
        )
        .values_list("ticket_type_id")
        .annotate(total=Sum("total"), discount=Sum("discount"))
        .order_by()
    }
    event_types = _event_types(event_id)
    waiting = waiting_summaries([t.id for t in event_types])
    # Aggregates come back unrounded on some databases: money always has 2 decimals.
    types = [
        TypeSales(t, *(Decimal(amount).quantize(CENT) for amount in paid.get(t.id, (0, 0))), waiting=waiting[t.id])
        for t in event_types
    ]
    checked_in = Ticket.objects.filter(event_id=event_id, status=Ticket.Status.CHECKED_IN).count()
    return SalesReport(event_id, types, checked_in)
