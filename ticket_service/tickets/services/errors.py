"""Domain errors of the tickets service, grouped by the saga that raises them."""

from __future__ import annotations

from servicekit.errors import Conflict, Forbidden, InvalidInput, NotFound

# --- events and ticket types -----------------------------------------------------------------------


class NotEventOrganizer(Forbidden):
    """Only the event's organizer can do this."""


class EventCancelled(Conflict, code="event_cancelled"):
    """The event is cancelled."""


class EventStarted(Conflict, code="event_started"):
    """The event has already started."""


class TicketTypeNotFound(NotFound):
    """No such ticket type."""


class CapacityBelowSold(Conflict, code="capacity_below_sold"):
    """The capacity cannot go below the seats sold and held."""


class TicketTypeInUse(Conflict, code="ticket_type_in_use"):
    """Seats of this ticket type were sold or held: it cannot be deleted (end its sales instead)."""


# --- holds -----------------------------------------------------------------------------------------


class SoldOut(Conflict, code="sold_out"):
    """Not enough seats left."""


class SalesNotStarted(Conflict, code="sales_not_started"):
    """Sales of this ticket type have not started yet."""


class SalesEnded(Conflict, code="sales_ended"):
    """Sales of this ticket type have ended."""


class CustomerLimitReached(Conflict, code="customer_limit_reached"):
    """This customer may not hold or buy more tickets of this type."""


class NotACustomer(Forbidden):
    """Only customers can buy tickets."""


class IdempotencyKeyReused(Conflict, code="idempotency_key_reused"):
    """This Idempotency-Key was already used for a different order."""


# --- waiting lists ---------------------------------------------------------------------------------


class TicketsAvailable(Conflict, code="tickets_available"):
    """This ticket type has seats for sale and nobody waiting: reserve them instead of joining its waiting list."""


class WaitingListEntryNotFound(NotFound, code="not_on_waiting_list"):
    """You are not on this ticket type's waiting list."""


# --- vouchers ---------------------------------------------------------------------------------------


class VoucherNotFound(NotFound):
    """No such voucher."""


class InvalidVoucher(NotFound, code="invalid_voucher"):
    """This voucher code is not valid for this event."""


class VoucherUsedUp(Conflict, code="voucher_used_up"):
    """This voucher has no uses left for these seats."""


class VoucherExpired(Conflict, code="voucher_expired"):
    """This voucher is not valid at this time."""


class VoucherNotApplicable(InvalidInput, code="voucher_not_applicable"):
    """This voucher does not apply to any ticket type of this order."""


# --- orders and their payment ----------------------------------------------------------------------


class OrderNotFound(NotFound):
    """No such order."""


class OrderNotCancellable(Conflict, code="order_not_cancellable"):
    """A paid order cannot be cancelled."""


class OrderNotPayable(Conflict, code="order_not_payable"):
    """This order cannot be paid."""


class HoldExpired(Conflict, code="hold_expired"):
    """The seat hold has expired; reserve again."""


class OrderCancelled(Conflict, code="order_cancelled"):
    """The order was cancelled while its card was being charged; the payment was refunded."""


class OrderNotRefundable(Conflict, code="order_not_refundable"):
    """Only a paid order can be refunded."""


class OrderNotPaid(Conflict, code="order_not_paid"):
    """The order is not paid: it has no confirmation to send."""


# --- tickets and check-in --------------------------------------------------------------------------


class InvalidTicket(NotFound, code="invalid_ticket"):
    """This is not a valid ticket code."""


class TicketNotFound(NotFound):
    """No such ticket."""


class AlreadyCheckedIn(Conflict, code="already_checked_in"):
    """This ticket was already checked in."""


class TicketVoid(Conflict, code="ticket_void"):
    """This ticket is void."""


class TicketCheckedIn(Conflict, code="ticket_checked_in"):
    """A checked-in ticket cannot be refunded."""
