"""Admin pages over the events service: call it through the gRPC client, render admin-styled templates."""

from datetime import UTC, date, datetime, time

import grpc
from django import forms
from django.contrib import admin, messages
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from gateway_project.api import clients
from gateway_project.api.errors import HTTP_STATUS_BY_GRPC, UNREACHABLE
from gateway_project.backoffice.sites import EVENTS_APP
from gateway_project.events_api.serializers import event_json
from protos.events.v1 import events_pb2
from protos.tickets.v1 import tickets_pb2
from servicekit.grpc_client import RemoteError
from servicekit.timestamps import to_timestamp

PAGE_SIZE = 50
STATUS_CHOICES = [("", "any status"), ("published", "published"), ("cancelled", "cancelled")]


def _day_start(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min, tzinfo=UTC) if day else None


class EventSearchForm(forms.Form):
    """Filters of the staff listing of every event (ListEvents with all_statuses)."""

    q = forms.CharField(required=False, max_length=200)
    organizer_id = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, label="Organizer id")
    status = forms.ChoiceField(required=False, choices=STATUS_CHOICES)
    starts_after = forms.DateField(
        required=False, label="Starts on or after", widget=forms.DateInput(attrs={"type": "date"})
    )
    starts_before = forms.DateField(
        required=False, label="Starts before", widget=forms.DateInput(attrs={"type": "date"})
    )
    cursor = forms.CharField(required=False, max_length=512, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        after, before = data.get("starts_after"), data.get("starts_before")
        if after and before and before <= after:
            self.add_error("starts_before", "Must be after the first day of the range.")
        return data

    def list_request(self) -> events_pb2.ListEventsRequest:
        data = self.cleaned_data
        return events_pb2.ListEventsRequest(
            all_statuses=True,
            query=data["q"],
            organizer_id=data["organizer_id"] or 0,
            status=data["status"],
            # Whole days in UTC: from the first day's midnight, to (not including) the last one's.
            starts_after=to_timestamp(_day_start(data["starts_after"])),
            starts_before=to_timestamp(_day_start(data["starts_before"])),
            page_size=PAGE_SIZE,
            page_token=data["cursor"],
        )


def default_filters() -> QueryDict:
    """What the listing shows when opened without filters: the upcoming published events."""
    filters = QueryDict(mutable=True)
    filters.update({"status": "published", "starts_after": timezone.now().date().isoformat()})
    return filters


def event_list(request):
    filters = request.GET.copy() if request.GET else default_filters()
    form = EventSearchForm(filters)
    context = _context(request, "Events", form=form)
    if not form.is_valid():
        return render(request, "backoffice/event_list.html", context, status=400)
    try:
        page = clients.events().call("ListEvents", form.list_request(), caller=clients.caller_for(request))
    except RemoteError as exc:
        return remote_error_page(request, "backoffice/event_list.html", context, exc)
    context["events"] = [event_json(event) for event in page.events]
    if page.next_page_token:
        filters["cursor"] = page.next_page_token
        context["next_url"] = f"?{filters.urlencode()}"
    return render(request, "backoffice/event_list.html", context)


def event_detail(request, event_id: str):
    context = _context(request, f"Event {event_id}", event_id=event_id)
    caller = clients.caller_for(request)
    try:
        event = clients.events().call("GetEvent", events_pb2.GetEventRequest(id=int(event_id)), caller=caller)
    except RemoteError as exc:
        return remote_error_page(request, "backoffice/event_detail.html", context, exc)
    data = event_json(event)
    fields = [(name.replace("_", " ").capitalize(), value) for name, value in data.items()]
    context.update(title=event.name, event=data, fields=fields, ticket_types=_ticket_types(request, event.id, caller))
    return render(request, "backoffice/event_detail.html", context)


def _ticket_types(request, event_id: int, caller) -> list[dict] | None:
    """The event's ticket types with live availability, from the tickets service; None (and an
    admin warning) if it cannot answer: the event itself is still shown."""
    try:
        response = clients.tickets().call(
            "ListTicketTypes", tickets_pb2.ListTicketTypesRequest(event_id=event_id), caller=caller
        )
    except RemoteError as exc:
        reason = "is unavailable" if exc.status in UNREACHABLE else f"refused: {exc.message or exc.status.name}"
        messages.warning(request, f"Ticket types cannot be shown: the {exc.service} service {reason}.")
        return None
    return [
        {
            "id": ticket_type.id,
            "name": ticket_type.name,
            "price": f"{ticket_type.price} {ticket_type.currency}",
            "capacity": ticket_type.capacity,
            "available": ticket_type.available,
            "max_per_order": ticket_type.max_per_order,
        }
        for ticket_type in response.ticket_types
    ]


@require_POST
def event_cancel(request, event_id: str):
    try:
        event = clients.events().call(
            "CancelEvent", events_pb2.CancelEventRequest(id=int(event_id)), caller=clients.caller_for(request)
        )
    except RemoteError as exc:
        context = _context(request, f"Event {event_id}", event_id=event_id)
        return remote_error_page(request, "backoffice/event_detail.html", context, exc)
    messages.success(request, f"The event “{event.name}” was cancelled.")
    return redirect("admin:backoffice_event_detail", event_id=event_id)


def _context(request, title: str, **extra) -> dict:
    return {**admin.site.each_context(request), "title": title, "app_name": EVENTS_APP, **extra}


def remote_error_page(request, template: str, context: dict, exc: RemoteError):
    """Unknown event: 404. Any other failure: the page, with the reason in an admin error message."""
    if exc.status == grpc.StatusCode.NOT_FOUND:
        raise Http404(exc.message)
    if exc.status in UNREACHABLE:
        messages.error(request, f"The {exc.service} service is unavailable; try again shortly.")
    else:
        messages.error(request, f"The {exc.service} service refused: {exc.message or exc.status.name}")
    response = render(request, template, context, status=HTTP_STATUS_BY_GRPC.get(exc.status, 502))
    if response.status_code == 503:
        response["Retry-After"] = "5"
    return response
