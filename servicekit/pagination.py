"""Keyset pagination: newest first, the page token the last id shown, or in the order of a field a
listing allows (`sorted_page`), the token then its last row's value of that field and id; so every page
costs the same however deep it is. A listing may count every row of its filters too (`total_count`)."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from google.protobuf.timestamp_pb2 import Timestamp

from servicekit.errors import InvalidInput
from servicekit.timestamps import optional_datetime

# A page token: the id a page ends at.
TOKEN_PATTERN = re.compile(r"[0-9]{1,18}")
MAX_TOKEN_LENGTH = 512


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
    """One page of `queryset` by descending id.
    A page_size of 0 means `default_size`; a bad size or token is InvalidInput."""
    return sorted_page(
        queryset,
        page_size=page_size,
        page_token=page_token,
        default_size=default_size,
        max_size=max_size,
        cursor_field=cursor_field,
        count_total=count_total,
    )


def sorted_page(
    queryset: QuerySet,
    *,
    page_size: int,
    page_token: str,
    order_by: str = "",
    sortable: Collection[str] = (),
    default_size: int = 20,
    max_size: int = 100,
    cursor_field: str = "page_token",
    count_total: bool = False,
) -> Page:
    """One page of `queryset` in the order `order_by` names: "" newest first (by descending id), or a
    field of `sortable` ascending ("total") or descending ("-total"), rows of one value by id in the
    same direction. The token of a page newest first is the last id shown (as it always was); in
    another order, the order and the last row's value and id, so the next page starts right after that
    row whatever the ties, and a token of another order is refused. `count_total`: also count every
    row of `queryset` (one COUNT query, of the filters only). A page_size of 0 means `default_size`; a
    bad size, order or token is InvalidInput."""
    page_size = page_size or default_size
    problems = {}
    if not 1 <= page_size <= max_size:
        problems["page_size"] = [f"Must be between 1 and {max_size}."]
    key = order_by.removeprefix("-") or "id"
    if order_by and (key not in sortable or order_by.startswith("--")):
        orders = ", ".join(sorted(sortable)) or "none"
        problems["order_by"] = [f"Must be one of {orders}, or one of them after a - for descending order."]
    if problems:
        raise InvalidInput(field_errors=problems)
    total = queryset.count() if count_total else None
    if order_by in ("", "-id"):
        return _newest_first(queryset, page_size, page_token, cursor_field, total)
    field = queryset.model._meta.get_field(key)
    # A NULL is neither before nor after a value: a keyset over a nullable column would skip its rows.
    assert not field.null, f"{key} is nullable: not a keyset order"
    descending, after = order_by.startswith("-"), "lt" if order_by.startswith("-") else "gt"
    if page_token:
        value, last_id = _decode(page_token, order_by, field, cursor_field)
        queryset = queryset.filter(Q(**{f"{key}__{after}": value}) | Q(**{key: value, f"id__{after}": last_id}))
    ordering = (order_by, "-id" if descending else "id") if key != "id" else (order_by,)
    items = list(queryset.order_by(*ordering)[: page_size + 1])
    if len(items) <= page_size:
        return Page(items, "", total)
    last = items[page_size - 1]
    return Page(items[:page_size], _encode(order_by, field.value_to_string(last), last.id), total)


def _newest_first(queryset: QuerySet, page_size: int, page_token: str, cursor_field: str, total) -> Page:
    if page_token and not TOKEN_PATTERN.fullmatch(page_token):
        raise InvalidInput(field_errors={cursor_field: ["Invalid page token."]})
    if page_token:
        queryset = queryset.filter(id__lt=int(page_token))
    items = list(queryset.order_by("-id")[: page_size + 1])
    if len(items) <= page_size:
        return Page(items, "", total)
    return Page(items[:page_size], str(items[page_size - 1].id), total)


def _encode(order_by: str, value: str, row_id: int) -> str:
    raw = json.dumps([order_by, value, row_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str, order_by: str, field, cursor_field: str):
    """A token of `_encode` in the order `order_by`: (the field's value, the id); else InvalidInput."""
    try:
        if len(token) > MAX_TOKEN_LENGTH:
            raise ValueError(token)
        token_order, value, row_id = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if token_order != order_by or not isinstance(value, str) or type(row_id) is not int:
            raise ValueError(token)
        value = field.to_python(value)
        # Values no row holds, that SQL would choke on: a NaN amount, a time without its zone.
        if (isinstance(value, Decimal) and not value.is_finite()) or (
            isinstance(value, datetime) and value.tzinfo is None
        ):
            raise ValueError(token)
        return value, row_id
    # RecursionError: JSON nested deeper than the parser goes (a forged token, never one of ours).
    except (ValueError, TypeError, RecursionError, ValidationError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput(field_errors={cursor_field: ["Invalid page token."]}) from None


def page_message(message_class, page: Page, to_proto: Callable):
    """The List*Response `message_class` of `page`: every item through `to_proto` in the message's
    one repeated field, and the next page's token."""
    (field,) = (field.name for field in message_class.DESCRIPTOR.fields if field.is_repeated)
    message = message_class(**{field: [to_proto(item) for item in page.items]}, next_page_token=page.next_page_token)
    if page.total_count is not None:
        message.total_count = page.total_count
    return message


def message_fields(request) -> dict:
    """Every field of `request` by name: a List*Request's filters are its selector's keyword arguments.
    A Timestamp field is its datetime (None while unset)."""
    return {
        field.name: (
            optional_datetime(request, field.name)
            if field.message_type is not None and field.message_type.full_name == Timestamp.DESCRIPTOR.full_name
            else getattr(request, field.name)
        )
        for field in request.DESCRIPTOR.fields
    }
