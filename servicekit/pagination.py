"""Keyset pagination, newest first: the page token is the last id shown, so every page
costs the same however deep it is."""

from __future__ import annotations

import re

from django.db.models import QuerySet

from servicekit.errors import InvalidInput

_TOKEN = re.compile(r"[0-9]{1,18}")


def newest_first(
    queryset: QuerySet,
    *,
    page_size: int,
    page_token: str,
    default_size: int = 20,
    max_size: int = 100,
    cursor_field: str = "page_token",
) -> tuple[list, str]:
    """One page of `queryset` by descending id, and the next page's token ("" at the end).
    A page_size of 0 means `default_size`; a bad size or token is InvalidInput."""
    page_size = page_size or default_size
    problems = {}
    if not 1 <= page_size <= max_size:
        problems["page_size"] = [f"Must be between 1 and {max_size}."]
    if page_token and not _TOKEN.fullmatch(page_token):
        problems[cursor_field] = ["Invalid page token."]
    if problems:
        raise InvalidInput(field_errors=problems)
    if page_token:
        queryset = queryset.filter(id__lt=int(page_token))
    items = list(queryset.order_by("-id")[: page_size + 1])
    if len(items) <= page_size:
        return items, ""
    return items[:page_size], str(items[page_size - 1].id)
