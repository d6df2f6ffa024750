"""Reads: the caller's orders and tickets, an order's lines and issued tickets, an event's buyers and
vouchers, and the organizer's desk (an event's orders and attendees)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Max, Prefetch, Q, QuerySet, Sum, prefetch_related_objects
from django.db.models.functions import Trunc

from servicekit.errors import Forbidden, InvalidInput
from servicekit.identity import Caller
from servicekit.money import CENT
from servicekit.pagination import TOKEN_PATTERN, Page, sorted_page
from servicekit.sql import column, fetch, from_row, select_list, table
from ticket_service.tickets.models import Order, OrderLine, Ticket, TicketType, Voucher
from ticket_service.tickets.services.errors import OrderNotFound, TicketNotFound
from ticket_service.tickets.services.events import get_event_info, require_organizer

BUYERS_PAGE_SIZE = 500
ATTENDEES_PAGE_SIZE = 500
ATTENDEES_MAX_PAGE_SIZE = 1000
# Characters of a ticket's code the organizer's export shows: a code's random part is 32 characters
# and its signature 22 more, so 8 tell tickets apart at the door's desk but admit nobody.
CODE_PREFIX_LENGTH = 8
# The columns each listing sorts by (order_by): NOT NULL ones only, as a keyset needs.
ORDER_SORTS = frozenset({"id", "email", "quantity", "total", "status", "created_at"})
TICKET_SORTS = frozenset({"id", "holder_name", "event_id", "order_id", "status"})
VOUCHER_SORTS = frozenset({"id", "code", "uses", "active", "created_at"})
DATE_HIERARCHY = ("year", "month", "day")
MAX_TIME_ZONE_LENGTH = 64  # the longest IANA name is 32 characters


def own_order(caller: Caller, order_id: int) -> Order:
    order = Order.objects.filter(pk=order_id).first()
    # Someone else's order is reported as missing: its existence is not theirs to know.
    if order is None or not (caller.is_staff or order.user_id == caller.user_id):
        raise OrderNotFound()
    return order


def own_order_with_lines(caller: Caller, order_id: int) -> Order:
    """own_order, with its lines and their ticket types (order_lines answers them) read in the same
    statement: the lines joined with their order and types, by ascending type id."""
    # As SQL (servicekit.sql): every payment reads it, and the ORM's build of the join cost ~1 ms of CPU.
    lines_table, orders, types = table(OrderLine), table(Order), table(TicketType)
    order_column, type_column = column(OrderLine, "order"), column(OrderLine, "ticket_type")
    rows = fetch(
        f"SELECT {select_list(OrderLine, Order, TicketType)} FROM {lines_table}"  # noqa: S608
        f" JOIN {orders} ON {orders}.{column(Order, 'pk')} = {lines_table}.{order_column}"
        f" JOIN {types} ON {types}.{column(TicketType, 'pk')} = {lines_table}.{type_column}"
        f" WHERE {lines_table}.{order_column} = %s ORDER BY {lines_table}.{type_column}",
        [order_id],
    )
    if not rows:  # every order has a line: there is no such order
        return own_order(caller, order_id)
    order, lines = None, []
    for row in rows:
        line, row_order, ticket_type = from_row(row, OrderLine, Order, TicketType)
        order = row_order if order is None else order  # one order object for all its lines
        line.order, line.ticket_type = order, ticket_type
        lines.append(line)
    if not (caller.is_staff or order.user_id == caller.user_id):
        raise OrderNotFound()
    remember_lines(order, lines)
    return order


def get_order(*, caller: Caller, order_id: int) -> Order:
    return own_order(caller, order_id)


def list_orders(
    *,
    caller: Caller,
    page_size: int = 0,
    page_token: str = "",
    all_users: bool = False,
    status: str = "",
    event_id: int = 0,
    email_query: str = "",
    order_by: str = "",
    with_total_count: bool = False,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
) -> Page:
    """The caller's orders, newest first or in `order_by`'s order (ORDER_SORTS); staff may list
    everyone's, filtered. `with_total_count`: their number too."""
    orders = _orders(caller, all_users, status, event_id, email_query, created_after, created_before)
    return _orders_page(orders, page_size, page_token, order_by, with_total_count)


def _orders_page(orders, page_size: int, page_token: str, order_by: str, with_total_count: bool) -> Page:
    """A page of `orders` with their lines and tickets, in `order_by`'s order (ORDER_SORTS)."""
    return sorted_page(
        with_tickets(with_lines(orders)),
        page_size=page_size,
        page_token=page_token,
        order_by=order_by,
        sortable=ORDER_SORTS,
        cursor_field="cursor",
        count_total=with_total_count,
    )


def order_dates(
    *,
    caller: Caller,
    date_hierarchy: str,
    time_zone: str = "",
    all_users: bool = False,
    status: str = "",
    event_id: int = 0,
    email_query: str = "",
    created_after: datetime | None = None,
    created_before: datetime | None = None,
) -> list[datetime]:
    """The years, months or days (`date_hierarchy`) in `time_zone` (default UTC) that orders of
    list_orders' filters were created in, oldest first: each period's first instant, in one query."""
    problems = {}
    if date_hierarchy not in DATE_HIERARCHY:
        problems["date_hierarchy"] = [f"Must be one of {', '.join(DATE_HIERARCHY)}."]
    try:
        if len(time_zone) > MAX_TIME_ZONE_LENGTH:
            raise ValueError(time_zone)
        zone = ZoneInfo(time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name no file system has a path for
        problems["time_zone"] = ["Not a known IANA time zone."]
    if problems:
        raise InvalidInput(field_errors=problems)
    orders = _orders(caller, all_users, status, event_id, email_query, created_after, created_before)
    periods = orders.annotate(period=Trunc("created_at", date_hierarchy, tzinfo=zone)).values_list("period", flat=True)
    # None: MySQL without its time zone tables cannot convert to a named zone other than UTC.
    return [period for period in periods.order_by("period").distinct() if period is not None]


def _orders(
    caller: Caller,
    all_users: bool,
    status: str,
    event_id: int,
    email_query: str,
    created_after: datetime | None,
    created_before: datetime | None,
) -> QuerySet:
    """The orders list_orders and order_dates read: the caller's, or everyone's for staff, filtered."""
    orders = _visible(Order, caller, all_users=all_users, status=status, event_id=event_id)
    if email_query:
        orders = orders.filter(email__icontains=email_query)
    if created_after:
        orders = orders.filter(created_at__gte=created_after)
    if created_before:
        orders = orders.filter(created_at__lt=created_before)
    return orders


def _visible(model, caller: Caller, *, all_users: bool, status: str, event_id: int):
    """The caller's rows of `model` (Order or Ticket), or everyone's for staff who ask, filtered."""
    if all_users and not caller.is_staff:
        raise Forbidden("Only staff can list other users' orders and tickets.")
    rows = model.objects.all() if all_users else model.objects.filter(user_id=caller.user_id)
    rows = _with_status(rows, model, status)
    if event_id:
        rows = rows.filter(event_id=event_id)
    return rows


def _with_status(rows: QuerySet, model, status: str) -> QuerySet:
    """`rows` of `status` (one of `model.Status`; "" for any); another is InvalidInput on `status`."""
    if not status:
        return rows
    if status not in model.Status.values:
        raise InvalidInput(field_errors={"status": [f"Must be one of {', '.join(model.Status.values)}."]})
    return rows.filter(status=status)


def get_ticket(*, caller: Caller, ticket_id: int) -> Ticket:
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None or not (caller.is_staff or ticket.user_id == caller.user_id):
        raise TicketNotFound()
    return ticket


def list_tickets(
    *,
    caller: Caller,
    page_size: int = 0,
    page_token: str = "",
    all_users: bool = False,
    status: str = "",
    event_id: int = 0,
    code_query: str = "",
    order_by: str = "",
    with_total_count: bool = False,
) -> Page:
    """The caller's tickets, newest first or in `order_by`'s order (TICKET_SORTS); staff may list
    everyone's, filtered. `with_total_count`: their number too."""
    tickets = _visible(Ticket, caller, all_users=all_users, status=status, event_id=event_id)
    if code_query:
        tickets = tickets.filter(code__startswith=code_query.strip())
    return sorted_page(
        tickets,
        page_size=page_size,
        page_token=page_token,
        order_by=order_by,
        sortable=TICKET_SORTS,
        cursor_field="cursor",
        count_total=with_total_count,
    )


def with_tickets(orders: QuerySet) -> QuerySet:
    """`orders` with their issued tickets read in one query for them all (issued_tickets answers them)."""
    return orders.prefetch_related(
        Prefetch("tickets", queryset=Ticket.objects.order_by("id"), to_attr="_issued_tickets")
    )


def with_lines(orders: QuerySet) -> QuerySet:
    """`orders` with their lines and the lines' ticket types read in one query each (order_lines),
    and their vouchers in the orders' own."""
    return orders.select_related("voucher").prefetch_related(_lines())


def order_lines(order: Order) -> list[OrderLine]:
    """The order's lines by ascending type id, with their ticket types, read once per order object."""
    if not hasattr(order, "_order_lines"):
        if "lines" not in getattr(order, "_prefetched_objects_cache", {}):
            prefetch_related_objects([order], _lines())
        order._order_lines = list(order.lines.all())
    return order._order_lines


def remember_lines(order: Order, lines: list[OrderLine]) -> None:
    """`lines`, just written with their ticket types, are the order's: order_lines answers them
    without a read (a reservation's answer shows the lines it inserted)."""
    order._order_lines = sorted(lines, key=lambda line: line.ticket_type_id)


def _lines() -> Prefetch:
    return Prefetch("lines", queryset=OrderLine.objects.select_related("ticket_type"))


def issued_tickets(order: Order) -> list[Ticket]:
    """The order's tickets by id, read once per order object (completing an order reads them for its
    confirmation email, and its answer shows the same ones)."""
    if not hasattr(order, "_issued_tickets"):
        order._issued_tickets = list(order.tickets.order_by("id"))
    return order._issued_tickets


def remember_issued(order: Order, tickets: list[Ticket]) -> None:
    """`tickets`, just inserted, are the order's: issued_tickets answers them without a read when
    the database gave their ids (MariaDB returns them from a bulk insert; MySQL only a single row's)."""
    if tickets and all(ticket.pk is not None for ticket in tickets):
        order._issued_tickets = sorted(tickets, key=lambda ticket: ticket.pk)


@dataclass(frozen=True)
class Buyer:
    email: str
    full_name: str
    amount_paid: Decimal
    currency: str
    tickets: int


def list_event_buyers(*, event_id: int, page_size: int = 0, page_token: str = "") -> tuple[list[Buyer], str]:
    """Everyone who paid for the event, one entry per email with what they paid, by email;
    returns a page and the next page's token ("" at the end)."""
    page_size = page_size or BUYERS_PAGE_SIZE
    if not 1 <= page_size <= 1000:
        raise InvalidInput(field_errors={"page_size": ["Must be between 1 and 1000."]})
    # paid_at marks orders that were paid, including those refunded since because the event was cancelled.
    orders = Order.objects.filter(
        event_id=event_id,
        paid_at__isnull=False,
        status__in=[Order.Status.PAID, Order.Status.REFUND_PENDING, Order.Status.REFUNDED],
    )
    if page_token:
        orders = orders.filter(email__gt=page_token)
    rows = list(
        orders.values("email")
        .annotate(full_name=Max("full_name"), amount=Sum("total"), currency=Max("currency"), tickets=Sum("quantity"))
        .order_by("email")[: page_size + 1]
    )
    buyers = [
        Buyer(row["email"], row["full_name"], Decimal(row["amount"]).quantize(CENT), row["currency"], row["tickets"])
        for row in rows[:page_size]
    ]
    return buyers, (buyers[-1].email if len(rows) > page_size else "")


def list_vouchers(
    *,
    caller: Caller,
    event_id: int,
    page_size: int = 0,
    page_token: str = "",
    order_by: str = "",
    with_total_count: bool = False,
) -> Page:
    """An event's vouchers newest first (or in `order_by`'s order, VOUCHER_SORTS), with their uses:
    its organizer's (or staff's) to see. `with_total_count`: their number too."""
    require_organizer(get_event_info(event_id, caller))
    vouchers = Voucher.objects.filter(event_id=event_id)
    return sorted_page(
        vouchers,
        page_size=page_size,
        page_token=page_token,
        order_by=order_by,
        sortable=VOUCHER_SORTS,
        default_size=50,
        max_size=1000,
        count_total=with_total_count,
    )


# --- the organizer's desk ---------------------------------------------------------------------------


def list_event_orders(
    *,
    caller: Caller,
    event_id: int,
    page_size: int = 0,
    page_token: str = "",
    status: str = "",
    query: str = "",
    ticket_type_id: int = 0,
    order_by: str = "",
    with_total_count: bool = False,
) -> Page:
    """Every order of the event, newest first (or in `order_by`'s order, ORDER_SORTS), with its lines
    and tickets (a query for each, whatever the page's size): its organizer's (or staff's) to see.
    `query` matches the buyer's email or full name in any case; `ticket_type_id`, the orders with a
    line of that type. `with_total_count`: their number too."""
    require_organizer(get_event_info(event_id, caller))
    orders = _with_status(Order.objects.filter(event_id=event_id), Order, status)
    if query.strip():
        orders = orders.filter(Q(email__icontains=query.strip()) | Q(full_name__icontains=query.strip()))
    if ticket_type_id:
        # An order has one line per type at most: no order comes twice.
        orders = orders.filter(lines__ticket_type_id=ticket_type_id)
    return _orders_page(orders, page_size, page_token, order_by, with_total_count)


def get_event_order(*, caller: Caller, event_id: int, order_id: int) -> Order:
    """One order of the event, for its organizer (or staff); an order of another event is missing."""
    require_organizer(get_event_info(event_id, caller))
    order = Order.objects.filter(pk=order_id, event_id=event_id).first()
    if order is None:
        raise OrderNotFound()
    return order


@dataclass(frozen=True)
class Attendee:
    ticket_id: int
    code_prefix: str
    ticket_type_id: int
    ticket_type_name: str
    holder_name: str
    email: str
    order_id: int
    status: str
    checked_in_at: datetime | None


def list_event_attendees(*, caller: Caller, event_id: int, page_size: int = 0, page_token: str = "") -> Page:
    """The event's valid and checked-in tickets with their type and buyer, by ascending ticket id, a
    page at a time (one query each: the export of 100,000 never holds more than a page): its
    organizer's (or staff's) to see. The page token is the last ticket id of the page."""
    require_organizer(get_event_info(event_id, caller))
    page_size = page_size or ATTENDEES_PAGE_SIZE
    problems = {}
    if not 1 <= page_size <= ATTENDEES_MAX_PAGE_SIZE:
        problems["page_size"] = [f"Must be between 1 and {ATTENDEES_MAX_PAGE_SIZE}."]
    if page_token and not TOKEN_PATTERN.fullmatch(page_token):
        problems["page_token"] = ["Invalid page token."]
    if problems:
        raise InvalidInput(field_errors=problems)
    tickets = Ticket.objects.filter(event_id=event_id, status__in=[Ticket.Status.VALID, Ticket.Status.CHECKED_IN])
    if page_token:
        tickets = tickets.filter(id__gt=int(page_token))
    rows = list(
        tickets.order_by("id").values_list(
            "id",
            "code",
            "ticket_type_id",
            "ticket_type__name",
            "holder_name",
            "order__email",
            "order_id",
            "status",
            "checked_in_at",
        )[: page_size + 1]
    )
    attendees = [Attendee(row[0], row[1][:CODE_PREFIX_LENGTH], *row[2:]) for row in rows[:page_size]]
    return Page(attendees, str(attendees[-1].ticket_id) if len(rows) > page_size else "")
