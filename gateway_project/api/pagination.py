"""Keyset pagination links: the service returns an opaque token, the client follows `next`."""

from rest_framework import serializers


class PageQuerySerializer(serializers.Serializer):
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=100, default=20, help_text="Items per page."
    )
    cursor = serializers.CharField(
        required=False, allow_blank=True, max_length=512, default="", help_text="Where the page starts (opaque)."
    )


def next_url(request, page_token: str) -> str | None:
    """The absolute URL of the page after this one (same filters, cursor = the token), or None."""
    if not page_token:
        return None
    params = request.query_params.copy()
    params["cursor"] = page_token
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
