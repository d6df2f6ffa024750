"""Shapes of the events API: what a request may carry and how an event looks in JSON.
Business rules (dates in order, start in the future) are the events service's to check."""

from datetime import UTC

from rest_framework import serializers

from protos.events.v1 import events_pb2
from servicekit.timestamps import from_timestamp, to_timestamp

STATUS_NAMES = {
    events_pb2.EVENT_STATUS_PUBLISHED: "published",
    events_pb2.EVENT_STATUS_CANCELLED: "cancelled",
}


def iso(stamp) -> str:
    return from_timestamp(stamp).astimezone(UTC).isoformat().replace("+00:00", "Z")


def event_json(event: events_pb2.Event) -> dict:
    return {
        "id": event.id,
        "organizer_id": event.organizer_id,
        "name": event.name,
        "description": event.description,
        "venue": event.venue,
        "timezone": event.timezone,
        "starts_at": iso(event.starts_at),
        "ends_at": iso(event.ends_at),
        "status": STATUS_NAMES.get(event.status, "unknown"),
        "created_at": iso(event.created_at),
        "updated_at": iso(event.updated_at),
    }


class EventWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(allow_blank=True, required=False, default="", max_length=10_000)
    venue = serializers.CharField(allow_blank=True, required=False, default="", max_length=300)
    timezone = serializers.CharField(required=False, default="UTC", max_length=64)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()

    def proto_fields(self) -> dict:
        """The validated data as keyword arguments of a proto request."""
        return {
            key: to_timestamp(value) if key in ("starts_at", "ends_at") else value
            for key, value in self.validated_data.items()
        }


class EventListQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    starts_after = serializers.DateTimeField(required=False)
    starts_before = serializers.DateTimeField(required=False)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100, default=20)
    cursor = serializers.CharField(required=False, allow_blank=True, max_length=512, default="")

    def list_request(self, organizer_id: int = 0) -> events_pb2.ListEventsRequest:
        data = self.validated_data
        return events_pb2.ListEventsRequest(
            query=data["q"],
            starts_after=to_timestamp(data.get("starts_after")),
            starts_before=to_timestamp(data.get("starts_before")),
            organizer_id=organizer_id,
            page_size=data["page_size"],
            page_token=data["cursor"],
        )
