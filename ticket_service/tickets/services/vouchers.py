"""Vouchers: discount and presale codes an event's organizer hands out. Creating them (one chosen
code, or many random unguessable ones at once), listing them with their uses, deactivating one;
and what a reservation asks of one: is it usable, which types does it apply to, what does a seat
cost with it. A reservation takes its uses with `take_uses` in the transaction that holds the
seats (services.holds); a hold that ends unpaid gives them back (services.inventory.release)."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from servicekit.errors import InvalidInput
from servicekit.identity import Caller
from servicekit.money import CENT, MAX_AMOUNT, parse_amount
from servicekit.timestamps import iso_text
from ticket_service.tickets.models import TicketType, Voucher
from ticket_service.tickets.services.errors import (
    InvalidVoucher,
    VoucherExpired,
    VoucherNotApplicable,
    VoucherNotFound,
    VoucherUsedUp,
)
from ticket_service.tickets.services.events import get_event_info, require_organizer

# No 0/O, 1/I/L: codes are read aloud and typed from paper. 12 of 31 symbols: about 59 bits.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RANDOM_CODE_LENGTH = 12
MAX_VOUCHERS_PER_CALL = 1000
MAX_USES = 1_000_000
MAX_CODE_LENGTH = Voucher._meta.get_field("code").max_length
_CODE = re.compile(rf"[A-Z0-9_-]{{3,{MAX_CODE_LENGTH}}}")


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
    require_organizer(get_event_info(event_id, caller))
    code = normalized_code(code)
    problems: dict[str, list[str]] = {}
    if bool(code) == bool(count):
        problems["code"] = ["Give either a code or a count of random codes."]
    elif code and not _CODE.fullmatch(code):
        problems["code"] = [f"3 to {MAX_CODE_LENGTH} letters, digits, '-' or '_'."]
    elif count and not 1 <= count <= MAX_VOUCHERS_PER_CALL:
        problems["count"] = [f"Must be between 1 and {MAX_VOUCHERS_PER_CALL}."]
    value = _discount_problems(discount_kind, discount_value, problems, presale=unlocks_hidden)
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


def _discount_problems(kind: str, text: str, problems: dict, *, presale: bool) -> Decimal | None:
    if kind not in Voucher.Discount.values:
        problems["discount_kind"] = [f"Must be one of {', '.join(Voucher.Discount.values)}."]
        return None
    value = parse_amount(text)
    # 0% is a presale code's: it opens hidden types without a discount.
    lowest = Decimal(0) if presale else CENT
    if kind == Voucher.Discount.PERCENT and (value is None or not lowest <= value <= 100):
        problems["discount_value"] = [
            "A percentage from 0 to 100."
            if presale
            else "A percentage above 0 and at most 100 (0 only for a code that unlocks hidden types)."
        ]
    elif kind == Voucher.Discount.AMOUNT and (value is None or not 0 < value < MAX_AMOUNT):
        problems["discount_value"] = ["An amount off each seat, above 0 with at most 2 decimals."]
    elif kind == Voucher.Discount.PRICE and (value is None or not 0 <= value < MAX_AMOUNT):
        problems["discount_value"] = ["The price of each seat, from 0 with at most 2 decimals."]
    return value


def deactivate_voucher(*, caller: Caller, event_id: int, voucher_id: int) -> Voucher:
    """Stop a voucher from discounting more seats; the seats it discounted keep their price.
    Deactivating it again changes nothing."""
    require_organizer(get_event_info(event_id, caller))
    voucher = Voucher.objects.filter(pk=voucher_id, event_id=event_id).first()
    if voucher is None:
        raise VoucherNotFound()
    Voucher.objects.filter(pk=voucher.pk).update(active=False)
    voucher.refresh_from_db()
    return voucher


# --- buying with a voucher ---------------------------------------------------------------------------


def find_voucher(*, event_id: int, code: str) -> Voucher:
    """The event's active voucher with `code` (any case), or InvalidVoucher: an unknown code and a
    deactivated one look alike, so neither tells a guesser anything."""
    code = normalized_code(code)
    voucher = (
        Voucher.objects.filter(event_id=event_id, code=code, active=True).first()
        if len(code) <= MAX_CODE_LENGTH
        else None
    )
    if voucher is None:
        raise InvalidVoucher()
    return voucher


def applies_to(voucher: Voucher, ticket_type: TicketType) -> bool:
    """Whether the voucher discounts (and, if hidden, unlocks) seats of `ticket_type`."""
    return not voucher.ticket_type_ids or ticket_type.id in voucher.ticket_type_ids


def unlocks(voucher: Voucher | None, ticket_type: TicketType) -> bool:
    """Whether a hidden `ticket_type` is on sale to the holder of `voucher`."""
    return voucher is not None and voucher.unlocks_hidden and applies_to(voucher, ticket_type)


def seat_price(voucher: Voucher, price: Decimal) -> Decimal:
    """What one seat of `price` costs with the voucher: never more than `price`, never below 0."""
    value = voucher.discount_value
    if voucher.discount_kind == Voucher.Discount.PERCENT:
        discounted = price - (price * value / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    elif voucher.discount_kind == Voucher.Discount.AMOUNT:
        discounted = price - value
    else:
        discounted = value
    return min(max(discounted, Decimal(0)), price)


def refuse_unusable(voucher: Voucher, *, seats: int, now: datetime) -> None:
    """Raise why `voucher` cannot discount `seats` more seats at `now`, if it cannot: VoucherExpired
    outside its validity (with valid_from / valid_until), VoucherNotApplicable for no seats,
    VoucherUsedUp past max_uses (with uses_left). A read, for a clear answer: `take_uses` decides."""
    if (voucher.valid_from and now < voucher.valid_from) or (voucher.valid_until and now >= voucher.valid_until):
        raise VoucherExpired(
            extra={
                "valid_from": iso_text(voucher.valid_from) if voucher.valid_from else None,
                "valid_until": iso_text(voucher.valid_until) if voucher.valid_until else None,
            }
        )
    if not seats:
        raise VoucherNotApplicable(extra={"ticket_type_ids": list(voucher.ticket_type_ids)})
    if voucher.uses + seats > voucher.max_uses:
        raise VoucherUsedUp(extra={"uses_left": max(voucher.max_uses - voucher.uses, 0)})


def take_uses(voucher_id: int, seats: int, *, now: datetime | None) -> bool:
    """The voucher guard: count `seats` more uses only if the database row says they fit
    (uses + seats <= max_uses) and, at `now`, that it is active and valid; None for `now` only counts
    uses (the re-sale of a lapsed hold, already paid for at its discount). False if they do not."""
    vouchers = Voucher.objects.filter(pk=voucher_id, max_uses__gte=F("uses") + seats)
    if now is not None:
        vouchers = vouchers.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=now),
            Q(valid_until__isnull=True) | Q(valid_until__gt=now),
            active=True,
        )
    return bool(vouchers.update(uses=F("uses") + seats))


def give_back_uses(voucher_id: int, seats: int) -> None:
    """The uses of a hold that ended unpaid go back to the voucher."""
    Voucher.objects.filter(pk=voucher_id, uses__gte=seats).update(uses=F("uses") - seats)
