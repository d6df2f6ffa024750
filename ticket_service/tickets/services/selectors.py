"""Reads: the caller's orders and tickets, an order's lines and issued tickets, an event's buyers and
vouchers."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max, Prefetch, QuerySet, Sum, prefetch_related_objects

from servicekit.errors import Forbidden, InvalidInput
from servicekit.identity import Caller
from servicekit.money import CENT
from servicekit.pagination import Page, newest_first
from ticket_service.tickets.models import Order, OrderLine, Ticket, Voucher
from ticket_service.tickets.services.errors import OrderNotFound, TicketNotFound
from ticket_service.tickets.services.events import get_event_info, require_organizer

BUYERS_PAGE_SIZE = 500


def own_order(caller: Caller, order_id: int) -> Order:
    order = Order.objects.filter(pk=order_id).first()
    # Someone else's order is reported as missing: its existence is not theirs to know.
    if order is None or not (caller.is_staff or order.user_id == caller.user_id):
        raise OrderNotFound()
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
) -> Page:
    """The caller's orders, newest first; staff may list everyone's, filtered."""
    orders = _visible(Order, caller, all_users=all_users, status=status, event_id=event_id)
    if email_query:
        orders = orders.filter(email__icontains=email_query)
    return newest_first(with_lines(orders), page_size=page_size, page_token=page_token, cursor_field="cursor")


def _visible(model, caller: Caller, *, all_users: bool, status: str, event_id: int):
    """The caller's rows of `model` (Order or Ticket), or everyone's for staff who ask, filtered."""
    if all_users and not caller.is_staff:
        raise Forbidden("Only staff can list other users' orders and tickets.")
    rows = model.objects.all() if all_users else model.objects.filter(user_id=caller.user_id)
    if status:
        if status not in model.Status.values:
            raise InvalidInput(field_errors={"status": [f"Must be one of {', '.join(model.Status.values)}."]})
        rows = rows.filter(status=status)
    if event_id:
        rows = rows.filter(event_id=event_id)
    return rows


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
) -> Page:
    """The caller's tickets, newest first; staff may list everyone's, filtered."""
    tickets = _visible(Ticket, caller, all_users=all_users, status=status, event_id=event_id)
    if code_query:
        tickets = tickets.filter(code__startswith=code_query.strip())
    return newest_first(tickets, page_size=page_size, page_token=page_token, cursor_field="cursor")


def with_lines(orders: QuerySet) -> QuerySet:
    """`orders` with their lines and the lines' ticket types read in one query each (order_lines),
    and their vouchers in the orders' own."""
    return orders.select_related("voucher").prefetch_related(_lines())


def order_lines(order: Order) -> list[OrderLine]:
    """The order's lines by ascending type id, with their ticket types, read once per order object."""
    if "lines" not in getattr(order, "_prefetched_objects_cache", {}):
        prefetch_related_objects([order], _lines())
    return list(order.lines.all())


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
    the database gave their ids (MariaDB returns them from a bulk insert; MySQL does not)."""
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


def list_vouchers(*, caller: Caller, event_id: int, page_size: int = 0, page_token: str = "") -> Page:
    """An event's vouchers newest first, with their uses: its organizer's (or staff's) to see."""
    require_organizer(caller, get_event_info(event_id, caller))
    vouchers = Voucher.objects.filter(event_id=event_id)
    return newest_first(vouchers, page_size=page_size, page_token=page_token, default_size=50, max_size=1000)
