"""The events service's calls as plain JSON/HTTP, for `make bench`'s gRPC-vs-REST comparison
only: served by devkit.json_http in the benchmark's events process (bench.__main__ runs it with
devkit.commands.serve_grpc_json), never by the service's own `serve_grpc`. Each route calls the
same selector as its servicer method and answers the same fields as its proto."""

from __future__ import annotations

from datetime import datetime

from event_service.events import selectors
from event_service.events.models import Event


def event_json(event: Event) -> dict:
    """Every column of the event (the fields servicers.event_to_proto carries), times as ISO 8601."""
    return {field.attname: _plain(getattr(event, field.attname)) for field in Event._meta.concrete_fields}


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


def get_event(params: dict[str, str]) -> dict:
    """As EventServicer.GetEvent: ?id=."""
    return event_json(selectors.get_event(int(params["id"])))


def list_events(params: dict[str, str]) -> dict:
    """As EventServicer.ListEvents (the public listing): ?page_size=&page_token=."""
    page = selectors.list_events(page_size=int(params.get("page_size", 0)), page_token=params.get("page_token", ""))
    return {"events": [event_json(event) for event in page.items], "next_page_token": page.next_page_token}


EVENTS = {"/events/get": get_event, "/events/list": list_events}
