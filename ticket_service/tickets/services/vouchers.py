"""Vouchers: discount and presale codes an event's organizer hands out. Creating them (one chosen
code, or many random unguessable ones at once), listing them with their uses, deactivating one.
Reservations consume their uses in the transaction that holds the seats (services.holds)."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction

from servicekit.errors import InvalidInput
from servicekit.identity import Caller
from ticket_service.tickets.models import TicketType, Voucher
from ticket_service.tickets.services.errors import VoucherNotFound
from ticket_service.tickets.services.events import get_event_info, require_organizer
from ticket_service.tickets.services.ticket_types import MAX_PRICE, parse_amount

# No 0/O, 1/I/L: codes are read aloud and typed from paper. 12 of 31 symbols: about 59 bits.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RANDOM_CODE_LENGTH = 12
MAX_VOUCHERS_PER_CALL = 1000
MAX_USES = 1_000_000
_CODE = re.compile(r"[A-Z0-9_-]{3,32}")


def normalized_code(code: str) -> str:
    """A code as it is kept and matched: stripped, upper case (codes match case-insensitively)."""
    return code.strip().upper()


def random_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(RANDOM_CODE_LENGTH))


def create_vouchers(
    *,
    caller: Caller,
    event_id: int,
    code: str = "",
    count: int = 0,
    discount_kind: str,
    discount_value: str,
    ticket_type_ids: list[int] | None = None,
    max_uses: int = 1,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    unlocks_hidden: bool = False,
) -> list[Voucher]:
    """Create one voucher with `code`, or `count` vouchers with random codes, for an event the
    caller organizes. Each may discount `max_uses` seats in all."""
    require_organizer(caller, get_event_info(event_id, caller))
    code = normalized_code(code)
    problems: dict[str, list[str]] = {}
    if bool(code) == bool(count):
        problems["code"] = ["Give either a code or a count of random codes."]
    elif code and not _CODE.fullmatch(code):
        problems["code"] = ["3 to 32 letters, digits, '-' or '_'."]
    elif count and not 1 <= count <= MAX_VOUCHERS_PER_CALL:
        problems["count"] = [f"Must be between 1 and {MAX_VOUCHERS_PER_CALL}."]
    value = _discount_problems(discount_kind, discount_value, problems)
    if not 1 <= max_uses <= MAX_USES:
        problems["max_uses"] = [f"Must be between 1 and {MAX_USES}."]
    if valid_from and valid_until and valid_until <= valid_from:
        problems["valid_until"] = ["Must be after valid_from."]
    types = sorted(set(ticket_type_ids or []))
    if types and TicketType.objects.filter(event_id=event_id, id__in=types).count() != len(types):
        problems["ticket_type_ids"] = ["Every ticket type must be one of this event's."]
    if problems:
        raise InvalidInput(field_errors=problems)
    fields = {
        "event_id": event_id,
        "discount_kind": discount_kind,
        "discount_value": value,
        "ticket_type_ids": types,
        "max_uses": max_uses,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "unlocks_hidden": unlocks_hidden,
    }
    codes = [code] if code else [random_code() for _ in range(count)]
    try:
        with transaction.atomic():
            Voucher.objects.bulk_create([Voucher(code=each, **fields) for each in codes])
    except IntegrityError:
        if code:
            raise InvalidInput(field_errors={"code": ["This event already has a voucher with this code."]}) from None
        raise  # two random codes alike: 59 bits make it a bug, not bad luck
    # Read back: MySQL gives bulk-created rows no ids.
    return list(Voucher.objects.filter(event_id=event_id, code__in=codes).order_by("id"))


def _discount_problems(kind: str, text: str, problems: dict) -> Decimal | None:
    if kind not in Voucher.Discount.values:
        problems["discount_kind"] = [f"Must be one of {', '.join(Voucher.Discount.values)}."]
        return None
    value = parse_amount(text)
    if kind == Voucher.Discount.PERCENT and (value is None or not 0 < value <= 100):
        problems["discount_value"] = ["A percentage above 0 and at most 100."]
    elif kind == Voucher.Discount.AMOUNT and (value is None or not 0 < value < MAX_PRICE):
        problems["discount_value"] = ["An amount off each seat, above 0 with at most 2 decimals."]
    elif kind == Voucher.Discount.PRICE and (value is None or not 0 <= value < MAX_PRICE):
        problems["discount_value"] = ["The price of each seat, from 0 with at most 2 decimals."]
    return value


def deactivate_voucher(*, caller: Caller, event_id: int, voucher_id: int) -> Voucher:
    """Stop a voucher from discounting more seats; the seats it discounted keep their price.
    Deactivating it again changes nothing."""
    require_organizer(caller, get_event_info(event_id, caller))
    voucher = Voucher.objects.filter(pk=voucher_id, event_id=event_id).first()
    if voucher is None:
        raise VoucherNotFound()
    Voucher.objects.filter(pk=voucher.pk).update(active=False)
    voucher.refresh_from_db()
    return voucher
