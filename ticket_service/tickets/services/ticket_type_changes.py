"""Changing and deleting a ticket type, for its event's organizer.

The inventory's rules hold against racing sales because the database row decides: a capacity
is set only if sold + held fit under it, in the UPDATE itself (holds and sales take seats only if
they fit under the capacity, in theirs: whichever comes second sees the first), and a type is
deleted only if nothing of it was ever sold or held, in the DELETE itself. After holds, whose
lapsed holds a refused capacity gives back before it is refused.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.db.models.lookups import LessThanOrEqual

from servicekit.errors import InvalidInput
from servicekit.identity import Caller
from ticket_service.tickets.models import OrderLine, TicketType
from ticket_service.tickets.services.errors import (
    CapacityBelowSold,
    EventCancelled,
    TicketTypeInUse,
    TicketTypeNotFound,
)
from ticket_service.tickets.services.events import EventInfo, get_event_info, require_organizer
from ticket_service.tickets.services.holds import release_expired_holds
from ticket_service.tickets.services.ticket_types import validated_fields, window_problems
from ticket_service.tickets.services.waiting_list import advance_waiting_list

# What a change may set; a type's currency and max_per_customer are fixed once created (orders
# and customers' seat counts were made by them).
EDITABLE_FIELDS = ("name", "price", "capacity", "max_per_order", "sales_start", "sales_end", "hidden")


def update_ticket_type(*, caller: Caller, event_id: int, ticket_type_id: int, changes: dict[str, object]) -> TicketType:
    """Apply `changes` (a subset of EDITABLE_FIELDS) to a ticket type of an event the caller
    organizes, by the rules of creation; `sales_end` None: sales end when the event starts again. A
    new price applies to new orders (order lines keep their unit_price). The capacity never goes
    below sold + held (CapacityBelowSold, with both), as the row decides at the change."""
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise InvalidInput(field_errors={name: ["This field cannot be changed."] for name in unknown})
    event = _changeable_event(caller, event_id)
    ticket_type = _ticket_type(event_id, ticket_type_id)
    problems: dict[str, list[str]] = {}
    values = validated_fields(changes, problems)
    problems.update(_window_problems(ticket_type, values, event))
    if problems:
        raise InvalidInput(field_errors=problems)
    if values and not _applied(ticket_type_id, values):
        raise _capacity_below_sold(_ticket_type(event_id, ticket_type_id), values["capacity"])
    if values.keys() & {"capacity", "sales_start", "sales_end"}:
        advance_waiting_list(ticket_type_id)  # seats added (or sales reopened) go to the waiting list first
    return _ticket_type(event_id, ticket_type_id)


def _window_problems(ticket_type: TicketType, values: dict[str, object], event: EventInfo) -> dict[str, list[str]]:
    """What is wrong with the sale window `values` make of the type's (nothing if they leave it alone)."""
    if "sales_start" not in values and "sales_end" not in values:
        return {}
    sales_start = values.get("sales_start", ticket_type.sales_start)
    if not isinstance(sales_start, datetime):
        return {"sales_start": ["This field may not be null."]}
    sales_end = values.get("sales_end", ticket_type.sales_end)
    # A start moved past the event's is the start's fault; a window reset to end with the event, the end's.
    blame = "sales_end" if "sales_end" in values and "sales_start" not in values else "sales_start"
    return window_problems(sales_start, sales_end, event.starts_at, blame=blame)


def _applied(ticket_type_id: int, values: dict[str, object]) -> bool:
    """Write `values` to the type; False if the capacity guard refused (or the type is gone), even
    once the seats of its lapsed holds were given back: they never count against a new capacity."""
    if _write(ticket_type_id, values):
        return True
    return bool(release_expired_holds(ticket_type_ids=[ticket_type_id])) and _write(ticket_type_id, values)


def _write(ticket_type_id: int, values: dict[str, object]) -> bool:
    rows = TicketType.objects.filter(pk=ticket_type_id)
    if "capacity" in values:
        # The guard: sold + held as the row has them when it is written, a hold taken meanwhile included.
        rows = rows.filter(LessThanOrEqual(F("sold") + F("held"), values["capacity"]))
    return bool(rows.update(**values))


def _capacity_below_sold(ticket_type: TicketType, capacity: object) -> CapacityBelowSold:
    taken = ticket_type.sold + ticket_type.held
    return CapacityBelowSold(
        f"The capacity cannot go below the {taken} seats sold and held (asked: {capacity}).",
        extra={"sold": ticket_type.sold, "held": ticket_type.held},
    )


def delete_ticket_type(*, caller: Caller, event_id: int, ticket_type_id: int) -> None:
    """Delete a ticket type of an event the caller organizes, if no seat of it was ever sold or held
    (no order has a line of it): else TicketTypeInUse. Closing its sales early is changing sales_end."""
    _changeable_event(caller, event_id)
    _ticket_type(event_id, ticket_type_id)
    unused = TicketType.objects.filter(pk=ticket_type_id, event_id=event_id, sold=0, held=0).exclude(
        Exists(OrderLine.objects.filter(ticket_type_id=OuterRef("pk")))
    )
    try:
        with transaction.atomic():
            # One conditional DELETE, the database deciding: QuerySet.delete() would read the rows
            # (and their references) first and then delete by id, whatever was sold meanwhile.
            deleted = unused._raw_delete(unused.db)
    except IntegrityError:
        deleted = 0  # a row committed meanwhile references it (the foreign keys are PROTECT)
    if not deleted:
        _ticket_type(event_id, ticket_type_id)  # gone meanwhile: not found
        raise TicketTypeInUse()


def _changeable_event(caller: Caller, event_id: int) -> EventInfo:
    event = get_event_info(event_id, caller)
    require_organizer(event)
    if event.cancelled:
        raise EventCancelled()
    return event


def _ticket_type(event_id: int, ticket_type_id: int) -> TicketType:
    ticket_type = TicketType.objects.filter(pk=ticket_type_id, event_id=event_id).first()
    if ticket_type is None:
        raise TicketTypeNotFound()
    return ticket_type
