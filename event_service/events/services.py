"""Business logic of events: creating, reading, listing, changing and cancelling."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import available_timezones

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from event_service.events.models import Event, OutboxMessage
from protos.tickets.v1 import tickets_pb2
from servicekit import clients, outbox
from servicekit.errors import Conflict, Forbidden, InvalidInput, NotFound
from servicekit.identity import Caller

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
EDITABLE_FIELDS = ("name", "description", "venue", "timezone", "starts_at", "ends_at")
# Changes that ticket holders are told about: name, time and place.
NOTIFIED_FIELDS = {"name", "venue", "timezone", "starts_at", "ends_at"}


class EventNotFound(NotFound):
    """No such event."""

    code = "not_found"


class InvalidEvent(InvalidInput):
    """The event data is invalid."""


class NotAnOrganizer(Forbidden):
    """Only organizers can create events."""


class NotEventOwner(Forbidden):
    """Only the event's organizer can change it."""


class EventCancelled(Conflict):
    """The event is cancelled and can no longer be changed."""

    code = "event_cancelled"


@dataclass(frozen=True)
class EventPage:
    events: list[Event]
    next_page_token: str


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


def get_event(event_id: int) -> Event:
    try:
        return Event.objects.get(pk=event_id)
    except Event.DoesNotExist:
        raise EventNotFound() from None


class StaffOnly(Forbidden):
    """Only staff can list every event."""


def list_events(
    *,
    query: str = "",
    starts_after: datetime | None = None,
    starts_before: datetime | None = None,
    organizer_id: int | None = None,
    page_size: int = 0,
    page_token: str = "",
    all_statuses: bool = False,
    status: str = "",
    caller: Caller | None = None,
) -> EventPage:
    """One page of events ordered by (starts_at, id).

    Without `organizer_id`: published events that have not started. With it: that
    organizer's events of any status. With `all_statuses` (staff only): every event, of
    any status and date, for the back office. `status` narrows any of them to one status.
    Keyset pagination, so every page costs the same.
    """
    page_size = page_size or DEFAULT_PAGE_SIZE
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidInput(field_errors={"page_size": [f"Must be between 1 and {MAX_PAGE_SIZE}."]})
    if status and status not in Event.Status.values:
        choices = ", ".join(Event.Status.values)
        raise InvalidInput(field_errors={"status": [f'"{status}" is not one of: {choices}.']})
    if all_statuses and not (caller and caller.is_staff):
        raise StaffOnly()
    events = Event.objects.order_by("starts_at", "id")
    if organizer_id:
        events = events.filter(organizer_id=organizer_id)
    elif not all_statuses:
        events = events.filter(status=Event.Status.PUBLISHED, starts_at__gt=timezone.now())
    if status:
        events = events.filter(status=status)
    if query:
        events = events.filter(Q(name__icontains=query) | Q(description__icontains=query))
    if starts_after:
        events = events.filter(starts_at__gte=starts_after)
    if starts_before:
        events = events.filter(starts_at__lt=starts_before)
    if page_token:
        last_start, last_id = _decode_cursor(page_token)
        events = events.filter(Q(starts_at__gt=last_start) | Q(starts_at=last_start, id__gt=last_id))
    # Ids first, then their rows: the listing's index ((status or organizer), starts_at, id) covers the ids,
    # so MySQL/MariaDB seeks to the cursor and reads a page of the index. Asked for whole rows at once it
    # reads the index from its start and filters it instead, which costs more the deeper the page.
    ids = list(events.values_list("id", flat=True)[: page_size + 1])
    rows = Event.objects.in_bulk(ids)
    page = [rows[event_id] for event_id in ids if event_id in rows]
    if len(page) <= page_size:
        return EventPage(page, "")
    page = page[:page_size]
    return EventPage(page, _encode_cursor(page[-1]))


def update_event(*, caller: Caller, event_id: int, changes: dict) -> Event:
    """Apply `changes` (a subset of EDITABLE_FIELDS) to a published event its owner controls."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidEvent(field_errors={name: ["This field cannot be changed."] for name in sorted(unknown)})
    with transaction.atomic():
        event = _owned_event(caller, event_id, for_update=True)
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
        event.save()
        if changed.keys() & NOTIFIED_FIELDS:
            notified = {field: values for field, values in changed.items() if field in NOTIFIED_FIELDS}
            outbox.enqueue(
                OutboxMessage, "notifications.event_updated", event_id=event.id, version=event.version, changes=notified
            )
    return event


def _text(value) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def cancel_event(*, caller: Caller, event_id: int) -> Event:
    """Cancel the event: first the tickets service stops its sales, voids its
    tickets and queues refunds, then the event is marked cancelled. If the tickets
    service cannot be reached nothing is marked, and a retry finishes the job.
    Cancelling a cancelled event changes nothing."""
    event = _owned_event(caller, event_id)
    if event.status == Event.Status.CANCELLED:
        return event
    clients.tickets().call("CancelEventSales", tickets_pb2.CancelEventSalesRequest(event_id=event_id), caller=caller)
    with transaction.atomic():
        event = _owned_event(caller, event_id, for_update=True)
        if event.status != Event.Status.CANCELLED:
            event.status = Event.Status.CANCELLED
            event.version += 1
            event.save(update_fields=["status", "version", "updated_at"])
            outbox.enqueue(OutboxMessage, "notifications.event_cancelled", event_id=event.id)
    return event


def relay_outbox() -> int:
    """Publish the tasks committed event changes promised (PERIODIC_TASKS)."""
    return outbox.relay(OutboxMessage)


def _owned_event(caller: Caller, event_id: int, *, for_update: bool = False) -> Event:
    events = Event.objects.select_for_update() if for_update else Event.objects
    try:
        event = events.get(pk=event_id)
    except Event.DoesNotExist:
        raise EventNotFound() from None
    if not caller.is_staff and (caller.user_id is None or caller.user_id != event.organizer_id):
        raise NotEventOwner()
    return event


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


def _encode_cursor(event: Event) -> str:
    raw = json.dumps([event.starts_at.isoformat(), event.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(token: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        start, event_id = json.loads(raw)
        last_start = datetime.fromisoformat(start)
        if last_start.tzinfo is None or not isinstance(event_id, int):
            raise ValueError(token)
        return last_start, event_id
    # RecursionError: JSON nested deeper than the parser goes (a forged cursor, never one of ours).
    except (ValueError, TypeError, RecursionError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("The cursor is not valid.", field_errors={"cursor": ["Invalid cursor."]}) from None
