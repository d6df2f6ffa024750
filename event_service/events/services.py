"""Writes of events: creating, changing and cancelling them, with the notifications they owe
ticket holders queued in the outbox in the same transaction (reads are in selectors.py)."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import cache
from zoneinfo import available_timezones

from django.db import transaction
from django.utils import timezone

from event_service.events import staff
from event_service.events.errors import EventCancelled, InvalidEvent, NotAnOrganizer
from event_service.events.models import Event, OutboxMessage
from protos.tickets.v1 import tickets_pb2
from servicekit import clients, outbox
from servicekit.errors import DomainError
from servicekit.identity import Caller
from servicekit.timestamps import to_timestamp

log = logging.getLogger("microtix.events")

EDITABLE_FIELDS = ("name", "description", "venue", "timezone", "starts_at", "ends_at")
# Changes that ticket holders are told about: name, time and place.
NOTIFIED_FIELDS = {"name", "venue", "timezone", "starts_at", "ends_at"}
# A manager changes the event; cancelling it stays its organizer's.
MAY_CHANGE = frozenset({staff.ORGANIZER, staff.MANAGER})
MAY_CANCEL = frozenset({staff.ORGANIZER})


def create_event(
    *,
    caller: Caller,
    name: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    description: str = "",
    venue: str = "",
    timezone_name: str = "",
) -> Event:
    """Publish a new event owned by the calling organizer."""
    if not (caller.is_organizer or caller.is_staff) or caller.user_id is None:
        raise NotAnOrganizer()
    event = Event(
        organizer_id=caller.user_id,
        name=name.strip(),
        description=description,
        venue=venue.strip(),
        timezone=timezone_name or "UTC",
        starts_at=starts_at,
        ends_at=ends_at,
    )
    _validate(event, start_must_be_future=True)
    event.save()
    return event


def update_event(*, caller: Caller, event_id: int, changes: dict) -> Event:
    """Apply `changes` (a subset of EDITABLE_FIELDS) to a published event, for its organizer, a manager
    of it, or staff. A new start is first told to the tickets service (UpdateEventStart), whose sales
    end by it."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidEvent(field_errors={name: ["This field cannot be changed."] for name in sorted(unknown)})
    with transaction.atomic():
        event = staff.event_for(caller, event_id, roles=MAY_CHANGE, for_update=True)
        if event.status == Event.Status.CANCELLED:
            raise EventCancelled()
        before = {field: getattr(event, field) for field in changes}
        for field, value in changes.items():
            setattr(event, field, value.strip() if field in ("name", "venue") else value)
        _validate(event, start_must_be_future="starts_at" in changes)
        changed = {field: [_text(before[field]), _text(getattr(event, field))] for field in changes}
        changed = {field: values for field, values in changed.items() if values[0] != values[1]}
        if changed:
            event.version += 1
        new_start = tickets_pb2.UpdateEventStartRequest(
            event_id=event.id, starts_at=to_timestamp(event.starts_at), version=event.version
        )
        if "starts_at" in changed:
            # Before the change is saved, as cancelling does: if the tickets service cannot be told,
            # nothing changes, and sales never outlast a start they were not told of.
            clients.tickets().UpdateEventStart(new_start, caller=caller)
        event.save()
        if changed.keys() & NOTIFIED_FIELDS:
            notified = {field: values for field, values in changed.items() if field in NOTIFIED_FIELDS}
            outbox.enqueue(
                OutboxMessage, "notifications.event_updated", event_id=event.id, version=event.version, changes=notified
            )
    if "starts_at" in changed:
        # Told again once committed: a ticket type created meanwhile read the event as it was.
        try:
            clients.tickets().UpdateEventStart(new_start, caller=caller)
        except DomainError as exc:
            log.warning("event %s: its new start was told once, not twice: %s", event.id, exc)
    return event


def _text(value) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def cancel_event(*, caller: Caller, event_id: int) -> Event:
    """Cancel the event: first the tickets service stops its sales, voids its
    tickets and queues refunds, then the event is marked cancelled. If the tickets
    service cannot be reached nothing is marked, and a retry finishes the job.
    Cancelling a cancelled event changes nothing."""
    event = staff.event_for(caller, event_id, roles=MAY_CANCEL)
    if event.status == Event.Status.CANCELLED:
        return event
    clients.tickets().CancelEventSales(tickets_pb2.CancelEventSalesRequest(event_id=event_id), caller=caller)
    with transaction.atomic():
        event = staff.event_for(caller, event_id, roles=MAY_CANCEL, for_update=True)
        if event.status != Event.Status.CANCELLED:
            event.status = Event.Status.CANCELLED
            event.version += 1
            event.save(update_fields=["status", "version", "updated_at"])
            outbox.enqueue(OutboxMessage, "notifications.event_cancelled", event_id=event.id)
    return event


def relay_outbox() -> int:
    """Publish the tasks committed event changes promised (PERIODIC_TASKS)."""
    return outbox.relay(OutboxMessage)


def _validate(event: Event, *, start_must_be_future: bool) -> None:
    problems: dict[str, list[str]] = {}
    if not event.name:
        problems["name"] = ["This field may not be blank."]
    elif len(event.name) > 200:
        problems["name"] = ["Ensure this field has no more than 200 characters."]
    if len(event.venue) > 300:
        problems["venue"] = ["Ensure this field has no more than 300 characters."]
    if event.timezone not in _timezone_names():
        problems["timezone"] = [f'"{event.timezone}" is not a known IANA time zone.']
    if event.starts_at is None:
        problems["starts_at"] = ["This field is required."]
    elif start_must_be_future and event.starts_at <= timezone.now():
        problems["starts_at"] = ["The event cannot start in the past."]
    if event.ends_at is None:
        problems["ends_at"] = ["This field is required."]
    elif event.starts_at is not None and event.ends_at <= event.starts_at:
        problems["ends_at"] = ["The event must end after it starts."]
    if problems:
        raise InvalidEvent(field_errors=problems)


@cache
def _timezone_names() -> set[str]:
    return available_timezones() | {"UTC"}
