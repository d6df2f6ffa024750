"""gRPC glue of microtix.events.v1.EventService: proto in, service call, proto out.
Domain errors raised by the services become status codes in servicekit's interceptor."""

from __future__ import annotations

from django_grpc_framework.services import Service

from event_service.events import selectors, services
from event_service.events.models import Event
from protos.events.v1 import events_pb2, events_pb2_grpc
from servicekit.identity import Caller
from servicekit.messages import message_from
from servicekit.pagination import page_message
from servicekit.timestamps import optional_datetime


def event_to_proto(event: Event) -> events_pb2.Event:
    return message_from(events_pb2.Event, event)


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
        """One event by id, any status."""
        return event_to_proto(selectors.get_event(request.id))

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
            caller=Caller.from_context(context),
        )
        return page_message(events_pb2.ListEventsResponse, page, event_to_proto)

    def UpdateEvent(self, request, context):
        """Change the fields present in the request."""
        changes = {f: getattr(request, f) for f in ("name", "description", "venue", "timezone") if request.HasField(f)}
        changes |= {f: optional_datetime(request, f) for f in ("starts_at", "ends_at") if request.HasField(f)}
        event = services.update_event(caller=Caller.from_context(context), event_id=request.id, changes=changes)
        return event_to_proto(event)

    def CancelEvent(self, request, context):
        """Cancel the event (idempotent)."""
        return event_to_proto(services.cancel_event(caller=Caller.from_context(context), event_id=request.id))


def grpc_handlers(server) -> None:
    events_pb2_grpc.add_EventServiceServicer_to_server(EventServicer.as_servicer(), server)
