"""Events, as the events service tells them, and who may act for their organizer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from protos.events.v1 import events_pb2
from servicekit import clients
from servicekit.identity import Caller
from servicekit.timestamps import from_timestamp
from ticket_service.tickets.services.errors import NotEventOrganizer

# The events service decides each caller's role on an event (its organizer, platform staff: ORGANIZER).
ORGANIZER = events_pb2.EVENT_ROLE_ORGANIZER
MANAGER = events_pb2.EVENT_ROLE_MANAGER
SCANNER = events_pb2.EVENT_ROLE_SCANNER
MAY_MANAGE = frozenset({ORGANIZER, MANAGER})
MAY_SCAN = frozenset({ORGANIZER, MANAGER, SCANNER})


@dataclass(frozen=True)
class EventInfo:
    id: int
    organizer_id: int
    cancelled: bool
    starts_at: datetime
    version: int
    # The asking caller's EventRole on the event (EVENT_ROLE_UNSPECIFIED: none, or asked for no caller).
    caller_role: int = events_pb2.EVENT_ROLE_UNSPECIFIED


def get_event_info(event_id: int, caller: Caller | None = None) -> EventInfo:
    """The event's owner, status and start, and the caller's role on it, from the events service."""
    event = clients.events().GetEvent(events_pb2.GetEventRequest(id=event_id), caller=caller)
    return EventInfo(
        id=event.id,
        organizer_id=event.organizer_id,
        cancelled=event.status == events_pb2.EVENT_STATUS_CANCELLED,
        starts_at=from_timestamp(event.starts_at),
        version=event.version,
        caller_role=event.caller_role,
    )


def require_organizer(event: EventInfo, *, roles: frozenset[int] = MAY_MANAGE) -> None:
    """NotEventOrganizer unless the caller `event` was read for acts for its organizer: the
    organizer, platform staff, or (by default) a manager of the event."""
    if event.caller_role not in roles:
        raise NotEventOrganizer()
