"""Back-office listings of data other services own: a filter form, one gRPC list call, a table.
Each listing is a `RemoteListing`; the events listing is in `views`, with the event's own pages.

As Django admin's changelist: the number of rows of the filters (the RPC counts them), column headers
that sort by their column (`o=total`, `o=-total`: the RPC's `order_by`, from the listing's allowlist)
and, over the orders, a date hierarchy (`created_at__year`, `__month`, `__day`: years, then months,
then days in the admin's time zone, narrowing the RPC's created_after and created_before)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme

from gateway_project.api import clients
from gateway_project.api.protos import ORDER_STATUS, PAYMENT_STATUS, TICKET_STATUS
from gateway_project.backoffice.base import local_datetime, page_context, remote_error_page
from protos.notifications.v1 import notifications_pb2
from protos.payments.v1 import payments_pb2
from protos.tickets.v1 import tickets_pb2
from servicekit import errors
from servicekit.grpc_client import ServiceClient
from servicekit.messages import EnumNames
from servicekit.timestamps import from_timestamp, to_timestamp

PAGE_SIZE = 50
MAX_CURSOR_LENGTH = 512
# The cursors of the pages before the one shown, kept in its query string for its "Previous" link
# (the list RPCs page by keyset, forward only); the oldest are dropped past this many.
MAX_PAGES_BACK = 50
ID = re.compile(r"[0-9]{1,18}")
NOTIFICATION_KINDS = [
    "order_confirmation",
    "event_updated",
    "event_cancelled",
    "reminder",
    "order_refunded",
    "staff_invited",
    "waiting_list_offer",
]
NOTIFICATION_STATUSES = ["pending", "sending", "sent", "failed"]
HEADERS = {"created_at": "Created"}  # every listing shows it so
SORT = "o"  # the query parameter of the order, Django admin's
# The query parameters of the date hierarchy's year, month and day, Django admin's (`<field>__year`...).
DATE_PARTS = ("year", "month", "day")
MIN_YEAR, MAX_YEAR = 1, 9998  # a year whose end is still a date
# The admin section of each service's pages, by the service's name in `clients`.
SECTIONS = {
    "events": "Events service",
    "tickets": "Tickets service",
    "payments": "Payments service",
    "notifications": "Notifications",
}


def status_choices(values: list[str], anything: str = "any status") -> list[tuple[str, str]]:
    return [("", anything), *((value, value.replace("_", " ")) for value in values)]


def header(name: str, headers: dict[str, str]) -> str:
    return headers.get(name) or HEADERS.get(name) or name.replace("_", " ").capitalize()


def cell(item, name: str):
    """A row's field as shown: rows are messages, or dicts (a serializer's, dates as ISO strings)."""
    if isinstance(item, dict):
        return local_datetime(item[name]) if name.endswith("_at") else item[name]
    return when(item, name) if name.endswith("_at") else getattr(item, name)


def when(message, name: str) -> str:
    """A message's timestamp field as every page shows a date (`local_datetime`); "" while unset."""
    return local_datetime(from_timestamp(getattr(message, name))) if message.HasField(name) else ""


def money(message, name: str) -> str:
    return f"{getattr(message, name)} {message.currency}"


def yes_no(message, name: str) -> str:
    """A boolean field as a word."""
    return "yes" if getattr(message, name) else "no"


def order_ticket_types(order, _name: str) -> str | int:
    """What an order is of: its ticket type's id for an order of one line (the field is 0 for an order
    of several), else each line's seats and type ("2 x Adult, 1 x Child")."""
    if order.ticket_type_id:
        return order.ticket_type_id
    return ", ".join(f"{line.quantity} x {line.name}" for line in order.lines)


def order_voucher(order, _name: str) -> str:
    """The voucher code an order used and how many of its seats it discounted; "" for none."""
    if not order.voucher:
        return ""
    return f"{order.voucher} ({order.voucher_seats} seat{'' if order.voucher_seats == 1 else 's'})"


# A voucher's discount_kind -> its discount in words, of its discount_value.
DISCOUNTS = {"percent": "{}% off", "amount": "{} off each seat", "price": "each seat at {}"}


def voucher_discount(voucher, _name: str) -> str:
    """A voucher's discount in words: "10.00% off", "5.00 off each seat", "each seat at 15.00"."""
    return DISCOUNTS.get(voucher.discount_kind, f"{voucher.discount_kind} {{}}").format(voucher.discount_value)


def voucher_ticket_types(voucher, _name: str) -> str:
    """The ids of the ticket types a voucher applies to; none listed means every type of the event."""
    return ", ".join(f"#{ticket_type_id}" for ticket_type_id in voucher.ticket_type_ids) or "every type"


def amount(message, name: str) -> str:
    """An amount of the message's currency, blank while it is zero (nothing refunded yet)."""
    return money(message, name) if getattr(message, name) not in ("", "0", "0.00") else ""


def order_url(event_id: int, order_id: int) -> str:
    """The back-office page of an order, under its event."""
    return reverse("admin:backoffice_event_order", args=[event_id, order_id])


def order_by_id_url(order_id: int) -> str:
    """The page of an order known by its id alone (a payment's): it finds the order's event, then goes there."""
    return reverse("admin:backoffice_order", args=[order_id])


def event_url(event_id: int) -> str:
    return reverse("admin:backoffice_event_detail", args=[event_id])


def user_url(user_id: int) -> str:
    """The Django admin's page of a user (the gateway owns the users)."""
    return reverse("admin:accounts_user_change", args=[user_id])


def ticket_url(ticket_id: int) -> str:
    return reverse("admin:backoffice_ticket", args=[ticket_id])


def payment_url(order_id: int) -> str:
    """The page of a payment, known by its order's id: the payments service keeps one per order (GetPayment)."""
    return reverse("admin:backoffice_order_payment", args=[order_id])


def notification_url(notification_id: int) -> str:
    return reverse("admin:backoffice_notification", args=[notification_id])


def enum_name(names: EnumNames) -> Callable[[object, str], str]:
    """A cell showing an enum field by its name, as the API does: ORDER_STATUS_PAID -> paid."""
    return lambda message, name: names.name(getattr(message, name))


def list_request(message_class, rename: dict[str, str] | None = None, **fixed) -> Callable[[dict, str], object]:
    """(cleaned filters, page token) -> the list request: each filter set goes to the request field of its
    name (or the one `rename` gives it), the empty ones are left unset."""

    def build(filters: dict, token: str):
        fields = {(rename or {}).get(key, key): value for key, value in filters.items() if value not in (None, "")}
        return message_class(**fixed, **fields, page_size=PAGE_SIZE, page_token=token)

    return build


def sort_by(order: str) -> tuple[str, bool]:
    """An `o` value -> (its column, descending?): "-total" -> ("total", True)."""
    return order.removeprefix("-"), order.startswith("-")


@dataclass(frozen=True)
class DateDrill:
    """Where the date hierarchy is: the year, month and day chosen, each None until chosen."""

    year: int | None = None
    month: int | None = None
    day: int | None = None

    @classmethod
    def of(cls, params, name: str) -> DateDrill:
        """From the query string's `<name>__year`, `__month` and `__day`; ValueError for a date that
        is not one, or a part given without the one above it."""
        parts = [params.get(f"{name}__{part}", "") for part in DATE_PARTS]
        if any(part and not (part.isdigit() and len(part) <= 4) for part in parts) or any(
            low and not high for high, low in itertools.pairwise(parts)
        ):
            raise ValueError(parts)
        year, month, day = (int(part) if part else None for part in parts)
        if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(year)
        date(year or 2000, month or 1, day or 1)  # a real date (ValueError if not)
        return cls(year, month, day)

    def period(self) -> tuple[datetime | None, datetime | None]:
        """The instants the chosen year, month or day starts and ends at, in the admin's time zone."""
        if self.year is None:
            return None, None
        zone = timezone.get_current_timezone()
        start = datetime(self.year, self.month or 1, self.day or 1, tzinfo=zone)
        if self.day:
            end = start.date() + timedelta(days=1)
        elif self.month:
            end = date(self.year + self.month // 12, self.month % 12 + 1, 1)
        else:
            end = date(self.year + 1, 1, 1)
        return start, datetime(end.year, end.month, end.day, tzinfo=zone)

    @property
    def level(self) -> str:
        """The periods the listing links below this one: years, a year's months, a month's days ("" on a day)."""
        if self.day:
            return ""
        return "day" if self.month else "month" if self.year else "year"


def date_hierarchy(drill: DateDrill, periods, link: Callable[..., str]) -> dict:
    """The links above the table, as Django admin's date_hierarchy: back to the level above, then each
    period of the one below that has rows (`periods`, the RPC's instants), or the day chosen."""
    zone = timezone.get_current_timezone()
    starts = [from_timestamp(period).astimezone(zone) for period in periods]
    if drill.day:
        chosen = date(drill.year, drill.month, drill.day)
        back = {"title": _month(chosen), "link": link(year=drill.year, month=drill.month)}
        return {"back": back, "choices": [{"title": _day(chosen), "link": None}]}
    if drill.month:
        back = {"title": str(drill.year), "link": link(year=drill.year)}
        choices = [(_day(day), {"year": day.year, "month": day.month, "day": day.day}) for day in starts]
    elif drill.year:
        back = {"title": "All dates", "link": link()}
        choices = [(_month(month), {"year": month.year, "month": month.month}) for month in starts]
    else:
        back, choices = None, [(str(year.year), {"year": year.year}) for year in starts]
    return {"back": back, "choices": [{"title": title, "link": link(**parts)} for title, parts in choices]}


def _month(day: date) -> str:
    return formats.date_format(day, "YEAR_MONTH_FORMAT")


def _day(day: date) -> str:
    return formats.date_format(day, "MONTH_DAY_FORMAT")


class OrderFilter(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Email contains")
    status = forms.ChoiceField(required=False, choices=status_choices(ORDER_STATUS.names))
    event_id = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, label="Event id")


class EventOrderFilter(forms.Form):
    # Required: ListEventOrders lists one event's orders (its organizer's or staff's to see).
    event_id = forms.IntegerField(min_value=1, max_value=2**63 - 1, label="Event id")
    query = forms.CharField(required=False, max_length=200, label="Email or name contains")
    status = forms.ChoiceField(required=False, choices=status_choices(ORDER_STATUS.names))
    ticket_type_id = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, label="Ticket type id")


class TicketFilter(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Code starts with")
    status = forms.ChoiceField(required=False, choices=status_choices(TICKET_STATUS.names))
    event_id = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, label="Event id")


class PaymentFilter(forms.Form):
    status = forms.ChoiceField(required=False, choices=status_choices(PAYMENT_STATUS.names))
    order_id = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, label="Order id")


class VoucherFilter(forms.Form):
    # Required: vouchers are listed per event (ListVouchers), and a row's action names its event.
    event_id = forms.IntegerField(min_value=1, max_value=2**63 - 1, label="Event id")


class NotificationFilter(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Recipient contains")
    kind = forms.ChoiceField(required=False, choices=status_choices(NOTIFICATION_KINDS, "any kind"))
    status = forms.ChoiceField(required=False, choices=status_choices(NOTIFICATION_STATUSES))


@dataclass(frozen=True)
class RowAction:
    """A button on the rows it applies to, calling one RPC on that row's id. The button posts the
    listing's filters along: a row is not always known by its id alone (a voucher: by its event too)."""

    label: str
    method: str
    request: Callable[[int, dict], object]  # (row id, the listing's cleaned filters) -> request message
    applies: Callable[[object], bool]  # row -> show the button?
    done: Callable[[object], str] | None = None  # the RPC's answer -> the message saying what happened
    # The action bar's label of the same RPC on every selected row ("" for none), and what it did to one.
    bulk: str = ""
    verb: str = "done"


@dataclass(frozen=True)
class RemoteListing:
    """One back-office table: which service to ask, how, and how to show a row."""

    slug: str
    title: str
    rpc: str  # "<service>.<method>": the list RPC, by the service's name in `clients`
    form_class: type[forms.Form]
    request: Callable[[dict, str], object]  # (cleaned filters, page token) -> request message
    columns: str  # the row fields shown, in order, separated by spaces
    # field -> its header, where not HEADERS' or its name's ("event_id": "Event id")
    headers: dict[str, str] = field(default_factory=dict)
    # field -> (row, field) -> its cell, where not its value (a message's timestamps: `when`)
    cells: dict[str, Callable[[object, str], object]] = field(default_factory=dict)
    action: RowAction | None = None
    help: str = ""  # a paragraph above the table
    # Shown instead of the table while no filter is given: for a list RPC that needs one (an event's vouchers).
    prompt: str = ""
    default_filters: Callable[[], dict] | None = None  # what the page shows when opened without filters
    # field -> (row -> the URL its cell links to: the row's page, or the page of the id it holds)
    links: dict[str, Callable[[object], str]] = field(default_factory=dict)
    nouns: tuple[str, str] = ("row", "rows")  # what a row is, one and many: "1,234 orders"
    # response -> rows, where not the messages of the response's one repeated field
    items: Callable[[object], list] | None = None
    # The columns whose headers sort by them (the RPC's order_by allowlist, or some of it).
    sortable: tuple[str, ...] = ()
    # The timestamp field of the date hierarchy ("created_at"): the RPC takes <field's name less _at>_after
    # and _before, and answers the periods below the one chosen (date_hierarchy, time_zone); "": none.
    date_hierarchy: str = ""

    @property
    def service(self) -> str:
        return self.rpc.partition(".")[0]

    @property
    def section(self) -> str:
        return SECTIONS[self.service]

    def client(self) -> ServiceClient:
        return getattr(clients, self.service)()

    def rows(self, response) -> list:
        if self.items:
            return list(self.items(response))
        (repeated,) = (field.name for field in response.DESCRIPTOR.fields if field.is_repeated)
        return list(getattr(response, repeated))

    @property
    def url_name(self) -> str:
        return f"backoffice_{self.slug}"

    def view(self, request):
        params = request.GET.copy()
        if not params and self.default_filters:
            params.update(self.default_filters())
        if self.prompt and not any(params.get(name) for name in self.form_class.base_fields):
            # Unbound: the page asks for the filter rather than calling its absence an error.
            return render(request, "backoffice/remote_list.html", self._context(request, self.form_class()))
        form = self.form_class(params)
        context = self._context(request, form, params)
        order, drill = params.get(SORT, ""), None
        if order and sort_by(order)[0] not in self.sortable:
            context["problems"] = [f"Cannot sort by “{order}”: sortable are {', '.join(self.sortable) or 'none'}."]
        if self.date_hierarchy:
            try:
                drill = DateDrill.of(params, self.date_hierarchy)
            except ValueError:
                context["problems"] = [*context.get("problems", []), "Not a date of the date hierarchy."]
        if not form.is_valid() or context.get("problems"):
            return render(request, "backoffice/remote_list.html", context, status=400)
        cursor = params.get("cursor", "")[:MAX_CURSOR_LENGTH]
        back = [token[:MAX_CURSOR_LENGTH] for token in params.getlist("back") if token][-MAX_PAGES_BACK:]
        list_request = self._request(form.cleaned_data, cursor, order, drill)
        try:
            response = getattr(self.client(), self.rpc.partition(".")[2])(
                list_request, caller=clients.caller_for(request)
            )
        except errors.DomainError as exc:
            return remote_error_page(request, "backoffice/remote_list.html", context, exc)
        items = self.rows(response)
        context[self.slug] = items
        context["rows"] = [self._row(item) for item in items]
        context["query"] = params.urlencode()  # what an action posts along, and returns to
        context["count"] = self._count(response, len(items), len(back) + 2 if cursor else 1)
        if drill is not None:
            link = lambda **parts: _date_url(params, self.date_hierarchy, parts)  # noqa: E731
            context["date_hierarchy"] = date_hierarchy(drill, response.created_dates.periods, link)
        if cursor:  # the page before: the last cursor kept, or the first page (none) once they are used up
            context["previous_url"] = _page_url(params, back[-1] if back else "", back[:-1])
        if response.next_page_token:
            context["next_url"] = _page_url(params, response.next_page_token, [*back, cursor] if cursor else back)
        return render(request, "backoffice/remote_list.html", context)

    def _request(self, filters: dict, cursor: str, order: str, drill: DateDrill | None):
        """The list RPC's request: the listing's own, counting every row, in the order asked, within the
        date hierarchy's period (its periods below asked for too)."""
        message = self.request(filters, cursor)
        fields = message.DESCRIPTOR.fields_by_name
        if "with_total_count" in fields:
            message.with_total_count = True
        if order:
            message.order_by = order
        if drill is not None:
            start, end = drill.period()
            prefix = self.date_hierarchy.removesuffix("_at")
            if start:
                getattr(message, f"{prefix}_after").CopyFrom(to_timestamp(start))
                getattr(message, f"{prefix}_before").CopyFrom(to_timestamp(end))
            message.date_hierarchy = drill.level
            message.time_zone = timezone.get_current_timezone_name()
        return message

    def _count(self, response, shown: int, page: int) -> str:
        """How many rows the filters match, as the admin's changelist says it ("1,234 orders"); a
        response without a count says how many the page shows. Past the first page, which it is."""
        total = getattr(response, "total_count", None)
        number = shown if total is None else total
        said = f"{number:,} {self.nouns[0] if number == 1 else self.nouns[1]}" + (" shown" if total is None else "")
        return said + (f" (page {page})" if page > 1 else "")

    def _context(self, request, form: forms.Form, params=None) -> dict:
        context = page_context(
            request, self.title, self.section, form=form, help=self.help, action=self.action, slug=self.slug
        )
        context["headers"] = [header(name, self.headers) for name in self.columns.split()]
        # (field, header, its sort: {"url", "sorted": "ascending"/"descending"/"", "toggle_url", "remove_url"} or None)
        context["columns"] = [
            (name, text, _sort_links(params, name) if params is not None and name in self.sortable else None)
            for name, text in zip(self.columns.split(), context["headers"], strict=True)
        ]
        if params is not None:
            # The toolbar's filter form keeps the order and the date chosen, as the admin's search form does.
            kept = [SORT, *(f"{self.date_hierarchy}__{part}" for part in DATE_PARTS if self.date_hierarchy)]
            context["kept_params"] = [(name, params[name]) for name in kept if params.get(name)]
        context["list_url"] = reverse(f"admin:{self.url_name}")
        if self.action and self.action.bulk:
            context["bulk_url"] = reverse(f"admin:{self.url_name}_bulk")
        if not form.is_bound:
            context["prompt"] = self.prompt
        return context

    def _row(self, item) -> dict:
        return {
            "cells": [
                {
                    "name": name,
                    "value": self.cells.get(name, cell)(item, name),
                    "url": self.links[name](item) if name in self.links else None,
                }
                for name in self.columns.split()
            ],
            "action_id": item.id if self.action and self.action.applies(item) else None,
        }

    def act(self, request, item_id: str):
        """POST: run the row action on one item of the listing filtered as the query string says, then
        back to that listing (or to the item's page, posted as `next`) with a message saying what
        happened. Filters it cannot take: a 400 page."""
        form = self.form_class(request.GET)
        if not form.is_valid():
            return render(request, "backoffice/remote_list.html", self._context(request, form), status=400)
        try:
            rpc = getattr(self.client(), self.action.method)
            answer = rpc(self.action.request(int(item_id), form.cleaned_data), caller=clients.caller_for(request))
        except errors.DomainError as exc:
            messages.error(request, f"{self.action.label} of #{item_id} failed: {exc.message or exc.status.name}")
        else:
            done = self.action.done(answer) if self.action.done else f"{self.action.label}: #{item_id} done."
            messages.success(request, done)
        after = request.POST.get("next", "")
        if after and url_has_allowed_host_and_scheme(after, {request.get_host()}, request.is_secure()):
            return redirect(after)
        return self._back(request)

    def act_on_selected(self, request):
        """POST (the action bar): run the row action on every selected row, one RPC each, then back to
        the listing as it was (filters and page, from the query string) with one message: how many
        were done, and which were not and why. Filters it cannot take: a 400 page."""
        form = self.form_class(request.GET)
        if not form.is_valid():
            return render(request, "backoffice/remote_list.html", self._context(request, form), status=400)
        if request.POST.get("action") != self.action.method.lower():
            messages.warning(request, "No action selected.")
            return self._back(request)
        ids = list(dict.fromkeys(int(i) for i in request.POST.getlist("_selected_action") if ID.fullmatch(i)))
        if not ids:
            messages.warning(request, "Items must be selected in order to perform actions on them. Nothing changed.")
            return self._back(request)
        if len(ids) > PAGE_SIZE:
            messages.error(request, f"At most {PAGE_SIZE} rows at a time (a page): nothing changed.")
            return self._back(request)
        rpc, caller = getattr(self.client(), self.action.method), clients.caller_for(request)
        done, refused = [], []
        for item_id in ids:
            try:
                rpc(self.action.request(item_id, form.cleaned_data), caller=caller)
            except errors.DomainError as exc:
                refused.append(f"#{item_id} ({exc.message or exc.status.name})")
            else:
                done.append(f"#{item_id}")
        said = f"{len(done)} of {len(ids)} selected {self.action.verb}" + (f": {', '.join(done)}." if done else ".")
        if not refused:
            messages.success(request, said)
        else:
            level = messages.warning if done else messages.error
            level(request, f"{said} Not {self.action.verb}: {', '.join(refused)}.")
        return self._back(request)

    def _back(self, request):
        """To the listing as the query string had it."""
        query = request.GET.urlencode()
        return redirect(f"{reverse(f'admin:{self.url_name}')}{'?' if query else ''}{query}")


def _sort_links(params, name: str) -> dict:
    """A sortable column's header links, as the admin's: the header sorts by the column, ascending
    first and the other way round once sorted so (the toggle too); "remove" goes back to the listing's
    own order. Every link starts at the first page."""
    column, descending = sort_by(params.get(SORT, ""))
    sorted_now = ("descending" if descending else "ascending") if column == name else ""
    toggled = f"{'' if sorted_now == 'descending' else '-'}{name}" if sorted_now else name
    return {
        "url": _listing_url(params, {SORT: toggled}),
        "sorted": sorted_now,
        "toggle_url": _listing_url(params, {SORT: toggled}),
        "remove_url": _listing_url(params, {SORT: None}),
    }


def _date_url(params, name: str, parts: dict) -> str:
    """The listing's query string with the date hierarchy at `parts` (year, month, day: those given)."""
    return _listing_url(params, {f"{name}__{part}": parts.get(part) for part in DATE_PARTS})


def _listing_url(params, changes: dict) -> str:
    """The listing's query string from its first page with `changes` (a None value drops its parameter)."""
    query = params.copy()
    for name in ("cursor", "back", *changes):
        query.pop(name, None)
    for name, value in changes.items():
        if value is not None:
            query[name] = str(value)
    return f"?{query.urlencode()}"


def _page_url(params, cursor: str, back: list[str]) -> str:
    """The listing's query string for the page at `cursor` ("": the first), after the pages at `back`."""
    page = params.copy()
    page.pop("cursor", None)
    page.setlist("back", back)
    if cursor:
        page["cursor"] = cursor
    return f"?{page.urlencode()}"


# The columns of the orders' listings that sort (ListOrders' and ListEventOrders' allowlist).
ORDER_SORTS = ("id", "email", "quantity", "total", "status", "created_at")

LISTINGS = (
    RemoteListing(
        slug="orders",
        title="Orders",
        form_class=OrderFilter,
        rpc="tickets.ListOrders",
        request=list_request(tickets_pb2.ListOrdersRequest, {"q": "email_query"}, all_users=True),
        columns="id email full_name event_id ticket_type_id quantity total voucher status created_at paid_at",
        headers={"full_name": "Buyer", "ticket_type_id": "Ticket type", "paid_at": "Paid"},
        cells={
            "ticket_type_id": order_ticket_types,
            "total": money,
            "voucher": order_voucher,
            "status": enum_name(ORDER_STATUS),
        },
        links={"id": lambda order: order_url(order.event_id, order.id), "event_id": lambda o: event_url(o.event_id)},
        nouns=("order", "orders"),
        sortable=ORDER_SORTS,
        date_hierarchy="created_at",
    ),
    RemoteListing(
        slug="event-orders",
        title="Orders of an event",
        form_class=EventOrderFilter,
        rpc="tickets.ListEventOrders",
        request=list_request(tickets_pb2.ListEventOrdersRequest),
        columns="id email full_name ticket_type_id quantity total refunded_amount voucher status created_at paid_at",
        headers={
            "full_name": "Buyer",
            "ticket_type_id": "Ticket type",
            "refunded_amount": "Refunded",
            "paid_at": "Paid",
        },
        cells={
            "ticket_type_id": order_ticket_types,
            "total": money,
            "refunded_amount": amount,
            "voucher": order_voucher,
            "status": enum_name(ORDER_STATUS),
        },
        help="Every order of one event, any buyer and status, newest first: what its organizer sees on their "
        "desk. Open an order to see its tickets and payment, or to refund it.",
        prompt="Enter an event id to list its orders (the event's page links here too).",
        links={"id": lambda order: order_url(order.event_id, order.id)},
        nouns=("order", "orders"),
        sortable=ORDER_SORTS,
    ),
    RemoteListing(
        slug="tickets",
        title="Tickets",
        form_class=TicketFilter,
        rpc="tickets.ListTickets",
        request=list_request(tickets_pb2.ListTicketsRequest, {"q": "code_query"}, all_users=True),
        columns="id code holder_name event_id order_id status checked_in_at",
        headers={"holder_name": "Holder", "checked_in_at": "Checked in"},
        cells={"status": enum_name(TICKET_STATUS)},
        links={
            "id": lambda ticket: ticket_url(ticket.id),
            "code": lambda ticket: ticket_url(ticket.id),
            "event_id": lambda ticket: event_url(ticket.event_id),
            "order_id": lambda ticket: order_url(ticket.event_id, ticket.order_id),
        },
        nouns=("ticket", "tickets"),
        sortable=("id", "holder_name", "event_id", "order_id", "status"),
    ),
    RemoteListing(
        slug="vouchers",
        title="Vouchers",
        form_class=VoucherFilter,
        rpc="tickets.ListVouchers",
        request=list_request(tickets_pb2.ListVouchersRequest),
        columns="id code discount_kind ticket_type_ids uses valid_from valid_until unlocks_hidden active created_at",
        headers={"discount_kind": "Discount", "ticket_type_ids": "Ticket types", "uses": "Uses / max"},
        cells={
            "discount_kind": voucher_discount,
            "ticket_type_ids": voucher_ticket_types,
            "uses": lambda v, _: f"{v.uses} / {v.max_uses}",
            "valid_from": when,
            "valid_until": when,
            "unlocks_hidden": yes_no,
            "active": yes_no,
        },
        help="An event's vouchers, newest first; uses are the seats each has discounted, held or paid. "
        "Deactivated, a voucher discounts no more seats; those it discounted keep their price.",
        prompt="Enter an event id to list its vouchers (the event's page links here too).",
        action=RowAction(
            label="Deactivate",
            method="DeactivateVoucher",
            request=lambda item_id, filters: tickets_pb2.DeactivateVoucherRequest(
                event_id=filters["event_id"], voucher_id=item_id
            ),
            applies=lambda v: v.active,
            done=lambda v: f"Voucher {v.code} deactivated: it discounts no more seats.",
        ),
        nouns=("voucher", "vouchers"),
        sortable=("id", "code", "uses", "active", "created_at"),
    ),
    RemoteListing(
        slug="payments",
        title="Payments and refunds",
        form_class=PaymentFilter,
        rpc="payments.ListPayments",
        request=list_request(payments_pb2.ListPaymentsRequest),
        columns="id order_id status amount last4 decline_reason refunded_amount refunded_at created_at",
        headers={"last4": "Card", "decline_reason": "Declined because", "refunded_amount": "Refunded"},
        cells={
            "status": enum_name(PAYMENT_STATUS),
            "amount": money,
            "last4": lambda p, _: f"{p.brand} •••• {p.last4}" if p.last4 else "",
            "refunded_amount": lambda p, _: p.refunded_amount if p.refunded_amount not in ("", "0", "0.00") else "",
        },
        # A payment does not know its order's event: the order's link looks the order up, then goes to it.
        links={"id": lambda p: payment_url(p.order_id), "order_id": lambda p: order_by_id_url(p.order_id)},
        nouns=("payment", "payments"),
        sortable=("id", "order_id", "status", "amount", "created_at"),
    ),
    RemoteListing(
        slug="notifications",
        title="Notification log",
        form_class=NotificationFilter,
        rpc="notifications.ListNotifications",
        request=list_request(notifications_pb2.ListNotificationsRequest, {"q": "recipient_query"}),
        columns="id recipient kind subject status attempts last_error sent_at created_at",
        headers={"sent_at": "Sent"},
        action=RowAction(
            label="Retry",
            method="RetryNotification",
            request=lambda item_id, _filters: notifications_pb2.RetryNotificationRequest(id=item_id),
            applies=lambda n: n.status == "failed",
            bulk="Retry selected failed emails",
            verb="retried",
        ),
        links={"id": lambda n: notification_url(n.id)},
        nouns=("notification", "notifications"),
        sortable=("id", "recipient", "kind", "status", "attempts", "created_at"),
    ),
)
