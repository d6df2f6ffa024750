"""Money on the wire: Decimal amounts as strings with exactly two decimals ("25.00")."""

from decimal import Decimal, InvalidOperation

CENT = Decimal("0.01")
# Prices and discounts stay below it (10^8): DECIMAL(10, 2) columns.
MAX_AMOUNT = Decimal("100000000")


def money_text(amount: Decimal) -> str:
    """The amount as the contracts carry it, e.g. Decimal("25") -> "25.00"."""
    return f"{amount:.2f}"


def parse_amount(text: str) -> Decimal | None:
    """An amount of money below MAX_AMOUNT with at most 2 decimals, or None if `text` is not one."""
    try:
        amount = Decimal(text)
    except (InvalidOperation, TypeError, ValueError):
        return None
    # copy_abs, not abs(): abs() rounds to the context and overflows on an exponent such as 1e999999999.
    if not amount.is_finite() or amount.as_tuple().exponent < -2 or amount.copy_abs() >= MAX_AMOUNT:
        return None
    return (amount + 0).quantize(CENT)  # + 0 turns -0 into 0
