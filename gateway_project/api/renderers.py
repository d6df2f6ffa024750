"""The browsable API's renderer (DEFAULT_RENDERER_CLASSES): DRF's, with a filter form for each
listing. DRF builds one from a view's `filter_backends` over its queryset; the gateway's views have
neither, so a listing names its query serializer instead (`query_serializer_class`, the one its GET
validates), and its fields are the form: a GET form of the listing, under the page's "Filters"
button."""

import copy

from django.template import loader
from rest_framework import renderers

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
