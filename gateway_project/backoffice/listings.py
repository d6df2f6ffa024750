"""Back-office listings of data other services own (orders, tickets, payments):
a filter form, one gRPC list call, a table. Each listing is a `RemoteListing`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import admin
from django.shortcuts import render

from gateway_project.api import clients
from gateway_project.backoffice.views import remote_error_page
from protos.payments.v1 import payments_pb2
from protos.tickets.v1 import tickets_pb2
from servicekit.grpc_client import RemoteError, ServiceClient
from servicekit.timestamps import from_timestamp

PAGE_SIZE = 50
ORDER_STATUSES = ["reserved", "paid", "cancelled", "expired", "refund_pending", "refunded"]
TICKET_STATUSES = ["valid", "checked_in", "void"]
PAYMENT_STATUSES = ["succeeded", "declined", "refunded"]


def _status_choices(values: list[str]) -> list[tuple[str, str]]:
    return [("", "any status"), *((value, value.replace("_", " ")) for value in values)]


def enum_name(enum, value: int, prefix: str) -> str:
    return enum.Name(value).removeprefix(prefix).lower()


def when(message, field: str) -> str:
    return from_timestamp(getattr(message, field)).strftime("%Y-%m-%d %H:%M:%S UTC") if message.HasField(field) else ""


class OrderFilter(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Email contains")
    status = forms.ChoiceField(required=False, choices=_status_choices(ORDER_STATUSES))
    event_id = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, label="Event id")


class TicketFilter(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Code starts with")
    status = forms.ChoiceField(required=False, choices=_status_choices(TICKET_STATUSES))
    event_id = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, label="Event id")


class PaymentFilter(forms.Form):
    status = forms.ChoiceField(required=False, choices=_status_choices(PAYMENT_STATUSES))
    order_id = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, label="Order id")


@dataclass(frozen=True)
class RemoteListing:
    """One back-office table: which service to ask, how, and how to show a row."""

    slug: str
    title: str
    section: str
    form_class: type[forms.Form]
    client: Callable[[], ServiceClient]
    method: str
    request: Callable[[dict, str], object]  # (cleaned filters, page token) -> request message
    items: Callable[[object], list]  # response -> rows
    columns: tuple[tuple[str, Callable[[object], object]], ...]

    def view(self, request):
        form = self.form_class(request.GET)
        context = {
            **admin.site.each_context(request),
            "title": self.title,
            "app_name": self.section,
            "form": form,
            "headers": [header for header, _ in self.columns],
        }
        if not form.is_valid():
            return render(request, "backoffice/remote_list.html", context, status=400)
        try:
            response = self.client().call(
                self.method,
                self.request(form.cleaned_data, request.GET.get("cursor", "")[:64]),
                caller=clients.caller_for(request),
            )
        except RemoteError as exc:
            return remote_error_page(request, "backoffice/remote_list.html", context, exc)
        context["rows"] = [[cell(item) for _, cell in self.columns] for item in self.items(response)]
        if response.next_page_token:
            params = request.GET.copy()
            params["cursor"] = response.next_page_token
            context["next_url"] = f"?{params.urlencode()}"
        return render(request, "backoffice/remote_list.html", context)


TICKETS_SECTION = "Tickets service"
PAYMENTS_SECTION = "Payments service"

LISTINGS = (
    RemoteListing(
        slug="orders",
        title="Orders",
        section=TICKETS_SECTION,
        form_class=OrderFilter,
        client=clients.tickets,
        method="ListOrders",
        request=lambda f, token: tickets_pb2.ListOrdersRequest(
            all_users=True,
            status=f["status"],
            event_id=f["event_id"] or 0,
            email_query=f["q"],
            page_size=PAGE_SIZE,
            page_token=token,
        ),
        items=lambda response: response.orders,
        columns=(
            ("Id", lambda o: o.id),
            ("Email", lambda o: o.email),
            ("Buyer", lambda o: o.full_name),
            ("Event id", lambda o: o.event_id),
            ("Ticket type id", lambda o: o.ticket_type_id),
            ("Quantity", lambda o: o.quantity),
            ("Total", lambda o: f"{o.total} {o.currency}"),
            ("Status", lambda o: enum_name(tickets_pb2.OrderStatus, o.status, "ORDER_STATUS_")),
            ("Created", lambda o: when(o, "created_at")),
            ("Paid", lambda o: when(o, "paid_at")),
        ),
    ),
    RemoteListing(
        slug="tickets",
        title="Tickets",
        section=TICKETS_SECTION,
        form_class=TicketFilter,
        client=clients.tickets,
        method="ListTickets",
        request=lambda f, token: tickets_pb2.ListTicketsRequest(
            all_users=True,
            status=f["status"],
            event_id=f["event_id"] or 0,
            code_query=f["q"],
            page_size=PAGE_SIZE,
            page_token=token,
        ),
        items=lambda response: response.tickets,
        columns=(
            ("Id", lambda t: t.id),
            ("Code", lambda t: t.code),
            ("Holder", lambda t: t.holder_name),
            ("Event id", lambda t: t.event_id),
            ("Order id", lambda t: t.order_id),
            ("Status", lambda t: enum_name(tickets_pb2.TicketStatus, t.status, "TICKET_STATUS_")),
            ("Checked in", lambda t: when(t, "checked_in_at")),
        ),
    ),
    RemoteListing(
        slug="payments",
        title="Payments and refunds",
        section=PAYMENTS_SECTION,
        form_class=PaymentFilter,
        client=clients.payments,
        method="ListPayments",
        request=lambda f, token: payments_pb2.ListPaymentsRequest(
            status=f["status"], order_id=f["order_id"] or 0, page_size=PAGE_SIZE, page_token=token
        ),
        items=lambda response: response.payments,
        columns=(
            ("Id", lambda p: p.id),
            ("Order id", lambda p: p.order_id),
            ("Status", lambda p: enum_name(payments_pb2.PaymentStatus, p.status, "PAYMENT_STATUS_")),
            ("Amount", lambda p: f"{p.amount} {p.currency}"),
            ("Card", lambda p: f"{p.brand} •••• {p.last4}" if p.last4 else ""),
            ("Declined because", lambda p: p.decline_reason),
            ("Refunded", lambda p: p.refunded_amount if p.refunded_amount not in ("", "0", "0.00") else ""),
            ("Refunded at", lambda p: when(p, "refunded_at")),
            ("Created", lambda p: when(p, "created_at")),
        ),
    ),
)
