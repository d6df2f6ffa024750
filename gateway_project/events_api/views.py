"""Events API: validate, call the events service over gRPC, shape the JSON.
An event's ticket types and sales come from the tickets service."""

from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from gateway_project.api import clients
from gateway_project.api.pagination import next_url
from gateway_project.api.permissions import IsOrganizer
from gateway_project.events_api.serializers import (
    EventListQuerySerializer,
    EventWriteSerializer,
    TicketTypeWriteSerializer,
    event_json,
    sales_json,
    ticket_type_json,
)
from protos.events.v1 import events_pb2
from protos.tickets.v1 import tickets_pb2


def _event_page(request, organizer_id: int = 0) -> Response:
    query = EventListQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    page = clients.events().call("ListEvents", query.list_request(organizer_id), caller=clients.caller_for(request))
    return Response({"results": [event_json(e) for e in page.events], "next": next_url(request, page.next_page_token)})


class EventListView(APIView):
    """GET: published upcoming events, soonest first (public). POST: create an event (organizers)."""

    serializer_class = EventWriteSerializer

    def get_permissions(self):
        return [permissions.AllowAny()] if self.request.method == "GET" else [IsOrganizer()]

    def get(self, request):
        return _event_page(request)

    def post(self, request):
        serializer = EventWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = clients.events().call(
            "CreateEvent",
            events_pb2.CreateEventRequest(**serializer.proto_fields()),
            caller=clients.caller_for(request),
        )
        return Response(event_json(event), status=status.HTTP_201_CREATED)


class MyEventListView(APIView):
    """The calling organizer's own events, any status."""

    permission_classes = [IsOrganizer]

    def get(self, request):
        return _event_page(request, organizer_id=request.user.id)


class EventDetailView(APIView):
    """GET: one event (public). PATCH: change it, DELETE: cancel it (its organizer)."""

    serializer_class = EventWriteSerializer

    def get_permissions(self):
        return [permissions.AllowAny()] if self.request.method == "GET" else [IsOrganizer()]

    def get(self, request, event_id: int):
        caller = clients.caller_for(request)
        event = clients.events().call("GetEvent", events_pb2.GetEventRequest(id=event_id), caller=caller)
        types = _ticket_types(event.id, caller)
        return Response({**event_json(event), "ticket_types": [ticket_type_json(t) for t in types]})

    def patch(self, request, event_id: int):
        serializer = EventWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        event = clients.events().call(
            "UpdateEvent",
            events_pb2.UpdateEventRequest(id=event_id, **serializer.proto_fields()),
            caller=clients.caller_for(request),
        )
        return Response(event_json(event))

    def delete(self, request, event_id: int):
        clients.events().call(
            "CancelEvent", events_pb2.CancelEventRequest(id=event_id), caller=clients.caller_for(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


def _ticket_types(event_id: int, caller) -> list:
    response = clients.tickets().call(
        "ListTicketTypes", tickets_pb2.ListTicketTypesRequest(event_id=event_id), caller=caller
    )
    return list(response.ticket_types)


class TicketTypeListView(APIView):
    """GET: the event's ticket types with live availability (public).
    POST: add a ticket type (the event's organizer; the tickets service checks ownership)."""

    serializer_class = TicketTypeWriteSerializer

    def get_permissions(self):
        return [permissions.AllowAny()] if self.request.method == "GET" else [IsOrganizer()]

    def get(self, request, event_id: int):
        caller = clients.caller_for(request)
        # An unknown event is a 404, not an empty list.
        clients.events().call("GetEvent", events_pb2.GetEventRequest(id=event_id), caller=caller)
        return Response({"results": [ticket_type_json(t) for t in _ticket_types(event_id, caller)]})

    def post(self, request, event_id: int):
        serializer = TicketTypeWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket_type = clients.tickets().call(
            "CreateTicketType", serializer.create_request(event_id), caller=clients.caller_for(request)
        )
        return Response(ticket_type_json(ticket_type), status=status.HTTP_201_CREATED)


class EventSalesView(APIView):
    """Sold, held, available and revenue per ticket type, and tickets checked in (the event's organizer)."""

    permission_classes = [IsOrganizer]

    def get(self, request, event_id: int):
        report = clients.tickets().call(
            "GetSales", tickets_pb2.GetSalesRequest(event_id=event_id), caller=clients.caller_for(request)
        )
        return Response(sales_json(report))
