"""Domain errors of the notifications service: of the log (staff retrying a notification) and
of the events service's answers."""

from __future__ import annotations

from servicekit.errors import Conflict, NotFound


class NotificationNotFound(NotFound):
    """No such notification."""


class AlreadySent(Conflict, code="already_sent"):
    """The notification was already sent."""


class BeingSent(Conflict, code="being_sent"):
    """The notification is being sent right now."""


class EventNotFound(NotFound, code="event_not_found"):
    """The events service does not know the event."""
