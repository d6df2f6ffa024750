"""Admin pages over the events service: call it through the gRPC client, render admin-styled templates."""

import grpc
from django import forms
from django.contrib import admin, messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from gateway_project.api import clients
from gateway_project.api.errors import HTTP_STATUS_BY_GRPC, UNREACHABLE
from gateway_project.backoffice.sites import EVENTS_APP
from gateway_project.events_api.serializers import event_json
from protos.events.v1 import events_pb2
from servicekit.grpc_client import RemoteError

PAGE_SIZE = 50


class EventSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200)
    organizer_id = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, label="Organizer id")
    cursor = forms.CharField(required=False, max_length=512, widget=forms.HiddenInput)

    def list_request(self) -> events_pb2.ListEventsRequest:
        data = self.cleaned_data
        return events_pb2.ListEventsRequest(
            query=data["q"], organizer_id=data["organizer_id"] or 0, page_size=PAGE_SIZE, page_token=data["cursor"]
        )


def event_list(request):
    form = EventSearchForm(request.GET)
    context = _context(request, "Events", form=form)
    if not form.is_valid():
        return render(request, "backoffice/event_list.html", context, status=400)
    try:
        page = clients.events().call("ListEvents", form.list_request(), caller=clients.caller_for(request))
    except RemoteError as exc:
        return remote_error_page(request, "backoffice/event_list.html", context, exc)
    context["events"] = [event_json(event) for event in page.events]
    if page.next_page_token:
        params = request.GET.copy()
        params["cursor"] = page.next_page_token
        context["next_url"] = f"?{params.urlencode()}"
    return render(request, "backoffice/event_list.html", context)


def event_detail(request, event_id: str):
    context = _context(request, f"Event {event_id}", event_id=event_id)
    try:
        event = clients.events().call(
            "GetEvent", events_pb2.GetEventRequest(id=int(event_id)), caller=clients.caller_for(request)
        )
    except RemoteError as exc:
        return remote_error_page(request, "backoffice/event_detail.html", context, exc)
    data = event_json(event)
    fields = [(name.replace("_", " ").capitalize(), value) for name, value in data.items()]
    context.update(title=event.name, event=data, fields=fields)
    return render(request, "backoffice/event_detail.html", context)


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
