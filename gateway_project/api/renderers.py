"""The browsable API's renderer (DEFAULT_RENDERER_CLASSES): DRF's, with a filter form for each
listing. DRF builds one from a view's `filter_backends` over its queryset; the gateway's views have
neither, so a listing names its query serializer instead (`query_serializer_class`, the one its GET
validates), and its fields are the form: a GET form of the listing, under the page's "Filters"
button.

A view of one event's resources names the event roles each unsafe method is for (`form_roles`): its
forms and buttons (PATCH, DELETE, POST) are shown only to a caller of one of them. DRF asks the view's
permissions alone, and those admit any signed-in user: the services decide who acts for an event."""

import copy

from django.template import loader
from rest_framework import renderers

from gateway_project.api import clients
from protos.events.v1 import events_pb2
from servicekit import errors

# Where a page starts: the `next` and `previous` links' to set, not the form's (a new filter starts at page 1).
PAGE_POSITION = ("cursor", "trail")


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    query_form_template = "rest_framework/filters/query.html"

    def get_filter_form(self, data, view, request):
        query_class = getattr(view, "query_serializer_class", None)
        if query_class is None or request.method != "GET":
            return None
        query = query_class(data=request.query_params)
        query.is_valid()
        for name in PAGE_POSITION:
            query.fields.pop(name, None)
        if "page_size" in query.fields:  # the listing's own filters first (a field is bound once: a copy)
            query.fields["page_size"] = copy.deepcopy(query.fields.pop("page_size"))
        form = loader.get_template(self.query_form_template).render(
            {"fields": self.render_form_for_serializer(query), "action": request.path}
        )
        return loader.get_template(self.filter_template).render({"elements": [form]})

    def show_form_for_method(self, view, method, request, obj):
        """DRF's rule (the method is allowed and its permissions pass), then the view's `form_roles`:
        a method listed there is for callers of those roles on the event only."""
        if not super().show_form_for_method(view, method, request, obj):
            return False
        roles = getattr(view, "form_roles", {}).get(method)
        return roles is None or caller_role(view, request, obj) in roles


def caller_role(view, request, rendered) -> int:
    """The caller's EventRole on the event of the view's `event_id`, as the events service says it: in
    the event the page rendered, else one GetEvent; asked once per page (each form asks). NO_ROLE when
    the event cannot be read: a form then is not shown rather than shown to be refused."""
    if not hasattr(view, "_caller_role"):
        event = rendered[0] if isinstance(rendered, tuple) else rendered  # an event's page: (event, its types)
        if not isinstance(event, events_pb2.Event):
            try:
                request_message = events_pb2.GetEventRequest(id=int(view.kwargs["event_id"]))
                event = clients.events().GetEvent(request_message, caller=clients.caller_for(request))
            except errors.DomainError:
                event = events_pb2.Event()
        view._caller_role = event.caller_role
    return view._caller_role
