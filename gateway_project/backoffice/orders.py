"""An order's back-office pages, under its event: the order with its lines, tickets, payment and
refunds, and refunding it from a confirmation page.

They call the organizer-or-staff RPCs the API's organizer desk calls (GetEventOrder, RefundOrder),
so the tickets service's rules apply to staff too; the payment is read from the staff-only
ListPayments. Only a POST refunds, and a double-submitted confirmation refunds once: a full refund
is claimed under the order's one "full" key in the tickets and payments services, and refunding a
refunded order returns it as it is.
"""

from decimal import Decimal

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from gateway_project.api import clients
from gateway_project.api.protos import ORDER_STATUS, PAYMENT_STATUS, TICKET_STATUS
from gateway_project.backoffice.base import failure, page_context, remote_error_page
from gateway_project.backoffice.listings import (
    SECTIONS,
    amount,
    event_url,
    money,
    order_url,
    order_voucher,
    payment_url,
    ticket_url,
    user_url,
    when,
)
from protos.payments.v1 import payments_pb2
from protos.tickets.v1 import tickets_pb2
from servicekit import errors

PAID = tickets_pb2.ORDER_STATUS_PAID
REFUNDED = tickets_pb2.ORDER_STATUS_REFUNDED


def _context(request, event_id: int, order_id: int, title: str, **extra) -> dict:
    breadcrumbs = [
        (SECTIONS["events"], reverse("admin:backoffice_events")),
        ("Events", reverse("admin:backoffice_events")),
        (f"Event {event_id}", reverse("admin:backoffice_event_detail", args=[event_id])),
        ("Orders", f"{reverse('admin:backoffice_event-orders')}?event_id={event_id}"),
        (f"Order {order_id}", order_url(event_id, order_id)),
    ]
    return page_context(request, title, SECTIONS["tickets"], breadcrumbs=breadcrumbs, **extra)


def _get_order(request, event_id: int, order_id: int) -> tickets_pb2.Order:
    return clients.tickets().GetEventOrder(
        tickets_pb2.GetEventOrderRequest(event_id=event_id, order_id=order_id), caller=clients.caller_for(request)
    )


def order_detail(request, event_id: str, order_id: str):
    """The order: its fields, lines, tickets (each linked to its page), payment and refunds."""
    event_id, order_id = int(event_id), int(order_id)
    context = _context(request, event_id, order_id, f"Order {order_id}")
    try:
        order = _get_order(request, event_id, order_id)
    except errors.DomainError as exc:
        return remote_error_page(request, "backoffice/order_detail.html", context, exc)
    context.update(
        order=order,
        fields=_fields(order),
        lines=[_line(order, line) for line in order.lines],
        tickets=_tickets(order),
        payment=_payment(request, order),
        refundable=order.status == PAID,
        refund_url=reverse("admin:backoffice_event_order_refund", args=[event_id, order_id]),
    )
    return render(request, "backoffice/order_detail.html", context)


def order_refund(request, event_id: str, order_id: str):
    """GET: what refunding the order in full will do (its amount, the tickets made void, the buyer
    emailed) and a form to confirm it. POST: the refund, then back to the order with a message."""
    event_id, order_id = int(event_id), int(order_id)
    if request.method == "POST":
        return _refund(request, event_id, order_id)
    context = _context(request, event_id, order_id, "Are you sure?", back_url=order_url(event_id, order_id))
    try:
        order = _get_order(request, event_id, order_id)
    except errors.DomainError as exc:
        return remote_error_page(request, "backoffice/confirm.html", context, exc)
    context["breadcrumbs"].append(("Refund", None))
    if order.status != PAID:
        status = ORDER_STATUS.name(order.status).replace("_", " ")
        context["refusal"] = f"Order {order_id} is {status}: only a paid order can be refunded."
        return render(request, "backoffice/confirm.html", context)
    live = [ticket for ticket in order.tickets if ticket.status != tickets_pb2.TICKET_STATUS_VOID]
    checked_in = [str(t.id) for t in live if t.status == tickets_pb2.TICKET_STATUS_CHECKED_IN]
    rest = Decimal(order.total) - Decimal(order.refunded_amount or "0")
    summary = [
        f"Refunded: {rest} {order.currency} (of {order.total} {order.currency} paid)",
        f"Emailed: {order.full_name} <{order.email}>",
    ]
    if checked_in:  # the service decides; said here so that its refusal is no surprise
        summary.append(f"Checked in: ticket {', '.join(checked_in)}. The tickets service refuses to refund it.")
    context.update(
        question=f"Are you sure you want to refund order {order_id}? {rest} {order.currency} goes back on the "
        f"buyer's card, and these tickets become void: their seats go back on sale.",
        summary=summary,
        items_title="Tickets made void",
        items=[f"Ticket {t.id} ({t.code}), {t.holder_name}: {TICKET_STATUS.name(t.status)}" for t in live],
        action_url=reverse("admin:backoffice_event_order_refund", args=[event_id, order_id]),
        submit="Yes, refund the order",
    )
    return render(request, "backoffice/confirm.html", context)


def _refund(request, event_id: int, order_id: int):
    caller = clients.caller_for(request)
    try:
        before = _get_order(request, event_id, order_id)
        if before.status == REFUNDED:  # the message only: the service would refund nothing more either
            messages.info(request, f"Order {order_id} was refunded already: nothing more was refunded.")
            return redirect(order_url(event_id, order_id))
        after = clients.tickets().RefundOrder(
            tickets_pb2.RefundOrderRequest(event_id=event_id, order_id=order_id), caller=caller
        )
    except errors.NotFound as exc:
        raise Http404(exc.message) from None
    except errors.DomainError as exc:
        messages.error(request, f"Order {order_id} was not refunded. {failure(exc)}")
    else:
        refunded = Decimal(after.refunded_amount or "0") - Decimal(before.refunded_amount or "0")
        messages.success(
            request,
            f"Order {order_id} refunded: {refunded} {after.currency} back on the buyer's card, its tickets "
            f"void; {after.email} is emailed.",
        )
    return redirect(order_url(event_id, order_id))


def _fields(order: tickets_pb2.Order) -> list[tuple[str, object, str | None]]:
    """(label, value, link) of the order's fields shown at the top of its page."""
    return [
        ("Id", order.id, None),
        ("Status", ORDER_STATUS.name(order.status), None),
        ("Event", order.event_id, event_url(order.event_id)),
        ("Buyer", f"{order.full_name} <{order.email}>", None),
        ("Buyer's user", order.user_id, user_url(order.user_id)),
        ("Seats", order.quantity, None),
        ("Total", money(order, "total"), None),
        ("Refunded", amount(order, "refunded_amount") or "nothing", None),
        ("Voucher", order_voucher(order, "voucher") or "none", None),
        ("Created", when(order, "created_at"), None),
        ("Paid", when(order, "paid_at"), None),
    ] + (
        [("Hold expires", when(order, "expires_at"), None)] if order.status == tickets_pb2.ORDER_STATUS_RESERVED else []
    )


def _line(order: tickets_pb2.Order, line: tickets_pb2.OrderLine) -> dict:
    return {
        "ticket_type_id": line.ticket_type_id,
        "name": line.name,
        "quantity": line.quantity,
        "unit_price": f"{line.unit_price} {order.currency}",
        "discount": f"{line.discount} {order.currency}" if line.discount not in ("", "0", "0.00") else "",
        "total": f"{line.total} {order.currency}",
    }


def _tickets(order: tickets_pb2.Order) -> list[dict]:
    """The order's tickets, each linking to its page."""
    names = {line.ticket_type_id: line.name for line in order.lines}
    return [
        {
            "id": ticket.id,
            "code": ticket.code,
            "url": ticket_url(ticket.id),
            "holder_name": ticket.holder_name,
            "ticket_type": names.get(ticket.ticket_type_id, ticket.ticket_type_id),
            "status": TICKET_STATUS.name(ticket.status),
            "checked_in_at": when(ticket, "checked_in_at"),
        }
        for ticket in order.tickets
    ]


def _payment(request, order: tickets_pb2.Order) -> dict | None:
    """The order's payment and what was refunded of it, from the payments service (its listing
    filtered to the order: the staff-only ListPayments); None for an order never charged. If the
    service cannot answer, the card the order knows, with an admin warning."""
    url = f"{reverse('admin:backoffice_payments')}?order_id={order.id}"
    try:
        response = clients.payments().ListPayments(
            payments_pb2.ListPaymentsRequest(order_id=order.id, page_size=1), caller=clients.caller_for(request)
        )
    except errors.DomainError as exc:
        messages.warning(request, f"The payment cannot be shown. {failure(exc)}")
        card = f"{order.payment.brand} •••• {order.payment.last4}" if order.HasField("payment") else ""
        return {"url": url, "card": card, "unknown": True}
    if not response.payments:
        return None
    (payment,) = response.payments
    return {
        "url": url,
        "page_url": payment_url(order.id),
        "id": payment.id,
        "status": PAYMENT_STATUS.name(payment.status),
        "amount": money(payment, "amount"),
        "card": f"{payment.brand} •••• {payment.last4}" if payment.last4 else "",
        "decline_reason": payment.decline_reason,
        "refunded_amount": amount(payment, "refunded_amount"),
        "refunded_at": when(payment, "refunded_at"),
    }


def order_by_id(request, order_id: str):
    """An order known by its id alone (a payment's): its event asked of the tickets service (GetOrder,
    staff may read any order), then its page."""
    try:
        order = clients.tickets().GetOrder(
            tickets_pb2.GetOrderRequest(order_id=int(order_id)), caller=clients.caller_for(request)
        )
    except errors.DomainError as exc:
        breadcrumbs = [(SECTIONS["tickets"], reverse("admin:backoffice_orders")), (f"Order {order_id}", None)]
        context = page_context(request, f"Order {order_id}", SECTIONS["tickets"], breadcrumbs=breadcrumbs)
        return remote_error_page(request, "backoffice/order_detail.html", context, exc)
    return redirect(order_url(order.event_id, order.id))
