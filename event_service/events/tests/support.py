"""Shared helpers of the events service tests: callers, times and rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc

from devkit.grpc_testing import GrpcServerTestCase
from event_service.events.models import Event
from protos.events.v1 import events_pb2, events_pb2_grpc
from servicekit.errors import DomainError
from servicekit.identity import Caller
from servicekit.timestamps import to_timestamp

ORGANIZER = Caller(user_id=7, role="organizer")
OTHER_ORGANIZER = Caller(user_id=8, role="organizer")
CUSTOMER = Caller(user_id=9, role="customer")
STAFF = Caller(user_id=1, role="customer", is_staff=True)
ANONYMOUS = Caller()


def from_now(**delta) -> datetime:
    """An aware UTC time `delta` away from now, on a whole second (exact in every database)."""
    return (datetime.now(UTC) + timedelta(**delta)).replace(microsecond=0)


def create_request(**fields) -> events_pb2.CreateEventRequest:
    """A valid CreateEventRequest for an event in ten days; `fields` override its values
    (None leaves a field unset)."""
    starts_at = fields.pop("starts_at", from_now(days=10))
    ends_at = fields.pop("ends_at", (starts_at or from_now(days=10)) + timedelta(hours=3))
    values = {
        "name": "Jazz night",
        "description": "Live quartet",
        "venue": "Blue Room",
        "timezone": "Europe/Paris",
        "starts_at": to_timestamp(starts_at),
        "ends_at": to_timestamp(ends_at),
    }
    values.update(fields)
    return events_pb2.CreateEventRequest(**{k: v for k, v in values.items() if v is not None})


def make_event(**fields) -> Event:
    """Insert an Event row directly (no validation), e.g. one that already started."""
    starts_at = fields.pop("starts_at", from_now(days=10))
    values = {
        "organizer_id": ORGANIZER.user_id,
        "name": "Concert",
        "description": "",
        "venue": "Hall",
        "timezone": "UTC",
        "starts_at": starts_at,
        "ends_at": fields.pop("ends_at", starts_at + timedelta(hours=2)),
        "status": Event.Status.PUBLISHED,
    }
    values.update(fields)
    return Event.objects.create(**values)


class EventServiceTestCase(GrpcServerTestCase):
    """Calls the real EventService served in-process."""

    def setUp(self):
        super().setUp()
        self.client = self.grpc_client(events_pb2_grpc.EventServiceStub)

    def call(self, method: str, caller: Caller = ANONYMOUS, **fields):
        request_class = getattr(events_pb2, f"{method}Request")
        return getattr(self.client, method)(request_class(**fields), caller=caller)

    def create(self, caller: Caller = ORGANIZER, **fields) -> events_pb2.Event:
        return self.client.CreateEvent(create_request(**fields), caller=caller)

    def assertFails(self, status: grpc.StatusCode, method: str, request, caller: Caller = ANONYMOUS) -> DomainError:
        """The call fails with `status`; returns the error for further checks."""
        with self.assertRaises(DomainError) as raised:
            getattr(self.client, method)(request, caller=caller)
        self.assertEqual(raised.exception.status, status, raised.exception)
        return raised.exception
