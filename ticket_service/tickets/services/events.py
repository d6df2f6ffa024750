"""Events, as the events service tells them, and who may act as their organizer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from protos.events.v1 import events_pb2
from servicekit import clients
from servicekit.identity import Caller
from servicekit.timestamps import from_timestamp
from ticket_service.tickets.services.errors import NotEventOrganizer


@dataclass(frozen=True)
class EventInfo:
    id: int
    organizer_id: int
    cancelled: bool
    starts_at: datetime
    version: int


def get_event_info(event_id: int, caller: Caller | None = None) -> EventInfo:
    """The event's owner, status and start, from the events service."""
    event = clients.events().GetEvent(events_pb2.GetEventRequest(id=event_id), caller=caller)
    return EventInfo(
        id=event.id,
        organizer_id=event.organizer_id,
        cancelled=event.status == events_pb2.EVENT_STATUS_CANCELLED,
        starts_at=from_timestamp(event.starts_at),
        version=event.version,
    )


def require_organizer(caller: Caller, event: EventInfo) -> None:
    if not caller.is_staff and (caller.user_id is None or caller.user_id != event.organizer_id):
        raise NotEventOrganizer()
