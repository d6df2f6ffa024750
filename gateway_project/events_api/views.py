"""Events API: validate, call the events service over gRPC, shape the JSON."""

from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from gateway_project.api import clients
from gateway_project.api.permissions import IsOrganizer
from gateway_project.events_api.serializers import EventListQuerySerializer, EventWriteSerializer, event_json
from protos.events.v1 import events_pb2


def _event_page(request, organizer_id: int = 0) -> Response:
    query = EventListQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    page = clients.events().call("ListEvents", query.list_request(organizer_id), caller=clients.caller_for(request))
    next_url = None
    if page.next_page_token:
        params = request.query_params.copy()
        params["cursor"] = page.next_page_token
        next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
    return Response({"results": [event_json(e) for e in page.events], "next": next_url})


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
        event = clients.events().call(
            "GetEvent", events_pb2.GetEventRequest(id=event_id), caller=clients.caller_for(request)
        )
        return Response(event_json(event))

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
