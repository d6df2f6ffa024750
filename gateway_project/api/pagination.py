"""Keyset pagination links: the service returns an opaque token, the client follows `next` and
`previous`.

The services' listings only go forward (a page token says where the next page starts), so the way
back is carried in the links: each `next` link adds the cursor of the page it leaves to `trail`
(the cursors of the pages before, oldest first; the first page's is blank), and `previous` is the
last of them, with the rest of the trail. A trail keeps the last MAX_TRAIL pages: `previous` is null
on the first page, and on a page reached without its trail (a cursor kept from elsewhere, or more
than MAX_TRAIL pages deep)."""

from rest_framework import serializers

MAX_TRAIL = 20  # cursors a trail keeps
MAX_CURSOR_LENGTH = 512


class PageQuerySerializer(serializers.Serializer):
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=100, default=20, help_text="Items per page."
    )
    cursor = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_CURSOR_LENGTH,
        default="",
        help_text="Where the page starts (opaque).",
    )
    trail = serializers.ListField(
        child=serializers.CharField(allow_blank=True, max_length=MAX_CURSOR_LENGTH),
        required=False,
        max_length=MAX_TRAIL,
        help_text="The cursors of the pages before this one, oldest first (blank: the first page): "
        "the `next` links carry it, for their `previous` links.",
    )


def page_query(request) -> dict:
    """The page a list request asks for, as a List*Request's `page_size` and `page_token`."""
    query = PageQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return {"page_size": query.validated_data["page_size"], "page_token": query.validated_data["cursor"]}


def _page_url(request, cursor: str, trail: list[str]) -> str:
    """The absolute URL of this listing (same filters and size) at `cursor`, with `trail`."""
    params = request.query_params.copy()
    for name in ("cursor", "trail"):
        params.pop(name, None)
    if cursor:
        params["cursor"] = cursor
        params.setlist("trail", trail[-MAX_TRAIL:])
    query = params.urlencode()
    return request.build_absolute_uri(f"{request.path}?{query}" if query else request.path)


def next_url(request, page_token: str) -> str | None:
    """The absolute URL of the page after this one (same filters, cursor = the token, this page
    added to the trail), or None."""
    if not page_token:
        return None
    trail = [*request.query_params.getlist("trail"), request.query_params.get("cursor", "")]
    return _page_url(request, page_token, trail)


def previous_url(request) -> str | None:
    """The absolute URL of the page before this one, the last of its trail; None on the first page
    (no cursor) or without a trail."""
    cursor = request.query_params.get("cursor", "")
    trail = request.query_params.getlist("trail")
    if not cursor or not trail:
        return None
    return _page_url(request, trail[-1], trail[:-1])


class NextPageField(serializers.URLField):
    """The `next` link of a page: the URL of the page after it, from the list response's
    `next_page_token` and the request (the serializer's context); null on the last page."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "The next page's URL; null on the last page.")
        super().__init__(source="next_page_token", allow_null=True, **kwargs)

    def to_representation(self, value) -> str | None:
        return next_url(self.context["request"], value)


class PreviousPageField(serializers.URLField):
    """The `previous` link of a page: the URL of the page before it, from the request's `trail`
    (the serializer's context); null on the first page."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            "The previous page's URL; null on the first page (and on a page reached without the `trail` "
            "of a `next` link).",
        )
        super().__init__(source="*", allow_null=True, read_only=True, **kwargs)

    def to_representation(self, value) -> str | None:
        return previous_url(self.context["request"])
