"""Money on the wire: Decimal amounts as strings with exactly two decimals ("25.00")."""

from decimal import Decimal

CENT = Decimal("0.01")


def money_text(amount: Decimal) -> str:
    """The amount as the contracts carry it, e.g. Decimal("25") -> "25.00"."""
    return f"{amount:.2f}"
