"""Back-office listings of data other services own (orders, tickets, payments):
a filter form, one gRPC list call, a table. Each listing is a `RemoteListing`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect, render

from gateway_project.api import clients
from gateway_project.backoffice.views import remote_error_page
from protos.notifications.v1 import notifications_pb2
from protos.payments.v1 import payments_pb2
from protos.tickets.v1 import tickets_pb2
from servicekit.grpc_client import RemoteError, ServiceClient
from servicekit.timestamps import from_timestamp

PAGE_SIZE = 50
ORDER_STATUSES = ["reserved", "paid", "cancelled", "expired", "refund_pending", "refunded"]
TICKET_STATUSES = ["valid", "checked_in", "void"]
PAYMENT_STATUSES = ["succeeded", "declined", "refunded"]
NOTIFICATION_KINDS = ["order_confirmation", "event_updated", "event_cancelled", "reminder"]
NOTIFICATION_STATUSES = ["pending", "sending", "sent", "failed"]


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


class NotificationFilter(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Recipient contains")
    kind = forms.ChoiceField(
        required=False, choices=[("", "any kind"), *((k, k.replace("_", " ")) for k in NOTIFICATION_KINDS)]
    )
    status = forms.ChoiceField(required=False, choices=_status_choices(NOTIFICATION_STATUSES))


@dataclass(frozen=True)
class RowAction:
    """A button on the rows it applies to, calling one RPC on that row's id."""

    label: str
    method: str
    request: Callable[[int], object]  # row id -> request message
    applies: Callable[[object], bool]  # row -> show the button?


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
    action: RowAction | None = None

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
        context["rows"] = [
            {
                "cells": [cell(item) for _, cell in self.columns],
                "action_id": item.id if self.action and self.action.applies(item) else None,
            }
            for item in self.items(response)
        ]
        context["action"] = self.action
        if response.next_page_token:
            params = request.GET.copy()
            params["cursor"] = response.next_page_token
            context["next_url"] = f"?{params.urlencode()}"
        return render(request, "backoffice/remote_list.html", context)

    def act(self, request, item_id: str):
        """POST: run the row action on one item, then back to the listing with a message."""
        try:
            self.client().call(
                self.action.method, self.action.request(int(item_id)), caller=clients.caller_for(request)
            )
        except RemoteError as exc:
            messages.error(request, f"{self.action.label} of #{item_id} failed: {exc.message or exc.status.name}")
        else:
            messages.success(request, f"{self.action.label}: #{item_id} done.")
        return redirect(f"admin:backoffice_{self.slug}")


NOTIFICATIONS_SECTION = "Notifications"
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
    RemoteListing(
        slug="notifications",
        title="Notification log",
        section=NOTIFICATIONS_SECTION,
        form_class=NotificationFilter,
        client=clients.notifications,
        method="ListNotifications",
        request=lambda f, token: notifications_pb2.ListNotificationsRequest(
            kind=f["kind"], status=f["status"], recipient_query=f["q"], page_size=PAGE_SIZE, page_token=token
        ),
        items=lambda response: response.notifications,
        columns=(
            ("Id", lambda n: n.id),
            ("Recipient", lambda n: n.recipient),
            ("Kind", lambda n: n.kind),
            ("Subject", lambda n: n.subject),
            ("Status", lambda n: n.status),
            ("Attempts", lambda n: n.attempts),
            ("Last error", lambda n: n.last_error),
            ("Sent", lambda n: when(n, "sent_at")),
            ("Created", lambda n: when(n, "created_at")),
        ),
        action=RowAction(
            label="Retry",
            method="RetryNotification",
            request=lambda item_id: notifications_pb2.RetryNotificationRequest(id=item_id),
            applies=lambda n: n.status == "failed",
        ),
    ),
)
