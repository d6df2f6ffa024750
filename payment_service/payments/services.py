"""Writes of payments: charging an order at most once through the provider, and refunding its
payment (reads are in selectors.py)."""

from __future__ import annotations

import logging
import re
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from payment_service.payments.models import Payment, Refund
from payment_service.payments.providers import CardDeclined, CardDetails, card_brand, get_provider
from servicekit.errors import Conflict, InvalidInput
from servicekit.money import CENT, money_text

log = logging.getLogger("microtix.payments")

MAX_AMOUNT = Decimal("9999999999.99")  # what DecimalField(max_digits=12, decimal_places=2) holds
CURRENCY = re.compile(r"[A-Z]{3}")
# The key of a refund of whatever is left (the one existing callers ask for).
FULL_REFUND = "full"
REFUND_KEY = re.compile(r"[A-Za-z0-9:_.-]{1,64}")
MAX_REASON = 1000


class NothingToRefund(Conflict, code="nothing_to_refund"):
    """Nothing was charged for this order, so there is nothing to refund."""


class RefundTooLarge(Conflict, code="refund_exceeds_payment"):
    """The refund would take the payment's refunds past what was charged."""


def charge_order(*, order_id: int, amount: Decimal, currency: str, card: CardDetails, description: str = "") -> Payment:
    """Charge the card for the order, at most once per order whoever calls and however often.

    Once a charge succeeded, every later call returns that payment and charges nothing,
    whatever card it gives. A declined attempt is recorded (then CardDeclined is raised) and may
    be retried with another card; CardInvalid and ProviderError leave nothing charged or recorded.
    """
    _validate_charge(order_id, amount, currency)
    amount = amount.quantize(CENT)
    try:
        payment, declined = _attempt_charge(order_id, amount, currency, card, description)
    except IntegrityError:
        # A concurrent first attempt inserted the order's row and committed. Retried in a new
        # transaction: InnoDB keeps a shared lock from the failed insert, and upgrading it to the
        # row lock in the same transaction would deadlock against the other losers of the race.
        payment, declined = _attempt_charge(order_id, amount, currency, card, description)
    if declined:
        _log_outcome(f"charge declined ({declined.reason})", payment, amount)
        raise declined
    return payment


def refund_order(*, order_id: int, amount: Decimal | None = None, key: str = "", reason: str = "") -> Payment:
    """Refund `amount` of the order's succeeded payment (None: whatever is left, its full refund),
    once per `key` ("" is "full"): the same key again returns the payment and refunds nothing more.

    Refunds of other keys add up to at most the charge, however concurrent: past it, RefundTooLarge.
    The payment is `refunded` once refunded in full.
    """
    key = key or FULL_REFUND
    _validate_refund(order_id, amount, key, reason)
    with transaction.atomic():
        # Refunds of one payment take turns (a full one needs what is left); the guard below decides.
        payment = Payment.objects.select_for_update().filter(order_id=order_id).first()
        if payment is None or payment.status in (Payment.Status.DECLINED, Payment.Status.PROCESSING):
            raise NothingToRefund()
        if amount is None:
            amount = payment.amount - payment.refunded_amount
            if amount <= 0:
                return payment  # refunded in full already
        try:
            with transaction.atomic():
                Refund.objects.create(payment=payment, key=key, amount=amount, reason=reason)
        except IntegrityError:
            return payment  # this key's refund is done
        # The guard: never refunded past the charge, decided by the row itself.
        if not Payment.objects.filter(pk=payment.pk, refunded_amount__lte=F("amount") - amount).update(
            refunded_amount=F("refunded_amount") + amount
        ):
            left = money_text(payment.amount - payment.refunded_amount)
            raise RefundTooLarge(
                f"Only {left} {payment.currency} of this payment is left to refund.", extra={"refundable": left}
            )
        get_provider().refund(charge_id=payment.provider_charge_id, amount=amount)
        payment.refresh_from_db(fields=["refunded_amount"])
        if payment.refunded_amount == payment.amount:
            payment.status = Payment.Status.REFUNDED
        payment.refunded_at = timezone.now()
        payment.refund_reason = reason
        payment.save(update_fields=["status", "refunded_at", "refund_reason", "updated_at"])
    _log_outcome(f"refunded ({key})", payment, amount)
    return payment


def _attempt_charge(
    order_id: int, amount: Decimal, currency: str, card: CardDetails, description: str
) -> tuple[Payment, CardDeclined | None]:
    """One charge attempt in one transaction holding the order's row lock, so concurrent calls
    for the order (from any process) take turns and see each other's outcome. Returns the
    payment, and the decline to raise once the decline record is committed."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(order_id=order_id).first()
        if payment is None:
            # Claims the order: concurrent creators block on the unique order_id until we commit.
            payment = Payment.objects.create(
                order_id=order_id, status=Payment.Status.PROCESSING, amount=amount, currency=currency
            )
        if payment.status in (Payment.Status.SUCCEEDED, Payment.Status.REFUNDED):
            return payment, None
        payment.amount, payment.currency, payment.description = amount, currency, description
        payment.brand, payment.last4 = card_brand(card.number), card.last4
        payment.attempts += 1
        try:
            result = get_provider().charge(
                idempotency_key=f"order-{order_id}-{payment.attempts}", amount=amount, currency=currency, card=card
            )
        except CardDeclined as declined:
            payment.status, payment.decline_reason = Payment.Status.DECLINED, declined.reason
            payment.save()
            return payment, declined
        payment.status, payment.decline_reason = Payment.Status.SUCCEEDED, ""
        payment.brand, payment.last4, payment.provider_charge_id = result.brand, result.last4, result.charge_id
        payment.save()
    _log_outcome("charged", payment, amount)
    return payment, None


def _log_outcome(outcome: str, payment: Payment, amount: Decimal) -> None:
    # Of the card, only what the payment row holds too: never its number or cvc.
    card = f"brand={payment.brand} last4={payment.last4}"
    log.info("%s order_id=%s amount=%s %s %s", outcome, payment.order_id, amount, payment.currency, card)


def _validate_refund(order_id: int, amount: Decimal | None, key: str, reason: str) -> None:
    problems: dict[str, list[str]] = {}
    if order_id <= 0:
        problems["order_id"] = ["Must be a positive order id."]
    if amount is not None:
        _check_amount(amount, problems)
    if not REFUND_KEY.fullmatch(key):
        problems["key"] = ["Must be 1 to 64 letters, digits or : _ . -"]
    if len(reason) > MAX_REASON:
        problems["reason"] = [f"Must be at most {MAX_REASON} characters."]
    if problems:
        raise InvalidInput(field_errors=problems)


def _check_amount(amount: Decimal, problems: dict[str, list[str]]) -> None:
    if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT:
        problems["amount"] = [f"Must be more than 0 and at most {MAX_AMOUNT}."]
    elif amount != amount.quantize(CENT):
        problems["amount"] = ["Must have at most 2 decimal places."]


def _validate_charge(order_id: int, amount: Decimal, currency: str) -> None:
    problems: dict[str, list[str]] = {}
    if order_id <= 0:
        problems["order_id"] = ["Must be a positive order id."]
    _check_amount(amount, problems)
    if not CURRENCY.fullmatch(currency):
        problems["currency"] = ["Must be a 3-letter ISO 4217 code in capitals, e.g. EUR."]
    if problems:
        raise InvalidInput(field_errors=problems)
