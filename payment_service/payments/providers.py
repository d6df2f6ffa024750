"""Payment providers: the interface the services charge through, and the built-in simulated
provider that behaves like a card processor's test mode (well-known test card numbers)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from payment_service.payments.models import SimulatedCharge
from servicekit.errors import InvalidInput, PaymentDeclined, Unavailable

DECLINED_CARDS = {"4000000000000002": "card_declined", "4000000000009995": "insufficient_funds"}
PROCESSING_ERROR_CARD = "4000000000000119"
# Succeeds, but only after SLOW_CARD_SECONDS: a provider slow to answer, so tests can act
# (kill or stop a process) while a charge is in flight.
SLOW_CARD = "4000000000000077"
SLOW_CARD_SECONDS = 3.0


class CardInvalid(InvalidInput, code="invalid_card"):
    """The card details are invalid."""


class CardDeclined(PaymentDeclined):
    """The card was declined."""

    def __init__(self, reason: str):
        super().__init__(f"The card was declined ({reason}).", extra={"decline_reason": reason})
        self.reason = reason


class ProviderError(Unavailable, code="payment_provider_error"):
    """The payment provider could not process the payment; nothing was charged. Try again."""


@dataclass(frozen=True, repr=False)
class CardDetails:
    """Card data as entered; lives only in memory for the duration of a charge."""

    number: str
    exp_month: int
    exp_year: int
    cvc: str

    @property
    def last4(self) -> str:
        return self.number[-4:]

    def __repr__(self) -> str:
        # Keeps the number and cvc out of logs, tracebacks and debuggers.
        return (
            f"CardDetails(number='****{self.last4}', exp_month={self.exp_month}, exp_year={self.exp_year}, cvc='***')"
        )


@dataclass(frozen=True)
class ChargeResult:
    """A successful charge, as the provider recorded it."""

    charge_id: str
    brand: str
    last4: str


@dataclass(frozen=True)
class RefundResult:
    """A refund done; `refunded_amount` is the charge's total refunded so far."""

    charge_id: str
    refunded_amount: Decimal
    refunded_at: datetime


class PaymentProvider(Protocol):
    def charge(self, *, idempotency_key: str, amount: Decimal, currency: str, card: CardDetails) -> ChargeResult:
        """Charge the card. The same idempotency key again returns the first charge instead of a
        new one. Raises CardInvalid, CardDeclined or ProviderError (then nothing was charged)."""
        ...

    def refund(self, *, charge_id: str, amount: Decimal) -> RefundResult:
        """Refund `amount` of the charge. Raises ProviderError if that cannot be done."""
        ...


def get_provider() -> PaymentProvider:
    """The provider named by settings.PAYMENT_PROVIDER (a dotted path to its class)."""
    return import_string(settings.PAYMENT_PROVIDER)()


def luhn_valid(number: str) -> bool:
    """Whether the digit string passes the Luhn checksum."""
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def card_brand(number: str) -> str:
    """The card network, from the number's leading digits."""
    if not number.isdigit():
        return "card"
    if number.startswith("4"):
        return "visa"
    if 51 <= int(number[:2]) <= 55 or 2221 <= int(number[:4]) <= 2720:
        return "mastercard"
    if number[:2] in ("34", "37"):
        return "amex"
    return "card"


def validate_card(card: CardDetails, today: datetime | None = None) -> None:
    """Raise CardInvalid listing every invalid field of the card."""
    today = today or datetime.now(UTC)
    problems: dict[str, list[str]] = {}
    number = card.number
    if not (number.isascii() and number.isdigit() and 12 <= len(number) <= 19 and luhn_valid(number)):
        problems["card_number"] = ["Enter a valid card number."]
    month_valid = 1 <= card.exp_month <= 12
    if not month_valid:
        problems["exp_month"] = ["Enter a month between 1 and 12."]
    year = card.exp_year + 2000 if 0 <= card.exp_year < 100 else card.exp_year
    if not 2000 <= year <= 9999:
        problems["exp_year"] = ["Enter a 2 or 4 digit year."]
    elif year < today.year:
        problems["exp_year"] = ["The card has expired."]
    elif month_valid and year == today.year and card.exp_month < today.month:
        problems["exp_month"] = ["The card has expired."]
    if not (card.cvc.isascii() and card.cvc.isdigit() and len(card.cvc) in (3, 4)):
        problems["cvc"] = ["Enter the 3 or 4 digit security code."]
    if problems:
        raise CardInvalid(field_errors=problems)


class SimulatedProvider:
    """A stand-in card processor recording its charges in SimulatedCharge: 4242424242424242
    succeeds, 4000000000000002 is declined, 4000000000009995 is declined for insufficient
    funds, 4000000000000119 fails with a processing error, 4000000000000077 succeeds after
    SLOW_CARD_SECONDS, any other valid card succeeds."""

    def charge(self, *, idempotency_key: str, amount: Decimal, currency: str, card: CardDetails) -> ChargeResult:
        """Validate and charge the card; the same idempotency key returns the existing charge."""
        validate_card(card)
        if card.number in DECLINED_CARDS:
            raise CardDeclined(DECLINED_CARDS[card.number])
        if card.number == PROCESSING_ERROR_CARD:
            raise ProviderError()
        if card.number == SLOW_CARD:
            time.sleep(SLOW_CARD_SECONDS)
        charge, _ = SimulatedCharge.objects.get_or_create(
            idempotency_key=idempotency_key,
            defaults={
                "charge_id": f"ch_{secrets.token_hex(12)}",
                "amount": amount,
                "currency": currency,
                "brand": card_brand(card.number),
                "last4": card.last4,
            },
        )
        return ChargeResult(charge_id=charge.charge_id, brand=charge.brand, last4=charge.last4)

    def refund(self, *, charge_id: str, amount: Decimal) -> RefundResult:
        """Refund part or all of what remains of the charge."""
        with transaction.atomic():
            charge = SimulatedCharge.objects.select_for_update().filter(charge_id=charge_id).first()
            if charge is None:
                raise ProviderError(f"No such charge: {charge_id}.")
            if not 0 < amount <= charge.amount - charge.refunded_amount:
                raise ProviderError(f"Cannot refund {amount} of charge {charge_id}: it would exceed the charge.")
            charge.refunded_amount += amount
            charge.refunded_at = timezone.now()
            charge.save(update_fields=["refunded_amount", "refunded_at"])
        return RefundResult(charge_id=charge_id, refunded_amount=charge.refunded_amount, refunded_at=charge.refunded_at)
