"""The events service's view of an event, as the emails keep it."""

from __future__ import annotations

from notify_service.notifications import emails
from notify_service.notifications.services.errors import EventNotFound
from protos.events.v1 import events_pb2
from servicekit import clients
from servicekit.errors import NotFound


def fetch_event(event_id: int) -> dict:
    """The event from the events service, as notifications keep it (emails.event_snapshot)."""
    try:
        event = clients.events().GetEvent(events_pb2.GetEventRequest(id=event_id))
    except NotFound:
        raise EventNotFound(f"The events service does not know event {event_id}.") from None
    return emails.event_snapshot(event)
