"""gRPC glue of microtix.events.v1.EventService: proto in, service call, proto out.
Domain errors raised by the services become status codes in servicekit's interceptor."""

from __future__ import annotations

from django_grpc_framework.services import Service

from event_service.events import selectors, services, staff
from event_service.events.models import Event, EventStaff
from protos.events.v1 import events_pb2, events_pb2_grpc
from servicekit.identity import Caller
from servicekit.messages import message_from
from servicekit.pagination import page_message
from servicekit.timestamps import optional_datetime


def event_to_proto(event: Event, caller: Caller | None = None) -> events_pb2.Event:
    """The event; with `caller`, and their role on it."""
    message = message_from(events_pb2.Event, event)
    if caller is not None:
        message.caller_role = staff.caller_role(caller, event)
    return message


def member_to_proto(member: EventStaff) -> events_pb2.EventStaffMember:
    return message_from(events_pb2.EventStaffMember, member, role=staff.ROLE_OF_STAFF[member.role])


class EventServicer(Service):
    def CreateEvent(self, request, context):
        """Create a published event owned by the calling organizer."""
        event = services.create_event(
            caller=Caller.from_context(context),
            name=request.name,
            description=request.description,
            venue=request.venue,
            timezone_name=request.timezone,
            starts_at=optional_datetime(request, "starts_at"),
            ends_at=optional_datetime(request, "ends_at"),
        )
        return event_to_proto(event)

    def GetEvent(self, request, context):
        """One event by id, any status, with the caller's role on it."""
        return event_to_proto(selectors.get_event(request.id), Caller.from_context(context))

    def ListEvents(self, request, context):
        """A keyset-paginated page of events (every event for staff with all_statuses)."""
        page = selectors.list_events(
            query=request.query,
            starts_after=optional_datetime(request, "starts_after"),
            starts_before=optional_datetime(request, "starts_before"),
            organizer_id=request.organizer_id or None,
            page_size=request.page_size,
            page_token=request.page_token,
            all_statuses=request.all_statuses,
            status=request.status,
            staffed=request.staffed,
            caller=Caller.from_context(context),
            with_total_count=request.with_total_count,
        )
        return page_message(events_pb2.ListEventsResponse, page, event_to_proto)

    def UpdateEvent(self, request, context):
        """Change the fields present in the request."""
        changes = {f: getattr(request, f) for f in ("name", "description", "venue", "timezone") if request.HasField(f)}
        changes |= {f: optional_datetime(request, f) for f in ("starts_at", "ends_at") if request.HasField(f)}
        caller = Caller.from_context(context)
        return event_to_proto(services.update_event(caller=caller, event_id=request.id, changes=changes), caller)

    def CancelEvent(self, request, context):
        """Cancel the event (idempotent)."""
        caller = Caller.from_context(context)
        return event_to_proto(services.cancel_event(caller=caller, event_id=request.id), caller)

    def InviteEventStaff(self, request, context):
        """Give an email address a role on the event (its organizer only)."""
        member = staff.invite_staff(
            caller=Caller.from_context(context), event_id=request.event_id, email=request.email, role=request.role
        )
        return member_to_proto(member)

    def ListEventStaff(self, request, context):
        """The event's staff (its organizer only)."""
        members = staff.list_staff(caller=Caller.from_context(context), event_id=request.event_id)
        return events_pb2.ListEventStaffResponse(members=[member_to_proto(member) for member in members])

    def RemoveEventStaff(self, request, context):
        """Take a member's role away (its organizer only)."""
        staff.remove_staff(caller=Caller.from_context(context), event_id=request.event_id, member_id=request.id)
        return events_pb2.RemoveEventStaffResponse()


def grpc_handlers(server) -> None:
    events_pb2_grpc.add_EventServiceServicer_to_server(EventServicer.as_servicer(), server)
