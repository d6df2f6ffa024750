"""Checking a service's sorted, keyset-paged listing against its rows: the ids every page gives, in
turn, and the ids sorted here from the rows, as the listing's order says they must come."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from google.protobuf.message import Message


def walk_pages(list_page: Callable[[str], Message], max_pages: int = 50) -> list[int]:
    """The ids of the rows of every page of a listing: `list_page(token)` answers the page at `token`
    ("" for the first), a response whose one repeated field holds the rows and whose
    `next_page_token` is the next page's ("" on the last)."""
    seen, token = [], ""
    for _ in range(max_pages):
        page = list_page(token)
        (rows,) = (getattr(page, field.name) for field in page.DESCRIPTOR.fields if field.is_repeated)
        seen += [row.id for row in rows]
        token = page.next_page_token
        if not token:
            return seen
    raise AssertionError(f"the pages never end (more than {max_pages})")


def sorted_ids(model, ids: Iterable[int], order_by: str) -> list[int]:
    """The ids of the rows of `model` with `ids` in the order `order_by` says ("column" ascending,
    "-column" descending), ties by id in the same direction: read from the rows and sorted here."""
    column, descending = order_by.removeprefix("-"), order_by.startswith("-")
    rows = model.objects.filter(pk__in=list(ids)).values("id", column)
    return [row["id"] for row in sorted(rows, key=lambda row: (row[column], row["id"]), reverse=descending)]
