"""The payments adapter: charging an order, completing a paid order into tickets, refunding,
and reconciling charges whose outcome was lost, with the payment service.

The payment saga keeps two promises. Charged at most once: the order id is the charge's
idempotency key (the payments service locks the order's payment row and returns a succeeded
payment instead of charging again). Never paid without a payment, never a payment without
tickets: an order becomes paid (every line's held seats -> sold, a ticket per seat with its
holder, the confirmation in the outbox, one transaction) only after its charge succeeded; if its
seats were lost meanwhile (the hold lapsed and the seats of a line were resold, the event was
cancelled) the charge is refunded, and an order its buyer cancelled while the card was charged
stays cancelled, refunded, answered `order_cancelled`.
`payment_started_at` marks an order whose charge may be in flight: if the tickets service dies
between the charge and the completion, the order is completed (or refunded), never expired, by
paying again (the idempotent charge returns the payment), by paying once the hold lapsed (the
payments service is asked first), or by the sweep once the hold lapsed and CHARGE_SETTLED_AFTER
passed.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Case, Value, When
from django.utils import timezone
from prometheus_client import Counter

from protos.payments.v1 import payments_pb2
from servicekit import clients, errors, outbox
from servicekit.identity import Caller
from servicekit.money import money_text
from servicekit.sql import insert, locked_row, update_row
from ticket_service.tickets.models import Order, OrderLine, OutboxMessage, Ticket
from ticket_service.tickets.services.admission import new_ticket_code
from ticket_service.tickets.services.errors import CustomerLimitReached, HoldExpired, OrderCancelled, OrderNotPayable
from ticket_service.tickets.services.inventory import count_customer_seats, release, sell_held_seats, take_seats
from ticket_service.tickets.services.selectors import (
    issued_tickets,
    order_lines,
    own_order_with_lines,
    remember_issued,
    remember_lines,
)
from ticket_service.tickets.services.vouchers import take_uses

log = logging.getLogger("microtix.tickets")

# On the service's metrics port (servicekit.metrics).
ORDERS_PAID = Counter("microtix_orders_paid", "Orders paid (tickets issued).")
# Orders one pass of the sweep handles, of each kind of work.
SWEEP_BATCH = 200
# A charge attempt older than this has surely finished (client deadlines are far shorter):
# if its order is still not paid, the outcome was lost and is reconciled with the payment service.
CHARGE_SETTLED_AFTER = timedelta(seconds=60)


@dataclass(frozen=True)
class CardDetails:
    number: str
    exp_month: int
    exp_year: int
    cvc: str

    def __repr__(self) -> str:  # never show the card in logs or tracebacks
        return f"CardDetails(number='****{self.number[-4:]}', exp={self.exp_month}/{self.exp_year}, cvc='***')"


def pay_order(*, caller: Caller, order_id: int, card: CardDetails) -> Order:
    """Charge the order's total once and issue its tickets.

    Paying a paid order returns it and charges nothing (the order id is the
    payment's idempotency key, so retries by anyone never charge twice).
    """
    # The lines with the order, before any transaction: they never change once the order is written.
    order = own_order_with_lines(caller, order_id)
    if order.status == Order.Status.PAID:
        return order
    if order.status == Order.Status.EXPIRED or (
        order.status == Order.Status.RESERVED and order.expires_at <= timezone.now()
    ):
        charged = _charged_before_the_hold_lapsed(order)
        if charged is not None:
            # An earlier attempt charged the card but never completed the order (its tickets
            # service died): complete it now, seats permitting, else it is refunded (HoldExpired).
            return complete_paid_order(order.id, charged, order_lines(order))
        release(order.id, Order.Status.EXPIRED, only_expired=True)
        raise HoldExpired()
    if order.status != Order.Status.RESERVED:
        raise OrderNotPayable(f"This order is {order.status} and cannot be paid.")
    if order.total == 0:
        return complete_paid_order(order.id, payments_pb2.Payment(), order_lines(order))  # free: nothing to charge
    _mark_payment_started(order.id)
    request = payments_pb2.ChargeRequest(
        order_id=order.id,
        amount=str(order.total),
        currency=order.currency,
        card=payments_pb2.Card(number=card.number, exp_month=card.exp_month, exp_year=card.exp_year, cvc=card.cvc),
        description=f"MicroTix order {order.id}",
    )
    try:
        payment = clients.payments().Charge(request, caller=caller)
    except (errors.Conflict, errors.InvalidInput):
        # Definitely not charged (declined, bad card): nothing to reconcile for this attempt.
        update_row(Order, order.id, payment_started_at=None)
        raise
    return complete_paid_order(order.id, payment, order_lines(order))


def _mark_payment_started(order_id: int) -> None:
    """Set the order's payment_started_at, unless an earlier attempt set it (that charge may be in flight)."""
    update_row(Order, order_id, where={"payment_started_at": None}, payment_started_at=timezone.now())


def _charged_before_the_hold_lapsed(order: Order) -> payments_pb2.Payment | None:
    """The succeeded payment of an order whose payment had started, if it has one. When the payment
    service cannot tell, the caller is told to try again rather than that the hold expired."""
    if order.payment_started_at is None:
        return None
    return _succeeded_payment(order.id)


def complete_paid_order(order_id: int, payment: payments_pb2.Payment, lines: list[OrderLine] | None = None) -> Order:
    """Turn a reserved order whose payment succeeded into a paid order with tickets.

    If its seats were lost meanwhile (hold expired and resold, order cancelled,
    event cancelled), the payment is refunded and HoldExpired raised: never a
    payment without tickets, never a paid order without a payment.
    `lines`: the order's lines (order_lines) if the caller read them: an order's
    lines never change once it is written, so they need no read under its lock.
    """
    with transaction.atomic():
        order = locked_row(Order, order_id)  # the saga's lock: one completion at a time, on a settled status
        if lines is not None:
            remember_lines(order, lines)
        if order.status == Order.Status.PAID:
            return order
        lines = order_lines(order)  # those given, else read now
        seats = order.status == Order.Status.RESERVED
        if seats:
            for line in lines:  # by ascending type id: the lock order
                sell_held_seats(line.ticket_type_id, line.quantity)
        elif order.status == Order.Status.EXPIRED:
            seats = _sell_lapsed_seats(order, lines)
        if seats:
            now = timezone.now()
            order.status, order.paid_at, order.updated_at = Order.Status.PAID, now, now
            order.payment_brand, order.payment_last4 = payment.brand, payment.last4
            update_row(
                Order,
                order.id,
                status=order.status,
                paid_at=now,
                payment_brand=payment.brand,
                payment_last4=payment.last4,
                updated_at=now,
            )
            issued = insert(
                [
                    Ticket(
                        order=order,
                        user_id=order.user_id,
                        event_id=order.event_id,
                        ticket_type_id=line.ticket_type_id,
                        code=new_ticket_code(),
                        holder_name=holder,
                    )
                    for line in lines
                    for holder in line.holders(order.full_name)
                ]
            )
            remember_issued(order, issued)
            outbox.enqueue(OutboxMessage, "notifications.order_paid", **confirmation_fields(order, lines))
    if seats:
        ORDERS_PAID.inc()
        log.info("order %s paid: %s tickets issued", order.id, order.quantity)
        return order
    if order.status == Order.Status.CANCELLED:
        refunded = refund_order(order.id, reason="order cancelled while its card was charged")
        amount = money_text(refunded.refunded_amount)
        raise OrderCancelled(
            f"The order was cancelled while its card was charged; the payment of {amount} {order.currency} "
            "was refunded.",
            extra={"refunded_amount": amount},
        )
    refund_order(order.id, reason="seats no longer available when the payment completed")
    raise HoldExpired("The seat hold ended before the payment completed; the payment was refunded.")


def confirmation_fields(order: Order, lines: list[OrderLine], tickets: list[Ticket] | None = None) -> dict:
    """The `notifications.order_paid` task's fields of a paid order: its lines and `tickets` (by
    default those it was issued)."""
    return {
        "order_id": order.id,
        "email": order.email,
        "full_name": order.full_name,
        "event_id": order.event_id,
        "total": money_text(order.total),
        "currency": order.currency,
        "lines": [
            {
                "ticket_type_id": line.ticket_type_id,
                "name": line.ticket_type.name,
                "quantity": line.quantity,
                "unit_price": money_text(line.unit_price),
                "discount": money_text(line.discount),
                "total": money_text(line.total),
            }
            for line in lines
        ],
        "tickets": [
            {
                "id": ticket.id,
                "code": ticket.code,
                "ticket_type_id": ticket.ticket_type_id,
                "holder_name": ticket.holder_name,
            }
            for ticket in (issued_tickets(order) if tickets is None else tickets)
        ],
    }


def _sell_lapsed_seats(order: Order, lines: list[OrderLine]) -> bool:
    """The hold lapsed while the card was charged: sell the order the seats of all its lines again
    (by ascending type id, the lock order) if they are all still free, its customer's limits allow
    them and its voucher has the uses it gave back left (the charge had its discount); else none."""
    try:
        with transaction.atomic():
            if not all(take_seats(line.ticket_type_id, line.quantity, column="sold") for line in lines):
                transaction.set_rollback(True)  # the savepoint gives back the lines' seats taken before
                return False
            for line in lines:
                if line.ticket_type.max_per_customer:
                    count_customer_seats(order.user_id, line.ticket_type, line.quantity)
            if order.voucher_id and not take_uses(order.voucher_id, order.voucher_seats, now=None):
                transaction.set_rollback(True)
                return False
            return True
    except CustomerLimitReached:
        return False  # the savepoint gave the seats back


def refund_order(order_id: int, reason: str) -> Order:
    """Refund the order's payment in full (idempotent) and mark the order refunded."""
    # A cancelled order stays cancelled, as its buyer was told, with the refund recorded.
    final_status = Case(
        When(status=Order.Status.CANCELLED, then=Value(Order.Status.CANCELLED)), default=Value(Order.Status.REFUNDED)
    )
    if Order.objects.filter(pk=order_id, total=0).exists():
        Order.objects.filter(pk=order_id).update(status=final_status, updated_at=timezone.now())
        return Order.objects.get(pk=order_id)  # free: nothing was charged
    payment = clients.payments().Refund(payments_pb2.RefundRequest(order_id=order_id, reason=reason))
    # Clearing payment_started_at: the charge is settled, so the sweep has nothing left to reconcile.
    Order.objects.filter(pk=order_id).exclude(status=Order.Status.REFUNDED).update(
        status=final_status,
        refunded_amount=Decimal(payment.refunded_amount),
        payment_started_at=None,
        updated_at=timezone.now(),
    )
    log.info("order %s refunded %s (%s)", order_id, payment.refunded_amount, reason)
    return Order.objects.get(pk=order_id)


def reconcile_abandoned_payments() -> int:
    """Settle orders that were cancelled or expired while their card was being charged:
    a succeeded charge is completed into tickets if seats remain, else refunded."""
    cutoff = timezone.now() - CHARGE_SETTLED_AFTER
    abandoned = Order.objects.filter(
        status__in=[Order.Status.CANCELLED, Order.Status.EXPIRED], payment_started_at__lte=cutoff
    ).values_list("id", flat=True)
    return sum(1 for order_id in abandoned[:SWEEP_BATCH] if reconcile_payment(order_id))


def reconcile_payment(order_id: int) -> bool | None:
    """Ask the payment service how the order's charge ended. True: it succeeded and the
    order is now paid or refunded; False: nothing was charged; None: cannot tell yet."""
    try:
        payment = _succeeded_payment(order_id)
    except errors.DomainError:
        return None
    if payment is not None:
        with contextlib.suppress(HoldExpired, OrderCancelled):  # raised after refunding: settled either way
            complete_paid_order(order_id, payment)
        return True
    Order.objects.filter(pk=order_id).update(payment_started_at=None)
    return False


def _succeeded_payment(order_id: int) -> payments_pb2.Payment | None:
    """The order's payment if its charge succeeded, None if nothing is charged (as yet);
    the payment service's error if it cannot tell."""
    try:
        payment = clients.payments().GetPayment(payments_pb2.GetPaymentRequest(order_id=order_id))
    except errors.NotFound:
        return None
    return payment if payment.status == payments_pb2.PAYMENT_STATUS_SUCCEEDED else None
