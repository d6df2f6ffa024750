"""Domain errors of the tickets service, grouped by the saga that raises them."""

from __future__ import annotations

from servicekit.errors import Conflict, Forbidden, NotFound

# --- events and ticket types -----------------------------------------------------------------------


class NotEventOrganizer(Forbidden):
    """Only the event's organizer can do this."""


class EventCancelled(Conflict):
    """The event is cancelled."""

    code = "event_cancelled"


class EventStarted(Conflict):
    """The event has already started."""

    code = "event_started"


class TicketTypeNotFound(NotFound):
    """No such ticket type."""


# --- holds -----------------------------------------------------------------------------------------


class SoldOut(Conflict):
    """Not enough seats left."""

    code = "sold_out"


class CustomerLimitReached(Conflict):
    """This customer may not hold or buy more tickets of this type."""

    code = "customer_limit_reached"


class NotACustomer(Forbidden):
    """Only customers can buy tickets."""


class IdempotencyKeyReused(Conflict):
    """This Idempotency-Key was already used for a different order."""

    code = "idempotency_key_reused"


# --- orders and their payment ----------------------------------------------------------------------


class OrderNotFound(NotFound):
    """No such order."""


class OrderNotCancellable(Conflict):
    """A paid order cannot be cancelled."""

    code = "order_not_cancellable"


class OrderNotPayable(Conflict):
    """This order cannot be paid."""

    code = "order_not_payable"


class HoldExpired(Conflict):
    """The seat hold has expired; reserve again."""

    code = "hold_expired"


class OrderCancelled(Conflict):
    """The order was cancelled while its card was being charged; the payment was refunded."""

    code = "order_cancelled"


# --- tickets and check-in --------------------------------------------------------------------------


class InvalidTicket(NotFound):
    """This is not a valid ticket code."""

    code = "invalid_ticket"


class TicketNotFound(NotFound):
    """No such ticket."""


class AlreadyCheckedIn(Conflict):
    code = "already_checked_in"


class TicketVoid(Conflict):
    """This ticket is void."""

    code = "ticket_void"
