"""Hyperlinks in responses: a resource's `url` and the links to its related resources and actions
(`event_url`, `pay_url`, ...), absolute URLs of the gateway's routes, as DRF's
HyperlinkedIdentityField gives them. A response serializer with links needs the request in its
context (`context={"request": request}`), as the pages' `next` and `previous` do."""

from rest_framework import serializers
from rest_framework.fields import get_attribute
from rest_framework.reverse import reverse


class LinkField(serializers.URLField):
    """The absolute URL of the route `view_name`, each of its URL kwargs read from a field of the
    rendered message: LinkField("event-ticket-type", event_id="event_id", ticket_type_id="id")."""

    def __init__(self, view_name: str, help_text: str = "", **url_kwargs: str):
        self.view_name = view_name
        self.url_kwargs = url_kwargs
        super().__init__(source="*", read_only=True, help_text=help_text)

    def to_representation(self, instance) -> str:
        request = self.context.get("request")
        assert request is not None, (
            f"{type(self.root).__name__} renders links: give it the request (context={{'request': request}})."
        )
        kwargs = {name: get_attribute(instance, [field]) for name, field in self.url_kwargs.items()}
        return reverse(self.view_name, kwargs=kwargs, request=request)
