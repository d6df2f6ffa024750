"""The events service's back-office pages: the listing of every event (a `RemoteListing`), an event's
page with its ticket types inline (availability, sale window, hidden) and links to its orders and
vouchers, and cancelling it from a confirmation page."""

from datetime import UTC, date, datetime, time

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from gateway_project.api import clients
from gateway_project.api.protos import EVENT_STATUS
from gateway_project.backoffice.base import failure, local_datetime, page_context, remote_error_page
from gateway_project.backoffice.listings import SECTIONS, RemoteListing, event_url, status_choices, user_url, when
from gateway_project.events_api.serializers import EventFieldsSerializer
from protos.events.v1 import events_pb2
from protos.tickets.v1 import tickets_pb2
from servicekit import errors
from servicekit.timestamps import to_timestamp

PAGE_SIZE = 50
AT_EVENT_START = "at the event's start"


def _day_start(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min, tzinfo=UTC) if day else None


class EventSearchForm(forms.Form):
    """Filters of the staff listing of every event (ListEvents with all_statuses)."""

    q = forms.CharField(required=False, max_length=200, label="Search")
    organizer_id = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, label="Organizer id")
    status = forms.ChoiceField(required=False, choices=status_choices(EVENT_STATUS.names))
    starts_after = forms.DateField(
        required=False, label="Starts on or after", widget=forms.DateInput(attrs={"type": "date"})
    )
    starts_before = forms.DateField(
        required=False, label="Starts before", widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        after, before = data.get("starts_after"), data.get("starts_before")
        if after and before and before <= after:
            self.add_error("starts_before", "Must be after the first day of the range.")
        return data


def list_events_request(filters: dict, token: str) -> events_pb2.ListEventsRequest:
    return events_pb2.ListEventsRequest(
        all_statuses=True,
        query=filters["q"],
        organizer_id=filters["organizer_id"] or 0,
        status=filters["status"],
        # Whole days in UTC: from the first day's midnight, to (not including) the last one's.
        starts_after=to_timestamp(_day_start(filters["starts_after"])),
        starts_before=to_timestamp(_day_start(filters["starts_before"])),
        page_size=PAGE_SIZE,
        page_token=token,
    )


def default_filters() -> dict:
    """What the listing shows when opened without filters: the upcoming published events."""
    return {"status": "published", "starts_after": timezone.now().date().isoformat()}


EVENTS = RemoteListing(
    slug="events",
    title="Events",
    form_class=EventSearchForm,
    rpc="events.ListEvents",
    request=list_events_request,
    items=lambda response: EventFieldsSerializer(response.events, many=True).data,
    columns="id name organizer_id venue starts_at status",
    help="Every event, whatever its status and date, in start order. Filter by status and by start date "
    "(whole days, UTC); opened without filters, the page shows the upcoming published events.",
    default_filters=default_filters,
    links={
        "id": lambda event: event_url(event["id"]),
        "name": lambda event: event_url(event["id"]),
        "organizer_id": lambda event: user_url(event["organizer_id"]),
    },
    nouns=("event", "events"),
)


def _context(request, title: str, **extra) -> dict:
    return page_context(request, title, SECTIONS["events"], **extra)


def event_detail(request, event_id: str):
    context = _context(request, f"Event {event_id}", event_id=event_id)
    caller = clients.caller_for(request)
    try:
        event = clients.events().GetEvent(events_pb2.GetEventRequest(id=int(event_id)), caller=caller)
    except errors.DomainError as exc:
        return remote_error_page(request, "backoffice/event_detail.html", context, exc)
    data = EventFieldsSerializer(event).data
    fields = [
        (
            name.replace("_", " ").capitalize(),
            local_datetime(value) if name.endswith("_at") else value,
            user_url(value) if name == "organizer_id" else None,
        )
        for name, value in data.items()
    ]
    context.update(title=event.name, event=data, fields=fields, ticket_types=_ticket_types(request, event, caller))
    return render(request, "backoffice/event_detail.html", context)


def _ticket_types(request, event: events_pb2.Event, caller) -> list[dict] | None:
    """The event's ticket types with live availability and sale windows, from the tickets service;
    None (and an admin warning) if it cannot answer: the event itself is still shown."""
    try:
        response = clients.tickets().ListTicketTypes(
            tickets_pb2.ListTicketTypesRequest(event_id=event.id), caller=caller
        )
        # The sales report has each type's waiting list (staff may read any event's).
        sales = clients.tickets().GetSales(tickets_pb2.GetSalesRequest(event_id=event.id), caller=caller)
    except errors.DomainError as exc:
        reason = "is unavailable" if exc.http_status == 503 else f"refused: {exc.message or exc.status.name}"
        messages.warning(request, f"Ticket types cannot be shown: the {exc.service} service {reason}.")
        return None
    waiting = {line.ticket_type_id: line for line in sales.ticket_types}
    return [
        {
            "id": ticket_type.id,
            "name": ticket_type.name,
            "price": f"{ticket_type.price} {ticket_type.currency}",
            "capacity": ticket_type.capacity,
            "available": ticket_type.available,
            "max_per_order": ticket_type.max_per_order,
            "sales_start": when(ticket_type, "sales_start"),
            "sales_end": _sales_end(ticket_type, event),
            "hidden": ticket_type.hidden,
            "waiting": _waiting(waiting.get(ticket_type.id)),
        }
        for ticket_type in response.ticket_types
    ]


def _waiting(line: tickets_pb2.TicketTypeSales | None) -> str:
    """A type's waiting list: how many wait, for how many seats."""
    if line is None or not line.waiting_entries:
        return "none"
    return f"{line.waiting_entries} for {line.waiting_seats} seat{'s' if line.waiting_seats != 1 else ''}"


def _sales_end(ticket_type: tickets_pb2.TicketType, event: events_pb2.Event) -> str:
    """When a type's sales close. A type without an end of its own closes at the event's start, and
    the service then answers that start as its sales_end: either way it is shown as such."""
    if not ticket_type.HasField("sales_end") or ticket_type.sales_end == event.starts_at:
        return AT_EVENT_START
    return when(ticket_type, "sales_end")


def event_cancel(request, event_id: str):
    """GET: what cancelling the event will do (its sales closed, its tickets void, its paid orders
    refunded, its buyers emailed; how many, from the sales report) and a form to confirm it.
    POST: CancelEvent, then back to the event with a message."""
    if request.method == "POST":
        return _cancel(request, event_id)
    caller = clients.caller_for(request)
    context = _context(request, "Are you sure?", event_id=event_id, back_url=_event_url(event_id))
    try:
        event = clients.events().GetEvent(events_pb2.GetEventRequest(id=int(event_id)), caller=caller)
    except errors.DomainError as exc:
        return remote_error_page(request, "backoffice/confirm.html", context, exc)
    context["breadcrumbs"] = [
        (SECTIONS["events"], reverse("admin:backoffice_events")),
        ("Events", reverse("admin:backoffice_events")),
        (event.name, _event_url(event_id)),
        ("Cancel", None),
    ]
    if event.status == events_pb2.EVENT_STATUS_CANCELLED:
        context["refusal"] = f"The event “{event.name}” is cancelled already."
        return render(request, "backoffice/confirm.html", context)
    context.update(
        question=f"Are you sure you want to cancel the event “{event.name}”? This cannot be undone:",
        summary=[
            "Its ticket sales close and the seats on hold are released.",
            "Every ticket becomes void and every paid order is refunded in full, on the buyer's card.",
            "Every buyer is emailed that the event is cancelled.",
        ],
        items_title="What is sold",
        items=_sales(request, event, caller),
        action_url=reverse("admin:backoffice_event_cancel", args=[event_id]),
        submit="Yes, cancel the event",
    )
    return render(request, "backoffice/confirm.html", context)


def _sales(request, event: events_pb2.Event, caller) -> list[str]:
    """How many tickets the cancellation voids and what it refunds, per ticket type (GetSales);
    nothing (and an admin warning) if the tickets service cannot say."""
    try:
        report = clients.tickets().GetSales(tickets_pb2.GetSalesRequest(event_id=event.id), caller=caller)
    except errors.DomainError as exc:
        messages.warning(request, f"What is sold cannot be shown. {failure(exc)}")
        return []
    lines = [
        f"{sales.name}: {sales.sold} ticket{'' if sales.sold == 1 else 's'} sold ({sales.revenue} "
        f"{sales.currency} paid), {sales.held} seat{'' if sales.held == 1 else 's'} on hold"
        for sales in report.ticket_types
    ]
    if report.checked_in:
        lines.append(f"{report.checked_in} ticket{'' if report.checked_in == 1 else 's'} checked in already")
    return lines or ["No ticket types: nothing is sold."]


def _event_url(event_id) -> str:
    return reverse("admin:backoffice_event_detail", args=[event_id])


def _cancel(request, event_id: str):
    try:
        event = clients.events().CancelEvent(
            events_pb2.CancelEventRequest(id=int(event_id)), caller=clients.caller_for(request)
        )
    except errors.DomainError as exc:
        context = _context(request, f"Event {event_id}", event_id=event_id)
        return remote_error_page(request, "backoffice/event_detail.html", context, exc)
    messages.success(request, f"The event “{event.name}” was cancelled.")
    return redirect("admin:backoffice_event_detail", event_id=event_id)
