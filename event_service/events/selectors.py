"""Reads of events: one event by id, and the keyset-paginated listings (the public catalogue,
an organizer's events, every event for staff)."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from event_service.events.errors import EventNotFound, StaffOnly
from event_service.events.models import Event
from servicekit.errors import InvalidInput
from servicekit.identity import Caller
from servicekit.pagination import Page

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def get_event(event_id: int) -> Event:
    """The event, of any status; EventNotFound if there is none."""
    try:
        return Event.objects.get(pk=event_id)
    except Event.DoesNotExist:
        raise EventNotFound() from None


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
    staffed: bool = False,
    caller: Caller | None = None,
    with_total_count: bool = False,
) -> Page:
    """One page of events ordered by (starts_at, id).

    Without `organizer_id`: published events that have not started. With it: that
    organizer's events of any status. With `all_statuses` (staff only): every event, of
    any status and date, for the back office. With `staffed`: the events the caller is door staff
    of, any status. `status` narrows any of them to one status. `with_total_count`: the number of
    every event of these filters too (one COUNT query).
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
    if staffed:
        signed_in = caller is not None and caller.user_id is not None and caller.email
        events = events.filter(staff__email=caller.email) if signed_in else events.none()
    elif organizer_id:
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
    total = events.count() if with_total_count else None
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
        return Page(page, "", total)
    page = page[:page_size]
    return Page(page, _encode_cursor(page[-1]), total)


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
