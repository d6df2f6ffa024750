"""Domain errors of the events service, raised by its reads (selectors) and writes (services)."""

from __future__ import annotations

from servicekit.errors import Conflict, Forbidden, InvalidInput, NotFound


class EventNotFound(NotFound):
    """No such event."""


class InvalidEvent(InvalidInput):
    """The event data is invalid."""


class NotAnOrganizer(Forbidden):
    """Only organizers can create events."""


class NotEventOwner(Forbidden):
    """Only the event's organizer can change it."""


class EventCancelled(Conflict, code="event_cancelled"):
    """The event is cancelled and can no longer be changed."""


class StaffOnly(Forbidden):
    """Only staff can list every event."""


class StaffMemberNotFound(NotFound):
    """No such member of the event's staff."""


class InvalidStaffMember(InvalidInput):
    """The invitation is invalid."""
