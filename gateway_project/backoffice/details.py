"""The pages of one ticket, one payment and one notification, reached from their listings: every
field, the order or event each belongs to as links, and a failed notification's Retry button.

They read as the listings do, as staff: GetTicket (staff may read any ticket), GetPayment (the
payments service keeps one payment per order, so a payment's page is its order's), and
ListNotifications filtered to one id (the notifications service has no Get RPC).
"""

import re
from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from gateway_project.api import clients
from gateway_project.api.protos import PAYMENT_STATUS, TICKET_STATUS
from gateway_project.backoffice.base import page_context, remote_error_page
from gateway_project.backoffice.listings import (
    SECTIONS,
    amount,
    event_url,
    money,
    notification_url,
    order_by_id_url,
    order_url,
    when,
)
from protos.notifications.v1 import notifications_pb2
from protos.payments.v1 import payments_pb2
from protos.tickets.v1 import tickets_pb2
from servicekit import errors

TEMPLATE = "backoffice/detail.html"
# What a notification is about, from its dedupe key ("order_confirmation:42", "reminder:7:ann@..."):
# the kinds whose key starts with an order's id, and those whose key starts with an event's.
ORDER_KINDS = ("order_confirmation", "order_refunded")
EVENT_KINDS = ("event_updated", "event_cancelled", "reminder")
KEY_ID = re.compile(r"[a-z_]+:([0-9]{1,18})(?::|$)")


def _context(request, service: str, listing: str, title: str, **extra) -> dict:
    """A detail page's context, its breadcrumbs through the listing it is reached from."""
    listing_url = reverse(f"admin:backoffice_{listing}")
    titles = {"tickets": "Tickets", "payments": "Payments and refunds", "notifications": "Notification log"}
    breadcrumbs = [(SECTIONS[service], listing_url), (titles[listing], listing_url), (title, None)]
    return page_context(request, title, SECTIONS[service], breadcrumbs=breadcrumbs, slug=listing, **extra)


def ticket_detail(request, ticket_id: str):
    """A ticket: its code, status, holder and check-in, linked to its event and order."""
    context = _context(request, "tickets", "tickets", f"Ticket {ticket_id}")
    try:
        ticket = clients.tickets().GetTicket(
            tickets_pb2.GetTicketRequest(ticket_id=int(ticket_id)), caller=clients.caller_for(request)
        )
    except errors.DomainError as exc:
        return remote_error_page(request, TEMPLATE, context, exc)
    context["fields"] = [
        ("Id", ticket.id, None),
        ("Code", ticket.code, None),
        ("Status", TICKET_STATUS.name(ticket.status), None),
        ("Holder", ticket.holder_name, None),
        ("Event", ticket.event_id, event_url(ticket.event_id)),
        ("Order", ticket.order_id, order_url(ticket.event_id, ticket.order_id)),
        ("Ticket type", ticket.ticket_type_id, None),
        ("Checked in", when(ticket, "checked_in_at") or "not yet", None),
    ]
    return render(request, TEMPLATE, context)


def payment_detail(request, order_id: str):
    """An order's payment: what was charged on which card, why it was declined, what was refunded;
    linked to its order and to the listing of the order's payments and refunds."""
    context = _context(request, "payments", "payments", f"Payment of order {order_id}")
    try:
        payment = clients.payments().GetPayment(
            payments_pb2.GetPaymentRequest(order_id=int(order_id)), caller=clients.caller_for(request)
        )
    except errors.DomainError as exc:
        return remote_error_page(request, TEMPLATE, context, exc)
    listing = f"{reverse('admin:backoffice_payments')}?{urlencode({'order_id': payment.order_id})}"
    context["title"] = f"Payment {payment.id}"
    context["breadcrumbs"][-1] = (context["title"], None)
    context["fields"] = [
        ("Id", payment.id, None),
        ("Order", payment.order_id, order_by_id_url(payment.order_id)),
        ("Status", PAYMENT_STATUS.name(payment.status), None),
        ("Amount", money(payment, "amount"), None),
        ("Card", f"{payment.brand} •••• {payment.last4}" if payment.last4 else "", None),
        ("Declined because", payment.decline_reason, None),
        ("Refunded", amount(payment, "refunded_amount") or "nothing", None),
        ("Last refunded", when(payment, "refunded_at"), None),
        ("Created", when(payment, "created_at"), None),
        ("Refunds", "Payments and refunds of this order", listing),
    ]
    return render(request, TEMPLATE, context)


def notification_detail(request, notification_id: str):
    """An email of the log: to whom, about what (its order or event, linked), its state and last
    error; a failed one has a Retry button (the listing's row action, returning here)."""
    context = _context(request, "notifications", "notifications", f"Notification {notification_id}")
    try:
        response = clients.notifications().ListNotifications(
            notifications_pb2.ListNotificationsRequest(id=int(notification_id), page_size=1),
            caller=clients.caller_for(request),
        )
    except errors.DomainError as exc:
        return remote_error_page(request, TEMPLATE, context, exc)
    if not response.notifications:
        raise Http404(f"No notification {notification_id}.")
    (notification,) = response.notifications
    about_label, about_url = _about(notification)
    context["fields"] = [
        ("Id", notification.id, None),
        ("Kind", notification.kind.replace("_", " "), None),
        ("Recipient", notification.recipient, None),
        ("Subject", notification.subject, None),
        ("Status", notification.status, None),
        ("Attempts", notification.attempts, None),
        ("Last error", notification.last_error or "none", None),
        ("Created", when(notification, "created_at"), None),
        ("Sent", when(notification, "sent_at") or "not yet", None),
        ("About", about_label, about_url),
    ]
    if notification.status == "failed":
        context["action"] = {
            "label": "Retry",
            "url": reverse("admin:backoffice_notifications_action", args=[notification.id]),
            "next": notification_url(notification.id),
        }
    return render(request, TEMPLATE, context)


def _about(notification: notifications_pb2.Notification) -> tuple[str, str | None]:
    """What the email is about, from its dedupe key: (its order or event, the link to it), or the key
    itself unlinked for a kind keyed otherwise (a staff invitation's is its member's id)."""
    match = KEY_ID.match(notification.dedupe_key)
    if match and notification.kind in ORDER_KINDS:
        return f"Order {match[1]}", order_by_id_url(int(match[1]))
    if match and notification.kind in EVENT_KINDS:
        return f"Event {match[1]}", event_url(int(match[1]))
    return notification.dedupe_key, None
