"""Keyset pagination, newest first: the page token is the last id shown, so every page
costs the same however deep it is. A listing may count every row of its filters too (`total_count`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet

from servicekit.errors import InvalidInput

# A page token: the id a page ends at.
TOKEN_PATTERN = re.compile(r"[0-9]{1,18}")


@dataclass(frozen=True)
class Page:
    """One page of a listing: its items and the token of the next page ("" at the end)."""

    items: list
    next_page_token: str
    # Every row matching the listing's filters, on every page; None where it was not counted.
    total_count: int | None = None


def newest_first(
    queryset: QuerySet,
    *,
    page_size: int,
    page_token: str,
    default_size: int = 20,
    max_size: int = 100,
    cursor_field: str = "page_token",
    count_total: bool = False,
) -> Page:
    """One page of `queryset` by descending id. `count_total`: also count every row of `queryset`
    (one COUNT query, of the filters only). A page_size of 0 means `default_size`; a bad size or
    token is InvalidInput."""
    page_size = page_size or default_size
    problems = {}
    if not 1 <= page_size <= max_size:
        problems["page_size"] = [f"Must be between 1 and {max_size}."]
    if page_token and not TOKEN_PATTERN.fullmatch(page_token):
        problems[cursor_field] = ["Invalid page token."]
    if problems:
        raise InvalidInput(field_errors=problems)
    total = queryset.count() if count_total else None
    if page_token:
        queryset = queryset.filter(id__lt=int(page_token))
    items = list(queryset.order_by("-id")[: page_size + 1])
    if len(items) <= page_size:
        return Page(items, "", total)
    return Page(items[:page_size], str(items[page_size - 1].id), total)


def page_message(message_class, page: Page, to_proto: Callable):
    """The List*Response `message_class` of `page`: every item through `to_proto` in the message's
    one repeated field, and the next page's token."""
    (field,) = (field.name for field in message_class.DESCRIPTOR.fields if field.is_repeated)
    message = message_class(**{field: [to_proto(item) for item in page.items]}, next_page_token=page.next_page_token)
    if page.total_count is not None:
        message.total_count = page.total_count
    return message


def message_fields(request) -> dict:
    """Every field of `request` by name: a List*Request's filters are its selector's keyword arguments."""
    return {field.name: getattr(request, field.name) for field in request.DESCRIPTOR.fields}
