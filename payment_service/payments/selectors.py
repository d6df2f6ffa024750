"""Reads of payments: an order's payment, and the staff's listing for the back office."""

from __future__ import annotations

from payment_service.payments.models import Payment
from servicekit.errors import Forbidden, InvalidInput, NotFound
from servicekit.identity import Caller
from servicekit.pagination import Page, sorted_page

# The columns the listing sorts by (order_by): NOT NULL ones only, as a keyset needs.
PAYMENT_SORTS = frozenset({"id", "order_id", "status", "amount", "created_at"})


class PaymentNotFound(NotFound):
    """The order has no payment."""


def get_payment(order_id: int) -> Payment:
    """The payment of the order."""
    try:
        return Payment.objects.get(order_id=order_id)
    except Payment.DoesNotExist:
        raise PaymentNotFound() from None


def list_payments(
    *,
    caller: Caller,
    status: str = "",
    order_id: int = 0,
    page_size: int = 50,
    page_token: str = "",
    order_by: str = "",
    with_total_count: bool = False,
) -> Page:
    """Payments newest first (or in `order_by`'s order, PAYMENT_SORTS), for staff: one page, and the
    next page's token ("" at the end). `with_total_count`: their number too."""
    if not caller.is_staff:
        raise Forbidden("Only staff can list payments.")
    payments = Payment.objects.all()
    if status:
        if status not in Payment.Status.values:
            raise InvalidInput(field_errors={"status": [f"Must be one of {', '.join(Payment.Status.values)}."]})
        payments = payments.filter(status=status)
    if order_id:
        payments = payments.filter(order_id=order_id)
    return sorted_page(
        payments,
        page_size=page_size,
        page_token=page_token,
        order_by=order_by,
        sortable=PAYMENT_SORTS,
        default_size=50,
        count_total=with_total_count,
    )
