"""Keyset pagination links: the service returns an opaque token, the client follows `next`."""

from rest_framework import serializers


class PageQuerySerializer(serializers.Serializer):
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=100, default=20, help_text="Items per page."
    )
    cursor = serializers.CharField(
        required=False, allow_blank=True, max_length=512, default="", help_text="Where the page starts (opaque)."
    )


def page_query(request) -> dict:
    """The page a list request asks for, as a List*Request's `page_size` and `page_token`."""
    query = PageQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return {"page_size": query.validated_data["page_size"], "page_token": query.validated_data["cursor"]}


def next_url(request, page_token: str) -> str | None:
    """The absolute URL of the page after this one (same filters, cursor = the token), or None."""
    if not page_token:
        return None
    params = request.query_params.copy()
    params["cursor"] = page_token
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


class NextPageField(serializers.URLField):
    """The `next` link of a page: the URL of the page after it, from the list response's
    `next_page_token` and the request (the serializer's context); null on the last page."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "The next page's URL; null on the last page.")
        super().__init__(source="next_page_token", allow_null=True, **kwargs)

    def to_representation(self, value) -> str | None:
        return next_url(self.context["request"], value)
